import { Button, Form, Input, Radio, Select, Space, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useLang } from '../../lang';
import type { Condition } from './quality-model';

/** The operators the builder offers (filter.ts: is_null / not_null are the 为空 test). */
export const BUILDER_OPS = ['eq', 'ne', 'in', 'range', 'prefix', 'is_null', 'not_null'] as const;
export type BuilderOp = (typeof BUILDER_OPS)[number];

/** One condition of the builder, as the form holds it. */
export interface BuilderRow {
  field?: string;
  op?: BuilderOp;
  value?: string;
  values?: string[];
  lowerOp?: 'gte' | 'gt';
  lower?: string;
  upperOp?: 'lte' | 'lt';
  upper?: string;
}

export interface BuilderValues {
  join: 'and' | 'or';
  rows: BuilderRow[];
}

export const emptyRow = (): BuilderRow => ({ op: 'eq', lowerOp: 'gte', upperOp: 'lte' });

const blank = (v: string | undefined) => v === undefined || v === '';

/** The filter AST of the builder's rows; a single condition stands alone, several are joined. */
export function buildCondition(b: BuilderValues): Condition {
  const leaves: Condition[] = b.rows.map((r): Condition => {
    const field = r.field ?? '';
    switch (r.op ?? 'eq') {
      case 'eq':
      case 'ne':
      case 'prefix':
        return { field, op: r.op ?? 'eq', value: r.value ?? '' } as Condition;
      case 'in':
        return { field, op: 'in', values: r.values ?? [] };
      case 'range': {
        const c: Condition & { op: 'range' } = { field, op: 'range' };
        if (!blank(r.lower)) c[r.lowerOp ?? 'gte'] = r.lower;
        if (!blank(r.upper)) c[r.upperOp ?? 'lte'] = r.upper;
        return c;
      }
      case 'is_null':
        return { field, op: 'is_null' };
      case 'not_null':
        return { field, op: 'not_null' };
    }
  });
  if (leaves.length === 1) return leaves[0]!;
  return b.join === 'or' ? { or: leaves } : { and: leaves };
}

function rowOf(c: Condition): BuilderRow | null {
  if (typeof c !== 'object' || c === null || 'and' in c || 'or' in c || 'not' in c) return null;
  if (typeof c.field !== 'string') return null;
  switch (c.op) {
    case 'eq':
    case 'ne':
    case 'prefix':
      return { field: c.field, op: c.op, value: c.value };
    case 'in':
      return { field: c.field, op: 'in', values: c.values };
    case 'is_null':
    case 'not_null':
      return { field: c.field, op: c.op };
    case 'range': {
      if ((c.gte !== undefined && c.gt !== undefined) || (c.lte !== undefined && c.lt !== undefined))
        return null;
      return {
        field: c.field,
        op: 'range',
        lowerOp: c.gt !== undefined ? 'gt' : 'gte',
        lower: c.gt ?? c.gte,
        upperOp: c.lt !== undefined ? 'lt' : 'lte',
        upper: c.lt ?? c.lte,
      };
    }
    default:
      return null;
  }
}

/** The builder's rows of a condition, or null when it is more than one flat and/or of leaves. */
export function builderOf(c: Condition): BuilderValues | null {
  if (typeof c !== 'object' || c === null) return null;
  const list = 'and' in c ? c.and : 'or' in c ? c.or : [c];
  const rows = list.map(rowOf);
  if (rows.some((r) => r === null)) return null;
  return { join: 'or' in c ? 'or' : 'and', rows: rows as BuilderRow[] };
}

