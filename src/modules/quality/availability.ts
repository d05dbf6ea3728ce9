import type { Pool } from '../../platform/db/pool.js';
import { shanghaiDay } from '../sharing/calendar.js';

/**
 * Service availability for the scorecards (docs/QUALITY.md "Scorecards"): data-service calls and
 * the 5xx among them, per provider organisation and Asia/Shanghai day, in
 * datong.service_availability.
 *
 * Counting sits on the data services' hot path, so it costs a Map update: each process counts in
 * memory and adds its counts to the table about once a second (as the daily quotas do,
 * src/modules/sharing/quota.ts), in one statement. A failed flush keeps the counts for the next
 * one; counting never throws and never delays a call.
 */
export class ServiceAvailability {
  private counts = new Map<string, { orgId: string; day: string; calls: number; errors: number }>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly now: () => Date = () => new Date(),
    private readonly flushMs = 1000,
  ) {}

  /** Counts one answered call of the provider organisation's services (`failed`: a 5xx). */
  count(orgId: string, failed: boolean): void {
    const day = shanghaiDay(this.now());
    const k = `${orgId}|${day}`;
    let c = this.counts.get(k);
    if (!c) {
      c = { orgId, day, calls: 0, errors: 0 };
      this.counts.set(k, c);
    }
    c.calls += 1;
    if (failed) c.errors += 1;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, this.flushMs);
    this.timer.unref();
  }

  /** Adds the counts so far to the table. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (!this.counts.size) return;
    const batch = [...this.counts.values()];
    this.counts = new Map();
    this.flushing = (async () => {
      try {
        await this.pool.query(
          `INSERT INTO datong.service_availability AS a (org_id, day, calls, errors)
           SELECT o, d, c, e FROM unnest($1::uuid[], $2::date[], $3::int8[], $4::int8[]) AS x(o, d, c, e)
             WHERE EXISTS (SELECT 1 FROM datong.orgs WHERE id = x.o)
           ON CONFLICT (org_id, day) DO UPDATE SET calls = a.calls + EXCLUDED.calls, errors = a.errors + EXCLUDED.errors`,
          [
            batch.map((b) => b.orgId),
            batch.map((b) => b.day),
            batch.map((b) => b.calls),
            batch.map((b) => b.errors),
          ],
        );
      } catch (err) {
        // Not lost: added again with the next flush.
        for (const b of batch) {
          const k = `${b.orgId}|${b.day}`;
          const c = this.counts.get(k);
          if (c) {
            c.calls += b.calls;
            c.errors += b.errors;
          } else this.counts.set(k, b);
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

const shared = new WeakMap<Pool, ServiceAvailability>();

/** The one ServiceAvailability of a node process's pool. */
export function serviceAvailabilityOf(pool: Pool): ServiceAvailability {
  let a = shared.get(pool);
  if (!a) {
    a = new ServiceAvailability(pool);
    shared.set(pool, a);
  }
  return a;
}
