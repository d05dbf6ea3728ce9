import { systemContext, type RequestContext } from '../../platform/context.js';
import { withTx, type Pool, type Queryable, type Tx } from '../../platform/db/pool.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { isUscc } from '../../platform/validators/index.js';
import * as catalog from '../catalog/store.js';
import { publiclyVisible, viewerOf } from '../catalog/visibility.js';
import { addWorkingDays, endOfShanghaiDay, epochDayOf, shanghaiDay } from '../sharing/calendar.js';
import {
  actsFor,
  auditStep,
  deadlineOf,
  insertStepEvent,
  keysetPage,
  notify,
  rowById,
  stepEvents,
  userIdOf,
  type EventSubject,
  type KeysetOrder,
  type Page,
  type Step,
} from '../sharing/common.js';
import { actorOf, scopeOf, type ShareEvent, type SharingContext } from '../sharing/schemas.js';
import {
  APPLICATION_STATUS_LABEL,
  conditionalProblem,
  OPEN_AGREEMENT,
  type ApplicationStatus,
  type CreateApplicationInput,
  type ListApplicationsInput,
  type MyApplicationsInput,
  type OpenApplication,
} from './conditional-schemas.js';

/**
 * Conditional opening (有条件开放, docs/OPENING.md "Conditional opening").
 *
 * A public user applies for an entry whose published catalog version is openType 'conditional',
 * stating the purpose, the applicant organisation and its 统一社会信用代码 (check character
 * verified), the intended use and the security measures, and accepting the agreement (its text
 * version is stored). The provider's approvers decide within 10 working days (approve, possibly
 * shortening the term, or refuse with a reason); the platform (share.review) then decides within
 * 5 working days. Approved: the applicant reads the entry's open version until expires_at (the end
 * of the last day of the granted months, Asia/Shanghai), which `conditionalAccess` answers for the
 * public data API. The applicant may withdraw an undecided application. Every step is an
 * open_application_events row and an audit event (open.apply, open.approve, open.refuse,
 * open.review, open.withdraw, open.expire) in the step's transaction.
 */

export const PROVIDER_DAYS = 10;
export const REVIEW_DAYS = 5;

export interface Clock {
  now?: Date;
}

// ---------------------------------------------------------------------------------------------
// Step events (shared with the product subscriptions): the sharing module's step-event tables

type OpenSubject = Extract<EventSubject, 'application' | 'subscription'>;

export const insertOpenEvent = (ctx: RequestContext, tx: Tx, subject: OpenSubject, id: string, step: Step) =>
  insertStepEvent(ctx, tx, subject, id, step);

export const openEvents = (q: Queryable, subject: OpenSubject, id: string): Promise<ShareEvent[]> =>
  stepEvents(q, subject, id);

