import { systemContext, type RequestContext } from '../../platform/context.js';
import { withTx, type Pool, type Queryable, type Tx } from '../../platform/db/pool.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import { defaultMask, type MaskFunction } from '../../platform/masking/index.js';
import type { Services } from '../../platform/services.js';
import * as catalog from '../catalog/store.js';
import type { Content } from '../catalog/store.js';
import { maintains, publiclyVisible, viewerOf } from '../catalog/visibility.js';
import { getApp } from '../identity/store.js';
import { pgType } from '../ingest/check.js';
import { addWorkingDays, shanghaiDay } from './calendar.js';
import {
  actsFor,
  auditStep,
  deadlineOf,
  insertStepEvent,
  keysetPage,
  notify,
  rowById,
  seesRow,
  stepEvents,
  userIdOf,
  type KeysetOrder,
  type Notification,
  type Page,
  type Step,
} from './common.js';
import { compileFilter, type Condition } from './filter.js';
import {
  addYears,
  DEFAULT_RATE_LIMIT,
  expireGrants,
  insertGrant,
  isDay,
  MAX_VALIDITY_YEARS,
} from './grants.js';
import {
  actorOf,
  illegal,
  requireReason,
  scopeOf,
  shareProblem,
  validityProblem,
  type ApproveInput,
  type CreateRequestInput,
  type ListRequestsInput,
  type RequestStatus,
  type ShareEvent,
  type ShareRequest,
  type SharingContext,
} from './schemas.js';

/**
 * Share requests (共享申请, docs/SHARING.md "Share requests and grants").
 *
 * A department (the consumer) asks, for one of its applications and a named scenario, for fields
 * of another department's published catalog entry, for a validity of at most three years and
 * optionally only some rows (rowScope). By the entry's share type:
 *   - none: refused at once (409 share_not_allowed, with the entry's legal basis); nothing stored;
 *   - unconditional: granted at once (status approved, the grant created, masking by piiKind);
 *   - conditional: submitted; the provider's approvers decide within 10 working days (due_at):
 *     approve, possibly narrowing fields, masking, row filter, validity, rate and quota, or refuse
 *     with a reason.
 * An entry of grade ≥ 3, important or core (needs_review) goes to the platform after the
 * provider approves (provider_approved, 5 working days, review_due_at), and the sysadmin approves
 * or refuses. An unconditional entry that needs review goes straight to the platform: declaring
 * it unconditional is the provider's approval given in advance. The consumer may withdraw an
 * undecided request. Every step is a share_request_events row and an audit event (share.request,
 * share.approve, share.refuse, share.review, share.withdraw) in the step's transaction.
 *
 * Masking: each granted field gets the approver's explicit choice or else its piiKind's default
 * (defaultMask); only an explicit 'none' unmasks personal data, and the audit event lists such
 * fields (`unmasked`). An approver's row filter is ANDed with the requested row scope, so an
 * approval can only narrow what was asked for.
 */

/** Working days the provider has to answer, and the platform to review. */
export const PROVIDER_DAYS = 10;
export const REVIEW_DAYS = 5;

// ---------------------------------------------------------------------------------------------
// Rows

interface RequestDbRow {
  id: string;
  status: RequestStatus;
  consumer_org_id: string;
  consumer_org_name: string;
  app_id: string;
  app_name: string;
  entry_id: string;
  entry_code: string;
  entry_name: string;
  catalog_version: number;
  provider_org_id: string;
  provider_org_name: string;
  fields: string[];
  scenario: ShareRequest['scenario'];
  expected_volume: ShareRequest['expectedVolume'];
  valid_from: string;
  valid_to: string;
  row_scope: Condition | null;
  share_type: 'unconditional' | 'conditional';
  needs_review: boolean;
  due_at: Date;
  review_due_at: Date | null;
  decided_by_name: string | null;
  decided_at: Date | null;
  reviewed_by_name: string | null;
  reviewed_at: Date | null;
  reason: string | null;
  adjustments: Adjustments;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
  grant_id: string | null;
  created_key: string;
  due_key: string;
  review_key: string | null;
}

/** What the provider's approval narrowed (stored with the request, applied to the grant). */
interface Adjustments {
  fields?: string[];
  masking?: Record<string, MaskFunction>;
  rowFilter?: Condition;
  validTo?: string;
  rateLimit?: number;
  dailyQuota?: number;
}

