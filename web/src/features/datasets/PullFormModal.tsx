import { Form, Input, InputNumber, Modal, Radio, Select, Switch, Typography } from 'antd';
import { useLang } from '../../lang';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { useSavePull } from './api';
import {
  ENCODINGS,
  LOAD_MODES,
  PULL_FORMATS,
  PULL_KINDS,
  type Encoding,
  type LoadMode,
  type Pull,
  type PullFormat,
  type PullInput,
  type PullKind,
} from './model';

interface Values {
  name: string;
  kind: PullKind;
  mode: LoadMode;
  url?: string;
  format: PullFormat | 'auto';
  encoding: Encoding | 'auto';
  connection?: string;
  query?: string;
  watermarkColumn?: string;
  schedule?: string;
  enabled: boolean;
  timeoutSeconds: number;
  thresholdPercent: number;
}

const FIELDS = [
  'name',
  'kind',
  'mode',
  'url',
  'format',
  'encoding',
  'connection',
  'query',
  'watermarkColumn',
  'schedule',
  'enabled',
  'timeoutSeconds',
] as const;

function initialValues(pull: Pull | null): Values {
  return {
    name: pull?.name ?? '',
    kind: pull?.kind ?? 'http',
    mode: pull?.mode ?? 'replace',
    url: pull?.url ?? '',
    format: pull?.format ?? 'auto',
    encoding: pull?.encoding ?? 'auto',
    // The stored connection string comes back with its password as ***: it is sent again only
    // when typed anew.
    connection: '',
    query: pull?.query ?? '',
    watermarkColumn: pull?.watermarkColumn ?? '',
    schedule: pull?.schedule ?? '',
    enabled: pull?.enabled ?? true,
    timeoutSeconds: pull?.timeoutSeconds ?? 60,
    thresholdPercent: Math.round((pull?.threshold ?? 0.05) * 10000) / 100,
  };
}

const blankToNull = (s: string | undefined) => (s && s.trim() ? s.trim() : null);