/** A reason of at least two characters, or 400 open_reason_required. */
export function openReason(reason: string | undefined | null): string {
  const r = reason?.trim() ?? '';
  if ([...r].length < 2) {
    throw conditionalProblem(400, 'open_reason_required', {}, [{ path: '/reason', message: 'required' }]);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Rows

interface ApplicationDbRow {
  id: string;
  status: ApplicationStatus;
  entry_id: string;
  entry_code: string;
  entry_name: string;
  catalog_version: number;
  provider_org_id: string;
  provider_org_name: string;
  applicant_user_id: string;
  applicant_name: string;
  applicant_org_name: string;
  applicant_uscc: string;
  purpose: string;
  intended_use: string;
  security_measures: string;
  agreement_version: string;
  agreement_accepted_at: Date;
  months: number;
  granted_months: number | null;
  due_at: Date;
  review_due_at: Date | null;
  provider_decision: 'approve' | 'refuse' | null;
  provider_reason: string | null;
  provider_by_name: string | null;
  provider_at: Date | null;
  platform_decision: 'approve' | 'refuse' | null;
  platform_reason: string | null;
  platform_by_name: string | null;
  platform_at: Date | null;
  withdraw_reason: string | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  created_key: string;
  due_key: string;
  review_key: string | null;
}

const SELECT = `SELECT a.*, e.code AS entry_code, v.name AS entry_name, po.name AS provider_org_name,
    a.created_at::text AS created_key, a.due_at::text AS due_key, a.review_due_at::text AS review_key
  FROM datong.open_applications a
  JOIN datong.catalog_entries e ON e.id = a.entry_id
  JOIN datong.catalog_versions v ON v.entry_id = a.entry_id AND v.version = a.catalog_version
  JOIN datong.orgs po ON po.id = a.provider_org_id`;

const applicationRow = (q: Queryable, id: string, lock = false) =>
  rowById<ApplicationDbRow>(q, SELECT, 'a', id, lock);

function deadline(r: ApplicationDbRow): Date | null {
  if (r.status === 'submitted') return r.due_at;
  if (r.status === 'provider_approved') return r.review_due_at;
  return null;
}

async function present(q: Queryable, r: ApplicationDbRow, now: Date): Promise<OpenApplication> {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: r.id,
    status: r.status,
    entryId: r.entry_id,
    entryCode: r.entry_code,
    entryName: r.entry_name,
    catalogVersion: r.catalog_version,
    providerOrgId: r.provider_org_id,
    providerOrgName: r.provider_org_name,
    applicantUserId: r.applicant_user_id,
    applicantName: r.applicant_name,
    applicantOrgName: r.applicant_org_name,
    applicantUscc: r.applicant_uscc,
    purpose: r.purpose,
    intendedUse: r.intended_use,
    securityMeasures: r.security_measures,
    agreementVersion: r.agreement_version,
    agreementAcceptedAt: r.agreement_accepted_at.toISOString(),
    months: r.months,
    grantedMonths: r.granted_months,
    dueAt: r.due_at.toISOString(),
    reviewDueAt: iso(r.review_due_at),
    ...(await deadlineOf(q, deadline(r), now)),
    providerDecision: r.provider_decision,
    providerReason: r.provider_reason,
    providerByName: r.provider_by_name,
    providerAt: iso(r.provider_at),
    platformDecision: r.platform_decision,
    platformReason: r.platform_reason,
    platformByName: r.platform_by_name,
    platformAt: iso(r.platform_at),
    withdrawReason: r.withdraw_reason,
    expiresAt: iso(r.expires_at),
    active: r.status === 'approved' && r.expires_at !== null && r.expires_at.getTime() > now.getTime(),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const illegal = (status: ApplicationStatus, action: string) =>
  conditionalProblem(409, 'open_illegal_transition', { status: APPLICATION_STATUS_LABEL[status], action });

async function audit(
  ctx: SharingContext,
  tx: Tx,
  action: string,
  r: ApplicationDbRow,
  orgId: string | null | undefined,
  detail: Record<string, unknown>,
): Promise<void> {
  await auditStep(ctx, tx, action, { type: 'open_application', id: r.id }, orgId, {
    entryId: r.entry_id,
    entryCode: r.entry_code,
    providerOrgId: r.provider_org_id,
    applicantUserId: r.applicant_user_id,
    applicantUscc: r.applicant_uscc,
    ...detail,
  });
}

/** YYYY-MM-DD `months` months after `day`, clamped to the month's last day (01-31 + 1 → 02-28). */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The end (Asia/Shanghai) of the day `months` months after `now`'s day: when access ends. */
export const expiryOf = (now: Date, months: number): Date =>
  endOfShanghaiDay(epochDayOf(addMonths(shanghaiDay(now), months)));

// ---------------------------------------------------------------------------------------------
// The public data API's question

/**
 * Whether the user holds an approved, unexpired conditional-open application for the entry at
 * `now`: the public data API serves a conditional entry's open version to such a caller only.
 * One indexed lookup (open_applications_access); expiry is read from expires_at, so access ends
 * on the instant even before the hourly job marks the application expired.
 */
export async function conditionalAccess(
  q: Queryable,
  userId: string,
  entryId: string,
  now: Date = new Date(),
): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM datong.open_applications
                     WHERE applicant_user_id = $1 AND entry_id = $2 AND status = 'approved'
                       AND expires_at > $3) AS ok`,
    [userId, entryId, now],
  );
  return rows[0]?.ok === true;
}

// ---------------------------------------------------------------------------------------------
// Use cases

/** POST /api/open/applications. */
export async function createApplication(
  ctx: SharingContext,
  tx: Tx,
  input: CreateApplicationInput,
  opts: Clock = {},
): Promise<OpenApplication> {
  const now = opts.now ?? new Date();
  const a = ctx.actor;
  if (a.kind !== 'user') throw conditionalProblem(403, 'open_user_only');
  const entry = await catalog.getEntry(tx, input.entryId);
  const version = entry?.publishedVersion
    ? await catalog.getVersion(tx, entry.id, entry.publishedVersion)
    : undefined;
  const viewer = await viewerOf(tx, a);
  if (!entry || !version || !publiclyVisible(viewer, version) || version.status !== 'published') {
    throw conditionalProblem(404, 'open_entry_not_found');
  }
  if (version.content.openType !== 'conditional') {
    throw conditionalProblem(409, 'open_not_conditional', { name: version.content.name });
  }
  const uscc = input.applicantUscc.trim().toUpperCase();
  if (!isUscc(uscc)) {
    throw conditionalProblem(400, 'open_uscc_invalid', { uscc }, [
      { path: '/applicantUscc', message: 'check character does not match' },
    ]);
  }
  if (input.agreementAccepted !== true) {
    throw conditionalProblem(400, 'open_agreement_required', {}, [
      { path: '/agreementAccepted', message: 'must be true' },
    ]);
  }
  if (input.agreementVersion !== OPEN_AGREEMENT.version) {
    throw conditionalProblem(409, 'open_agreement_outdated', { current: OPEN_AGREEMENT.version });
  }
  const dueAt = await addWorkingDays(tx, now, PROVIDER_DAYS);
  const months = input.months ?? 12;
  let id: string;
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO datong.open_applications (entry_id, catalog_version, provider_org_id, applicant_user_id,
         applicant_name, applicant_org_name, applicant_uscc, purpose, intended_use, security_measures,
         agreement_version, agreement_accepted_at, months, status, due_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'submitted', $14, $12, $12)
       RETURNING id`,
      [
        entry.id,
        version.version,
        entry.providerOrgId,
        a.id,
        a.displayName,
        input.applicantOrgName.trim(),
        uscc,
        input.purpose.trim(),
        input.intendedUse.trim(),
        input.securityMeasures.trim(),
        OPEN_AGREEMENT.version,
        now,
        months,
        dueAt,
      ],
    );
    id = rows[0]!.id;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw conditionalProblem(409, 'open_application_pending');
    }
    throw err;
  }
  const row = (await applicationRow(tx, id))!;
  await insertOpenEvent(ctx, tx, 'application', id, {
    action: 'submit',
    from: null,
    to: 'submitted',
    detail: { dueAt: dueAt.toISOString(), agreementVersion: OPEN_AGREEMENT.version, months },
  });
  await audit(ctx, tx, 'open.apply', row, null, {
    to: 'submitted',
    applicantOrgName: row.applicant_org_name,
    agreementVersion: OPEN_AGREEMENT.version,
    months,
  });
  await notify(
    tx,
    'open.application',
    { orgId: entry.providerOrgId },
    {
      applicationId: id,
      entryId: entry.id,
      entryName: row.entry_name,
      applicantOrgName: row.applicant_org_name,
      dueAt: dueAt.toISOString(),
    },
  );
  return getApplication(ctx, tx, id, { now });
}

