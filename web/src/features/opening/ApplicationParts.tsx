import { useState, type HTMLAttributes } from 'react';
import {
  Button,
  Descriptions,
  Drawer,
  Form,
  Input,
  InputNumber,
  Modal,
  Space,
  Table,
  Timeline,
  Typography,
} from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { ErrorAlert } from '../../components/ErrorAlert';
import { ReasonModal } from '../sharing/ReasonModal';
import { useApplication, useApplicationStep, type ApplicationStep } from './api';
import { ApplicationStatusTag, dayOf } from './labels';
import type { OpenApplication } from './model';

/** The table, drawer and decision dialogs of conditional-open applications (staff and applicants). */

export type AppAction = 'approve' | 'refuse' | 'reviewApprove' | 'reviewRefuse' | 'withdraw';

const ACTION_TEST_ID: Record<AppAction, string> = {
  approve: 'open-app-approve',
  refuse: 'open-app-refuse',
  reviewApprove: 'open-app-review-approve',
  reviewRefuse: 'open-app-review-refuse',
  withdraw: 'open-app-withdraw',
};

export function ApplicationTable({
  list,
  actions,
  showApplicant,
  testId,
}: {
  list: { data?: { items: OpenApplication[] } | undefined; error: Error | null; isPending: boolean };
  actions: (a: OpenApplication) => AppAction[];
  showApplicant: boolean;
  testId: string;
}) {
  const { t, time } = useLang();
  const [open, setOpen] = useState<string | null>(null);
  const [dialog, setDialog] = useState<{ kind: AppAction; app: OpenApplication } | null>(null);
  const columns: ColumnsType<OpenApplication> = [
    {
      title: t('opening.col.entry'),
      key: 'entry',
      render: (_, a) => (
        <Space orientation="vertical" size={0}>
          <Typography.Link onClick={() => setOpen(a.id)}>{a.entryName}</Typography.Link>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {a.entryCode} · {a.providerOrgName}
          </Typography.Text>
        </Space>
      ),
    },
    ...(showApplicant
      ? [
          {
            title: t('opening.col.applicant'),
            key: 'applicant',
            render: (_: unknown, a: OpenApplication) => (
              <Space orientation="vertical" size={0}>
                {a.applicantOrgName}
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {a.applicantUscc} · {a.applicantName}
                </Typography.Text>
              </Space>
            ),
          },
        ]
      : []),
    { title: t('opening.col.purpose'), dataIndex: 'purpose', ellipsis: true },
    {
      title: t('opening.col.status'),
      key: 'status',
      render: (_, a) => <ApplicationStatusTag value={a.status} />,
    },
    {
      title: t('opening.col.due'),
      key: 'due',
      render: (_, a) =>
        a.workingDaysLeft === null ? (
          '—'
        ) : a.overdue ? (
          <Typography.Text type="danger">{t('opening.overdue')}</Typography.Text>
        ) : (
          t('opening.daysLeft', { n: a.workingDaysLeft })
        ),
    },
    { title: t('opening.col.expires'), key: 'expires', render: (_, a) => dayOf(a.expiresAt) },
    { title: t('opening.col.createdAt'), dataIndex: 'createdAt', render: (v: string) => time(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, a) => (
        <Space size={4} wrap>
          <Button size="small" data-testid="open-app-view" onClick={() => setOpen(a.id)}>
            {t('opening.action.view')}
          </Button>
          {actions(a).map((kind) => (
            <Button
              key={kind}
              size="small"
              type={kind === 'approve' || kind === 'reviewApprove' ? 'primary' : undefined}
              danger={kind === 'refuse' || kind === 'reviewRefuse'}
              data-testid={ACTION_TEST_ID[kind]}
              onClick={() => setDialog({ kind, app: a })}
            >
              {t(`opening.action.${kind}`)}
            </Button>
          ))}
        </Space>
      ),
    },
  ];
  return (
    <>
      {list.error && <ErrorAlert error={list.error} style={{ marginBottom: 16 }} />}
      <Table<OpenApplication>
        rowKey="id"
        size="middle"
        loading={list.isPending}
        dataSource={list.data?.items ?? []}
        columns={columns}
        locale={{ emptyText: t('opening.empty') }}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        data-testid={testId}
        onRow={(a) =>
          ({
            'data-testid': 'open-app-row',
            'data-id': a.id,
            'data-entry': a.entryName,
            'data-status': a.status,
          }) as HTMLAttributes<HTMLElement>
        }
      />
      {open && <ApplicationDrawer id={open} onClose={() => setOpen(null)} />}
      {dialog && <DecisionDialog kind={dialog.kind} app={dialog.app} onClose={() => setDialog(null)} />}
    </>
  );
}

