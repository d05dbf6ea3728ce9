import type { Tx } from '../../platform/db/pool.js';
import * as catalog from '../catalog/store.js';
import { maintains, publiclyVisible, viewerOf } from '../catalog/visibility.js';
import { addWorkingDays } from '../sharing/calendar.js';
import { notify } from '../sharing/common.js';
import {
  checkField,
  checkKey,
  datasetOf,
  findRecord,
  objectionProblem,
  recordForApp,
  recordForConsumer,
} from './objection-records.js';
import type { AppRaiseInput, ConflictObjectionInput, Objection, RaiseInput } from './objection-schemas.js';
import {
  actorOf,
  checkOrg,
  getObjection,
  OBJECTION_DAYS,
  objectionScope,
  requireReason,
  step,
  type Clock,
  type QualityContext,
} from './objection-store.js';

/**
 * Raising objections (docs/QUALITY.md "Objections"): by a user with access to the record, by a
 * signed application under its grant, and by the platform from a cross-check conflict. Each is
 * addressed to a department with a deadline of 5 working days, and notifies it.
 */

interface NewObjection {
  entryId: string;
  orgId: string;
  key: Record<string, string>;
  field: string | null;
  currentValue: string | null;
  proposedValue: string | null;
  reason: string;
  evidence: string;
  origin: Objection['origin'];
  conflictId: number | null;
  raiserOrgId: string | null;
}

