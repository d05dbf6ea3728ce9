import { useState } from 'react';
import { Alert, Button, Descriptions, Form, Input, Modal, Space, Tag, Tooltip, Typography } from 'antd';
import {
  CheckCircleOutlined,
  CloseCircleOutlined,
  ExportOutlined,
  RollbackOutlined,
  SendOutlined,
} from '@ant-design/icons';
import { Link } from 'react-router';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { localized } from './labels';
import { useRefuseOpening, useRequestOpening, useSignOff, useWithdrawOpening } from './open-api';
import type { BuildStatus, Publication, PublicationStatus } from './open-model';

const STATUS_COLOR: Record<PublicationStatus, string> = {
  draft: 'default',
  pending: 'processing',
  published: 'success',
  withdrawn: 'warning',
};
const BUILD_COLOR: Record<BuildStatus, string> = {
  queued: 'default',
  running: 'processing',
  done: 'success',
  failed: 'error',
};

export function OpenStatusTag({ status }: { status: PublicationStatus | null }) {
  const { t } = useLang();
  return (
    <Tag
      color={status ? STATUS_COLOR[status] : 'default'}
      data-testid="open-status"
      data-value={status ?? 'none'}
    >
      {status ? t(`publish.status.${status}`) : t('publish.status.none')}
    </Tag>
  );
}

/**
 * The publication's state and the steps of its workflow: 申请发布 (maintainers), 签发 / 退回
 * (approvers who did not request it), 撤回开放; the build of the open version (polled until it
 * ends), the last refresh and why a refresh failed, and the public portal page once published.
 */
