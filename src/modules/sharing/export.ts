import fs from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { quickAddJob } from 'graphile-worker';
import type { RequestContext } from '../../platform/context.js';
import { ident, type Pool } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { CSV_TYPE, neutralise, XLSX_TYPE } from '../ingest/rejects-export.js';
import { DataServices, selectList, unusable, whereOf, type CompiledGrant } from './services.js';

/**
 * Exports of the data services (docs/SHARING.md "Data services"): an application asks for the
 * rows of its grant as one file (`POST /api/services/grants/:id/exports {format}` → 202), the job
 * `share:export` builds it and the application polls the export and fetches the file.
 *
 * The build reads the grant and the data in ONE repeatable-read snapshot: the grant is compiled
 * there and refused if it is no longer usable; the rows come from a server-side cursor (2,000 a
 * fetch) in key order, granted fields only, under the grant's row filter, masked as the grant
 * says; every text cell that starts like a formula gets a leading ' (`neutralise`). The file is
 * written as `<home>/exports/<id>.<ext>.part` and renamed when complete. One audit event
 * (`share.service.export`, the application's, with the original request id) is appended and made
 * durable before the export is marked done: no file is served that the audit does not know of.
 * The event has the row count, the number of subject values (公民身份号码, 统一社会信用代码) and
 * their keyed hashes when there are at most 10,000 distinct ones.
 */

export const EXPORT_TASK = 'share:export';
const FETCH = 2000;
/** Up to this many distinct subjects, the audit event lists their hashes. */
export const MAX_SUBJECT_HASHES = 10_000;

const messages = {
  export_not_found: { 'zh-CN': '导出 {id} 不存在', en: 'There is no export {id}' },
  export_not_ready: {
    'zh-CN': '导出尚未完成（状态：{status}）',
    en: 'The export is not ready (status: {status})',
  },
} satisfies Record<string, Localized>;

export function exportProblem(
  status: number,
  code: keyof typeof messages,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, messages[code], params);
}