function DecisionDialog({
  kind,
  app,
  onClose,
}: {
  kind: AppAction;
  app: OpenApplication;
  onClose: () => void;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const step = useApplicationStep();
  const run = (s: ApplicationStep) =>
    step.mutate(s, {
      onSuccess: () => {
        notify.success(t('opening.done'));
        onClose();
      },
      onError: (err) => notify.error(err),
    });
  if (kind === 'approve')
    return <ApproveDialog app={app} pending={step.isPending} onClose={onClose} onSubmit={run} />;
  const titles: Record<Exclude<AppAction, 'approve'>, string> = {
    refuse: t('opening.action.refuse'),
    reviewApprove: t('opening.action.reviewApprove'),
    reviewRefuse: t('opening.action.reviewRefuse'),
    withdraw: t('opening.action.withdraw'),
  };
  return (
    <ReasonModal
      title={`${titles[kind]} · ${app.entryName}`}
      required={kind === 'refuse' || kind === 'reviewRefuse'}
      pending={step.isPending}
      onClose={onClose}
      onSubmit={({ reason }) => {
        if (kind === 'refuse') run({ step: 'refuse', id: app.id, reason: reason ?? '' });
        else if (kind === 'withdraw') run({ step: 'withdraw', id: app.id, ...(reason ? { reason } : {}) });
        else
          run({
            step: 'review',
            id: app.id,
            decision: kind === 'reviewApprove' ? 'approve' : 'refuse',
            ...(reason ? { reason } : {}),
          });
      }}
    />
  );
}

function ApproveDialog({
  app,
  pending,
  onClose,
  onSubmit,
}: {
  app: OpenApplication;
  pending: boolean;
  onClose: () => void;
  onSubmit: (s: ApplicationStep) => void;
}) {
  const { t } = useLang();
  const [form] = Form.useForm<{ months: number; comment?: string }>();
  return (
    <Modal
      open
      title={`${t('opening.action.approve')} · ${app.entryName}`}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={pending}
      okButtonProps={{ 'data-testid': 'open-app-approve-submit' }}
      data-testid="open-app-approve-modal"
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ months: app.months }}
        onFinish={(v) =>
          onSubmit({
            step: 'approve',
            id: app.id,
            months: v.months,
            ...(v.comment?.trim() ? { comment: v.comment } : {}),
          })
        }
      >
        <Form.Item name="months" label={t('opening.grantedMonths')} rules={[{ required: true }]}>
          <InputNumber min={1} max={app.months} />
        </Form.Item>
        <Form.Item name="comment" label={t('opening.comment')}>
          <Input.TextArea rows={2} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function ApplicationDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, time } = useLang();
  const q = useApplication(id);
  const a = q.data;
  return (
    <Drawer open size={640} title={t('opening.detail.title')} onClose={onClose} data-testid="open-app-drawer">
      {q.error && <ErrorAlert error={q.error} />}
      {a && (
        <>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t('opening.col.entry')}>
              {a.entryName} ({a.entryCode})
            </Descriptions.Item>
            <Descriptions.Item label={t('opening.col.status')}>
              <ApplicationStatusTag value={a.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t('opening.apply.orgName')}>{a.applicantOrgName}</Descriptions.Item>
            <Descriptions.Item label={t('opening.apply.uscc')}>{a.applicantUscc}</Descriptions.Item>
            <Descriptions.Item label={t('opening.apply.purpose')}>{a.purpose}</Descriptions.Item>
            <Descriptions.Item label={t('opening.apply.intendedUse')}>{a.intendedUse}</Descriptions.Item>
            <Descriptions.Item label={t('opening.apply.security')}>{a.securityMeasures}</Descriptions.Item>
            <Descriptions.Item label={t('opening.apply.months')}>
              {a.months}
              {a.grantedMonths !== null ? ` → ${a.grantedMonths}` : ''}
            </Descriptions.Item>
            <Descriptions.Item label={t('opening.col.expires')}>{dayOf(a.expiresAt)}</Descriptions.Item>
          </Descriptions>
          <Typography.Title level={5} style={{ marginTop: 16 }}>
            {t('opening.detail.events')}
          </Typography.Title>
          <Timeline
            items={(a.events ?? []).map((e) => ({
              content: (
                <span>
                  {time(e.at)} · {e.actorName ?? '—'} · {e.action}
                  {e.comment ? `：${e.comment}` : ''}
                </span>
              ),
            }))}
          />
        </>
      )}
    </Drawer>
  );
}
