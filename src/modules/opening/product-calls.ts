import { eventFor } from '../../platform/audit/types.js';
import type { RequestContext } from '../../platform/context.js';
import { PeriodCounts, type CountStore } from '../../platform/counters.js';
import { ident, type Pool } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor, Role } from '../../platform/policy/permissions.js';
import type { Services } from '../../platform/services.js';
import { endOfShanghaiDay, epochDayOf } from '../sharing/calendar.js';
import { asFilterError, compileFilter, type Condition } from '../sharing/filter.js';
import { subjectHashOf } from '../sharing/services.js';
import {
  productMessages,
  productProblem,
  ruleProblem,
  type CallInput,
  type CallResult,
  type Tier,
} from './product-schemas.js';
import { apiKeysOf } from './keys.js';
import { monthOf, openVersionOf, productRow, sourceOf, type ProductDbRow } from './products.js';

/**
 * Calls of data products (docs/OPENING.md "Data products"): POST /api/products/:id/call by the
 * holder of an approved subscription.
 *
 * - query: equality filters over the open version's columns the product exposes, paged by
 *   limit/offset (≤ 1,000 rows a page; rows in a stable order: every returned column);
 * - verify: {key, fields: {code: value}} against the source dataset → match / mismatch /
 *   not_found per field; a stored value is never returned;
 * - statistics: group by 1–3 of the product's groupBy columns, count, over the open version with
 *   optional filters; counts under the product's minCell are suppressed (null).
 *
 * Metering: each admitted call counts once towards its subscription's month (Asia/Shanghai) —
 * counted in memory and added to datong.product_usage about once a second, as the grants' daily
 * quotas are (src/modules/sharing/quota.ts). Over the tier's callsPerMonth → 429
 * product_quota_exhausted with Retry-After up to the next month's start (00:00 Asia/Shanghai);
 * over its ratePerMinute → 429 product_rate_limited with Retry-After until the next call fits.
 * Refused and invalid calls are not counted. Every call appends an audit event (product.call.*)
 * and answers only once it is durable; verify calls carry the keyed hashes (HMAC, node key
 * `subject`) of the 公民身份号码 / 统一社会信用代码 values they checked, never the values.
 */

// ---------------------------------------------------------------------------------------------
// Monthly metering

export type MeterAnswer = { ok: true; calls: number } | { ok: false; retryAfterSeconds: number };

/** Seconds from `now` until 00:00 Asia/Shanghai on the 1st of the next month, at least 1. */
export function secondsToNextMonth(now: Date): number {
  const [y, m] = monthOf(now).split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  const start = endOfShanghaiDay(epochDayOf(next) - 1).getTime() + 1;
  return Math.max(1, Math.ceil((start - now.getTime()) / 1000));
}

/** datong.product_usage: calls per subscription and month (YYYY-MM, stored as its first day). */
const productUsage: CountStore = {
  async read(pool, id, month) {
    const { rows } = await pool.query<{ calls: string }>(
      'SELECT calls FROM datong.product_usage WHERE subscription_id = $1 AND month = $2::date',
      [id, `${month}-01`],
    );
    return Number(rows[0]?.calls ?? 0);
  },
  async add(pool, batch) {
    const { rows } = await pool.query<{ id: string; month: string; calls: string }>(
      `INSERT INTO datong.product_usage AS u (subscription_id, month, calls)
       SELECT s, (m || '-01')::date, c FROM unnest($1::uuid[], $2::text[], $3::int8[]) AS x(s, m, c)
         WHERE EXISTS (SELECT 1 FROM datong.product_subscriptions WHERE id = x.s)
       ON CONFLICT (subscription_id, month) DO UPDATE SET calls = u.calls + EXCLUDED.calls
       RETURNING subscription_id::text AS id, to_char(month, 'YYYY-MM') AS month, calls`,
      [batch.map((b) => b.id), batch.map((b) => b.period), batch.map((b) => b.calls)],
    );
    return rows.map((r) => ({ id: r.id, period: r.month, calls: Number(r.calls) }));
  },
};

