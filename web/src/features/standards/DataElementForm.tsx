import { Form, Input, InputNumber, Modal, Select } from 'antd';
import { useLang } from '../../lang';
import { showFieldErrors } from '../../components/formErrors';
import { useNotify } from '../../components/useNotify';
import { FIELD_TYPES, VALIDATOR_KINDS, type FieldType, type ValidatorKind } from '../catalog/model';
import { regexProblem } from '../catalog/editor/rules';
import { useCodeTables, useCreateDataElement } from './api';

interface Values {
  identifier: string;
  name: string;
  type: FieldType;
  length?: number;
  validatorKind?: ValidatorKind;
  pattern?: string;
  codeTableId?: string;
  description?: string;
}

const FIELDS = ['identifier', 'name', 'type', 'length', 'codeTableId', 'description'] as const;

/** Create a 数据元 (standards.manage). */
export function DataElementForm({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useLang();
  const notify = useNotify();
  const [form] = Form.useForm<Values>();
  const create = useCreateDataElement();
  const tables = useCodeTables(open);
  const kind = Form.useWatch('validatorKind', form);

  const submit = async () => {
    const v = await form.validateFields();
    create.mutate(
      {
        identifier: v.identifier.trim(),
        name: v.name.trim(),
        type: v.type,
        length: v.type === 'string' ? (v.length ?? null) : null,
        validator: v.validatorKind
          ? { kind: v.validatorKind, ...(v.validatorKind === 'regex' ? { pattern: v.pattern ?? '' } : {}) }
          : null,
        codeTableId: v.codeTableId ?? null,
        description: v.description?.trim() ?? '',
      },
      {
        onSuccess: () => {
          notify.success(t('standards.created'));
          form.resetFields();
          onClose();
        },
        onError: (err) => {
          showFieldErrors(form, err, FIELDS);
          notify.error(err);
        },
      },
    );
  };

  return (
    <Modal
      open={open}
      title={t('standards.createDataElement')}
      onCancel={onClose}
      onOk={() => void submit().catch(() => undefined)}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      okButtonProps={{ 'data-testid': 'data-element-form-submit' }}
      forceRender
    >
      <Form form={form} layout="vertical" name="dataElement" initialValues={{ type: 'string' }}>
        <Form.Item
          name="identifier"
          label={t('standards.identifier')}
          rules={[
            { required: true, message: t('common.required') },
            { pattern: /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/ },
          ]}
        >
          <Input placeholder="DE01001" data-testid="data-element-identifier" />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('standards.name')}
          rules={[{ required: true, whitespace: true, max: 200 }]}
        >
          <Input data-testid="data-element-name" />
        </Form.Item>
        <Form.Item name="type" label={t('standards.type')} rules={[{ required: true }]}>
          <Select options={FIELD_TYPES.map((v) => ({ value: v, label: v }))} />
        </Form.Item>
        <Form.Item name="length" label={t('standards.length')}>
          <InputNumber min={1} max={1_000_000} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="validatorKind" label={t('standards.validator')}>
          <Select
            allowClear
            options={VALIDATOR_KINDS.map((v) => ({ value: v, label: t(`field.validator.${v}`) }))}
          />
        </Form.Item>
        {kind === 'regex' && (
          <Form.Item
            name="pattern"
            label={t('standards.pattern')}
            rules={[
              { required: true, message: t('common.required') },
              {
                validator: (_rule, v: string | undefined) => {
                  const problem = regexProblem(v);
                  return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
                },
              },
            ]}
          >
            <Input />
          </Form.Item>
        )}
        <Form.Item name="codeTableId" label={t('standards.codeTable')}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            options={(tables.data ?? []).map((c) => ({
              value: c.id,
              label: `${c.name} ${c.identifier} (${c.version})`,
            }))}
          />
        </Form.Item>
        <Form.Item name="description" label={t('standards.description')} rules={[{ max: 4000 }]}>
          <Input.TextArea rows={3} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
