import { PeriodCounts, type CountStore } from '../../platform/counters.js';
import type { Pool } from '../../platform/db/pool.js';
import { shanghaiDay } from '../sharing/calendar.js';
import { secondsToNextDay } from '../sharing/quota.js';
import { publicProblem } from './public-messages.js';

/**
 * Limits of the public API (docs/OPENING.md "Limits"): per API key a rate per minute and a daily
 * quota; per client IP without a key, a small rate per minute. Both are answered with 429 and a
 * Retry-After before any work is done.
 *
 * Rates are token buckets in memory (capacity = the rate per minute, refilled continuously), as
 * the gateway's are. Daily quotas are counted in memory and added to datong.open_api_usage about
 * once a second, reading back the day's total as they go — the scheme of the sharing quotas
 * (src/modules/sharing/quota.ts), whose table is the grants'.
 */

export const DEFAULT_KEY_RATE_PER_MINUTE = 600;
export const DEFAULT_KEY_DAILY_QUOTA = 50_000;
export const DEFAULT_IP_RATE_PER_MINUTE = 120;

export type Clock = () => Date;

/** Token buckets of `perMinute` tokens, refilled at perMinute / 60 a second. */
export class MinuteBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number) {}

  /** Takes a token, or answers how many seconds until one is there (≥ 1). */
  take(id: string, perMinute: number): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    if (this.buckets.size > 50_000) {
      for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
    }
    const perMs = perMinute / 60_000;
    const b = this.buckets.get(id) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + Math.max(0, now - b.at) * perMs);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens < 1) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    }
    b.tokens -= 1;
    return { ok: true };
  }

  forget(id: string): void {
    this.buckets.delete(id);
  }
}

/** datong.open_api_usage: calls per key and Asia/Shanghai day; last_used_at once a flush. */
const keyUsage: CountStore = {
  async read(pool, keyId, day) {
    const { rows } = await pool.query<{ calls: number }>(
      'SELECT calls FROM datong.open_api_usage WHERE key_id = $1 AND day = $2',
      [keyId, day],
    );
    return Number(rows[0]?.calls ?? 0);
  },
  async add(pool, batch) {
    const { rows } = await pool.query<{ key_id: string; day: string; calls: number }>(
      `INSERT INTO datong.open_api_usage AS u (key_id, day, calls)
       SELECT k, d, c FROM unnest($1::uuid[], $2::date[], $3::int8[]) AS x(k, d, c)
         WHERE EXISTS (SELECT 1 FROM datong.open_api_keys WHERE id = x.k)
       ON CONFLICT (key_id, day) DO UPDATE SET calls = u.calls + EXCLUDED.calls
       RETURNING key_id::text, day::text, calls`,
      [batch.map((b) => b.id), batch.map((b) => b.period), batch.map((b) => b.calls)],
    );
    // last_used_at is written here, once a flush, not on every call.
    await pool.query(`UPDATE datong.open_api_keys SET last_used_at = now() WHERE id = ANY($1::uuid[])`, [
      [...new Set(batch.map((b) => b.id))],
    ]);
    return rows.map((r) => ({ id: r.key_id, period: r.day, calls: Number(r.calls) }));
  },
};

/** Daily call counts per API key (datong.open_api_usage, src/platform/counters.ts). */
export class KeyQuotas {
  private readonly counts: PeriodCounts;

  constructor(
    pool: Pool,
    private readonly clock: () => Clock,
    flushMs = 1000,
  ) {
    this.counts = new PeriodCounts(pool, keyUsage, shanghaiDay, flushMs);
  }

  async take(keyId: string, quota: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const now = this.clock()();
    const { ok } = await this.counts.take(keyId, quota, now);
    return ok ? { ok: true } : { ok: false, retryAfterSeconds: secondsToNextDay(now) };
  }

  /** Calls admitted today under the key as far as this process knows; undefined if it never saw it. */
  usedToday(keyId: string): number | undefined {
    return this.counts.used(keyId, this.clock()());
  }

  /** Adds this process's counts to the database and reads back the totals. */
  flush(): Promise<void> {
    return this.counts.flush();
  }
}

/** The key a call is made with, once verified (see keys.ts). */
export interface CallerKey {
  id: string;
  /** The key's owner. */
  userId: string;
  rateLimit: number;
  dailyQuota: number;
}

/** Every limit of the public API in one process: per-key rates and quotas, per-IP rates. */
export class OpenLimits {
  private clock: Clock = () => new Date();
  readonly keyRates = new MinuteBuckets(() => this.clock().getTime());
  readonly ipRates = new MinuteBuckets(() => this.clock().getTime());
  readonly quotas: KeyQuotas;
  /** Calls per minute of one client IP without a key (DATONG_OPEN_IP_RATE overrides the default). */
  ipRatePerMinute = positiveInt(process.env.DATONG_OPEN_IP_RATE) ?? DEFAULT_IP_RATE_PER_MINUTE;

  constructor(pool: Pool) {
    this.quotas = new KeyQuotas(pool, () => this.clock);
  }

  /** Tests move time; the node never calls this. */
  useClock(clock: Clock): void {
    this.clock = clock;
  }

  now(): Date {
    return this.clock();
  }

  /** Admits one call, or throws the 429 problem with its Retry-After. */
  async admit(key: CallerKey | null, ip: string | null): Promise<void> {
    if (!key) {
      const r = this.ipRates.take(`ip:${ip ?? 'unknown'}`, this.ipRatePerMinute);
      if (!r.ok) throw rateLimited(this.ipRatePerMinute, r.retryAfterSeconds);
      return;
    }
    const r = this.keyRates.take(key.id, key.rateLimit);
    if (!r.ok) throw rateLimited(key.rateLimit, r.retryAfterSeconds);
    const q = await this.quotas.take(key.id, key.dailyQuota);
    if (!q.ok) {
      throw publicProblem(
        429,
        'open_quota_exhausted',
        { quota: key.dailyQuota },
        { 'retry-after': String(q.retryAfterSeconds) },
      );
    }
  }

  /**
   * A refused key costs its caller's IP a token, so that guessing keys is rate-limited too:
   * throws the 429 once the IP's tokens are gone (the caller then throws its 401).
   */
  chargeIp(ip: string | null): void {
    const r = this.ipRates.take(`ip:${ip ?? 'unknown'}`, this.ipRatePerMinute);
    if (!r.ok) throw rateLimited(this.ipRatePerMinute, r.retryAfterSeconds);
  }
}

function positiveInt(raw: string | undefined): number | undefined {
  const n = Number(raw);
  return raw && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function rateLimited(limit: number, retryAfter: number) {
  return publicProblem(
    429,
    'open_rate_limited',
    { limit, retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}

const shared = new WeakMap<Pool, OpenLimits>();

/** The one OpenLimits of a node process's pool. */
export function openLimitsOf(pool: Pool): OpenLimits {
  let l = shared.get(pool);
  if (!l) {
    l = new OpenLimits(pool);
    shared.set(pool, l);
  }
  return l;
}
