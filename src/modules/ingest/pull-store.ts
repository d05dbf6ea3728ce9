import type { Queryable } from '../../platform/db/pool.js';
import type { Message } from './check.js';
import type { LoadMode } from './load.js';

/** The pull sources' table (migrations/0009_ingest_pulls.sql). Only this file writes SQL against it. */

export type PullKind = 'http' | 'postgres';
export type PullFormat = 'csv' | 'tsv' | 'json' | 'ndjson';
export type PullEncoding = 'utf8' | 'utf8-bom' | 'gb18030';
export type PullStatus = 'queued' | 'running' | 'done' | 'failed' | 'aborted';

export interface PullRow {
  id: string;
  datasetId: string;
  entryId: string;
  name: string;
  kind: PullKind;
  mode: LoadMode;
  url: string | null;
  format: PullFormat | null;
  encoding: PullEncoding | null;
  connectionSealed: Buffer | null;
  query: string | null;
  watermarkColumn: string | null;
  watermark: string | null;
  schedule: string | null;
  enabled: boolean;
  timeoutSeconds: number;
  threshold: number;
  lastScheduledAt: Date | null;
  lastRunAt: Date | null;
  lastBatchId: number | null;
  lastStatus: PullStatus | null;
  lastError: Message | null;
  createdBy: string | null;
  createdByName: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What a pull is made of (create and update write these). */
export type PullFields = Pick<
  PullRow,
  | 'name'
  | 'kind'
  | 'mode'
  | 'url'
  | 'format'
  | 'encoding'
  | 'connectionSealed'
  | 'query'
  | 'watermarkColumn'
  | 'schedule'
  | 'enabled'
  | 'timeoutSeconds'
  | 'threshold'
>;

const SELECT = `SELECT p.id, p.dataset_id AS "datasetId", d.entry_id AS "entryId", p.name, p.kind, p.mode, p.url,
  p.format, p.encoding, p.connection_sealed AS "connectionSealed", p.query, p.watermark_column AS "watermarkColumn",
  p.watermark, p.schedule, p.enabled, p.timeout_seconds AS "timeoutSeconds", p.threshold,
  p.last_scheduled_at AS "lastScheduledAt", p.last_run_at AS "lastRunAt", p.last_batch_id AS "lastBatchId",
  p.last_status AS "lastStatus", p.last_error AS "lastError", p.created_by AS "createdBy",
  p.created_by_name AS "createdByName", p.created_at AS "createdAt", p.updated_at AS "updatedAt"
  FROM datong.ingest_pulls p JOIN datong.datasets d ON d.id = p.dataset_id`;

const pgErrorCode = (e: unknown) => (e as { code?: string; constraint?: string } | null)?.code;

/** The name is taken in this dataset (a unique violation on (dataset_id, name)). */
export const isNameTaken = (e: unknown) => pgErrorCode(e) === '23505';

export async function getPull(q: Queryable, id: string, lock = false): Promise<PullRow | undefined> {
  const { rows } = await q.query<PullRow>(`${SELECT} WHERE p.id = $1${lock ? ' FOR UPDATE OF p' : ''}`, [id]);
  return rows[0];
}

export async function listPulls(q: Queryable, entryId: string): Promise<PullRow[]> {
  const { rows } = await q.query<PullRow>(`${SELECT} WHERE d.entry_id = $1 ORDER BY p.name, p.id`, [entryId]);
  return rows;
}

/** Enabled pulls with a schedule, for the scheduler. */
export async function listScheduled(q: Queryable): Promise<PullRow[]> {
  const { rows } = await q.query<PullRow>(
    `${SELECT} WHERE p.schedule IS NOT NULL AND p.enabled ORDER BY p.id`,
  );
  return rows;
}

export async function insertPull(
  q: Queryable,
  datasetId: string,
  p: PullFields,
  by: { id: string | null; name: string },
): Promise<PullRow> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO datong.ingest_pulls (dataset_id, name, kind, mode, url, format, encoding, connection_sealed, query,
       watermark_column, schedule, enabled, timeout_seconds, threshold, last_scheduled_at, created_by, created_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now(), $15, $16) RETURNING id`,
    [
      datasetId,
      p.name,
      p.kind,
      p.mode,
      p.url,
      p.format,
      p.encoding,
      p.connectionSealed,
      p.query,
      p.watermarkColumn,
      p.schedule,
      p.enabled,
      p.timeoutSeconds,
      p.threshold,
      by.id,
      by.name,
    ],
  );
  return (await getPull(q, rows[0]!.id))!;
}

/**
 * Writes a pull's definition. `resetWatermark` forgets the last watermark (the query or the
 * incremental column changed); a changed schedule restarts from now (its next firing).
 */
export async function updatePull(
  q: Queryable,
  id: string,
  p: PullFields,
  opts: { resetWatermark: boolean; scheduleChanged: boolean },
): Promise<PullRow> {
  await q.query(
    `UPDATE datong.ingest_pulls SET name = $2, kind = $3, mode = $4, url = $5, format = $6, encoding = $7,
       connection_sealed = $8, query = $9, watermark_column = $10, schedule = $11, enabled = $12,
       timeout_seconds = $13, threshold = $14, updated_at = now(),
       watermark = CASE WHEN $15 THEN NULL ELSE watermark END,
       last_scheduled_at = CASE WHEN $16 THEN now() ELSE last_scheduled_at END
     WHERE id = $1`,
    [
      id,
      p.name,
      p.kind,
      p.mode,
      p.url,
      p.format,
      p.encoding,
      p.connectionSealed,
      p.query,
      p.watermarkColumn,
      p.schedule,
      p.enabled,
      p.timeoutSeconds,
      p.threshold,
      opts.resetWatermark,
      opts.scheduleChanged,
    ],
  );
  return (await getPull(q, id))!;
}

export async function deletePull(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM datong.ingest_pulls WHERE id = $1', [id]);
  return rowCount === 1;
}

/**
 * Marks a scheduled pull as queued at `at`, unless another worker did so first. `previous` came
 * through a JavaScript Date (milliseconds) while the column keeps microseconds (now() at creation).
 */
export async function claimSchedule(
  q: Queryable,
  id: string,
  previous: Date | null,
  at: Date,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE datong.ingest_pulls SET last_scheduled_at = $3, last_status = 'queued'
      WHERE id = $1 AND (CASE WHEN $2::timestamptz IS NULL THEN last_scheduled_at IS NULL
                              ELSE abs(extract(epoch FROM last_scheduled_at - $2::timestamptz)) < 0.001 END)`,
    [id, previous, at],
  );
  return rowCount === 1;
}

