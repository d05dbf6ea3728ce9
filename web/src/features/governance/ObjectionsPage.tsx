import type { HTMLAttributes } from 'react';
import { Button, Card, Checkbox, Select, Space, Table, Tabs, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useCan } from '../auth/session';
import { useObjections } from './objections-api';
import { ObjectionDrawer } from './ObjectionDrawer';
import { Deadline, FieldCell, ObjectionStatusTag, OriginTag, RecordKey } from './labels';
import {
  OBJECTION_BOXES,
  OBJECTION_STATUSES,
  type Objection,
  type ObjectionBox,
  type ObjectionStatus,
} from './model';

function Entry({ o }: { o: Objection }) {
  return (
    <Space orientation="vertical" size={0}>
      <Typography.Text>{o.entryName}</Typography.Text>
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {o.entryCode}
      </Typography.Text>
    </Space>
  );
}

/**
 * 异议处理 — the objections inbox: 待我处理 (addressed to my organisation, most urgent first),
 * 我提出的 (raised by me or my organisation), 全部 (the platform). The box, the filters and the
 * open objection are kept in the address (?box=&status=&overdue=1&id=).
 */
export default function ObjectionsPage() {
  const { t, time } = useLang();
  const can = useCan();
  const [search, setSearch] = useSearchParams();
  const boxes = OBJECTION_BOXES.filter((b) => b !== 'all' || can('governance.manage'));
  const box: ObjectionBox = boxes.find((b) => b === search.get('box')) ?? boxes[0]!;
  const status = OBJECTION_STATUSES.find((s) => s === search.get('status'));
  const overdue = search.get('overdue') === '1';
  const openId = search.get('id');
  const list = useObjections({ box, status, overdue: overdue ? true : undefined });
  const items = (list.data?.pages ?? []).flatMap((p) => p.items);

  /** Changes some of the address's parameters (an empty value removes one). */
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setSearch(next, { replace: true });
  };

  const columns: ColumnsType<Objection> = [
    { title: t('objection.col.entry'), key: 'entry', render: (_, o) => <Entry o={o} /> },
    { title: t('objection.col.key'), key: 'key', render: (_, o) => <RecordKey value={o.recordKey} /> },
    { title: t('objection.col.field'), key: 'field', render: (_, o) => <FieldCell o={o} /> },
    { title: t('objection.col.origin'), key: 'origin', render: (_, o) => <OriginTag value={o.origin} /> },
    {
      title: t('objection.col.raisedBy'),
      key: 'raisedBy',
      render: (_, o) => (
        <Space orientation="vertical" size={0}>
          <span>{o.raisedByName}</span>
          {o.raiserOrgName && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {o.raiserOrgName}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    ...(box === 'inbox' ? [] : [{ title: t('objection.col.org'), dataIndex: 'orgName' }]),
    {
      title: t('objection.col.status'),
      dataIndex: 'status',
      render: (v: ObjectionStatus) => <ObjectionStatusTag value={v} />,
    },
    { title: t('objection.col.due'), key: 'due', render: (_, o) => <Deadline o={o} /> },
    {
      title: t('objection.col.createdAt'),
      dataIndex: 'createdAt',
      render: (v: string) => <span style={{ whiteSpace: 'nowrap' }}>{time(v)}</span>,
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, o) => (
        <Button
          size="small"
          type={box === 'inbox' && o.status === 'open' ? 'primary' : undefined}
          data-testid="objection-view"
          onClick={(e) => {
            e.stopPropagation();
            update({ id: o.id });
          }}
        >
          {t('objection.view')}
        </Button>
      ),
    },
  ];

  return (
    <Card title={t('objection.title')} data-testid="objection-page">
      <Tabs
        activeKey={box}
        onChange={(k) => update({ box: k, id: null })}
        items={boxes.map((b) => ({
          key: b,
          label: <span data-testid={`objection-tab-${b}`}>{t(`objection.box.${b}`)}</span>,
        }))}
      />
      <Space style={{ marginBottom: 16 }} wrap>
        <Select<ObjectionStatus | ''>
          style={{ width: 160 }}
          value={status ?? ''}
          onChange={(v) => update({ status: v || null })}
          data-testid="objection-filter-status"
          options={[
            { value: '', label: t('objection.filter.allStatuses') },
            ...OBJECTION_STATUSES.map((s) => ({ value: s, label: t(`objection.status.${s}`) })),
          ]}
          optionRender={(o) => (
            <span data-testid={`objection-filter-status-${String(o.value)}`}>{o.label}</span>
          )}
        />
        <Checkbox
          checked={overdue}
          onChange={(e) => update({ overdue: e.target.checked ? '1' : null })}
          data-testid="objection-filter-overdue"
        >
          {t('objection.filter.overdue')}
        </Checkbox>
      </Space>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<Objection>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={items}
        columns={columns}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('objection.empty') }}
        data-testid={`objection-table-${box}`}
        onRow={(o) =>
          ({
            'data-testid': 'objection-row',
            'data-id': o.id,
            'data-status': o.status,
            'data-entry': o.entryName,
            'data-field': o.field ?? '',
            'data-overdue': o.overdue ? 'true' : 'false',
            style: { cursor: 'pointer' },
            onClick: () => update({ id: o.id }),
          }) as HTMLAttributes<HTMLElement>
        }
      />
      {list.hasNextPage && (
        <div style={{ textAlign: 'center', marginTop: 16 }}>
          <Button
            loading={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
            data-testid="objection-more"
          >
            {t('common.loadMore')}
          </Button>
        </div>
      )}
      {openId && <ObjectionDrawer key={openId} id={openId} onClose={() => update({ id: null })} />}
    </Card>
  );
}
