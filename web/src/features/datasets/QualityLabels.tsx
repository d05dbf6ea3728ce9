import { Tag, Typography } from 'antd';
import { useLang } from '../../lang';
import { useCan } from '../auth/session';
import { useEntry } from '../catalog/api';
import { useCodeTables } from '../standards/api';
import type { Condition, Dimension, RuleKind, RuleSpec, RunStatus, Trigger } from './quality-model';

type Translate = ReturnType<typeof useLang>['t'];

const dimensionColor: Record<Dimension, string> = {
  completeness: 'blue',
  validity: 'geekblue',
  uniqueness: 'purple',
  consistency: 'cyan',
  timeliness: 'gold',
  accuracy: 'green',
};

export const dimensionLabel = (t: Translate, d: Dimension) => t(`quality.dimension.${d}`);
export const kindLabel = (t: Translate, k: RuleKind) => t(`quality.kind.${k}`);

export function DimensionTag({ value }: { value: Dimension }) {
  const { t } = useLang();
  return (
    <Tag
      color={dimensionColor[value]}
      bordered={false}
      data-testid="quality-dimension-tag"
      data-value={value}
    >
      {dimensionLabel(t, value)}
    </Tag>
  );
}

export function KindTag({ value }: { value: RuleKind }) {
  const { t } = useLang();
  return (
    <Tag data-testid="quality-kind-tag" data-value={value}>
      {kindLabel(t, value)}
    </Tag>
  );
}

const runStatusColor: Record<RunStatus, string> = { running: 'processing', done: 'success', failed: 'error' };

export function RunStatusTag({ value }: { value: RunStatus }) {
  const { t } = useLang();
  return (
    <Tag color={runStatusColor[value]} data-testid="quality-run-status" data-value={value}>
      {t(`quality.run.status.${value}`)}
    </Tag>
  );
}

export function TriggerTag({ value }: { value: Trigger }) {
  const { t } = useLang();
  return (
    <Tag bordered={false} data-testid="quality-run-trigger" data-value={value}>
      {t(`quality.run.trigger.${value}`)}
    </Tag>
  );
}

/** A 0–100 score's colour: green from 90, orange from 60, red below. */
export function scoreColor(score: number | null | undefined): string | undefined {
  if (score === null || score === undefined) return undefined;
  return score >= 90 ? '#389e0d' : score >= 60 ? '#d48806' : '#cf1322';
}

export const formatScore = (score: number | null | undefined): string =>
  score === null || score === undefined ? '—' : String(Math.round(score * 100) / 100);

/** A score as coloured text, 「—」 when there is none. */
export function ScoreText({ score, strong }: { score: number | null | undefined; strong?: boolean }) {
  return (
    <Typography.Text strong={strong} style={{ color: scoreColor(score) }}>
      {formatScore(score)}
    </Typography.Text>
  );
}

/** A catalog entry's name, or its id when the viewer cannot read it. */
function EntryName({ id }: { id: string }) {
  const entry = useEntry(id);
  return <>{entry.data?.name ?? id}</>;
}

function CodeTableName({ id }: { id: string }) {
  const can = useCan();
  const tables = useCodeTables(can('standards.read'));
  const table = tables.data?.find((x) => x.id === id);
  return <>{table ? `${table.name} (${table.identifier})` : id}</>;
}

const OP_SYMBOL: Record<string, string> = { eq: '=', ne: '≠', gte: '≥', gt: '>', lte: '≤', lt: '<' };

/** A condition as one line of text: `xb = 1 且 nl ≥ 18`. */
export function conditionText(t: Translate, c: Condition, name: (code: string) => string): string {
  const join = (list: Condition[], word: string) =>
    list
      .map((x) => ('and' in x || 'or' in x ? `(${conditionText(t, x, name)})` : conditionText(t, x, name)))
      .join(` ${word} `);
  if ('and' in c) return join(c.and, t('quality.cond.and'));
  if ('or' in c) return join(c.or, t('quality.cond.or'));
  if ('not' in c) return `${t('quality.cond.not')} (${conditionText(t, c.not, name)})`;
  const f = name(c.field);
  switch (c.op) {
    case 'eq':
    case 'ne':
      return `${f} ${OP_SYMBOL[c.op]} ${c.value}`;
    case 'in':
      return `${f} ${t('quality.op.in')} {${c.values.join(', ')}}`;
    case 'prefix':
      return `${f} ${t('quality.op.prefix')} ${c.value}`;
    case 'is_null':
    case 'not_null':
      return `${f} ${t(`quality.op.${c.op}`)}`;
    case 'range': {
      const parts: string[] = [];
      for (const k of ['gte', 'gt', 'lte', 'lt'] as const) {
        if (c[k] !== undefined) parts.push(`${OP_SYMBOL[k]} ${c[k]}`);
      }
      return `${f} ${parts.join(` ${t('quality.cond.and')} `)}`;
    }
  }
}

/** A rule's parameters in a few words, with field names for codes. */
export function SpecSummary({ spec, name }: { spec: RuleSpec; name: (code: string) => string }) {
  const { t } = useLang();
  const secondary = (text: string) => (
    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
      {text}
    </Typography.Text>
  );
  switch (spec.kind) {
    case 'not_null':
      return <span>{name(spec.field)}</span>;
    case 'max_length':
      return (
        <span>
          {name(spec.field)} {secondary(t('quality.summary.maxLength', { max: spec.max }))}
        </span>
      );
    case 'pattern':
      return (
        <span>
          {name(spec.field)} <Typography.Text code>{spec.pattern}</Typography.Text>
        </span>
      );
    case 'code_table':
      return (
        <span>
          {name(spec.field)} {secondary('∈')} <CodeTableName id={spec.codeTableId} />
        </span>
      );
    case 'range':
      return (
        <span>
          {name(spec.field)} {secondary(`[${spec.min ?? '−∞'}, ${spec.max ?? '+∞'}]`)}
        </span>
      );
    case 'validator':
      return (
        <span>
          {name(spec.field)} {secondary(t(`quality.validator.${spec.validator}`))}
        </span>
      );
    case 'unique':
      return <span>{spec.fields.map(name).join(' + ')}</span>;
    case 'expression':
      return <span>{conditionText(t, spec.condition, name)}</span>;
    case 'id_consistency':
      return (
        <span>
          {name(spec.idField)}
          {spec.birthField && secondary(` ↔ ${name(spec.birthField)}`)}
          {spec.sexField && secondary(` ↔ ${name(spec.sexField)}`)}
        </span>
      );
    case 'referential':
      return (
        <span>
          {name(spec.field)} {secondary('→')} <EntryName id={spec.entryId} />.{spec.targetField}
        </span>
      );
    case 'timeliness':
      return secondary(t('quality.summary.timeliness'));
    case 'accuracy':
      return (
        <span>
          {name(spec.field)} {secondary(`(${name(spec.keyField)}) ≟`)}{' '}
          <EntryName id={spec.authority.entryId} />.{spec.authority.field}
        </span>
      );
  }
}
