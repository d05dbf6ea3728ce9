import { systemContext, type RequestContext } from '../../platform/context.js';
import { withTx, type Pool, type Queryable, type Tx } from '../../platform/db/pool.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import { loadBatch } from '../ingest/load.js';
import { keysetPage, notify, type KeysetOrder, type Notification, type Page } from '../sharing/common.js';
import {
  checkField,
  correctionSource,
  datasetOf,
  findRecord,
  objectionProblem,
} from './objection-records.js';
import type { CorrectInput, ListObjectionsInput, Objection, ObjectionStatus } from './objection-schemas.js';
import {
  actorOf,
  getObjection,
  illegal,
  OBJECTION_SELECT,
  objectionRow,
  objectionScope,
  present,
  requireReason,
  sees,
  step,
  type Clock,
  type ObjectionDbRow,
  type QualityContext,
} from './objection-store.js';

/**
 * Objections (异议/纠错, docs/QUALITY.md "Objections"). Anyone with access to a record raises one
 * on it or on one of its fields, with a reason and evidence: the provider's staff, a consumer
 * organisation holding an active grant that covers the record and the field, a signed application
 * under its own grant, the platform (governance.manage) — and the platform turns cross-check
 * conflicts into objections. The objection goes to a department (the entry's provider unless the
 * platform chooses another), which answers within 5 working days: it corrects the record (an
 * upsert batch through the normal load path, its source marking the objection: provenance) or
 * rejects the objection with a reason; the raiser may withdraw it while it is open. An objection
 * still open after its deadline escalates once (`quality:objections-overdue`, every 10 minutes).
 *
 * Statuses: open → corrected | rejected | withdrawn. Every step is an objection_events row and an
 * audit event (objection.raise, .correct, .reject, .withdraw, .escalate) in the step's transaction.
 */

export { raiseByApp, raiseFromConflict, raiseObjection } from './objection-raise.js';
export { getObjection, OBJECTION_DAYS, type Clock, type QualityContext } from './objection-store.js';

// ---------------------------------------------------------------------------------------------
// Lists

/**
 * GET /api/quality/objections?box= — inbox: addressed to the caller's organisation(s) (org admins:
 * with sub-organisations), most urgent first; raised: by the caller or their organisation, newest
 * first; all: the platform, newest first. Keyset pages.
 */
