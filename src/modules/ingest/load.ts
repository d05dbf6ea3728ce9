import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { eventFor } from '../../platform/audit/types.js';
import { AppError } from '../../platform/http/errors.js';
import { localize } from '../../platform/i18n/index.js';
import type { RequestContext } from '../../platform/context.js';
import { withTx, type Pool, type Tx as PoolClient } from '../../platform/db/pool.js';
import type { Services } from '../../platform/services.js';
import type { FieldInput } from '../catalog/schemas.js';
import type { Content } from '../catalog/store.js';
import { getCodeTableValues } from '../standards/index.js';
import { queueRunAfterLoad } from '../quality/jobs.js';
import { queueRefreshAfterLoad } from '../opening/publish-jobs.js';
import { CheckerError, compileChecker, duplicateKey, type Message, type Reject } from './check.js';
import { defaultMask, maskValue } from '../../platform/masking/index.js';
import { progressEnded, progressReported, progressStarted } from './progress.js';
import type { RecordSource } from './read/index.js';
import {
  createIndexes,
  createTableSql,
  datasetView,
  ensureDataset,
  pointView,
  readDataset,
  versionTable,
  type DatasetColumn,
  type DatasetRow,
} from './tables.js';

/**
 * One load batch (docs/INGEST.md "Batches"): records stream through the row checker into COPY,
 * inside one transaction that also applies the mode, records the batch and writes its audit
 * event. A batch that fails or exceeds the reject threshold rolls back whole: the dataset's
 * current version is untouched. A kill -9 does the same (the transaction never commits); the
 * batch row, committed up front, stays 'running' until `failInterruptedBatches` sees that no
 * session holds its lock.
 */

export type LoadMode = 'replace' | 'append' | 'upsert' | 'delete';

export interface Progress {
  rowsRead: number;
  rowsRejected: number;
  bytes: number;
  /** 0–100 when the source's size is known. */
  percent: number | null;
}

export interface LoadRequest {
  mode: LoadMode;
  source: RecordSource;
  /** What the batch row records as its source: {kind, name, format, encoding, …}. */
  sourceInfo: Record<string, unknown>;
  /** The source's format; XLSX date cells may hold spreadsheet serial numbers. */
  format?: string | undefined;
  /** The source's size in bytes, when known (for percent). */
  totalBytes?: number | undefined;
  /** Rejected / read above this aborts the batch (default 0.05). */
  rejectThreshold?: number | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  /** Called once the batch row is committed (and before any record is read), with its id. */
  onStart?: ((batchId: number) => void) | undefined;
}

export interface BatchResult {
  batchId: number;
  status: 'done' | 'failed' | 'aborted';
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
  bytes: number;
  version: number | null;
  error: Message | null;
}

export type LoadContext = RequestContext & { services: Services };

/** Advisory-lock class of running batches: a batch is running while a session holds (class, id). */
const BATCH_LOCK = 4_400_001;
/** Rejects kept per batch; all are counted. */
const MAX_STORED_REJECTS = 100_000;
const CHUNK_BYTES = 256 * 1024;
const PROGRESS_EVERY_MS = 250;

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

class BatchAbort extends Error {
  constructor(readonly reason: Message) {
    super(reason.en);
  }
}

/** A source that fails with a reason in both languages (a pull's timeout, a dropped connection). */
export class SourceFailure extends Error {
  constructor(readonly reason: Message) {
    super(reason.en);
  }
}

/** The reason in both languages a source failure or a readers' AppError carries; null for others. */
export function reasonOf(e: unknown): Message | null {
  if (e instanceof SourceFailure) return e.reason;
  if (e instanceof AppError) {
    return { 'zh-CN': localize(e.text, 'zh-CN', e.params), en: localize(e.text, 'en', e.params) };
  }
  return null;
}