/** Create (pull === null) or edit a 拉取源. */
export function PullFormModal({
  entryId,
  pull,
  onClose,
}: {
  entryId: string;
  pull: Pull | null;
  onClose: () => void;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<Values>();
  const save = useSavePull(entryId);
  const kind = Form.useWatch('kind', form) ?? pull?.kind ?? 'http';

  const submit = async () => {
    const v = await form.validateFields();
    const input: PullInput = {
      name: v.name.trim(),
      kind: v.kind,
      mode: v.mode,
      schedule: blankToNull(v.schedule),
      enabled: v.enabled,
      timeoutSeconds: v.timeoutSeconds,
      threshold: v.thresholdPercent / 100,
    };
    if (v.kind === 'http') {
      input.url = (v.url ?? '').trim();
      input.format = v.format === 'auto' ? null : v.format;
      input.encoding = v.encoding === 'auto' ? null : v.encoding;
    } else {
      if (blankToNull(v.connection)) input.connection = (v.connection ?? '').trim();
      input.query = (v.query ?? '').trim();
      input.watermarkColumn = blankToNull(v.watermarkColumn);
    }
    const onSuccess = () => {
      notify.success(t('pull.saved'));
      onClose();
    };
    const onError = (err: unknown) => {
      if (!showFieldErrors(form, err, FIELDS)) notify.error(err);
    };
    if (pull) save.mutate({ id: pull.id, input }, { onSuccess, onError });
    else save.mutate({ id: null, input }, { onSuccess, onError });
  };

  return (
    <Modal
      open
      width={720}
      title={pull ? t('pull.edit') : t('pull.create')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={save.isPending}
      okButtonProps={{ 'data-testid': 'pull-save' }}
      destroyOnHidden
    >
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={initialValues(pull)}
        name="pull"
        data-testid="pull-form"
      >
        <Form.Item
          name="name"
          label={t('pull.name')}
          rules={[{ required: true, whitespace: true }, { max: 200 }]}
        >
          <Input data-testid="pull-name" />
        </Form.Item>
        <Form.Item name="kind" label={t('pull.kind')}>
          <Radio.Group
            disabled={pull !== null}
            options={PULL_KINDS.map((k) => ({
              value: k,
              label: <span data-testid={`pull-kind-${k}`}>{t(`pull.kind.${k}`)}</span>,
            }))}
          />
        </Form.Item>
        {kind === 'http' ? (
          <>
            <Form.Item
              name="url"
              label={t('pull.url')}
              rules={[
                { required: true, whitespace: true },
                { pattern: /^https?:\/\/\S+$/i, message: t('pull.url.invalid') },
              ]}
            >
              <Input placeholder="https://" data-testid="pull-url" />
            </Form.Item>
            <Form.Item name="format" label={t('pull.format')}>
              <Select
                data-testid="pull-format"
                options={[
                  { value: 'auto', label: t('pull.format.auto') },
                  ...PULL_FORMATS.map((f) => ({ value: f, label: f.toUpperCase() })),
                ]}
              />
            </Form.Item>
            <Form.Item name="encoding" label={t('pull.encoding')}>
              <Select
                data-testid="pull-encoding"
                options={[
                  { value: 'auto', label: t('upload.encoding.auto') },
                  ...ENCODINGS.map((e) => ({ value: e, label: t(`upload.encoding.${e}`) })),
                ]}
              />
            </Form.Item>
          </>
        ) : (
          <>
            <Form.Item
              name="connection"
              label={t('pull.connection')}
              extra={
                <>
                  {pull?.connection && (
                    <Typography.Text code style={{ display: 'block' }}>
                      {pull.connection}
                    </Typography.Text>
                  )}
                  {t('pull.connection.hint')}
                </>
              }
              rules={pull ? [] : [{ required: true, whitespace: true }]}
            >
              <Input.Password
                placeholder="postgres://user:password@host:5432/db"
                autoComplete="off"
                data-testid="pull-connection"
              />
            </Form.Item>
            <Form.Item
              name="query"
              label={t('pull.query')}
              extra={t('pull.query.hint')}
              rules={[{ required: true, whitespace: true }]}
            >
              <Input.TextArea rows={4} style={{ fontFamily: 'monospace' }} data-testid="pull-query" />
            </Form.Item>
            <Form.Item
              name="watermarkColumn"
              label={t('pull.watermark')}
              extra={t('pull.watermark.hint')}
              dependencies={['mode']}
              rules={[
                ({ getFieldValue }) => ({
                  validator: (_, v: string | undefined) =>
                    v?.trim() && getFieldValue('mode') === 'replace'
                      ? Promise.reject(new Error(t('pull.watermark.mode')))
                      : Promise.resolve(),
                }),
              ]}
            >
              <Input data-testid="pull-watermark" />
            </Form.Item>
            {pull?.watermark && (
              <Typography.Paragraph type="secondary">
                {t('pull.watermark.value')}: <Typography.Text code>{pull.watermark}</Typography.Text>
              </Typography.Paragraph>
            )}
          </>
        )}
        <Form.Item name="mode" label={t('pull.mode')}>
          <Select
            data-testid="pull-mode"
            options={LOAD_MODES.map((m) => ({
              value: m,
              label: `${t(`dataset.mode.${m}`)} — ${t(`dataset.mode.${m}.hint`)}`,
            }))}
          />
        </Form.Item>
        <Form.Item name="schedule" label={t('pull.schedule')} extra={t('pull.schedule.hint')}>
          <Input placeholder="0 2 * * *" style={{ fontFamily: 'monospace' }} data-testid="pull-schedule" />
        </Form.Item>
        <Form.Item name="enabled" label={t('pull.enabled')} valuePropName="checked">
          <Switch data-testid="pull-enabled" />
        </Form.Item>
        <Form.Item name="timeoutSeconds" label={t('pull.timeout')} rules={[{ required: true }]}>
          <InputNumber min={5} max={3600} precision={0} data-testid="pull-timeout" />
        </Form.Item>
        <Form.Item name="thresholdPercent" label={t('pull.threshold')} rules={[{ required: true }]}>
          <InputNumber min={0} max={100} step={1} data-testid="pull-threshold" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
