import { useState } from 'react';
import {
  Alert,
  Button,
  Descriptions,
  Drawer,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Spin,
  Timeline,
  Typography,
} from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Link } from 'react-router';
import { useLang } from '../../lang';
import type { MessageKey } from '../../i18n';
import { isApiError } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useCan, useCurrentUser } from '../auth/session';
import { useDataset } from '../datasets/api';
import {
  useCorrectObjection,
  useObjection,
  useRejectObjection,
  useWithdrawObjection,
} from './objections-api';
import { Deadline, FieldCell, ObjectionStatusTag, OriginTag, RecordKey } from './labels';
import { OBJECTION_ACTIONS, type Objection, type ObjectionEvent } from './model';

export type ObjectionAction = 'correct' | 'reject' | 'withdraw';

/**
 * What the caller may do to an objection, as far as the console can tell (the server decides):
 * the provider's stewards correct it (only they see its values unmasked), they or the addressed
 * department reject it, and the raising organisation withdraws it — all while it is open.
 */
export function objectionActions(
  o: Objection,
  me: { orgId: string },
  can: (p: string) => boolean,
): ObjectionAction[] {
  if (o.status !== 'open') return [];
  const out: ObjectionAction[] = [];
  if (can('dataset.load') && !o.masked) out.push('correct');
  if (can('dataset.load') && (!o.masked || o.orgId === me.orgId)) out.push('reject');
  if (o.raiserOrgId === me.orgId) out.push('withdraw');
  return out;
}

const KNOWN_ACTIONS = new Set<string>(OBJECTION_ACTIONS);

function eventLabel(t: (k: MessageKey) => string, e: ObjectionEvent): string {
  return KNOWN_ACTIONS.has(e.action) ? t(`objection.event.${e.action}` as MessageKey) : e.action;
}

/** A value as stored: an empty one shows as ∅. */
function Value({ v, testId }: { v: string | null; testId: string }) {
  return v === null || v === '' ? (
    <Typography.Text type="secondary" data-testid={testId} data-value="">
      ∅
    </Typography.Text>
  ) : (
    <Typography.Text code data-testid={testId} data-value={v} style={{ wordBreak: 'break-all' }}>
      {v}
    </Typography.Text>
  );
}

interface CorrectValues {
  value?: string;
  values?: { field?: string; value?: string }[];
  comment?: string;
}

/** A whole-record objection's correction: fields of the dataset (not its keys) and their values. */
function RecordFields({ entryId }: { entryId: string }) {
  const { t } = useLang();
  const dataset = useDataset(entryId);
  const fieldOptions = (dataset.data?.columns ?? [])
    .filter((c) => !c.key)
    .map((c) => ({ value: c.code, label: `${c.name} (${c.code})` }));
  return (
    <Form.Item label={t('objection.correct.values')} required>
      <Form.List name="values">
        {(items, { add, remove }) => (
          <>
            {items.map((item, i) => (
              <Space key={item.key} align="baseline" style={{ display: 'flex' }}>
                <Form.Item
                  name={[item.name, 'field']}
                  rules={[{ required: true, message: t('common.required') }]}
                >
                  <Select
                    showSearch
                    optionFilterProp="label"
                    style={{ width: 220 }}
                    placeholder={t('objection.correct.field')}
                    loading={dataset.isPending}
                    options={fieldOptions}
                    data-testid={`objection-correct-field-${i}`}
                  />
                </Form.Item>
                <Form.Item name={[item.name, 'value']} rules={[{ max: 4000 }]}>
                  <Input
                    style={{ width: 220 }}
                    placeholder={t('objection.correct.emptyHint')}
                    data-testid={`objection-correct-value-${i}`}
                  />
                </Form.Item>
                {items.length > 1 && <MinusCircleOutlined onClick={() => remove(item.name)} />}
              </Space>
            ))}
            <Button
              type="dashed"
              icon={<PlusOutlined />}
              onClick={() => add({ value: '' })}
              data-testid="objection-correct-add"
            >
              {t('objection.correct.addField')}
            </Button>
          </>
        )}
      </Form.List>
    </Form.Item>
  );
}

