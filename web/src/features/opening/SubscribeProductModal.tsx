import { Alert, Checkbox, Form, Input, Modal, Radio, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useProduct, useSubscribe } from './api';
import { isUscc } from './labels';

interface SubscribeForm {
  tier: string;
  purpose: string;
  companyName?: string;
  companyUscc?: string;
  accept: boolean;
}

/**
 * 申请开通数据产品: a public user picks a tier, states the purpose, optionally applies for a
 * company (its name and 统一社会信用代码) and accepts the product's terms (their version sent).
 * Mounted by the portal's dataset page and the console.
 */
export function SubscribeProductModal({
  productId,
  onClose,
  onDone,
}: {
  productId: string;
  onClose: () => void;
  onDone?: () => void;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<SubscribeForm>();
  const [asCompany, setAsCompany] = useState(true);
  const product = useProduct(productId);
  const subscribe = useSubscribe();
  const p = product.data;
  const submit = (v: SubscribeForm) => {
    if (!p) return;
    subscribe.mutate(
      {
        productId,
        tier: v.tier,
        purpose: v.purpose,
        ...(asCompany && v.companyName && v.companyUscc
          ? { companyName: v.companyName, companyUscc: v.companyUscc.trim().toUpperCase() }
          : {}),
        acceptTerms: v.accept,
        termsVersion: p.termsVersion,
      },
      {
        onSuccess: () => {
          notify.success(t('product.subscribe.done'));
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
      title={`${t('product.subscribe.title')}${p ? ` · ${p.name}` : ''}`}
      okText={t('product.subscribe.submit')}
      okButtonProps={{ 'data-testid': 'product-subscribe-submit', disabled: !p }}
      confirmLoading={subscribe.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      data-testid="product-subscribe-modal"
      destroyOnHidden
    >
      {product.error && <ErrorAlert error={product.error} />}
      {p && (
        <Form<SubscribeForm>
          form={form}
          layout="vertical"
          initialValues={{ tier: p.tiers[0]?.name, accept: false }}
          onFinish={submit}
        >
          {p.description && <Typography.Paragraph type="secondary">{p.description}</Typography.Paragraph>}
          <Form.Item name="tier" label={t('product.col.tier')} rules={[{ required: true }]}>
            <Radio.Group data-testid="product-subscribe-tier">
              <Space orientation="vertical">
                {p.tiers.map((tier) => (
                  <Radio key={tier.name} value={tier.name}>
                    {t('product.subscribe.tierLine', {
                      name: tier.name,
                      calls: tier.callsPerMonth,
                      rate: tier.ratePerMinute,
                    })}
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="purpose"
            label={t('product.subscribe.purpose')}
            rules={[{ required: true, min: 2 }]}
          >
            <Input.TextArea rows={2} maxLength={2000} data-testid="product-subscribe-purpose" />
          </Form.Item>
          <Form.Item label={t('product.subscribe.asCompany')}>
            <Switch
              checked={asCompany}
              onChange={setAsCompany}
              data-testid="product-subscribe-company-switch"
            />
          </Form.Item>
          {asCompany && (
            <>
              <Form.Item
                name="companyName"
                label={t('product.subscribe.companyName')}
                rules={[{ required: true }]}
              >
                <Input maxLength={200} data-testid="product-subscribe-company" />
              </Form.Item>
              <Form.Item
                name="companyUscc"
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
                <Input maxLength={18} data-testid="product-subscribe-uscc" />
              </Form.Item>
            </>
          )}
          <Alert
            type="info"
            title={t('product.subscribe.terms', { version: p.termsVersion })}
            description={<div style={{ whiteSpace: 'pre-line' }}>{p.terms}</div>}
            style={{ marginBottom: 12 }}
          />
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
            <Checkbox data-testid="product-subscribe-accept">{t('product.subscribe.accept')}</Checkbox>
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

export default SubscribeProductModal;
