import { systemContext, type RequestContext } from '../../platform/context.js';
import { withTx, type Queryable, type Tx } from '../../platform/db/pool.js';
import type { MaskFunction } from '../../platform/masking/index.js';
import type { Services } from '../../platform/services.js';
import { epochDayOf, shanghaiDay } from './calendar.js';
import {
  actsFor,
  auditStep,
  insertStepEvent,
  keysetPage,
  rowById,
  seesRow,
  stepEvents,
  type Page,
  type Step,
} from './common.js';
import type { Condition } from './filter.js';
import {
  illegal,
  requireReason,
  scopeOf,
  shareProblem,
  validityProblem,
  type Grant,
  type GrantStatus,
  type ListGrantsInput,
  type ShareEvent,
  type SharingContext,
} from './schemas.js';

/**
 * Grants (授权, docs/SHARING.md): what an application may read of a catalog entry — fields, a row
 * filter, masking per field, a rate limit, a daily quota, a validity — created when a share
 * request is approved (requests.ts). The provider side (approvers and org admins of the provider
 * organisation, org admins also for its sub-organisations) suspends, resumes, revokes and renews
 * them; each step is a grant_events row and an audit event (`grant.<action>`) in one transaction.
 * Every write to datong.grants NOTIFYs `datong_grants` (a trigger), so data-service caches drop
 * the grant on commit.
 *
 * Status: active ⇄ suspended (suspend / resume); active | suspended | expired → revoked (final);
 * active → expired once its last day has passed (the `share:expire` job). Renewal moves valid_to
 * later: an expired grant becomes active again, a suspended one stays suspended.
 */

/** The most a validity may run (the request's and a renewal's), in years. */
export const MAX_VALIDITY_YEARS = 3;
/** Requests per second of a grant unless the approver sets another. */
export const DEFAULT_RATE_LIMIT = 10;

// ---------------------------------------------------------------------------------------------
// Days

