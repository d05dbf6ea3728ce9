import { useState, type HTMLAttributes } from 'react';
import { Button, Modal, Space, Table, Tag, Typography } from 'antd';
import { RollbackOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { useRollback } from './api';
import { formatCount } from './labels';
import type { Dataset, DatasetVersion } from './model';

/** 版本: the kept version tables with their row counts and batches, and 回退. */
export function VersionsTab({
  entryId,
  dataset,
  canLoad,
  onOpenBatch,
}: {
  entryId: string;
  dataset: Dataset;
  canLoad: boolean;
  onOpenBatch: (batchId: number) => void;
}) {
  const { t, lang, time } = useLang();
  const notify = useNotify();
  const rollback = useRollback(entryId);
  // The version a confirm dialog asks about; `previous` is the main button's (no version sent).
  const [asking, setAsking] = useState<{ version: DatasetVersion; previous: boolean } | null>(null);
  const current = dataset.currentVersion;
  const previous = dataset.versions
    .filter((v) => v.version < current)
    .sort((a, b) => b.version - a.version)[0];

  const confirm = () => {
    if (!asking) return;
    rollback.mutate(asking.previous ? undefined : asking.version.version, {
      onSuccess: (ds) => {
        notify.success(t('dataset.rollback.done', { n: ds.currentVersion }));
        setAsking(null);
      },
      onError: (err) => {
        notify.error(err);
        setAsking(null);
      },
    });
  };

  return (
    <div data-testid="versions">
      <Space style={{ marginBottom: 12 }} wrap>
        {canLoad && (
          <Button
            icon={<RollbackOutlined />}
            danger
            disabled={!previous}
            title={previous ? undefined : t('dataset.rollback.none')}
            onClick={() => previous && setAsking({ version: previous, previous: true })}
            data-testid="dataset-rollback"
          >
            {t('dataset.rollback.previous')}
          </Button>
        )}
        <Typography.Text type="secondary">
          {t('dataset.version.keep', { n: dataset.keepVersions })}
        </Typography.Text>
      </Space>
      <Table<DatasetVersion>
        size="small"
        rowKey="version"
        dataSource={dataset.versions}
        pagination={false}
        data-testid="version-table"
        onRow={(v) =>
          ({
            'data-testid': 'version-row',
            'data-version': v.version,
            'data-rows': v.rowCount,
            'data-current': v.version === current,
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('dataset.version'),
            dataIndex: 'version',
            render: (n: number) => (
              <Space>
                <span>{t('dataset.version.n', { n })}</span>
                {n === current && <Tag color="success">{t('dataset.version.current')}</Tag>}
              </Space>
            ),
          },
          {
            title: t('dataset.version.rows'),
            dataIndex: 'rowCount',
            align: 'right',
            render: (n: number) => formatCount(lang, n),
          },
          { title: t('dataset.version.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
          {
            title: t('dataset.version.batch'),
            dataIndex: 'batchId',
            render: (b: number | null) =>
              b === null ? (
                '—'
              ) : (
                <Button
                  type="link"
                  size="small"
                  onClick={() => onOpenBatch(b)}
                  data-testid={`version-batch-${b}`}
                >
                  #{b}
                </Button>
              ),
          },
          ...(canLoad
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, v: DatasetVersion) =>
                    v.version === current ? null : (
                      <Button
                        size="small"
                        icon={<RollbackOutlined />}
                        onClick={() => setAsking({ version: v, previous: false })}
                        data-testid={`version-rollback-${v.version}`}
                      >
                        {t('dataset.rollback')}
                      </Button>
                    ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={asking !== null}
        title={asking ? t('dataset.rollback.to', { n: asking.version.version }) : ''}
        onCancel={() => setAsking(null)}
        onOk={confirm}
        okText={t('dataset.rollback')}
        cancelText={t('common.cancel')}
        confirmLoading={rollback.isPending}
        okButtonProps={{ danger: true, 'data-testid': 'rollback-confirm' }}
      >
        {asking && (
          <Typography.Paragraph data-testid="rollback-dialog">
            {t('dataset.rollback.confirm', {
              from: current,
              to: asking.version.version,
              rows: formatCount(lang, asking.version.rowCount),
            })}
          </Typography.Paragraph>
        )}
      </Modal>
    </div>
  );
}