/** Who may see an application: its applicant, the provider's staff, the platform. */
async function visible(ctx: SharingContext, q: Queryable, r: ApplicationDbRow | undefined) {
  const scope = await scopeOf(q, ctx.actor);
  const a = ctx.actor;
  const mine = a.kind === 'user' && r?.applicant_user_id === a.id;
  if (!r || !(mine || scope.platform || actsFor(scope, r.provider_org_id))) return null;
  return { scope, mine };
}

/** GET /api/open/applications/:id — with its events. */
export async function getApplication(
  ctx: SharingContext,
  q: Queryable,
  id: string,
  opts: Clock = {},
): Promise<OpenApplication> {
  const r = await applicationRow(q, id);
  if (!(await visible(ctx, q, r))) throw conditionalProblem(404, 'open_application_not_found', { id });
  return {
    ...(await present(q, r!, opts.now ?? new Date())),
    events: await openEvents(q, 'application', id),
  };
}

/** GET /api/open/applications/mine — the caller's applications, newest first. */
export async function myApplications(
  ctx: SharingContext,
  q: Queryable,
  input: MyApplicationsInput,
  opts: Clock = {},
): Promise<Page<OpenApplication>> {
  const a = ctx.actor;
  if (a.kind !== 'user') throw conditionalProblem(403, 'open_user_only');
  const now = opts.now ?? new Date();
  const params: unknown[] = [a.id];
  const where = ['a.applicant_user_id = $1::uuid'];
  if (input.status) where.push(`a.status = $${params.push(input.status)}`);
  return keysetPage(q, {
    select: SELECT,
    idColumn: 'a.id',
    where,
    params,
    order: { key: 'a.created_at', keyText: 'created_key', dir: 'DESC' },
    cursor: input.cursor,
    limit: input.limit,
    present: (r: ApplicationDbRow) => present(q, r, now),
  });
}

/**
 * GET /api/open/applications?box= — inbox (the caller's organisations as provider, most urgent
 * first), review (reached the platform, provider_approved by default), all (the platform).
 */
