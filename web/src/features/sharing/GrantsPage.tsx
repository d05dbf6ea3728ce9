import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Space, Table, Tabs, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { FileDoneOutlined } from '@ant-design/icons';
import { useNavigate, useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import { useGrants, useGrantStep, useRenewGrant, type GrantStep } from './api';
import { GrantStatusTag, MaskingTags } from './labels';
import { shanghaiToday, type Grant, type GrantBox } from './model';
import { ReasonModal } from './ReasonModal';

type Dialog = { kind: GrantStep | 'renew'; grant: Grant } | null;

function GrantTable({ box, onDialog }: { box: GrantBox; onDialog: (d: Dialog) => void }) {
  const { t, time } = useLang();
  const can = useCan();
  const list = useGrants(box);
  const provider = box === 'provider' && can('share.approve');
  const columns: ColumnsType<Grant> = [
    {
      title: t('share.col.entry'),
      key: 'entry',
      render: (_, g) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{g.entryName}</Typography.Text>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {g.entryCode}
          </Typography.Text>
        </Space>
      ),
    },
    box === 'provider'
      ? {
          title: t('share.col.consumer'),
          key: 'consumer',
          render: (_, g) => `${g.consumerOrgName} · ${g.appName}`,
        }
      : {
          title: t('share.col.provider'),
          key: 'provider',
          render: (_, g) => `${g.providerOrgName} → ${g.appName}`,
        },
    { title: t('share.col.scenario'), dataIndex: 'scenarioName' },
    { title: t('share.col.masking'), key: 'masking', render: (_, g) => <MaskingTags grant={g} /> },
    {
      title: t('share.col.validity'),
      key: 'validity',
      render: (_, g) => (
        <span data-testid="grant-validity">
          {g.validFrom} ~ {g.validTo}
        </span>
      ),
    },
    {
      title: t('share.col.status'),
      key: 'status',
      render: (_, g) => (
        <Space orientation="vertical" size={0}>
          <GrantStatusTag value={g.status} />
          {g.statusReason && <Typography.Text type="secondary">{g.statusReason}</Typography.Text>}
        </Space>
      ),
    },
    ...(provider
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, g: Grant) => (
              <Space size={4} wrap>
                {g.status === 'active' && (
                  <Button
                    size="small"
                    data-testid={`grant-suspend-${g.id}`}
                    onClick={() => onDialog({ kind: 'suspend', grant: g })}
                  >
                    {t('share.action.suspend')}
                  </Button>
                )}
                {g.status === 'suspended' && (
                  <Button
                    size="small"
                    data-testid={`grant-resume-${g.id}`}
                    onClick={() => onDialog({ kind: 'resume', grant: g })}
                  >
                    {t('share.action.resume')}
                  </Button>
                )}
                {g.status !== 'revoked' && (
                  <Button
                    size="small"
                    data-testid={`grant-renew-${g.id}`}
                    onClick={() => onDialog({ kind: 'renew', grant: g })}
                  >
                    {t('share.action.renew')}
                  </Button>
                )}
                {g.status !== 'revoked' && (
                  <Button
                    size="small"
                    danger
                    data-testid={`grant-revoke-${g.id}`}
                    onClick={() => onDialog({ kind: 'revoke', grant: g })}
                  >
                    {t('share.action.revoke')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]
      : []),
  ];
  return (
    <>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<Grant>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        columns={columns}
        locale={{ emptyText: t('share.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid={`grant-table-${box}`}
        expandable={{
          expandedRowRender: (g) => (
            <Space orientation="vertical">
              <span>
                {t('share.approve.rateLimit')}: {g.rateLimit} · {t('share.approve.dailyQuota')}:{' '}
                {g.dailyQuota}
              </span>
              {g.rowFilter !== null && g.rowFilter !== undefined && (
                <span>
                  {t('share.approve.rowFilter')}: <code>{JSON.stringify(g.rowFilter)}</code>
                </span>
              )}
              <Typography.Text type="secondary">
                {time(g.createdAt)} · {g.id}
              </Typography.Text>
            </Space>
          ),
        }}
        onRow={(g) =>
          ({
            'data-testid': 'grant-row',
            'data-id': g.id,
            'data-entry': g.entryName,
            'data-status': g.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
    </>
  );
}

/** 授权 — grants our applications use, and grants we provide (suspend, resume, revoke, renew). */
export default function GrantsPage() {
  const { t } = useLang();
  const notify = useNotify();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const [dialog, setDialog] = useState<Dialog>(null);
  const step = useGrantStep();
  const renew = useRenewGrant();
  const tab: GrantBox = search.get('tab') === 'provider' ? 'provider' : 'consumer';

  const done = (text: string) => ({
    onSuccess: () => {
      notify.success(text);
      setDialog(null);
    },
    onError: (err: unknown) => notify.error(err),
  });

  return (
    <Card
      title={t('share.grants.title')}
      data-testid="grants-page"
      extra={
        <Button
          icon={<FileDoneOutlined />}
          data-testid="grants-open-requests"
          onClick={() => void navigate('/share')}
        >
          {t('share.requests.open')}
        </Button>
      }
    >
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={(['consumer', 'provider'] as const).map((box) => ({
          key: box,
          label: <span data-testid={`grant-tab-${box}`}>{t(`share.tab.${box}`)}</span>,
          children: <GrantTable box={box} onDialog={setDialog} />,
        }))}
      />
      {dialog && dialog.kind !== 'renew' && (
        <ReasonModal
          title={
            dialog.kind === 'revoke'
              ? t('share.revoke.title')
              : dialog.kind === 'suspend'
                ? t('share.suspend.title')
                : t('share.action.resume')
          }
          required={dialog.kind === 'revoke'}
          pending={step.isPending}
          onClose={() => setDialog(null)}
          onSubmit={({ reason }) =>
            step.mutate(
              { id: dialog.grant.id, step: dialog.kind as GrantStep, ...(reason ? { reason } : {}) },
              done(t(`share.done.${dialog.kind as GrantStep}`)),
            )
          }
        />
      )}
      {dialog?.kind === 'renew' && (
        <ReasonModal
          title={t('share.renew.title')}
          required={false}
          pending={renew.isPending}
          extra={{ label: t('share.renew.validTo'), min: [dialog.grant.validTo, shanghaiToday()].sort()[1]! }}
          onClose={() => setDialog(null)}
          onSubmit={({ validTo }) =>
            renew.mutate({ id: dialog.grant.id, validTo: validTo ?? '' }, done(t('share.done.renew')))
          }
        />
      )}
    </Card>
  );
}
