import type { HTMLAttributes } from 'react';
import { Progress, Space, Table, Typography } from 'antd';
import { useLang } from '../../lang';
import { BatchStatusTag, formatCount, modeLabel, sourceLabel } from './labels';
import type { Batch, Progress as LiveProgress } from './model';

/** A running batch's live progress: a bar when the total is known, else the rows read so far. */
export function LiveProgressBar({
  progress,
  testId,
}: {
  progress: LiveProgress | undefined;
  testId?: string;
}) {
  const { t, lang } = useLang();
  const text = t('dataset.batch.progress', {
    read: formatCount(lang, progress?.rowsRead ?? 0),
    rejected: formatCount(lang, progress?.rowsRejected ?? 0),
  });
  return (
    <div data-testid={testId} data-percent={progress?.percent ?? ''} style={{ minWidth: 160 }}>
      {progress?.percent !== null && progress?.percent !== undefined ? (
        <Progress percent={progress.percent} size="small" status="active" />
      ) : (
        <Progress percent={100} size="small" status="active" showInfo={false} />
      )}
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {text}
      </Typography.Text>
    </div>
  );
}

/** 批次: the dataset's last 20 batches; a click opens one in the drawer. */
export function BatchesTab({ batches, onOpen }: { batches: Batch[]; onOpen: (batchId: number) => void }) {
  const { t, lang, time } = useLang();
  const count = (n: number) => formatCount(lang, n);
  return (
    <div data-testid="batches">
      <Typography.Text type="secondary" style={{ display: 'block', marginBottom: 8 }}>
        {t('dataset.batch.recent')}
      </Typography.Text>
      <Table<Batch>
        size="small"
        rowKey="id"
        dataSource={batches}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('dataset.batch.empty') }}
        data-testid="batch-table"
        onRow={(b) =>
          ({
            'data-testid': 'batch-row',
            'data-id': b.id,
            'data-status': b.status,
            'data-mode': b.mode,
            'data-rejected': b.rowsRejected,
            style: { cursor: 'pointer' },
            onClick: () => onOpen(b.id),
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          { title: t('dataset.batch.id'), dataIndex: 'id', render: (id: number) => <a>#{id}</a> },
          {
            title: t('dataset.batch.mode'),
            dataIndex: 'mode',
            render: (m: Batch['mode']) => modeLabel(t, m),
          },
          {
            title: t('dataset.batch.source'),
            key: 'source',
            render: (_, b) => (
              <Typography.Text ellipsis style={{ maxWidth: 220 }}>
                {sourceLabel(t, b)}
              </Typography.Text>
            ),
          },
          {
            title: t('dataset.batch.status'),
            key: 'status',
            render: (_, b) =>
              b.status === 'running' ? (
                <Space orientation="vertical" size={0}>
                  <BatchStatusTag value={b.status} />
                  <LiveProgressBar progress={b.progress} testId="batch-progress" />
                </Space>
              ) : (
                <BatchStatusTag value={b.status} />
              ),
          },
          { title: t('dataset.batch.read'), dataIndex: 'rowsRead', align: 'right', render: count },
          { title: t('dataset.batch.accepted'), dataIndex: 'rowsAccepted', align: 'right', render: count },
          {
            title: t('dataset.batch.rejected'),
            dataIndex: 'rowsRejected',
            align: 'right',
            render: (n: number) =>
              n > 0 ? <Typography.Text type="danger">{count(n)}</Typography.Text> : count(n),
          },
          { title: t('dataset.batch.inserted'), dataIndex: 'rowsInserted', align: 'right', render: count },
          { title: t('dataset.batch.updated'), dataIndex: 'rowsUpdated', align: 'right', render: count },
          { title: t('dataset.batch.deleted'), dataIndex: 'rowsDeleted', align: 'right', render: count },
          { title: t('dataset.batch.startedBy'), dataIndex: 'startedByName' },
          { title: t('dataset.batch.startedAt'), dataIndex: 'startedAt', render: (v: string) => time(v) },
          {
            title: t('dataset.batch.finishedAt'),
            dataIndex: 'finishedAt',
            render: (v: string | null) => time(v),
          },
        ]}
      />
    </div>
  );
}