export function OpenWorkflow({
  entryId,
  publication,
  maintainer,
  approver,
  meId,
  dirty,
}: {
  entryId: string;
  publication: Publication | null;
  maintainer: boolean;
  approver: boolean;
  meId: string;
  /** The configuration on screen is not the saved one: requesting would not open what is shown. */
  dirty: boolean;
}) {
  const { t, lang, time } = useLang();
  const notify = useNotify();
  const request = useRequestOpening(entryId);
  const signOff = useSignOff(entryId);
  const refuse = useRefuseOpening(entryId);
  const withdraw = useWithdrawOpening(entryId);
  const [problem, setProblem] = useState<unknown>(null);
  const [refusing, setRefusing] = useState(false);
  const [withdrawing, setWithdrawing] = useState(false);

  const p = publication;
  const status = p?.status ?? null;
  const build = p?.build.status ?? null;
  const building = build === 'queued' || build === 'running';
  const ownRequest = !!p?.requested?.id && p.requested.id === meId;
  const live = status === 'published' && (p?.currentVersion ?? 0) > 0;

  const act = (
    run: (opts: { onSuccess: () => void; onError: (e: unknown) => void }) => void,
    done: string,
  ) => {
    setProblem(null);
    run({ onSuccess: () => notify.success(done), onError: setProblem });
  };

  const canRequest = maintainer && !!p && (status === 'draft' || status === 'withdrawn') && !dirty;
  const requestHint = !p
    ? t('publish.hint.saveBeforeRequest')
    : dirty
      ? t('publish.hint.unsavedRequest')
      : status === 'pending'
        ? t('publish.hint.pending')
        : undefined;

  return (
    <div data-testid="open-workflow">
      <Space wrap size={[8, 8]} style={{ marginBottom: 12 }}>
        <Typography.Text strong>{t('publish.status')}</Typography.Text>
        <OpenStatusTag status={status} />
        {build && (
          <Tooltip title={t('publish.build.hint')}>
            <Tag color={BUILD_COLOR[build]} data-testid="open-build-status" data-value={build}>
              {t('publish.build')}: {t(`publish.build.${build}`)}
            </Tag>
          </Tooltip>
        )}
        {p && p.kind && <Tag>{t(`publish.kind.${p.kind}`)}</Tag>}
        {live && (
          <Link to={`/portal/${entryId}`} target="_blank" data-testid="open-portal-link">
            <ExportOutlined /> {t('publish.portalLink')}
          </Link>
        )}
      </Space>

      {problem !== null && (
        <Alert
          type="error"
          showIcon
          closable={{ onClose: () => setProblem(null) }}
          title={
            isApiError(problem) && problem.code === 'publish_not_anonymous'
              ? t('publish.notAnonymous')
              : isApiError(problem)
                ? problem.title
                : String(problem)
          }
          description={
            isApiError(problem) && problem.code === 'publish_not_anonymous' ? problem.title : undefined
          }
          style={{ marginBottom: 12 }}
          data-testid="open-workflow-error"
          data-code={isApiError(problem) ? problem.code : ''}
        />
      )}
      {p?.refusal && status === 'draft' && (
        <Alert
          type="warning"
          showIcon
          title={t('publish.refused', { by: p.refusal.by, at: time(p.refusal.at) })}
          description={p.refusal.reason}
          style={{ marginBottom: 12 }}
          data-testid="open-refusal"
        />
      )}
      {build === 'failed' && p?.build.error && (
        <Alert
          type="error"
          showIcon
          title={status === 'published' ? t('publish.build.failedRefresh') : t('publish.build.failedFirst')}
          description={localized(lang, p.build.error)}
          style={{ marginBottom: 12 }}
          data-testid="open-build-error"
        />
      )}
      {building && (
        <Alert type="info" showIcon title={t('publish.build.running')} style={{ marginBottom: 12 }} />
      )}

      {p && (
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} style={{ marginBottom: 12 }}>
          <Descriptions.Item label={t('publish.requested')}>
            {p.requested ? `${p.requested.name} · ${time(p.requested.at)}` : '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('publish.signedOff')}>
            {p.signedOff ? `${p.signedOff.name} · ${time(p.signedOff.at)}` : '—'}
          </Descriptions.Item>
          <Descriptions.Item label={t('publish.currentVersion')}>
            <span data-testid="open-current-version" data-value={p.currentVersion}>
              {p.currentVersion > 0 ? `v${p.currentVersion} · ${t('publish.rows', { n: p.rowCount })}` : '—'}
            </span>
          </Descriptions.Item>
          <Descriptions.Item label={t('publish.publishedAt')}>{time(p.publishedAt)}</Descriptions.Item>
          <Descriptions.Item label={t('publish.refreshedAt')}>
            <span data-testid="open-refreshed-at">{time(p.refreshedAt)}</span>
          </Descriptions.Item>
          <Descriptions.Item label={t('publish.view')}>
            <Typography.Text code>open.{p.name}</Typography.Text>
          </Descriptions.Item>
        </Descriptions>
      )}

      <Space wrap>
        {maintainer && (
          <Tooltip title={canRequest ? t('publish.request.hint') : requestHint}>
            <Button
              type="primary"
              icon={<SendOutlined />}
              disabled={!canRequest}
              loading={request.isPending}
              onClick={() => act((o) => request.mutate(undefined, o), t('publish.request.done'))}
              data-testid="open-request"
            >
              {t('publish.request')}
            </Button>
          </Tooltip>
        )}
        {approver && status === 'pending' && (
          <>
            <Tooltip title={ownRequest ? t('publish.ownRequest') : t('publish.signoff.hint')}>
              <Button
                type="primary"
                icon={<CheckCircleOutlined />}
                disabled={ownRequest}
                loading={signOff.isPending}
                onClick={() => act((o) => signOff.mutate(undefined, o), t('publish.signoff.done'))}
                data-testid="open-signoff"
              >
                {t('publish.signoff')}
              </Button>
            </Tooltip>
            <Button
              danger
              icon={<CloseCircleOutlined />}
              onClick={() => setRefusing(true)}
              data-testid="open-refuse"
            >
              {t('publish.refuse')}
            </Button>
          </>
        )}
        {(maintainer || approver) && p && status !== 'withdrawn' && (
          <Button
            icon={<RollbackOutlined />}
            onClick={() => setWithdrawing(true)}
            data-testid="open-withdraw"
          >
            {t('publish.withdraw')}
          </Button>
        )}
      </Space>

      {refusing && (
        <ReasonModal
          title={t('publish.refuse.title')}
          okText={t('publish.refuse')}
          required
          loading={refuse.isPending}
          testId="open-refuse"
          onCancel={() => setRefusing(false)}
          onOk={(reason) => {
            setProblem(null);
            refuse.mutate(reason, {
              onSuccess: () => {
                setRefusing(false);
                notify.success(t('publish.refuse.done'));
              },
              onError: (e) => {
                setRefusing(false);
                setProblem(e);
              },
            });
          }}
        />
      )}
      {withdrawing && (
        <ReasonModal
          title={t('publish.withdraw.title')}
          okText={t('publish.withdraw')}
          hint={status === 'published' ? t('publish.withdraw.hint') : undefined}
          loading={withdraw.isPending}
          testId="open-withdraw"
          onCancel={() => setWithdrawing(false)}
          onOk={(reason) => {
            setProblem(null);
            withdraw.mutate(reason, {
              onSuccess: () => {
                setWithdrawing(false);
                notify.success(t('publish.withdraw.done'));
              },
              onError: (e) => {
                setWithdrawing(false);
                setProblem(e);
              },
            });
          }}
        />
      )}
    </div>
  );
}

/** A reason to refuse (required) or withdraw (optional). */
function ReasonModal({
  title,
  okText,
  hint,
  required = false,
  loading,
  testId,
  onOk,
  onCancel,
}: {
  title: string;
  okText: string;
  hint?: string;
  required?: boolean;
  loading: boolean;
  testId: string;
  onOk: (reason: string) => void;
  onCancel: () => void;
}) {
  const { t } = useLang();
  const [form] = Form.useForm<{ reason: string }>();
  return (
    <Modal
      open
      title={title}
      okText={okText}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, loading, 'data-testid': `${testId}-confirm` }}
      onOk={() => form.submit()}
      onCancel={onCancel}
      data-testid={`${testId}-modal`}
    >
      {hint && <Alert type="warning" showIcon title={hint} style={{ marginBottom: 12 }} />}
      <Form form={form} layout="vertical" onFinish={(v) => onOk((v.reason ?? '').trim())}>
        <Form.Item
          name="reason"
          label={t('publish.reason')}
          rules={
            required ? [{ required: true, whitespace: true, message: t('publish.reason.required') }] : []
          }
        >
          <Input.TextArea rows={3} maxLength={2000} data-testid={`${testId}-reason`} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
