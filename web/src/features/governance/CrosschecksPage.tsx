import type { HTMLAttributes } from 'react';
import { Button, Card, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { PlayCircleOutlined } from '@ant-design/icons';
import { Link, useNavigate } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { useRuns, useStartCrosscheck } from './registry-api';
import type { RunError, RunStatus, RunSummary } from './registry-model';

const statusColor: Record<RunStatus, string> = {
  running: 'processing',
  done: 'success',
  failed: 'error',
};

/** A run's status as a coloured tag; data-value says which. */
export function RunStatusTag({ value }: { value: RunStatus }) {
  const { t } = useLang();
  return (
    <Tag color={statusColor[value]} data-testid="crosscheck-status" data-value={value}>
      {t(`crosscheck.status.${value}`)}
    </Tag>
  );
}

/** A failed run's reason, as stored in both languages. */
export function RunErrorText({ error }: { error: RunError | null }) {
  const { lang } = useLang();
  if (!error) return null;
  return (
    <Typography.Text type="danger" data-testid="crosscheck-error" data-code={error.code}>
      {error[lang]}
    </Typography.Text>
  );
}

export const runPath = (id: number) => `/governance/crosschecks/${id}`;

/**
 * 多源校核 — the cross-check runs, newest first, and 发起校核: every registered item's secondary
 * sources are compared with its authoritative one. A started run is polled until done or failed.
 */
export default function CrosschecksPage() {
  const { t, time } = useLang();
  const notify = useNotify();
  const navigate = useNavigate();
  const runs = useRuns();
  const start = useStartCrosscheck();
  const items = (runs.data?.pages ?? []).flatMap((p) => p.items);
  const running = items.some((r) => r.status === 'running');

  const columns: ColumnsType<RunSummary> = [
    {
      title: t('crosscheck.col.id'),
      dataIndex: 'id',
      render: (id: number) => <Link to={runPath(id)}>#{id}</Link>,
    },
    {
      title: t('crosscheck.col.status'),
      key: 'status',
      render: (_, r) => (
        <Space orientation="vertical" size={0}>
          <RunStatusTag value={r.status} />
          <RunErrorText error={r.error} />
        </Space>
      ),
    },
    {
      title: t('crosscheck.col.items'),
      dataIndex: 'items',
      render: (n: number, r) => (r.status === 'done' ? n : '—'),
    },
    {
      title: t('crosscheck.col.conflicting'),
      dataIndex: 'conflicting',
      render: (n: number, r) =>
        r.status === 'done' ? (
          <Typography.Text type={n ? 'danger' : 'success'} data-testid="crosscheck-conflicting">
            {n.toLocaleString()}
          </Typography.Text>
        ) : (
          '—'
        ),
    },
    { title: t('crosscheck.col.startedBy'), dataIndex: 'startedByName' },
    { title: t('crosscheck.col.startedAt'), dataIndex: 'startedAt', render: (v: string) => time(v) },
    { title: t('crosscheck.col.finishedAt'), dataIndex: 'finishedAt', render: (v: string | null) => time(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, r) => (
        <Button size="small" data-testid="crosscheck-view" onClick={() => void navigate(runPath(r.id))}>
          {t('crosscheck.view')}
        </Button>
      ),
    },
  ];

  return (
    <Card
      title={t('crosscheck.title')}
      data-testid="crosscheck-page"
      extra={
        <Button
          type="primary"
          icon={<PlayCircleOutlined />}
          loading={start.isPending}
          data-testid="crosscheck-start"
          onClick={() =>
            start.mutate(undefined, {
              onSuccess: ({ runId }) => notify.success(t('crosscheck.started', { id: runId })),
              onError: (err) => notify.error(err),
            })
          }
        >
          {t('crosscheck.start')}
        </Button>
      }
    >
      <Typography.Paragraph type="secondary">
        {running && (
          <Tag color="processing" data-testid="crosscheck-polling">
            {t('crosscheck.polling')}
          </Tag>
        )}
        {t('crosscheck.intro')} <Link to="/governance/items">{t('crosscheck.toRegistry')}</Link>
      </Typography.Paragraph>
      {runs.error && <ErrorAlert error={runs.error} style={{ marginBottom: 16 }} />}
      <Table<RunSummary>
        rowKey="id"
        size="middle"
        loading={runs.isPending}
        dataSource={items}
        columns={columns}
        pagination={false}
        locale={{ emptyText: t('crosscheck.empty') }}
        data-testid="crosscheck-runs"
        onRow={(r) =>
          ({
            'data-testid': 'crosscheck-run-row',
            'data-id': String(r.id),
            'data-status': r.status,
            'data-conflicting': String(r.conflicting),
          }) as HTMLAttributes<HTMLElement>
        }
      />
      {runs.hasNextPage && (
        <div style={{ textAlign: 'center', marginTop: 16 }}>
          <Button
            loading={runs.isFetchingNextPage}
            onClick={() => void runs.fetchNextPage()}
            data-testid="crosscheck-runs-more"
          >
            {t('common.loadMore')}
          </Button>
        </div>
      )}
    </Card>
  );
}
