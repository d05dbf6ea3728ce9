import type { Queryable } from '../../platform/db/pool.js';

/** The harvest tables (migrations/0006_catalog_harvest.sql). Only this file writes SQL against them. */

export interface SourceRow {
  id: string;
  name: string;
  kind: 'ckan' | 'dcat';
  url: string;
  schedule: string | null;
  providerOrgId: string;
  createdBy: string | null;
  createdAt: Date;
  lastScheduledAt: Date | null;
}

export interface Rejection {
  ref: string;
  reason: string;
}

export interface RunRow {
  id: string;
  sourceId: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  trigger: 'manual' | 'schedule';
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  created: number;
  updated: number;
  unchanged: number;
  rejected: Rejection[];
  error: string | null;
}

const SOURCE = `id, name, kind, url, schedule, provider_org_id AS "providerOrgId", created_by AS "createdBy",
  created_at AS "createdAt", last_scheduled_at AS "lastScheduledAt"`;
const RUN = `id, source_id AS "sourceId", status, trigger, queued_at AS "queuedAt", started_at AS "startedAt",
  finished_at AS "finishedAt", created, updated, unchanged, rejected, error`;

export async function insertSource(
  q: Queryable,
  s: Pick<SourceRow, 'name' | 'kind' | 'url' | 'schedule' | 'providerOrgId' | 'createdBy'>,
): Promise<SourceRow> {
  const { rows } = await q.query<SourceRow>(
    `INSERT INTO datong.harvest_sources (name, kind, url, schedule, provider_org_id, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SOURCE}`,
    [s.name, s.kind, s.url, s.schedule, s.providerOrgId, s.createdBy],
  );
  return rows[0]!;
}

export async function getSource(q: Queryable, id: string): Promise<SourceRow | undefined> {
  const { rows } = await q.query<SourceRow>(`SELECT ${SOURCE} FROM datong.harvest_sources WHERE id = $1`, [
    id,
  ]);
  return rows[0];
}

export async function listSources(q: Queryable): Promise<SourceRow[]> {
  const { rows } = await q.query<SourceRow>(`SELECT ${SOURCE} FROM datong.harvest_sources ORDER BY name`);
  return rows;
}

/** Marks a scheduled source as queued at `at`, unless another worker did so first. */
export async function claimSchedule(
  q: Queryable,
  id: string,
  previous: Date | null,
  at: Date,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE datong.harvest_sources SET last_scheduled_at = $3
     WHERE id = $1 AND last_scheduled_at IS NOT DISTINCT FROM $2`,
    [id, previous, at],
  );
  return rowCount === 1;
}

export async function insertRun(q: Queryable, sourceId: string, trigger: RunRow['trigger']): Promise<RunRow> {
  const { rows } = await q.query<RunRow>(
    `INSERT INTO datong.harvest_runs (source_id, trigger) VALUES ($1, $2) RETURNING ${RUN}`,
    [sourceId, trigger],
  );
  return rows[0]!;
}

export async function getRun(q: Queryable, id: string): Promise<RunRow | undefined> {
  const { rows } = await q.query<RunRow>(`SELECT ${RUN} FROM datong.harvest_runs WHERE id = $1`, [id]);
  return rows[0];
}

export async function startRun(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE datong.harvest_runs SET status = 'running', started_at = now() WHERE id = $1`, [id]);
}

export async function finishRun(
  q: Queryable,
  id: string,
  r: Pick<RunRow, 'status' | 'created' | 'updated' | 'unchanged' | 'rejected' | 'error'>,
): Promise<void> {
  await q.query(
    `UPDATE datong.harvest_runs SET status = $2, finished_at = now(), created = $3, updated = $4, unchanged = $5,
       rejected = $6, error = $7 WHERE id = $1`,
    [id, r.status, r.created, r.updated, r.unchanged, JSON.stringify(r.rejected), r.error],
  );
}

export async function getItem(
  q: Queryable,
  sourceId: string,
  remoteId: string,
): Promise<{ entryId: string; contentHash: string } | undefined> {
  const { rows } = await q.query<{ entryId: string; contentHash: string }>(
    `SELECT entry_id AS "entryId", content_hash AS "contentHash" FROM datong.harvest_items
     WHERE source_id = $1 AND remote_id = $2`,
    [sourceId, remoteId],
  );
  return rows[0];
}

export async function saveItem(
  q: Queryable,
  sourceId: string,
  remoteId: string,
  entryId: string,
  contentHash: string,
): Promise<void> {
  await q.query(
    `INSERT INTO datong.harvest_items (source_id, remote_id, entry_id, content_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (source_id, remote_id) DO UPDATE SET entry_id = $3, content_hash = $4, harvested_at = now()`,
    [sourceId, remoteId, entryId, contentHash],
  );
}