/** YYYY-MM-DD plus n years; a 29 February with no twin becomes 28 February (as PostgreSQL does). */
export function addYears(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y + n, m, 0)).getUTCDate();
  return `${String(y + n).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Whether a string is a real YYYY-MM-DD date. */
export function isDay(day: string): boolean {
  try {
    epochDayOf(day);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Rows

interface GrantDbRow {
  id: string;
  request_id: string;
  status: GrantStatus;
  app_id: string;
  app_name: string;
  consumer_org_id: string;
  consumer_org_name: string;
  entry_id: string;
  entry_code: string;
  entry_name: string;
  catalog_version: number;
  provider_org_id: string;
  provider_org_name: string;
  fields: string[];
  masking: Record<string, MaskFunction>;
  row_filter: Condition | null;
  rate_limit: number;
  daily_quota: number;
  used_today: number;
  valid_from: string;
  valid_to: string;
  status_reason: string | null;
  scenario_name: string;
  created_at: Date;
  updated_at: Date;
  created_key: string;
}

const GRANT_SELECT = `SELECT g.id, g.request_id, g.status, g.app_id, a.name AS app_name,
    g.consumer_org_id, co.name AS consumer_org_name, g.entry_id, e.code AS entry_code, v.name AS entry_name,
    g.catalog_version, g.provider_org_id, po.name AS provider_org_name, g.fields, g.masking, g.row_filter,
    g.rate_limit, g.daily_quota, g.valid_from::text AS valid_from, g.valid_to::text AS valid_to,
    coalesce((SELECT calls FROM datong.grant_usage gu WHERE gu.grant_id = g.id
               AND gu.day = (now() AT TIME ZONE 'Asia/Shanghai')::date), 0)::int8 AS used_today,
    g.status_reason, g.scenario_name, g.created_at, g.updated_at, g.created_at::text AS created_key
  FROM datong.grants g
  JOIN datong.apps a ON a.id = g.app_id
  JOIN datong.orgs co ON co.id = g.consumer_org_id
  JOIN datong.orgs po ON po.id = g.provider_org_id
  JOIN datong.catalog_entries e ON e.id = g.entry_id
  JOIN datong.catalog_versions v ON v.entry_id = g.entry_id AND v.version = g.catalog_version`;

function presentGrant(r: GrantDbRow): Grant {
  return {
    id: r.id,
    requestId: r.request_id,
    status: r.status,
    appId: r.app_id,
    appName: r.app_name,
    consumerOrgId: r.consumer_org_id,
    consumerOrgName: r.consumer_org_name,
    entryId: r.entry_id,
    entryCode: r.entry_code,
    entryName: r.entry_name,
    catalogVersion: r.catalog_version,
    providerOrgId: r.provider_org_id,
    providerOrgName: r.provider_org_name,
    fields: r.fields,
    masking: r.masking,
    rowFilter: r.row_filter,
    rateLimit: r.rate_limit,
    dailyQuota: r.daily_quota,
    usedToday: r.used_today,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    statusReason: r.status_reason,
    scenarioName: r.scenario_name,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const grantRow = (q: Queryable, id: string, lock = false): Promise<GrantDbRow | undefined> =>
  rowById(q, GRANT_SELECT, 'g', id, lock);

const grantEvents = (q: Queryable, id: string): Promise<ShareEvent[]> => stepEvents(q, 'grant', id);

const insertGrantEvent = (ctx: RequestContext, tx: Tx, grantId: string, step: Step): Promise<void> =>
  insertStepEvent(ctx, tx, 'grant', grantId, step);

// ---------------------------------------------------------------------------------------------
// Creating (from requests.ts, inside the approving transaction)

export interface GrantSpec {
  requestId: string;
  appId: string;
  consumerOrgId: string;
  entryId: string;
  catalogVersion: number;
  providerOrgId: string;
  fields: string[];
  masking: Record<string, MaskFunction>;
  rowFilter: Condition | null;
  rateLimit: number;
  dailyQuota: number;
  validFrom: string;
  validTo: string;
  scenarioName: string;
}

/**
 * Writes the grant of an approved request and its `create` event. The audit event is the
 * approving step's (share.request, share.approve or share.review), which names the grant.
 */
export async function insertGrant(ctx: SharingContext, tx: Tx, spec: GrantSpec): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO datong.grants (request_id, app_id, consumer_org_id, entry_id, catalog_version, provider_org_id,
       fields, masking, row_filter, rate_limit, daily_quota, valid_from, valid_to, scenario_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [
      spec.requestId,
      spec.appId,
      spec.consumerOrgId,
      spec.entryId,
      spec.catalogVersion,
      spec.providerOrgId,
      spec.fields,
      JSON.stringify(spec.masking),
      spec.rowFilter === null ? null : JSON.stringify(spec.rowFilter),
      spec.rateLimit,
      spec.dailyQuota,
      spec.validFrom,
      spec.validTo,
      spec.scenarioName,
    ],
  );
  const id = rows[0]!.id;
  await insertGrantEvent(ctx, tx, id, {
    action: 'create',
    from: null,
    to: 'active',
    detail: { requestId: spec.requestId, fields: spec.fields, masking: spec.masking, validTo: spec.validTo },
  });
  return id;
}

// ---------------------------------------------------------------------------------------------
// Reading

export type GrantPage = Page<Grant>;

/**
 * The caller's grants: `consumer` those of their organisation's applications, `provider` those on
 * entries of the organisations they provide for (org admins: with sub-organisations), `all` (the
 * platform only) every grant. Newest first, keyset pages.
 */
export async function listGrants(
  ctx: SharingContext,
  q: Queryable,
  input: ListGrantsInput,
): Promise<GrantPage> {
  const scope = await scopeOf(q, ctx.actor);
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (input.box === 'consumer') where.push(`g.consumer_org_id = ${p(scope.orgId)}::uuid`);
  else if (input.box === 'provider') where.push(`g.provider_org_id = ANY(${p(scope.provides)}::uuid[])`);
  else if (!scope.platform) throw shareProblem(403, 'share_review_only');
  if (input.status) where.push(`g.status = ${p(input.status)}`);
  return keysetPage(q, {
    select: GRANT_SELECT,
    idColumn: 'g.id',
    where,
    params,
    order: { key: 'g.created_at', keyText: 'created_key', dir: 'DESC' },
    cursor: input.cursor,
    limit: input.limit,
    present: presentGrant,
  });
}

/** A grant the caller sees (consumer org, provider side, platform) with its events; else 404. */
export async function getGrant(ctx: SharingContext, q: Queryable, id: string): Promise<Grant> {
  const row = await grantRow(q, id);
  const scope = await scopeOf(q, ctx.actor);
  if (!row || !seesRow(scope, row)) throw shareProblem(404, 'share_grant_not_found', { id });
  return { ...presentGrant(row), events: await grantEvents(q, id) };
}

// ---------------------------------------------------------------------------------------------
// Provider-side changes

export type GrantAction = 'suspend' | 'resume' | 'revoke' | 'renew';

/** Locks a grant the caller may change as its provider: 404 if they do not see it, 403 if not theirs. */
async function lockForProvider(ctx: SharingContext, tx: Tx, id: string): Promise<GrantDbRow> {
  const row = await grantRow(tx, id, true);
  const scope = await scopeOf(tx, ctx.actor);
  if (!row || !seesRow(scope, row)) throw shareProblem(404, 'share_grant_not_found', { id });
  if (!actsFor(scope, row.provider_org_id)) throw shareProblem(403, 'share_out_of_scope');
  return row;
}

async function change(
  ctx: SharingContext,
  tx: Tx,
  row: GrantDbRow,
  action: GrantAction | 'expire',
  set: { status: GrantStatus; reason?: string | null; validTo?: string },
  detail: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    `UPDATE datong.grants SET status = $2, status_reason = CASE WHEN $3::boolean THEN $4 ELSE status_reason END,
       valid_to = COALESCE($5::date, valid_to), updated_at = now() WHERE id = $1`,
    [row.id, set.status, set.reason !== undefined, set.reason ?? null, set.validTo ?? null],
  );
  await insertGrantEvent(ctx, tx, row.id, {
    action,
    from: row.status,
    to: set.status,
    comment: set.reason ?? null,
    detail,
  });
  await auditStep(ctx, tx, `grant.${action}`, { type: 'grant', id: row.id }, row.provider_org_id, {
    requestId: row.request_id,
    appId: row.app_id,
    consumerOrgId: row.consumer_org_id,
    entryId: row.entry_id,
    entryCode: row.entry_code,
    from: row.status,
    to: set.status,
    ...(set.reason ? { reason: set.reason } : {}),
    ...detail,
  });
}

/** active → suspended: the next data call is refused (the reason is optional). */
export async function suspendGrant(ctx: SharingContext, tx: Tx, id: string, reason?: string): Promise<Grant> {
  const row = await lockForProvider(ctx, tx, id);
  if (row.status !== 'active') throw illegal(row.status, '暂停 suspend');
  await change(ctx, tx, row, 'suspend', { status: 'suspended', reason: reason?.trim() || null });
  return getGrant(ctx, tx, id);
}

/** suspended → active, unless its last day has passed meanwhile (then: renew first). */
export async function resumeGrant(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  opts: { now?: Date } = {},
): Promise<Grant> {
  const row = await lockForProvider(ctx, tx, id);
  if (row.status !== 'suspended') throw illegal(row.status, '恢复 resume');
  if (row.valid_to < shanghaiDay(opts.now ?? new Date())) {
    throw shareProblem(409, 'share_grant_lapsed', { validTo: row.valid_to });
  }
  await change(ctx, tx, row, 'resume', { status: 'active', reason: null });
  return getGrant(ctx, tx, id);
}

/** active | suspended | expired → revoked, for good; a reason is required. */
export async function revokeGrant(ctx: SharingContext, tx: Tx, id: string, reason?: string): Promise<Grant> {
  const why = requireReason(reason);
  const row = await lockForProvider(ctx, tx, id);
  if (row.status === 'revoked') throw illegal(row.status, '撤销 revoke');
  await change(ctx, tx, row, 'revoke', { status: 'revoked', reason: why });
  return getGrant(ctx, tx, id);
}

/**
 * Extends valid_to: later than now, no further than three years from today (Asia/Shanghai). An
 * expired grant becomes active again; a suspended one stays suspended; a revoked one cannot.
 */
export async function renewGrant(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  validTo: string,
  opts: { now?: Date } = {},
): Promise<Grant> {
  const row = await lockForProvider(ctx, tx, id);
  if (row.status === 'revoked') throw illegal(row.status, '续期 renew');
  const today = shanghaiDay(opts.now ?? new Date());
  const max = addYears(today, MAX_VALIDITY_YEARS);
  const bad = validityProblem;
  if (!isDay(validTo)) throw bad(`${validTo} 不是有效日期`, `${validTo} is not a date`);
  if (validTo <= row.valid_to) {
    throw bad(
      `续期后的截止日期须晚于当前的 ${row.valid_to}`,
      `the new last day must be after ${row.valid_to}`,
    );
  }
  if (validTo < today)
    throw bad(`截止日期不能早于今天 ${today}`, `the last day cannot be before today, ${today}`);
  if (validTo > max) {
    throw bad(
      `截止日期最晚为 ${max}（自今日起 ${MAX_VALIDITY_YEARS} 年）`,
      `the last day can be ${max} at the latest (${MAX_VALIDITY_YEARS} years from today)`,
    );
  }
  const status: GrantStatus = row.status === 'expired' ? 'active' : row.status;
  await change(ctx, tx, row, 'renew', { status, validTo }, { validTo: { from: row.valid_to, to: validTo } });
  return getGrant(ctx, tx, id);
}

/**
 * Marks every active grant whose last day has passed (Asia/Shanghai) as expired, with an event
 * and an audit event (`grant.expire`, actor `job:share:expire`). Answers the grants expired.
 */
export async function expireGrants(services: Services, now: Date = new Date()): Promise<string[]> {
  const ctx: SharingContext = { ...systemContext('job:share:expire'), services };
  return withTx(services.pool, async (tx) => {
    const { rows: ids } = await tx.query<{ id: string }>(
      `SELECT id FROM datong.grants WHERE status = 'active' AND valid_to < $1::date ORDER BY id FOR UPDATE SKIP LOCKED`,
      [shanghaiDay(now)],
    );
    for (const { id } of ids) {
      const row = (await grantRow(tx, id))!;
      await change(ctx, tx, row, 'expire', { status: 'expired' }, { validTo: row.valid_to });
    }
    return ids.map((r) => r.id);
  });
}
