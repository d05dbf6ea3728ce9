import { ident, type Queryable } from '../../platform/db/pool.js';
import { patternProblem } from '../../platform/validators/index.js';
import { compileFilter, type Condition } from '../sharing/filter.js';

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
 */

export type Dimension = 'completeness' | 'validity' | 'uniqueness' | 'consistency';

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
  | { kind: 'expression'; condition: Condition };

export const DIMENSION_OF: Record<RuleSpec['kind'], Dimension> = {
  not_null: 'completeness',
  max_length: 'validity',
  pattern: 'validity',
  code_table: 'validity',
  range: 'validity',
  unique: 'uniqueness',
  expression: 'consistency',
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
  /** Rows the rule looked at (every row of the dataset). */
  checked: number;
  failing: number;
  /** Keys (and the rule's field values, raw) of up to `samples` failing rows, in key order. */
  samples: Record<string, string | null>[];
}

export class RuleError extends Error {
  constructor(
    readonly ruleId: string,
    message: string,
  ) {
    super(`rule ${ruleId}: ${message}`);
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
  /** The failure predicate over the view's row (row rules), or '' for uniqueness. */
  fails: string;
}

/**
 * Compiles row rules to failure predicates, appending their values to `params`. Code tables
 * are read here (their codes bound as one array: a hashed membership test in the scan).
 */
async function compileRule(
  q: Queryable,
  rule: RuleInput,
  columns: ReadonlyMap<string, EngineColumn>,
  params: unknown[],
): Promise<Compiled> {
  const { spec } = rule;
  const col = (field: string): string => {
    if (!columns.has(field)) throw new RuleError(rule.id, `the dataset has no field ${field}`);
    return ident(field);
  };
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
        throw new RuleError(rule.id, 'max must be an integer ≥ 0');
      const c = col(spec.field);
      return { rule, fails: `char_length(${c}::text) > ${bind(spec.max, 'int4')}` };
    }
    case 'pattern': {
      const problem = patternProblem(spec.pattern);
      if (problem) throw new RuleError(rule.id, problem.en);
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
        throw new RuleError(rule.id, 'a range needs min or max');
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
      if (!spec.fields.length) throw new RuleError(rule.id, 'uniqueness needs at least one field');
      spec.fields.forEach(col);
      return { rule, fails: '' };
    }
  }
}

/**
 * Runs `rules` over the dataset view `view` (schema-qualified, already quoted): one scan for
 * every row rule, one grouping per uniqueness rule, then the samples of the failing rules.
 */
export async function runRules(
  q: Queryable,
  view: string,
  columns: readonly EngineColumn[],
  rules: readonly RuleInput[],
  opts: { samples?: number } = {},
): Promise<{ rows: number; results: RuleResult[] }> {
  const samples = opts.samples ?? 10;
  const byCode = new Map(columns.map((c) => [c.code, c]));
  const keys = columns.filter((c) => c.key).map((c) => c.code);
  const order = keys.length ? `ORDER BY ${keys.map(ident).join(', ')}` : '';
  const params: unknown[] = [];
  const compiled: Compiled[] = [];
  for (const rule of rules) compiled.push(await compileRule(q, rule, byCode, params));
  const rowRules = compiled.filter((c) => c.fails);

  const counts = rowRules.map((c, i) => `count(*) FILTER (WHERE ${c.fails})::int8 AS r${i}`);
  const { rows: scan } = await q.query<Record<string, number>>(
    `SELECT ${['count(*)::int8 AS total', ...counts].join(', ')} FROM ${view}`,
    params,
  );
  const total = Number(scan[0]?.total ?? 0);
  const failing = new Map<string, number>(
    rowRules.map((c, i) => [c.rule.id, Number(scan[0]?.[`r${i}`] ?? 0)]),
  );

  // Uniqueness: one grouping per rule, which also names the first duplicated values (for samples).
  const duplicated = new Map<string, string[]>();
  for (const c of compiled.filter((x) => !x.fails)) {
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
    const n = failing.get(c.rule.id) ?? 0;
    const shown = [...new Set([...keys, ...ruleFields(c.rule.spec)])].filter((f) => byCode.has(f));
    const list = shown.map((f) => `${ident(f)}::text AS ${ident(f)}`).join(', ');
    let sample: Record<string, string | null>[] = [];
    if (n > 0 && samples > 0) {
      if (c.fails) {
        // Compiled again on its own: the statement binds this rule's values only.
        const own: unknown[] = [];
        const { fails } = await compileRule(q, c.rule, byCode, own);
        const { rows } = await q.query<Record<string, string | null>>(
          `SELECT ${list} FROM ${view} WHERE ${fails} ${order} LIMIT ${samples}`,
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
      checked: total,
      failing: n,
      samples: sample,
    });
  }
  return { rows: total, results };
}