/**
 * Calls per subscription and month (src/platform/counters.ts). Within one process the count is
 * exact; several processes serving one subscription may each admit about a second's worth of
 * calls the others made.
 */
export class ProductMeter {
  private readonly counts: PeriodCounts;

  constructor(
    pool: Pool,
    private readonly now: () => Date = () => new Date(),
    flushMs = 1000,
  ) {
    this.counts = new PeriodCounts(pool, productUsage, monthOf, flushMs);
  }

  /** Admits one call of the subscription under `limit` calls a month. */
  async take(subscriptionId: string, limit: number): Promise<MeterAnswer> {
    const now = this.now();
    const { ok, calls } = await this.counts.take(subscriptionId, limit, now);
    return ok ? { ok: true, calls } : { ok: false, retryAfterSeconds: secondsToNextMonth(now) };
  }

  /** Adds this process's counts to the database and reads back the totals. */
  flush(): Promise<void> {
    return this.counts.flush();
  }
}

const meters = new WeakMap<Pool, ProductMeter>();

/** The one ProductMeter of a node process's pool. */
export function productMeterOf(pool: Pool): ProductMeter {
  let m = meters.get(pool);
  if (!m) {
    m = new ProductMeter(pool);
    meters.set(pool, m);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Per-minute rate (a token bucket per subscription, refilled continuously)

const buckets = new WeakMap<Pool, Map<string, { tokens: number; at: number; rate: number }>>();

/** Seconds until the subscription may call again under `perMinute` (0: now), without taking. */
function rateWait(pool: Pool, id: string, perMinute: number): number {
  let m = buckets.get(pool);
  if (!m) buckets.set(pool, (m = new Map()));
  const now = Date.now();
  const b = m.get(id) ?? { tokens: perMinute, at: now, rate: perMinute };
  if (b.rate !== perMinute) b.tokens = Math.min(b.tokens, perMinute);
  b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) / 60_000) * perMinute);
  b.at = now;
  b.rate = perMinute;
  m.set(id, b);
  return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - b.tokens) * 60) / perMinute));
}

function takeToken(pool: Pool, id: string): void {
  const b = buckets.get(pool)?.get(id);
  if (b) b.tokens -= 1;
}

// ---------------------------------------------------------------------------------------------
// The call

/**
 * The caller of a product call: the signed-in user, or — for a caller without a session — the
 * user whose public API key (`X-API-Key: <id>.<secret>`, src/modules/opening/keys.ts) is
 * presented. A key that does not verify, or whose user is disabled, is a 401.
 */
export async function callerContext(
  services: Services,
  ctx: RequestContext,
  presented: string | undefined,
): Promise<RequestContext> {
  if (ctx.actor.kind !== 'anonymous' || !presented) return ctx;
  const key = await apiKeysOf(services).verify(presented);
  if (!key) throw productProblem(401, 'product_api_key_invalid');
  const { rows } = await services.pool.query<{
    id: string;
    username: string;
    display_name: string;
    org_id: string;
    roles: Role[];
  }>(
    `SELECT u.id, u.username, u.display_name, u.org_id,
            ARRAY(SELECT role FROM datong.user_roles WHERE user_id = u.id ORDER BY role) AS roles
       FROM datong.open_api_keys k JOIN datong.users u ON u.id = k.user_id
      WHERE k.id = $1 AND NOT u.disabled`,
    [key.id],
  );
  const u = rows[0];
  if (!u) throw productProblem(401, 'product_api_key_invalid');
  const actor: Actor = {
    kind: 'user',
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    orgId: u.org_id,
    roles: u.roles,
    via: 'token',
  };
  return { ...ctx, actor };
}

interface Caller {
  product: ProductDbRow;
  subscriptionId: string;
  tier: Tier;
}