/** Why a batch failed, in both languages: the source's or the readers' own words when they have them. */
function failureOf(e: unknown): Message {
  const text = e instanceof Error ? e.message : String(e);
  return reasonOf(e) ?? { 'zh-CN': `加载失败：${text}`, en: `The load failed: ${text}` };
}

/**
 * The index of each column's value in a record: by the saved mapping, the field code
 * (case-insensitive) or the Chinese field name. A column the file lacks is -1 (NULL).
 */
export function mapColumns(
  header: readonly string[],
  columns: readonly Pick<DatasetColumn, 'code' | 'name'>[],
  mapping: Readonly<Record<string, string>> = {},
): number[] {
  const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase();
  const at = new Map<string, number>();
  header.forEach((h, i) => {
    const target = mapping[h] ?? mapping[h.trim()];
    if (target && !at.has(`code:${target}`)) at.set(`code:${target}`, i);
    if (!at.has(`h:${norm(h)}`)) at.set(`h:${norm(h)}`, i);
  });
  return columns.map(
    (c) => at.get(`code:${c.code}`) ?? at.get(`h:${norm(c.code)}`) ?? at.get(`h:${norm(c.name)}`) ?? -1,
  );
}

/** Marks batches whose loading session is gone (a crash, kill -9) as failed. */
export async function failInterruptedBatches(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM datong.ingest_batches WHERE status = 'running'`,
    );
    let failed = 0;
    for (const { id } of rows) {
      const { rows: got } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        BATCH_LOCK,
        Number(id),
      ]);
      if (!got[0]?.ok) continue;
      try {
        const res = await client.query(
          `UPDATE datong.ingest_batches SET status = 'failed', finished_at = now(),
                  error = '{"zh-CN": "加载进程中断（进程退出或被终止），批次未提交", "en": "The loading process was interrupted (it exited or was killed); nothing was committed"}'
            WHERE id = $1 AND status = 'running'`,
          [id],
        );
        failed += res.rowCount ?? 0;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', [BATCH_LOCK, Number(id)]);
      }
    }
    return failed;
  } finally {
    client.release();
  }
}

async function fieldsOf(client: PoolClient, ds: DatasetRow): Promise<FieldInput[]> {
  const { rows } = await client.query<{ content: Content }>(
    'SELECT content FROM datong.catalog_versions WHERE entry_id = $1 AND version = $2',
    [ds.entryId, ds.catalogVersion],
  );
  const fields = rows[0]!.content.fields;
  // In the table's column order (a later catalog version may list its fields differently).
  return ds.columns.map((c) => fields.find((f: FieldInput) => f.code === c.code)!);
}

async function codeTablesOf(
  client: PoolClient,
  fields: readonly FieldInput[],
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const f of fields) {
    const id = f.codeTableId;
    if (!id || out.has(id)) continue;
    // A table that no longer exists is left out: the checker refuses the field by name.
    const values = await getCodeTableValues(client, id);
    if (values) out.set(id, new Set(values.map((v) => v.code)));
  }
  return out;
}

/** Loads one batch into the dataset of a published table-kind entry. */
export async function loadBatch(ctx: LoadContext, entryId: string, req: LoadRequest): Promise<BatchResult> {
  const { pool, ledger } = ctx.services;
  const client = await pool.connect();
  const result = failedResult(null);
  const rejects: Reject[] = [];
  try {
    // The dataset (created, or altered for new fields) commits on its own.
    await client.query('BEGIN');
    let ds = await ensureDataset(client, entryId);
    await client.query('COMMIT');

    const { rows: made } = await client.query<{ id: string }>(
      `INSERT INTO datong.ingest_batches (dataset_id, mode, source, started_by, started_by_name)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [ds.id, req.mode, JSON.stringify(req.sourceInfo), startedBy(ctx.actor).id, startedBy(ctx.actor).name],
    );
    result.batchId = Number(made[0]!.id);
    await client.query('SELECT pg_advisory_lock($1, $2)', [BATCH_LOCK, result.batchId]);
    // Live progress for GET /api/ingest/batches/:id while this process loads it (progress.ts).
    progressStarted(result.batchId);
    req.onStart?.(result.batchId);

    await client.query('BEGIN');
    // One load at a time per dataset; re-read under the lock.
    await client.query('SELECT 1 FROM datong.datasets WHERE id = $1 FOR UPDATE', [ds.id]);
    ds = (await readDataset(client, entryId))!;
    const keyCols = ds.columns.filter((c) => c.key);
    if ((req.mode === 'upsert' || req.mode === 'delete') && !keyCols.length) {
      throw new BatchAbort({
        'zh-CN': `${req.mode === 'upsert' ? '更新插入' : '按键删除'}需要主键，该目录没有声明主键信息项`,
        en: `${req.mode} needs a key, and the entry declares no key field`,
      });
    }
    const allFields = await fieldsOf(client, ds);
    const loadCols = req.mode === 'delete' ? keyCols : ds.columns;
    const fields = req.mode === 'delete' ? allFields.filter((f) => f.key) : allFields;
    const indexes = mapColumns(req.source.header, loadCols, ds.mapping);
    const missing = loadCols.filter((c, i) => indexes[i] === -1 && (c.key || fields[i]!.required));
    if (missing.length) {
      throw new BatchAbort({
        'zh-CN': `文件缺少必需的列：${missing.map((c) => `${c.name}（${c.code}）`).join('、')}`,
        en: `The file lacks required columns: ${missing.map((c) => `${c.code} (${c.name})`).join(', ')}`,
      });
    }
    const checker = compileChecker(fields, indexes, {
      codeTables: await codeTablesOf(client, fields),
      expectedWidth: req.source.header.length,
      excelSerialDates: req.format === 'xlsx',
      // A replace load finds duplicate keys in the database (buildKey), so that its memory does not
      // grow with the file; the other modes stage small batches and check them here.
      uniqueKeys: req.mode !== 'replace',
    });

    // Where the rows go: a new version table (replace) or a staging table with row numbers.
    const colList = loadCols.map((c) => q(c.code)).join(', ');
    let target: string;
    let copySql: string;
    if (req.mode === 'replace') {
      const { rows: v } = await client.query<{ next: number }>(
        'SELECT coalesce(max(version), 0) + 1 AS next FROM datong.dataset_versions WHERE dataset_id = $1',
        [ds.id],
      );
      result.version = v[0]!.next;
      // The key index is built once after COPY: faster than maintaining it row by row.
      await client.query(createTableSql(ds.name, result.version, ds.columns, { primaryKey: false }));
      target = versionTable(ds.name, result.version);
      // The source row numbers ride along until the key is built, then the column is dropped.
      await client.query(`ALTER TABLE ${target} ADD COLUMN _row bigint`);
      copySql = `COPY ${target} (_row, ${colList}) FROM STDIN`;
    } else {
      target = versionTable(ds.name, ds.currentVersion);
      await client.query(
        `CREATE TEMP TABLE _stage ON COMMIT DROP AS SELECT 0::bigint AS _row, ${colList} FROM ${target} WITH NO DATA`,
      );
      copySql = `COPY _stage (_row, ${colList}) FROM STDIN`;
    }

    // Stream: check each record, write COPY text in chunks, honour back-pressure.
    const copy = client.query(copyFrom(copySql));
    let chunk: string[] = [];
    let chunkBytes = 0;
    let lastProgress = 0;
    const report = () => {
      const bytes = req.source.bytesRead();
      const progress: Progress = {
        rowsRead: result.rowsRead,
        rowsRejected: result.rowsRejected,
        bytes,
        percent: req.totalBytes ? Math.min(100, Math.floor((bytes / req.totalBytes) * 100)) : null,
      };
      progressReported(result.batchId, progress);
      req.onProgress?.(progress);
    };
    const flush = async () => {
      if (!chunk.length) return;
      const ok = copy.write(chunk.join(''));
      chunk = [];
      chunkBytes = 0;
      if (!ok) await once(copy, 'drain');
    };
    try {
      for await (const record of req.source.records) {
        result.rowsRead++;
        const checked = checker.check(record.row, record.values);
        if ('line' in checked) {
          const line = `${record.row}\t${checked.line}`;
          chunk.push(line);
          chunkBytes += line.length;
          result.rowsAccepted++;
          if (chunkBytes >= CHUNK_BYTES) await flush();
        } else {
          result.rowsRejected++;
          for (const r of checked.rejects) if (rejects.length < MAX_STORED_REJECTS) rejects.push(r);
        }
        if ((result.rowsRead & 1023) === 0 && Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = Date.now();
          report();
        }
      }
      await flush();
      copy.end();
      await finished(copy);
    } catch (e) {
      // The server's answer to the aborted COPY arrives as an 'error' on the stream: it is this
      // same failure, and unheard it would be an uncaught exception that ends the process.
      copy.on('error', () => undefined);
      copy.destroy();
      throw e;
    }
    result.bytes = req.source.bytesRead();
    report();
    if (req.mode === 'replace') {
      if (keyCols.length) await buildKey(client, target, keyCols, fields, result, rejects);
      await client.query(`ALTER TABLE ${target} DROP COLUMN _row`);
    }

    const threshold = req.rejectThreshold ?? 0.05;
    if (result.rowsRead > 0 && result.rowsRejected / result.rowsRead > threshold) {
      const pct = ((result.rowsRejected / result.rowsRead) * 100).toFixed(1);
      throw new BatchAbort({
        'zh-CN': `拒收 ${result.rowsRejected} 行（${pct}%），超过阈值 ${threshold * 100}%，本批次未生效，当前数据不变`,
        en: `${result.rowsRejected} rows rejected (${pct}%), above the ${threshold * 100}% threshold: the batch was not applied and the current data is unchanged`,
      });
    }

    // The steward's own indexes, built once the rows are in (and only for a batch that applies).
    if (req.mode === 'replace') await createIndexes(client, ds.name, result.version!, ds.indexes);
    await applyMode(client, ds, req.mode, result, keyCols, rejects);
    result.status = 'done';
    await client.query(
      `UPDATE datong.ingest_batches SET status = 'done', finished_at = now(), rows_read = $2, rows_accepted = $3,
              rows_rejected = $4, rows_inserted = $5, rows_updated = $6, rows_deleted = $7, bytes = $8, version = $9
        WHERE id = $1`,
      [
        result.batchId,
        result.rowsRead,
        result.rowsAccepted,
        result.rowsRejected,
        result.rowsInserted,
        result.rowsUpdated,
        result.rowsDeleted,
        result.bytes,
        result.version,
      ],
    );
    const { rows: owner } = await client.query<{ provider: string; code: string }>(
      'SELECT provider_org_id AS provider, code FROM datong.catalog_entries WHERE id = $1',
      [entryId],
    );
    await ledger.record(
      client,
      eventFor(ctx, {
        action: 'ingest.load',
        objectType: 'dataset',
        objectId: ds.id,
        orgId: owner[0]!.provider,
        detail: {
          code: owner[0]!.code,
          batch: result.batchId,
          mode: req.mode,
          version: result.version,
          read: result.rowsRead,
          rejected: result.rowsRejected,
          inserted: result.rowsInserted,
          updated: result.rowsUpdated,
          deleted: result.rowsDeleted,
          source: req.sourceInfo,
        },
      }),
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    result.status = e instanceof BatchAbort || e instanceof CheckerError ? 'aborted' : 'failed';
    result.error =
      e instanceof BatchAbort
        ? e.reason
        : e instanceof CheckerError
          ? {
              'zh-CN': `信息项 ${e.field} 的定义无法用于校验：${e.reason['zh-CN']}`,
              en: `Field ${e.field} cannot be checked as defined: ${e.reason.en}`,
            }
          : failureOf(e);
    if (result.batchId) {
      await client
        .query(
          `UPDATE datong.ingest_batches SET status = $2, error = $3, finished_at = now(), rows_read = $4,
                  rows_accepted = $5, rows_rejected = $6, bytes = $7, version = NULL WHERE id = $1`,
          [
            result.batchId,
            result.status,
            JSON.stringify(result.error),
            result.rowsRead,
            result.rowsAccepted,
            result.rowsRejected,
            req.source.bytesRead(),
          ],
        )
        .catch(() => undefined);
    }
    result.version = null;
  } finally {
    if (result.batchId) {
      await storeRejects(client, result.batchId, rejects).catch(() => undefined);
      await client
        .query('SELECT pg_advisory_unlock($1, $2)', [BATCH_LOCK, result.batchId])
        .catch(() => undefined);
      progressEnded(result.batchId);
    }
    client.release();
  }
  if (result.status === 'done') await queueAfterBatch(ctx.services, result.batchId);
  return result;
}

