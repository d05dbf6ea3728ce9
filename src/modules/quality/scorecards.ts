import ExcelJS from 'exceljs';
import { Type, type Static } from 'typebox';
import type { Queryable } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import { endOfShanghaiDay, epochDayOf, isoDay, shanghaiDay, shanghaiEpochDay } from '../sharing/calendar.js';

/**
 * Department scorecards (部门考核, docs/QUALITY.md "Scorecards"): one row per provider
 * organisation for a period of Asia/Shanghai days [from, to], each figure a count pair and a
 * percentage (0–100, two decimals), plus a weighted overall figure. The exact rules:
 *
 * - Departments: organisations providing at least one entry whose published version is
 *   `published` now.
 * - Catalog completeness: of those entries of resource kind `table`, the ones whose dataset had
 *   a successful load (batch `done`, not a rollback) by the end of the period.
 * - Update timeliness: per such entry and update cycle, the cycle's calendar periods (daily: each
 *   day; realtime counts as daily; weekly: Monday–Sunday; monthly; quarterly; half-yearly;
 *   yearly) whose last day lies in [from, to], that are over by the evaluation time (asOf = the
 *   earlier of now and the end of `to`), and that start on or after the day the entry was first
 *   published. Each is one load expected; it is on time when a successful load finished within it.
 *   `irregular` expects nothing.
 * - Quality score: the mean of the latest `done` quality run's score (finished by the end of the
 *   period) of each of its entries' datasets; datasets without one are left out; null when none.
 * - Share requests: conditional requests to the department submitted in the period, as they stand
 *   now: decided (by the provider), the median hours from submission to decision, overdue (decided
 *   after the deadline, or still undecided past it), and on time / (on time + overdue).
 * - Objections: those addressed to the department and due in the period, withdrawn ones left
 *   out: resolved (corrected or rejected) by the deadline / due; plus the department's objections
 *   open past their deadline now.
 * - Service availability: 1 − errors / calls over the period's days (service_availability).
 * - Overall: the mean of the six percentages weighted by WEIGHTS; a null figure is left out and
 *   the others' weights scaled up; null when every figure is null.
 */

export const WEIGHTS = {
  catalog: 0.2,
  timeliness: 0.2,
  quality: 0.2,
  shareRequests: 0.15,
  objections: 0.15,
  availability: 0.1,
} as const;

/** The longest period a scorecard covers (days). */
export const MAX_PERIOD_DAYS = 3 * 366;
/** The default period: the last 30 days up to today. */
const DEFAULT_DAYS = 30;

const Pct = Type.Union([Type.Number(), Type.Null()], {
  description: '0–100, two decimals; null: nothing to measure',
});
const Count = Type.Integer({ minimum: 0 });

export const ScorecardQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date', description: 'first day (Asia/Shanghai); default 29 days before to' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date', description: 'last day (Asia/Shanghai), inclusive; default today' }),
    ),
  },
  { additionalProperties: false },
);
export type ScorecardInput = Static<typeof ScorecardQuery>;

export const ExportQuery = Type.Object(
  { ...ScorecardQuery.properties, format: Type.Enum(['xlsx', 'csv'] as const, { default: 'xlsx' }) },
  { additionalProperties: false },
);

export const ScorecardRowSchema = Type.Object({
  orgId: Type.String({ format: 'uuid' }),
  orgName: Type.String(),
  catalog: Type.Object({ published: Count, withData: Count, percent: Pct }),
  timeliness: Type.Object({ expected: Count, onTime: Count, percent: Pct }),
  quality: Type.Object({ datasets: Count, score: Pct }),
  shareRequests: Type.Object({
    submitted: Count,
    decided: Count,
    medianHours: Type.Union([Type.Number(), Type.Null()]),
    onTime: Count,
    overdue: Count,
    percent: Pct,
  }),
  objections: Type.Object({ due: Count, resolvedOnTime: Count, openOverdue: Count, percent: Pct }),
  availability: Type.Object({ calls: Count, errors: Count, percent: Pct }),
  overall: Pct,
});
export type ScorecardRow = Static<typeof ScorecardRowSchema>;

export const ScorecardSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  asOf: Type.String({ format: 'date-time' }),
  weights: Type.Record(Type.String(), Type.Number()),
  rows: Type.Array(ScorecardRowSchema),
});
export type Scorecard = Static<typeof ScorecardSchema>;

const periodProblem = (zh: string, en: string) =>
  new AppError(
    400,
    'quality_period_invalid',
    { 'zh-CN': '考核期间无效：{zh}', en: 'The period is not valid: {en}' },
    { zh, en },
  );

const round2 = (x: number) => Math.round(x * 100) / 100;
const pct = (num: number, den: number) => (den > 0 ? round2((num / den) * 100) : null);

