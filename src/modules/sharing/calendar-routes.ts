import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import { withTx } from '../../platform/db/pool.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import { localize, type Localized } from '../../platform/i18n/index.js';
import { calendarYear, epochDayOf, isWeekend, type CalendarDay } from './calendar.js';

/**
 * The working-day calendar's HTTP API (docs/SHARING.md "Working days"):
 *   GET /api/calendar/:year   the year's special days (authenticated)
 *   PUT /api/calendar/:year   replaces them in one transaction (calendar.manage), audited as
 *                             calendar.update with what was added, removed and changed
 */

export const calendarMessages = {
  calendar_day_outside_year: {
    'zh-CN': '日期 {day} 不在 {year} 年内',
    en: 'The day {day} is not in the year {year}',
  },
  calendar_holiday_on_weekend: {
    'zh-CN': '{day} 是周末，不能设为节假日（只需列出落在工作日的节假日）',
    en: '{day} is a weekend day and cannot be a holiday (list only holidays that fall on weekdays)',
  },
  calendar_workday_not_weekend: {
    'zh-CN': '{day} 不是周末，不能设为调休上班日',
    en: '{day} is not a weekend day and cannot be an adjusted working day',
  },
  calendar_day_duplicate: {
    'zh-CN': '日期 {day} 出现了不止一次',
    en: 'The day {day} is listed more than once',
  },
} satisfies Record<string, Localized>;

type CalendarMessageKey = keyof typeof calendarMessages;

const strict = { additionalProperties: false } as const;
const Kind = Type.Enum(['holiday', 'workday'] as const);
const YearParams = Type.Object({ year: Type.Integer({ minimum: 1970, maximum: 2200 }) }, strict);
const DaySchema = Type.Object(
  {
    day: Type.String({ format: 'date', description: 'YYYY-MM-DD' }),
    kind: Kind,
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S', description: '节假日名称，如 春节' }),
  },
  strict,
);
const YearSchema = Type.Object({ year: Type.Integer(), days: Type.Array(DaySchema) });
const PutBody = Type.Object({ days: Type.Array(DaySchema, { maxItems: 366 }) }, strict);

export default async function calendarRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.datong;
  const pool = services.pool;
  const tags = ['sharing'];

  r.get(
    '/api/calendar/:year',
    {
      config: { permission: 'authenticated' },
      schema: {
        tags,
        summary: '工作日历 / the year’s public holidays on weekdays and adjusted working weekend days',
        description:
          'Only the special days are listed: every other Saturday and Sunday is a rest day and every other weekday a working day. A year without entries is plain weekends.',
        params: YearParams,
        response: { 200: YearSchema },
      },
    },
    async (req) => ({ year: req.params.year, days: await calendarYear(pool, req.params.year) }),
  );

  r.put(
    '/api/calendar/:year',
    {
      config: { permission: 'calendar.manage' },
      schema: {
        tags,
        summary: '设置工作日历 / replace the year’s special days',
        description:
          'Every day must be in the year; a holiday must fall on a weekday and a workday (调休上班) on a Saturday or Sunday. Audited as calendar.update.',
        params: YearParams,
        body: PutBody,
        response: { 200: YearSchema },
      },
    },
    async (req) => {
      const { year } = req.params;
      const days = [...req.body.days].sort((a, b) => a.day.localeCompare(b.day));
      const errors: FieldError[] = [];
      let first: { code: CalendarMessageKey; params: Record<string, unknown> } | undefined;
      const refuse = (i: number, code: CalendarMessageKey, params: Record<string, unknown>) => {
        first ??= { code, params };
        errors.push({
          path: `/days/${i}/day`,
          message: localize(calendarMessages[code], req.ctx.lang, params),
        });
      };
      const seen = new Set<string>();
      req.body.days.forEach((d, i) => {
        const epochDay = epochDayOf(d.day);
        if (seen.has(d.day)) refuse(i, 'calendar_day_duplicate', { day: d.day });
        seen.add(d.day);
        if (Number(d.day.slice(0, 4)) !== year) refuse(i, 'calendar_day_outside_year', { day: d.day, year });
        else if (d.kind === 'holiday' && isWeekend(epochDay))
          refuse(i, 'calendar_holiday_on_weekend', { day: d.day });
        else if (d.kind === 'workday' && !isWeekend(epochDay))
          refuse(i, 'calendar_workday_not_weekend', { day: d.day });
      });
      if (first) {
        throw new AppError(400, first.code, calendarMessages[first.code], first.params, errors);
      }

      return withTx(pool, async (tx) => {
        // Two replacements of one year queue up instead of colliding on the primary key.
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext('datong.calendar_days'), $1)`, [year]);
        const before = await calendarYear(tx, year);
        await tx.query(
          `DELETE FROM datong.calendar_days WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1)`,
          [year],
        );
        await tx.query(
          `INSERT INTO datong.calendar_days (day, kind, name)
           SELECT * FROM unnest($1::date[], $2::text[], $3::text[])`,
          [days.map((d) => d.day), days.map((d) => d.kind), days.map((d) => d.name.trim())],
        );
        const after = await calendarYear(tx, year);
        await services.ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'calendar.update',
            objectType: 'calendar',
            objectId: String(year),
            detail: { year, ...diff(before, after) },
          }),
        );
        return { year, days: after };
      });
    },
  );
}

/** What a replacement changed, for the audit event. */
function diff(
  before: CalendarDay[],
  after: CalendarDay[],
): {
  holidays: number;
  workdays: number;
  added: CalendarDay[];
  removed: CalendarDay[];
  changed: { day: string; from: Omit<CalendarDay, 'day'>; to: Omit<CalendarDay, 'day'> }[];
} {
  const old = new Map(before.map((d) => [d.day, d]));
  const now = new Map(after.map((d) => [d.day, d]));
  const changed = [];
  for (const d of after) {
    const was = old.get(d.day);
    if (was && (was.kind !== d.kind || was.name !== d.name)) {
      changed.push({
        day: d.day,
        from: { kind: was.kind, name: was.name },
        to: { kind: d.kind, name: d.name },
      });
    }
  }
  return {
    holidays: after.filter((d) => d.kind === 'holiday').length,
    workdays: after.filter((d) => d.kind === 'workday').length,
    added: after.filter((d) => !old.has(d.day)),
    removed: before.filter((d) => !now.has(d.day)),
    changed,
  };
}
