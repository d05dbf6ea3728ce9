import { useState } from 'react';
import { Button, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { useCan } from '../auth/session';
import { useRefuseRequest, useRequests, useReviewRequest, useWithdrawRequest } from './api';
import { ApproveModal } from './ApproveModal';
import { BoxTabsCard, BoxTable, EntryCell, RowActions, useDone } from './BoxPage';
import { Countdown, currentDue, dayOf, RequestStatusTag } from './labels';
import type { RequestBox, ShareRequest } from './model';
import { ReasonModal } from './ReasonModal';
import { RequestDrawer } from './RequestDrawer';

type DialogKind = 'approve' | 'refuse' | 'withdraw' | 'reviewApprove' | 'reviewRefuse';
type Dialog = { kind: DialogKind; request: ShareRequest } | null;

/** Each action's button: its test id (`share-${testId}-${id}`) and its look. */
const ACTIONS: Record<DialogKind, { testId: string; type?: 'primary'; danger?: true }> = {
  approve: { testId: 'approve', type: 'primary' },
  refuse: { testId: 'refuse', danger: true },
  reviewApprove: { testId: 'review-approve', type: 'primary' },
  reviewRefuse: { testId: 'review-refuse', danger: true },
  withdraw: { testId: 'withdraw' },
};

/** What the caller may do to a request in a box, in the order of its buttons. */
function requestActions(box: RequestBox, r: ShareRequest, can: (p: string) => boolean): DialogKind[] {
  if (box === 'inbox' && r.status === 'submitted' && can('share.approve')) return ['approve', 'refuse'];
  if (box === 'review' && r.status === 'provider_approved' && can('share.review'))
    return ['reviewApprove', 'reviewRefuse'];
  if (
    box === 'outbox' &&
    (r.status === 'submitted' || r.status === 'provider_approved') &&
    can('share.request')
  )
    return ['withdraw'];
  return [];
}

function RequestTable({
  box,
  onOpen,
  onDialog,
}: {
  box: RequestBox;
  onOpen: (id: string) => void;
  onDialog: (d: Dialog) => void;
}) {
  const { t, time } = useLang();
  const can = useCan();
  const list = useRequests(box);
  const columns: ColumnsType<ShareRequest> = [
    {
      title: t('share.col.entry'),
      key: 'entry',
      render: (_, r) => (
        <EntryCell
          name={
            <Typography.Link onClick={() => onOpen(r.id)} data-testid={`share-view-${r.id}`}>
              {r.entryName}
            </Typography.Link>
          }
          code={r.entryCode}
        />
      ),
    },
    ...(box !== 'outbox'
      ? [
          {
            title: t('share.col.consumer'),
            key: 'consumer',
            render: (_: unknown, r: ShareRequest) => `${r.consumerOrgName} · ${r.appName}`,
          },
        ]
      : []),
    ...(box !== 'inbox'
      ? [{ title: t('share.col.provider'), dataIndex: 'providerOrgName', key: 'provider' }]
      : []),
    { title: t('share.col.scenario'), key: 'scenario', render: (_, r) => r.scenario.name },
    {
      title: t('share.col.status'),
      dataIndex: 'status',
      render: (_, r) => <RequestStatusTag value={r.status} />,
    },
    { title: t('share.col.due'), key: 'due', render: (_, r) => dayOf(currentDue(r)) },
    { title: t('share.col.countdown'), key: 'countdown', render: (_, r) => <Countdown request={r} /> },
    { title: t('share.col.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, r) => (
        <RowActions
          actions={requestActions(box, r, can).map((kind) => ({
            key: kind,
            testId: `share-${ACTIONS[kind].testId}-${r.id}`,
            label: t(`share.action.${kind}`),
            type: ACTIONS[kind].type,
            danger: ACTIONS[kind].danger,
            onClick: () => onDialog({ kind, request: r }),
          }))}
        >
          <Button size="small" onClick={() => onOpen(r.id)}>
            {t('share.action.view')}
          </Button>
        </RowActions>
      ),
    },
  ];
  return (
    <BoxTable<ShareRequest>
      list={list}
      columns={columns}
      testId={`share-table-${box}`}
      rowTestId="share-row"
    />
  );
}

/** 共享申请 — 收件箱 (as provider), 发件箱 (as consumer), 平台审核 (sysadmin). */
export default function RequestsPage() {
  const { t } = useLang();
  const can = useCan();
  const [open, setOpen] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const refuse = useRefuseRequest();
  const review = useReviewRequest();
  const withdraw = useWithdrawRequest();
  const done = useDone(() => setDialog(null));

  return (
    <BoxTabsCard<RequestBox>
      title={t('share.title')}
      testId="share-page"
      link={{
        icon: <SafetyCertificateOutlined />,
        testId: 'share-open-grants',
        to: '/share/grants',
        label: t('share.grants.open'),
      }}
      boxes={['inbox', 'outbox', ...(can('share.review') ? (['review'] as const) : [])]}
      tabTestId="share-tab"
      renderBox={(box) => <RequestTable box={box} onOpen={setOpen} onDialog={setDialog} />}
    >
      {open && <RequestDrawer id={open} onClose={() => setOpen(null)} />}
      {dialog?.kind === 'approve' && (
        <ApproveModal request={dialog.request} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'refuse' && (
        <ReasonModal
          title={t('share.refuse.title')}
          required
          pending={refuse.isPending}
          onClose={() => setDialog(null)}
          onSubmit={({ reason }) =>
            refuse.mutate({ id: dialog.request.id, reason: reason ?? '' }, done(t('share.done.refused')))
          }
        />
      )}
      {(dialog?.kind === 'reviewApprove' || dialog?.kind === 'reviewRefuse') && (
        <ReasonModal
          title={
            dialog.kind === 'reviewApprove' ? t('share.action.reviewApprove') : t('share.review.refuseTitle')
          }
          required={dialog.kind === 'reviewRefuse'}
          pending={review.isPending}
          onClose={() => setDialog(null)}
          onSubmit={({ reason }) =>
            review.mutate(
              {
                id: dialog.request.id,
                decision: dialog.kind === 'reviewApprove' ? 'approve' : 'refuse',
                ...(reason ? { reason } : {}),
              },
              done(t('share.done.reviewed')),
            )
          }
        />
      )}
      {dialog?.kind === 'withdraw' && (
        <ReasonModal
          title={t('share.action.withdraw')}
          required={false}
          pending={withdraw.isPending}
          onClose={() => setDialog(null)}
          onSubmit={({ reason }) =>
            withdraw.mutate(
              { id: dialog.request.id, ...(reason ? { reason } : {}) },
              done(t('share.done.withdrawn')),
            )
          }
        />
      )}
    </BoxTabsCard>
  );
}
