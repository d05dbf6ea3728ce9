import { useState, type HTMLAttributes } from 'react';
import { Button, Card, Space, Table, Tabs, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { SafetyCertificateOutlined } from '@ant-design/icons';
import { useNavigate, useSearchParams } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import { useRefuseRequest, useRequests, useReviewRequest, useWithdrawRequest } from './api';
import { ApproveModal } from './ApproveModal';
import { Countdown, currentDue, dayOf, RequestStatusTag } from './labels';
import type { RequestBox, ShareRequest } from './model';
import { ReasonModal } from './ReasonModal';
import { RequestDrawer } from './RequestDrawer';

type Dialog = {
  kind: 'approve' | 'refuse' | 'withdraw' | 'reviewApprove' | 'reviewRefuse';
  request: ShareRequest;
} | null;

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
        <Space orientation="vertical" size={0}>
          <Typography.Link onClick={() => onOpen(r.id)} data-testid={`share-view-${r.id}`}>
            {r.entryName}
          </Typography.Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {r.entryCode}
          </Typography.Text>
        </Space>
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
        <Space size={4} wrap>
          <Button size="small" onClick={() => onOpen(r.id)}>
            {t('share.action.view')}
          </Button>
          {box === 'inbox' && r.status === 'submitted' && can('share.approve') && (
            <>
              <Button
                size="small"
                type="primary"
                data-testid={`share-approve-${r.id}`}
                onClick={() => onDialog({ kind: 'approve', request: r })}
              >
                {t('share.action.approve')}
              </Button>
              <Button
                size="small"
                danger
                data-testid={`share-refuse-${r.id}`}
                onClick={() => onDialog({ kind: 'refuse', request: r })}
              >
                {t('share.action.refuse')}
              </Button>
            </>
          )}
          {box === 'review' && r.status === 'provider_approved' && can('share.review') && (
            <>
              <Button
                size="small"
                type="primary"
                data-testid={`share-review-approve-${r.id}`}
                onClick={() => onDialog({ kind: 'reviewApprove', request: r })}
              >
                {t('share.action.reviewApprove')}
              </Button>
              <Button
                size="small"
                danger
                data-testid={`share-review-refuse-${r.id}`}
                onClick={() => onDialog({ kind: 'reviewRefuse', request: r })}
              >
                {t('share.action.reviewRefuse')}
              </Button>
            </>
          )}
          {box === 'outbox' &&
            (r.status === 'submitted' || r.status === 'provider_approved') &&
            can('share.request') && (
              <Button
                size="small"
                data-testid={`share-withdraw-${r.id}`}
                onClick={() => onDialog({ kind: 'withdraw', request: r })}
              >
                {t('share.action.withdraw')}
              </Button>
            )}
        </Space>
      ),
    },
  ];
  return (
    <>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<ShareRequest>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        columns={columns}
        locale={{ emptyText: t('share.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid={`share-table-${box}`}
        onRow={(r) =>
          ({
            'data-testid': 'share-row',
            'data-id': r.id,
            'data-entry': r.entryName,
            'data-status': r.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
    </>
  );
}

/** 共享申请 — 收件箱 (as provider), 发件箱 (as consumer), 平台审核 (sysadmin). */
export default function RequestsPage() {
  const { t } = useLang();
  const can = useCan();
  const notify = useNotify();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const [open, setOpen] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const refuse = useRefuseRequest();
  const review = useReviewRequest();
  const withdraw = useWithdrawRequest();

  const boxes: RequestBox[] = ['inbox', 'outbox', ...(can('share.review') ? (['review'] as const) : [])];
  const wanted = search.get('tab') as RequestBox | null;
  const tab: RequestBox = wanted && boxes.includes(wanted) ? wanted : 'inbox';

  const done = (text: string) => ({
    onSuccess: () => {
      notify.success(text);
      setDialog(null);
    },
    onError: (err: unknown) => notify.error(err),
  });

  return (
    <Card
      title={t('share.title')}
      data-testid="share-page"
      extra={
        <Button
          icon={<SafetyCertificateOutlined />}
          data-testid="share-open-grants"
          onClick={() => void navigate('/share/grants')}
        >
          {t('share.grants.open')}
        </Button>
      }
    >
      <Tabs
        activeKey={tab}
        onChange={(k) => setSearch({ tab: k }, { replace: true })}
        items={boxes.map((box) => ({
          key: box,
          label: <span data-testid={`share-tab-${box}`}>{t(`share.tab.${box}`)}</span>,
          children: <RequestTable box={box} onOpen={setOpen} onDialog={setDialog} />,
        }))}
      />
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
    </Card>
  );
}
