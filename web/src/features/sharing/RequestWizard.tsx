import { useState } from 'react';
import {
  Alert,
  Button,
  Checkbox,
  Form,
  Input,
  InputNumber,
  Modal,
  Result,
  Select,
  Space,
  Steps,
  Tag,
} from 'antd';
import { useNavigate } from 'react-router';
import { useLang } from '../../lang';
import { ErrorAlert } from '../../components/ErrorAlert';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import type { Entry } from '../catalog/model';
import { useCreateRequest, useDemandRequest, useRequestableApps } from './api';
import { dayOf } from './labels';
import { addYears, shanghaiToday, type Demand, type ShareRequest } from './model';

interface WizardValues {
  appId: string;
  fields: string[];
  scenarioName: string;
  scenarioDescription: string;
  scenarioBasis: string;
  perDay: number;
  validFrom: string;
  validTo: string;
}

/** The form fields each step validates before the next. */
const STEP_FIELDS: (keyof WizardValues)[][] = [
  ['appId'],
  ['fields'],
  ['scenarioName', 'scenarioDescription', 'scenarioBasis'],
  ['perDay', 'validFrom', 'validTo'],
];

/**
 * 申请共享: application → fields → scenario → volume and validity → submit; shows the answer
 * (granted at once for 无条件共享, else submitted with the provider's due date).
 */
