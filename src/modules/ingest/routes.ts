import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import multipart from '@fastify/multipart';
import { Type, type Static } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import { withTx, type Queryable, type Tx } from '../../platform/db/pool.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { CatalogContext } from '../catalog/context.js';
import { getEntry } from '../catalog/read.js';
import type { Entry, FieldInput } from '../catalog/schemas.js';
import type { Content } from '../catalog/store.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import { loadBatch, queueAfterBatch, startedBy, type LoadMode } from './load.js';
import { describeMapping, mappingProblems } from './mapping.js';
import { defaultMask, maskValue } from '../../platform/masking/index.js';
import { liveProgress } from './progress.js';
import { openSource, type Encoding, type Format, type ReadOptions, type RecordSource } from './read/index.js';
import { CSV_TYPE, XLSX_TYPE, readRejects, writeRejectsCsv, writeRejectsXlsx } from './rejects-export.js';
import {
  datasetView,
  ensureDataset,
  pointView,
  readDataset,
  setIndexes,
  versionTable,
  type DatasetRow,
} from './tables.js';

/**
 * The HTTP API of aggregation (docs/INGEST.md "HTTP"):
 *   POST /api/catalog/entries/:id/dataset/batches   multipart `file`, streamed into a load batch
 *   GET  /api/catalog/entries/:id/dataset           columns, versions, the last 20 batches
 *   GET  /api/catalog/entries/:id/dataset/preview   the first rows, PII masked for other orgs
 *   POST /api/catalog/entries/:id/dataset/rollback  the view back to a kept version
 *   GET  /api/ingest/batches/:id                    one batch, with live progress while it runs
 *   GET  /api/ingest/batches/:id/rejects            the rejects as CSV or XLSX
 * Loading and rollback need `dataset.load` and maintaining the entry's provider organisation (as
 * catalog writes do); reading needs `dataset.read` and an entry the caller sees with its fields
 * (a 不予共享 entry of another organisation shows no fields, so no data either: 404).
 */

/** The largest upload: a file above it is refused with a 413 (and its batch marked failed). */
export const UPLOAD_MAX_BYTES = 4 * 1024 ** 3;
/** Batches listed with a dataset. */
const RECENT_BATCHES = 20;
/** A probe reads at most this much of the file, and shows this many rows. */
const PROBE_BYTES = 8 * 1024 ** 2;
const PROBE_ROWS = 10;
/** How often the progress stream looks at a running batch. */
const EVENTS_EVERY_MS = 500;

export const ingestMessages = {
  dataset_not_found: {
    'zh-CN': '该目录还没有加载过数据',
    en: 'No data has been loaded for this entry yet',
  },
  batch_not_found: { 'zh-CN': '批次 {id} 不存在', en: 'There is no batch {id}' },
  dataset_out_of_scope: {
    'zh-CN': '只能为本机构（机构管理员：本机构及下级机构）的目录加载或回退数据',
    en: 'You may only load or roll back data of your own organisation (org admins: and its sub-organisations)',
  },
  ingest_file_missing: {
    'zh-CN': '请以 multipart/form-data 上传一个名为 file 的文件',
    en: 'Upload one file in a multipart/form-data part named "file"',
  },
  ingest_format_unknown: {
    'zh-CN': '无法从文件名“{name}”判断格式，请指定 format（csv、tsv、xlsx、json、ndjson）',
    en: 'The format cannot be told from the file name "{name}"; pass format (csv, tsv, xlsx, json, ndjson)',
  },
  ingest_file_too_large: {
    'zh-CN': '文件超过上限 {limit} 字节，本批次未生效',
    en: 'The file exceeds the limit of {limit} bytes; the batch was not applied',
  },
  ingest_not_started: {
    'zh-CN': '未能开始加载：{reason}',
    en: 'The load could not start: {reason}',
  },
  dataset_no_earlier_version: {
    'zh-CN': '没有比当前版本 {current} 更早的保留版本，无法回退',
    en: 'No kept version is older than the current version {current}; there is nothing to roll back to',
  },
  dataset_version_unknown: {
    'zh-CN': '版本 {version} 不存在或已不再保留（保留的版本：{kept}）',
    en: 'Version {version} does not exist or is no longer kept (kept: {kept})',
  },
  dataset_mapping_invalid: {
    'zh-CN': '映射无效：{zh}',
    en: 'The mapping is invalid: {en}',
  },
  dataset_index_invalid: {
    'zh-CN': '索引无效：{zh}',
    en: 'The index list is invalid: {en}',
  },
  dataset_version_current: {
    'zh-CN': '版本 {version} 已是当前版本',
    en: 'Version {version} is already the current version',
  },
} satisfies Record<string, Localized>;