export async function markQueued(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE datong.ingest_pulls SET last_status = 'queued' WHERE id = $1`, [id]);
}

export async function markRunning(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE datong.ingest_pulls SET last_status = 'running', last_run_at = now() WHERE id = $1`, [
    id,
  ]);
}

/** The batch a running pull loads, so that its progress can be followed (GET /api/ingest/batches/:id). */
export async function setRunningBatch(q: Queryable, id: string, batchId: number): Promise<void> {
  await q.query('UPDATE datong.ingest_pulls SET last_batch_id = $2 WHERE id = $1', [id, batchId]);
}

/** Records a run's outcome; the watermark moves only when given (the batch finished 'done'). */
export async function finishPull(
  q: Queryable,
  id: string,
  r: { batchId: number | null; status: PullStatus; error: Message | null; watermark?: string | undefined },
): Promise<void> {
  await q.query(
    `UPDATE datong.ingest_pulls SET last_batch_id = $2, last_status = $3, last_error = $4,
       watermark = CASE WHEN $5 THEN $6 ELSE watermark END
     WHERE id = $1`,
    [
      id,
      r.batchId,
      r.status,
      r.error === null ? null : JSON.stringify(r.error),
      r.watermark !== undefined,
      r.watermark ?? null,
    ],
  );
}

/** The pull's status back to its last batch's (a queued scheduled run that did not run). */
export async function restoreStatus(q: Queryable, id: string): Promise<void> {
  await q.query(
    `UPDATE datong.ingest_pulls p SET last_status = (SELECT b.status FROM datong.ingest_batches b WHERE b.id = p.last_batch_id)
      WHERE p.id = $1`,
    [id],
  );
}

/**
 * A pull batch's error in both languages, replacing loadBatch's generic text when the source
 * itself failed midway (the one write of this file to ingest_batches).
 */
export async function setBatchError(q: Queryable, batchId: number, error: Message): Promise<void> {
  await q.query('UPDATE datong.ingest_batches SET error = $2 WHERE id = $1', [
    batchId,
    JSON.stringify(error),
  ]);
}
