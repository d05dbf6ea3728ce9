/**
 * Calendar dates and ISO 8601 date-times, checked against the real calendar (2023-02-29 is not a
 * date). Pure functions without Date parsing: `Date.parse` rolls 2023-02-30 over to March and
 * reads zone-less strings in the process's time zone, neither of which a validator may do.
 */

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function daysInMonth(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/** True when year-month-day names a day of the proleptic Gregorian calendar (years 1–9999). */
export function isRealDate(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    year >= 1 &&
    year <= 9999 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export function formatDate({ year, month, day }: DateParts): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

// YYYY-MM-DD, YYYY/MM/DD (one separator throughout) or YYYYMMDD.
const DATE_FORMS = [/^(\d{4})-(\d{2})-(\d{2})$/, /^(\d{4})\/(\d{2})\/(\d{2})$/, /^(\d{4})(\d{2})(\d{2})$/];

export type DateProblem = 'format' | 'calendar';

/** Reads a date in one of the accepted forms; `problem` says whether the form or the day is wrong. */
export function parseDate(value: string): { date: DateParts } | { problem: DateProblem } {
  for (const form of DATE_FORMS) {
    const m = form.exec(value);
    if (!m) continue;
    const date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
    return isRealDate(date.year, date.month, date.day) ? { date } : { problem: 'calendar' };
  }
  return { problem: 'format' };
}

/** The same day compared as a number (YYYYMMDD), for "not in the future" checks. */
export const dateKey = (d: DateParts): number => d.year * 10000 + d.month * 100 + d.day;

/** Today's YYYYMMDD key in China Standard Time, since the platform's records are dated there. */
export function todayKeyCst(now: Date): number {
  const cst = new Date(now.getTime() + 8 * 3600_000);
  return cst.getUTCFullYear() * 10000 + (cst.getUTCMonth() + 1) * 100 + cst.getUTCDate();
}

// Date, 'T' or a space, hh:mm[:ss[.fraction]], optional Z or ±hh[:]mm.
const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Reads an ISO 8601 date-time (RFC 3339 profile, with the common relaxations: a space for 'T',
 * seconds and zone optional). Normalised to `YYYY-MM-DDTHH:mm:ss[.fff…]` plus the zone as given
 * (`Z` or `±hh:mm`); without a zone the value stays local time, since guessing one would change it.
 */
export function parseDateTime(value: string): { normalised: string } | { problem: DateProblem } {
  const m = DATETIME.exec(value);
  if (!m) return { problem: 'format' };
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59)
    return { problem: 'calendar' };
  let zone = '';
  if (m[8] !== undefined) {
    if (m[8] === 'Z' || m[8] === 'z') zone = 'Z';
    else {
      const digits = m[8].slice(1).replace(':', '');
      const zh = Number(digits.slice(0, 2));
      const zm = digits.length > 2 ? Number(digits.slice(2)) : 0;
      if (zh > 14 || zm > 59) return { problem: 'calendar' };
      zone = `${m[8][0]}${pad(zh, 2)}:${pad(zm, 2)}`;
    }
  }
  const fraction = m[7] === undefined ? '' : `.${m[7]}`;
  const time = `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}`;
  return { normalised: `${formatDate({ year, month, day })}T${time}${zone}` };
}
