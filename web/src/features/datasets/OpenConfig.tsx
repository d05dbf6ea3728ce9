import { useState, type HTMLAttributes } from 'react';
import {
  Alert,
  Button,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { ExperimentOutlined, SaveOutlined, UploadOutlined } from '@ant-design/icons';
import { isApiError } from '../../api';
import { useLang } from '../../lang';
import { useNotify } from '../../components/useNotify';
import { GradeTag } from '../catalog/labels';
import { MASK_FUNCTIONS } from '../sharing/model';
import { OpenHierarchyModal } from './OpenHierarchyModal';
import { usePreviewReport, useSaveOpenConfig } from './open-api';
import {
  actionBlock,
  DEFAULT_K,
  DEFAULT_MAX_SUPPRESSION,
  DEFAULT_MIN_CELL,
  FIELD_ACTIONS,
  fieldsNamedIn,
  forbiddenFields,
  hierarchiesFor,
  hierarchyHeight,
  isRestricted,
  ruleForAction,
  toConfigInput,
  type CustomHierarchy,
  type FieldRule,
  type FieldRuleParams,
  type OpenField,
  type Publication,
  type PublishConfig,
  type Report,
} from './open-model';

type Translate = ReturnType<typeof useLang>['t'];

/** A server refusal of the configuration, and the fields it names. */
interface Problem {
  error: unknown;
  fields: string[];
}

/**
 * 开放配置: the publication kind, a rule per field (its grade and 个人信息 shown, actions the grade
 * rules forbid disabled), 准标识符 with their hierarchies, k and the suppression bound, or the
 * group-by fields and measures of an aggregate. Saving (PUT …/config) brings the publication back
 * to draft; 预览报告 runs the k-anonymity search on the current data without writing anything.
 */
export function OpenConfig({
  entryId,
  orgId,
  fields,
  config,
  onChange,
  publication,
  hierarchies,
  editable,
  lockedReason,
  dirty,
  onPreviewed,
}: {
  entryId: string;
  /** The provider organisation: where custom hierarchies are read and stored. */
  orgId: string;
  fields: OpenField[];
  config: PublishConfig;
  onChange: (config: PublishConfig) => void;
  publication: Publication | null;
  hierarchies: CustomHierarchy[];
  /** The caller maintains the provider and the publication is not published. */
  editable: boolean;
  /** Why a maintainer cannot edit now (a published publication must be withdrawn first). */
  lockedReason?: string;
  /** The configuration differs from the saved one (or nothing is saved yet). */
  dirty: boolean;
  onPreviewed: (report: Report) => void;
}) {
  const { t } = useLang();
  const notify = useNotify();
  const save = useSaveOpenConfig(entryId);
  const preview = usePreviewReport(entryId);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [uploading, setUploading] = useState(false);

  const kind = config.kind ?? 'records';
  const qis = kind === 'records' ? (config.quasiIdentifiers ?? []) : [];
  const ruleOf = (code: string): FieldRule => config.fields[code] ?? { action: 'drop' };
  const kept = fields.filter((f) => ruleOf(f.code).action !== 'drop');
  const localForbidden = forbiddenFields(fields, config);
  const flagged = new Set([...localForbidden, ...(problem?.fields ?? [])]);

  const fail = (error: unknown) => {
    const text = isApiError(error) ? error.title : '';
    setProblem({ error, fields: fieldsNamedIn(text, fields) });
  };
  const setRule = (code: string, rule: FieldRule) => {
    const next: PublishConfig = { ...config, fields: { ...config.fields, [code]: rule } };
    if (rule.action === 'drop') {
      next.quasiIdentifiers = (config.quasiIdentifiers ?? []).filter((q) => q !== code);
      if (config.aggregate) {
        next.aggregate = {
          ...config.aggregate,
          groupBy: config.aggregate.groupBy.filter((g) => g !== code),
          measures: (config.aggregate.measures ?? []).filter((m) => m.field !== code),
        };
      }
    }
    onChange(next);
  };
  const setParams = (code: string, params: FieldRuleParams) => {
    const rule = ruleOf(code);
    const merged = { ...rule.params, ...params };
    const clean = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined && v !== null));
    setRule(code, { action: rule.action, params: clean });
  };

  const onSave = () => {
    setProblem(null);
    save.mutate(toConfigInput(config), {
      onSuccess: () => notify.success(t('publish.saved')),
      onError: fail,
    });
  };
  const onPreview = () => {
    setProblem(null);
    preview.mutate(toConfigInput(config), { onSuccess: onPreviewed, onError: fail });
  };

  const actionOptions = (f: OpenField) =>
    FIELD_ACTIONS.map((a) => {
      const block =
        actionBlock(f, a) ??
        (a === 'generalise' && hierarchiesFor(f.type).length === 0 ? 'publish.rule.type' : null);
      return {
        value: a,
        disabled: block !== null,
        title: block ? t(block) : undefined,
        label: block ? (
          <Tooltip title={t(block)} placement="right">
            <span>{t(`publish.action.${a}`)}</span>
          </Tooltip>
        ) : (
          t(`publish.action.${a}`)
        ),
        'data-testid': `open-field-action-option-${a}`,
      };
    });

  const summed = new Set(
    (config.aggregate?.measures ?? []).filter((m) => m.fn === 'sum').map((m) => m.field ?? ''),
  );
  const summable = kept.filter(
    (f) => (f.type === 'integer' || f.type === 'decimal') && f.grade < 4 && f.piiKind === 'none',
  );

  return (
    <div data-testid="open-config" data-editable={String(editable)}>
      {lockedReason && (
        <Alert
          type="info"
          showIcon
          title={lockedReason}
          style={{ marginBottom: 12 }}
          data-testid="open-locked"
        />
      )}
      {problem !== null && (
        <Alert
          type="error"
          showIcon
          closable={{ onClose: () => setProblem(null) }}
          title={isApiError(problem.error) ? problem.error.title : String(problem.error)}
          description={
            problem.fields.length
              ? t('publish.problem.fields', { fields: problem.fields.join(', ') })
              : undefined
          }
          style={{ marginBottom: 12 }}
          data-testid="open-config-error"
          data-code={isApiError(problem.error) ? problem.error.code : ''}
        />
      )}
      {localForbidden.length > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t('publish.rule.local', { fields: localForbidden.join(', ') })}
          style={{ marginBottom: 12 }}
          data-testid="open-config-warning"
        />
      )}
      <Form layout="vertical" disabled={!editable}>
        <Space wrap size={24} align="start">
          <Form.Item label={t('publish.kind')}>
            <span data-testid="open-kind" data-value={kind}>
              <Radio.Group
                value={kind}
                optionType="button"
                onChange={(e) => {
                  const next = e.target.value as 'records' | 'aggregate';
                  onChange({
                    ...config,
                    kind: next,
                    aggregate:
                      next === 'aggregate'
                        ? (config.aggregate ?? {
                            groupBy: [],
                            measures: [{ fn: 'count' }],
                            minCell: DEFAULT_MIN_CELL,
                          })
                        : undefined,
                  });
                }}
              >
                <Radio.Button value="records">
                  <span data-testid="open-kind-records">{t('publish.kind.records')}</span>
                </Radio.Button>
                <Radio.Button value="aggregate">
                  <span data-testid="open-kind-aggregate">{t('publish.kind.aggregate')}</span>
                </Radio.Button>
              </Radio.Group>
            </span>
          </Form.Item>
          {kind === 'records' ? (
            <>
              <Form.Item label={t('publish.k')} tooltip={t('publish.k.hint')}>
                <InputNumber
                  min={2}
                  max={1000}
                  precision={0}
                  value={config.k ?? DEFAULT_K}
                  onChange={(v) => onChange({ ...config, k: v ?? DEFAULT_K })}
                  data-testid="open-k"
                />
              </Form.Item>
              <Form.Item label={t('publish.maxSuppression')} tooltip={t('publish.maxSuppression.hint')}>
                <InputNumber
                  min={0}
                  max={50}
                  step={1}
                  precision={1}
                  suffix="%"
                  value={Math.round((config.maxSuppression ?? DEFAULT_MAX_SUPPRESSION) * 1000) / 10}
                  onChange={(v) =>
                    onChange({ ...config, maxSuppression: v === null ? DEFAULT_MAX_SUPPRESSION : v / 100 })
                  }
                  data-testid="open-max-suppression"
                />
              </Form.Item>
            </>
          ) : (
            <Form.Item label={t('publish.minCell')} tooltip={t('publish.minCell.hint')}>
              <InputNumber
                min={2}
                max={1000}
                precision={0}
                value={config.aggregate?.minCell ?? DEFAULT_MIN_CELL}
                onChange={(v) =>
                  onChange({
                    ...config,
                    aggregate: {
                      groupBy: [],
                      ...config.aggregate,
                      minCell: v ?? DEFAULT_MIN_CELL,
                    },
                  })
                }
                data-testid="open-min-cell"
              />
            </Form.Item>
          )}
        </Space>
        {kind === 'records' ? (
          <Form.Item label={t('publish.qi')} tooltip={t('publish.qi.hint')}>
            <Select
              mode="multiple"
              allowClear
              value={qis}
              placeholder={t('publish.qi.placeholder')}
              onChange={(v: string[]) => onChange({ ...config, quasiIdentifiers: v })}
              options={kept.map((f) => ({
                value: f.code,
                label: `${f.name} (${f.code})`,
                'data-testid': `open-qi-option-${f.code}`,
              }))}
              data-testid="open-qi"
            />
            {qis.length > 0 && (
              <Space wrap size={[4, 4]} style={{ marginTop: 8 }} data-testid="open-qi-hierarchies">
                {qis.map((code) => (
                  <Tag key={code} data-testid="open-qi-hierarchy" data-code={code}>
                    {code} → {qiHierarchyLabel(t, ruleOf(code))}
                  </Tag>
                ))}
              </Space>
            )}
          </Form.Item>
        ) : (
          <Space wrap size={24} align="start" style={{ width: '100%' }}>
            <Form.Item label={t('publish.groupBy')} style={{ minWidth: 320 }}>
              <Select
                mode="multiple"
                value={config.aggregate?.groupBy ?? []}
                placeholder={t('publish.groupBy.placeholder')}
                onChange={(v: string[]) =>
                  onChange({ ...config, aggregate: { ...config.aggregate, groupBy: v } })
                }
                options={kept.map((f) => ({
                  value: f.code,
                  label: `${f.name} (${f.code})`,
                  disabled: f.grade === 4,
                  'data-testid': `open-group-by-option-${f.code}`,
                }))}
                data-testid="open-group-by"
              />
            </Form.Item>
            <Form.Item
              label={t('publish.measures')}
              tooltip={t('publish.measures.hint')}
              style={{ minWidth: 320 }}
            >
              <Select
                mode="multiple"
                value={[...summed]}
                placeholder={t('publish.measures.placeholder')}
                onChange={(v: string[]) =>
                  onChange({
                    ...config,
                    aggregate: {
                      groupBy: [],
                      ...config.aggregate,
                      measures: [{ fn: 'count' }, ...v.map((field) => ({ fn: 'sum' as const, field }))],
                    },
                  })
                }
                options={summable.map((f) => ({
                  value: f.code,
                  label: t('publish.measure.sum', { name: f.name }),
                  'data-testid': `open-sum-option-${f.code}`,
                }))}
                data-testid="open-measures"
              />
            </Form.Item>
          </Space>
        )}
        <Table<OpenField>
          rowKey="code"
          size="small"
          dataSource={fields}
          pagination={false}
          scroll={{ x: 'max-content' }}
          data-testid="open-fields"
          onRow={(f) =>
            ({
              'data-testid': 'open-field-row',
              'data-code': f.code,
              'data-action': ruleOf(f.code).action,
              'data-forbidden': String(flagged.has(f.code)),
              style: flagged.has(f.code) ? { background: '#fff1f0' } : undefined,
            }) as HTMLAttributes<HTMLElement>
          }
          columns={[
            {
              title: t('publish.field'),
              key: 'field',
              render: (_, f) => (
                <Space orientation="vertical" size={0}>
                  <span>{f.name}</span>
                  <Typography.Text type="secondary" code>
                    {f.code}
                  </Typography.Text>
                </Space>
              ),
            },
            { title: t('publish.field.type'), dataIndex: 'type' },
            {
              title: t('publish.field.grade'),
              key: 'grade',
              render: (_, f) => <GradeTag value={f.grade} />,
            },
            {
              title: t('publish.field.pii'),
              key: 'pii',
              render: (_, f) =>
                f.piiKind === 'none' ? (
                  <Typography.Text type="secondary">—</Typography.Text>
                ) : (
                  <Tag color="purple" data-testid="open-field-pii" data-value={f.piiKind}>
                    {t(`field.pii.${f.piiKind}`)}
                  </Tag>
                ),
            },
            {
              title: t('publish.field.action'),
              key: 'action',
              render: (_, f) => (
                <Select
                  value={ruleOf(f.code).action}
                  style={{ width: 150 }}
                  onChange={(a) => setRule(f.code, ruleForAction(f, a, config.fields[f.code]))}
                  options={actionOptions(f)}
                  data-testid="open-field-action"
                  data-code={f.code}
                />
              ),
            },
            {
              title: t('publish.field.params'),
              key: 'params',
              render: (_, f) => (
                <RuleParams
                  field={f}
                  rule={ruleOf(f.code)}
                  qi={qis.includes(f.code)}
                  hierarchies={hierarchies}
                  onParams={(p) => setParams(f.code, p)}
                />
              ),
            },
            {
              title: t('publish.field.qi'),
              key: 'qi',
              render: (_, f) =>
                qis.includes(f.code) ? (
                  <Tag color="geekblue" data-testid="open-field-qi">
                    {t('publish.qi.short')}
                  </Tag>
                ) : null,
            },
          ]}
        />
      </Form>
      <Space wrap style={{ marginTop: 16 }}>
        <Button
          type="primary"
          icon={<SaveOutlined />}
          onClick={onSave}
          loading={save.isPending}
          disabled={!editable}
          data-testid="open-save"
        >
          {t('publish.save')}
        </Button>
        <Button
          icon={<ExperimentOutlined />}
          onClick={onPreview}
          loading={preview.isPending}
          disabled={!editable}
          data-testid="open-preview"
        >
          {t('publish.preview')}
        </Button>
        <Button
          icon={<UploadOutlined />}
          onClick={() => setUploading(true)}
          disabled={!editable}
          data-testid="open-hierarchy-upload"
        >
          {t('publish.hierarchy.upload')}
        </Button>
        {dirty && editable && (
          <Typography.Text type="warning" data-testid="open-dirty">
            {publication ? t('publish.hint.unsaved') : t('publish.hint.new')}
          </Typography.Text>
        )}
      </Space>
      {uploading && (
        <OpenHierarchyModal orgId={orgId} hierarchies={hierarchies} onClose={() => setUploading(false)} />
      )}
    </div>
  );
}