// ---------------------------------------------------------------------------------------------
// Periods of update cycles

const CYCLES = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'half_yearly', 'yearly'] as const;

/** The first day of the period of `cycle` that ends on `day`, or null when no period ends on it. */
function periodEndingOn(cycle: (typeof CYCLES)[number], day: number): number | null {
  const d = new Date(day * 86_400_000);
  const next = new Date((day + 1) * 86_400_000);
  const monthEnd = next.getUTCDate() === 1;
  const m = d.getUTCMonth() + 1;
  const y = d.getUTCFullYear();
  const startOf = (month: number) => Date.UTC(y, month - 1, 1) / 86_400_000;
  switch (cycle) {
    case 'realtime':
    case 'daily':
      return day;
    case 'weekly':
      // 1970-01-01 was a Thursday: day % 7 === 3 is a Sunday.
      return ((day % 7) + 7) % 7 === 3 ? day - 6 : null;
    case 'monthly':
      return monthEnd ? startOf(m) : null;
    case 'quarterly':
      return monthEnd && m % 3 === 0 ? startOf(m - 2) : null;
    case 'half_yearly':
      return monthEnd && m % 6 === 0 ? startOf(m - 5) : null;
    case 'yearly':
      return monthEnd && m === 12 ? startOf(1) : null;
  }
}