/**
 * What a committed batch (a load or a rollback) sets going: a quality run of the dataset
 * (docs/QUALITY.md "Runs") and a refresh of its published open versions (docs/OPENING.md
 * "Refresh"). Queueing never fails the batch.
 */
export async function queueAfterBatch(
  services: Pick<Services, 'pool' | 'log'>,
  batchId: number,
): Promise<void> {
  await queueRunAfterLoad(services, batchId);
  await queueRefreshAfterLoad(services, batchId);
}

/**
 * The primary key of a replace load's new table, built once after COPY. Duplicate keys in the file
 * make the build fail; then every row after the first of a key is removed as a reject naming the
 * first row, and the key is built again. A file without duplicates pays for one index build only.
 */
async function buildKey(
  client: PoolClient,
  table: string,
  keyCols: readonly DatasetColumn[],
  fields: readonly FieldInput[],
  result: BatchResult,
  rejects: Reject[],
): Promise<void> {
  const keys = keyCols.map((c) => q(c.code));
  const addKey = `ALTER TABLE ${table} ADD PRIMARY KEY (${keys.join(', ')})`;
  await client.query('SAVEPOINT build_key');
  try {
    await client.query(addKey);
    return;
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') throw e;
    await client.query('ROLLBACK TO SAVEPOINT build_key');
  }
  const { rows } = await client.query<{ row: string; first: string; key: (string | null)[] }>(
    `WITH w AS (
       SELECT ctid, _row, first_value(_row) OVER k AS first, row_number() OVER k AS rn
         FROM ${table} WINDOW k AS (PARTITION BY ${keys.join(', ')} ORDER BY _row))
     DELETE FROM ${table} t USING w WHERE t.ctid = w.ctid AND w.rn > 1
     RETURNING w._row AS row, w.first, ARRAY[${keys.map((k) => `t.${k}::text`).join(', ')}] AS key`,
  );
  const pii = keyCols.map((c) => fields.find((f) => f.code === c.code)?.piiKind ?? 'none');
  for (const r of rows.sort((a, b) => Number(a.row) - Number(b.row))) {
    if (rejects.length >= MAX_STORED_REJECTS) break;
    rejects.push({
      row: Number(r.row),
      field: keyCols.map((c) => c.code).join(','),
      value: r.key.map((v, i) => (v === null ? '' : (maskValue(defaultMask(pii[i]!), v) ?? ''))).join(','),
      reason: duplicateKey(Number(r.first)),
    });
  }
  result.rowsRejected += rows.length;
  result.rowsAccepted -= rows.length;
  await client.query(addKey);
}

