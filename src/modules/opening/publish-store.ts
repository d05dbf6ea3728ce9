import type { Queryable } from '../../platform/db/pool.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { Config } from './publish-config.js';
import type { OpenColumn, Publication, Report } from './publish-schemas.js';

/** The only code that touches datong.open_publications and datong.open_versions. */

export type PublicationStatus = 'draft' | 'pending' | 'published' | 'withdrawn';
export type BuildStatus = 'queued' | 'running' | 'done' | 'failed';

export interface PublicationRow {
  id: string;
  entryId: string;
  datasetId: string;
  name: string;
  kind: 'records' | 'aggregate';
  config: Config;
  status: PublicationStatus;
  requestedBy: string | null;
  requestedByName: string | null;
  requestedAt: Date | null;
  signedOffBy: string | null;
  signedOffByName: string | null;
  signedOffAt: Date | null;
  refusal: { by: string; at: string; reason: string } | null;
  currentVersion: number;
  keepVersions: number;
  columns: OpenColumn[];
  rowCount: number;
  publishedAt: Date | null;
  refreshedAt: Date | null;
  report: Report | null;
  buildStatus: BuildStatus | null;
  buildError: Localized | null;
  buildBatchId: number | null;
  orgId: string;
  updatedAt: Date;
}

const COLUMNS = `id, entry_id AS "entryId", dataset_id AS "datasetId", name, kind, config, status,
  requested_by AS "requestedBy", requested_by_name AS "requestedByName", requested_at AS "requestedAt",
  signed_off_by AS "signedOffBy", signed_off_by_name AS "signedOffByName", signed_off_at AS "signedOffAt",
  refusal, current_version AS "currentVersion", keep_versions AS "keepVersions", columns,
  row_count AS "rowCount", published_at AS "publishedAt", refreshed_at AS "refreshedAt", report,
  build_status AS "buildStatus", build_error AS "buildError", build_batch_id AS "buildBatchId",
  org_id AS "orgId", updated_at AS "updatedAt"`;

export async function readPublication(
  q: Queryable,
  by: { entryId: string } | { id: string },
  lock = false,
): Promise<PublicationRow | null> {
  const [col, val] = 'id' in by ? ['id', by.id] : ['entry_id', by.entryId];
  const { rows } = await q.query<PublicationRow>(
    `SELECT ${COLUMNS} FROM datong.open_publications WHERE ${col} = $1${lock ? ' FOR UPDATE' : ''}`,
    [val],
  );
  return rows[0] ?? null;
}

export async function listPublications(
  q: Queryable,
  orgIds: readonly string[] | undefined,
  status: PublicationStatus | undefined,
): Promise<PublicationRow[]> {
  const { rows } = await q.query<PublicationRow>(
    `SELECT ${COLUMNS} FROM datong.open_publications
      WHERE ($1::uuid[] IS NULL OR org_id = ANY($1::uuid[])) AND ($2::text IS NULL OR status = $2)
      ORDER BY updated_at DESC LIMIT 500`,
    [orgIds ?? null, status ?? null],
  );
  return rows;
}

/** Creates the draft, or stores a new configuration (back to draft: a new request is needed). */
export async function saveConfig(
  q: Queryable,
  input: { entryId: string; datasetId: string; name: string; orgId: string; config: Config },
): Promise<PublicationRow> {
  await q.query(
    `INSERT INTO datong.open_publications (entry_id, dataset_id, name, kind, config, org_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (entry_id) DO UPDATE
        SET config = EXCLUDED.config, kind = EXCLUDED.kind, status = 'draft', report = NULL,
            requested_by = NULL, requested_by_name = NULL, requested_at = NULL,
            signed_off_by = NULL, signed_off_by_name = NULL, signed_off_at = NULL,
            build_status = NULL, build_error = NULL, updated_at = now()`,
    [
      input.entryId,
      input.datasetId,
      input.name,
      input.config.kind,
      JSON.stringify(input.config),
      input.orgId,
    ],
  );
  return (await readPublication(q, { entryId: input.entryId }))!;
}

export async function setRequested(
  q: Queryable,
  id: string,
  by: { id: string | null; name: string },
  report: Report,
): Promise<void> {
  await q.query(
    `UPDATE datong.open_publications
        SET status = 'pending', requested_by = $2, requested_by_name = $3, requested_at = now(), report = $4,
            refusal = NULL, signed_off_by = NULL, signed_off_by_name = NULL, signed_off_at = NULL,
            build_status = NULL, build_error = NULL, updated_at = now()
      WHERE id = $1`,
    [id, by.id, by.name, JSON.stringify(report)],
  );
}

export async function setSignedOff(q: Queryable, id: string, by: { id: string | null; name: string }) {
  await q.query(
    `UPDATE datong.open_publications
        SET signed_off_by = $2, signed_off_by_name = $3, signed_off_at = now(), build_status = 'queued',
            build_error = NULL, build_batch_id = NULL, updated_at = now()
      WHERE id = $1`,
    [id, by.id, by.name],
  );
}

export async function setRefused(
  q: Queryable,
  id: string,
  refusal: { by: string; at: string; reason: string },
) {
  await q.query(
    `UPDATE datong.open_publications
        SET status = 'draft', refusal = $2, signed_off_by = NULL, signed_off_by_name = NULL,
            signed_off_at = NULL, build_status = NULL, build_error = NULL, updated_at = now()
      WHERE id = $1`,
    [id, JSON.stringify(refusal)],
  );
}

export async function setBuild(
  q: Queryable,
  id: string,
  status: BuildStatus,
  error: Localized | null,
  batchId: number | null,
): Promise<void> {
  await q.query(
    `UPDATE datong.open_publications SET build_status = $2, build_error = $3, build_batch_id = $4, updated_at = now()
      WHERE id = $1`,
    [id, status, error ? JSON.stringify(error) : null, batchId],
  );
}

export interface VersionRow {
  version: number;
  batchId: number | null;
  rows: number;
  suppressed: number;
  createdAt: Date;
}

export async function listVersions(q: Queryable, publicationId: string): Promise<VersionRow[]> {
  const { rows } = await q.query<VersionRow>(
    `SELECT version, batch_id AS "batchId", rows, suppressed, created_at AS "createdAt"
       FROM datong.open_versions WHERE publication_id = $1 ORDER BY version DESC`,
    [publicationId],
  );
  return rows;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const person = (id: string | null, name: string | null, at: Date | null) =>
  name && at ? { id, name, at: at.toISOString() } : null;

export function presentPublication(p: PublicationRow, versions: VersionRow[]): Publication {
  return {
    id: p.id,
    entryId: p.entryId,
    datasetId: p.datasetId,
    name: p.name,
    kind: p.kind,
    config: p.config,
    status: p.status,
    requested: person(p.requestedBy, p.requestedByName, p.requestedAt),
    signedOff: person(p.signedOffBy, p.signedOffByName, p.signedOffAt),
    refusal: p.refusal,
    currentVersion: p.currentVersion,
    columns: p.columns,
    rowCount: p.rowCount,
    publishedAt: iso(p.publishedAt),
    refreshedAt: iso(p.refreshedAt),
    report: p.report,
    build: { status: p.buildStatus, error: p.buildError, batchId: p.buildBatchId },
    versions: versions.map((v) => ({ ...v, createdAt: v.createdAt.toISOString() })),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function presentSummary(p: PublicationRow) {
  const { config: _c, report: _r, versions: _v, columns: _col, ...rest } = presentPublication(p, []);
  return rest;
}
