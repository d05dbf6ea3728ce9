import type { Pool } from '../../platform/db/pool.js';
import { endOfShanghaiDay, shanghaiDay, shanghaiEpochDay } from './calendar.js';

interface Usage {
  day: string;
  /** The day's total in the database when last read (every process's flushed calls). */
  base: number;
  /** Calls this process admitted since, not yet added to the database. */
  local: number;
  readAt: number;
  reading: Promise<void> | undefined;
}

export type QuotaAnswer = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Daily quotas of grants (每日调用限额): the calls admitted under a grant per calendar day in
 * Asia/Shanghai, for the data services and the gateway alike.
 *
 * Counting a call must not cost a database round trip nor serialise every call of a grant on
 * one row, so each process counts in memory and adds its counts to datong.grant_usage about
 * once a second, reading back the day's total (every process's) as it does. Within one process
 * the quota is exact; with several processes serving the same grant, each may admit the calls
 * it has not yet seen from the others since its last flush (about a second's worth).
 */
export class DailyQuotas {
  private readonly usage = new Map<string, Usage>();
  /** Counts of a finished day not yet flushed. */
  private carried: { grantId: string; day: string; calls: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly now: () => Date = () => new Date(),
    private readonly flushMs = 1000,
  ) {}

  /** Admits one call under the grant, or says how long until the next day starts. */
  async take(grantId: string, quota: number): Promise<QuotaAnswer> {
    const day = shanghaiDay(this.now());
    let u = this.usage.get(grantId);
    if (!u || u.day !== day) {
      if (u?.local) this.carried.push({ grantId, day: u.day, calls: u.local });
      u = { day, base: 0, local: 0, readAt: 0, reading: undefined };
      this.usage.set(grantId, u);
    }
    // An idle process re-reads the day's total before trusting it again.
    if (!u.reading && Date.now() - u.readAt > 5 * this.flushMs && u.local === 0) {
      u.reading = this.read(grantId, u);
    }
    if (u.reading) await u.reading;
    if (u.base + u.local >= quota) return { ok: false, retryAfterSeconds: secondsToNextDay(this.now()) };
    u.local += 1;
    this.schedule();
    return { ok: true };
  }

  /** Calls admitted today under the grant, as far as this process knows. */
  usedToday(grantId: string): number | undefined {
    const u = this.usage.get(grantId);
    return u && u.day === shanghaiDay(this.now()) ? u.base + u.local : undefined;
  }

  private async read(grantId: string, u: Usage): Promise<void> {
    try {
      const { rows } = await this.pool.query<{ calls: number }>(
        'SELECT calls FROM datong.grant_usage WHERE grant_id = $1 AND day = $2',
        [grantId, u.day],
      );
      u.base = rows[0]?.calls ?? 0;
      u.readAt = Date.now();
    } finally {
      u.reading = undefined;
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, this.flushMs);
    this.timer.unref();
  }

  /** Adds this process's counts to the database and reads back the totals. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    const batch = this.carried;
    this.carried = [];
    const taken = new Map<string, Usage>();
    for (const [grantId, u] of this.usage) {
      if (!u.local) continue;
      batch.push({ grantId, day: u.day, calls: u.local });
      taken.set(grantId, u);
      u.local = 0;
    }
    if (!batch.length) return;
    this.flushing = (async () => {
      try {
        const { rows } = await this.pool.query<{ grant_id: string; day: string; calls: number }>(
          `INSERT INTO datong.grant_usage AS u (grant_id, day, calls)
           SELECT g, d, c FROM unnest($1::uuid[], $2::date[], $3::int8[]) AS x(g, d, c)
             WHERE EXISTS (SELECT 1 FROM datong.grants WHERE id = x.g)
           ON CONFLICT (grant_id, day) DO UPDATE SET calls = u.calls + EXCLUDED.calls
           RETURNING grant_id::text, day::text, calls`,
          [batch.map((b) => b.grantId), batch.map((b) => b.day), batch.map((b) => b.calls)],
        );
        for (const r of rows) {
          const u = taken.get(r.grant_id);
          if (u && u.day === r.day) {
            u.base = r.calls;
            u.readAt = Date.now();
          }
        }
      } catch (err) {
        // Not lost: counted again with the next flush.
        for (const b of batch) {
          const u = this.usage.get(b.grantId);
          if (u && u.day === b.day) u.local += b.calls;
          else this.carried.push(b);
        }
        this.schedule();
        throw err;
      } finally {
        this.flushing = undefined;
      }
    })();
    await this.flushing;
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
