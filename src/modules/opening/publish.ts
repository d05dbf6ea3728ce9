import { ident, type Queryable } from '../../platform/db/pool.js';
import type { MaskKey } from '../../platform/masking/index.js';
import type { CatalogContext } from '../catalog/context.js';
import { getEntry } from '../catalog/read.js';
import type { Entry } from '../catalog/schemas.js';
import { readDataset, type DatasetRow } from '../ingest/tables.js';
import { classStats, searchKAnonymity, type SearchResult } from './anonymise.js';
import { loadCustomHierarchies } from './hierarchies.js';
import {
  assertEntryOpenable,
  baseTransform,
  customNamesOf,
  planOf,
  type Config,
  type FieldPlan,
  type Plan,
  type ValueFn,
} from './publish-config.js';
import { publishProblem } from './publish-messages.js';
import type { OpenColumn, Report } from './publish-schemas.js';

/**
 * The publishing pipeline's analysis (docs/OPENING.md "Publishing pipeline"): the plan of a
 * configuration against the entry's published catalog version and its dataset, one `GROUP BY` of
 * the source over the quasi-identifiers (or the group-by fields of an aggregate), the k-anonymity
 * search, and the report. publish-build.ts writes what this decides; the preview stops here.
 */

export const openTable = (name: string, version: number) => `open.${ident(`${name}__v${version}`)}`;
export const openView = (name: string) => `open.${ident(name)}`;
const sourceView = (name: string) => `ds.${ident(name)}`;

export interface Source {
  /** The entry at its published catalog version (the one the dataset is loaded with). */
  entry: Entry;
  dataset: DatasetRow;
}

/** The entry (published version) and its dataset; 404/409 problems when either is missing. */
export async function sourceOf(ctx: CatalogContext, q: Queryable, entryId: string): Promise<Source> {
  let entry = await getEntry(ctx, q, entryId);
  if (entry.publishedVersion === null) throw publishProblem(409, 'publish_no_dataset');
  if (entry.version !== entry.publishedVersion)
    entry = await getEntry(ctx, q, entryId, entry.publishedVersion);
  assertEntryOpenable(entry);
  const dataset = await readDataset(q, entryId);
  if (!dataset || dataset.currentVersion === 0) throw publishProblem(409, 'publish_no_dataset');
  return { entry, dataset };
}

/** The plan of a configuration: grade rules, hierarchies (custom ones of the provider org). */
export async function planFor(q: Queryable, source: Source, config: Config): Promise<Plan> {
  const custom = await loadCustomHierarchies(q, source.entry.providerOrgId, customNamesOf(config));
  return planOf(source.entry, source.dataset.columns, config, custom);
}

const memo = (fn: ValueFn): ValueFn => {
  const seen = new Map<string | null, string | null>();
  return (v) => {
    let out = seen.get(v);
    if (out === undefined && !seen.has(v)) {
      out = fn(v);
      if (seen.size < 200_000) seen.set(v, out);
    }
    return out ?? null;
  };
};

/** The published value of a field that is not a quasi-identifier. */
export function valueFn(f: FieldPlan, key: MaskKey): ValueFn {
  if (f.action === 'generalise' && !f.qi) {
    const h = f.hierarchy!;
    return memo((v) => (v === null ? null : h.at(v, f.level)));
  }
  return f.mask ? memo(baseTransform(f, key)) : (v) => v;
}

/** The key of a combination of source texts (NUL cannot occur in PostgreSQL text). */
export const comboKey = (values: readonly (string | null)[]) =>
  values.map((v) => (v === null ? '\u0000' : v)).join('\u0001');

export interface RecordsAnalysis {
  kind: 'records';
  search: SearchResult;
  /** Per quasi-identifier: source text → published value at the chosen level. */
  qiOut: Map<string | null, string | null>[];
  /** The combinations (comboKey of the quasi-identifiers' source texts) whose rows are suppressed. */
  suppressedKeys: Set<string>;
}

