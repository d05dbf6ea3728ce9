import type { Pool } from './db/pool.js';

/**
 * Calls counted per id and period (a day, a month) against a limit, for quotas that must not cost
 * a database round trip per call nor serialise every call of one id on one row: each process
 * counts in memory and adds its counts to a table about once a second, reading back the period's
 * total (every process's) as it does. Within one process a limit is exact; with several processes
 * serving the same id, each may admit the calls it has not yet seen from the others since its last
 * flush (about a second's worth).
 *
 * Used by the daily quotas of grants (sharing/quota.ts), of public API keys (opening/open-limits.ts)
 * and the monthly meters of data products (opening/product-calls.ts); each supplies its table.
 */

export interface Count {
  id: string;
  period: string;
  calls: number;
}

/** Where the counts live: a table keyed by (id, period) with a running total of calls. */
export interface CountStore {
  /** The stored total of an id and period (0 when there is none). */
  read(pool: Pool, id: string, period: string): Promise<number>;
  /** Adds counts (ids that no longer exist are dropped); answers the new totals. */
  add(pool: Pool, batch: readonly Count[]): Promise<Count[]>;
}

interface Usage {
  period: string;
  /** The period's total in the database when last read (every process's flushed calls). */
  base: number;
  /** Calls this process admitted since, not yet added to the database. */
  local: number;
  readAt: number;
  reading: Promise<void> | undefined;
}

export class PeriodCounts {
  private readonly usage = new Map<string, Usage>();
  /** Counts of a finished period not yet flushed. */
  private carried: Count[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly store: CountStore,
    /** The period a time falls in, e.g. its Asia/Shanghai day. */
    private readonly periodOf: (at: Date) => string,
    private readonly flushMs = 1000,
  ) {}

  /** Admits one call of `id` at `now` if fewer than `limit` were admitted in its period. */
  async take(id: string, limit: number, now: Date): Promise<{ ok: boolean; calls: number }> {
    const period = this.periodOf(now);
    let u = this.usage.get(id);
    if (!u || u.period !== period) {
      if (u?.local) this.carried.push({ id, period: u.period, calls: u.local });
      u = { period, base: 0, local: 0, readAt: 0, reading: undefined };
      this.usage.set(id, u);
    }
    // An idle process re-reads the period's total before trusting it again.
    if (!u.reading && Date.now() - u.readAt > 5 * this.flushMs && u.local === 0) {
      u.reading = this.read(id, u);
    }
    if (u.reading) await u.reading;
    if (u.base + u.local >= limit) return { ok: false, calls: u.base + u.local };
    u.local += 1;
    this.schedule();
    return { ok: true, calls: u.base + u.local };
  }

  /** Calls admitted for `id` in the period of `now`, as far as this process knows. */
  used(id: string, now: Date): number | undefined {
    const u = this.usage.get(id);
    return u && u.period === this.periodOf(now) ? u.base + u.local : undefined;
  }

  private async read(id: string, u: Usage): Promise<void> {
    try {
      u.base = await this.store.read(this.pool, id, u.period);
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
    for (const [id, u] of this.usage) {
      if (!u.local) continue;
      batch.push({ id, period: u.period, calls: u.local });
      taken.set(id, u);
      u.local = 0;
    }
    if (!batch.length) return;
    this.flushing = (async () => {
      try {
        for (const r of await this.store.add(this.pool, batch)) {
          const u = taken.get(r.id);
          if (u && u.period === r.period) {
            u.base = r.calls;
            u.readAt = Date.now();
          }
        }
      } catch (err) {
        // Not lost: counted again with the next flush.
        for (const b of batch) {
          const u = this.usage.get(b.id);
          if (u && u.period === b.period) u.local += b.calls;
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