export async function listObjections(
  ctx: RequestContext,
  q: Queryable,
  input: ListObjectionsInput,
  opts: Clock = {},
): Promise<Page<Objection>> {
  const now = opts.now ?? new Date();
  const s = await objectionScope(q, ctx);
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  let order: KeysetOrder<'created_key' | 'due_key'>;
  switch (input.box) {
    case 'inbox':
      where.push(`o.org_id = ANY(${p(s.provides)}::uuid[])`);
      order = { key: 'o.due_at', keyText: 'due_key', dir: 'ASC' };
      break;
    case 'raised':
      where.push(`(o.raiser_org_id = ${p(s.orgId)}::uuid OR o.raised_by = ${p(s.actorId)}::uuid)`);
      order = { key: 'o.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
    case 'all':
      if (!s.governance) throw objectionProblem(403, 'objection_platform_only');
      order = { key: 'o.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
  }
  if (input.status) where.push(`o.status = ${p(input.status)}`);
  if (input.overdue !== undefined) {
    where.push(`${input.overdue ? '' : 'NOT '}(o.status = 'open' AND o.due_at < ${p(now)}::timestamptz)`);
  }
  return keysetPage(q, {
    select: OBJECTION_SELECT,
    idColumn: 'o.id',
    where,
    params,
    order,
    cursor: input.cursor,
    limit: input.limit,
    present: (row: ObjectionDbRow) => present(q, row, s, now),
  });
}

// ---------------------------------------------------------------------------------------------
// Answering

async function lockVisible(ctx: RequestContext, tx: Tx, id: string) {
  const s = await objectionScope(tx, ctx);
  const row = await objectionRow(tx, id, true);
  if (!row || !sees(s, row)) throw objectionProblem(404, 'objection_not_found', { id });
  return { row, s };
}

/** Users of the raiser are told one by one; an application's raise goes to its organisation. */
async function notifyRaiser(tx: Tx, row: ObjectionDbRow, kind: string, payload: Record<string, unknown>) {
  const { rows } = row.raised_by
    ? await tx.query('SELECT 1 FROM datong.users WHERE id = $1', [row.raised_by])
    : { rows: [] };
  if (rows.length) await notify(tx, kind, { userId: row.raised_by! }, payload);
  else if (row.raiser_org_id) await notify(tx, kind, { orgId: row.raiser_org_id }, payload);
}

async function resolve(
  ctx: QualityContext,
  tx: Tx,
  row: ObjectionDbRow,
  to: ObjectionStatus,
  set: { resolution: string | null; batchId?: number },
  now: Date,
): Promise<void> {
  await tx.query(
    `UPDATE datong.objections SET status = $2, resolution = $3, correction_batch_id = $4,
       resolved_by_name = $5, resolved_at = $6, updated_at = $6 WHERE id = $1`,
    [row.id, to, set.resolution, set.batchId ?? null, actorOf(ctx).name, now],
  );
}

/**
 * POST /api/quality/objections/:id/correct — the entry's provider confirms the objection and
 * corrects the record: one upsert batch through loadBatch (the record as stored, the field — or
 * for a whole-record objection the fields of `values` — replaced; source {kind: 'correction',
 * objectionId}), checked like any load. A value the check refuses answers 422 and the objection
 * stays open. The objection row stays locked while the batch loads, so it is corrected once.
 */
export async function correctObjection(
  ctx: QualityContext,
  pool: Pool,
  id: string,
  input: CorrectInput,
  opts: Clock = {},
): Promise<Objection> {
  const now = opts.now ?? new Date();
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const { row, s } = await lockVisible(ctx, tx, id);
    const viewer = await viewerOf(tx, ctx.actor);
    if (!maintains(viewer, row.provider_org_id) && !s.provides.includes(row.provider_org_id)) {
      throw objectionProblem(403, 'objection_correct_out_of_scope');
    }
    if (row.status !== 'open') throw illegal(row.status, '纠错 correct');
    const changes: Record<string, string | null> = {};
    if (row.field) {
      if (input.value !== undefined) changes[row.field] = input.value;
      else if (row.proposed_value !== null) changes[row.field] = row.proposed_value;
      else {
        throw objectionProblem(400, 'objection_value_required', {}, [
          { path: '/value', message: 'required' },
        ]);
      }
    } else {
      if (!input.values || !Object.keys(input.values).length) {
        throw objectionProblem(400, 'objection_values_required', {}, [
          { path: '/values', message: 'required' },
        ]);
      }
      Object.assign(changes, input.values);
    }
    // Read outside the transaction: holding a lock on the dataset's table while the batch loads
    // (which may alter the table for new catalog fields) would wait on ourselves.
    const ds = await datasetOf(pool, row.entry_id, row.record_key);
    for (const f of Object.keys(changes)) {
      checkField(ds, f);
      if (ds.columns.some((c) => c.code === f && c.key)) {
        throw objectionProblem(409, 'objection_key_correction', { field: f });
      }
    }
    const record = await findRecord(pool, ds, row.record_key);
    const fields = Object.keys(changes);
    const result = await loadBatch(ctx, row.entry_id, {
      mode: 'upsert',
      source: correctionSource(ds, { ...record, ...changes }),
      sourceInfo: {
        kind: 'correction',
        name: `异议纠错 ${id}`,
        objectionId: id,
        fields,
        key: row.record_key,
      },
      rejectThreshold: 0,
    });
    if (result.status !== 'done') {
      const { rows: rejects } = await pool.query<{
        field: string | null;
        reason_zh: string;
        reason_en: string;
      }>(
        'SELECT field, reason_zh, reason_en FROM datong.ingest_rejects WHERE batch_id = $1 ORDER BY row, field',
        [result.batchId],
      );
      const zh = rejects.length
        ? rejects.map((r) => `${r.field ?? ''}：${r.reason_zh}`).join('；')
        : (result.error?.['zh-CN'] ?? '');
      const en = rejects.length
        ? rejects.map((r) => `${r.field ?? ''}: ${r.reason_en}`).join('; ')
        : (result.error?.en ?? '');
      throw objectionProblem(422, 'objection_correction_rejected', { zh, en, batchId: result.batchId });
    }
    const comment = input.comment.trim() || null;
    await resolve(ctx, tx, row, 'corrected', { resolution: comment, batchId: result.batchId }, now);
    await step(
      ctx,
      tx,
      { id, entryId: row.entry_id },
      {
        action: 'correct',
        from: row.status,
        to: 'corrected',
        comment,
        orgId: row.provider_org_id,
        detail: {
          batchId: result.batchId,
          fields,
          rowsUpdated: result.rowsUpdated,
          rowsInserted: result.rowsInserted,
        },
      },
      now,
    );
    await notifyRaiser(tx, row, 'objection.corrected', {
      objectionId: id,
      entryId: row.entry_id,
      batchId: result.batchId,
    });
    await tx.query('COMMIT');
    return await getObjection(ctx, pool, id, { now });
  } catch (e) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    tx.release();
  }
}

/**
 * POST /api/quality/objections/:id/reject — the addressed department or the entry's provider
 * (their data stewards) rejects the objection with a reason.
 */