/** Applies the staged or copied rows by mode, with the change log, in the load's transaction. */
async function applyMode(
  client: PoolClient,
  ds: DatasetRow,
  mode: LoadMode,
  result: BatchResult,
  keyCols: readonly DatasetColumn[],
  rejects: Reject[],
): Promise<void> {
  const batch = result.batchId;
  const keys = keyCols.map((c) => q(c.code));
  const keyJson = (alias: string) =>
    `jsonb_build_object(${keyCols.map((c) => `'${c.code}', ${alias}.${q(c.code)}`).join(', ')})`;
  const target = versionTable(ds.name, ds.currentVersion);
  const cols = ds.columns.map((c) => q(c.code));

  if (mode === 'replace') {
    const version = result.version!;
    await pointView(client, ds.name, version);
    await client.query(
      `INSERT INTO datong.dataset_versions (dataset_id, version, batch_id, row_count) VALUES ($1, $2, $3, $4)`,
      [ds.id, version, batch, result.rowsAccepted],
    );
    await client.query('UPDATE datong.datasets SET current_version = $2, updated_at = now() WHERE id = $1', [
      ds.id,
      version,
    ]);
    // Keep the newest keep_versions tables.
    const { rows: old } = await client.query<{ version: number }>(
      `SELECT version FROM datong.dataset_versions WHERE dataset_id = $1 ORDER BY version DESC OFFSET $2`,
      [ds.id, ds.keepVersions],
    );
    for (const { version: v } of old) {
      await client.query(`DROP TABLE IF EXISTS ${versionTable(ds.name, v)}`);
      await client.query('DELETE FROM datong.dataset_versions WHERE dataset_id = $1 AND version = $2', [
        ds.id,
        v,
      ]);
    }
    await client.query(`INSERT INTO datong.ingest_changes (batch_id, op, key) VALUES ($1, 'R', NULL)`, [
      batch,
    ]);
    result.rowsInserted = result.rowsAccepted;
    return;
  }

  if (mode === 'append') {
    if (keys.length) {
      // Rows whose key is already stored are rejects, not silent updates.
      const { rows: clash } = await client.query<{ _row: string }>(
        `SELECT s._row FROM _stage s WHERE EXISTS (SELECT 1 FROM ${target} t WHERE ${keys
          .map((k) => `t.${k} = s.${k}`)
          .join(' AND ')}) ORDER BY s._row`,
      );
      for (const { _row } of clash) {
        if (rejects.length < MAX_STORED_REJECTS)
          rejects.push({
            row: Number(_row),
            field: null,
            value: null,
            reason: {
              'zh-CN': '主键已存在（追加模式不覆盖已有数据）',
              en: 'The key is already stored (append never overwrites)',
            },
          });
      }
      result.rowsRejected += clash.length;
      result.rowsAccepted -= clash.length;
      const { rowCount } = await client.query(
        `WITH ins AS (
           INSERT INTO ${target} (${cols.join(', ')})
           SELECT ${cols.map((c) => `s.${c}`).join(', ')} FROM _stage s
            WHERE NOT EXISTS (SELECT 1 FROM ${target} t WHERE ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')})
           RETURNING ${keys.join(', ')})
         INSERT INTO datong.ingest_changes (batch_id, op, key) SELECT $1, 'I', ${keyJson('ins')} FROM ins`,
        [batch],
      );
      result.rowsInserted = rowCount ?? 0;
    } else {
      const { rowCount } = await client.query(
        `INSERT INTO ${target} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM _stage`,
      );
      result.rowsInserted = rowCount ?? 0;
    }
  } else if (mode === 'upsert') {
    const nonKey = ds.columns.filter((c) => !c.key).map((c) => q(c.code));
    const onConflict = nonKey.length
      ? `DO UPDATE SET ${nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
         WHERE (${nonKey.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${nonKey.map((c) => `EXCLUDED.${c}`).join(', ')})`
      : 'DO NOTHING';
    const { rows } = await client.query<{ op: string; n: string }>(
      `WITH up AS (
         INSERT INTO ${target} AS t (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM _stage
         ON CONFLICT (${keys.join(', ')}) ${onConflict}
         RETURNING ${keys.map((k) => `t.${k}`).join(', ')}, (xmax = 0) AS inserted),
       logged AS (
         INSERT INTO datong.ingest_changes (batch_id, op, key)
         SELECT $1, CASE WHEN inserted THEN 'I' ELSE 'U' END, ${keyJson('up')} FROM up RETURNING op)
       SELECT op, count(*) AS n FROM logged GROUP BY op`,
      [batch],
    );
    for (const r of rows) {
      if (r.op === 'I') result.rowsInserted = Number(r.n);
      else result.rowsUpdated = Number(r.n);
    }
  } else {
    const { rowCount } = await client.query(
      `WITH del AS (
         DELETE FROM ${target} t USING _stage s WHERE ${keys.map((k) => `t.${k} = s.${k}`).join(' AND ')}
         RETURNING ${keys.map((k) => `t.${k}`).join(', ')})
       INSERT INTO datong.ingest_changes (batch_id, op, key) SELECT $1, 'D', ${keyJson('del')} FROM del`,
      [batch],
    );
    result.rowsDeleted = rowCount ?? 0;
  }
  await client.query(
    'UPDATE datong.dataset_versions SET row_count = (SELECT count(*) FROM ' +
      datasetView(ds.name) +
      ') WHERE dataset_id = $1 AND version = $2',
    [ds.id, ds.currentVersion],
  );
}

