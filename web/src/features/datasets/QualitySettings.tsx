import { Button, Col, Form, InputNumber, Row, Select, Typography } from 'antd';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { useSaveQualitySettings } from './quality-api';
import { dimensionLabel } from './QualityLabels';
import {
  DIMENSIONS,
  type DatasetQuality,
  type QualitySettings as Settings,
  type Weights,
} from './quality-model';

/** The hour select's value for "no daily run" (a Select option cannot be null). */
const NO_HOUR = -1;

interface FormValues {
  weights: Weights;
  hour: number;
}

/**
 * 设置: the weights of the six dimensions in the overall score (0–100 each; a dimension with
 * weight 0 does not count) and the hour of the daily run (Asia/Shanghai), or none — runs then
 * follow loads and 立即检查 only.
 */
export function QualitySettings({ entryId, quality }: { entryId: string; quality: DatasetQuality }) {
  const { t } = useLang();
  const notify = useNotify();
  const save = useSaveQualitySettings(entryId);
  const [form] = Form.useForm<FormValues>();
  const initial: FormValues = { weights: quality.weights, hour: quality.hour ?? NO_HOUR };

  const submit = (v: FormValues) => {
    const settings: Settings = {
      weights: Object.fromEntries(DIMENSIONS.map((d) => [d, v.weights[d] ?? 0])) as Weights,
      hour: v.hour === NO_HOUR ? null : v.hour,
    };
    save.mutate(settings, { onSuccess: () => notify.success(t('common.saved')), onError: notify.error });
  };

  return (
    <Form<FormValues>
      form={form}
      layout="vertical"
      initialValues={initial}
      onFinish={submit}
      data-testid="quality-settings"
      style={{ maxWidth: 720 }}
    >
      <Typography.Title level={5}>{t('quality.settings.weights')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('quality.settings.weightsHint')}</Typography.Paragraph>
      <Row gutter={16}>
        {DIMENSIONS.map((d) => (
          <Col xs={12} sm={8} key={d}>
            <Form.Item
              name={['weights', d]}
              label={dimensionLabel(t, d)}
              rules={[{ required: true, message: t('quality.param.valueRequired') }]}
            >
              <InputNumber
                min={0}
                max={100}
                step={1}
                style={{ width: '100%' }}
                data-testid={`quality-weight-${d}`}
              />
            </Form.Item>
          </Col>
        ))}
      </Row>
      <Form.Item shouldUpdate={(a: FormValues, b: FormValues) => a.weights !== b.weights} noStyle>
        {() => {
          const w = form.getFieldValue('weights') as Partial<Weights> | undefined;
          const none = DIMENSIONS.every((d) => !(Number(w?.[d]) > 0));
          return none ? (
            <Typography.Paragraph type="warning" data-testid="quality-weights-zero">
              {t('quality.settings.allZero')}
            </Typography.Paragraph>
          ) : null;
        }}
      </Form.Item>
      <Typography.Title level={5}>{t('quality.settings.schedule')}</Typography.Title>
      <Form.Item name="hour" label={t('quality.settings.hour')} extra={t('quality.settings.hourHint')}>
        <Select
          style={{ width: 240 }}
          virtual={false}
          data-testid="quality-hour"
          options={[
            { value: NO_HOUR, label: t('quality.settings.noHour') },
            ...Array.from({ length: 24 }, (_, h) => ({
              value: h,
              label: t('quality.settings.hourAt', { h: `${String(h).padStart(2, '0')}:00` }),
            })),
          ]}
          optionRender={(o) => <span data-testid={`quality-hour-option-${String(o.value)}`}>{o.label}</span>}
        />
      </Form.Item>
      <Button type="primary" htmlType="submit" loading={save.isPending} data-testid="quality-settings-save">
        {t('common.save')}
      </Button>
    </Form>
  );
}