export async function rejectObjection(
  ctx: QualityContext,
  tx: Tx,
  id: string,
  reason: string,
  opts: Clock = {},
): Promise<Objection> {
  const now = opts.now ?? new Date();
  const why = requireReason(reason);
  const { row, s } = await lockVisible(ctx, tx, id);
  const viewer = await viewerOf(tx, ctx.actor);
  const answers = (org: string) => s.provides.includes(org) || maintains(viewer, org);
  if (!answers(row.org_id) && !answers(row.provider_org_id))
    throw objectionProblem(403, 'objection_out_of_scope');
  if (row.status !== 'open') throw illegal(row.status, '驳回 reject');
  await resolve(ctx, tx, row, 'rejected', { resolution: why }, now);
  await step(
    ctx,
    tx,
    { id, entryId: row.entry_id },
    { action: 'reject', from: 'open', to: 'rejected', comment: why, orgId: row.org_id },
    now,
  );
  await notifyRaiser(tx, row, 'objection.rejected', { objectionId: id, entryId: row.entry_id, reason: why });
  return getObjection(ctx, tx, id, { now });
}

/** POST /api/quality/objections/:id/withdraw — whoever raised it (or their organisation), while open. */
export async function withdrawObjection(
  ctx: QualityContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<Objection> {
  const now = opts.now ?? new Date();
  const { row, s } = await lockVisible(ctx, tx, id);
  const raiser =
    (s.actorId !== null && row.raised_by === s.actorId) ||
    (s.orgId !== null && row.raiser_org_id === s.orgId);
  if (!raiser) throw objectionProblem(403, 'objection_not_raiser');
  if (row.status !== 'open') throw illegal(row.status, '撤回 withdraw');
  const why = reason?.trim() || null;
  await resolve(ctx, tx, row, 'withdrawn', { resolution: why }, now);
  await step(
    ctx,
    tx,
    { id, entryId: row.entry_id },
    { action: 'withdraw', from: 'open', to: 'withdrawn', comment: why },
    now,
  );
  await notify(tx, 'objection.withdrawn', { orgId: row.org_id }, { objectionId: id, entryId: row.entry_id });
  return getObjection(ctx, tx, id, { now });
}

// ---------------------------------------------------------------------------------------------
// Overdue

/**
 * Escalates once per objection: one still open after due_at gets escalated_at, an `escalate` event
 * and audit event, and notifications (`objection.overdue`) to the addressed department, the
 * entry's provider (when another) and each enabled sysadmin (the platform). The claim and the
 * notifications commit together, so concurrent jobs never escalate twice.
 */
export async function escalateOverdueObjections(
  services: Services,
  now: Date = new Date(),
): Promise<Notification[]> {
  return withTx(services.pool, async (tx) => {
    const out: Notification[] = [];
    const ctx: QualityContext = { ...systemContext('job:quality:objections-overdue'), services };
    const { rows: late } = await tx.query<{ id: string }>(
      `UPDATE datong.objections SET escalated_at = $1
        WHERE status = 'open' AND due_at < $1 AND escalated_at IS NULL RETURNING id`,
      [now],
    );
    if (!late.length) return out;
    const { rows: platform } = await tx.query<{ id: string }>(
      `SELECT u.id FROM datong.users u JOIN datong.user_roles ur ON ur.user_id = u.id
        WHERE ur.role = 'sysadmin' AND NOT u.disabled ORDER BY u.id`,
    );
    for (const { id } of late) {
      const o = (await objectionRow(tx, id))!;
      const payload = {
        objectionId: o.id,
        entryId: o.entry_id,
        entryCode: o.entry_code,
        entryName: o.entry_name,
        orgId: o.org_id,
        orgName: o.org_name,
        providerOrgId: o.provider_org_id,
        field: o.field,
        dueAt: o.due_at.toISOString(),
      };
      out.push(await notify(tx, 'objection.overdue', { orgId: o.org_id }, payload));
      if (o.provider_org_id !== o.org_id) {
        out.push(await notify(tx, 'objection.overdue', { orgId: o.provider_org_id }, payload));
      }
      for (const u of platform) out.push(await notify(tx, 'objection.overdue', { userId: u.id }, payload));
      await step(
        ctx,
        tx,
        { id, entryId: o.entry_id },
        {
          action: 'escalate',
          from: 'open',
          to: 'open',
          orgId: o.org_id,
          detail: { dueAt: o.due_at.toISOString() },
        },
        now,
      );
    }
    return out;
  });
}

/** The job queue's task: `quality:objections-overdue` every 10 minutes. */
export function objectionTasks(services: Services): ScheduledTask[] {
  const overdue: Task = async () => {
    const sent = await escalateOverdueObjections(services, new Date());
    if (sent.length) services.log.info({ notifications: sent.length }, 'objections escalated');
  };
  return [{ name: 'quality:objections-overdue', schedule: '*/10 * * * *', task: overdue }];
}
