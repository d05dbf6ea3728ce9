import { useState, type HTMLAttributes } from 'react';
import { Button, Popconfirm, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, EditOutlined, PlayCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { useDeletePull, usePulls, useRunPull, useSavePull } from './api';
import { BatchStatusTag, localized, modeLabel } from './labels';
import type { Pull } from './model';
import { PullFormModal } from './PullFormModal';

/** 拉取源: the dataset's HTTP and PostgreSQL sources, their schedules and their last runs. */
export function PullsTab({
  entryId,
  canLoad,
  onOpenBatch,
}: {
  entryId: string;
  canLoad: boolean;
  onOpenBatch: (batchId: number) => void;
}) {
  const { t, lang, time } = useLang();
  const notify = useNotify();
  const pulls = usePulls(entryId, true);
  const run = useRunPull(entryId);
  const remove = useDeletePull(entryId);
  const save = useSavePull(entryId);
  // null: closed; 'new': creating; a pull: editing it.
  const [editing, setEditing] = useState<Pull | 'new' | null>(null);

  return (
    <div data-testid="pulls">
      {canLoad && (
        <Button
          type="primary"
          icon={<PlusOutlined />}
          onClick={() => setEditing('new')}
          style={{ marginBottom: 12 }}
          data-testid="pull-create"
        >
          {t('pull.create')}
        </Button>
      )}
      {pulls.error && <ErrorAlert error={pulls.error} style={{ marginBottom: 12 }} />}
      <Table<Pull>
        size="small"
        rowKey="id"
        loading={pulls.isPending && !pulls.error}
        dataSource={pulls.data ?? []}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: t('pull.empty') }}
        data-testid="pull-table"
        onRow={(p) =>
          ({
            'data-testid': 'pull-row',
            'data-id': p.id,
            'data-name': p.name,
            'data-status': p.lastStatus ?? '',
          }) as HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t('pull.name'),
            dataIndex: 'name',
            render: (name: string, p) => (
              <Space orientation="vertical" size={0}>
                <Typography.Text strong>{name}</Typography.Text>
                <Typography.Text type="secondary" ellipsis style={{ maxWidth: 280, fontSize: 12 }}>
                  {p.kind === 'http' ? p.url : p.connection}
                </Typography.Text>
              </Space>
            ),
          },
          {
            title: t('pull.kind'),
            dataIndex: 'kind',
            render: (k: Pull['kind']) => <Tag>{t(`pull.kind.${k}`)}</Tag>,
          },
          { title: t('pull.mode'), dataIndex: 'mode', render: (m: Pull['mode']) => modeLabel(t, m) },
          {
            title: t('pull.schedule'),
            dataIndex: 'schedule',
            render: (s: string | null) =>
              s ? (
                <Typography.Text code>{s}</Typography.Text>
              ) : (
                <Typography.Text type="secondary">{t('pull.manual')}</Typography.Text>
              ),
          },
          {
            title: t('pull.enabled'),
            dataIndex: 'enabled',
            render: (on: boolean, p) => (
              <Switch
                size="small"
                checked={on}
                disabled={!canLoad}
                loading={save.isPending && save.variables?.id === p.id}
                data-testid={`pull-enabled-${p.id}`}
                onChange={(enabled) =>
                  save.mutate({ id: p.id, input: { enabled } }, { onError: notify.error })
                }
              />
            ),
          },
          {
            title: t('pull.lastRun'),
            key: 'last',
            render: (_, p) =>
              p.lastStatus === null ? (
                <Typography.Text type="secondary">{t('pull.never')}</Typography.Text>
              ) : (
                <Space orientation="vertical" size={0}>
                  <Space size={4}>
                    <BatchStatusTag value={p.lastStatus} testId="pull-status" />
                    {p.lastBatchId !== null && (
                      <Button
                        type="link"
                        size="small"
                        onClick={() => p.lastBatchId !== null && onOpenBatch(p.lastBatchId)}
                        data-testid={`pull-batch-${p.id}`}
                      >
                        #{p.lastBatchId}
                      </Button>
                    )}
                  </Space>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {time(p.lastRunAt)}
                  </Typography.Text>
                  {p.lastError && (
                    <Typography.Text
                      type="danger"
                      style={{ fontSize: 12, maxWidth: 280 }}
                      ellipsis={{ tooltip: localized(lang, p.lastError) }}
                      data-testid="pull-error"
                    >
                      {localized(lang, p.lastError)}
                    </Typography.Text>
                  )}
                </Space>
              ),
          },
          ...(canLoad
            ? [
                {
                  title: t('common.actions'),
                  key: 'actions',
                  render: (_: unknown, p: Pull) => (
                    <Space size={4}>
                      <Tooltip title={t('pull.run')}>
                        <Button
                          size="small"
                          icon={<PlayCircleOutlined />}
                          loading={run.isPending && run.variables === p.id}
                          disabled={p.lastStatus === 'queued' || p.lastStatus === 'running'}
                          data-testid={`pull-run-${p.id}`}
                          onClick={() =>
                            run.mutate(p.id, {
                              onSuccess: () => notify.success(t('pull.runQueued')),
                              onError: notify.error,
                            })
                          }
                        >
                          {t('pull.run')}
                        </Button>
                      </Tooltip>
                      <Button
                        size="small"
                        icon={<EditOutlined />}
                        onClick={() => setEditing(p)}
                        data-testid={`pull-edit-${p.id}`}
                        aria-label={t('pull.edit')}
                      />
                      <Popconfirm
                        title={t('pull.deleteConfirm', { name: p.name })}
                        okText={t('pull.delete')}
                        cancelText={t('common.cancel')}
                        okButtonProps={{ danger: true, 'data-testid': 'pull-delete-confirm' }}
                        onConfirm={() =>
                          remove.mutate(p.id, {
                            onSuccess: () => notify.success(t('pull.deleted')),
                            onError: notify.error,
                          })
                        }
                      >
                        <Button
                          size="small"
                          danger
                          icon={<DeleteOutlined />}
                          data-testid={`pull-delete-${p.id}`}
                          aria-label={t('pull.delete')}
                        />
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing !== null && (
        <PullFormModal
          entryId={entryId}
          pull={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}
