import {
  Button,
  Checkbox,
  Form,
  Input,
  InputNumber,
  Select,
  Space,
  Table,
  Tooltip,
  type FormInstance,
} from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import type { FormListFieldData } from 'antd/es/form/FormList';
import { useLang } from '../../../lang';
import { useCodeTables, useDataElements } from '../../standards/api';
import { FIELD_TYPES, GRADES, PII_KINDS, VALIDATOR_KINDS, type ValidatorKind } from '../model';
import { codeProblem, regexProblem } from './rules';
import { SampleCheck } from './SampleCheck';
import { NEW_FIELD, type EntryValues, type FieldValues } from './values';

const cell = { style: { margin: 0 } };

/** The editable 信息项 table: add, remove and reorder rows; every cell checks itself as it changes. */
export function FieldsEditor({ form }: { form: FormInstance<EntryValues> }) {
  const { t } = useLang();
  const tables = useCodeTables();
  const elements = useDataElements('');
  const rowValue = (i: number): FieldValues | undefined =>
    form.getFieldValue(['fields', i]) as FieldValues | undefined;
  const changed = (i: number, prop: keyof FieldValues) => (prev: EntryValues, cur: EntryValues) =>
    prev.fields?.[i]?.[prop] !== cur.fields?.[i]?.[prop];

  /** Picking a 数据元 fills the row's type, length, validator and code table from it. */
  const applyElement = (i: number, id: string | undefined) => {
    const el = elements.data?.find((d) => d.id === id);
    if (!el) return;
    const row = rowValue(i);
    if (!row) return;
    form.setFieldValue(['fields', i], {
      ...row,
      name: row.name || el.name,
      type: el.type,
      length: el.length ?? row.length ?? null,
      validatorKind: el.validator?.kind ?? row.validatorKind ?? '',
      pattern: el.validator?.pattern ?? row.pattern,
      codeTableId: el.codeTableId ?? row.codeTableId ?? null,
      dataElementId: id,
    });
  };

  const columns = (
    rows: FormListFieldData[],
    move: (a: number, b: number) => void,
    remove: (i: number) => void,
  ) => [
    { title: '#', key: 'i', width: 44, render: (_: unknown, r: FormListFieldData) => r.name + 1 },
    {
      title: t('field.name'),
      key: 'name',
      width: 170,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item
          {...cell}
          name={[r.name, 'name']}
          rules={[{ required: true, whitespace: true, message: t('common.required') }, { max: 100 }]}
        >
          <Input data-testid={`field-${r.name}-name`} />
        </Form.Item>
      ),
    },
    {
      title: t('field.code'),
      key: 'code',
      width: 170,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item
          {...cell}
          name={[r.name, 'code']}
          rules={[
            {
              validator: (_rule, v: string | undefined) => {
                const problem = codeProblem(
                  v,
                  (form.getFieldValue('fields') as FieldValues[] | undefined) ?? [],
                );
                return problem ? Promise.reject(new Error(t(problem))) : Promise.resolve();
              },
            },
          ]}
        >
          <Input placeholder={t('field.codeAuto')} data-testid={`field-${r.name}-code`} />
        </Form.Item>
      ),
    },
    {
      title: t('field.type'),
      key: 'type',
      width: 210,
      render: (_: unknown, r: FormListFieldData) => (
        <Space.Compact>
          <Form.Item {...cell} name={[r.name, 'type']}>
            <Select
              style={{ width: 100 }}
              data-testid={`field-${r.name}-type`}
              options={FIELD_TYPES.map((v) => ({
                value: v,
                label: v,
                'data-testid': `field-${r.name}-type-${v}`,
              }))}
            />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={changed(r.name, 'type')}>
            {() => {
              const type = rowValue(r.name)?.type;
              if (type === 'string')
                return (
                  <Form.Item {...cell} name={[r.name, 'length']}>
                    <InputNumber
                      min={1}
                      max={65535}
                      placeholder={t('field.length')}
                      style={{ width: 90 }}
                      data-testid={`field-${r.name}-length`}
                    />
                  </Form.Item>
                );
              if (type === 'decimal')
                return (
                  <>
                    <Form.Item {...cell} name={[r.name, 'precision']}>
                      <InputNumber
                        min={1}
                        max={38}
                        placeholder={t('field.precision')}
                        style={{ width: 60 }}
                      />
                    </Form.Item>
                    <Form.Item {...cell} name={[r.name, 'scale']}>
                      <InputNumber min={0} max={38} placeholder={t('field.scale')} style={{ width: 55 }} />
                    </Form.Item>
                  </>
                );
              return null;
            }}
          </Form.Item>
        </Space.Compact>
      ),
    },
    {
      title: t('field.required'),
      key: 'required',
      width: 56,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'required']} valuePropName="checked">
          <Checkbox data-testid={`field-${r.name}-required`} />
        </Form.Item>
      ),
    },
    {
      title: t('field.key'),
      key: 'key',
      width: 56,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'key']} valuePropName="checked">
          <Checkbox data-testid={`field-${r.name}-key`} />
        </Form.Item>
      ),
    },
    {
      title: t('field.validator'),
      key: 'validator',
      width: 190,
      render: (_: unknown, r: FormListFieldData) => (
        <>
          <Form.Item {...cell} name={[r.name, 'validatorKind']}>
            <Select
              style={{ width: 170 }}
              data-testid={`field-${r.name}-validator`}
              options={[
                { value: '', label: t('field.validator.none') },
                ...VALIDATOR_KINDS.map((v) => ({
                  value: v,
                  label: t(`field.validator.${v}`),
                  'data-testid': `field-${r.name}-validator-${v}`,
                })),
              ]}
            />
          </Form.Item>
          <Form.Item noStyle shouldUpdate={changed(r.name, 'validatorKind')}>
            {() =>
              rowValue(r.name)?.validatorKind === 'regex' && (
                <Form.Item
                  {...cell}
                  name={[r.name, 'pattern']}
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
                  <Input
                    placeholder={t('field.pattern')}
                    style={{ width: 170, marginTop: 4 }}
                    data-testid={`field-${r.name}-pattern`}
                  />
                </Form.Item>
              )
            }
          </Form.Item>
        </>
      ),
    },
    {
      title: t('field.sample'),
      key: 'sample',
      width: 170,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item
          noStyle
          shouldUpdate={(p: EntryValues, c: EntryValues) =>
            changed(r.name, 'validatorKind')(p, c) || changed(r.name, 'pattern')(p, c)
          }
        >
          {() => {
            const row = rowValue(r.name);
            const kind: ValidatorKind | null = row?.validatorKind || null;
            return <SampleCheck kind={kind} pattern={row?.pattern} testId={`field-${r.name}-sample`} />;
          }}
        </Form.Item>
      ),
    },
    {
      title: t('field.pii'),
      key: 'pii',
      width: 120,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'piiKind']}>
          <Select
            data-testid={`field-${r.name}-pii`}
            options={PII_KINDS.map((v) => ({
              value: v,
              label: t(`field.pii.${v}`),
              'data-testid': `field-${r.name}-pii-${v}`,
            }))}
          />
        </Form.Item>
      ),
    },
    {
      title: t('field.grade'),
      key: 'grade',
      width: 90,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'grade']}>
          <Select
            data-testid={`field-${r.name}-grade`}
            options={GRADES.map((g) => ({
              value: g,
              label: t('catalog.grade', { n: g }),
              'data-testid': `field-${r.name}-grade-${g}`,
            }))}
          />
        </Form.Item>
      ),
    },
    {
      title: t('field.dataElement'),
      key: 'dataElement',
      width: 170,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'dataElementId']}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            loading={elements.isPending}
            data-testid={`field-${r.name}-data-element`}
            onChange={(id: string | undefined) => applyElement(r.name, id)}
            options={(elements.data ?? []).map((d) => ({ value: d.id, label: `${d.name} ${d.identifier}` }))}
          />
        </Form.Item>
      ),
    },
    {
      title: t('field.codeTable'),
      key: 'codeTable',
      width: 170,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'codeTableId']}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            loading={tables.isPending}
            data-testid={`field-${r.name}-code-table`}
            options={(tables.data ?? []).map((c) => ({ value: c.id, label: `${c.name} ${c.identifier}` }))}
          />
        </Form.Item>
      ),
    },
    {
      title: t('field.description'),
      key: 'description',
      width: 170,
      render: (_: unknown, r: FormListFieldData) => (
        <Form.Item {...cell} name={[r.name, 'description']} rules={[{ max: 1000 }]}>
          <Input />
        </Form.Item>
      ),
    },
    {
      title: t('common.actions'),
      key: 'ops',
      width: 120,
      fixed: 'right' as const,
      render: (_: unknown, r: FormListFieldData) => (
        <Space size={2}>
          <Tooltip title={t('editor.moveUp')}>
            <Button
              size="small"
              icon={<ArrowUpOutlined />}
              disabled={r.name === 0}
              onClick={() => move(r.name, r.name - 1)}
              data-testid={`field-${r.name}-up`}
            />
          </Tooltip>
          <Tooltip title={t('editor.moveDown')}>
            <Button
              size="small"
              icon={<ArrowDownOutlined />}
              disabled={r.name === rows.length - 1}
              onClick={() => move(r.name, r.name + 1)}
              data-testid={`field-${r.name}-down`}
            />
          </Tooltip>
          <Tooltip title={t('editor.remove')}>
            <Button
              size="small"
              danger
              icon={<DeleteOutlined />}
              onClick={() => remove(r.name)}
              data-testid={`field-${r.name}-remove`}
            />
          </Tooltip>
        </Space>
      ),
    },
  ];

  return (
    <Form.List
      name="fields"
      rules={[
        {
          validator: (_rule, v: FieldValues[] | undefined) =>
            form.getFieldValue('resourceKind') === 'table' && (v ?? []).length === 0
              ? Promise.reject(new Error(t('rule.fieldsRequired')))
              : Promise.resolve(),
        },
      ]}
    >
      {(rows, { add, remove, move }, { errors }) => (
        <>
          <Table<FormListFieldData>
            rowKey="key"
            size="small"
            pagination={false}
            dataSource={rows}
            scroll={{ x: 1900 }}
            data-testid="field-editor"
            columns={columns(rows, move, remove)}
          />
          <Form.ErrorList errors={errors} />
          <Button
            type="dashed"
            block
            icon={<PlusOutlined />}
            style={{ marginTop: 8 }}
            onClick={() => add({ ...NEW_FIELD })}
            data-testid="field-add"
          >
            {t('editor.addField')}
          </Button>
        </>
      )}
    </Form.List>
  );
}