export async function analyseRecords(
  q: Queryable,
  source: Source,
  plan: Plan,
  key: MaskKey,
): Promise<RecordsAnalysis> {
  const m = plan.qis.length;
  const view = sourceView(source.dataset.name);
  const text = m
    ? `SELECT ${plan.qis.map((f) => `${ident(f.code)}::text`).join(', ')}, count(*)::int
         FROM ${view} GROUP BY ${plan.qis.map((_, i) => i + 1).join(', ')}`
    : `SELECT count(*)::int FROM ${view}`;
  const { rows } = await q.query<unknown[]>({ text, rowMode: 'array' });
  const R = rows.length;
  const counts = new Int32Array(R);
  const raw = plan.qis.map(() => new Array<string | null>(R));
  for (let r = 0; r < R; r++) {
    const row = rows[r]!;
    for (let i = 0; i < m; i++) raw[i]![r] = row[i] as string | null;
    counts[r] = row[m] as number;
  }
  const base = plan.qis.map((f) => memo(baseTransform(f, key)));
  const values = raw.map((col, i) => col.map(base[i]!));
  const search = searchKAnonymity({
    qis: plan.qis.map((f, i) => ({
      code: f.code,
      hierarchy: f.hierarchy!,
      minLevel: f.minLevel,
      values: values[i]!,
    })),
    counts,
    // Without quasi-identifiers there are no classes to protect: nothing is suppressed.
    k: m ? plan.config.k : 1,
    maxSuppression: plan.config.maxSuppression,
  });
  const qiOut = plan.qis.map((f, i) => {
    const out = new Map<string | null, string | null>();
    const level = search.levels[i]!;
    raw[i]!.forEach((v, r) => {
      if (out.has(v)) return;
      const b = values[i]![r]!;
      out.set(v, b === null ? null : f.hierarchy!.at(b, level));
    });
    return out;
  });
  const suppressedKeys = new Set<string>();
  for (let r = 0; r < R; r++) if (search.suppressed[r]) suppressedKeys.add(comboKey(raw.map((c) => c[r]!)));
  return { kind: 'records', search, qiOut, suppressedKeys };
}

export interface AggregateAnalysis {
  kind: 'aggregate';
  groups: FieldPlan[];
  sums: FieldPlan[];
  /** Per source group: the published group values, the row count, the sums (numeric text). */
  keys: (string | null)[][];
  counts: number[];
  sumTexts: (string | null)[][];
  /** Row counts of the published cells. */
  cellSizes: Int32Array;
}

export async function analyseAggregate(
  q: Queryable,
  source: Source,
  plan: Plan,
  key: MaskKey,
): Promise<AggregateAnalysis> {
  const agg = plan.config.aggregate!;
  const groups = agg.groupBy.map((code) => plan.fields.find((f) => f.code === code)!);
  const sums = agg.measures
    .filter((x) => x.fn === 'sum')
    .map((x) => plan.fields.find((f) => f.code === x.field)!);
  const g = groups.length;
  const { rows } = await q.query<unknown[]>({
    text: `SELECT ${groups.map((f) => `${ident(f.code)}::text`).join(', ')}, count(*)::bigint
                  ${sums.map((f) => `, sum(${ident(f.code)})::text`).join('')}
             FROM ${sourceView(source.dataset.name)} GROUP BY ${groups.map((_, i) => i + 1).join(', ')}`,
    rowMode: 'array',
  });
  const fns = groups.map((f) => valueFn({ ...f, qi: false }, key));
  const keys = groups.map(() => new Array<string | null>(rows.length));
  const counts = new Array<number>(rows.length);
  const sumTexts = sums.map(() => new Array<string | null>(rows.length));
  const cells = new Map<string, number>();
  rows.forEach((row, r) => {
    const published = groups.map((_, i) => fns[i]!(row[i] as string | null));
    published.forEach((v, i) => (keys[i]![r] = v));
    counts[r] = Number(row[g]);
    sums.forEach((_, j) => (sumTexts[j]![r] = row[g + 1 + j] as string | null));
    const k = comboKey(published);
    cells.set(k, (cells.get(k) ?? 0) + counts[r]!);
  });
  return {
    kind: 'aggregate',
    groups,
    sums,
    keys,
    counts,
    sumTexts,
    cellSizes: Int32Array.from(cells.values()),
  };
}

export type Analysis = RecordsAnalysis | AggregateAnalysis;