async function insertObjection(ctx: QualityContext, tx: Tx, n: NewObjection, now: Date): Promise<string> {
  const who = actorOf(ctx);
  const dueAt = await addWorkingDays(tx, now, OBJECTION_DAYS);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO datong.objections (entry_id, org_id, record_key, field, current_value, proposed_value, reason,
       evidence, origin, conflict_id, raised_by, raised_by_name, raiser_org_id, due_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id`,
    [
      n.entryId,
      n.orgId,
      JSON.stringify(n.key),
      n.field,
      n.currentValue,
      n.proposedValue,
      n.reason,
      n.evidence,
      n.origin,
      n.conflictId,
      who.id,
      who.name,
      n.raiserOrgId,
      dueAt,
      now,
    ],
  );
  const id = rows[0]!.id;
  const { rows: entry } = await tx.query<{ code: string; provider_org_id: string }>(
    'SELECT code, provider_org_id FROM datong.catalog_entries WHERE id = $1',
    [n.entryId],
  );
  const detail = {
    entryCode: entry[0]!.code,
    providerOrgId: entry[0]!.provider_org_id,
    orgId: n.orgId,
    origin: n.origin,
    field: n.field,
    dueAt: dueAt.toISOString(),
    ...(n.conflictId !== null ? { conflictId: n.conflictId } : {}),
  };
  await step(ctx, tx, { id, entryId: n.entryId }, { action: 'raise', from: null, to: 'open', detail }, now);
  await notify(
    tx,
    'objection.raised',
    { orgId: n.orgId },
    {
      objectionId: id,
      entryId: n.entryId,
      entryCode: entry[0]!.code,
      field: n.field,
      dueAt: dueAt.toISOString(),
    },
  );
  return id;
}

/**
 * POST /api/quality/objections — a signed-in user objects to a record (by its key) or one field
 * of it. Access: the provider's staff (origin steward), the platform (steward), or a consumer
 * organisation whose active grant covers the key fields, the field and the record (consumer).
 * The current value is read from the data. Only the platform may address another department.
 */
export async function raiseObjection(
  ctx: QualityContext,
  tx: Tx,
  input: RaiseInput,
  opts: Clock = {},
): Promise<Objection> {
  const now = opts.now ?? new Date();
  const s = await objectionScope(tx, ctx);
  const entry = await catalog.getEntry(tx, input.entryId);
  if (!entry) throw objectionProblem(404, 'objection_entry_not_found');
  const viewer = await viewerOf(tx, ctx.actor);
  const version = entry.publishedVersion
    ? await catalog.getVersion(tx, entry.id, entry.publishedVersion)
    : undefined;
  const own = s.provides.includes(entry.providerOrgId) || maintains(viewer, entry.providerOrgId);
  if (!own && !s.governance && !publiclyVisible(viewer, version)) {
    throw objectionProblem(404, 'objection_entry_not_found');
  }
  if (input.orgId && input.orgId !== entry.providerOrgId) {
    if (!s.governance) throw objectionProblem(403, 'objection_route_forbidden');
    await checkOrg(tx, input.orgId);
  }
  const field = input.field ?? null;
  const ds = await datasetOf(tx, entry.id, input.key);
  checkKey(ds, input.key);
  checkField(ds, field);
  let record: Record<string, string | null> | null;
  let origin: Objection['origin'] = 'steward';
  if (own || s.governance) {
    record = await findRecord(tx, ds, input.key);
  } else {
    origin = 'consumer';
    record = s.orgId ? await recordForConsumer(tx, ds, s.orgId, input.key, field, now) : null;
    if (!record) throw objectionProblem(403, 'objection_no_access');
  }
  const id = await insertObjection(
    ctx,
    tx,
    {
      entryId: entry.id,
      orgId: input.orgId ?? entry.providerOrgId,
      key: input.key,
      field,
      currentValue: field ? (record[field] ?? null) : null,
      proposedValue: input.proposedValue ?? null,
      reason: requireReason(input.reason),
      evidence: input.evidence?.trim() ?? '',
      origin,
      conflictId: null,
      raiserOrgId: s.orgId,
    },
    now,
  );
  return getObjection(ctx, tx, id, { now });
}

/**
 * POST /api/share/objections — a signed application objects to a record it received under one of
 * its grants (in force; the key fields and the field granted; the record inside the row filter).
 */
export async function raiseByApp(
  ctx: QualityContext,
  tx: Tx,
  input: AppRaiseInput,
  opts: Clock = {},
): Promise<Objection> {
  const now = opts.now ?? new Date();
  const a = ctx.actor;
  if (a.kind !== 'app') throw objectionProblem(403, 'objection_no_access');
  const field = input.field ?? null;
  const { entryId, record } = await recordForApp(tx, a.id, input.grantId, input.key, field, now);
  const { rows } = await tx.query<{ provider_org_id: string }>(
    'SELECT provider_org_id FROM datong.catalog_entries WHERE id = $1',
    [entryId],
  );
  const id = await insertObjection(
    ctx,
    tx,
    {
      entryId,
      orgId: rows[0]!.provider_org_id,
      key: input.key,
      field,
      currentValue: field ? (record[field] ?? null) : null,
      proposedValue: input.proposedValue ?? null,
      reason: requireReason(input.reason),
      evidence: input.evidence?.trim() ?? '',
      origin: 'consumer',
      conflictId: null,
      raiserOrgId: a.orgId,
    },
    now,
  );
  return getObjection(ctx, tx, id, { now });
}

/**
 * POST /api/quality/crosschecks/conflicts/:id/objection — the platform turns a cross-check
 * conflict into an objection to the secondary source's record (its entry, the key, its field),
 * proposing the authoritative value, addressed to the department it chooses. Once per conflict.
 */
export async function raiseFromConflict(
  ctx: QualityContext,
  tx: Tx,
  conflictId: number,
  input: ConflictObjectionInput,
  opts: Clock = {},
): Promise<Objection> {
  const now = opts.now ?? new Date();
  const { rows } = await tx.query<{
    run_id: string;
    item_id: string;
    item_name: string;
    entry_id: string;
    field: string;
    key_field: string;
    subject_key: string;
    authoritative_value: string | null;
    objection_id: string | null;
  }>(
    `SELECT c.run_id::text AS run_id, c.item_id, i.name AS item_name, s.entry_id, s.field, s.key_field,
            c.subject_key, c.authoritative_value, c.objection_id
       FROM datong.crosscheck_conflicts c
       JOIN datong.data_items i ON i.id = c.item_id
       JOIN datong.data_item_sources s ON s.id = c.source_id
      WHERE c.id = $1 FOR UPDATE OF c`,
    [conflictId],
  );
  const c = rows[0];
  if (!c) throw objectionProblem(404, 'objection_conflict_not_found', { id: conflictId });
  if (c.objection_id)
    throw objectionProblem(409, 'objection_conflict_taken', { objectionId: c.objection_id });
  await checkOrg(tx, input.orgId);
  const key = { [c.key_field]: c.subject_key };
  const ds = await datasetOf(tx, c.entry_id, key);
  checkField(ds, c.field);
  const record = await findRecord(tx, ds, key);
  const reason =
    input.reason?.trim() ||
    `多源校核：「${c.item_name}」与权威来源不一致 / Cross-check: "${c.item_name}" differs from the authoritative source`;
  const s = await objectionScope(tx, ctx);
  const id = await insertObjection(
    ctx,
    tx,
    {
      entryId: c.entry_id,
      orgId: input.orgId,
      key,
      field: c.field,
      currentValue: record[c.field] ?? null,
      proposedValue: c.authoritative_value,
      reason: requireReason(reason),
      evidence: `crosscheck run ${c.run_id}, item ${c.item_name}, conflict ${conflictId}`,
      origin: 'crosscheck',
      conflictId,
      raiserOrgId: s.orgId,
    },
    now,
  );
  await tx.query('UPDATE datong.crosscheck_conflicts SET objection_id = $2 WHERE id = $1', [conflictId, id]);
  return getObjection(ctx, tx, id, { now });
}
