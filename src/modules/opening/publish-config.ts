import crypto from 'node:crypto';
import { compileMasks, defaultMask, type MaskFunction, type MaskKey } from '../../platform/masking/index.js';
import type { NodeIdentity } from '../../platform/crypto/types.js';
import type { Entry, FieldType } from '../catalog/schemas.js';
import type { DatasetColumn } from '../ingest/tables.js';
import {
  ageHierarchy,
  dateHierarchy,
  numberHierarchy,
  regionHierarchy,
  suppressHierarchy,
  type Hierarchy,
} from './hierarchies.js';
import { publishProblem } from './publish-messages.js';
import type { ConfigInput, FieldRule } from './publish-schemas.js';

/**
 * A publication's configuration checked against the entry and its dataset, and compiled into a
 * plan (docs/OPENING.md "Grade rules", "Transforms"):
 *   - the entry's open type must not be 'none', and core data (核心数据) is never opened;
 *   - a field of grade 4 may only be dropped;
 *   - a field with a piiKind other than 'none', or of grade 3, may not be published in clear:
 *     not `keep`, not generalised at level 0 (as a quasi-identifier its lowest level is 1), not a
 *     quasi-identifier kept as is;
 *   - in an aggregate, a grade-4 field may be neither grouped by nor summed, and a sum is of a
 *     numeric field without a piiKind, of grade ≤ 3.
 * Violations are reported together, naming the fields (400 publish_grade_forbids).
 */

export interface Config {
  kind: 'records' | 'aggregate';
  fields: Record<string, FieldRule>;
  quasiIdentifiers: string[];
  k: number;
  maxSuppression: number;
  aggregate?: { groupBy: string[]; measures: { fn: 'count' | 'sum'; field?: string }[]; minCell: number };
}

export interface FieldPlan {
  code: string;
  name: string;
  type: FieldType;
  pgType: string;
  action: FieldRule['action'];
  /** mask / pseudonymise: the function applied to the value (before any generalisation). */
  mask: MaskFunction | null;
  /** generalise: the hierarchy; a quasi-identifier kept, masked or pseudonymised: suppress. */
  hierarchy: Hierarchy | null;
  /** What the report says of the transform, e.g. `mask:name`, `age`, `custom:occupation`. */
  detail: string;
  /** A generalised field that is not a quasi-identifier: its published level. */
  level: number;
  qi: boolean;
  /** A quasi-identifier: the lowest level the search may choose. */
  minLevel: number;
}

export interface Plan {
  config: Config;
  /** Every dataset column in order, dropped ones included. */
  fields: FieldPlan[];
  /** The quasi-identifiers, in the configuration's order. */
  qis: FieldPlan[];
}

/** Fills the defaults (k 5, suppression 5 %, min cell 10, kind records). */
export function normaliseConfig(input: ConfigInput): Config {
  const kind = input.kind ?? (input.aggregate ? 'aggregate' : 'records');
  return {
    kind,
    fields: input.fields,
    quasiIdentifiers: kind === 'records' ? [...(input.quasiIdentifiers ?? [])] : [],
    k: input.k ?? 5,
    maxSuppression: input.maxSuppression ?? 0.05,
    ...(input.aggregate
      ? {
          aggregate: {
            groupBy: input.aggregate.groupBy,
            measures: input.aggregate.measures ?? [{ fn: 'count' }],
            minCell: input.aggregate.minCell ?? 10,
          },
        }
      : {}),
  };
}

const invalid = (zh: string, en: string) => publishProblem(400, 'publish_config_invalid', { zh, en });

const HIERARCHY_TYPES: Record<string, readonly FieldType[]> = {
  date: ['date', 'datetime', 'string'],
  age: ['integer', 'decimal', 'string'],
  region: ['string', 'integer'],
  number: ['integer', 'decimal'],
  custom: ['string', 'integer', 'decimal', 'date', 'datetime', 'boolean'],
};

/** Whether an entry may be opened at all (its open type and core flag). */
export function assertEntryOpenable(entry: Pick<Entry, 'openType' | 'core'>): void {
  if (entry.openType === 'none') throw publishProblem(400, 'publish_entry_not_open');
  if (entry.core) throw publishProblem(400, 'publish_entry_core');
}