async function storeRejects(client: PoolClient, batchId: number, rejects: readonly Reject[]): Promise<void> {
  for (let i = 0; i < rejects.length; i += 5000) {
    const part = rejects.slice(i, i + 5000);
    await client.query(
      `INSERT INTO datong.ingest_rejects (batch_id, row, field, value, reason_zh, reason_en)
       SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        batchId,
        part.map((r) => r.row),
        part.map((r) => r.field),
        part.map((r) => r.value),
        part.map((r) => r.reason['zh-CN']),
        part.map((r) => r.reason.en),
      ],
    );
  }
}

/**
 * Records a batch that failed before `loadBatch` could start (the source could not be opened: a
 * timeout, a refused connection, an unreadable answer), so that it shows among the dataset's
 * batches with its reason. Creates the dataset if needed, as `loadBatch` would.
 */
export async function recordFailedBatch(
  ctx: LoadContext,
  entryId: string,
  mode: LoadMode,
  sourceInfo: Record<string, unknown>,
  error: Message,
): Promise<BatchResult> {
  const { pool } = ctx.services;
  const ds = (await readDataset(pool, entryId)) ?? (await withTx(pool, (tx) => ensureDataset(tx, entryId)));
  const by = startedBy(ctx.actor);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO datong.ingest_batches (dataset_id, mode, source, status, error, started_by, started_by_name, finished_at)
     VALUES ($1, $2, $3, 'failed', $4, $5, $6, now()) RETURNING id`,
    [ds.id, mode, JSON.stringify(sourceInfo), JSON.stringify(error), by.id, by.name],
  );
  return failedResult(error, Number(rows[0]!.id));
}

/** Who a batch records as having started it: the user's or app's id, and a name to show. */
export function startedBy(actor: LoadContext['actor']): { id: string | null; name: string } {
  return {
    id: actor.kind === 'user' || actor.kind === 'app' ? actor.id : null,
    name: actor.kind === 'user' ? actor.displayName : actor.kind === 'anonymous' ? '—' : actor.name,
  };
}

/** A batch result with nothing loaded: where loadBatch starts, and what a failed start answers. */
export function failedResult(error: Message | null, batchId = 0): BatchResult {
  return {
    batchId,
    status: 'failed',
    rowsRead: 0,
    rowsAccepted: 0,
    rowsRejected: 0,
    rowsInserted: 0,
    rowsUpdated: 0,
    rowsDeleted: 0,
    bytes: 0,
    version: null,
    error,
  };
}