export type ExportFormat = 'csv' | 'xlsx';
export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ShareExport {
  id: string;
  grantId: string;
  appId: string;
  format: ExportFormat;
  status: ExportStatus;
  rows: number | null;
  bytes: number | null;
  file: string | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

interface ExportDbRow {
  id: string;
  grant_id: string;
  app_id: string;
  format: ExportFormat;
  status: ExportStatus;
  rows: string | null;
  bytes: string | null;
  file: string | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  requested_by: Pick<RequestContext, 'actor' | 'requestId' | 'clientIp' | 'lang'>;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const present = (r: ExportDbRow): ShareExport => ({
  id: r.id,
  grantId: r.grant_id,
  appId: r.app_id,
  format: r.format,
  status: r.status,
  rows: num(r.rows),
  bytes: num(r.bytes),
  file: r.file,
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

/** Records the export and queues its job; answers its id. */
export async function queueExport(
  services: Services,
  ctx: RequestContext,
  g: CompiledGrant,
  format: ExportFormat,
): Promise<string> {
  const { pool } = services;
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO datong.share_exports (grant_id, app_id, format, requested_by) VALUES ($1, $2, $3, $4) RETURNING id`,
    [
      g.id,
      g.appId,
      format,
      JSON.stringify({ actor: ctx.actor, requestId: ctx.requestId, clientIp: ctx.clientIp, lang: ctx.lang }),
    ],
  );
  const id = rows[0]!.id;
  try {
    await quickAddJob(
      { pgPool: pool },
      EXPORT_TASK,
      { exportId: id },
      { jobKey: `share:export:${id}`, maxAttempts: 1 },
    );
  } catch (err) {
    await finish(pool, id, { status: 'failed', error: 'the job could not be queued' });
    throw err;
  }
  return id;
}

/** An export of the calling application; any other is missing (404). */
export async function getExport(pool: Pool, ctx: RequestContext, id: string): Promise<ShareExport> {
  const { rows } = await pool.query<ExportDbRow>('SELECT * FROM datong.share_exports WHERE id = $1', [id]);
  const r = rows[0];
  if (!r || ctx.actor.kind !== 'app' || r.app_id !== ctx.actor.id) {
    throw exportProblem(404, 'export_not_found', { id });
  }
  return present(r);
}

export const exportDir = (home: string) => path.join(home, 'exports');

/** The built file of an export: its path, the name to download it as, its type, a stream. */
export function exportFileOf(home: string, e: ShareExport) {
  const file = path.join(exportDir(home), path.basename(e.file ?? `${e.id}.${e.format}`));
  return {
    path: file,
    name: `export-${e.id}.${e.format}`,
    type: e.format === 'csv' ? CSV_TYPE : XLSX_TYPE,
    stream: () => fs.createReadStream(file),
  };
}

async function finish(
  pool: Pool,
  id: string,
  set: { status: 'done' | 'failed'; rows?: number; bytes?: number; file?: string; error?: string },
): Promise<void> {
  await pool.query(
    `UPDATE datong.share_exports SET status = $2, rows = $3, bytes = $4, file = $5, error = $6, finished_at = now()
      WHERE id = $1`,
    [id, set.status, set.rows ?? null, set.bytes ?? null, set.file ?? null, set.error ?? null],
  );
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (cells: readonly string[]) => `${cells.map(csvField).join(',')}\r\n`;

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Column types whose text PostgreSQL writes itself (numbers, dates…): never formula-like. */
const TYPED = /^(smallint|integer|bigint|numeric|decimal|real|double|date|timestamp|time|boolean)/i;

interface Sink {
  row(cells: (string | null)[]): Promise<void>;
  end(): Promise<void>;
}

async function openSink(file: string, format: ExportFormat, header: string[]): Promise<Sink> {
  const out = fs.createWriteStream(file);
  const closed = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
  });
  if (format === 'csv') {
    let chunk = `\uFEFF${csvLine(header)}`;
    return {
      async row(cells) {
        chunk += csvLine(cells.map((c) => c ?? ''));
        if (chunk.length >= 64 * 1024) {
          await write(out, chunk);
          chunk = '';
        }
      },
      async end() {
        if (chunk) await write(out, chunk);
        out.end();
        await closed;
      },
    };
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('data', { views: [{ state: 'frozen', ySplit: 1 }] });
  const h = sheet.addRow(header);
  h.font = { bold: true };
  h.commit();
  return {
    async row(cells) {
      sheet.addRow(cells.map((c) => c ?? null)).commit();
    },
    async end() {
      sheet.commit();
      await workbook.commit();
      await closed;
    },
  };
}

export type BuildOutcome =
  | { status: 'done'; rows: number; bytes: number; subjects: number }
  | { status: 'failed'; error: string }
  | { status: 'skipped' };

/**
 * Builds one export (the job's work; tests call it directly). Never throws for the export's own
 * failures: they are recorded on the export (status failed, error) and answered.
 */
export async function buildExport(
  services: Services,
  ds: DataServices,
  exportId: string,
): Promise<BuildOutcome> {
  const { pool } = services;
  const { rows: claimed } = await pool.query<ExportDbRow>(
    `UPDATE datong.share_exports SET status = 'running', started_at = now()
      WHERE id = $1 AND status = 'queued' RETURNING *`,
    [exportId],
  );
  const e = claimed[0];
  if (!e) return { status: 'skipped' };
  const ctx: RequestContext = { ...e.requested_by };
  const name = `${e.id}.${e.format}`;
  const dir = exportDir(services.config.home);
  const final = path.join(dir, name);
  const part = `${final}.part`;
  const fail = async (error: string): Promise<BuildOutcome> => {
    await fs.promises.rm(part, { force: true });
    await fs.promises.rm(final, { force: true });
    await finish(pool, e.id, { status: 'failed', error });
    return { status: 'failed', error };
  };
  let g: CompiledGrant | null;
  let rows = 0;
  let subjectValues = 0;
  const hashes = new Set<string>();
  let hashing = true;
  try {
    await fs.promises.mkdir(dir, { recursive: true });
    const client = await pool.connect();
    let open = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      open = true;
      g = await ds.compile(client, e.grant_id);
      const problem = unusable(ctx, g ?? undefined, e.grant_id);
      if (problem || !g) {
        await client.query('ROLLBACK');
        open = false;
        return await fail(problem?.message ?? 'the grant cannot be used');
      }
      const codes = g.columns.map((c) => c.code);
      const keys =
        g.keyColumns.length && !g.ungrantedKey.length ? g.keyColumns.map((c) => ident(c.code)) : [];
      await client.query(
        `DECLARE share_export NO SCROLL CURSOR FOR
           SELECT ${selectList(g, codes)} FROM ${g.view} ${whereOf(g, '')}
           ${keys.length ? `ORDER BY ${keys.join(', ')}` : ''}`,
        g.filterParams,
      );
      const sink = await openSink(part, e.format, codes);
      const subjectAt = g.columns.flatMap((c, i) => (c.subject ? [i] : []));
      const textAt = g.columns.flatMap((c, i) => (TYPED.test(c.pgType) ? [] : [i]));
      try {
        for (;;) {
          const { rows: batch } = await client.query<Record<string, string | null>>(
            `FETCH ${FETCH} FROM share_export`,
          );
          for (const r of batch) {
            const cells = codes.map((c) => r[c] ?? null);
            for (const i of subjectAt) {
              const v = cells[i];
              if (!v) continue;
              subjectValues++;
              if (hashing) {
                hashes.add(ds.subjectHash(v));
                if (hashes.size > MAX_SUBJECT_HASHES) hashing = false;
              }
            }
            g.masks(cells);
            for (const i of textAt) {
              const v = cells[i];
              if (v) cells[i] = neutralise(v);
            }
            await sink.row(cells);
            rows++;
          }
          if (batch.length < FETCH) break;
        }
      } finally {
        await sink.end();
      }
      await client.query('COMMIT');
      open = false;
    } finally {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
    const { size } = await fs.promises.stat(part);
    // The audit event is durable before the file can be fetched; without it there is no file.
    await ds.audit(ctx, g, 'share.service.export', {
      export: e.id,
      format: e.format,
      fields: g.columns.map((c) => c.code),
      rows,
      bytes: size,
      subjectCount: subjectValues,
      ...(hashing ? { subjects: [...hashes] } : { subjectsDistinctOver: MAX_SUBJECT_HASHES }),
    });
    await fs.promises.rename(part, final);
    await finish(pool, e.id, { status: 'done', rows, bytes: size, file: name });
    return { status: 'done', rows, bytes: size, subjects: subjectValues };
  } catch (err) {
    services.log.error({ err, exportId }, 'share export failed');
    return fail(err instanceof AppError ? err.message : 'the export could not be built');
  }
}

/** The export job for the job queue (src/modules/index.ts). */
export function exportTasks(services: Services): ScheduledTask[] {
  let ds: DataServices | undefined;
  const task: Task = async (payload) => {
    const id = (payload as { exportId?: unknown } | null)?.exportId;
    if (typeof id !== 'string') throw new Error(`${EXPORT_TASK} needs {exportId}`);
    ds ??= new DataServices(services);
    await buildExport(services, ds, id);
  };
  return [{ name: EXPORT_TASK, task }];
}