/**
 * Checks the configuration and compiles the plan. `custom` resolves a custom hierarchy's name in
 * the provider organisation (undefined: unknown).
 */
export function planOf(
  entry: Pick<Entry, 'openType' | 'core' | 'fields'>,
  columns: readonly DatasetColumn[],
  config: Config,
  custom: ReadonlyMap<string, Hierarchy>,
): Plan {
  assertEntryOpenable(entry);
  const byCode = new Map(columns.map((c) => [c.code, c]));
  for (const code of Object.keys(config.fields)) {
    if (!byCode.has(code)) throw invalid(`没有信息项 ${code}`, `there is no field ${code}`);
  }
  const qiSet = new Set(config.quasiIdentifiers);
  if (qiSet.size !== config.quasiIdentifiers.length)
    throw invalid('准标识符重复', 'a quasi-identifier is listed twice');
  for (const code of qiSet) {
    if (!byCode.has(code)) throw invalid(`没有信息项 ${code}`, `there is no field ${code}`);
    const action = config.fields[code]?.action ?? 'drop';
    if (action === 'drop')
      throw invalid(`准标识符 ${code} 被删除，无需声明`, `the quasi-identifier ${code} is dropped`);
  }
  const forbidden: string[] = [];
  const fields = columns.map((c): FieldPlan => {
    const field = entry.fields.find((f) => f.code === c.code);
    // A column the catalog no longer describes is treated as the strictest grade.
    const grade = field?.grade ?? 4;
    const pii = field?.piiKind ?? 'other';
    const restricted = grade >= 3 || pii !== 'none';
    const rule = config.fields[c.code] ?? { action: 'drop' as const };
    const qi = qiSet.has(c.code);
    const params = rule.params ?? {};
    const plan: FieldPlan = {
      code: c.code,
      name: c.name,
      type: c.type,
      pgType: c.pgType,
      action: rule.action,
      mask: null,
      hierarchy: null,
      detail: rule.action,
      level: 0,
      qi,
      minLevel: 0,
    };
    if (grade === 4 && rule.action !== 'drop') forbidden.push(c.code);
    switch (rule.action) {
      case 'drop':
        break;
      case 'keep':
        if (restricted) forbidden.push(c.code);
        if (qi) plan.hierarchy = suppressHierarchy;
        break;
      case 'mask': {
        const fn = params.kind ?? defaultMask(pii);
        plan.mask = fn === 'none' ? 'nullify' : fn;
        plan.detail = `mask:${plan.mask}`;
        if (qi) plan.hierarchy = suppressHierarchy;
        break;
      }
      case 'pseudonymise':
        plan.mask = 'keyed_hash';
        if (qi) plan.hierarchy = suppressHierarchy;
        break;
      case 'generalise': {
        const kind = params.hierarchy;
        if (!kind)
          throw invalid(`${c.code} 的泛化未指定层级`, `the generalisation of ${c.code} names no hierarchy`);
        if (!HIERARCHY_TYPES[kind]!.includes(c.type))
          throw invalid(
            `${c.code}（${c.type}）不能按 ${kind} 泛化`,
            `${c.code} (${c.type}) cannot be generalised as ${kind}`,
          );
        let h: Hierarchy;
        if (kind === 'date') h = dateHierarchy;
        else if (kind === 'age') h = ageHierarchy;
        else if (kind === 'region') h = regionHierarchy;
        else if (kind === 'number') {
          const widths =
            params.widths ?? (params.width !== undefined ? [params.width, params.width * 10] : null);
          if (!widths)
            throw invalid(`${c.code} 的数值泛化未指定宽度`, `the ranges of ${c.code} have no width`);
          h = numberHierarchy(widths);
        } else {
          const name = params.name ?? '';
          const found = custom.get(name);
          if (!found) throw publishProblem(400, 'publish_hierarchy_unknown', { name });
          h = found;
        }
        plan.hierarchy = h;
        plan.detail = kind === 'custom' ? `custom:${params.name}` : kind;
        if (params.level !== undefined && params.level > h.height)
          throw invalid(
            `${c.code} 的层级 ${params.level} 超过最高层级 ${h.height}`,
            `level ${params.level} of ${c.code} is above the hierarchy's top (${h.height})`,
          );
        if (qi) {
          plan.minLevel = params.level ?? (restricted ? 1 : 0);
          if (restricted && plan.minLevel < 1) forbidden.push(c.code);
        } else {
          plan.level = params.level ?? 1;
          if (restricted && plan.level < 1) forbidden.push(c.code);
        }
        break;
      }
    }
    if (qi && rule.action === 'generalise') plan.detail = `${plan.detail} (QI)`;
    return plan;
  });

  if (config.kind === 'aggregate') {
    const agg = config.aggregate;
    if (!agg)
      throw invalid('统计表需要 aggregate 配置', 'an aggregate publication needs its aggregate settings');
    const reserved = new Set(['count', 'suppressed', ...agg.measures.map((x) => `sum_${x.field ?? ''}`)]);
    if (new Set(agg.groupBy).size !== agg.groupBy.length)
      throw invalid('分组字段重复', 'a group-by field repeats');
    for (const code of agg.groupBy) {
      if (reserved.has(code))
        throw invalid(
          `分组字段 ${code} 与统计列同名`,
          `the group-by field ${code} has the name of a statistics column`,
        );
      const f = fields.find((p) => p.code === code);
      if (!f) throw invalid(`没有信息项 ${code}`, `there is no field ${code}`);
      if (f.action === 'drop')
        throw invalid(`分组字段 ${code} 被删除`, `the group-by field ${code} is dropped`);
    }
    for (const m of agg.measures) {
      if (m.fn === 'count') continue;
      const f = fields.find((p) => p.code === m.field);
      if (!f) throw invalid(`求和字段 ${m.field ?? ''} 不存在`, `there is no field ${m.field ?? ''} to sum`);
      if (f.type !== 'integer' && f.type !== 'decimal')
        throw invalid(`${f.code} 不是数值，不能求和`, `${f.code} is not numeric and cannot be summed`);
      const field = entry.fields.find((x) => x.code === f.code);
      if ((field?.grade ?? 4) === 4 || (field?.piiKind ?? 'other') !== 'none') forbidden.push(f.code);
    }
  } else if (config.aggregate) {
    throw invalid('记录表不需要 aggregate 配置', 'a records publication takes no aggregate settings');
  } else if (fields.every((f) => f.action === 'drop')) {
    throw invalid('所有信息项都被删除', 'every field is dropped');
  }
  if (forbidden.length) {
    throw publishProblem(400, 'publish_grade_forbids', { fields: [...new Set(forbidden)].join(', ') });
  }
  const qis = config.quasiIdentifiers.map((code) => fields.find((f) => f.code === code)!);
  return { config, fields, qis };
}

