import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Input, Space, Table, Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import type { AuditEvent } from '../../types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useAuditEvents, type EventFilter } from './api';

const resultColor: Record<AuditEvent['result'], string> = {
  success: 'green',
  failure: 'orange',
  denied: 'red',
};

function actorText(e: AuditEvent): string {
  return e.actorName ?? (e.actorId ? `${e.actorType}:${e.actorId}` : e.actorType);
}

function objectText(e: AuditEvent): string {
  if (!e.objectType) return '—';
  return e.objectId ? `${e.objectType}:${e.objectId}` : e.objectType;
}

/** Newest first, one keyset page at a time ("load more" follows nextCursor). */
export function EventsTable() {
  const { t, time } = useLang();
  const [filter, setFilter] = useState<EventFilter>({ action: '', actor: '' });
  const events = useAuditEvents(filter);
  const rows = events.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Card title={t('audit.events')}>
      <Space style={{ marginBottom: 16 }} wrap>
        <Input.Search
          allowClear
          placeholder={t('audit.filter.action')}
          style={{ width: 280 }}
          data-testid="audit-filter-action"
          onSearch={(action) => setFilter((f) => ({ ...f, action: action.trim() }))}
        />
        <Input.Search
          allowClear
          placeholder={t('audit.filter.actor')}
          style={{ width: 220 }}
          data-testid="audit-filter-actor"
          onSearch={(actor) => setFilter((f) => ({ ...f, actor: actor.trim() }))}
        />
      </Space>
      {events.error && <ErrorAlert error={events.error} style={{ marginBottom: 16 }} />}
      <Table<AuditEvent>
        rowKey="seq"
        size="small"
        loading={events.isPending}
        dataSource={rows}
        pagination={false}
        scroll={{ x: 1100 }}
        data-testid="audit-events"
        onRow={(e) =>
          ({ 'data-testid': 'audit-event', 'data-action': e.action }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('audit.seq'), dataIndex: 'seq', width: 80 },
          { title: t('audit.time'), dataIndex: 'time', width: 190, render: (v: string) => time(v) },
          { title: t('audit.actor'), key: 'actor', render: (_, e) => actorText(e) },
          {
            title: t('audit.action'),
            dataIndex: 'action',
            render: (v: string) => (
              <Typography.Text code style={{ whiteSpace: 'nowrap' }}>
                {v}
              </Typography.Text>
            ),
          },
          { title: t('audit.object'), key: 'object', ellipsis: true, render: (_, e) => objectText(e) },
          {
            title: t('audit.result'),
            dataIndex: 'result',
            render: (r: AuditEvent['result']) => <Tag color={resultColor[r]}>{t(`audit.result.${r}`)}</Tag>,
          },
          { title: t('audit.ip'), dataIndex: 'clientIp', render: (v: string | null) => v ?? '—' },
          {
            title: t('audit.requestId'),
            dataIndex: 'requestId',
            ellipsis: true,
            render: (v: string | null) => (v ? <Typography.Text copyable>{v}</Typography.Text> : '—'),
          },
        ]}
      />
      <Button
        block
        style={{ marginTop: 16 }}
        disabled={!events.hasNextPage}
        loading={events.isFetchingNextPage}
        data-testid="audit-load-more"
        onClick={() => void events.fetchNextPage()}
      >
        {events.hasNextPage ? t('common.loadMore') : t('common.noMore')}
      </Button>
    </Card>
  );
}
