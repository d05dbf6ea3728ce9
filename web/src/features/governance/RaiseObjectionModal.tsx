import { Descriptions, Form, Input, Modal, Select, Typography } from 'antd';
import { useLang } from '../../lang';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import { useOrgs } from '../identity/orgs/api';
import { useRaiseObjection } from './objections-api';
import { RecordKey } from './labels';
import type { Objection } from './model';

export interface RaiseObjectionProps {
  /** The catalog entry whose dataset holds the record. */
  entryId: string;
  /** The record: every key field of the dataset and its value (`key` itself is React's). */
  recordKey: Record<string, string>;
  /** The field objected to; none: the whole record. */
  field?: string | undefined;
  /** The field's Chinese name, shown next to its code. */
  fieldName?: string | undefined;
  /** The value as the caller sees it (the server reads the stored one itself). */
  currentValue?: string | null | undefined;
  /** The department to answer, preselected (the platform only; default the entry's provider). */
  orgId?: string | undefined;
  onClose: () => void;
  /** Called with the new objection once it is raised (the modal closes itself). */
  onRaised?: ((o: Objection) => void) | undefined;
}

interface RaiseValues {
  proposedValue?: string;
  reason: string;
  evidence?: string;
  orgId?: string;
}

/**
 * 提出异议: objects to a record of an entry's dataset, or to one of its fields, with a reason,
 * evidence and (for a field) the value believed right. Whoever has access to the record may; the
 * platform (governance.manage) may address another department than the provider.
 */
export function RaiseObjectionModal(p: RaiseObjectionProps) {
  const { t } = useLang();
  const notify = useNotify();
  const can = useCan();
  const platform = can('governance.manage');
  const orgs = useOrgs(platform);
  const [form] = Form.useForm<RaiseValues>();
  const raise = useRaiseObjection();
  const submit = async () => {
    const v = await form.validateFields();
    const proposed = v.proposedValue?.trim();
    const evidence = v.evidence?.trim();
    raise.mutate(
      {
        entryId: p.entryId,
        key: p.recordKey,
        reason: v.reason.trim(),
        ...(p.field ? { field: p.field } : {}),
        ...(p.field && proposed ? { proposedValue: proposed } : {}),
        ...(evidence ? { evidence } : {}),
        ...(platform && v.orgId ? { orgId: v.orgId } : {}),
      },
      {
        onSuccess: (o) => {
          notify.success(t('objection.raise.done'));
          p.onRaised?.(o);
          p.onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, ['proposedValue', 'reason', 'evidence', 'orgId']);
          notify.error(err);
        },
      },
    );
  };
  return (
    <Modal
      open
      title={t('objection.raise')}
      onCancel={p.onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('objection.raise')}
      cancelText={t('common.cancel')}
      confirmLoading={raise.isPending}
      okButtonProps={{ 'data-testid': 'objection-raise-submit' }}
      width={560}
    >
      <div data-testid="objection-raise">
        <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t('objection.raise.record')}>
            <RecordKey value={p.recordKey} />
          </Descriptions.Item>
          <Descriptions.Item label={t('objection.raise.field')}>
            {p.field ? (
              <span>
                {p.fieldName ?? p.field}{' '}
                {p.fieldName && <Typography.Text type="secondary">{p.field}</Typography.Text>}
              </span>
            ) : (
              <Typography.Text type="secondary">{t('objection.wholeRecord')}</Typography.Text>
            )}
          </Descriptions.Item>
          {p.field && p.currentValue !== undefined && (
            <Descriptions.Item label={t('objection.raise.current')}>
              {p.currentValue === null || p.currentValue === '' ? (
                <Typography.Text type="secondary">∅</Typography.Text>
              ) : (
                <Typography.Text code>{p.currentValue}</Typography.Text>
              )}
            </Descriptions.Item>
          )}
        </Descriptions>
        <Form form={form} layout="vertical" name="objection-raise" initialValues={{ orgId: p.orgId }}>
          {p.field && (
            <Form.Item name="proposedValue" label={t('objection.raise.proposed')} rules={[{ max: 4000 }]}>
              <Input data-testid="objection-raise-value" />
            </Form.Item>
          )}
          <Form.Item
            name="reason"
            label={t('objection.raise.reason')}
            rules={[
              {
                validator: (_, v: string | undefined) =>
                  [...(v?.trim() ?? '')].length >= 2
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('objection.reason.required'))),
              },
              { max: 2000 },
            ]}
          >
            <Input.TextArea rows={3} data-testid="objection-raise-reason" />
          </Form.Item>
          <Form.Item
            name="evidence"
            label={t('objection.raise.evidence')}
            extra={t('objection.raise.evidenceHint')}
            rules={[{ max: 4000 }]}
          >
            <Input.TextArea rows={2} data-testid="objection-raise-evidence" />
          </Form.Item>
          {platform && (
            <Form.Item name="orgId" label={t('objection.raise.org')} extra={t('objection.raise.orgHint')}>
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                loading={orgs.isPending}
                options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }))}
                optionRender={(o) => (
                  <span data-testid={`objection-raise-org-option-${String(o.label)}`}>{o.label}</span>
                )}
                data-testid="objection-raise-org"
              />
            </Form.Item>
          )}
        </Form>
      </div>
    </Modal>
  );
}