/** The names of the custom hierarchies a configuration uses. */
export const customNamesOf = (config: Config): string[] =>
  Object.values(config.fields)
    .filter((r) => r.action === 'generalise' && r.params?.hierarchy === 'custom' && r.params.name)
    .map((r) => r.params!.name!);

/**
 * The key of a publication's pseudonyms: HMAC of the publication id under the node's MAC key for
 * the purpose `open-pseudonym`. Stable across refreshes of one publication; different between
 * publications and from the pseudonyms of shared data (keyed_hash under `mask`), so that open
 * datasets cannot be joined with each other or with shared data on a pseudonym.
 */
export function pseudonymKey(
  identity: Pick<NodeIdentity, 'suite' | 'macKey'>,
  publicationId: string,
): MaskKey {
  const algorithm = identity.suite === 'gm' ? 'sm3' : 'sha256';
  const key = crypto.createHmac(algorithm, identity.macKey('open-pseudonym')).update(publicationId).digest();
  return { key, algorithm };
}

export type ValueFn = (v: string | null) => string | null;

/** The field's own transform (mask, pseudonym, or none), memoised per distinct value. */
export function baseTransform(f: FieldPlan, key: MaskKey): ValueFn {
  if (!f.mask) return (v) => v;
  const m = compileMasks([f.mask], key);
  return (v) => {
    const row = [v];
    m(row);
    return row[0] ?? null;
  };
}