/** What a quasi-identifier generalises along: its hierarchy, or `*` for one kept, masked or hashed. */
function qiHierarchyLabel(t: Translate, rule: FieldRule): string {
  if (rule.action !== 'generalise') return t('publish.hierarchy.suppress');
  const h = rule.params?.hierarchy;
  if (!h) return '—';
  return h === 'custom'
    ? `${t('publish.hierarchy.custom')} ${rule.params?.name ?? ''}`
    : t(`publish.hierarchy.${h}`);
}

/** The parameters of a field's rule: the mask function, or the hierarchy and its level. */
function RuleParams({
  field,
  rule,
  qi,
  hierarchies,
  onParams,
}: {
  field: OpenField;
  rule: FieldRule;
  qi: boolean;
  hierarchies: CustomHierarchy[];
  onParams: (p: FieldRuleParams) => void;
}) {
  const { t } = useLang();
  if (rule.action === 'mask') {
    return (
      <Select
        allowClear
        style={{ width: 220 }}
        value={rule.params?.kind}
        placeholder={t('publish.mask.default')}
        onChange={(v) => onParams({ kind: v })}
        options={MASK_FUNCTIONS.filter((m) => m !== 'none').map((m) => ({
          value: m,
          label: t(`share.mask.${m}`),
        }))}
        data-testid="open-field-mask"
      />
    );
  }
  if (rule.action === 'pseudonymise') {
    return <Typography.Text type="secondary">{t('publish.pseudonymise.hint')}</Typography.Text>;
  }
  if (rule.action === 'drop' || rule.action === 'keep') {
    return qi && rule.action === 'keep' ? (
      <Typography.Text type="secondary">{t('publish.hierarchy.suppress')}</Typography.Text>
    ) : null;
  }
  const params = rule.params ?? {};
  const height = hierarchyHeight(params, hierarchies);
  const min = isRestricted(field) ? 1 : 0;
  const defaultLevel = qi ? min : 1;
  return (
    <Space wrap size={4}>
      <Select
        style={{ width: 150 }}
        value={params.hierarchy}
        placeholder={t('publish.hierarchy')}
        onChange={(h) =>
          onParams({
            hierarchy: h,
            level: undefined,
            widths: h === 'number' ? (params.widths ?? [10, 100]) : undefined,
            width: undefined,
            name: h === 'custom' ? hierarchies[0]?.name : undefined,
          })
        }
        options={hierarchiesFor(field.type).map((h) => ({
          value: h,
          label: t(`publish.hierarchy.${h}`),
          disabled: h === 'custom' && hierarchies.length === 0,
          'data-testid': `open-field-hierarchy-option-${h}`,
        }))}
        data-testid="open-field-hierarchy"
      />
      {params.hierarchy === 'number' && (
        <WidthsInput
          widths={params.widths ?? []}
          onWidths={(w) => onParams({ widths: w, width: undefined })}
        />
      )}
      {params.hierarchy === 'custom' && (
        <Select
          style={{ width: 160 }}
          value={params.name}
          placeholder={t('publish.hierarchy.customName')}
          onChange={(name) => onParams({ name, level: undefined })}
          options={hierarchies.map((h) => ({
            value: h.name,
            label: `${h.name} (${t('publish.hierarchy.levels', { n: h.levels })})`,
          }))}
          data-testid="open-field-custom"
        />
      )}
      <Tooltip title={qi ? t('publish.level.qiHint') : t('publish.level.hint')}>
        <InputNumber
          style={{ width: 130 }}
          min={min}
          max={height ?? 11}
          precision={0}
          value={params.level}
          placeholder={t(qi ? 'publish.level.minDefault' : 'publish.level.default', { n: defaultLevel })}
          onChange={(v) => onParams({ level: v ?? undefined })}
          data-testid="open-field-level"
        />
      </Tooltip>
      {height !== null && <Typography.Text type="secondary">/ {height}</Typography.Text>}
    </Space>
  );
}

/** Range widths of a number hierarchy, e.g. "1000, 10000" (each a multiple of the one before). */
function WidthsInput({ widths, onWidths }: { widths: number[]; onWidths: (w: number[]) => void }) {
  const { t } = useLang();
  const [text, setText] = useState<string | null>(null);
  const commit = () => {
    if (text === null) return;
    const parsed = text
      .split(/[,，\s]+/)
      .filter(Boolean)
      .map(Number)
      .filter((n) => Number.isFinite(n) && n > 0);
    if (parsed.length) onWidths(parsed.slice(0, 6));
    setText(null);
  };
  return (
    <Tooltip title={t('publish.widths.hint')}>
      <Input
        style={{ width: 140 }}
        value={text ?? widths.join(', ')}
        placeholder="10, 100"
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onPressEnter={commit}
        data-testid="open-field-widths"
      />
    </Tooltip>
  );
}
