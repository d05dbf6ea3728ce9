import { useEffect, useRef, useState } from 'react';
import {
  Alert,
  Checkbox,
  Form,
  Input,
  InputNumber,
  Modal,
  Segmented,
  Select,
  Space,
  Switch,
  Typography,
} from 'antd';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { useCan } from '../auth/session';
import { useCatalogSearch } from '../catalog/api';
import type { Field } from '../catalog/model';
import { useCodeTables } from '../standards/api';
import type { DatasetColumn } from './model';
import { useCreateRule, useOtherEntry, useUpdateRule } from './quality-api';
import {
  QualityConditionBuilder,
  buildCondition,
  builderOf,
  emptyRow,
  type BuilderValues,
} from './QualityConditionBuilder';
import { dimensionLabel, kindLabel } from './QualityLabels';
import {
  DIMENSIONS,
  DIMENSION_OF,
  NORMALISE_OPTIONS,
  RULE_KINDS,
  RULE_VALIDATORS,
  type Condition,
  type NormaliseOption,
  type QualityRule,
  type RuleKind,
  type RuleSpec,
  type RuleValidator,
} from './quality-model';

/** The form's values: the rule's name and kind, and every kind's parameters side by side. */
interface FormValues {
  name: string;
  kind: RuleKind;
  enabled: boolean;
  field?: string;
  maxLength?: number;
  pattern?: string;
  codeTableId?: string;
  min?: string;
  max?: string;
  fields?: string[];
  validator?: RuleValidator;
  idField?: string;
  birthField?: string;
  sexField?: string;
  maleCode?: string;
  femaleCode?: string;
  entryId?: string;
  targetField?: string;
  keyField?: string;
  authEntryId?: string;
  authField?: string;
  authKeyField?: string;
  normalise?: NormaliseOption[];
  condMode?: 'builder' | 'json';
  cond?: BuilderValues;
  condJson?: string;
}

const trimmed = (v: string | undefined) => {
  const s = v?.trim();
  return s ? s : undefined;
};

/** Thrown for a JSON condition that does not parse. */
class ConditionJsonError extends Error {}

function conditionOf(v: FormValues): Condition {
  if (v.condMode === 'json') {
    try {
      return JSON.parse(v.condJson ?? '') as Condition;
    } catch {
      throw new ConditionJsonError();
    }
  }
  return buildCondition(v.cond ?? { join: 'and', rows: [] });
}

/** The spec the server takes, from the form's values of the chosen kind. */
function specOf(v: FormValues): RuleSpec {
  const field = v.field ?? '';
  switch (v.kind) {
    case 'not_null':
      return { kind: 'not_null', field };
    case 'max_length':
      return { kind: 'max_length', field, max: v.maxLength ?? 0 };
    case 'pattern':
      return { kind: 'pattern', field, pattern: v.pattern ?? '' };
    case 'code_table':
      return { kind: 'code_table', field, codeTableId: v.codeTableId ?? '' };
    case 'range': {
      const min = trimmed(v.min);
      const max = trimmed(v.max);
      return { kind: 'range', field, ...(min !== undefined && { min }), ...(max !== undefined && { max }) };
    }
    case 'validator':
      return { kind: 'validator', field, validator: v.validator ?? 'uscc' };
    case 'unique':
      return { kind: 'unique', fields: v.fields ?? [] };
    case 'expression':
      return { kind: 'expression', condition: conditionOf(v) };
    case 'id_consistency': {
      const [birthField, sexField, maleCode, femaleCode] = [
        v.birthField,
        v.sexField,
        trimmed(v.maleCode),
        trimmed(v.femaleCode),
      ];
      return {
        kind: 'id_consistency',
        idField: v.idField ?? '',
        ...(birthField && { birthField }),
        ...(sexField && { sexField }),
        ...(sexField && maleCode && { maleCode }),
        ...(sexField && femaleCode && { femaleCode }),
      };
    }
    case 'referential':
      return { kind: 'referential', field, entryId: v.entryId ?? '', targetField: v.targetField ?? '' };
    case 'timeliness':
      return { kind: 'timeliness' };
    case 'accuracy': {
      const on = new Set(v.normalise ?? []);
      return {
        kind: 'accuracy',
        field,
        keyField: v.keyField ?? '',
        authority: { entryId: v.authEntryId ?? '', field: v.authField ?? '', keyField: v.authKeyField ?? '' },
        normalise: Object.fromEntries(NORMALISE_OPTIONS.map((o) => [o, on.has(o)])),
      };
    }
  }
}

