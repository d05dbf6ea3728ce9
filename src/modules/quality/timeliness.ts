/**
 * Timeliness (docs/QUALITY.md "Rules"): the last successful load of a dataset against its catalog
 * entry's update cycle (更新周期). Not a row rule: one observation per run.
 *
 * - A cycle's length is its longest calendar length, so that a dataset loaded on the same day of
 *   every period is never late: realtime 1 hour, daily 1 day, weekly 7 days, monthly 31,
 *   quarterly 92, half-yearly 184, yearly 366 days. `irregular` has no cycle: the rule does not
 *   apply (checked 0, score null; the dimension then has no score).
 * - Score: 100 while the last load is at most one cycle old; then falling linearly to 0 when it
 *   is three cycles overdue (four cycles old); 0 when the dataset was never loaded.
 * - checked = 1, failing = 1 when the last load is more than one cycle old (or missing), else 0.
 * - The one sample says what was compared: lastLoadAt, updateCycle, dueAt, score.
 */

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const CYCLE_MS: Record<string, number | null> = {
  realtime: HOUR,
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 31 * DAY,
  quarterly: 92 * DAY,
  half_yearly: 184 * DAY,
  yearly: 366 * DAY,
  irregular: null,
};

/** Overdue by this many cycles, the score is 0. */
export const ZERO_AFTER_CYCLES = 3;

export interface TimelinessInput {
  /** When the last successful load finished; null when the dataset was never loaded. */
  lastLoadAt: Date | null;
  /** The entry's update cycle (catalog UPDATE_CYCLES). */
  updateCycle: string;
  now: Date;
}

export interface TimelinessResult {
  checked: number;
  failing: number;
  score: number | null;
  samples: Record<string, string | null>[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function timelinessOf(input: TimelinessInput | undefined): TimelinessResult {
  if (!input) return { checked: 0, failing: 0, score: null, samples: [] };
  const cycle = CYCLE_MS[input.updateCycle] ?? null;
  const base = {
    lastLoadAt: input.lastLoadAt?.toISOString() ?? null,
    updateCycle: input.updateCycle,
  };
  if (cycle === null) {
    return { checked: 0, failing: 0, score: null, samples: [{ ...base, dueAt: null, score: null }] };
  }
  if (!input.lastLoadAt) {
    return { checked: 1, failing: 1, score: 0, samples: [{ ...base, dueAt: null, score: '0' }] };
  }
  const due = input.lastLoadAt.getTime() + cycle;
  const overdue = input.now.getTime() - due;
  const score = overdue <= 0 ? 100 : round2(100 * Math.max(0, 1 - overdue / (ZERO_AFTER_CYCLES * cycle)));
  return {
    checked: 1,
    failing: overdue > 0 ? 1 : 0,
    score,
    samples: [{ ...base, dueAt: new Date(due).toISOString(), score: String(score) }],
  };
}