/** 更正: the provider confirms the objection and corrects the record (an upsert batch). */
function CorrectModal({ o, onClose }: { o: Objection; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<CorrectValues>();
  const correct = useCorrectObjection();
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const v = await form.validateFields();
    const emptyToNull = (s: string | undefined) => (s === undefined || s.trim() === '' ? null : s.trim());
    const comment = v.comment?.trim() ?? '';
    const input = o.field
      ? { value: emptyToNull(v.value), comment }
      : {
          values: Object.fromEntries(
            (v.values ?? []).filter((x) => x.field).map((x) => [x.field!, emptyToNull(x.value)]),
          ),
          comment,
        };
    setError(null);
    correct.mutate(
      { id: o.id, input },
      {
        onSuccess: () => {
          notify.success(t('objection.done.corrected'));
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['value', 'values', 'comment']);
          setError(err);
        },
      },
    );
  };
  return (
    <Modal
      open
      title={t('objection.correct.title')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('objection.action.correct')}
      cancelText={t('common.cancel')}
      confirmLoading={correct.isPending}
      okButtonProps={{ 'data-testid': 'objection-submit' }}
      width={560}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Paragraph type="secondary">{t('objection.correct.hint')}</Typography.Paragraph>
        {isApiError(error) ? (
          <Alert
            type="error"
            showIcon
            title={error.title}
            data-testid="objection-correct-error"
            data-code={error.code}
          />
        ) : error ? (
          <ErrorAlert error={error} />
        ) : null}
        <Form
          form={form}
          layout="vertical"
          name="objection-correct"
          initialValues={{
            value: o.masked ? '' : (o.proposedValue ?? ''),
            values: [{ field: undefined, value: '' }],
          }}
        >
          {o.field ? (
            <Form.Item
              name="value"
              label={`${t('objection.correct.value')} · ${o.fieldName ?? o.field}`}
              extra={t('objection.correct.emptyHint')}
              rules={[{ max: 4000 }]}
            >
              <Input data-testid="objection-correct-value" />
            </Form.Item>
          ) : (
            <RecordFields entryId={o.entryId} />
          )}
          <Form.Item name="comment" label={t('objection.correct.comment')} rules={[{ max: 2000 }]}>
            <Input.TextArea rows={2} data-testid="objection-correct-comment" />
          </Form.Item>
        </Form>
      </Space>
    </Modal>
  );
}