const REQUEST_SELECT = `SELECT r.id, r.status, r.consumer_org_id, co.name AS consumer_org_name, r.app_id,
    a.name AS app_name, r.entry_id, e.code AS entry_code, v.name AS entry_name, r.catalog_version,
    r.provider_org_id, po.name AS provider_org_name, r.fields, r.scenario, r.expected_volume,
    r.valid_from::text AS valid_from, r.valid_to::text AS valid_to, r.row_scope, r.share_type, r.needs_review,
    r.due_at, r.review_due_at, r.decided_by_name, r.decided_at, r.reviewed_by_name, r.reviewed_at, r.reason,
    r.adjustments, r.created_by_name, r.created_at, r.updated_at, g.id AS grant_id,
    r.created_at::text AS created_key, r.due_at::text AS due_key, r.review_due_at::text AS review_key
  FROM datong.share_requests r
  JOIN datong.orgs co ON co.id = r.consumer_org_id
  JOIN datong.orgs po ON po.id = r.provider_org_id
  JOIN datong.apps a ON a.id = r.app_id
  JOIN datong.catalog_entries e ON e.id = r.entry_id
  JOIN datong.catalog_versions v ON v.entry_id = r.entry_id AND v.version = r.catalog_version
  LEFT JOIN datong.grants g ON g.request_id = r.id`;

/** The deadline of whoever holds the request now, or null once it is decided. */
function deadline(r: Pick<RequestDbRow, 'status' | 'due_at' | 'review_due_at'>): Date | null {
  if (r.status === 'submitted') return r.due_at;
  if (r.status === 'provider_approved') return r.review_due_at;
  return null;
}

/** SQL: the request is undecided and past its current deadline ($n = now). */
const overdueSql = (now: string) =>
  `((r.status = 'submitted' AND r.due_at < ${now}) OR (r.status = 'provider_approved' AND r.review_due_at < ${now}))`;