export type IngestMessageKey = keyof typeof ingestMessages;

export function ingestProblem(
  status: number,
  code: IngestMessageKey,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, ingestMessages[code], params);
}

// ---------------------------------------------------------------------------------------------
// Schemas

const strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const Message = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const MODES = ['replace', 'append', 'upsert', 'delete'] as const;
/** What a batch row may record: the load modes, and rollbacks. */
const BATCH_MODES = [...MODES, 'rollback'] as const;
const FORMATS = ['csv', 'tsv', 'xlsx', 'json', 'ndjson'] as const;
const ENCODINGS = ['utf8', 'utf8-bom', 'gb18030'] as const;
const STATUSES = ['running', 'done', 'failed', 'aborted'] as const;

const EntryParams = Type.Object({ id: Uuid }, strict);
const BatchParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, strict);

const UploadQuery = Type.Object(
  {
    mode: Type.Enum(MODES),
    format: Type.Optional(Type.Enum(FORMATS)),
    encoding: Type.Optional(Type.Enum(ENCODINGS)),
    sheet: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    headerRow: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  strict,
);

const BatchResultSchema = Type.Object({
  batchId: Type.Integer(),
  status: Type.Enum(['done', 'failed', 'aborted'] as const),
  rowsRead: Type.Integer(),
  rowsAccepted: Type.Integer(),
  rowsRejected: Type.Integer(),
  rowsInserted: Type.Integer(),
  rowsUpdated: Type.Integer(),
  rowsDeleted: Type.Integer(),
  bytes: Type.Integer(),
  version: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Message, Type.Null()]),
  warnings: Type.Array(Type.Object({ row: Type.Integer(), message: Message })),
});

const ProgressSchema = Type.Object({
  rowsRead: Type.Integer(),
  rowsRejected: Type.Integer(),
  bytes: Type.Integer(),
  percent: Type.Union([Type.Integer(), Type.Null()]),
});

const BatchSchema = Type.Object({
  id: Type.Integer(),
  entryId: Uuid,
  mode: Type.Enum(BATCH_MODES),
  status: Type.Enum(STATUSES),
  source: Type.Record(Type.String(), Type.Unknown()),
  rowsRead: Type.Integer(),
  rowsAccepted: Type.Integer(),
  rowsRejected: Type.Integer(),
  rowsInserted: Type.Integer(),
  rowsUpdated: Type.Integer(),
  rowsDeleted: Type.Integer(),
  bytes: Type.Integer(),
  version: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Message, Type.Null()]),
  startedByName: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: NullableTime,
  progress: Type.Optional(ProgressSchema),
});
type Batch = Static<typeof BatchSchema>;

const DatasetSchema = Type.Object({
  entryId: Uuid,
  name: Type.String({ description: 'the view in schema ds' }),
  catalogVersion: Type.Integer(),
  columns: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      type: Type.String(),
      pgType: Type.String(),
      key: Type.Boolean(),
      piiKind: Type.String(),
    }),
  ),
  currentVersion: Type.Integer(),
  keepVersions: Type.Integer(),
  mapping: Type.Record(Type.String(), Type.String(), {
    description: 'the saved header mapping: source header → field code',
  }),
  indexes: Type.Array(Type.Array(Type.String()), {
    description: 'indexes a steward asked for, each a list of column codes (B-tree)',
  }),
  versions: Type.Array(
    Type.Object({
      version: Type.Integer(),
      rowCount: Type.Integer(),
      createdAt: Type.String({ format: 'date-time' }),
      batchId: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  batches: Type.Array(BatchSchema),
});
type Dataset = Static<typeof DatasetSchema>;

const PreviewQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }, strict);
const PreviewSchema = Type.Object({
  columns: Type.Array(
    Type.Object({ code: Type.String(), name: Type.String(), type: Type.String(), masked: Type.Boolean() }),
  ),
  rows: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]))),
  rowCount: Type.Integer({ description: 'rows in the current version' }),
});

