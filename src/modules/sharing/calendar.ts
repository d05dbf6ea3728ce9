import type { Queryable } from '../../platform/db/pool.js';

/**
 * Working days (docs/SHARING.md "Working days"): the calendar share-request deadlines are counted
 * on. `datong.calendar_days` holds the special days only — public holidays on weekdays and the
 * weekend days worked instead (调休); every other Saturday and Sunday is a rest day and every other
 * weekday a working day, so a year without entries falls back to plain weekends.
 *
 * Days are those of Asia/Shanghai whatever the server's time zone: China Standard Time is UTC+8
 * all year (no daylight saving since 1991), so a fixed offset gives the local day exactly.
 */

export type CalendarKind = 'holiday' | 'workday';

export interface CalendarDay {
  /** YYYY-MM-DD. */
  day: string;
  kind: CalendarKind;
  name: string;
}

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The most working days `addWorkingDays` counts (about 40 years). */
export const MAX_WORKING_DAYS = 10_000;

/** Days since 1970-01-01 of an instant's Asia/Shanghai calendar day. */
export function shanghaiEpochDay(at: Date): number {
  const t = at.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid date');
  return Math.floor((t + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** Days since 1970-01-01 of a YYYY-MM-DD date; throws a RangeError for anything else. */
export function epochDayOf(day: string): number {
  const m = ISO_DAY.exec(day);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${day}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`not a calendar date: ${day}`);
  }
  return t / DAY_MS;
}

/** YYYY-MM-DD of an epoch day. */
export function isoDay(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** The Asia/Shanghai calendar day (YYYY-MM-DD) an instant falls on. */
export function shanghaiDay(at: Date): string {
  return isoDay(shanghaiEpochDay(at));
}

/** The last instant (23:59:59.999 Asia/Shanghai) of an epoch day. */
export function endOfShanghaiDay(epochDay: number): Date {
  return new Date((epochDay + 1) * DAY_MS - SHANGHAI_OFFSET_MS - 1);
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
function weekday(epochDay: number): number {
  return (((epochDay + 4) % 7) + 7) % 7;
}

export function isWeekend(epochDay: number): boolean {
  const w = weekday(epochDay);
  return w === 0 || w === 6;
}

/** Whether a day is worked, given the special day recorded for it (if any). */
function worked(epochDay: number, kind: CalendarKind | undefined): boolean {
  // A holiday on a weekend or a workday on a weekday changes nothing (the table refuses both).
  return isWeekend(epochDay) ? kind === 'workday' : kind !== 'holiday';
}

/** The special days from `first` to `last` (epoch days, inclusive), in one query. */
async function specialDays(q: Queryable, first: number, last: number): Promise<Map<number, CalendarKind>> {
  const { rows } = await q.query<{ day: string; kind: CalendarKind }>(
    `SELECT day::text AS day, kind FROM datong.calendar_days WHERE day BETWEEN $1::date AND $2::date`,
    [isoDay(first), isoDay(last)],
  );
  return new Map(rows.map((r) => [epochDayOf(r.day), r.kind]));
}

/** The special days recorded for a year, in date order. */
export async function calendarYear(q: Queryable, year: number): Promise<CalendarDay[]> {
  const { rows } = await q.query<CalendarDay>(
    `SELECT day::text AS day, kind, name FROM datong.calendar_days
      WHERE day >= make_date($1, 1, 1) AND day < make_date($1 + 1, 1, 1) ORDER BY day`,
    [year],
  );
  return rows;
}

/** Whether a day is a working day: a YYYY-MM-DD date, or the Asia/Shanghai day of an instant. */
export async function isWorkingDay(q: Queryable, day: Date | string): Promise<boolean> {
  const d = typeof day === 'string' ? epochDayOf(day) : shanghaiEpochDay(day);
  const special = await specialDays(q, d, d);
  return worked(d, special.get(d));
}

/**
 * The deadline n working days after `from`: the end (23:59:59.999 Asia/Shanghai) of the n-th
 * working day after `from`'s Shanghai day, which itself does not count (a request made on a
 * holiday, a weekend or at 23:30 gets the same deadline as one made at that day's 00:00).
 * n = 0 gives the end of `from`'s own day.
 */
export async function addWorkingDays(q: Queryable, from: Date, n: number): Promise<Date> {
  if (!Number.isInteger(n) || n < 0 || n > MAX_WORKING_DAYS) {
    throw new RangeError(`working days must be an integer from 0 to ${MAX_WORKING_DAYS}: ${n}`);
  }
  let day = shanghaiEpochDay(from);
  if (n === 0) return endOfShanghaiDay(day);
  // A year has about 250 working days in 365: 1.6 calendar days per working day, plus a month
  // for a long holiday, is always enough for the official calendar. A window that runs out
  // (a year declared almost all holidays) is followed by another.
  let left = n;
  let first = day + 1;
  for (;;) {
    const last = first + Math.ceil(left * 1.6) + 31;
    const special = await specialDays(q, first, last);
    for (day = first; day <= last; day++) {
      if (worked(day, special.get(day)) && --left === 0) return endOfShanghaiDay(day);
    }
    first = last + 1;
  }
}

/** Mondays to Fridays from `first` to `last` (epoch days, inclusive), counted without a loop. */
function weekdaysBetween(first: number, last: number): number {
  if (last < first) return 0;
  const days = last - first + 1;
  const weeks = Math.floor(days / 7);
  let count = weeks * 5;
  for (let d = first + weeks * 7; d <= last; d++) if (!isWeekend(d)) count++;
  return count;
}

/** Working days from `first` to `last` (epoch days, inclusive), reading the special days once. */
export async function workingDaysBetween(q: Queryable, first: number, last: number): Promise<number> {
  if (last < first) return 0;
  let count = weekdaysBetween(first, last);
  for (const [d, kind] of await specialDays(q, first, last)) {
    if (kind === 'holiday' && !isWeekend(d)) count--;
    else if (kind === 'workday' && isWeekend(d)) count++;
  }
  return count;
}

/**
 * Working days left until `due`: the working days after `now`'s Shanghai day up to and including
 * `due`'s (so workingDaysLeft(t, addWorkingDays(t, n)) = n, and 0 on the due day itself). Once
 * `now` is past `due` it is negative: minus the working days after `due`'s day up to and including
 * `now`'s, and at least -1 (overdue on a rest day right after the deadline counts as -1).
 */
export async function workingDaysLeft(q: Queryable, now: Date, due: Date): Promise<number> {
  const today = shanghaiEpochDay(now);
  const dueDay = shanghaiEpochDay(due);
  if (now.getTime() <= due.getTime()) return workingDaysBetween(q, today + 1, dueDay);
  return -Math.max(1, await workingDaysBetween(q, dueDay + 1, today));
}