async function presentRequest(q: Queryable, r: RequestDbRow, now: Date): Promise<ShareRequest> {
  const due = deadline(r);
  return {
    id: r.id,
    status: r.status,
    consumerOrgId: r.consumer_org_id,
    consumerOrgName: r.consumer_org_name,
    appId: r.app_id,
    appName: r.app_name,
    entryId: r.entry_id,
    entryCode: r.entry_code,
    entryName: r.entry_name,
    catalogVersion: r.catalog_version,
    providerOrgId: r.provider_org_id,
    providerOrgName: r.provider_org_name,
    fields: r.fields,
    scenario: r.scenario,
    expectedVolume: r.expected_volume,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    rowScope: r.row_scope,
    shareType: r.share_type,
    needsReview: r.needs_review,
    dueAt: r.due_at.toISOString(),
    reviewDueAt: r.review_due_at?.toISOString() ?? null,
    ...(await deadlineOf(q, due, now)),
    decidedByName: r.decided_by_name,
    decidedAt: r.decided_at?.toISOString() ?? null,
    reviewedByName: r.reviewed_by_name,
    reviewedAt: r.reviewed_at?.toISOString() ?? null,
    reason: r.reason,
    adjustments: r.adjustments as Record<string, unknown>,
    grantId: r.grant_id,
    createdByName: r.created_by_name,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const requestRow = (q: Queryable, id: string, lock = false): Promise<RequestDbRow | undefined> =>
  rowById(q, REQUEST_SELECT, 'r', id, lock);

const requestEvents = (q: Queryable, id: string): Promise<ShareEvent[]> => stepEvents(q, 'request', id);

const insertEvent = (ctx: RequestContext, tx: Tx, requestId: string, step: Step): Promise<void> =>
  insertStepEvent(ctx, tx, 'request', requestId, step);

async function audit(
  ctx: SharingContext,
  tx: Tx,
  action: string,
  r: {
    id: string;
    entryId: string;
    entryCode: string;
    appId: string;
    consumerOrgId: string;
    providerOrgId: string;
  },
  /** The acting organisation; undefined: the actor's own. */
  orgId: string | null | undefined,
  detail: Record<string, unknown>,
): Promise<void> {
  await auditStep(ctx, tx, action, { type: 'share_request', id: r.id }, orgId, {
    entryId: r.entryId,
    entryCode: r.entryCode,
    appId: r.appId,
    consumerOrgId: r.consumerOrgId,
    providerOrgId: r.providerOrgId,
    ...detail,
  });
}

const refOf = (r: RequestDbRow) => ({
  id: r.id,
  entryId: r.entry_id,
  entryCode: r.entry_code,
  appId: r.app_id,
  consumerOrgId: r.consumer_org_id,
  providerOrgId: r.provider_org_id,
});

// ---------------------------------------------------------------------------------------------
// Checks

/** The filter compiler's columns: every field of the catalog version. */
function columnsOf(content: Content): Map<string, { pgType: string }> {
  return new Map(content.fields.map((f) => [f.code, { pgType: pgType(f) }]));
}

/** What '$consumer.…' values in a filter stand for. */
async function consumerContext(q: Queryable, orgId: string): Promise<Record<string, string>> {
  const { rows } = await q.query<{ region_code: string }>(
    'SELECT region_code FROM datong.orgs WHERE id = $1',
    [orgId],
  );
  return { orgId, regionCode: rows[0]?.region_code ?? '' };
}

/** Throws the filter compiler's problem (400) for a condition it refuses. */
function checkCondition(
  c: Condition,
  columns: ReadonlyMap<string, { pgType: string }>,
  context: Record<string, string>,
): void {
  compileFilter(c, columns, [], context);
}

const needsReview = (c: Content): boolean => c.grade >= 3 || c.important || c.core;

function validity(from: string, to: string, today: string): void {
  const bad = validityProblem;
  if (!isDay(from)) throw bad(`${from} 不是有效日期`, `${from} is not a date`);
  if (!isDay(to)) throw bad(`${to} 不是有效日期`, `${to} is not a date`);
  if (from < today) throw bad(`起始日期不能早于今天 ${today}`, `it cannot start before today, ${today}`);
  if (to < from) throw bad('截止日期早于起始日期', 'it ends before it starts');
  const max = addYears(from, MAX_VALIDITY_YEARS);
  if (to > max) {
    throw bad(
      `有效期最长 ${MAX_VALIDITY_YEARS} 年（截止日期最晚为 ${max}）`,
      `it may run ${MAX_VALIDITY_YEARS} years at most (to ${max})`,
    );
  }
}

/** The published catalog version a request is made against, if the caller may request it. */
async function requestableEntry(ctx: SharingContext, tx: Tx, entryId: string) {
  const viewer = await viewerOf(tx, ctx.actor);
  const entry = await catalog.getEntry(tx, entryId);
  if (!entry) throw shareProblem(404, 'share_entry_not_found');
  const own = maintains(viewer, entry.providerOrgId);
  const version = entry.publishedVersion
    ? await catalog.getVersion(tx, entryId, entry.publishedVersion)
    : undefined;
  if (!own && !publiclyVisible(viewer, version)) throw shareProblem(404, 'share_entry_not_found');
  if (!version || version.status !== 'published') {
    const working = await catalog.getVersion(tx, entryId, entry.workingVersion);
    throw shareProblem(409, 'share_entry_not_published', {
      name: version?.content.name ?? working?.content.name,
    });
  }
  return { entry, version };
}

async function versionContent(q: Queryable, entryId: string, version: number): Promise<Content> {
  const row = await catalog.getVersion(q, entryId, version);
  if (!row) throw new Error(`catalog version ${entryId}/${version} is missing`);
  return row.content;
}

// ---------------------------------------------------------------------------------------------
// Granting

/** Creates the grant of an approved request from the request and the provider's adjustments. */
async function grant(ctx: SharingContext, tx: Tx, r: RequestDbRow, content: Content): Promise<GrantOutcome> {
  const adj = r.adjustments;
  const fields = adj.fields ?? r.fields;
  const byCode = new Map(content.fields.map((f) => [f.code, f]));
  const masking: Record<string, MaskFunction> = {};
  const unmasked: string[] = [];
  for (const code of fields) {
    const pii = byCode.get(code)?.piiKind ?? 'none';
    masking[code] = adj.masking?.[code] ?? defaultMask(pii);
    if (pii !== 'none' && masking[code] === 'none') unmasked.push(code);
  }
  const rowFilter: Condition | null =
    r.row_scope && adj.rowFilter ? { and: [r.row_scope, adj.rowFilter] } : (adj.rowFilter ?? r.row_scope);
  const grantId = await insertGrant(ctx, tx, {
    requestId: r.id,
    appId: r.app_id,
    consumerOrgId: r.consumer_org_id,
    entryId: r.entry_id,
    catalogVersion: r.catalog_version,
    providerOrgId: r.provider_org_id,
    fields,
    masking,
    rowFilter,
    rateLimit: adj.rateLimit ?? DEFAULT_RATE_LIMIT,
    dailyQuota: adj.dailyQuota ?? Math.min(r.expected_volume.perDay, 100_000_000),
    validFrom: r.valid_from,
    validTo: adj.validTo ?? r.valid_to,
    scenarioName: r.scenario.name,
  });
  return { grantId, fields, masking, unmasked };
}

interface GrantOutcome {
  grantId: string;
  fields: string[];
  masking: Record<string, MaskFunction>;
  unmasked: string[];
}

const grantDetail = (g: GrantOutcome) => ({
  grantId: g.grantId,
  grantedFields: g.fields,
  masking: g.masking,
  ...(g.unmasked.length ? { unmasked: g.unmasked } : {}),
});

// ---------------------------------------------------------------------------------------------
// Use cases

export interface Clock {
  /** The time the step happens at (tests); default now. */
  now?: Date;
}

/** POST /api/share/requests. */
export async function createRequest(
  ctx: SharingContext,
  tx: Tx,
  input: CreateRequestInput,
  opts: Clock = {},
): Promise<ShareRequest> {
  const now = opts.now ?? new Date();
  const a = ctx.actor;
  if (a.kind !== 'user') throw shareProblem(403, 'share_user_only');
  const { entry, version } = await requestableEntry(ctx, tx, input.entryId);
  const content = version.content;
  if (entry.providerOrgId === a.orgId) throw shareProblem(409, 'share_own_entry');
  if (content.shareType === 'none') {
    throw shareProblem(409, 'share_not_allowed', {
      name: content.name,
      basis: content.shareCondition ?? '—',
    });
  }
  const app = await getApp(tx, input.appId);
  if (!app || app.orgId !== a.orgId) {
    throw shareProblem(400, 'share_app_invalid', { appId: input.appId }, [
      { path: '/appId', message: 'not an application of your organisation' },
    ]);
  }
  if (input.fields.length === 0 && content.fields.length > 0) {
    throw shareProblem(400, 'share_fields_required', {}, [
      { path: '/fields', message: 'at least one field' },
    ]);
  }
  const known = new Set(content.fields.map((f) => f.code));
  const unknown = input.fields.filter((c) => !known.has(c));
  if (unknown.length) {
    throw shareProblem(400, 'share_fields_unknown', { codes: unknown.join(', ') }, [
      { path: '/fields', message: unknown.join(', ') },
    ]);
  }
  const asked = new Set(input.fields);
  const fields = content.fields.map((f) => f.code).filter((c) => asked.has(c));
  validity(input.validFrom, input.validTo, shanghaiDay(now));
  if (input.rowScope) {
    checkCondition(input.rowScope, columnsOf(content), await consumerContext(tx, a.orgId));
  }

  const unconditional = content.shareType === 'unconditional';
  const review = needsReview(content);
  const status: RequestStatus = !unconditional ? 'submitted' : review ? 'provider_approved' : 'approved';
  const dueAt = unconditional ? now : await addWorkingDays(tx, now, PROVIDER_DAYS);
  const reviewDueAt = status === 'provider_approved' ? await addWorkingDays(tx, now, REVIEW_DAYS) : null;
  let id: string;
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO datong.share_requests (consumer_org_id, app_id, entry_id, catalog_version, provider_org_id,
         fields, scenario, expected_volume, valid_from, valid_to, row_scope, share_type, needs_review, status,
         due_at, review_due_at, decided_at, created_by, created_by_name, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)
       RETURNING id`,
      [
        a.orgId,
        app.id,
        entry.id,
        version.version,
        entry.providerOrgId,
        fields,
        JSON.stringify({ ...input.scenario, appId: app.id }),
        JSON.stringify(input.expectedVolume),
        input.validFrom,
        input.validTo,
        input.rowScope ? JSON.stringify(input.rowScope) : null,
        content.shareType,
        review,
        status,
        dueAt,
        reviewDueAt,
        unconditional ? now : null,
        a.id,
        a.displayName,
        now,
      ],
    );
    id = rows[0]!.id;
  } catch (e) {
    if ((e as { code?: unknown }).code === '23505') throw shareProblem(409, 'share_request_pending');
    throw e;
  }
  await insertEvent(ctx, tx, id, {
    action: 'submit',
    from: null,
    to: unconditional ? 'submitted' : status,
    detail: { fields, scenario: input.scenario.name, dueAt: dueAt.toISOString() },
  });
  const row = (await requestRow(tx, id))!;
  let outcome: GrantOutcome | undefined;
  if (unconditional) {
    // Approved by the share type: recorded as the system's step, not the requester's.
    const system = { ...systemContext('share:unconditional', ctx.lang), services: ctx.services };
    if (status === 'approved') {
      outcome = await grant(system, tx, row, content);
      await insertEvent(system, tx, id, {
        action: 'grant',
        from: 'submitted',
        to: 'approved',
        comment: '无条件共享，自动批准 unconditional: granted at once',
        detail: grantDetail(outcome),
      });
    } else {
      await insertEvent(system, tx, id, {
        action: 'approve',
        from: 'submitted',
        to: 'provider_approved',
        comment: '无条件共享，待平台审核 unconditional: the platform reviews',
        detail: { reviewDueAt: reviewDueAt!.toISOString() },
      });
    }
  }
  await audit(ctx, tx, 'share.request', refOf(row), a.orgId, {
    fields,
    scenario: input.scenario.name,
    shareType: content.shareType,
    needsReview: review,
    status,
    dueAt: dueAt.toISOString(),
    ...(input.rowScope ? { rowScope: input.rowScope } : {}),
    ...(outcome ? grantDetail(outcome) : {}),
  });
  return presentRequest(tx, (await requestRow(tx, id))!, now);
}

/** A request the caller sees, with its events; others are missing (404). */
export async function getRequest(
  ctx: SharingContext,
  q: Queryable,
  id: string,
  opts: Clock = {},
): Promise<ShareRequest> {
  const row = await requestRow(q, id);
  const scope = await scopeOf(q, ctx.actor);
  if (!row || !seesRow(scope, row)) throw shareProblem(404, 'share_request_not_found', { id });
  return { ...(await presentRequest(q, row, opts.now ?? new Date())), events: await requestEvents(q, id) };
}

export type RequestPage = Page<ShareRequest>;

/**
 * The caller's requests by box: inbox (to the organisations they provide for: their own, org
 * admins with sub-organisations; most urgent first), outbox (from their organisation; newest
 * first), review (reached the platform, sysadmin only; awaiting it unless `status` says
 * otherwise; most urgent first), all (sysadmin; newest first). Keyset pages.
 */
export async function listRequests(
  ctx: SharingContext,
  q: Queryable,
  input: ListRequestsInput,
  opts: Clock = {},
): Promise<RequestPage> {
  const now = opts.now ?? new Date();
  const scope = await scopeOf(q, ctx.actor);
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  let order: KeysetOrder<'created_key' | 'due_key' | 'review_key'>;
  let status = input.status;
  switch (input.box) {
    case 'inbox':
      where.push(`r.provider_org_id = ANY(${p(scope.provides)}::uuid[])`);
      order = { key: 'r.due_at', keyText: 'due_key', dir: 'ASC' };
      break;
    case 'outbox':
      where.push(`r.consumer_org_id = ${p(scope.orgId)}::uuid`);
      order = { key: 'r.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
    case 'review':
      if (!scope.platform) throw shareProblem(403, 'share_review_only');
      where.push('r.review_due_at IS NOT NULL');
      status ??= 'provider_approved';
      order = { key: 'r.review_due_at', keyText: 'review_key', dir: 'ASC' };
      break;
    case 'all':
      if (!scope.platform) throw shareProblem(403, 'share_review_only');
      order = { key: 'r.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
  }
  if (status) where.push(`r.status = ${p(status)}`);
  if (input.overdue !== undefined) {
    where.push(`${input.overdue ? '' : 'NOT '}${overdueSql(`${p(now)}::timestamptz`)}`);
  }
  return keysetPage(q, {
    select: REQUEST_SELECT,
    idColumn: 'r.id',
    where,
    params,
    order,
    cursor: input.cursor,
    limit: input.limit,
    present: (r: RequestDbRow) => presentRequest(q, r, now),
  });
}

/** Locks a request the caller sees; 404 otherwise. */
async function lockVisible(ctx: SharingContext, tx: Tx, id: string) {
  const row = await requestRow(tx, id, true);
  const scope = await scopeOf(tx, ctx.actor);
  if (!row || !seesRow(scope, row)) throw shareProblem(404, 'share_request_not_found', { id });
  return { row, scope };
}

/** Locks a request for its provider's decision: 404 unseen, 403 not the provider's approver. */
async function lockForProvider(ctx: SharingContext, tx: Tx, id: string): Promise<RequestDbRow> {
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (!actsFor(scope, row.provider_org_id)) throw shareProblem(403, 'share_out_of_scope');
  return row;
}

async function setDecision(
  tx: Tx,
  id: string,
  set: {
    status: RequestStatus;
    decidedBy?: { id: string | null; name: string | null };
    reviewedBy?: { id: string | null; name: string | null };
    reason?: string | null;
    adjustments?: Adjustments;
    reviewDueAt?: Date;
  },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE datong.share_requests SET status = $2,
       decided_by = CASE WHEN $3::boolean THEN $4::uuid ELSE decided_by END,
       decided_by_name = CASE WHEN $3::boolean THEN $5 ELSE decided_by_name END,
       decided_at = CASE WHEN $3::boolean THEN $12 ELSE decided_at END,
       reviewed_by = CASE WHEN $6::boolean THEN $7::uuid ELSE reviewed_by END,
       reviewed_by_name = CASE WHEN $6::boolean THEN $8 ELSE reviewed_by_name END,
       reviewed_at = CASE WHEN $6::boolean THEN $12 ELSE reviewed_at END,
       reason = COALESCE($9, reason),
       adjustments = COALESCE($10::jsonb, adjustments),
       review_due_at = COALESCE($11, review_due_at),
       updated_at = $12
     WHERE id = $1`,
    [
      id,
      set.status,
      set.decidedBy !== undefined,
      userIdOf(set.decidedBy),
      set.decidedBy?.name ?? null,
      set.reviewedBy !== undefined,
      userIdOf(set.reviewedBy),
      set.reviewedBy?.name ?? null,
      set.reason ?? null,
      set.adjustments ? JSON.stringify(set.adjustments) : null,
      set.reviewDueAt ?? null,
      now,
    ],
  );
}

/**
 * POST /api/share/requests/:id/approve — the provider's approval, possibly narrowing: fields (a
 * subset of those requested), masking per granted field, a row filter (ANDed with the requested
 * row scope), an earlier last day, a rate limit and a daily quota. Needs review → provider_approved
 * (the platform has 5 working days); else approved, and the grant is created.
 */
export async function approveRequest(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: ApproveInput,
  opts: Clock = {},
): Promise<ShareRequest> {
  const now = opts.now ?? new Date();
  const row = await lockForProvider(ctx, tx, id);
  if (row.status !== 'submitted') throw illegal(row.status, '批准 approve');
  const content = await versionContent(tx, row.entry_id, row.catalog_version);
  const adj: Adjustments = {};
  if (input.fields) {
    const asked = new Set(row.fields);
    const extra = input.fields.filter((c) => !asked.has(c));
    if (extra.length) {
      throw shareProblem(400, 'share_fields_not_requested', { codes: extra.join(', ') }, [
        { path: '/fields', message: extra.join(', ') },
      ]);
    }
    const keep = new Set(input.fields);
    adj.fields = row.fields.filter((c) => keep.has(c));
  }
  if (input.masking) {
    const granted = new Set(adj.fields ?? row.fields);
    const extra = Object.keys(input.masking).filter((c) => !granted.has(c));
    if (extra.length) {
      throw shareProblem(400, 'share_masking_invalid', { codes: extra.join(', ') }, [
        { path: '/masking', message: extra.join(', ') },
      ]);
    }
    adj.masking = input.masking as Record<string, MaskFunction>;
  }
  if (input.rowFilter) {
    const combined: Condition = row.row_scope ? { and: [row.row_scope, input.rowFilter] } : input.rowFilter;
    checkCondition(combined, columnsOf(content), await consumerContext(tx, row.consumer_org_id));
    adj.rowFilter = input.rowFilter;
  }
  if (input.validTo !== undefined) {
    const bad = validityProblem;
    if (!isDay(input.validTo)) throw bad(`${input.validTo} 不是有效日期`, `${input.validTo} is not a date`);
    if (input.validTo > row.valid_to) {
      throw bad(
        `批准时只能缩短有效期（申请的截止日期为 ${row.valid_to}）`,
        `an approval can only shorten the validity (requested to ${row.valid_to})`,
      );
    }
    if (input.validTo < row.valid_from) {
      throw bad(`截止日期早于起始日期 ${row.valid_from}`, `it ends before it starts (${row.valid_from})`);
    }
    adj.validTo = input.validTo;
  }
  if (input.rateLimit !== undefined) adj.rateLimit = input.rateLimit;
  if (input.dailyQuota !== undefined) adj.dailyQuota = input.dailyQuota;

  const who = actorOf(ctx);
  const comment = input.comment?.trim() || null;
  const review = row.needs_review;
  const reviewDueAt = review ? await addWorkingDays(tx, now, REVIEW_DAYS) : undefined;
  const to: RequestStatus = review ? 'provider_approved' : 'approved';
  await setDecision(
    tx,
    id,
    { status: to, decidedBy: who, adjustments: adj, ...(reviewDueAt ? { reviewDueAt } : {}) },
    now,
  );
  let outcome: GrantOutcome | undefined;
  if (!review) outcome = await grant(ctx, tx, { ...row, adjustments: adj }, content);
  await insertEvent(ctx, tx, id, {
    action: 'approve',
    from: row.status,
    to,
    comment,
    detail: {
      adjustments: adj,
      ...(reviewDueAt ? { reviewDueAt: reviewDueAt.toISOString() } : {}),
      ...(outcome ? grantDetail(outcome) : {}),
    },
  });
  await audit(ctx, tx, 'share.approve', refOf(row), row.provider_org_id, {
    from: row.status,
    to,
    adjustments: adj,
    ...(comment ? { comment } : {}),
    ...(outcome ? grantDetail(outcome) : {}),
  });
  return getRequest(ctx, tx, id, { now });
}

/** POST /api/share/requests/:id/refuse — the provider refuses, with a reason (≥ 2 characters). */
export async function refuseRequest(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<ShareRequest> {
  const now = opts.now ?? new Date();
  const why = requireReason(reason);
  const row = await lockForProvider(ctx, tx, id);
  if (row.status !== 'submitted') throw illegal(row.status, '拒绝 refuse');
  await setDecision(tx, id, { status: 'refused', decidedBy: actorOf(ctx), reason: why }, now);
  await insertEvent(ctx, tx, id, { action: 'refuse', from: row.status, to: 'refused', comment: why });
  await audit(ctx, tx, 'share.refuse', refOf(row), row.provider_org_id, {
    from: row.status,
    to: 'refused',
    reason: why,
  });
  return getRequest(ctx, tx, id, { now });
}

/**
 * POST /api/share/requests/:id/review — the platform's decision on a provider-approved request of
 * an entry of grade ≥ 3, important or core: approve (the grant is created with the provider's
 * adjustments) or refuse with a reason.
 */
export async function reviewRequest(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: { decision: 'approve' | 'refuse'; reason?: string | undefined },
  opts: Clock = {},
): Promise<ShareRequest> {
  const now = opts.now ?? new Date();
  const why = input.decision === 'refuse' ? requireReason(input.reason) : input.reason?.trim() || null;
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (!scope.platform) throw shareProblem(403, 'share_review_only');
  if (row.status !== 'provider_approved') throw illegal(row.status, '审核 review');
  const who = actorOf(ctx);
  let outcome: GrantOutcome | undefined;
  const to: RequestStatus = input.decision === 'approve' ? 'approved' : 'refused';
  if (input.decision === 'approve') {
    await setDecision(tx, id, { status: to, reviewedBy: who }, now);
    outcome = await grant(ctx, tx, row, await versionContent(tx, row.entry_id, row.catalog_version));
  } else {
    await setDecision(tx, id, { status: to, reviewedBy: who, reason: why }, now);
  }
  await insertEvent(ctx, tx, id, {
    action: input.decision === 'approve' ? 'review_approve' : 'review_refuse',
    from: row.status,
    to,
    comment: why,
    detail: outcome ? grantDetail(outcome) : {},
  });
  await audit(ctx, tx, 'share.review', refOf(row), undefined, {
    decision: input.decision,
    from: row.status,
    to,
    ...(why ? { reason: why } : {}),
    ...(outcome ? grantDetail(outcome) : {}),
  });
  return getRequest(ctx, tx, id, { now });
}

/** POST /api/share/requests/:id/withdraw — the requesting organisation takes back an undecided request. */
export async function withdrawRequest(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<ShareRequest> {
  const now = opts.now ?? new Date();
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (row.consumer_org_id !== scope.orgId) throw shareProblem(403, 'share_not_consumer');
  if (row.status !== 'submitted' && row.status !== 'provider_approved')
    throw illegal(row.status, '撤回 withdraw');
  const why = reason?.trim() || null;
  await setDecision(tx, id, { status: 'withdrawn', reason: why }, now);
  await insertEvent(ctx, tx, id, { action: 'withdraw', from: row.status, to: 'withdrawn', comment: why });
  await audit(ctx, tx, 'share.withdraw', refOf(row), row.consumer_org_id, {
    from: row.status,
    to: 'withdrawn',
    ...(why ? { reason: why } : {}),
  });
  return getRequest(ctx, tx, id, { now });
}

// ---------------------------------------------------------------------------------------------
// Overdue

export type { Notification };

/**
 * Notifies once per deadline passed: a request still `submitted` after due_at → one notification
 * to the provider organisation (`share.overdue`); one still `provider_approved` after
 * review_due_at → one to each enabled sysadmin (`share.review_overdue`). Each also gets an
 * `overdue` / `review_overdue` event. The claim (overdue_notified_at) and the notifications
 * commit together, so concurrent jobs never notify twice. Answers the notifications written.
 */
export async function markOverdue(pool: Pool, now: Date = new Date()): Promise<Notification[]> {
  return withTx(pool, async (tx) => {
    const out: Notification[] = [];
    const payload = (r: RequestDbRow, due: Date) => ({
      requestId: r.id,
      entryId: r.entry_id,
      entryCode: r.entry_code,
      entryName: r.entry_name,
      consumerOrgId: r.consumer_org_id,
      consumerOrgName: r.consumer_org_name,
      providerOrgId: r.provider_org_id,
      providerOrgName: r.provider_org_name,
      scenario: r.scenario.name,
      dueAt: due.toISOString(),
    });
    const insert = async (
      kind: string,
      to: { orgId?: string; userId?: string },
      body: Record<string, unknown>,
    ) => {
      out.push(await notify(tx, kind, to, body));
    };
    const system = systemContext('job:share:overdue');

    const { rows: late } = await tx.query<{ id: string }>(
      `UPDATE datong.share_requests SET overdue_notified_at = $1
        WHERE status = 'submitted' AND due_at < $1 AND overdue_notified_at IS NULL RETURNING id`,
      [now],
    );
    for (const { id } of late) {
      const r = (await requestRow(tx, id))!;
      await insert('share.overdue', { orgId: r.provider_org_id }, payload(r, r.due_at));
      await insertEvent(system, tx, id, {
        action: 'overdue',
        from: r.status,
        to: r.status,
        detail: { dueAt: r.due_at.toISOString() },
      });
    }

    const { rows: lateReview } = await tx.query<{ id: string }>(
      `UPDATE datong.share_requests SET review_overdue_notified_at = $1
        WHERE status = 'provider_approved' AND review_due_at < $1 AND review_overdue_notified_at IS NULL
        RETURNING id`,
      [now],
    );
    if (lateReview.length) {
      const { rows: reviewers } = await tx.query<{ id: string }>(
        `SELECT u.id FROM datong.users u JOIN datong.user_roles ur ON ur.user_id = u.id
          WHERE ur.role = 'sysadmin' AND NOT u.disabled ORDER BY u.id`,
      );
      for (const { id } of lateReview) {
        const r = (await requestRow(tx, id))!;
        for (const u of reviewers) {
          await insert('share.review_overdue', { userId: u.id }, payload(r, r.review_due_at!));
        }
        await insertEvent(system, tx, id, {
          action: 'review_overdue',
          from: r.status,
          to: r.status,
          detail: { reviewDueAt: r.review_due_at!.toISOString() },
        });
      }
    }
    return out;
  });
}

/**
 * The job queue's tasks: `share:overdue` every 10 minutes (overdue notifications) and
 * `share:expire` hourly (grants past their last day).
 */
export function sharingTasks(services: Services): ScheduledTask[] {
  const overdue: Task = async () => {
    const sent = await markOverdue(services.pool, new Date());
    if (sent.length) services.log.info({ notifications: sent.length }, 'share requests overdue');
  };
  const expire: Task = async () => {
    const expired = await expireGrants(services, new Date());
    if (expired.length) services.log.info({ grants: expired.length }, 'grants expired');
  };
  return [
    { name: 'share:overdue', schedule: '*/10 * * * *', task: overdue },
    { name: 'share:expire', schedule: '7 * * * *', task: expire },
  ];
}
