import { useState, type HTMLAttributes } from 'react';
import { Alert, Button, Descriptions, Drawer, Space, Table, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { rejectsDownloadUrl, useBatch, useRejectRows } from './api';
import { LiveProgressBar } from './BatchesTab';
import { BatchStatusTag, formatBytes, formatCount, localized, modeLabel, sourceLabel } from './labels';
import type { RejectRow } from './model';

const PAGE = 50;

/** One batch: its details, its error, and its 拒收记录 (paged, downloadable as CSV or XLSX). */
export function BatchDrawer({
  batchId,
  fieldNames,
  onClose,
}: {
  batchId: number;
  /** Field code → Chinese name, to show next to the codes of the rejects. */
  fieldNames: Map<string, string>;
  onClose: () => void;
}) {
  const { t, lang, time } = useLang();
  const batch = useBatch(batchId);
  const [page, setPage] = useState(1);
  const b = batch.data;
  // While the batch runs its rejects grow: the list follows the count.
  const rejects = useRejectRows(batchId, (page - 1) * PAGE, PAGE, `${b?.status}:${b?.rowsRejected}`);
  const count = (n: number) => formatCount(lang, n);
  const r = rejects.data;

  return (
    <Drawer
      open
      size={900}
      title={t('dataset.batch.detail', { id: batchId })}
      onClose={onClose}
      data-testid="batch-drawer"
    >
      {batch.error && <ErrorAlert error={batch.error} />}
      {b && (
        <div data-testid="batch-detail" data-id={b.id} data-status={b.status} data-rejected={b.rowsRejected}>
          <Descriptions size="small" bordered column={2} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t('dataset.batch.status')}>
              <BatchStatusTag value={b.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.mode')}>{modeLabel(t, b.mode)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.source')} span={2}>
              {sourceLabel(t, b)}
            </Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.read')}>{count(b.rowsRead)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.accepted')}>{count(b.rowsAccepted)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.rejected')}>
              <span data-testid="batch-rejected">{count(b.rowsRejected)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.inserted')}>{count(b.rowsInserted)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.updated')}>{count(b.rowsUpdated)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.deleted')}>{count(b.rowsDeleted)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.bytes')}>{formatBytes(b.bytes)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.version')}>{b.version ?? '—'}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.startedBy')}>{b.startedByName}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.startedAt')}>{time(b.startedAt)}</Descriptions.Item>
            <Descriptions.Item label={t('dataset.batch.finishedAt')} span={2}>
              {time(b.finishedAt)}
            </Descriptions.Item>
          </Descriptions>
          {b.status === 'running' && (
            <div style={{ marginBottom: 16 }}>
              <LiveProgressBar progress={b.progress} testId="batch-drawer-progress" />
            </div>
          )}
          {b.error && (
            <Alert
              type="error"
              showIcon
              title={t('dataset.batch.error')}
              description={localized(lang, b.error)}
              style={{ marginBottom: 16 }}
              data-testid="batch-error"
            />
          )}
          <Space style={{ marginBottom: 8, width: '100%', justifyContent: 'space-between' }} wrap>
            <Space>
              <Typography.Title level={5} style={{ margin: 0 }}>
                {t('dataset.rejects')}
              </Typography.Title>
              {r && (
                <Typography.Text type="secondary" data-testid="rejects-total" data-total={r.total}>
                  {t('dataset.rejects.count', { total: count(r.total) })}
                  {r.stored !== r.total
                    ? ` · ${t('dataset.rejects.stored', { stored: count(r.stored) })}`
                    : ''}
                </Typography.Text>
              )}
            </Space>
            <Space>
              <Button
                href={rejectsDownloadUrl(b.id, 'csv')}
                icon={<DownloadOutlined />}
                disabled={b.rowsRejected === 0}
                data-testid="rejects-download-csv"
              >
                {t('dataset.rejects.csv')}
              </Button>
              <Button
                href={rejectsDownloadUrl(b.id, 'xlsx')}
                icon={<DownloadOutlined />}
                disabled={b.rowsRejected === 0}
                data-testid="rejects-download-xlsx"
              >
                {t('dataset.rejects.xlsx')}
              </Button>
            </Space>
          </Space>
          {rejects.error && <ErrorAlert error={rejects.error} />}
          <Table<RejectRow>
            size="small"
            rowKey={(x) => `${x.row}:${x.field ?? ''}:${x.reason.en}`}
            loading={rejects.isFetching}
            dataSource={r?.items ?? []}
            locale={{ emptyText: t('dataset.rejects.none') }}
            data-testid="reject-table"
            pagination={{
              current: page,
              pageSize: PAGE,
              total: r?.stored ?? 0,
              showSizeChanger: false,
              hideOnSinglePage: true,
              onChange: setPage,
            }}
            onRow={(x) =>
              ({
                'data-testid': 'reject-row',
                'data-row': x.row,
                'data-field': x.field ?? '',
              }) as HTMLAttributes<HTMLElement>
            }
            columns={[
              { title: t('dataset.rejects.row'), dataIndex: 'row', width: 90 },
              {
                title: t('dataset.rejects.field'),
                dataIndex: 'field',
                width: 160,
                render: (v: string | null) =>
                  v === null ? (
                    '—'
                  ) : (
                    <span>
                      {fieldNames.get(v) ?? v}
                      {fieldNames.has(v) && (
                        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                          {' '}
                          {v}
                        </Typography.Text>
                      )}
                    </span>
                  ),
              },
              {
                title: t('dataset.rejects.value'),
                dataIndex: 'value',
                width: 200,
                render: (v: string | null) =>
                  v === null ? (
                    <Typography.Text type="secondary">NULL</Typography.Text>
                  ) : (
                    <Typography.Text ellipsis={{ tooltip: v }} style={{ maxWidth: 200 }} code>
                      {v}
                    </Typography.Text>
                  ),
              },
              {
                title: t('dataset.rejects.reason'),
                key: 'reason',
                render: (_, x) => <span data-testid="reject-reason">{localized(lang, x.reason)}</span>,
              },
            ]}
          />
        </div>
      )}
    </Drawer>
  );
}