/** Every cycle's periods that end in [first, last] (epoch days), as parallel arrays. */
export function expectedPeriods(
  first: number,
  last: number,
): { cycle: string; start: string; end: string }[] {
  const out: { cycle: string; start: string; end: string }[] = [];
  for (let day = first; day <= last; day++) {
    for (const cycle of CYCLES) {
      const start = periodEndingOn(cycle, day);
      if (start !== null) out.push({ cycle, start: isoDay(start), end: isoDay(day) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The scorecard

/** The period of a query: [from, to] days, their instants, and the evaluation time. */
export function periodOf(input: ScorecardInput, now: Date) {
  const to = input.to ?? shanghaiDay(now);
  let toDay: number;
  let fromDay: number;
  try {
    toDay = epochDayOf(to);
    fromDay = input.from ? epochDayOf(input.from) : toDay - (DEFAULT_DAYS - 1);
  } catch {
    throw periodProblem('日期须为 YYYY-MM-DD', 'dates must be YYYY-MM-DD');
  }
  if (fromDay > toDay) throw periodProblem('开始日期晚于结束日期', 'from is after to');
  if (toDay - fromDay + 1 > MAX_PERIOD_DAYS) {
    throw periodProblem(`最长 ${MAX_PERIOD_DAYS} 天`, `at most ${MAX_PERIOD_DAYS} days`);
  }
  const start = endOfShanghaiDay(fromDay - 1);
  start.setTime(start.getTime() + 1);
  const end = endOfShanghaiDay(toDay);
  const asOf = new Date(Math.min(now.getTime(), end.getTime()));
  // The last day whose periods are over by asOf.
  const lastOver = asOf.getTime() >= end.getTime() ? toDay : shanghaiEpochDay(asOf) - 1;
  return { from: isoDay(fromDay), to: isoDay(toDay), fromDay, toDay, start, end, asOf, lastOver };
}

type Num = string | number | null;
const n = (v: Num | undefined) => (v === null || v === undefined ? 0 : Number(v));

/** GET /api/quality/scorecards — one row per department, in name order. */
export async function scorecards(
  q: Queryable,
  input: ScorecardInput,
  now: Date = new Date(),
): Promise<Scorecard> {
  const p = periodOf(input, now);
  const periods = expectedPeriods(p.fromDay, Math.min(p.toDay, p.lastOver));
  const { rows } = await q.query<{
    org_id: string;
    org_name: string;
    published: Num;
    with_data: Num;
    expected: Num;
    on_time: Num;
    q_datasets: Num;
    q_score: Num;
    s_submitted: Num;
    s_decided: Num;
    s_median: Num;
    s_on_time: Num;
    s_overdue: Num;
    o_due: Num;
    o_on_time: Num;
    o_open_overdue: Num;
    calls: Num;
    errors: Num;
  }>(
    `WITH pe AS (
       SELECT e.id AS entry_id, e.provider_org_id, v.update_cycle, v.resource_kind, d.id AS dataset_id,
              (SELECT (min(x.published_at) AT TIME ZONE 'Asia/Shanghai')::date
                 FROM datong.catalog_versions x WHERE x.entry_id = e.id) AS first_day
         FROM datong.catalog_entries e
         JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
         LEFT JOIN datong.datasets d ON d.entry_id = e.id
        WHERE v.status = 'published'),
     loads AS (
       SELECT b.dataset_id, b.finished_at FROM datong.ingest_batches b
        WHERE b.status = 'done' AND b.mode <> 'rollback' AND b.dataset_id IN (SELECT dataset_id FROM pe)),
     per AS (SELECT * FROM unnest($1::text[], $2::date[], $3::date[]) AS per(cycle, s, e)),
     catalog AS (
       SELECT pe.provider_org_id AS org_id,
              count(*) FILTER (WHERE pe.resource_kind = 'table') AS published,
              count(*) FILTER (WHERE pe.resource_kind = 'table' AND EXISTS (
                SELECT 1 FROM loads l WHERE l.dataset_id = pe.dataset_id AND l.finished_at <= $5)) AS with_data
         FROM pe GROUP BY 1),
     timely AS (
       SELECT pe.provider_org_id AS org_id, count(*) AS expected,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM loads l WHERE l.dataset_id = pe.dataset_id
                   AND (l.finished_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN per.s AND per.e)) AS on_time
         FROM pe JOIN per ON per.cycle = pe.update_cycle AND per.s >= pe.first_day
        WHERE pe.resource_kind = 'table'
        GROUP BY 1),
     quality AS (
       SELECT pe.provider_org_id AS org_id, count(r.score) AS datasets, avg(r.score) AS score
         FROM pe JOIN LATERAL (
           SELECT qr.score FROM datong.quality_runs qr
            WHERE qr.dataset_id = pe.dataset_id AND qr.status = 'done' AND qr.finished_at <= $5
            ORDER BY qr.finished_at DESC, qr.id DESC LIMIT 1) r ON r.score IS NOT NULL
        GROUP BY 1),
     share AS (
       SELECT r.provider_org_id AS org_id, count(*) AS submitted,
              count(*) FILTER (WHERE r.decided_at IS NOT NULL) AS decided,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.decided_at - r.created_at) / 3600)
                FILTER (WHERE r.decided_at IS NOT NULL) AS median,
              count(*) FILTER (WHERE r.decided_at IS NOT NULL AND r.decided_at <= r.due_at) AS on_time,
              count(*) FILTER (WHERE (r.decided_at IS NOT NULL AND r.decided_at > r.due_at)
                                  OR (r.decided_at IS NULL AND r.status = 'submitted' AND r.due_at < $6)) AS overdue
         FROM datong.share_requests r
        WHERE r.share_type = 'conditional' AND r.created_at >= $4 AND r.created_at <= $5
        GROUP BY 1),
     obj AS (
       SELECT o.org_id,
              count(*) FILTER (WHERE o.due_at BETWEEN $4 AND $5 AND o.status <> 'withdrawn') AS due,
              count(*) FILTER (WHERE o.due_at BETWEEN $4 AND $5 AND o.status IN ('corrected', 'rejected')
                                 AND o.resolved_at <= o.due_at) AS on_time,
              count(*) FILTER (WHERE o.status = 'open' AND o.due_at < $6) AS open_overdue
         FROM datong.objections o GROUP BY 1),
     avail AS (
       SELECT a.org_id, sum(a.calls) AS calls, sum(a.errors) AS errors FROM datong.service_availability a
        WHERE a.day BETWEEN $7::date AND $8::date GROUP BY 1)
     SELECT c.org_id, og.name AS org_name, c.published, c.with_data, t.expected, t.on_time,
            qu.datasets AS q_datasets, qu.score AS q_score, s.submitted AS s_submitted, s.decided AS s_decided,
            s.median AS s_median, s.on_time AS s_on_time, s.overdue AS s_overdue, ob.due AS o_due,
            ob.on_time AS o_on_time, ob.open_overdue AS o_open_overdue, av.calls, av.errors
       FROM catalog c
       JOIN datong.orgs og ON og.id = c.org_id
       LEFT JOIN timely t ON t.org_id = c.org_id
       LEFT JOIN quality qu ON qu.org_id = c.org_id
       LEFT JOIN share s ON s.org_id = c.org_id
       LEFT JOIN obj ob ON ob.org_id = c.org_id
       LEFT JOIN avail av ON av.org_id = c.org_id
      ORDER BY og.name, c.org_id`,
    [
      periods.map((x) => x.cycle),
      periods.map((x) => x.start),
      periods.map((x) => x.end),
      p.start,
      p.end,
      now,
      p.from,
      p.to,
    ],
  );
  return {
    from: p.from,
    to: p.to,
    asOf: p.asOf.toISOString(),
    weights: { ...WEIGHTS },
    rows: rows.map((r) => {
      const shareOnTime = n(r.s_on_time);
      const shareOverdue = n(r.s_overdue);
      const calls = n(r.calls);
      const errors = n(r.errors);
      const row: Omit<ScorecardRow, 'overall'> = {
        orgId: r.org_id,
        orgName: r.org_name,
        catalog: {
          published: n(r.published),
          withData: n(r.with_data),
          percent: pct(n(r.with_data), n(r.published)),
        },
        timeliness: {
          expected: n(r.expected),
          onTime: n(r.on_time),
          percent: pct(n(r.on_time), n(r.expected)),
        },
        quality: { datasets: n(r.q_datasets), score: r.q_score === null ? null : round2(Number(r.q_score)) },
        shareRequests: {
          submitted: n(r.s_submitted),
          decided: n(r.s_decided),
          medianHours: r.s_median === null ? null : Math.round(Number(r.s_median) * 10) / 10,
          onTime: shareOnTime,
          overdue: shareOverdue,
          percent: pct(shareOnTime, shareOnTime + shareOverdue),
        },
        objections: {
          due: n(r.o_due),
          resolvedOnTime: n(r.o_on_time),
          openOverdue: n(r.o_open_overdue),
          percent: pct(n(r.o_on_time), n(r.o_due)),
        },
        availability: { calls, errors, percent: calls > 0 ? round2((1 - errors / calls) * 100) : null },
      };
      const ratio = (num: number, den: number) => (den > 0 ? (num / den) * 100 : null);
      const overall = overallOf([
        ratio(row.catalog.withData, row.catalog.published),
        ratio(row.timeliness.onTime, row.timeliness.expected),
        r.q_score === null ? null : Number(r.q_score),
        ratio(shareOnTime, shareOnTime + shareOverdue),
        ratio(row.objections.resolvedOnTime, row.objections.due),
        calls > 0 ? (1 - errors / calls) * 100 : null,
      ]);
      return { ...row, overall };
    }),
  };
}

/**
 * The weighted mean of a row's six percentages, unrounded, in WEIGHTS order (null ones left out,
 * the other weights scaled up), rounded to two decimals at the end.
 */
export function overallOf(values: readonly (number | null)[]): number | null {
  const weights = Object.values(WEIGHTS);
  let sum = 0;
  let weight = 0;
  values.forEach((v, i) => {
    if (v === null) return;
    sum += v * weights[i]!;
    weight += weights[i]!;
  });
  return weight > 0 ? round2(sum / weight) : null;
}

// ---------------------------------------------------------------------------------------------
// Export

export const EXPORT_COLUMNS: [string, (r: ScorecardRow) => string | number | null][] = [
  ['部门', (r) => r.orgName],
  ['已发布目录数', (r) => r.catalog.published],
  ['已归集数据的目录数', (r) => r.catalog.withData],
  ['目录完整率(%)', (r) => r.catalog.percent],
  ['应更新次数', (r) => r.timeliness.expected],
  ['按时更新次数', (r) => r.timeliness.onTime],
  ['更新及时率(%)', (r) => r.timeliness.percent],
  ['参与评分的数据集数', (r) => r.quality.datasets],
  ['数据质量得分', (r) => r.quality.score],
  ['共享申请数', (r) => r.shareRequests.submitted],
  ['已答复申请数', (r) => r.shareRequests.decided],
  ['答复用时中位数(小时)', (r) => r.shareRequests.medianHours],
  ['按时答复数', (r) => r.shareRequests.onTime],
  ['超期申请数', (r) => r.shareRequests.overdue],
  ['共享答复及时率(%)', (r) => r.shareRequests.percent],
  ['到期异议数', (r) => r.objections.due],
  ['按期办结异议数', (r) => r.objections.resolvedOnTime],
  ['超期未办异议数', (r) => r.objections.openOverdue],
  ['异议办理及时率(%)', (r) => r.objections.percent],
  ['服务调用次数', (r) => r.availability.calls],
  ['服务错误次数', (r) => r.availability.errors],
  ['服务可用率(%)', (r) => r.availability.percent],
  ['综合得分', (r) => r.overall],
];

/** A CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The scorecard as CSV: UTF-8 with a BOM (Excel reads the Chinese headers), CRLF lines. */
export function scorecardCsv(card: Scorecard): Buffer {
  const lines = [
    EXPORT_COLUMNS.map(([h]) => csvCell(h)).join(','),
    ...card.rows.map((r) => EXPORT_COLUMNS.map(([, f]) => csvCell(f(r))).join(',')),
  ];
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')]);
}

/** The scorecard as XLSX: one sheet, the period in its name, numbers as numbers. */
export async function scorecardXlsx(card: Scorecard): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(`部门考核 ${card.from}~${card.to}`.slice(0, 31));
  sheet.addRow(EXPORT_COLUMNS.map(([h]) => h)).font = { bold: true };
  for (const r of card.rows) sheet.addRow(EXPORT_COLUMNS.map(([, f]) => f(r)));
  sheet.columns.forEach((c, i) => (c.width = i === 0 ? 28 : 14));
  return Buffer.from(await book.xlsx.writeBuffer());
}
