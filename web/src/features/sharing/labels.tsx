import { Space, Tag, Tooltip, Typography } from 'antd';
import { useLang } from '../../lang';
import type { MessageKey } from '../../i18n';
import type { Grant, GrantStatus, RequestStatus, ShareRequest } from './model';

const requestColor: Record<RequestStatus, string> = {
  submitted: 'processing',
  provider_approved: 'gold',
  approved: 'success',
  refused: 'error',
  withdrawn: 'default',
};

const grantColor: Record<GrantStatus, string> = {
  active: 'success',
  suspended: 'warning',
  revoked: 'error',
  expired: 'default',
};

/** A status as a coloured tag; the test id and data-value say which status it is. */
function StatusTag(p: { color: string; testId: string; value: string; label: MessageKey }) {
  const { t } = useLang();
  return (
    <Tag color={p.color} data-testid={p.testId} data-value={p.value}>
      {t(p.label)}
    </Tag>
  );
}

export const RequestStatusTag = ({ value }: { value: RequestStatus }) => (
  <StatusTag
    color={requestColor[value]}
    testId="share-status"
    value={value}
    label={`share.status.${value}`}
  />
);

export const GrantStatusTag = ({ value }: { value: GrantStatus }) => (
  <StatusTag
    color={grantColor[value]}
    testId="grant-status"
    value={value}
    label={`share.grant.status.${value}`}
  />
);

/** The current deadline of an undecided request: the provider's, or the platform review's. */
export const currentDue = (r: Pick<ShareRequest, 'status' | 'dueAt' | 'reviewDueAt'>): string =>
  r.status === 'provider_approved' && r.reviewDueAt ? r.reviewDueAt : r.dueAt;

/** Working days left to the current deadline; red once overdue, nothing once decided. */
export function Countdown({ request }: { request: Pick<ShareRequest, 'workingDaysLeft' | 'overdue'> }) {
  const { t } = useLang();
  const n = request.workingDaysLeft;
  if (n === null) return <Typography.Text type="secondary">—</Typography.Text>;
  const overdue = request.overdue || n < 0;
  const text = overdue
    ? n < 0
      ? t('share.countdown.overdue', { n: -n })
      : t('share.countdown.overdueShort')
    : n === 0
      ? t('share.countdown.today')
      : t('share.countdown.left', { n });
  return (
    <Typography.Text
      type={overdue ? 'danger' : n <= 2 ? 'warning' : undefined}
      strong={overdue}
      data-testid="share-countdown"
      data-overdue={overdue ? 'true' : 'false'}
      data-days={n}
    >
      {text}
    </Typography.Text>
  );
}

/** A Shanghai calendar day of an ISO instant, YYYY-MM-DD. */
export function dayOf(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}

/** The masks of a grant's fields: each field's code with its function (none shown plain). */
export function MaskingTags({ grant }: { grant: Pick<Grant, 'fields' | 'masking'> }) {
  const { t } = useLang();
  return (
    <Space size={[4, 4]} wrap>
      {grant.fields.map((f) => {
        const fn = grant.masking[f] ?? 'none';
        return (
          <Tooltip key={f} title={t(`share.mask.${fn}`)}>
            <Tag color={fn === 'none' ? undefined : 'blue'} data-testid={`grant-mask-${f}`} data-mask={fn}>
              {fn === 'none' ? f : `${f}: ${fn}`}
            </Tag>
          </Tooltip>
        );
      })}
    </Space>
  );
}
