/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) for harvest
 * schedules: `*`, numbers, ranges `a-b`, steps `*\/n` and `a-b/n`, and lists. When both day
 * fields are restricted, either may match, as in Vixie cron.
 */

const FIELDS = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 7 },
] as const;

export interface Cron {
  sets: Set<number>[];
  dayRestricted: boolean;
  weekdayRestricted: boolean;
}

function parseField(text: string, min: number, max: number): Set<number> | null {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) return null;
    const from = m[1] === '*' ? min : Number(m[2]);
    const to = m[1] === '*' ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) return null;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** The parsed expression, or null when it is not a valid five-field cron expression. */
export function parseCron(expr: string): Cron | null {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return null;
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const set = parseField(parts[i]!, FIELDS[i]!.min, FIELDS[i]!.max);
    if (!set) return null;
    sets.push(set);
  }
  if (sets[4]!.has(7)) sets[4]!.add(0); // 7 is Sunday too
  return { sets, dayRestricted: parts[2] !== '*', weekdayRestricted: parts[4] !== '*' };
}

/** Whether the cron fires in the minute of `d` (local time of the node). */
export function matches(cron: Cron, d: Date): boolean {
  const [minute, hour, day, month, weekday] = cron.sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (!minute.has(d.getMinutes()) || !hour.has(d.getHours()) || !month.has(d.getMonth() + 1)) return false;
  const dayOk = day.has(d.getDate());
  const weekdayOk = weekday.has(d.getDay());
  if (cron.dayRestricted && cron.weekdayRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

/**
 * The latest minute in (since, now] at which the cron fired, or null. The scheduler runs every
 * few minutes, so it looks back over the gap instead of testing only the current minute; a
 * source that was never scheduled looks back one day at most.
 */
export function lastFiring(cron: Cron, since: Date | null, now: Date): Date | null {
  const floor = since ? since.getTime() : now.getTime() - 86_400_000;
  const t = new Date(now);
  t.setSeconds(0, 0);
  for (let i = 0; i < 1440 && t.getTime() > floor; i++) {
    if (matches(cron, t)) return new Date(t);
    t.setMinutes(t.getMinutes() - 1);
  }
  return null;
}
