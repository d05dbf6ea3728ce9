import { eventFor } from '../../platform/audit/types.js';
import type { RequestContext } from '../../platform/context.js';
import type { Queryable, Tx } from '../../platform/db/pool.js';
import { allows } from '../../platform/policy/permissions.js';
import type { Services } from '../../platform/services.js';
import { deadlineOf, insertStepEvent, stepEvents } from '../sharing/common.js';
import { scopeOf, type ShareScope } from '../sharing/schemas.js';
import { maskedBy, objectionProblem } from './objection-records.js';
import type { Objection, ObjectionEvent, ObjectionStatus } from './objection-schemas.js';

/**
 * The objections' rows (datong.objections, objection_events) as the use cases read and present
 * them: who sees which, masking for the viewer, and one step's event row and audit event.
 */

export type QualityContext = RequestContext & { services: Services };

export interface Clock {
  now?: Date;
}

/** Working days the addressed department has to answer. */
export const OBJECTION_DAYS = 5;

const STATUS_LABEL: Record<ObjectionStatus, string> = {
  open: '待处理 open',
  corrected: '已纠错 corrected',
  rejected: '已驳回 rejected',
  withdrawn: '已撤回 withdrawn',
};

export const illegal = (status: ObjectionStatus, action: string) =>
  objectionProblem(409, 'objection_illegal_transition', { status: STATUS_LABEL[status], action });

// ---------------------------------------------------------------------------------------------
// Rows

export interface ObjectionDbRow {
  id: string;
  status: ObjectionStatus;
  entry_id: string;
  entry_code: string;
  entry_name: string;
  provider_org_id: string;
  provider_org_name: string;
  org_id: string;
  org_name: string;
  record_key: Record<string, string>;
  field: string | null;
  current_value: string | null;
  proposed_value: string | null;
  reason: string;
  evidence: string;
  origin: Objection['origin'];
  conflict_id: string | null;
  raised_by: string | null;
  raised_by_name: string;
  raiser_org_id: string | null;
  raiser_org_name: string | null;
  due_at: Date;
  escalated_at: Date | null;
  resolution: string | null;
  correction_batch_id: string | null;
  resolved_by_name: string | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** {code: {name, piiKind}} of the entry's fields (its shown catalog version). */
  fields: Record<string, { name: string; piiKind: string }> | null;
  created_key: string;
  due_key: string;
}

export const OBJECTION_SELECT = `SELECT o.id, o.status, o.entry_id, e.code AS entry_code, v.name AS entry_name,
    e.provider_org_id, po.name AS provider_org_name, o.org_id, ao.name AS org_name, o.record_key, o.field,
    o.current_value, o.proposed_value, o.reason, o.evidence, o.origin, o.conflict_id::text AS conflict_id,
    o.raised_by, o.raised_by_name, o.raiser_org_id, ro.name AS raiser_org_name, o.due_at, o.escalated_at,
    o.resolution, o.correction_batch_id::text AS correction_batch_id, o.resolved_by_name, o.resolved_at,
    o.created_at, o.updated_at,
    (SELECT jsonb_object_agg(f->>'code', jsonb_build_object('name', f->>'name',
              'piiKind', COALESCE(f->>'piiKind', 'none')))
       FROM jsonb_array_elements(v.content->'fields') f) AS fields,
    o.created_at::text AS created_key, o.due_at::text AS due_key
  FROM datong.objections o
  JOIN datong.catalog_entries e ON e.id = o.entry_id
  JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = COALESCE(e.published_version, e.working_version)
  JOIN datong.orgs po ON po.id = e.provider_org_id
  JOIN datong.orgs ao ON ao.id = o.org_id
  LEFT JOIN datong.orgs ro ON ro.id = o.raiser_org_id`;

export async function objectionRow(
  q: Queryable,
  id: string,
  lock = false,
): Promise<ObjectionDbRow | undefined> {
  const { rows } = await q.query<ObjectionDbRow>(
    `${OBJECTION_SELECT} WHERE o.id = $1 ${lock ? 'FOR UPDATE OF o' : ''}`,
    [id],
  );
  return rows[0];
}

/** Who the caller is to objections: their scope, the platform, their own id. */
export interface ObjectionScope extends ShareScope {
  governance: boolean;
  actorId: string | null;
}

export async function objectionScope(q: Queryable, ctx: RequestContext): Promise<ObjectionScope> {
  const a = ctx.actor;
  const scope = await scopeOf(q, a);
  return {
    ...scope,
    governance: a.kind === 'system' || allows(a, 'governance.manage'),
    actorId: a.kind === 'user' || a.kind === 'app' ? a.id : null,
  };
}

/** The provider's own staff see values unmasked; everyone else (the platform too) masked. */
export const isProvider = (s: ObjectionScope, row: Pick<ObjectionDbRow, 'provider_org_id'>) =>
  s.provides.includes(row.provider_org_id);