/** 驳回 (reason required, ≥ 2 characters) or 撤回 (a note, optional). */
function ReasonModal({
  o,
  kind,
  onClose,
}: {
  o: Objection;
  kind: 'reject' | 'withdraw';
  onClose: () => void;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<{ reason?: string }>();
  const reject = useRejectObjection();
  const withdraw = useWithdrawObjection();
  const pending = reject.isPending || withdraw.isPending;
  const callbacks = (text: string) => ({
    onSuccess: () => {
      notify.success(text);
      onClose();
    },
    onError: (err: unknown) => {
      showFieldErrors(form, err, ['reason']);
      notify.error(err);
    },
  });
  const submit = async () => {
    const v = await form.validateFields();
    const reason = v.reason?.trim() ?? '';
    if (kind === 'reject') reject.mutate({ id: o.id, reason }, callbacks(t('objection.done.rejected')));
    else
      withdraw.mutate({ id: o.id, ...(reason ? { reason } : {}) }, callbacks(t('objection.done.withdrawn')));
  };
  return (
    <Modal
      open
      title={t(`objection.${kind}.title`)}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t(`objection.action.${kind}`)}
      okButtonProps={{ 'data-testid': 'objection-submit', danger: kind === 'reject' }}
      cancelText={t('common.cancel')}
      confirmLoading={pending}
    >
      <Form form={form} layout="vertical" name={`objection-${kind}`}>
        <Form.Item
          name="reason"
          label={t(`objection.${kind}.reason`)}
          rules={
            kind === 'reject'
              ? [
                  {
                    validator: (_, v: string | undefined) =>
                      [...(v?.trim() ?? '')].length >= 2
                        ? Promise.resolve()
                        : Promise.reject(new Error(t('objection.reason.required'))),
                  },
                ]
              : []
          }
        >
          <Input.TextArea rows={3} maxLength={2000} data-testid={`objection-${kind}-reason`} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** One objection: the record and its values, the reason, the history, and what the caller may do. */
export function ObjectionDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, time } = useLang();
  const can = useCan();
  const me = useCurrentUser();
  const q = useObjection(id);
  const o = q.data;
  const [dialog, setDialog] = useState<ObjectionAction | null>(null);
  const actions = o ? objectionActions(o, me, can) : [];
  return (
    <Drawer
      open
      size={680}
      title={t('objection.detail.title')}
      onClose={onClose}
      extra={
        actions.length > 0 && (
          <Space>
            {actions.map((a) => (
              <Button
                key={a}
                type={a === 'correct' ? 'primary' : undefined}
                danger={a === 'reject'}
                data-testid={`objection-${a}`}
                onClick={() => setDialog(a)}
              >
                {t(`objection.action.${a}`)}
              </Button>
            ))}
          </Space>
        )
      }
    >
      <div data-testid="objection-drawer" data-id={id} data-status={o?.status ?? ''}>
        {q.error && <ErrorAlert error={q.error} />}
        {q.isPending && <Spin />}
        {o && (
          <>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('objection.col.entry')}>
                <Link to={`/catalog/${o.entryId}`}>{o.entryName}</Link>{' '}
                <Typography.Text type="secondary" code>
                  {o.entryCode}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('objection.col.status')}>
                <Space size={4}>
                  <ObjectionStatusTag value={o.status} />
                  <OriginTag value={o.origin} />
                </Space>
              </Descriptions.Item>
              <Descriptions.Item label={t('objection.col.key')}>
                <RecordKey value={o.recordKey} />
              </Descriptions.Item>
              <Descriptions.Item label={t('objection.col.field')}>
                <FieldCell o={o} />
              </Descriptions.Item>
              {o.field && (
                <Descriptions.Item label={t('objection.detail.current')}>
                  <Value v={o.currentValue} testId="objection-current-value" />
                </Descriptions.Item>
              )}
              {o.field && (
                <Descriptions.Item label={t('objection.detail.proposed')}>
                  <Value v={o.proposedValue} testId="objection-proposed-value" />
                  {o.masked && (
                    <Typography.Text type="secondary" style={{ marginLeft: 8, fontSize: 12 }}>
                      {t('objection.detail.masked')}
                    </Typography.Text>
                  )}
                </Descriptions.Item>
              )}
              <Descriptions.Item label={t('objection.detail.reason')}>
                <Typography.Text data-testid="objection-reason">{o.reason}</Typography.Text>
              </Descriptions.Item>
              {o.evidence && (
                <Descriptions.Item label={t('objection.detail.evidence')}>{o.evidence}</Descriptions.Item>
              )}
              <Descriptions.Item label={t('objection.col.raisedBy')}>
                {o.raisedByName}
                {o.raiserOrgName ? ` · ${o.raiserOrgName}` : ''} · {time(o.createdAt)}
              </Descriptions.Item>
              <Descriptions.Item label={t('objection.col.org')}>{o.orgName}</Descriptions.Item>
              {o.providerOrgId !== o.orgId && (
                <Descriptions.Item label={t('objection.detail.provider')}>
                  {o.providerOrgName}
                </Descriptions.Item>
              )}
              <Descriptions.Item label={t('objection.col.due')}>
                <Deadline o={o} />
              </Descriptions.Item>
              {o.resolvedAt && (
                <Descriptions.Item label={t('objection.detail.resolvedBy')}>
                  {o.resolvedByName ?? '—'} · {time(o.resolvedAt)}
                </Descriptions.Item>
              )}
              {o.resolution && (
                <Descriptions.Item label={t('objection.detail.resolution')}>
                  <Typography.Text data-testid="objection-resolution">{o.resolution}</Typography.Text>
                </Descriptions.Item>
              )}
              {o.correctionBatchId !== null && (
                <Descriptions.Item label={t('objection.detail.batch')}>
                  <Link to={`/catalog/${o.entryId}/data`} data-testid="objection-batch">
                    #{o.correctionBatchId}
                  </Link>
                </Descriptions.Item>
              )}
              {o.conflictId !== null && (
                <Descriptions.Item label={t('objection.detail.conflict')}>#{o.conflictId}</Descriptions.Item>
              )}
            </Descriptions>
            <Typography.Title level={5} style={{ marginTop: 24 }}>
              {t('objection.detail.events')}
            </Typography.Title>
            <Timeline
              data-testid="objection-events"
              items={(o.events ?? []).map((e, i) => ({
                key: i,
                color:
                  e.action === 'escalate'
                    ? 'red'
                    : e.action === 'correct'
                      ? 'green'
                      : e.action === 'reject'
                        ? 'gray'
                        : 'blue',
                content: (
                  <div data-testid="objection-event" data-action={e.action}>
                    <Typography.Text strong>{eventLabel(t, e)}</Typography.Text>{' '}
                    <Typography.Text type="secondary">
                      {e.actorName ?? '—'} · {time(e.at)}
                    </Typography.Text>
                    {e.comment && <div>{e.comment}</div>}
                  </div>
                ),
              }))}
            />
            {dialog === 'correct' && <CorrectModal o={o} onClose={() => setDialog(null)} />}
            {(dialog === 'reject' || dialog === 'withdraw') && (
              <ReasonModal o={o} kind={dialog} onClose={() => setDialog(null)} />
            )}
          </>
        )}
      </div>
    </Drawer>
  );
}