/** The columns of the open table the analysis leads to. */
export function openColumnsOf(plan: Plan, analysis: Analysis): OpenColumn[] {
  const text = (f: FieldPlan): OpenColumn => ({ code: f.code, name: f.name, type: 'string', pgType: 'text' });
  if (analysis.kind === 'aggregate') {
    return [
      ...analysis.groups.map(text),
      { code: 'count', name: '记录数', type: 'integer', pgType: 'bigint' },
      ...analysis.sums.map((f) => ({
        code: `sum_${f.code}`,
        name: `${f.name}合计`,
        type: 'decimal',
        pgType: 'numeric',
      })),
      { code: 'suppressed', name: '小单元格已隐匿', type: 'boolean', pgType: 'boolean' },
    ];
  }
  return plan.fields
    .filter((f) => f.action !== 'drop')
    .map((f) => {
      const qi = plan.qis.indexOf(f);
      const clear = f.action === 'keep' && (qi < 0 || analysis.search.levels[qi] === 0);
      return clear ? { code: f.code, name: f.name, type: f.type, pgType: f.pgType } : text(f);
    });
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The report of an analysis (docs/OPENING.md "Report"). */
export function reportOf(plan: Plan, analysis: Analysis, now = new Date()): Report {
  const { config } = plan;
  if (analysis.kind === 'aggregate') {
    const minCell = config.aggregate!.minCell;
    const rows = analysis.counts.reduce((a, b) => a + b, 0);
    const after = classStats(analysis.cellSizes, minCell, true);
    const before = classStats(analysis.cellSizes, minCell, false);
    const suppressedRows = rows - after.stats.rows;
    return {
      kind: 'aggregate',
      feasible: true,
      computedAt: now.toISOString(),
      sourceRows: rows,
      publishedRows: after.stats.rows,
      suppressedRows,
      suppressedShare: rows ? round(suppressedRows / rows) : 0,
      k: minCell,
      maxSuppression: 1,
      fields: plan.fields.map((f) => fieldReport(f, null)),
      informationLoss: 0,
      classes: after.stats,
      risk: { before: before.risk, after: after.risk },
      lattice: null,
      aggregate: {
        cells: analysis.cellSizes.length,
        suppressedCells: before.stats.classes - after.stats.classes,
        minCell,
      },
    };
  }
  const s = analysis.search;
  return {
    kind: 'records',
    feasible: s.found,
    computedAt: now.toISOString(),
    sourceRows: s.rows,
    publishedRows: s.rows - s.suppressedRows,
    suppressedRows: s.suppressedRows,
    suppressedShare: s.rows ? round(s.suppressedRows / s.rows) : 0,
    k: config.k,
    maxSuppression: config.maxSuppression,
    fields: plan.fields.map((f) => {
      const i = plan.qis.indexOf(f);
      return fieldReport(f, i < 0 ? null : { level: s.levels[i]!, loss: s.qiLoss[i]! });
    }),
    informationLoss: round(s.loss),
    classes: s.classes,
    risk: { before: s.riskBefore, after: s.riskAfter },
    lattice: { ...s.lattice, searchMs: round(s.searchMs, 1) },
    aggregate: null,
  };
}

/**
 * Per field: a quasi-identifier's loss is its NCP at the chosen level (suppressed rows count 1);
 * another generalised field's is its height (level / top level); keep 0; drop, mask and
 * pseudonymise 1 (the values themselves are gone).
 */
function fieldReport(f: FieldPlan, qi: { level: number; loss: number } | null): Report['fields'][number] {
  const h = f.hierarchy;
  const level = qi ? qi.level : f.action === 'generalise' ? f.level : null;
  const levelName = h && level !== null ? ` → ${h.levelNames[level]}` : '';
  const loss = qi ? qi.loss : f.action === 'keep' ? 0 : f.action === 'generalise' ? f.level / h!.height : 1;
  return {
    code: f.code,
    name: f.name,
    action: f.action,
    quasiIdentifier: f.qi,
    detail: `${f.detail}${levelName}`,
    level,
    maxLevel: h ? h.height : null,
    loss: round(loss),
  };
}

/** The analysis and its report, in the caller's (consistent) snapshot. */
export async function analyse(
  q: Queryable,
  source: Source,
  plan: Plan,
  key: MaskKey,
): Promise<{ analysis: Analysis; report: Report }> {
  const analysis =
    plan.config.kind === 'aggregate'
      ? await analyseAggregate(q, source, plan, key)
      : await analyseRecords(q, source, plan, key);
  return { analysis, report: reportOf(plan, analysis) };
}