export const sees = (s: ObjectionScope, row: ObjectionDbRow) =>
  s.governance ||
  s.provides.includes(row.org_id) ||
  s.provides.includes(row.provider_org_id) ||
  (s.orgId !== null && row.raiser_org_id === s.orgId) ||
  (s.actorId !== null && row.raised_by === s.actorId);

export async function present(
  q: Queryable,
  o: ObjectionDbRow,
  s: ObjectionScope,
  now: Date,
): Promise<Objection> {
  const fields = o.fields ?? {};
  const masked = !isProvider(s, o);
  const show = (code: string | null, v: string | null) =>
    masked && code ? maskedBy(fields[code]?.piiKind, v) : v;
  const key: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.record_key)) key[k] = show(k, v) ?? '';
  return {
    id: o.id,
    status: o.status,
    entryId: o.entry_id,
    entryCode: o.entry_code,
    entryName: o.entry_name,
    providerOrgId: o.provider_org_id,
    providerOrgName: o.provider_org_name,
    orgId: o.org_id,
    orgName: o.org_name,
    recordKey: key,
    field: o.field,
    fieldName: o.field ? (fields[o.field]?.name ?? null) : null,
    currentValue: show(o.field, o.current_value),
    proposedValue: show(o.field, o.proposed_value),
    masked,
    reason: o.reason,
    evidence: o.evidence,
    origin: o.origin,
    conflictId: o.conflict_id === null ? null : Number(o.conflict_id),
    raisedByName: o.raised_by_name,
    raiserOrgId: o.raiser_org_id,
    raiserOrgName: o.raiser_org_name,
    dueAt: o.due_at.toISOString(),
    ...(await deadlineOf(q, o.status === 'open' ? o.due_at : null, now)),
    escalatedAt: o.escalated_at?.toISOString() ?? null,
    resolution: o.resolution,
    correctionBatchId: o.correction_batch_id === null ? null : Number(o.correction_batch_id),
    resolvedByName: o.resolved_by_name,
    resolvedAt: o.resolved_at?.toISOString() ?? null,
    createdAt: o.created_at.toISOString(),
    updatedAt: o.updated_at.toISOString(),
  };
}

export const events = (q: Queryable, id: string): Promise<ObjectionEvent[]> => stepEvents(q, 'objection', id);

export const actorOf = (ctx: RequestContext): { id: string | null; name: string } => {
  const a = ctx.actor;
  if (a.kind === 'anonymous') return { id: null, name: '—' };
  return {
    id: a.kind === 'user' || a.kind === 'app' ? a.id : null,
    name: a.kind === 'user' ? a.displayName : a.name,
  };
};

export interface StepInput {
  action: string;
  from: ObjectionStatus | null;
  to: ObjectionStatus;
  comment?: string | null;
  detail?: Record<string, unknown>;
  /** The acting organisation of the audit event (undefined: the actor's own). */
  orgId?: string | null;
}

/** One step: its objection_events row and its audit event, in the step's transaction. */
export async function step(
  ctx: QualityContext,
  tx: Tx,
  o: { id: string; entryId: string },
  s: StepInput,
  now: Date,
) {
  const detail = s.detail ?? {};
  await insertStepEvent(ctx, tx, 'objection', o.id, { ...s, detail }, now);
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: `objection.${s.action}`,
      objectType: 'objection',
      objectId: o.id,
      ...(s.orgId !== undefined ? { orgId: s.orgId } : {}),
      detail: {
        entryId: o.entryId,
        from: s.from,
        to: s.to,
        ...(s.comment ? { comment: s.comment } : {}),
        ...detail,
      },
    }),
  );
}

export function requireReason(reason: string | undefined | null, path = '/reason'): string {
  const r = reason?.trim() ?? '';
  if ([...r].length < 2)
    throw objectionProblem(400, 'objection_reason_required', {}, [{ path, message: 'required' }]);
  return r;
}

export async function checkOrg(q: Queryable, orgId: string): Promise<void> {
  const { rows } = await q.query('SELECT 1 FROM datong.orgs WHERE id = $1', [orgId]);
  if (!rows.length) {
    throw objectionProblem(400, 'objection_org_invalid', { orgId }, [{ path: '/orgId', message: 'unknown' }]);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/** One objection the caller sees (404 otherwise), with its events. */
export async function getObjection(
  ctx: RequestContext,
  q: Queryable,
  id: string,
  opts: Clock = {},
): Promise<Objection> {
  const s = await objectionScope(q, ctx);
  const row = await objectionRow(q, id);
  if (!row || !sees(s, row)) throw objectionProblem(404, 'objection_not_found', { id });
  return { ...(await present(q, row, s, opts.now ?? new Date())), events: await events(q, id) };
}