/** The caller's approved subscription to a published product, or the problem. */
async function callerOf(ctx: RequestContext, pool: Pool, productId: string): Promise<Caller> {
  const a = ctx.actor;
  if (a.kind !== 'user') throw productProblem(401, 'product_sign_in_required');
  const product = await productRow(pool, productId);
  if (!product || product.status === 'draft')
    throw productProblem(404, 'product_not_found', { id: productId });
  if (product.status !== 'published')
    throw productProblem(409, 'product_not_published', { name: product.name });
  const { rows } = await pool.query<{ id: string; tier: string }>(
    `SELECT id, tier FROM datong.product_subscriptions
      WHERE product_id = $1 AND subscriber_user_id = $2 AND status = 'approved'`,
    [productId, a.id],
  );
  const sub = rows[0];
  if (!sub) throw productProblem(403, 'product_not_subscribed');
  const tier = product.tiers.find((t) => t.name === sub.tier);
  if (!tier) throw productProblem(403, 'product_not_subscribed');
  return { product, subscriptionId: sub.id, tier };
}

const bad = ruleProblem('product_call_invalid');

function onlyKnown(given: string[], allowed: Set<string>, path: string): void {
  const extra = given.filter((c) => !allowed.has(c));
  if (extra.length) {
    throw bad(
      `该产品不提供这些信息项：${extra.join(', ')}`,
      `the product does not offer: ${extra.join(', ')}`,
      path,
    );
  }
}

/** Equality filters as one condition (undefined: none). */
function filtersOf(filters: Record<string, string> | undefined): Condition | undefined {
  const entries = Object.entries(filters ?? {});
  if (!entries.length) return undefined;
  return { and: entries.map(([field, value]) => ({ field, op: 'eq' as const, value })) };
}

/** A prepared call: checked against the product, the SQL to run and how to answer. */
interface Plan {
  sql: string;
  params: unknown[];
  answer: (rows: Record<string, unknown>[]) => Omit<CallResult, 'usage'>;
  audit: (rows: Record<string, unknown>[]) => Record<string, unknown>;
}

async function planQuery(pool: Pool, p: ProductDbRow, body: CallInput): Promise<Plan> {
  const open = await openVersionOf(pool, p.entry_id);
  if (!open) throw productProblem(409, 'product_no_open_version', { name: p.entry_name });
  if (body.key || body.groupBy)
    throw bad(
      '查询类产品只接受 filters、fields、limit、offset',
      'a query takes filters, fields, limit, offset',
    );
  if (body.fields !== undefined && !Array.isArray(body.fields)) {
    throw bad('fields 须为信息项代码数组', 'fields must be an array of codes', '/fields');
  }
  const offered = new Set((p.config.fields ?? []).filter((c) => open.columns.some((o) => o.code === c)));
  const wanted = body.fields ?? [...offered];
  onlyKnown(wanted, offered, '/fields');
  onlyKnown(Object.keys(body.filters ?? {}), offered, '/filters');
  const columns = open.columns.filter((c) => wanted.includes(c.code));
  const types = new Map(
    open.columns.filter((c) => offered.has(c.code)).map((c) => [c.code, { pgType: c.pgType }]),
  );
  const params: unknown[] = [];
  const cond = filtersOf(body.filters);
  const where = cond ? `WHERE ${compileFilter(cond, types, params, {})}` : '';
  const limit = body.limit ?? 100;
  const offset = body.offset ?? 0;
  const list = columns.map((c) => `${ident(c.code)}::text AS ${ident(c.code)}`).join(', ');
  const order = columns.map((c) => `${ident(c.code)} NULLS LAST`).join(', ');
  return {
    sql: `SELECT ${list} FROM open.${ident(open.name)} ${where} ORDER BY ${order}
           LIMIT ${limit + 1} OFFSET ${offset}`,
    params,
    answer: (rows) => ({
      kind: 'query',
      columns: columns.map((c) => ({ code: c.code, name: c.name })),
      rows: rows.slice(0, limit) as Record<string, string | null>[],
      limit,
      offset,
      hasMore: rows.length > limit,
    }),
    audit: (rows) => ({
      fields: columns.map((c) => c.code),
      filters: Object.keys(body.filters ?? {}),
      rows: Math.min(rows.length, limit),
      offset,
    }),
  };
}