function ConditionRow({
  index,
  fieldOptions,
  onRemove,
  removable,
}: {
  index: number;
  fieldOptions: { value: string; label: string }[];
  onRemove: () => void;
  removable: boolean;
}) {
  const { t } = useLang();
  const form = Form.useFormInstance();
  const op = Form.useWatch(['cond', 'rows', index, 'op'], form) as BuilderOp | undefined;
  const path = (k: keyof BuilderRow) => [index, k];
  const required = (what: 'field' | 'value') => [
    { required: true, message: t(`quality.cond.problem.${what}`) },
  ];
  return (
    // A Form.Item without a name shows the errors of the noStyle items inside it.
    <Form.Item style={{ marginBottom: 8 }}>
      <div data-testid="quality-cond-row" data-index={index}>
        <Space wrap align="start">
          <Form.Item name={path('field')} noStyle rules={required('field')}>
            <Select
              style={{ width: 200 }}
              placeholder={t('quality.param.field')}
              showSearch={{ optionFilterProp: 'label' }}
              options={fieldOptions}
              data-testid={`quality-cond-field-${index}`}
              optionRender={(o) => (
                <span data-testid={`quality-cond-field-${index}-option-${String(o.value)}`}>{o.label}</span>
              )}
            />
          </Form.Item>
          <Form.Item name={path('op')} noStyle>
            <Select
              style={{ width: 130 }}
              virtual={false}
              data-testid={`quality-cond-op-${index}`}
              options={BUILDER_OPS.map((o) => ({ value: o, label: t(`quality.op.${o}`) }))}
              optionRender={(o) => (
                <span data-testid={`quality-cond-op-${index}-option-${String(o.value)}`}>{o.label}</span>
              )}
            />
          </Form.Item>
          {(op === 'eq' || op === 'ne' || op === 'prefix' || op === undefined) && (
            <Form.Item name={path('value')} noStyle rules={required('value')}>
              <Input
                style={{ width: 200 }}
                placeholder={t('quality.cond.value')}
                data-testid={`quality-cond-value-${index}`}
              />
            </Form.Item>
          )}
          {op === 'in' && (
            <Form.Item name={path('values')} noStyle rules={required('value')}>
              <Select
                mode="tags"
                style={{ width: 260 }}
                tokenSeparators={[',', '，']}
                placeholder={t('quality.cond.values')}
                open={false}
                data-testid={`quality-cond-values-${index}`}
              />
            </Form.Item>
          )}
          {op === 'range' && (
            <Space.Compact>
              <Form.Item name={path('lowerOp')} noStyle>
                <Select
                  style={{ width: 64 }}
                  options={[
                    { value: 'gte', label: '≥' },
                    { value: 'gt', label: '>' },
                  ]}
                />
              </Form.Item>
              <Form.Item
                name={path('lower')}
                noStyle
                dependencies={[['cond', 'rows', index, 'upper']]}
                rules={[
                  {
                    validator: (_, lower: string | undefined) =>
                      blank(lower) &&
                      blank(form.getFieldValue(['cond', 'rows', index, 'upper']) as string | undefined)
                        ? Promise.reject(new Error(t('quality.cond.problem.bound')))
                        : Promise.resolve(),
                  },
                ]}
              >
                <Input
                  style={{ width: 120 }}
                  placeholder={t('quality.cond.lower')}
                  data-testid={`quality-cond-lower-${index}`}
                />
              </Form.Item>
              <Form.Item name={path('upperOp')} noStyle>
                <Select
                  style={{ width: 64 }}
                  options={[
                    { value: 'lte', label: '≤' },
                    { value: 'lt', label: '<' },
                  ]}
                />
              </Form.Item>
              <Form.Item name={path('upper')} noStyle>
                <Input
                  style={{ width: 120 }}
                  placeholder={t('quality.cond.upper')}
                  data-testid={`quality-cond-upper-${index}`}
                />
              </Form.Item>
            </Space.Compact>
          )}
          {removable && (
            <Button
              icon={<DeleteOutlined />}
              onClick={onRemove}
              aria-label={t('quality.cond.remove')}
              data-testid={`quality-cond-remove-${index}`}
            />
          )}
        </Space>
      </div>
    </Form.Item>
  );
}

/**
 * 条件表达式: one or more conditions (field, operator, values) joined by 且/或, the form items
 * `cond.join` and `cond.rows`. Every row must hold for a row of data to pass the rule.
 */
export function QualityConditionBuilder({
  fieldOptions,
}: {
  fieldOptions: { value: string; label: string }[];
}) {
  const { t } = useLang();
  return (
    <div data-testid="quality-cond-builder">
      <Form.Item name={['cond', 'join']} label={t('quality.cond.join')} style={{ marginBottom: 8 }}>
        <Radio.Group
          optionType="button"
          data-testid="quality-cond-join"
          options={[
            { value: 'and', label: t('quality.cond.joinAnd') },
            { value: 'or', label: t('quality.cond.joinOr') },
          ]}
        />
      </Form.Item>
      <Form.List name={['cond', 'rows']}>
        {(items, { add, remove }, { errors }) => (
          <>
            {items.map((item) => (
              <ConditionRow
                key={item.key}
                index={item.name}
                fieldOptions={fieldOptions}
                removable={items.length > 1}
                onRemove={() => remove(item.name)}
              />
            ))}
            <Form.ErrorList errors={errors} />
            <Button
              type="dashed"
              icon={<PlusOutlined />}
              onClick={() => add(emptyRow())}
              data-testid="quality-cond-add"
            >
              {t('quality.cond.add')}
            </Button>
          </>
        )}
      </Form.List>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 8, marginBottom: 0 }}>
        {t('quality.cond.hint')}
      </Typography.Paragraph>
    </div>
  );
}
