import { PeriodCounts, type CountStore } from '../../platform/counters.js';
import type { Pool } from '../../platform/db/pool.js';
import { endOfShanghaiDay, shanghaiDay, shanghaiEpochDay } from './calendar.js';

export type QuotaAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

/** datong.grant_usage: calls per grant and Asia/Shanghai day. */
const grantUsage: CountStore = {
  async read(pool, grantId, day) {
    const { rows } = await pool.query<{ calls: number }>(
      'SELECT calls FROM datong.grant_usage WHERE grant_id = $1 AND day = $2',
      [grantId, day],
    );
    return Number(rows[0]?.calls ?? 0);
  },
  async add(pool, batch) {
    const { rows } = await pool.query<{ grant_id: string; day: string; calls: number }>(
      `INSERT INTO datong.grant_usage AS u (grant_id, day, calls)
       SELECT g, d, c FROM unnest($1::uuid[], $2::date[], $3::int8[]) AS x(g, d, c)
         WHERE EXISTS (SELECT 1 FROM datong.grants WHERE id = x.g)
       ON CONFLICT (grant_id, day) DO UPDATE SET calls = u.calls + EXCLUDED.calls
       RETURNING grant_id::text, day::text, calls`,
      [batch.map((b) => b.id), batch.map((b) => b.period), batch.map((b) => b.calls)],
    );
    return rows.map((r) => ({ id: r.grant_id, period: r.day, calls: Number(r.calls) }));
  },
};

/**
 * Daily quotas of grants (每日调用限额): the calls admitted under a grant per calendar day in
 * Asia/Shanghai, for the data services and the gateway alike — counted in memory and added to
 * datong.grant_usage about once a second (src/platform/counters.ts).
 */
export class DailyQuotas {
  private readonly counts: PeriodCounts;

  constructor(
    pool: Pool,
    private readonly now: () => Date = () => new Date(),
    flushMs = 1000,
  ) {
    this.counts = new PeriodCounts(pool, grantUsage, shanghaiDay, flushMs);
  }

  /** Admits one call under the grant, or says how long until the next day starts. */
  async take(grantId: string, quota: number): Promise<QuotaAnswer> {
    const now = this.now();
    const { ok } = await this.counts.take(grantId, quota, now);
    return ok ? { ok: true } : { ok: false, retryAfterSeconds: secondsToNextDay(now) };
  }

  /** Calls admitted today under the grant, as far as this process knows. */
  usedToday(grantId: string): number | undefined {
    return this.counts.used(grantId, this.now());
  }

  /** Adds this process's counts to the database and reads back the totals. */
  flush(): Promise<void> {
    return this.counts.flush();
  }
}

/** Seconds from `now` until 00:00 of the next day in Asia/Shanghai, at least 1. */
export function secondsToNextDay(now: Date): number {
  const next = endOfShanghaiDay(shanghaiEpochDay(now)).getTime() + 1;
  return Math.max(1, Math.ceil((next - now.getTime()) / 1000));
}

const shared = new WeakMap<Pool, DailyQuotas>();

/** The one DailyQuotas of a node process's pool (data services and gateway share it). */
export function dailyQuotasOf(pool: Pool): DailyQuotas {
  let q = shared.get(pool);
  if (!q) {
    q = new DailyQuotas(pool);
    shared.set(pool, q);
  }
  return q;
}
