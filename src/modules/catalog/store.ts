import type { Queryable, Tx } from '../../platform/db/pool.js';
import type { EntryInput, Field, VersionStatus } from './schemas.js';

/** The catalog tables (migrations/0004_catalog.sql). Only this file writes SQL against them. */

/** A version's stored content: the normalised EntryInput, provider kept on the entry. */
export type Content = Omit<EntryInput, 'providerOrgId' | 'fields'> & { fields: Field[] };

export interface EntryRow {
  id: string;
  code: string;
  providerOrgId: string;
  providerOrgName: string;
  providerCode: string;
  publishedVersion: number | null;
  workingVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface VersionRow {
  entryId: string;
  version: number;
  status: VersionStatus;
  content: Content;
  reviewComment: string | null;
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
  submittedAt: Date | null;
  publishedAt: Date | null;
}

export interface TransitionRow {
  action: string;
  version: number;
  fromStatus: string | null;
  toStatus: string;
  actorName: string | null;
  comment: string | null;
  at: Date;
}

const ENTRY_COLUMNS = `e.id, e.code, e.provider_org_id AS "providerOrgId", o.name AS "providerOrgName",
  o.uscc AS "providerCode", e.published_version AS "publishedVersion", e.working_version AS "workingVersion",
  e.created_at AS "createdAt", e.updated_at AS "updatedAt"`;

const VERSION_COLUMNS = `v.entry_id AS "entryId", v.version, v.status, v.content,
  v.review_comment AS "reviewComment", v.status_reason AS "statusReason", v.created_at AS "createdAt",
  v.updated_at AS "updatedAt", v.submitted_at AS "submittedAt", v.published_at AS "publishedAt"`;

/** Next 6-digit sequence of a classification; the upsert's row lock serialises concurrent callers. */
export async function nextSequence(tx: Tx, classification: string): Promise<number> {
  const { rows } = await tx.query<{ seq: number }>(
    `INSERT INTO datong.catalog_code_counters (classification, last_seq) VALUES ($1, 1)
     ON CONFLICT (classification) DO UPDATE SET last_seq = datong.catalog_code_counters.last_seq + 1
     RETURNING last_seq AS seq`,
    [classification],
  );
  return rows[0]!.seq;
}

export async function insertEntry(tx: Tx, code: string, providerOrgId: string): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO datong.catalog_entries (code, provider_org_id) VALUES ($1, $2) RETURNING id',
    [code, providerOrgId],
  );
  return rows[0]!.id;
}

/** The search/facet columns of a version, copied from its content. */
function denormalised(content: Content): unknown[] {
  return [
    content.name,
    content.summary,
    content.category,
    content.classification.join('.'),
    content.resourceKind,
    content.shareType,
    content.openType,
    content.grade,
    content.important,
    content.core,
    content.updateCycle,
    content.formats,
    content.tags,
  ];
}

export async function insertVersion(
  tx: Tx,
  entryId: string,
  version: number,
  status: VersionStatus,
  content: Content,
  providerOrgId: string,
): Promise<void> {
  await tx.query(
    `INSERT INTO datong.catalog_versions (entry_id, version, status, content, provider_org_id, latest,
       name, summary, category, classification, resource_kind, share_type, open_type, grade, important, core,
       update_cycle, formats, tags)
     VALUES ($1, $2, $3, $4, $5, true, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
    [entryId, version, status, JSON.stringify(content), providerOrgId, ...denormalised(content)],
  );
  // Only the newest version is the working one.
  await tx.query(
    'UPDATE datong.catalog_versions SET latest = false WHERE entry_id = $1 AND version <> $2 AND latest',
    [entryId, version],
  );
}

export async function replaceContent(
  tx: Tx,
  entryId: string,
  version: number,
  content: Content,
): Promise<void> {
  await tx.query(
    `UPDATE datong.catalog_versions SET content = $3, updated_at = now(),
       name = $4, summary = $5, category = $6, classification = $7, resource_kind = $8, share_type = $9,
       open_type = $10, grade = $11, important = $12, core = $13, update_cycle = $14, formats = $15, tags = $16
     WHERE entry_id = $1 AND version = $2`,
    [entryId, version, JSON.stringify(content), ...denormalised(content)],
  );
}

export interface StatusChange {
  status: VersionStatus;
  reviewComment?: string | null;
  statusReason?: string | null;
  submitted?: boolean;
  published?: boolean;
}

export async function setStatus(
  tx: Tx,
  entryId: string,
  version: number,
  change: StatusChange,
): Promise<void> {
  await tx.query(
    `UPDATE datong.catalog_versions SET status = $3, updated_at = now(),
       review_comment = CASE WHEN $4::boolean THEN $5 ELSE review_comment END,
       status_reason = CASE WHEN $6::boolean THEN $7 ELSE status_reason END,
       submitted_at = CASE WHEN $8::boolean THEN now() ELSE submitted_at END,
       published_at = CASE WHEN $9::boolean THEN now() ELSE published_at END
     WHERE entry_id = $1 AND version = $2`,
    [
      entryId,
      version,
      change.status,
      change.reviewComment !== undefined,
      change.reviewComment ?? null,
      change.statusReason !== undefined,
      change.statusReason ?? null,
      change.submitted ?? false,
      change.published ?? false,
    ],
  );
}

export async function setEntryVersions(
  tx: Tx,
  id: string,
  versions: { published?: number | null; working?: number },
): Promise<void> {
  await tx.query(
    `UPDATE datong.catalog_entries SET updated_at = now(),
       published_version = CASE WHEN $2::boolean THEN $3::integer ELSE published_version END,
       working_version = COALESCE($4::integer, working_version)
     WHERE id = $1`,
    [id, versions.published !== undefined, versions.published ?? null, versions.working ?? null],
  );
}

/** Touches the entry (its updated_at is the "updated" sort of search). */
export async function touchEntry(tx: Tx, id: string): Promise<void> {
  await tx.query('UPDATE datong.catalog_entries SET updated_at = now() WHERE id = $1', [id]);
}

export async function getEntry(
  q: Queryable,
  id: string,
  opts: { lock?: boolean } = {},
): Promise<EntryRow | undefined> {
  // FOR UPDATE OF e: transitions of one entry run one at a time (two reviewers approving at once).
  const { rows } = await q.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM datong.catalog_entries e JOIN datong.orgs o ON o.id = e.provider_org_id
     WHERE e.id = $1 ${opts.lock ? 'FOR UPDATE OF e' : ''}`,
    [id],
  );
  return rows[0];
}