export async function listApplications(
  ctx: SharingContext,
  q: Queryable,
  input: ListApplicationsInput,
  opts: Clock = {},
): Promise<Page<OpenApplication>> {
  const now = opts.now ?? new Date();
  const scope = await scopeOf(q, ctx.actor);
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  let order: KeysetOrder<'created_key' | 'due_key' | 'review_key'>;
  let status = input.status;
  switch (input.box) {
    case 'inbox':
      where.push(`a.provider_org_id = ANY(${p(scope.provides)}::uuid[])`);
      order = { key: 'a.due_at', keyText: 'due_key', dir: 'ASC' };
      break;
    case 'review':
      if (!scope.platform) throw conditionalProblem(403, 'open_review_only');
      where.push('a.review_due_at IS NOT NULL');
      status ??= 'provider_approved';
      order = { key: 'a.review_due_at', keyText: 'review_key', dir: 'ASC' };
      break;
    case 'all':
      if (!scope.platform) throw conditionalProblem(403, 'open_review_only');
      order = { key: 'a.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
  }
  if (status) where.push(`a.status = ${p(status)}`);
  return keysetPage(q, {
    select: SELECT,
    idColumn: 'a.id',
    where,
    params,
    order,
    cursor: input.cursor,
    limit: input.limit,
    present: (r: ApplicationDbRow) => present(q, r, now),
  });
}

async function lockVisible(ctx: SharingContext, tx: Tx, id: string) {
  const row = await applicationRow(tx, id, true);
  const seen = await visible(ctx, tx, row);
  if (!seen) throw conditionalProblem(404, 'open_application_not_found', { id });
  return { row: row!, ...seen };
}

/** POST /api/open/applications/:id/approve — the provider approves (possibly shortening the term). */
export async function approveApplication(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: { months?: number | undefined; comment?: string | undefined },
  opts: Clock = {},
): Promise<OpenApplication> {
  const now = opts.now ?? new Date();
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (!actsFor(scope, row.provider_org_id)) throw conditionalProblem(403, 'open_out_of_scope');
  if (row.status !== 'submitted') throw illegal(row.status, '批准 approve');
  const months = input.months ?? row.months;
  if (months > row.months) {
    throw conditionalProblem(400, 'open_months_invalid', { months: row.months }, [
      { path: '/months', message: `at most ${row.months}` },
    ]);
  }
  const comment = input.comment?.trim() || null;
  const who = actorOf(ctx);
  const reviewDueAt = await addWorkingDays(tx, now, REVIEW_DAYS);
  await tx.query(
    `UPDATE datong.open_applications SET status = 'provider_approved', provider_decision = 'approve',
       provider_reason = $2, provider_by = $3, provider_by_name = $4, provider_at = $5, granted_months = $6,
       review_due_at = $7, updated_at = $5
     WHERE id = $1`,
    [id, comment, userIdOf(who), who.name, now, months, reviewDueAt],
  );
  await insertOpenEvent(ctx, tx, 'application', id, {
    action: 'approve',
    from: row.status,
    to: 'provider_approved',
    comment,
    detail: { grantedMonths: months, reviewDueAt: reviewDueAt.toISOString() },
  });
  await audit(ctx, tx, 'open.approve', row, row.provider_org_id, {
    from: row.status,
    to: 'provider_approved',
    grantedMonths: months,
    ...(comment ? { comment } : {}),
  });
  return getApplication(ctx, tx, id, { now });
}

/** POST /api/open/applications/:id/refuse — the provider refuses, with a reason. */
export async function refuseApplication(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<OpenApplication> {
  const now = opts.now ?? new Date();
  const why = openReason(reason);
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (!actsFor(scope, row.provider_org_id)) throw conditionalProblem(403, 'open_out_of_scope');
  if (row.status !== 'submitted') throw illegal(row.status, '拒绝 refuse');
  const who = actorOf(ctx);
  await tx.query(
    `UPDATE datong.open_applications SET status = 'refused', provider_decision = 'refuse', provider_reason = $2,
       provider_by = $3, provider_by_name = $4, provider_at = $5, updated_at = $5
     WHERE id = $1`,
    [id, why, userIdOf(who), who.name, now],
  );
  await insertOpenEvent(ctx, tx, 'application', id, {
    action: 'refuse',
    from: row.status,
    to: 'refused',
    comment: why,
  });
  await audit(ctx, tx, 'open.refuse', row, row.provider_org_id, {
    from: row.status,
    to: 'refused',
    reason: why,
  });
  await notifyApplicant(tx, row, 'refused', why);
  return getApplication(ctx, tx, id, { now });
}

/**
 * POST /api/open/applications/:id/review — the platform's decision on a provider-approved
 * application: approve (access until the end of the granted months) or refuse with a reason.
 */
export async function reviewApplication(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: { decision: 'approve' | 'refuse'; reason?: string | undefined },
  opts: Clock = {},
): Promise<OpenApplication> {
  const now = opts.now ?? new Date();
  const why = input.decision === 'refuse' ? openReason(input.reason) : input.reason?.trim() || null;
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (!scope.platform) throw conditionalProblem(403, 'open_review_only');
  if (row.status !== 'provider_approved') throw illegal(row.status, '审核 review');
  const to: ApplicationStatus = input.decision === 'approve' ? 'approved' : 'refused';
  const expiresAt = to === 'approved' ? expiryOf(now, row.granted_months ?? row.months) : null;
  const who = actorOf(ctx);
  await tx.query(
    `UPDATE datong.open_applications SET status = $2, platform_decision = $3, platform_reason = $4,
       platform_by = $5, platform_by_name = $6, platform_at = $7, expires_at = $8, updated_at = $7
     WHERE id = $1`,
    [id, to, input.decision, why, userIdOf(who), who.name, now, expiresAt],
  );
  await insertOpenEvent(ctx, tx, 'application', id, {
    action: input.decision === 'approve' ? 'review_approve' : 'review_refuse',
    from: row.status,
    to,
    comment: why,
    detail: expiresAt ? { expiresAt: expiresAt.toISOString() } : {},
  });
  await audit(ctx, tx, 'open.review', row, undefined, {
    decision: input.decision,
    from: row.status,
    to,
    ...(why ? { reason: why } : {}),
    ...(expiresAt ? { expiresAt: expiresAt.toISOString() } : {}),
  });
  await notifyApplicant(tx, row, to, why);
  return getApplication(ctx, tx, id, { now });
}

/** POST /api/open/applications/:id/withdraw — the applicant takes back an undecided application. */
export async function withdrawApplication(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<OpenApplication> {
  const now = opts.now ?? new Date();
  const { row, mine } = await lockVisible(ctx, tx, id);
  if (!mine) throw conditionalProblem(403, 'open_not_applicant');
  if (row.status !== 'submitted' && row.status !== 'provider_approved') {
    throw illegal(row.status, '撤回 withdraw');
  }
  const why = reason?.trim() || null;
  await tx.query(
    `UPDATE datong.open_applications SET status = 'withdrawn', withdraw_reason = $2, updated_at = $3 WHERE id = $1`,
    [id, why, now],
  );
  await insertOpenEvent(ctx, tx, 'application', id, {
    action: 'withdraw',
    from: row.status,
    to: 'withdrawn',
    comment: why,
  });
  await audit(ctx, tx, 'open.withdraw', row, null, {
    from: row.status,
    to: 'withdrawn',
    ...(why ? { reason: why } : {}),
  });
  return getApplication(ctx, tx, id, { now });
}

async function notifyApplicant(tx: Tx, r: ApplicationDbRow, to: ApplicationStatus, reason: string | null) {
  await notify(
    tx,
    'open.decided',
    { userId: r.applicant_user_id },
    { applicationId: r.id, entryId: r.entry_id, entryName: r.entry_name, status: to, reason },
  );
}

/**
 * Marks approved applications past expires_at `expired` (one event and one audit event each, in
 * one transaction). Access already ended at expires_at (conditionalAccess reads it); this makes
 * the status say so. Answers the ids expired.
 */
export async function expireApplications(services: Services, now: Date = new Date()): Promise<string[]> {
  return withTx(services.pool as Pool, async (tx) => {
    const ctx: SharingContext = { ...systemContext('job:open:expire'), services };
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE datong.open_applications SET status = 'expired', updated_at = $1
        WHERE status = 'approved' AND expires_at <= $1 RETURNING id`,
      [now],
    );
    for (const { id } of rows) {
      const r = (await applicationRow(tx, id))!;
      await insertOpenEvent(ctx, tx, 'application', id, {
        action: 'expire',
        from: 'approved',
        to: 'expired',
        detail: { expiresAt: r.expires_at!.toISOString() },
      });
      await audit(ctx, tx, 'open.expire', r, r.provider_org_id, {
        from: 'approved',
        to: 'expired',
        expiresAt: r.expires_at!.toISOString(),
      });
      await notifyApplicant(tx, r, 'expired', null);
    }
    return rows.map((r) => r.id);
  });
}

/** The job queue's task: `open:expire` hourly. */
export function conditionalTasks(services: Services): ScheduledTask[] {
  const expire: Task = async () => {
    const expired = await expireApplications(services, new Date());
    if (expired.length) services.log.info({ applications: expired.length }, 'open applications expired');
  };
  return [{ name: 'open:expire', schedule: '17 * * * *', task: expire }];
}
