import { Space, Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import { dayOf } from '../sharing/labels';
import type { Objection, ObjectionOrigin, ObjectionStatus } from './model';

const statusColor: Record<ObjectionStatus, string> = {
  open: 'processing',
  corrected: 'success',
  rejected: 'error',
  withdrawn: 'default',
};

const originColor: Record<ObjectionOrigin, string> = {
  consumer: 'blue',
  steward: 'geekblue',
  crosscheck: 'purple',
  citizen: 'cyan',
};

/** An objection's status as a coloured tag; data-value says which status it is. */
export function ObjectionStatusTag({ value }: { value: ObjectionStatus }) {
  const { t } = useLang();
  return (
    <Tag color={statusColor[value]} data-testid="objection-status" data-value={value}>
      {t(`objection.status.${value}`)}
    </Tag>
  );
}

/** 来源: who raised the objection — a consumer, a steward, a cross-check, a citizen. */
export function OriginTag({ value }: { value: ObjectionOrigin }) {
  const { t } = useLang();
  return (
    <Tag color={originColor[value]} data-testid="objection-origin" data-value={value} bordered={false}>
      {t(`objection.origin.${value}`)}
    </Tag>
  );
}

/** A record's key, one `code=value` a line (values masked for whoever is not the provider). */
export function RecordKey({ value }: { value: Record<string, string> }) {
  return (
    <Space orientation="vertical" size={0} data-testid="objection-key">
      {Object.entries(value).map(([k, v]) => (
        <Typography.Text key={k} code style={{ whiteSpace: 'nowrap' }}>
          {k}={v}
        </Typography.Text>
      ))}
    </Space>
  );
}

/** The field an objection names, or 整条记录 (the whole record). */
export function FieldCell({ o }: { o: Pick<Objection, 'field' | 'fieldName'> }) {
  const { t } = useLang();
  if (!o.field) return <Typography.Text type="secondary">{t('objection.wholeRecord')}</Typography.Text>;
  return (
    <span>
      {o.fieldName ?? o.field}{' '}
      {o.fieldName && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {o.field}
        </Typography.Text>
      )}
    </span>
  );
}

/** Working days left to the deadline; red once overdue, nothing once answered. */
export function Countdown({ o }: { o: Pick<Objection, 'workingDaysLeft' | 'overdue'> }) {
  const { t } = useLang();
  const n = o.workingDaysLeft;
  if (n === null) return null;
  const overdue = o.overdue || n < 0;
  const text = overdue
    ? n < 0
      ? t('objection.countdown.overdue', { n: -n })
      : t('objection.countdown.overdueShort')
    : n === 0
      ? t('objection.countdown.today')
      : t('objection.countdown.left', { n });
  return (
    <Typography.Text
      type={overdue ? 'danger' : n <= 1 ? 'warning' : 'secondary'}
      strong={overdue}
      data-testid="objection-countdown"
      data-overdue={overdue ? 'true' : 'false'}
      data-days={n}
      style={{ fontSize: 12, whiteSpace: 'nowrap' }}
    >
      {text}
    </Typography.Text>
  );
}

/** The deadline (a Shanghai day), the working days left, and the 逾期 / 已督办 tags. */
export function Deadline({
  o,
}: {
  o: Pick<Objection, 'dueAt' | 'workingDaysLeft' | 'overdue' | 'escalatedAt' | 'status'>;
}) {
  const { t } = useLang();
  const open = o.status === 'open';
  return (
    <Space orientation="vertical" size={0}>
      <Space size={4}>
        <span style={{ whiteSpace: 'nowrap' }}>{dayOf(o.dueAt)}</span>
        {open && o.overdue && (
          <Tag color="red" data-testid="objection-overdue">
            {t('objection.overdue')}
          </Tag>
        )}
        {o.escalatedAt && (
          <Tag color="orange" data-testid="objection-escalated">
            {t('objection.escalated')}
          </Tag>
        )}
      </Space>
      <Countdown o={o} />
    </Space>
  );
}