const ProbeQuery = Type.Omit(UploadQuery, ['mode', 'threshold'], strict);
const ProbeSchema = Type.Object({
  format: Type.Enum(FORMATS),
  encoding: Type.Union([Type.Enum(ENCODINGS), Type.Null()]),
  delimiter: Type.Union([Type.String(), Type.Null()]),
  sheets: Type.Array(Type.String()),
  header: Type.Array(Type.String()),
  sample: Type.Array(Type.Array(Type.Union([Type.String(), Type.Null()]))),
  mapping: Type.Array(
    Type.Object({
      header: Type.String(),
      code: Type.Union([Type.String(), Type.Null()]),
      by: Type.Union([Type.Enum(['saved', 'code', 'name'] as const), Type.Null()]),
    }),
  ),
  missing: Type.Array(Type.String(), { description: 'field codes no header maps to' }),
  warnings: Type.Array(Type.Object({ row: Type.Integer(), message: Message })),
});
const MappingBody = Type.Object(
  {
    mapping: Type.Record(
      Type.String({ minLength: 1, maxLength: 200 }),
      Type.String({ minLength: 1, maxLength: 63 }),
      {
        maxProperties: 1000,
      },
    ),
  },
  strict,
);
const RejectRowsQuery = Type.Object(
  {
    offset: Type.Integer({ minimum: 0, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  },
  strict,
);
const RejectRowsSchema = Type.Object({
  total: Type.Integer({ description: 'rejected rows counted' }),
  stored: Type.Integer({ description: 'rejects stored (one per rejected value)' }),
  items: Type.Array(
    Type.Object({
      row: Type.Integer(),
      field: Type.Union([Type.String(), Type.Null()]),
      value: Type.Union([Type.String(), Type.Null()]),
      reason: Message,
    }),
  ),
});

const IndexesBody = Type.Object(
  {
    indexes: Type.Array(
      Type.Array(Type.String({ minLength: 1, maxLength: 63 }), { minItems: 1, maxItems: 4 }),
      {
        maxItems: 10,
      },
    ),
  },
  strict,
);
const CodeQuery = Type.Object({ code: Type.String({ minLength: 1, maxLength: 100 }) }, strict);
const EntryRefSchema = Type.Object({ entryId: Uuid, code: Type.String(), name: Type.String() });

const RollbackBody = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, strict);
const RejectsQuery = Type.Object({ format: Type.Enum(['csv', 'xlsx'] as const, { default: 'csv' }) }, strict);

// ---------------------------------------------------------------------------------------------
// Reading rows

interface BatchDbRow {
  id: string;
  entry_id: string;
  mode: LoadMode | 'rollback';
  status: Batch['status'];
  source: Record<string, unknown>;
  rows_read: string;
  rows_accepted: string;
  rows_rejected: string;
  rows_inserted: string;
  rows_updated: string;
  rows_deleted: string;
  bytes: string;
  version: number | null;
  error: Localized | null;
  started_by_name: string;
  started_at: Date;
  finished_at: Date | null;
}

const BATCH_SELECT = `SELECT b.*, d.entry_id FROM datong.ingest_batches b JOIN datong.datasets d ON d.id = b.dataset_id`;

function presentBatch(r: BatchDbRow): Batch {
  const out: Batch = {
    id: Number(r.id),
    entryId: r.entry_id,
    mode: r.mode,
    status: r.status,
    source: r.source,
    rowsRead: Number(r.rows_read),
    rowsAccepted: Number(r.rows_accepted),
    rowsRejected: Number(r.rows_rejected),
    rowsInserted: Number(r.rows_inserted),
    rowsUpdated: Number(r.rows_updated),
    rowsDeleted: Number(r.rows_deleted),
    bytes: Number(r.bytes),
    version: r.version,
    error: r.error,
    startedByName: r.started_by_name,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
  };
  const progress = r.status === 'running' ? liveProgress(out.id) : undefined;
  if (progress) out.progress = progress;
  return out;
}

async function getBatch(q: Queryable, id: number): Promise<BatchDbRow | undefined> {
  const { rows } = await q.query<BatchDbRow>(`${BATCH_SELECT} WHERE b.id = $1`, [id]);
  return rows[0];
}

/** The catalog fields behind a dataset's columns (for piiKind), by code. */
async function fieldsByCode(
  q: Queryable,
  entryId: string,
  catalogVersion: number,
): Promise<Map<string, FieldInput>> {
  const { rows } = await q.query<{ content: Content }>(
    'SELECT content FROM datong.catalog_versions WHERE entry_id = $1 AND version = $2',
    [entryId, catalogVersion],
  );
  return new Map((rows[0]?.content.fields ?? []).map((f: FieldInput) => [f.code ?? '', f]));
}

async function datasetOf(q: Queryable, entryId: string): Promise<Dataset> {
  const ds = await readDataset(q, entryId);
  if (!ds) throw ingestProblem(404, 'dataset_not_found');
  const fields = await fieldsByCode(q, entryId, ds.catalogVersion);
  const { rows: versions } = await q.query<{
    version: number;
    row_count: string;
    created_at: Date;
    batch_id: string | null;
  }>(
    `SELECT version, row_count, created_at, batch_id FROM datong.dataset_versions
      WHERE dataset_id = $1 ORDER BY version DESC`,
    [ds.id],
  );
  const { rows: batches } = await q.query<BatchDbRow>(
    `${BATCH_SELECT} WHERE b.dataset_id = $1 ORDER BY b.id DESC LIMIT ${RECENT_BATCHES}`,
    [ds.id],
  );
  return {
    entryId,
    name: ds.name,
    catalogVersion: ds.catalogVersion,
    columns: ds.columns.map((c) => ({
      code: c.code,
      name: c.name,
      type: c.type,
      pgType: c.pgType,
      key: c.key,
      piiKind: fields.get(c.code)?.piiKind ?? 'none',
    })),
    currentVersion: ds.currentVersion,
    keepVersions: ds.keepVersions,
    mapping: ds.mapping,
    indexes: ds.indexes,
    versions: versions.map((v) => ({
      version: v.version,
      rowCount: Number(v.row_count),
      createdAt: v.created_at.toISOString(),
      batchId: v.batch_id === null ? null : Number(v.batch_id),
    })),
    batches: batches.map(presentBatch),
  };
}

/** The format a file name implies, if any. */
export function formatOfName(name: string): Format | undefined {
  const ext = /\.([a-z0-9]+)$/i.exec(name.trim())?.[1]?.toLowerCase();
  switch (ext) {
    case 'csv':
      return 'csv';
    case 'tsv':
    case 'tab':
      return 'tsv';
    case 'xlsx':
      return 'xlsx';
    case 'json':
      return 'json';
    case 'ndjson':
    case 'jsonl':
      return 'ndjson';
    default:
      return undefined;
  }
}

/**
 * The upload's bytes, failing once multipart has cut the file at UPLOAD_MAX_BYTES (busboy then
 * just ends the part, flagged `truncated`): the batch fails instead of loading a cut file. The
 * flag is checked per chunk, as busboy may have hit the limit before the handler ever listened.
 */
export async function* underLimit(file: Readable & { truncated?: boolean }): AsyncGenerator<Buffer> {
  for await (const chunk of file) {
    if (file.truncated) break;
    yield chunk as Buffer;
  }
  if (file.truncated) throw ingestProblem(413, 'ingest_file_too_large', { limit: UPLOAD_MAX_BYTES });
}

/**
 * Lets the rest of an upload flow past once the load is over (or never started reading it), so
 * that the client, which is still sending, gets to read the answer: the file part is destroyed
 * (multipart then unpipes the request) and the request's remaining bytes are discarded.
 */
/** The first `max` bytes of a stream (fewer when it is shorter); the rest is left unread. */
async function readHead(file: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of file) {
    const buf = chunk as Buffer;
    chunks.push(buf);
    length += buf.length;
    if (length >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max);
}

async function discardRest(raw: IncomingMessage, file: Readable): Promise<void> {
  if (raw.readableEnded) return;
  if (!file.closed) {
    const closed = once(file, 'close');
    file.destroy();
    await closed;
  }
  raw.resume();
}

// ---------------------------------------------------------------------------------------------
// Routes

export default async function ingestRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const pool = services.pool;
  const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });
  const tags = ['ingest'];

  /** The entry as the caller sees it with its fields; 404 when they do not (or it is restricted). */
  const readableEntry = async (req: FastifyRequest, id: string): Promise<Entry> => {
    const entry = await getEntry(ctxOf(req), pool, id);
    if (entry.restricted) throw notFound();
    return entry;
  };
  /** The entry, when the caller maintains its provider organisation (403 otherwise). */
  const maintainedEntry = async (req: FastifyRequest, id: string): Promise<Entry> => {
    const entry = await getEntry(ctxOf(req), pool, id);
    if (!maintains(await viewerOf(pool, req.ctx.actor), entry.providerOrgId)) {
      throw ingestProblem(403, 'dataset_out_of_scope');
    }
    return entry;
  };
  /** A batch of a dataset the caller may read; unknown and invisible batches are both 404. */
  const readableBatch = async (req: FastifyRequest, id: number): Promise<BatchDbRow> => {
    const batch = await getBatch(pool, id);
    if (!batch) throw ingestProblem(404, 'batch_not_found', { id });
    try {
      await readableEntry(req, batch.entry_id);
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw ingestProblem(404, 'batch_not_found', { id });
      throw err;
    }
    return batch;
  };

  /**
   * Changes a setting of a maintained entry's dataset (created if need be, its row locked) in one
   * transaction with its audit event `action`; `change` answers the event's detail. Answers the
   * dataset.
   */
  const changeDataset = async (
    req: FastifyRequest,
    entryId: string,
    action: string,
    change: (tx: Tx, ds: DatasetRow) => Promise<Record<string, unknown>>,
  ): Promise<Dataset> => {
    const entry = await maintainedEntry(req, entryId);
    return withTx(pool, async (tx) => {
      await ensureDataset(tx, entry.id);
      const ds = (await readDataset(tx, entry.id, true))!;
      const detail = await change(tx, ds);
      await services.ledger.record(
        tx,
        eventFor(ctxOf(req), {
          action,
          objectType: 'dataset',
          objectId: ds.id,
          orgId: entry.providerOrgId,
          detail: { code: entry.code, ...detail },
        }),
      );
      return datasetOf(tx, entry.id);
    });
  };

  /**
   * Hands the request's multipart part `file` and the read options its query asks for to `use`
   * (400 problems for a missing part or an unknown format); whatever of the upload `use` leaves
   * unread is discarded afterwards, so that the client gets its answer.
   */
  const withFilePart = async <T>(
    req: FastifyRequest,
    q: Static<typeof ProbeQuery>,
    use: (file: Readable & { truncated?: boolean }, name: string, options: ReadOptions) => Promise<T>,
  ): Promise<T> => {
    if (!req.isMultipart()) throw ingestProblem(400, 'ingest_file_missing');
    const part = await req.file();
    if (!part) throw ingestProblem(400, 'ingest_file_missing');
    const file = part.file;
    try {
      if (part.fieldname !== 'file') throw ingestProblem(400, 'ingest_file_missing');
      const format = q.format ?? formatOfName(part.filename);
      if (!format) throw ingestProblem(400, 'ingest_format_unknown', { name: part.filename });
      const sheet = q.sheet === undefined ? undefined : /^\d+$/.test(q.sheet) ? Number(q.sheet) : q.sheet;
      return await use(file, part.filename, {
        format,
        ...(q.encoding ? { encoding: q.encoding as Encoding } : {}),
        ...(sheet !== undefined ? { sheet } : {}),
        ...(q.headerRow !== undefined ? { headerRow: q.headerRow } : {}),
      });
    } finally {
      void discardRest(req.raw, file).catch((err: unknown) => req.log.warn({ err }, 'upload drain failed'));
    }
  };

  // Uploads: multipart is registered in this scope only, with the upload's own size limit.
  await app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: UPLOAD_MAX_BYTES, files: 1, fields: 10, parts: 20 },
    });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      '/api/catalog/entries/:id/dataset/batches',
      {
        config: { permission: 'dataset.load' },
        schema: {
          tags,
          summary: '上传文件加载数据（流式，不缓存整个文件） / load an uploaded file into the dataset',
          description:
            'multipart/form-data with one part named file. format defaults from the file name; encoding ' +
            'is detected unless given; sheet is an XLSX sheet name or 1-based position. Always 200 with the ' +
            "batch's result, also when it failed or was aborted (see status and error).",
          consumes: ['multipart/form-data'],
          params: EntryParams,
          querystring: UploadQuery,
          response: { 200: BatchResultSchema },
        },
      },
      async (req) => {
        const entry = await maintainedEntry(req, req.params.id);
        // Refuses an entry that cannot hold data (unpublished, not a table) before reading the file.
        await withTx(pool, (tx) => ensureDataset(tx, entry.id));
        const q = req.query;
        return withFilePart(req, q, async (file, name, options) => {
          const { format, sheet } = options;
          const source: RecordSource = await openSource(Readable.from(underLimit(file)), options);
          const length = Number(req.headers['content-length']);
          const result = await loadBatch({ ...req.ctx, services }, entry.id, {
            mode: q.mode,
            source,
            sourceInfo: {
              kind: 'upload',
              name,
              format,
              encoding: q.encoding ?? 'auto',
              ...(sheet !== undefined ? { sheet } : {}),
              ...(q.headerRow !== undefined ? { headerRow: q.headerRow } : {}),
            },
            format,
            totalBytes: Number.isFinite(length) && length > 0 ? length : undefined,
            rejectThreshold: q.threshold,
            onStart: (batchId) => req.log.info({ batchId, entryId: entry.id }, 'ingest batch started'),
          });
          if (file.truncated) throw ingestProblem(413, 'ingest_file_too_large', { limit: UPLOAD_MAX_BYTES });
          if (!result.batchId) {
            throw ingestProblem(500, 'ingest_not_started', { reason: result.error?.en ?? 'unknown' });
          }
          return { ...result, warnings: source.warnings };
        });
      },
    );

    r.post(
      '/api/catalog/entries/:id/dataset/probe',
      {
        config: { permission: 'dataset.load' },
        schema: {
          tags,
          summary:
            '探查文件：格式、编码、表头、样例行与映射 / probe a file: format, encoding, header, sample, mapping',
          description:
            `multipart/form-data with one part named file; only its first ${PROBE_BYTES / 1024 ** 2} MiB are ` +
            'read, so a client may send just the beginning of a large file. Options as for an upload. ' +
            'Answers what a load would see: the header, the first rows, how each header maps to a field ' +
            '(saved mapping, field code or Chinese field name) and the fields nothing maps to.',
          consumes: ['multipart/form-data'],
          params: EntryParams,
          querystring: ProbeQuery,
          response: { 200: ProbeSchema },
        },
      },
      async (req) => {
        const entry = await maintainedEntry(req, req.params.id);
        const ds = await withTx(pool, (tx) => ensureDataset(tx, entry.id));
        return withFilePart(req, req.query, async (file, _name, options) => {
          const head = await readHead(file, PROBE_BYTES);
          const source = await openSource(Readable.from([head]), options);
          const sample: (string | null)[][] = [];
          try {
            for await (const record of source.records) {
              sample.push(record.values);
              if (sample.length >= PROBE_ROWS) break;
            }
          } catch (err) {
            // The head may end inside a record (or an archive entry): what was read still shows.
            if (!sample.length || head.length < PROBE_BYTES) throw err;
          }
          return {
            format: options.format,
            encoding: source.encoding ?? null,
            delimiter: source.delimiter ?? null,
            sheets: source.sheets ?? [],
            header: source.header,
            sample,
            ...describeMapping(source.header, ds.columns, ds.mapping),
            warnings: source.warnings,
          };
        });
      },
    );
  });

  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/catalog/entries/:id/dataset',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '数据集：信息项、版本、最近 20 个批次 / the dataset: columns, versions, the last 20 batches',
        params: EntryParams,
        response: { 200: DatasetSchema },
      },
    },
    async (req) => {
      const entry = await readableEntry(req, req.params.id);
      return datasetOf(pool, entry.id);
    },
  );
  r.get(
    '/api/catalog/entries/:id/dataset/preview',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '预览数据（个人信息对其他机构脱敏） / the first rows, PII masked outside the provider',
        params: EntryParams,
        querystring: PreviewQuery,
        response: { 200: PreviewSchema },
      },
    },
    async (req) => {
      const entry = await readableEntry(req, req.params.id);
      const ds = await readDataset(pool, entry.id);
      if (!ds) throw ingestProblem(404, 'dataset_not_found');
      const fields = await fieldsByCode(pool, entry.id, ds.catalogVersion);
      const actor = req.ctx.actor;
      const own = (actor.kind === 'user' || actor.kind === 'app') && actor.orgId === entry.providerOrgId;
      const columns = ds.columns.map((c) => {
        const pii = fields.get(c.code)?.piiKind ?? 'none';
        return { code: c.code, name: c.name, type: c.type, pii, masked: !own && pii !== 'none' };
      });
      const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
      const keys = ds.columns.filter((c) => c.key).map((c) => q(c.code));
      const { rows } = await pool.query<Record<string, string | null>>(
        `SELECT ${ds.columns.map((c) => `${q(c.code)}::text AS ${q(c.code)}`).join(', ')}
           FROM ${datasetView(ds.name)} ${keys.length ? `ORDER BY ${keys.join(', ')}` : ''} LIMIT $1`,
        [req.query.limit],
      );
      for (const row of rows) {
        for (const c of columns) {
          const v = row[c.code];
          if (c.masked && v !== null && v !== undefined) row[c.code] = maskValue(defaultMask(c.pii), v);
        }
      }
      const { rows: count } = await pool.query<{ n: string }>(
        'SELECT row_count AS n FROM datong.dataset_versions WHERE dataset_id = $1 AND version = $2',
        [ds.id, ds.currentVersion],
      );
      return {
        columns: columns.map(({ pii: _pii, ...c }) => c),
        rows,
        rowCount: Number(count[0]?.n ?? 0),
      };
    },
  );
  r.post(
    '/api/catalog/entries/:id/dataset/rollback',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '回退到保留的早期版本 / point the dataset back at a kept version',
        description:
          'Default: the newest kept version below the current one. Audited as ingest.rollback. ' +
          '409 when there is no earlier version or the version is already current.',
        params: EntryParams,
        body: RollbackBody,
        response: { 200: DatasetSchema },
      },
      // The body is optional: no body means {} (the default version).
      preValidation: async (req) => {
        req.body ??= {};
      },
    },
    async (req) => {
      const entry = await maintainedEntry(req, req.params.id);
      const ctx = ctxOf(req);
      let batchId = 0;
      const answer = await withTx(pool, async (tx) => {
        // Waits for a running load of this dataset (it holds the row until it commits).
        const ds = await readDataset(tx, entry.id, true);
        if (!ds) throw ingestProblem(404, 'dataset_not_found');
        const { rows } = await tx.query<{ version: number }>(
          'SELECT version FROM datong.dataset_versions WHERE dataset_id = $1 ORDER BY version DESC',
          [ds.id],
        );
        const kept = rows.map((v) => v.version);
        const wanted = req.body?.version;
        let target: number;
        if (wanted === undefined) {
          const earlier = kept.find((v) => v < ds.currentVersion);
          if (earlier === undefined) {
            throw ingestProblem(409, 'dataset_no_earlier_version', { current: ds.currentVersion });
          }
          target = earlier;
        } else {
          if (!kept.includes(wanted)) {
            throw ingestProblem(404, 'dataset_version_unknown', { version: wanted, kept: kept.join(', ') });
          }
          if (wanted === ds.currentVersion)
            throw ingestProblem(409, 'dataset_version_current', { version: wanted });
          target = wanted;
        }
        await pointView(tx, ds.name, target);
        await tx.query('UPDATE datong.datasets SET current_version = $2, updated_at = now() WHERE id = $1', [
          ds.id,
          target,
        ]);
        // A batch of its own with one R in the change log: consumers reading "changes since batch
        // N" learn that everything may have changed.
        const actor = ctx.actor;
        const { rows: made } = await tx.query<{ id: string }>(
          `INSERT INTO datong.ingest_batches (dataset_id, mode, source, status, version, started_by, started_by_name, finished_at)
           VALUES ($1, 'rollback', $2, 'done', $3, $4, $5, now()) RETURNING id`,
          [
            ds.id,
            JSON.stringify({ kind: 'rollback', from: ds.currentVersion }),
            target,
            startedBy(actor).id,
            startedBy(actor).name,
          ],
        );
        batchId = Number(made[0]!.id);
        await tx.query(`INSERT INTO datong.ingest_changes (batch_id, op, key) VALUES ($1, 'R', NULL)`, [
          made[0]!.id,
        ]);
        await services.ledger.record(
          tx,
          eventFor(ctx, {
            action: 'ingest.rollback',
            objectType: 'dataset',
            objectId: ds.id,
            orgId: entry.providerOrgId,
            detail: {
              code: entry.code,
              from: ds.currentVersion,
              to: target,
              table: versionTable(ds.name, target),
            },
          }),
        );
        return datasetOf(tx, entry.id);
      });
      // The view shows other data now: its quality is checked and its open versions refreshed.
      await queueAfterBatch(services, batchId);
      return answer;
    },
  );

  r.get(
    '/api/ingest/entries',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '按资源代码查找目录 / the catalog entry of a resource code (for `datong ingest --server`)',
        querystring: CodeQuery,
        response: { 200: EntryRefSchema },
      },
    },
    async (req) => {
      const { rows } = await pool.query<{ id: string }>(
        'SELECT id FROM datong.catalog_entries WHERE code = $1',
        [req.query.code],
      );
      if (!rows[0]) throw notFound();
      const entry = await readableEntry(req, rows[0].id);
      return { entryId: entry.id, code: entry.code, name: entry.name };
    },
  );
  r.put(
    '/api/catalog/entries/:id/dataset/indexes',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '设置数据表索引 / set the indexes a steward asks for',
        description:
          'A dataset table has only its key as index unless a steward asks for more: each element is the ' +
          'column list of one B-tree index (at most 10 indexes of 1–4 columns). Every kept version gets ' +
          'the new list (indexes no longer listed are dropped), and every later replace builds it after ' +
          'loading. Audited as ingest.indexes.',
        params: EntryParams,
        body: IndexesBody,
        response: { 200: DatasetSchema },
      },
    },
    async (req) =>
      changeDataset(req, req.params.id, 'ingest.indexes', async (tx, ds) => {
        const indexes = req.body.indexes;
        const codes = new Set(ds.columns.map((c) => c.code));
        const key = ds.columns.filter((c) => c.key).map((c) => c.code);
        const seen = new Set<string>();
        for (const cols of indexes) {
          const unknown = cols.find((c) => !codes.has(c));
          const problem =
            unknown !== undefined
              ? { zh: `信息项 ${unknown} 不存在`, en: `there is no field ${unknown}` }
              : new Set(cols).size !== cols.length
                ? {
                    zh: `索引 (${cols.join(', ')}) 重复列出了信息项`,
                    en: `(${cols.join(', ')}) lists a field twice`,
                  }
                : seen.has(cols.join(','))
                  ? { zh: `索引 (${cols.join(', ')}) 重复`, en: `(${cols.join(', ')}) is listed twice` }
                  : cols.join(',') === key.join(',')
                    ? { zh: '主键已有索引', en: 'the key has its index already' }
                    : null;
          if (problem) throw ingestProblem(400, 'dataset_index_invalid', problem);
          seen.add(cols.join(','));
        }
        await setIndexes(tx, ds, indexes);
        return { indexes };
      }),
  );
  r.put(
    '/api/catalog/entries/:id/dataset/mapping',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '保存表头映射 / save the header mapping',
        description:
          'Source header → field code, used by every later load before the field code and the Chinese ' +
          'field name. Each field at most once. Audited as ingest.mapping.',
        params: EntryParams,
        body: MappingBody,
        response: { 200: DatasetSchema },
      },
    },
    async (req) =>
      changeDataset(req, req.params.id, 'ingest.mapping', async (tx, ds) => {
        const mapping = req.body.mapping;
        const problem = mappingProblems(mapping, ds.columns);
        if (problem) throw ingestProblem(400, 'dataset_mapping_invalid', problem);
        await tx.query('UPDATE datong.datasets SET mapping = $2, updated_at = now() WHERE id = $1', [
          ds.id,
          JSON.stringify(mapping),
        ]);
        return { mapping };
      }),
  );

  r.get(
    '/api/ingest/batches/:id',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '批次详情（运行中含进度） / one batch, with its progress while it runs here',
        params: BatchParams,
        response: { 200: BatchSchema },
      },
    },
    async (req) => presentBatch(await readableBatch(req, req.params.id)),
  );
  r.get(
    '/api/ingest/batches/:id/rejects',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '下载拒收记录（CSV 或 XLSX） / download the rejects as CSV or XLSX',
        params: BatchParams,
        querystring: RejectsQuery,
      },
    },
    async (req, reply) => {
      const batch = await readableBatch(req, req.params.id);
      const id = Number(batch.id);
      const xlsx = req.query.format === 'xlsx';
      const out = new PassThrough();
      const rejects = readRejects(pool, id);
      // Written while sent: a failure midway can only cut the download short; it is logged here.
      (xlsx ? writeRejectsXlsx(out, rejects) : writeRejectsCsv(out, rejects)).catch((err: unknown) => {
        req.log.error({ err, batchId: id }, 'rejects export failed');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
      const name = `拒收记录-批次${id}.${xlsx ? 'xlsx' : 'csv'}`;
      return reply
        .type(xlsx ? XLSX_TYPE : CSV_TYPE)
        .header(
          'content-disposition',
          `attachment; filename="${encodeURIComponent(name)}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        )
        .send(out);
    },
  );

  r.get(
    '/api/ingest/batches/:id/reject-rows',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '拒收记录（分页） / the rejects, a page at a time',
        params: BatchParams,
        querystring: RejectRowsQuery,
        response: { 200: RejectRowsSchema },
      },
    },
    async (req) => {
      const batch = await readableBatch(req, req.params.id);
      const { rows } = await pool.query<{
        row: string;
        field: string | null;
        value: string | null;
        reason_zh: string;
        reason_en: string;
      }>(
        `SELECT row, field, value, reason_zh, reason_en FROM datong.ingest_rejects
          WHERE batch_id = $1 ORDER BY row, field NULLS FIRST LIMIT $2 OFFSET $3`,
        [batch.id, req.query.limit, req.query.offset],
      );
      const { rows: count } = await pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM datong.ingest_rejects WHERE batch_id = $1',
        [batch.id],
      );
      return {
        total: Number(batch.rows_rejected),
        stored: Number(count[0]!.n),
        items: rows.map((r) => ({
          row: Number(r.row),
          field: r.field,
          value: r.value,
          reason: { 'zh-CN': r.reason_zh, en: r.reason_en },
        })),
      };
    },
  );
  r.get(
    '/api/ingest/batches/:id/events',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '批次进度事件流（SSE） / the batch progress as server-sent events',
        description:
          `text/event-stream: "progress" with the batch (and its live progress) every ${EVENTS_EVERY_MS} ms ` +
          'while it runs, then "end" with the finished batch; then the stream closes.',
        params: BatchParams,
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const id = Number((await readableBatch(req, req.params.id)).id);
      const out = new PassThrough();
      let timer: NodeJS.Timeout | undefined;
      let open = true;
      const close = () => {
        open = false;
        clearTimeout(timer);
        out.end();
      };
      const send = (event: string, data: unknown) =>
        out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const tick = async () => {
        if (!open) return;
        const row = await getBatch(pool, id);
        if (!open) return;
        if (!row) return close();
        const batch = presentBatch(row);
        if (batch.status !== 'running') {
          send('end', batch);
          return close();
        }
        send('progress', batch);
        timer = setTimeout(() => void tick().catch(failed), EVENTS_EVERY_MS);
      };
      const failed = (err: unknown) => {
        req.log.error({ err, batchId: id }, 'batch events failed');
        close();
      };
      req.raw.on('close', close);
      void tick().catch(failed);
      return reply
        .type('text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('x-accel-buffering', 'no')
        .send(out);
    },
  );
}