export async function getEntryByCode(q: Queryable, code: string): Promise<EntryRow | undefined> {
  const { rows } = await q.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM datong.catalog_entries e JOIN datong.orgs o ON o.id = e.provider_org_id
     WHERE e.code = $1`,
    [code],
  );
  return rows[0];
}

export async function getVersion(
  q: Queryable,
  entryId: string,
  version: number,
): Promise<VersionRow | undefined> {
  const { rows } = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM datong.catalog_versions v WHERE v.entry_id = $1 AND v.version = $2`,
    [entryId, version],
  );
  return rows[0];
}

export async function listVersions(q: Queryable, entryId: string): Promise<VersionRow[]> {
  const { rows } = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM datong.catalog_versions v WHERE v.entry_id = $1 ORDER BY v.version`,
    [entryId],
  );
  return rows;
}

export interface EntryVersionRow {
  entry: EntryRow;
  version: VersionRow;
}

/**
 * Entries with one version each, chosen by `where` over `v`/`e` (bound to `params`), ordered by
 * `orderBy`. Used for the review queue and the open-data listings.
 */
export async function listEntryVersions(
  q: Queryable,
  where: string,
  params: unknown[],
  orderBy: string,
  limit: number,
): Promise<EntryVersionRow[]> {
  const { rows } = await q.query<EntryRow & { v: VersionRow }>(
    `SELECT ${ENTRY_COLUMNS}, json_build_object('entryId', v.entry_id, 'version', v.version, 'status', v.status,
       'content', v.content, 'reviewComment', v.review_comment, 'statusReason', v.status_reason,
       'createdAt', v.created_at, 'updatedAt', v.updated_at, 'submittedAt', v.submitted_at,
       'publishedAt', v.published_at) AS v
     FROM datong.catalog_versions v
     JOIN datong.catalog_entries e ON e.id = v.entry_id
     JOIN datong.orgs o ON o.id = e.provider_org_id
     WHERE ${where} ORDER BY ${orderBy} LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  );
  return rows.map(({ v, ...entry }) => ({ entry, version: reviveVersion(v) }));
}

/** json_build_object returns timestamps as strings; the rest of the module expects Dates. */
function reviveVersion(v: VersionRow): VersionRow {
  const date = (x: Date | string | null): Date | null => (x === null ? null : new Date(x));
  return {
    ...v,
    createdAt: date(v.createdAt)!,
    updatedAt: date(v.updatedAt)!,
    submittedAt: date(v.submittedAt),
    publishedAt: date(v.publishedAt),
  };
}

export async function insertTransition(
  tx: Tx,
  t: {
    entryId: string;
    version: number;
    action: string;
    fromStatus: string | null;
    toStatus: string;
    actorId: string | null;
    actorName: string | null;
    comment: string | null;
  },
): Promise<void> {
  await tx.query(
    `INSERT INTO datong.catalog_transitions (entry_id, version, action, from_status, to_status, actor_id,
       actor_name, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [t.entryId, t.version, t.action, t.fromStatus, t.toStatus, t.actorId, t.actorName, t.comment],
  );
}

export async function listTransitions(q: Queryable, entryId: string): Promise<TransitionRow[]> {
  const { rows } = await q.query<TransitionRow>(
    `SELECT action, version, from_status AS "fromStatus", to_status AS "toStatus", actor_name AS "actorName",
       comment, at FROM datong.catalog_transitions WHERE entry_id = $1 ORDER BY id`,
    [entryId],
  );
  return rows;
}

/** Re-codes a never-published entry whose classification changed. */
export async function setCode(tx: Tx, id: string, code: string): Promise<void> {
  await tx.query('UPDATE datong.catalog_entries SET code = $2 WHERE id = $1', [id, code]);
}

export async function countEntryVersions(q: Queryable, where: string, params: unknown[]): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM datong.catalog_versions v JOIN datong.catalog_entries e ON e.id = v.entry_id
     WHERE ${where}`,
    params,
  );
  return rows[0]?.n ?? 0;
}