export function RequestWizard({
  entry,
  onClose,
  demand,
}: {
  entry: Entry;
  onClose: () => void;
  /** Made from a demand (供需对接): linked to it, its purpose as the default scenario. */
  demand?: Pick<Demand, 'id' | 'purpose'>;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const navigate = useNavigate();
  const apps = useRequestableApps();
  const create = useCreateRequest();
  const fromDemand = useDemandRequest();
  const [form] = Form.useForm<WizardValues>();
  const [step, setStep] = useState(0);
  const [result, setResult] = useState<ShareRequest | null>(null);
  const ownApps = apps.data ?? [];
  const today = shanghaiToday();
  const allCodes = entry.fields.map((f) => f.code);
  const chosen = Form.useWatch('fields', form) ?? [];

  const next = async () => {
    await form.validateFields(STEP_FIELDS[step]);
    setStep((s) => s + 1);
  };

  const submit = async () => {
    await form.validateFields(STEP_FIELDS[3]);
    const v = form.getFieldsValue(true) as WizardValues;
    const input = {
      appId: v.appId,
      fields: allCodes.filter((c) => v.fields.includes(c)),
      scenario: {
        name: v.scenarioName.trim(),
        description: v.scenarioDescription.trim(),
        basis: v.scenarioBasis.trim(),
      },
      expectedVolume: { perDay: v.perDay },
      validFrom: v.validFrom,
      validTo: v.validTo,
    };
    const callbacks = {
      onSuccess: (r: ShareRequest) => {
        setResult(r);
        setStep(4);
      },
      onError: (err: Error) => {
        showFieldErrors(form, err, ['appId', 'fields', 'validFrom', 'validTo']);
        notify.error(err);
      },
    };
    if (demand) fromDemand.mutate({ id: demand.id, input }, callbacks);
    else create.mutate({ entryId: entry.id, ...input }, callbacks);
  };

  const show = (i: number) => ({ display: step === i ? undefined : 'none' });

  const footer =
    step === 4 ? (
      <Space>
        <Button data-testid="wizard-go-requests" onClick={() => void navigate('/share?tab=outbox')}>
          {t('share.wizard.goRequests')}
        </Button>
        <Button type="primary" data-testid="wizard-close" onClick={onClose}>
          {t('share.wizard.close')}
        </Button>
      </Space>
    ) : (
      <Space>
        {step > 0 && (
          <Button data-testid="wizard-prev" onClick={() => setStep((s) => s - 1)}>
            {t('share.wizard.prev')}
          </Button>
        )}
        {step < 3 ? (
          <Button type="primary" data-testid="wizard-next" onClick={() => void next().catch(() => undefined)}>
            {t('share.wizard.next')}
          </Button>
        ) : (
          <Button
            type="primary"
            data-testid="wizard-submit"
            loading={create.isPending || fromDemand.isPending}
            onClick={() => void submit().catch(() => undefined)}
          >
            {t('share.wizard.submit')}
          </Button>
        )}
      </Space>
    );

  return (
    <Modal
      open
      width={760}
      title={t('share.wizard.title', { name: entry.name })}
      onCancel={onClose}
      footer={footer}
      maskClosable={false}
    >
      <div data-testid="share-wizard">
        <Steps
          size="small"
          current={step}
          style={{ marginBottom: 24 }}
          items={[
            { title: t('share.wizard.step.app') },
            { title: t('share.wizard.step.fields') },
            { title: t('share.wizard.step.scenario') },
            { title: t('share.wizard.step.volume') },
            { title: t('share.wizard.step.result') },
          ]}
        />
        <Form<WizardValues>
          form={form}
          name="share-request"
          layout="vertical"
          initialValues={{
            fields: allCodes,
            perDay: 1000,
            validFrom: today,
            validTo: addYears(today, 1),
            ...(demand
              ? {
                  scenarioName: demand.purpose.name,
                  scenarioDescription: demand.purpose.description,
                  scenarioBasis: demand.purpose.basis,
                }
              : {}),
          }}
        >
          <div style={show(0)}>
            {apps.error && <ErrorAlert error={apps.error} style={{ marginBottom: 16 }} />}
            {apps.isSuccess && ownApps.length === 0 && (
              <Alert type="warning" showIcon title={t('share.wizard.noApps')} style={{ marginBottom: 16 }} />
            )}
            <Form.Item name="appId" label={t('share.wizard.app')} rules={[{ required: true }]}>
              <Select
                data-testid="wizard-app"
                loading={apps.isPending}
                options={ownApps.map((a) => ({
                  value: a.id,
                  label: <span data-testid={`wizard-app-option-${a.name}`}>{a.name}</span>,
                }))}
              />
            </Form.Item>
          </div>
          <div style={show(1)}>
            {allCodes.length === 0 && (
              <Alert
                type="info"
                showIcon
                title={t('share.wizard.wholeResource')}
                style={{ marginBottom: 8 }}
              />
            )}
            <Checkbox
              data-testid="wizard-fields-all"
              checked={chosen.length === allCodes.length}
              indeterminate={chosen.length > 0 && chosen.length < allCodes.length}
              onChange={(e) => form.setFieldValue('fields', e.target.checked ? allCodes : [])}
              style={{ marginBottom: 8, display: allCodes.length ? undefined : 'none' }}
            >
              {t('share.wizard.selectAll')}
            </Checkbox>
            <Form.Item
              name="fields"
              label={t('share.wizard.fields')}
              rules={allCodes.length ? [{ required: true, type: 'array', min: 1 }] : []}
              hidden={allCodes.length === 0}
            >
              <Checkbox.Group style={{ display: 'flex', flexDirection: 'column', gap: 6 }}>
                {entry.fields.map((f) => (
                  <Checkbox key={f.code} value={f.code} data-testid={`wizard-field-${f.code}`}>
                    {f.name} <code>{f.code}</code>
                    {f.key && <Tag style={{ marginLeft: 8 }}>{t('share.key')}</Tag>}
                    {f.piiKind !== 'none' && (
                      <Tag color="red" style={{ marginLeft: 8 }} data-testid={`wizard-pii-${f.code}`}>
                        {t('share.pii')}
                      </Tag>
                    )}
                  </Checkbox>
                ))}
              </Checkbox.Group>
            </Form.Item>
          </div>
          <div style={show(2)}>
            <Form.Item
              name="scenarioName"
              label={t('share.wizard.scenarioName')}
              rules={[{ required: true, whitespace: true, max: 100 }]}
            >
              <Input data-testid="wizard-scenario-name" />
            </Form.Item>
            <Form.Item
              name="scenarioDescription"
              label={t('share.wizard.scenarioDescription')}
              rules={[{ required: true, whitespace: true, max: 2000 }]}
            >
              <Input.TextArea rows={3} data-testid="wizard-scenario-description" />
            </Form.Item>
            <Form.Item
              name="scenarioBasis"
              label={t('share.wizard.scenarioBasis')}
              rules={[{ required: true, whitespace: true, max: 500 }]}
            >
              <Input data-testid="wizard-scenario-basis" />
            </Form.Item>
          </div>
          <div style={show(3)}>
            <Form.Item name="perDay" label={t('share.wizard.perDay')} rules={[{ required: true }]}>
              <InputNumber min={1} max={100_000_000} precision={0} data-testid="wizard-per-day" />
            </Form.Item>
            <Space size="large">
              <Form.Item name="validFrom" label={t('share.wizard.validFrom')} rules={[{ required: true }]}>
                <Input type="date" min={today} data-testid="wizard-valid-from" />
              </Form.Item>
              <Form.Item
                name="validTo"
                label={t('share.wizard.validTo')}
                dependencies={['validFrom']}
                rules={[
                  { required: true },
                  ({ getFieldValue }) => ({
                    validator: (_, value: string | undefined) =>
                      !value || value >= String(getFieldValue('validFrom') ?? '')
                        ? Promise.resolve()
                        : Promise.reject(new Error(t('share.wizard.validToBefore'))),
                  }),
                ]}
              >
                <Input type="date" min={today} data-testid="wizard-valid-to" />
              </Form.Item>
            </Space>
          </div>
        </Form>
        {step === 4 && result && (
          <div data-testid="wizard-result" data-status={result.status} data-request-id={result.id}>
            <Result
              status="success"
              title={result.status === 'approved' ? t('share.wizard.granted') : t('share.wizard.submitted')}
              subTitle={
                result.status === 'approved'
                  ? t('share.wizard.grantedHint')
                  : [
                      t('share.wizard.submittedHint', {
                        due: dayOf(result.status === 'provider_approved' ? result.reviewDueAt : result.dueAt),
                      }),
                      result.needsReview && result.status === 'submitted'
                        ? t('share.wizard.submittedReview')
                        : '',
                    ]
                      .filter(Boolean)
                      .join(' ')
              }
            />
          </div>
        )}
      </div>
    </Modal>
  );
}
