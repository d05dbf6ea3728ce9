import { useEffect } from 'react';
import { Descriptions, Form, Input, Modal, Select, Typography } from 'antd';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useOrgs } from '../identity/orgs/api';
import { useRaiseConflictObjection } from './registry-api';
import type { Conflict } from './registry-model';
import type { Objection } from './model';

interface Values {
  orgId?: string;
  reason?: string;
}

/** A value of a conflict as shown (masked as the server answered it); ∅ for none. */
export function ConflictValue({ value, testId }: { value: string | null; testId?: string }) {
  const { t } = useLang();
  if (value === null || value === '')
    return (
      <Typography.Text type="secondary" data-testid={testId} data-empty="true">
        {t('crosscheck.conflict.empty')}
      </Typography.Text>
    );
  return <Typography.Text data-testid={testId}>{value}</Typography.Text>;
}

/**
 * 提出异议 from a cross-check conflict: an objection to the secondary source's record (its key)
 * and field, proposing the authoritative value, addressed to the department chosen — by default
 * the source's provider — with an optional reason. Once per conflict: a second one is refused
 * (409), and the row shows the objection either way.
 */
export function ConflictObjectionModal(p: {
  runId: number;
  conflict: Conflict;
  /** The source's provider organisation, the default addressee. */
  providerOrgId?: string | undefined;
  providerOrgName?: string | undefined;
  onClose: () => void;
  onRaised: (o: Objection) => void;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const orgs = useOrgs();
  const [form] = Form.useForm<Values>();
  const raise = useRaiseConflictObjection(p.runId);
  const c = p.conflict;
  const defaultOrgId =
    p.providerOrgId ?? (orgs.data ?? []).find((o) => o.name === p.providerOrgName)?.id ?? undefined;
  useEffect(() => {
    // The provider may only be known once the organisations have loaded.
    if (defaultOrgId && !form.getFieldValue('orgId')) form.setFieldValue('orgId', defaultOrgId);
  }, [defaultOrgId, form]);

  const submit = async () => {
    const v = await form.validateFields();
    const reason = v.reason?.trim();
    raise.mutate(
      { conflictId: c.id, orgId: v.orgId ?? '', ...(reason ? { reason } : {}) },
      {
        onSuccess: (o) => {
          notify.success(t('crosscheck.objection.done'));
          p.onRaised(o);
          p.onClose();
        },
        onError: (err) => {
          notify.error(err);
          // Raised meanwhile (by someone else, or in another tab): the row shows it now.
          if (isApiError(err) && err.code === 'objection_conflict_taken') p.onClose();
          else showFieldErrors(form, err, ['orgId', 'reason']);
        },
      },
    );
  };

  return (
    <Modal
      open
      title={t('crosscheck.objection.title')}
      onCancel={p.onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('crosscheck.objection.submit')}
      cancelText={t('common.cancel')}
      confirmLoading={raise.isPending}
      okButtonProps={{ 'data-testid': 'conflict-objection-submit' }}
      width={600}
    >
      <div data-testid="conflict-objection" data-conflict={c.id}>
        <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t('crosscheck.conflict.col.item')}>{c.itemName}</Descriptions.Item>
          <Descriptions.Item label={t('crosscheck.conflict.col.source')}>
            {c.entryName} <Typography.Text type="secondary">({c.field})</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('crosscheck.conflict.col.key')}>
            <Typography.Text code>{c.subjectKey}</Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t('crosscheck.objection.current')}>
            <ConflictValue value={c.sourceValue} />
          </Descriptions.Item>
          <Descriptions.Item label={t('crosscheck.objection.proposed')}>
            <ConflictValue value={c.authoritativeValue} />
          </Descriptions.Item>
        </Descriptions>
        {c.masked && (
          <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
            {t('crosscheck.objection.maskedHint')}
          </Typography.Paragraph>
        )}
        <Form form={form} layout="vertical" name="conflict-objection" initialValues={{ orgId: defaultOrgId }}>
          <Form.Item
            name="orgId"
            label={t('crosscheck.objection.org')}
            extra={t('crosscheck.objection.orgHint')}
            rules={[{ required: true, message: t('crosscheck.objection.orgRequired') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={orgs.isPending}
              options={(orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }))}
              optionRender={(o) => (
                <span data-testid={`conflict-objection-org-option-${String(o.label)}`}>{o.label}</span>
              )}
              data-testid="conflict-objection-org"
            />
          </Form.Item>
          <Form.Item
            name="reason"
            label={t('crosscheck.objection.reason')}
            extra={t('crosscheck.objection.reasonHint')}
            rules={[
              {
                validator: (_, v: string | undefined) => {
                  const n = [...(v?.trim() ?? '')].length;
                  return n === 0 || n >= 2
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('crosscheck.objection.reasonShort')));
                },
              },
              { max: 2000 },
            ]}
          >
            <Input.TextArea rows={3} data-testid="conflict-objection-reason" />
          </Form.Item>
        </Form>
      </div>
    </Modal>
  );
}
