import { Alert, Checkbox, Form, Input, InputNumber, Modal, Typography } from 'antd';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useAgreement, useApply } from './api';
import { isUscc } from './labels';

interface ApplyForm {
  purpose: string;
  applicantOrgName: string;
  applicantUscc: string;
  intendedUse: string;
  securityMeasures: string;
  months: number;
  accept: boolean;
}

/**
 * 有条件开放申请: the form a public user fills in for a conditionally open entry — purpose, the
 * applicant organisation and its 统一社会信用代码 (checked here as the server does), the intended
 * use, the security measures and the agreement (shown in the UI's language, its version sent).
 * Mounted by the portal's dataset page and the console.
 */
export function ApplyOpenModal({
  entryId,
  entryName,
  onClose,
  onDone,
}: {
  entryId: string;
  entryName?: string;
  onClose: () => void;
  onDone?: () => void;
}) {
  const { t, lang } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<ApplyForm>();
  const agreement = useAgreement();
  const apply = useApply();
  const submit = (v: ApplyForm) => {
    if (!agreement.data) return;
    apply.mutate(
      {
        entryId,
        purpose: v.purpose,
        applicantOrgName: v.applicantOrgName,
        applicantUscc: v.applicantUscc.trim().toUpperCase(),
        intendedUse: v.intendedUse,
        securityMeasures: v.securityMeasures,
        months: v.months,
        agreementAccepted: v.accept,
        agreementVersion: agreement.data.version,
      },
      {
        onSuccess: () => {
          notify.success(t('opening.apply.done'));
          onDone?.();
          onClose();
        },
        onError: (err) => notify.error(err),
      },
    );
  };
  return (
    <Modal
      open
      width={640}
      title={t('opening.apply.title')}
      okText={t('opening.apply.submit')}
      okButtonProps={{ 'data-testid': 'open-apply-submit', disabled: !agreement.data }}
      confirmLoading={apply.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      data-testid="open-apply-modal"
      destroyOnHidden
    >
      {agreement.error && <ErrorAlert error={agreement.error} />}
      {entryName && (
        <Typography.Paragraph>
          {t('opening.apply.entry')}：<Typography.Text strong>{entryName}</Typography.Text>
        </Typography.Paragraph>
      )}
      <Form<ApplyForm>
        form={form}
        layout="vertical"
        initialValues={{ months: 12, accept: false }}
        onFinish={submit}
      >
        <Form.Item name="purpose" label={t('opening.apply.purpose')} rules={[{ required: true, min: 2 }]}>
          <Input.TextArea rows={2} maxLength={2000} data-testid="open-apply-purpose" />
        </Form.Item>
        <Form.Item name="applicantOrgName" label={t('opening.apply.orgName')} rules={[{ required: true }]}>
          <Input maxLength={200} data-testid="open-apply-org" />
        </Form.Item>
        <Form.Item
          name="applicantUscc"
          label={t('opening.apply.uscc')}
          rules={[
            { required: true },
            {
              validator: (_, v: string | undefined) =>
                !v || isUscc(v.trim().toUpperCase())
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('opening.apply.usccInvalid'))),
            },
          ]}
        >
          <Input maxLength={18} data-testid="open-apply-uscc" />
        </Form.Item>
        <Form.Item
          name="intendedUse"
          label={t('opening.apply.intendedUse')}
          rules={[{ required: true, min: 2 }]}
        >
          <Input.TextArea rows={2} maxLength={2000} data-testid="open-apply-use" />
        </Form.Item>
        <Form.Item
          name="securityMeasures"
          label={t('opening.apply.security')}
          rules={[{ required: true, min: 2 }]}
        >
          <Input.TextArea rows={2} maxLength={2000} data-testid="open-apply-security" />
        </Form.Item>
        <Form.Item name="months" label={t('opening.apply.months')} rules={[{ required: true }]}>
          <InputNumber min={1} max={36} data-testid="open-apply-months" />
        </Form.Item>
        {agreement.data && (
          <Alert
            type="info"
            title={t('opening.apply.agreement', { version: agreement.data.version })}
            description={<div style={{ whiteSpace: 'pre-line' }}>{agreement.data.text[lang]}</div>}
            style={{ marginBottom: 12 }}
            data-testid="open-apply-agreement"
          />
        )}
        <Form.Item
          name="accept"
          valuePropName="checked"
          rules={[
            {
              validator: (_, v: boolean) =>
                v ? Promise.resolve() : Promise.reject(new Error(t('opening.apply.mustAccept'))),
            },
          ]}
        >
          <Checkbox data-testid="open-apply-accept">{t('opening.apply.accept')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}

export default ApplyOpenModal;
