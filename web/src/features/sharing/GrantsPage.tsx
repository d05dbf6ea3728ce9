import { useState } from 'react';
import { Space, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { FileDoneOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { useCan } from '../auth/session';
import { useGrants, useGrantStep, useRenewGrant, type GrantStep } from './api';
import { BoxTabsCard, BoxTable, EntryCell, RowActions, useDone } from './BoxPage';
import { GrantStatusTag, MaskingTags } from './labels';
import { shanghaiToday, type Grant, type GrantBox } from './model';
import { ReasonModal } from './ReasonModal';

type Dialog = { kind: GrantStep | 'renew'; grant: Grant } | null;

/** What a provider may do to a grant, in the order of its buttons. */
function grantActions(g: Grant): (GrantStep | 'renew')[] {
  if (g.status === 'revoked') return [];
  return [
    ...(g.status === 'active' ? (['suspend'] as const) : []),
    ...(g.status === 'suspended' ? (['resume'] as const) : []),
    'renew',
    'revoke',
  ];
}

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
        <EntryCell name={<Typography.Text strong>{g.entryName}</Typography.Text>} code={g.entryCode} />
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
              <RowActions
                actions={grantActions(g).map((kind) => ({
                  key: kind,
                  testId: `grant-${kind}-${g.id}`,
                  label: t(`share.action.${kind}`),
                  danger: kind === 'revoke',
                  onClick: () => onDialog({ kind, grant: g }),
                }))}
              />
            ),
          },
        ]
      : []),
  ];
  return (
    <BoxTable<Grant>
      list={list}
      columns={columns}
      testId={`grant-table-${box}`}
      rowTestId="grant-row"
      expandable={{
        expandedRowRender: (g) => (
          <Space orientation="vertical">
            <span>
              {t('share.approve.rateLimit')}: {g.rateLimit} · {t('share.approve.dailyQuota')}: {g.dailyQuota}{' '}
              · {t('share.grants.usedToday', { n: g.usedToday })}
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
    />
  );
}

/** 授权 — grants our applications use, and grants we provide (suspend, resume, revoke, renew). */
export default function GrantsPage() {
  const { t } = useLang();
  const [dialog, setDialog] = useState<Dialog>(null);
  const step = useGrantStep();
  const renew = useRenewGrant();
  const done = useDone(() => setDialog(null));

  return (
    <BoxTabsCard
      title={t('share.grants.title')}
      testId="grants-page"
      link={{
        icon: <FileDoneOutlined />,
        testId: 'grants-open-requests',
        to: '/share',
        label: t('share.requests.open'),
      }}
      boxes={['consumer', 'provider']}
      tabTestId="grant-tab"
      renderBox={(box) => <GrantTable box={box} onDialog={setDialog} />}
    >
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
    </BoxTabsCard>
  );
}
