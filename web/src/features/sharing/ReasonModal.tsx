import { Form, Input, Modal } from 'antd';
import { useLang } from '../../lang';

/** A decision with a reason: required (≥ 2 characters) for refusals and revocations. */
export function ReasonModal({
  title,
  required,
  pending,
  onSubmit,
  onClose,
  extra,
}: {
  title: string;
  required: boolean;
  pending: boolean;
  onSubmit: (values: { reason?: string; validTo?: string }) => void;
  onClose: () => void;
  /** A date field instead of the reason (renewals). */
  extra?: { label: string; min: string };
}) {
  const { t } = useLang();
  const [form] = Form.useForm<{ reason?: string; validTo?: string }>();
  const ok = async () => {
    const v = await form.validateFields();
    const reason = v.reason?.trim();
    onSubmit({ ...(reason ? { reason } : {}), ...(v.validTo ? { validTo: v.validTo } : {}) });
  };
  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      onOk={() => void ok().catch(() => undefined)}
      okText={t('common.ok')}
      cancelText={t('common.cancel')}
      confirmLoading={pending}
      okButtonProps={{ 'data-testid': 'reason-submit' }}
    >
      <Form form={form} layout="vertical" name="share-reason">
        {extra ? (
          <Form.Item name="validTo" label={extra.label} rules={[{ required: true }]}>
            <Input type="date" min={extra.min} data-testid="renew-valid-to" />
          </Form.Item>
        ) : (
          <Form.Item
            name="reason"
            label={t('share.reason')}
            rules={
              required
                ? [
                    {
                      validator: (_, v: string | undefined) =>
                        [...(v?.trim() ?? '')].length >= 2
                          ? Promise.resolve()
                          : Promise.reject(new Error(t('share.reason.required'))),
                    },
                  ]
                : []
            }
          >
            <Input.TextArea rows={3} maxLength={2000} data-testid="reason-input" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