async function planStatistics(pool: Pool, p: ProductDbRow, body: CallInput): Promise<Plan> {
  const open = await openVersionOf(pool, p.entry_id);
  if (!open) throw productProblem(409, 'product_no_open_version', { name: p.entry_name });
  if (body.key || body.fields || body.offset !== undefined) {
    throw bad('统计类产品只接受 groupBy、filters、limit', 'statistics take groupBy, filters, limit');
  }
  if (!body.groupBy) throw bad('请指定 groupBy', 'name groupBy', '/groupBy');
  const groupable = new Set((p.config.groupBy ?? []).filter((c) => open.columns.some((o) => o.code === c)));
  onlyKnown(body.groupBy, groupable, '/groupBy');
  onlyKnown(Object.keys(body.filters ?? {}), groupable, '/filters');
  const types = new Map(
    open.columns.filter((c) => groupable.has(c.code)).map((c) => [c.code, { pgType: c.pgType }]),
  );
  const params: unknown[] = [];
  const cond = filtersOf(body.filters);
  const where = cond ? `WHERE ${compileFilter(cond, types, params, {})}` : '';
  const keys = body.groupBy.map((c, i) => `${ident(c)}::text AS k${i}`).join(', ');
  const by = body.groupBy.map((_, i) => String(i + 1)).join(', ');
  const limit = body.limit ?? 1000;
  const minCell = p.config.minCell ?? 10;
  const groupBy = body.groupBy;
  return {
    sql: `SELECT ${keys}, count(*)::int AS n FROM open.${ident(open.name)} ${where}
           GROUP BY ${by} ORDER BY n DESC, ${by} LIMIT ${limit}`,
    params,
    answer: (rows) => ({
      kind: 'statistics',
      groupBy,
      groups: rows.map((r) => {
        const n = Number(r.n);
        const suppressed = n < minCell;
        return {
          key: Object.fromEntries(groupBy.map((c, i) => [c, (r[`k${i}`] as string | null) ?? null])),
          count: suppressed ? null : n,
          suppressed,
        };
      }),
    }),
    audit: (rows) => ({ groupBy, filters: Object.keys(body.filters ?? {}), groups: rows.length }),
  };
}