const newCondition = (): BuilderValues => ({ join: 'and', rows: [emptyRow()] });

/** The form's values of a stored rule. */
function valuesOf(rule: QualityRule): FormValues {
  const base: FormValues = { name: rule.name, kind: rule.kind, enabled: rule.enabled };
  const s = rule.spec;
  switch (s.kind) {
    case 'not_null':
      return { ...base, field: s.field };
    case 'max_length':
      return { ...base, field: s.field, maxLength: s.max };
    case 'pattern':
      return { ...base, field: s.field, pattern: s.pattern };
    case 'code_table':
      return { ...base, field: s.field, codeTableId: s.codeTableId };
    case 'range':
      return { ...base, field: s.field, min: s.min, max: s.max };
    case 'validator':
      return { ...base, field: s.field, validator: s.validator };
    case 'unique':
      return { ...base, fields: s.fields };
    case 'expression': {
      const b = builderOf(s.condition);
      return b
        ? { ...base, condMode: 'builder', cond: b }
        : { ...base, condMode: 'json', cond: newCondition(), condJson: JSON.stringify(s.condition, null, 2) };
    }
    case 'id_consistency':
      return { ...base, ...s };
    case 'referential':
      return { ...base, field: s.field, entryId: s.entryId, targetField: s.targetField };
    case 'timeliness':
      return base;
    case 'accuracy':
      return {
        ...base,
        field: s.field,
        keyField: s.keyField,
        authEntryId: s.authority.entryId,
        authField: s.authority.field,
        authKeyField: s.authority.keyField,
        normalise: NORMALISE_OPTIONS.filter((o) => s.normalise?.[o] !== false),
      };
  }
}

/** The text typed, once it has rested for a moment. */
function useDebounced(value: string, ms = 300): string {
  const [out, setOut] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setOut(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return out;
}

/** Another published entry (a referential target, an accuracy authority), searched as one types. */
function EntryPicker(p: { value?: string; onChange?: (v: string) => void; testId: string }) {
  const { t } = useLang();
  const [q, setQ] = useState('');
  const text = useDebounced(q.trim());
  const search = useCatalogSearch(
    { q: text, sort: text ? 'relevance' : 'name', status: 'published', filters: {} },
    'console',
  );
  const chosen = useOtherEntry(p.value);
  const hits = (search.data?.pages ?? []).flatMap((page) => page.items);
  const options = hits.map((e) => ({
    value: e.id,
    label: `${e.name} (${e.code})`,
    provider: e.providerOrgName,
  }));
  if (p.value && !options.some((o) => o.value === p.value)) {
    const e = chosen.data;
    options.unshift({
      value: p.value,
      label: e ? `${e.name} (${e.code})` : p.value,
      provider: e?.providerOrgName,
    });
  }
  return (
    <Select
      value={p.value}
      onChange={p.onChange}
      placeholder={t('quality.param.entryPlaceholder')}
      loading={search.isFetching}
      showSearch={{ filterOption: false, onSearch: setQ }}
      notFoundContent={search.isFetching ? undefined : t('quality.param.noEntry')}
      data-testid={p.testId}
      options={options}
      optionRender={(o) => (
        <Space orientation="vertical" size={0} data-testid={`${p.testId}-option-${String(o.value)}`}>
          <span>{o.label}</span>
          {o.data.provider && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {o.data.provider}
            </Typography.Text>
          )}
        </Space>
      )}
    />
  );
}

/** A field of another entry; its code typed in when the entry's fields are not visible. */
function OtherFieldPicker(p: {
  entryId: string | undefined;
  value?: string;
  onChange?: (v: string) => void;
  testId: string;
}) {
  const { t } = useLang();
  const entry = useOtherEntry(p.entryId);
  const fields = entry.data?.fields;
  if (entry.data && (!fields || fields.length === 0)) {
    return (
      <Input
        value={p.value}
        onChange={(e) => p.onChange?.(e.target.value.trim())}
        placeholder={t('quality.param.fieldCode')}
        data-testid={p.testId}
      />
    );
  }
  return (
    <Select
      value={p.value}
      onChange={p.onChange}
      disabled={!p.entryId}
      loading={entry.isFetching}
      showSearch={{ optionFilterProp: 'label' }}
      data-testid={p.testId}
      status={entry.error ? 'error' : undefined}
      options={(fields ?? []).map((f) => ({ value: f.code, label: `${f.name} (${f.code})` }))}
      optionRender={(o) => <span data-testid={`${p.testId}-option-${String(o.value)}`}>{o.label}</span>}
    />
  );
}

