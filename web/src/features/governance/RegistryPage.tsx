import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { useDeleteItem, useItems } from './registry-api';
import type { DataItem, SubjectKind } from './registry-model';
import { ItemDrawer, SourceLine } from './ItemDrawer';

/** 主体标识: what an item's key identifies, as a tag. */
export function SubjectTag({ value }: { value: SubjectKind }) {
  const { t } = useLang();
  return (
    <Tag color={value === 'uscc' ? 'blue' : 'purple'} data-testid="item-subject-tag" data-value={value}>
      {t(`registry.subject.${value}`)}
    </Tag>
  );
}

/** The authoritative source's entry, its value field and its key field. */
function AuthorityCell({ item }: { item: DataItem }) {
  const { t } = useLang();
  const a = item.sources.find((s) => s.role === 'authoritative');
  if (!a) return <Typography.Text type="danger">{t('registry.authority.missing')}</Typography.Text>;
  return (
    <Space orientation="vertical" size={0} data-testid="registry-authority" data-entry={a.entryName}>
      <Typography.Text>
        {a.entryName} <Typography.Text type="secondary">({a.entryCode})</Typography.Text>
      </Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('registry.source.valueOf', { name: a.fieldName, code: a.field })} ·{' '}
        {t('registry.source.keyOf', { name: a.keyFieldName, code: a.keyField })}
      </Typography.Text>
    </Space>
  );
}

type Editing = { kind: 'create' } | { kind: 'edit'; id: string } | null;

/**
 * 一数一源 — the registry of data items: each with the subject its key identifies, its one
 * authoritative source and the secondary sources the cross-checks compare with it.
 */
export default function RegistryPage() {
  const { t, time } = useLang();
  const notify = useNotify();
  const items = useItems();
  const remove = useDeleteItem();
  const [editing, setEditing] = useState<Editing>(null);
  const editedItem =
    editing?.kind === 'edit' ? (items.data ?? []).find((i) => i.id === editing.id) : undefined;

  const columns: ColumnsType<DataItem> = [
    {
      title: t('registry.col.name'),
      key: 'name',
      render: (_, i) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{i.name}</Typography.Text>
          {i.description && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {i.description}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('registry.col.subject'),
      dataIndex: 'subjectKind',
      render: (v: SubjectKind) => <SubjectTag value={v} />,
    },
    { title: t('registry.col.authority'), key: 'authority', render: (_, i) => <AuthorityCell item={i} /> },
    {
      title: t('registry.col.provider'),
      key: 'provider',
      render: (_, i) => i.sources.find((s) => s.role === 'authoritative')?.providerOrgName ?? '—',
    },
    {
      title: t('registry.col.secondary'),
      key: 'secondary',
      render: (_, i) => {
        const n = i.sources.filter((s) => s.role === 'secondary').length;
        return (
          <Tooltip
            title={i.sources
              .filter((s) => s.role === 'secondary')
              .map((s) => `${s.entryName} · ${s.fieldName}`)
              .join('；')}
          >
            <Tag color={n ? 'geekblue' : undefined} data-testid="registry-secondary-count" data-count={n}>
              {t('registry.secondaryCount', { n })}
            </Tag>
          </Tooltip>
        );
      },
    },
    { title: t('registry.col.updatedAt'), dataIndex: 'updatedAt', render: (v: string) => time(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, i) => (
        <Space size={4}>
          <Button
            size="small"
            data-testid="registry-edit"
            onClick={() => setEditing({ kind: 'edit', id: i.id })}
          >
            {t('common.edit')}
          </Button>
          <Popconfirm
            title={t('registry.deleteConfirm', { name: i.name })}
            okText={t('common.ok')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true, 'data-testid': 'registry-delete-confirm' }}
            onConfirm={() =>
              remove.mutateAsync(i.id).then(
                () => notify.success(t('registry.deleted')),
                (err: unknown) => notify.error(err),
              )
            }
          >
            <Button size="small" danger data-testid="registry-delete">
              {t('registry.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('registry.title')}
      data-testid="registry-page"
      extra={
        <Button
          type="primary"
          icon={<PlusOutlined />}
          data-testid="registry-create"
          onClick={() => setEditing({ kind: 'create' })}
        >
          {t('registry.create')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">{t('registry.intro')}</Typography.Paragraph>
      {items.error && <ErrorAlert error={items.error} style={{ marginBottom: 16 }} />}
      <Table<DataItem>
        rowKey="id"
        size="middle"
        loading={items.isPending}
        dataSource={items.data ?? []}
        columns={columns}
        pagination={false}
        locale={{ emptyText: t('registry.empty') }}
        data-testid="registry-table"
        expandable={{
          rowExpandable: (i) => i.sources.some((s) => s.role === 'secondary'),
          expandedRowRender: (i) => (
            <Space orientation="vertical" size="small" data-testid="registry-sources">
              {i.sources
                .filter((s) => s.role === 'secondary')
                .map((s) => (
                  <Space key={s.id} align="start">
                    <Tag>{t('registry.role.secondary')}</Tag>
                    <SourceLine s={s} />
                  </Space>
                ))}
            </Space>
          ),
        }}
        onRow={(i) =>
          ({
            'data-testid': 'registry-row',
            'data-id': i.id,
            'data-name': i.name,
            'data-subject': i.subjectKind,
            'data-sources': String(i.sources.filter((s) => s.role === 'secondary').length),
          }) as HTMLAttributes<HTMLElement>
        }
      />
      {editing?.kind === 'create' && <ItemDrawer onClose={() => setEditing(null)} />}
      {editing?.kind === 'edit' && editedItem && (
        <ItemDrawer key={editedItem.id} item={editedItem} onClose={() => setEditing(null)} />
      )}
    </Card>
  );
}