async function planVerify(services: Services, p: ProductDbRow, body: CallInput): Promise<Plan> {
  const src = await sourceOf(services.pool, p.entry_id);
  if (!src) throw productProblem(409, 'product_no_dataset', { name: p.entry_name });
  if (body.filters || body.groupBy || body.limit !== undefined || body.offset !== undefined) {
    throw bad('核验类产品只接受 key 和 fields', 'a verify call takes key and fields');
  }
  const key = body.key ?? {};
  const values = body.fields;
  if (!values || Array.isArray(values) || !Object.keys(values).length) {
    throw bad('fields 须为 {信息项代码: 值}', 'fields must be {code: value}', '/fields');
  }
  const keyFields = p.config.keyFields ?? [];
  const missing = keyFields.filter((k) => key[k] === undefined);
  if (missing.length)
    throw bad(
      `须给出全部主键信息项：${missing.join(', ')}`,
      `give every key field: ${missing.join(', ')}`,
      '/key',
    );
  onlyKnown(Object.keys(key), new Set(keyFields), '/key');
  onlyKnown(Object.keys(values), new Set(p.config.fields ?? []), '/fields');
  const types = new Map(src.columns.map((c) => [c.code, { pgType: c.pgType }]));
  const params: unknown[] = [];
  const keySql = compileFilter(
    { and: keyFields.map((k) => ({ field: k, op: 'eq' as const, value: key[k]! })) },
    types,
    params,
    {},
  );
  const checks = Object.entries(values).map(([field, value]) => {
    const eq = compileFilter({ field, op: 'eq', value }, types, params, {});
    return `${literal(field)}, (${eq}) IS TRUE`;
  });
  const subjects = new Set(src.subjects);
  const hashes = [
    ...new Set(
      [...Object.entries(key), ...Object.entries(values)]
        .filter(([code, v]) => subjects.has(code) && v !== '')
        .map(([, v]) => subjectHashOf(services.identity, v)),
    ),
  ];
  const fields = Object.keys(values);
  return {
    sql: `SELECT jsonb_build_object(${checks.join(', ')}) AS m FROM ds.${ident(src.name)} WHERE ${keySql} LIMIT 1`,
    params,
    answer: (rows) => {
      const m = rows[0]?.m as Record<string, boolean> | undefined;
      return {
        kind: 'verify',
        found: Boolean(m),
        fields: Object.fromEntries(fields.map((f) => [f, !m ? 'not_found' : m[f] ? 'match' : 'mismatch'])),
      };
    },
    audit: (rows) => ({
      fields,
      rows: rows.length,
      subjects: hashes,
      results: Object.fromEntries(
        fields.map((f) => {
          const m = rows[0]?.m as Record<string, boolean> | undefined;
          return [f, !m ? 'not_found' : m[f] ? 'match' : 'mismatch'];
        }),
      ),
    }),
  };
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * POST /api/products/:id/call — checks the caller's subscription and the call, admits it (rate,
 * then the month's quota), runs it, audits it durably, and answers with the month's use.
 */
export async function callProduct(
  services: Services,
  ctx: RequestContext,
  productId: string,
  body: CallInput,
): Promise<CallResult> {
  const pool = services.pool;
  const { product: p, subscriptionId, tier } = await callerOf(ctx, pool, productId);
  const plan =
    p.kind === 'query'
      ? await planQuery(pool, p, body)
      : p.kind === 'statistics'
        ? await planStatistics(pool, p, body)
        : await planVerify(services, p, body);

  const wait = rateWait(pool, subscriptionId, tier.ratePerMinute);
  if (wait > 0) {
    throw new AppError(
      429,
      'product_rate_limited',
      productMessages.product_rate_limited,
      { limit: tier.ratePerMinute },
      [],
      {
        'retry-after': String(wait),
      },
    );
  }
  const admitted = await productMeterOf(pool).take(subscriptionId, tier.callsPerMonth);
  if (!admitted.ok) {
    throw new AppError(
      429,
      'product_quota_exhausted',
      productMessages.product_quota_exhausted,
      { quota: tier.callsPerMonth },
      [],
      { 'retry-after': String(admitted.retryAfterSeconds) },
    );
  }
  takeToken(pool, subscriptionId);

  const { rows } = await pool.query<Record<string, unknown>>(plan.sql, plan.params).catch((err: unknown) => {
    throw asFilterError(err) ?? err;
  });
  try {
    await services.ledger.append(
      eventFor(ctx, {
        action: `product.call.${p.kind}`,
        objectType: 'data_product',
        objectId: p.id,
        detail: {
          product: p.id,
          subscription: subscriptionId,
          entry: p.entry_code,
          tier: tier.name,
          ...plan.audit(rows),
        },
      }),
    );
  } catch (err) {
    services.log.error({ err, product: p.id }, 'data product audit failed: call refused');
    throw productProblem(503, 'product_audit_unavailable');
  }
  return {
    ...plan.answer(rows),
    usage: { month: monthOf(new Date()), calls: admitted.calls, callsPerMonth: tier.callsPerMonth },
  };
}