/**
 * 新建/编辑规则: name, kind and the kind's parameters — fields from the dataset's columns, a code
 * table, a condition built from rows, another entry and its field. The server compiles the rule
 * against the data before storing it; its refusals (400 invalid rule, 409 duplicate key) are shown
 * in the user's language.
 */
export function QualityRuleForm({
  entryId,
  columns,
  catalogFields,
  rule,
  onClose,
}: {
  entryId: string;
  columns: readonly DatasetColumn[];
  /** The catalog's fields of the entry (their code tables and validators), for defaults. */
  catalogFields: readonly Field[];
  rule: QualityRule | null;
  onClose: () => void;
}) {
  const { t } = useLang();
  const can = useCan();
  const notify = useNotify();
  const [form] = Form.useForm<FormValues>();
  const create = useCreateRule(entryId);
  const update = useUpdateRule(entryId);
  const codeTables = useCodeTables(can('standards.read'));
  const [problem, setProblem] = useState<unknown>(null);
  // Whether the user has typed a name: until then a new rule's name follows its kind and fields.
  const nameTyped = useRef(false);
  const kind = (Form.useWatch('kind', form) as RuleKind | undefined) ?? rule?.kind ?? 'not_null';
  const condMode = (Form.useWatch('condMode', form) as FormValues['condMode']) ?? 'builder';
  const sexField = Form.useWatch('sexField', form) as string | undefined;
  const otherEntry = Form.useWatch('entryId', form) as string | undefined;
  const authEntry = Form.useWatch('authEntryId', form) as string | undefined;
  const saving = create.isPending || update.isPending;

  const catalogField = new Map(catalogFields.map((f) => [f.code, f]));
  const columnName = new Map(columns.map((c) => [c.code, c.name]));
  const fieldOptions = columns.map((c) => ({ value: c.code, label: `${c.name} (${c.code})` }));
  const keys = columns.filter((c) => c.key).map((c) => c.code);

  const initial: FormValues = rule
    ? valuesOf(rule)
    : {
        name: '',
        kind: 'not_null',
        enabled: true,
        validator: 'uscc',
        condMode: 'builder',
        cond: newCondition(),
        maleCode: '1',
        femaleCode: '2',
        // An accuracy rule joins by the dataset's key: its only key field is the likely one.
        keyField: keys.length === 1 ? keys[0] : undefined,
        normalise: [...NORMALISE_OPTIONS],
      };

  /** A name for a new rule until the user types one: the kind and the fields it reads. */
  const suggestName = (v: FormValues): string => {
    const fields = [
      ...new Set(
        v.kind === 'expression'
          ? (v.cond?.rows ?? []).map((r) => r?.field)
          : v.kind === 'unique'
            ? (v.fields ?? [])
            : v.kind === 'id_consistency'
              ? [v.idField]
              : v.kind === 'timeliness'
                ? []
                : [v.field],
      ),
    ].filter((f): f is string => !!f);
    const names = fields.map((f) => columnName.get(f) ?? f).join('、');
    return names ? `${names} · ${kindLabel(t, v.kind)}` : kindLabel(t, v.kind);
  };

  const fieldSelect = (testId: string, extra: { mode?: 'multiple'; allowClear?: boolean } = {}) => (
    <Select
      {...extra}
      showSearch={{ optionFilterProp: 'label' }}
      options={fieldOptions}
      data-testid={testId}
      optionRender={(o) => <span data-testid={`${testId}-option-${String(o.value)}`}>{o.label}</span>}
    />
  );
  const requiredField = [{ required: true, message: t('quality.param.fieldRequired') }];

  const submit = async () => {
    setProblem(null);
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const values = { ...initial, ...form.getFieldsValue(true) } as FormValues;
    let spec: RuleSpec;
    try {
      spec = specOf(values);
    } catch (err) {
      if (err instanceof ConditionJsonError) {
        form.setFields([{ name: 'condJson', errors: [t('quality.cond.jsonInvalid')] }]);
        return;
      }
      throw err;
    }
    const name = values.name.trim();
    const done = () => {
      notify.success(rule ? t('quality.rule.updated') : t('quality.rule.created'));
      onClose();
    };
    if (rule) {
      update.mutate(
        { id: rule.id, patch: { name, spec, enabled: values.enabled } },
        { onSuccess: done, onError: setProblem },
      );
    } else {
      create.mutate({ name, spec, enabled: values.enabled }, { onSuccess: done, onError: setProblem });
    }
  };

  const switchCondMode = (mode: 'builder' | 'json') => {
    if (mode === 'json') {
      const cond = form.getFieldValue('cond') as BuilderValues | undefined;
      form.setFieldsValue({
        condMode: 'json',
        condJson: JSON.stringify(buildCondition(cond ?? newCondition()), null, 2),
      });
      return;
    }
    let parsed: BuilderValues | null;
    try {
      parsed = builderOf(
        JSON.parse((form.getFieldValue('condJson') as string | undefined) ?? '') as Condition,
      );
    } catch {
      parsed = null;
    }
    if (!parsed) {
      form.setFields([{ name: 'condJson', errors: [t('quality.cond.notBuildable')] }]);
      return;
    }
    form.setFieldsValue({ condMode: 'builder', cond: parsed });
  };

  const problemText = isApiError(problem) ? problem.title : problem instanceof Error ? problem.message : null;

  return (
    <Modal
      open
      width={880}
      title={rule ? t('quality.rule.edit') : t('quality.rule.create')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={saving}
      okButtonProps={{ 'data-testid': 'quality-rule-submit' }}
      destroyOnHidden
    >
      <Form<FormValues>
        form={form}
        layout="vertical"
        initialValues={initial}
        data-testid="quality-rule-form"
        onValuesChange={(changed: Partial<FormValues>, all: FormValues) => {
          if ('name' in changed) nameTyped.current = true;
          else if (!rule && !nameTyped.current) form.setFieldValue('name', suggestName(all));
          // A code-table rule on a field the catalog ties to a code table starts with that table.
          if (changed.field && all.kind === 'code_table' && !all.codeTableId) {
            const id = catalogField.get(changed.field)?.codeTableId;
            if (id) form.setFieldValue('codeTableId', id);
          }
          if (changed.kind === 'code_table' && all.field && !all.codeTableId) {
            const id = catalogField.get(all.field)?.codeTableId;
            if (id) form.setFieldValue('codeTableId', id);
          }
        }}
      >
        <Space align="start" style={{ width: '100%' }} wrap>
          <Form.Item
            name="kind"
            label={t('quality.rule.kind')}
            rules={[{ required: true }]}
            extra={t('quality.rule.dimensionOf', { dimension: dimensionLabel(t, DIMENSION_OF[kind]) })}
            style={{ width: 300 }}
          >
            <Select
              virtual={false}
              data-testid="quality-rule-kind"
              options={DIMENSIONS.map((d) => ({
                label: dimensionLabel(t, d),
                title: d,
                options: RULE_KINDS.filter((k) => DIMENSION_OF[k] === d).map((k) => ({
                  value: k,
                  label: kindLabel(t, k),
                })),
              }))}
              optionRender={(o) => (
                <span data-testid={`quality-rule-kind-option-${String(o.value)}`}>{o.label}</span>
              )}
            />
          </Form.Item>
          <Form.Item
            name="name"
            label={t('quality.rule.name')}
            rules={[
              { required: true, whitespace: true, message: t('quality.rule.nameRequired') },
              { max: 200 },
            ]}
            style={{ width: 360 }}
          >
            <Input data-testid="quality-rule-name" maxLength={200} />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
          {t(`quality.kind.${kind}.hint`)}
        </Typography.Paragraph>

        {[
          'not_null',
          'max_length',
          'pattern',
          'code_table',
          'range',
          'validator',
          'referential',
          'accuracy',
        ].includes(kind) && (
          <Form.Item name="field" label={t('quality.param.field')} rules={requiredField}>
            {fieldSelect('quality-param-field')}
          </Form.Item>
        )}
        {kind === 'max_length' && (
          <Form.Item
            name="maxLength"
            label={t('quality.param.maxLength')}
            rules={[{ required: true, message: t('quality.param.valueRequired') }]}
          >
            <InputNumber min={0} max={1_000_000} precision={0} data-testid="quality-param-max-length" />
          </Form.Item>
        )}
        {kind === 'pattern' && (
          <Form.Item
            name="pattern"
            label={t('quality.param.pattern')}
            extra={t('quality.param.patternHint')}
            rules={[{ required: true, message: t('quality.param.valueRequired') }, { max: 500 }]}
          >
            <Input
              style={{ fontFamily: 'monospace' }}
              placeholder="^[0-9]{6}$"
              data-testid="quality-param-pattern"
            />
          </Form.Item>
        )}
        {kind === 'code_table' && (
          <Form.Item
            name="codeTableId"
            label={t('quality.param.codeTable')}
            rules={[{ required: true, message: t('quality.param.valueRequired') }]}
          >
            <Select
              showSearch={{ optionFilterProp: 'label' }}
              loading={codeTables.isPending && can('standards.read')}
              data-testid="quality-param-code-table"
              options={(codeTables.data ?? []).map((c) => ({
                value: c.id,
                label: `${c.name} (${c.identifier} ${c.version})`,
              }))}
              optionRender={(o) => (
                <span data-testid={`quality-param-code-table-option-${String(o.value)}`}>{o.label}</span>
              )}
            />
          </Form.Item>
        )}
        {kind === 'range' && (
          <Space align="start" wrap>
            <Form.Item
              name="min"
              label={t('quality.param.min')}
              dependencies={['max']}
              rules={[
                {
                  validator: (_, min: string | undefined) =>
                    trimmed(min) === undefined &&
                    trimmed(form.getFieldValue('max') as string | undefined) === undefined
                      ? Promise.reject(new Error(t('quality.cond.problem.bound')))
                      : Promise.resolve(),
                },
              ]}
            >
              <Input style={{ width: 200 }} data-testid="quality-param-min" />
            </Form.Item>
            <Form.Item name="max" label={t('quality.param.max')}>
              <Input style={{ width: 200 }} data-testid="quality-param-max" />
            </Form.Item>
          </Space>
        )}
        {kind === 'range' && (
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: -8 }}>
            {t('quality.param.rangeHint')}
          </Typography.Paragraph>
        )}
        {kind === 'validator' && (
          <Form.Item name="validator" label={t('quality.param.validator')} rules={[{ required: true }]}>
            <Select
              virtual={false}
              data-testid="quality-param-validator"
              options={RULE_VALIDATORS.map((v) => ({ value: v, label: t(`quality.validator.${v}`) }))}
              optionRender={(o) => (
                <span data-testid={`quality-param-validator-option-${String(o.value)}`}>{o.label}</span>
              )}
            />
          </Form.Item>
        )}
        {kind === 'unique' && (
          <Form.Item
            name="fields"
            label={t('quality.param.fields')}
            rules={[{ required: true, type: 'array', min: 1, message: t('quality.param.fieldRequired') }]}
          >
            {fieldSelect('quality-param-fields', { mode: 'multiple' })}
          </Form.Item>
        )}
        {kind === 'expression' && (
          <>
            <Form.Item name="condMode" hidden>
              <Input />
            </Form.Item>
            <Segmented
              size="small"
              value={condMode}
              onChange={(v) => switchCondMode(v as 'builder' | 'json')}
              style={{ marginBottom: 12 }}
              data-testid="quality-cond-mode"
              options={[
                { value: 'builder', label: t('quality.cond.modeBuilder') },
                { value: 'json', label: t('quality.cond.modeJson') },
              ]}
            />
            {condMode === 'builder' ? (
              <QualityConditionBuilder fieldOptions={fieldOptions} />
            ) : (
              <Form.Item
                name="condJson"
                label={t('quality.cond.json')}
                rules={[{ required: true, message: t('quality.cond.jsonInvalid') }]}
              >
                <Input.TextArea
                  rows={8}
                  style={{ fontFamily: 'monospace' }}
                  data-testid="quality-cond-json"
                />
              </Form.Item>
            )}
          </>
        )}
        {kind === 'id_consistency' && (
          <>
            <Form.Item name="idField" label={t('quality.param.idField')} rules={requiredField}>
              {fieldSelect('quality-param-id-field')}
            </Form.Item>
            <Space align="start" wrap style={{ width: '100%' }}>
              <Form.Item name="birthField" label={t('quality.param.birthField')} style={{ width: 300 }}>
                {fieldSelect('quality-param-birth-field', { allowClear: true })}
              </Form.Item>
              <Form.Item
                name="sexField"
                label={t('quality.param.sexField')}
                style={{ width: 300 }}
                dependencies={['birthField']}
                rules={[
                  {
                    validator: (_, sex: string | undefined) =>
                      !sex && !form.getFieldValue('birthField')
                        ? Promise.reject(new Error(t('quality.param.birthOrSex')))
                        : Promise.resolve(),
                  },
                ]}
              >
                {fieldSelect('quality-param-sex-field', { allowClear: true })}
              </Form.Item>
            </Space>
            {sexField && (
              <Space align="start" wrap>
                <Form.Item name="maleCode" label={t('quality.param.maleCode')}>
                  <Input style={{ width: 120 }} maxLength={20} data-testid="quality-param-male-code" />
                </Form.Item>
                <Form.Item name="femaleCode" label={t('quality.param.femaleCode')}>
                  <Input style={{ width: 120 }} maxLength={20} data-testid="quality-param-female-code" />
                </Form.Item>
              </Space>
            )}
          </>
        )}
        {kind === 'referential' && (
          <Space align="start" wrap style={{ width: '100%' }}>
            <Form.Item
              name="entryId"
              label={t('quality.param.targetEntry')}
              rules={[{ required: true, message: t('quality.param.entryRequired') }]}
              style={{ width: 380 }}
            >
              <EntryPicker
                testId="quality-param-entry"
                onChange={() => form.setFieldValue('targetField', undefined)}
              />
            </Form.Item>
            <Form.Item
              name="targetField"
              label={t('quality.param.targetField')}
              rules={requiredField}
              style={{ width: 280 }}
            >
              <OtherFieldPicker entryId={otherEntry} testId="quality-param-target-field" />
            </Form.Item>
          </Space>
        )}
        {kind === 'accuracy' && (
          <>
            <Form.Item name="keyField" label={t('quality.param.keyField')} rules={requiredField}>
              {fieldSelect('quality-param-key-field')}
            </Form.Item>
            <Form.Item
              name="authEntryId"
              label={t('quality.param.authority')}
              rules={[{ required: true, message: t('quality.param.entryRequired') }]}
            >
              <EntryPicker
                testId="quality-param-auth-entry"
                onChange={() => form.setFieldsValue({ authField: undefined, authKeyField: undefined })}
              />
            </Form.Item>
            <Space align="start" wrap style={{ width: '100%' }}>
              <Form.Item
                name="authField"
                label={t('quality.param.authField')}
                rules={requiredField}
                style={{ width: 300 }}
              >
                <OtherFieldPicker entryId={authEntry} testId="quality-param-auth-field" />
              </Form.Item>
              <Form.Item
                name="authKeyField"
                label={t('quality.param.authKeyField')}
                rules={requiredField}
                style={{ width: 300 }}
              >
                <OtherFieldPicker entryId={authEntry} testId="quality-param-auth-key-field" />
              </Form.Item>
            </Space>
            <Form.Item name="normalise" label={t('quality.param.normalise')}>
              <Checkbox.Group
                data-testid="quality-param-normalise"
                options={NORMALISE_OPTIONS.map((o) => ({ value: o, label: t(`quality.normalise.${o}`) }))}
              />
            </Form.Item>
          </>
        )}
        <Form.Item name="enabled" label={t('quality.rule.enabled')} valuePropName="checked">
          <Switch data-testid="quality-rule-enabled-input" />
        </Form.Item>
      </Form>
      {problemText && (
        <Alert
          type="error"
          showIcon
          title={problemText}
          description={
            isApiError(problem) && problem.errors.length > 0 ? (
              <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                {problem.errors.map((e) => (
                  <li key={`${e.path}:${e.message}`}>
                    {e.path && <Typography.Text code>{e.path}</Typography.Text>} {e.message}
                  </li>
                ))}
              </ul>
            ) : undefined
          }
          data-testid="quality-rule-error"
          data-code={isApiError(problem) ? problem.code : ''}
        />
      )}
    </Modal>
  );
}
