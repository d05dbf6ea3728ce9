import { Button, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { useCreateProduct } from './api';
import type { ProductKind, Tier } from './model';

interface CreateForm {
  entryId: string;
  kind: ProductKind;
  name: string;
  description?: string;
  terms: string;
  tiers: Tier[];
  fields?: string;
  keyFields?: string;
  groupBy?: string;
  minCell?: number;
}

const codes = (s: string | undefined): string[] | undefined => {
  const list = (s ?? '')
    .split(/[,，\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
};

/** 新建数据产品: kind, name, description, terms of use, quota tiers and the kind's configuration. */
export function CreateProductModal({ entryId, onClose }: { entryId?: string; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<CreateForm>();
  const kind = Form.useWatch('kind', form);
  const create = useCreateProduct();
  const submit = (v: CreateForm) => {
    const config: Record<string, unknown> = {};
    if (v.kind === 'query' && codes(v.fields)) config.fields = codes(v.fields);
    if (v.kind === 'verify') {
      if (codes(v.fields)) config.fields = codes(v.fields);
      if (codes(v.keyFields)) config.keyFields = codes(v.keyFields);
    }
    if (v.kind === 'statistics') {
      if (codes(v.groupBy)) config.groupBy = codes(v.groupBy);
      if (v.minCell !== undefined && v.minCell !== null) config.minCell = v.minCell;
    }
    create.mutate(
      {
        entryId: v.entryId.trim(),
        kind: v.kind,
        name: v.name,
        description: v.description ?? '',
        terms: v.terms,
        tiers: v.tiers,
        config,
      },
      {
        onSuccess: () => {
          notify.success(t('product.done.created'));
          onClose();
        },
        onError: (err) => notify.error(err),
      },
    );
  };
  return (
    <Modal
      open
      width={720}
      title={t('product.create')}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'product-create-submit' }}
      data-testid="product-create-modal"
      destroyOnHidden
    >
      <Form<CreateForm>
        form={form}
        layout="vertical"
        initialValues={{
          entryId,
          kind: 'query',
          tiers: [{ name: '基础版', callsPerMonth: 10000, ratePerMinute: 60 }],
          minCell: 10,
        }}
        onFinish={submit}
      >
        <Form.Item name="entryId" label={t('product.form.entryId')} rules={[{ required: true }]}>
          <Input data-testid="product-form-entry" />
        </Form.Item>
        <Form.Item name="kind" label={t('product.col.kind')} rules={[{ required: true }]}>
          <Select
            data-testid="product-form-kind"
            options={(['query', 'verify', 'statistics'] as const).map((k) => ({
              value: k,
              label: t(`product.kind.${k}`),
            }))}
          />
        </Form.Item>
        <Form.Item name="name" label={t('product.form.name')} rules={[{ required: true }]}>
          <Input maxLength={100} data-testid="product-form-name" />
        </Form.Item>
        <Form.Item name="description" label={t('product.form.description')}>
          <Input.TextArea rows={2} maxLength={4000} data-testid="product-form-description" />
        </Form.Item>
        <Form.Item name="terms" label={t('product.form.terms')} rules={[{ required: true }]}>
          <Input.TextArea rows={3} maxLength={20000} data-testid="product-form-terms" />
        </Form.Item>
        {(kind === 'query' || kind === 'verify') && (
          <Form.Item name="fields" label={t('product.form.fields')}>
            <Input data-testid="product-form-fields" />
          </Form.Item>
        )}
        {kind === 'verify' && (
          <Form.Item name="keyFields" label={t('product.form.keyFields')}>
            <Input data-testid="product-form-key-fields" />
          </Form.Item>
        )}
        {kind === 'statistics' && (
          <Space>
            <Form.Item name="groupBy" label={t('product.form.groupBy')}>
              <Input style={{ width: 360 }} data-testid="product-form-group-by" />
            </Form.Item>
            <Form.Item name="minCell" label={t('product.form.minCell')}>
              <InputNumber min={0} max={1000} />
            </Form.Item>
          </Space>
        )}
        <Form.List name="tiers">
          {(items, { add, remove }) => (
            <Form.Item label={t('product.form.tiers')} required>
              {items.map((item) => (
                <Space key={item.key} align="baseline" data-testid="product-form-tier">
                  <Form.Item name={[item.name, 'name']} rules={[{ required: true }]}>
                    <Input placeholder={t('product.form.tierName')} style={{ width: 140 }} />
                  </Form.Item>
                  <Form.Item name={[item.name, 'callsPerMonth']} rules={[{ required: true }]}>
                    <InputNumber
                      min={1}
                      placeholder={t('product.form.callsPerMonth')}
                      style={{ width: 170 }}
                    />
                  </Form.Item>
                  <Form.Item name={[item.name, 'ratePerMinute']} rules={[{ required: true }]}>
                    <InputNumber
                      min={1}
                      placeholder={t('product.form.ratePerMinute')}
                      style={{ width: 170 }}
                    />
                  </Form.Item>
                  {items.length > 1 && <MinusCircleOutlined onClick={() => remove(item.name)} />}
                </Space>
              ))}
              {items.length < 10 && (
                <Button
                  type="dashed"
                  icon={<PlusOutlined />}
                  data-testid="product-form-add-tier"
                  onClick={() => add({ name: '', callsPerMonth: 1000, ratePerMinute: 60 })}
                >
                  {t('product.form.addTier')}
                </Button>
              )}
            </Form.Item>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
