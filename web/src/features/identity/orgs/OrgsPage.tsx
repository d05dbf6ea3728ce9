import { useMemo, useState, type HTMLAttributes } from 'react';
import { Button, Card, Space, Table, Tag, Typography } from 'antd';
import { EditOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { useLang } from '../../../lang';
import type { Org } from '../../../types';
import { ErrorAlert } from '../../../components/ErrorAlert';
import { OrgFormModal } from './OrgFormModal';
import { orgTree, useOrgs, type OrgNode } from './api';

const kindColor: Record<Org['kind'], string> = {
  government: 'red',
  institution: 'gold',
  company: 'blue',
  other: 'default',
};

function toggled(set: ReadonlySet<string>, id: string, on: boolean): ReadonlySet<string> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

export default function OrgsPage() {
  const { t, orgKind, time } = useLang();
  const orgs = useOrgs();
  const [modal, setModal] = useState<{ open: boolean; editing: Org | null }>({ open: false, editing: null });
  const tree = useMemo(() => orgTree(orgs.data ?? []), [orgs.data]);
  // Every branch starts open, new ones included; only what the user folds stays folded.
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const parents = useMemo(
    () => [...new Set((orgs.data ?? []).flatMap((o) => (o.parentId ? [o.parentId] : [])))],
    [orgs.data],
  );

  return (
    <Card
      title={t('orgs.title')}
      extra={
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void orgs.refetch()}>
            {t('common.refresh')}
          </Button>
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="org-create"
            onClick={() => setModal({ open: true, editing: null })}
          >
            {t('orgs.create')}
          </Button>
        </Space>
      }
    >
      {orgs.error && <ErrorAlert error={orgs.error} style={{ marginBottom: 16 }} />}
      <Table<OrgNode>
        rowKey="id"
        loading={orgs.isPending}
        dataSource={tree}
        pagination={false}
        data-testid="org-table"
        expandable={{
          expandedRowKeys: parents.filter((id) => !collapsed.has(id)),
          onExpand: (expanded, o) => setCollapsed((prev) => toggled(prev, o.id, !expanded)),
        }}
        onRow={(o) => ({ 'data-testid': `org-row-${o.uscc}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('orgs.name'), dataIndex: 'name' },
          {
            title: t('orgs.uscc'),
            dataIndex: 'uscc',
            render: (v: string) => <Typography.Text code>{v}</Typography.Text>,
          },
          { title: t('orgs.regionCode'), dataIndex: 'regionCode' },
          {
            title: t('orgs.kind'),
            dataIndex: 'kind',
            render: (k: Org['kind']) => <Tag color={kindColor[k]}>{orgKind(k)}</Tag>,
          },
          { title: t('orgs.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_, o) => (
              <Button
                size="small"
                icon={<EditOutlined />}
                data-testid={`org-edit-${o.uscc}`}
                onClick={() => setModal({ open: true, editing: o })}
              >
                {t('common.edit')}
              </Button>
            ),
          },
        ]}
      />
      <OrgFormModal
        open={modal.open}
        editing={modal.editing}
        orgs={orgs.data ?? []}
        onClose={() => setModal({ open: false, editing: null })}
      />
    </Card>
  );
}
