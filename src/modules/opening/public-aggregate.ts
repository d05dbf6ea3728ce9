import { ident, type Queryable } from '../../platform/db/pool.js';
import type { Localized } from '../../platform/i18n/index.js';
import {
  columnOf,
  compileQuery,
  jsonValue,
  runFiltered,
  type OpenColumn,
  type OpenData,
  type RowQuery,
} from './public-data.js';
import { badParam } from './public-messages.js';

/**
 * Grouped counts, sums and averages of an open dataset for the portal's chart builder
 * (docs/OPENING.md, the aggregate route), under the rows route's filters and q.
 */

const msg = (zh: string, en: string): Localized => ({ 'zh-CN': zh, en });

export const TOP_GROUPS = 50;

export type Measure = { fn: 'count' } | { fn: 'sum' | 'avg'; column: OpenColumn };
export type RegionLevel = 'province' | 'city';

export function parseMeasure(data: Pick<OpenData, 'byCode'>, raw: string | undefined): Measure {
  const s = (raw ?? 'count').trim();
  if (s === 'count') return { fn: 'count' };
  const m = /^(sum|avg):(.+)$/.exec(s);
  if (!m)
    throw badParam(
      'measure',
      msg('须为 count、sum:<字段> 或 avg:<字段>', 'use count, sum:<field> or avg:<field>'),
    );
  const column = columnOf(data, m[2]!);
  if (column.kind !== 'integer' && column.kind !== 'decimal') {
    throw badParam('measure', msg('sum 与 avg 只用于数值字段', 'sum and avg take numeric fields only'));
  }
  return { fn: m[1] as 'sum' | 'avg', column };
}

/** The top groups of one column by a measure, under the rows route's filters and q. */
export async function aggregate(
  q: Queryable,
  data: OpenData,
  rq: RowQuery,
  groupBy: OpenColumn,
  measure: Measure,
  regionLevel: RegionLevel | undefined,
): Promise<{ rows: { key: unknown; value: number }[]; truncated: boolean }> {
  const cq = compileQuery(data, { filters: rq.filters, q: rq.q });
  const params = [...cq.params];
  const col = ident(groupBy.code);
  let key = groupBy.kind === 'date' ? `${col}::text` : col;
  if (regionLevel) {
    // GB/T 2260: the first 2 digits are the province, the first 4 the city.
    const keep = regionLevel === 'province' ? 2 : 4;
    key = `CASE WHEN ${col}::text ~ '^[0-9]{6}' THEN rpad(left(${col}::text, ${keep}), 6, '0') END`;
  }
  const value =
    measure.fn === 'count'
      ? 'count(*)'
      : measure.fn === 'sum'
        ? `coalesce(sum(${ident(measure.column.code)}), 0)`
        : `round(avg(${ident(measure.column.code)})::numeric, 4)`;
  const sql = `SELECT ${key} AS k, (${value})::text AS v FROM ${data.from} ${cq.where}
    GROUP BY 1 ORDER BY ${value} DESC NULLS LAST, 1 ASC NULLS LAST LIMIT $${params.push(TOP_GROUPS + 1)}`;
  const { rows } = await runFiltered(() => q.query<{ k: unknown; v: string | null }>(sql, params));
  const keyColumn: OpenColumn = regionLevel ? { ...groupBy, kind: 'text' } : groupBy;
  return {
    rows: rows.slice(0, TOP_GROUPS).map((r) => ({
      key: jsonValue(keyColumn, r.k),
      value: r.v === null ? 0 : Number(r.v),
    })),
    truncated: rows.length > TOP_GROUPS,
  };
}
