import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { quickAddJob } from 'graphile-worker';
import { Type, type Static } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import { withTx } from '../../platform/db/pool.js';
import { AppError, notFound } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import { parseCron } from '../catalog/harvest-cron.js';
import type { CatalogContext } from '../catalog/context.js';
import { getEntry } from '../catalog/read.js';
import type { Entry } from '../catalog/schemas.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import {
  keepPassword,
  maskConnection,
  openConnection,
  parseConnection,
  sealConnection,
  singleSelect,
  validPullUrl,
} from './pull.js';
import { PULL_TASK, pullJobSpec } from './pull-jobs.js';
import * as store from './pull-store.js';
import type { PullFields, PullRow } from './pull-store.js';
import { startedBy } from './load.js';
import { ingestProblem } from './routes.js';
import { ensureDataset } from './tables.js';

/**
 * Pull sources of a dataset (scratch/pulls-api.md, docs/INGEST.md "Pulls"):
 *   GET    /api/catalog/entries/:id/dataset/pulls   the entry's pulls
 *   POST   /api/catalog/entries/:id/dataset/pulls   a new pull → 201
 *   PATCH  /api/ingest/pulls/:pullId                change some of its settings
 *   DELETE /api/ingest/pulls/:pullId                → 204
 *   POST   /api/ingest/pulls/:pullId/run            queue a run now → 202 (lastStatus 'queued')
 * Permissions as for uploads: reading needs dataset.read and an entry the caller sees with its
 * fields; writing and running need dataset.load and maintaining the entry's provider
 * organisation. Writes are audited (ingest.pull.create/update/delete/run). The connection string
 * of a PostgreSQL pull is stored sealed and shown with its password as ***.
 */

export const pullMessages = {
  pull_not_found: { 'zh-CN': '拉取源 {id} 不存在', en: 'There is no pull {id}' },
  pull_schedule_invalid: {
    'zh-CN': '“{schedule}”不是有效的五段 cron 表达式（分 时 日 月 周），例如 0 2 * * *',
    en: '"{schedule}" is not a valid five-field cron expression (minute hour day month weekday), e.g. 0 2 * * *',
  },
  pull_url_invalid: {
    'zh-CN': '“{url}”不是有效的 http(s) 地址（地址中不能含用户名或密码）',
    en: '"{url}" is not a valid http(s) URL (it may not contain a user name or password)',
  },
  pull_input_invalid: {
    'zh-CN': '类型为 {kind} 的拉取源需要填写 {field}',
    en: 'A {kind} pull needs {field}',
  },
  pull_connection_invalid: {
    'zh-CN': '连接串须为 postgres://用户名:密码@主机:端口/数据库 形式',
    en: 'The connection string must look like postgres://user:password@host:port/database',
  },
  pull_query_invalid: {
    'zh-CN': '查询必须是一条 SELECT（或 WITH … SELECT）语句',
    en: 'The query must be one SELECT (or WITH … SELECT) statement',
  },
  pull_watermark_mode: {
    'zh-CN': '增量列只能用于追加、更新插入或按键删除模式（整表替换会丢掉之前的数据）',
    en: 'A watermark column needs mode append, upsert or delete (a replace would drop the earlier rows)',
  },
  pull_name_taken: {
    'zh-CN': '该数据集已有名为“{name}”的拉取源',
    en: 'This dataset already has a pull named "{name}"',
  },
} satisfies Record<string, Localized>;

export type PullMessageKey = keyof typeof pullMessages;

export function pullProblem(
  status: number,
  code: PullMessageKey,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, pullMessages[code], params);
}

// ---------------------------------------------------------------------------------------------
// Schemas

const strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Message = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const KINDS = ['http', 'postgres'] as const;
const MODES = ['replace', 'append', 'upsert', 'delete'] as const;
const FORMATS = ['csv', 'tsv', 'json', 'ndjson'] as const;
const ENCODINGS = ['utf8', 'utf8-bom', 'gb18030'] as const;
const STATUSES = ['queued', 'running', 'done', 'failed', 'aborted'] as const;
const TIMEOUT_DEFAULT = 60;
const THRESHOLD_DEFAULT = 0.05;

const EntryParams = Type.Object({ id: Uuid }, strict);
const PullParams = Type.Object({ pullId: Uuid }, strict);

const PullSchema = Type.Object({
  id: Uuid,
  entryId: Uuid,
  name: Type.String(),
  kind: Type.Enum(KINDS),
  mode: Type.Enum(MODES),
  url: Nullable(Type.String()),
  format: Nullable(Type.Enum(FORMATS)),
  encoding: Nullable(Type.Enum(ENCODINGS)),
  connection: Nullable(Type.String({ description: 'the password shown as ***' })),
  query: Nullable(Type.String()),
  watermarkColumn: Nullable(Type.String()),
  watermark: Nullable(Type.String()),
  schedule: Nullable(Type.String()),
  enabled: Type.Boolean(),
  timeoutSeconds: Type.Integer(),
  threshold: Type.Number(),
  lastRunAt: Nullable(Type.String({ format: 'date-time' })),
  lastBatchId: Nullable(Type.Integer()),
  lastStatus: Nullable(Type.Enum(STATUSES)),
  lastError: Nullable(Message),
  createdByName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});
type Pull = Static<typeof PullSchema>;

const inputProps = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: Type.Enum(KINDS),
  mode: Type.Enum(MODES),
  url: Type.Optional(Type.String({ maxLength: 2000 })),
  format: Type.Optional(Nullable(Type.Enum(FORMATS))),
  encoding: Type.Optional(Nullable(Type.Enum(ENCODINGS))),
  connection: Type.Optional(Type.String({ maxLength: 4000 })),
  query: Type.Optional(Type.String({ maxLength: 100_000 })),
  watermarkColumn: Type.Optional(Nullable(Type.String({ maxLength: 63 }))),
  schedule: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
  enabled: Type.Optional(Type.Boolean()),
  timeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600 })),
  threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
};
const PullInput = Type.Object(inputProps, strict);
type PullInputT = Static<typeof PullInput>;
const PullPatch = Type.Object(
  {
    ...inputProps,
    name: Type.Optional(inputProps.name),
    kind: Type.Optional(inputProps.kind),
    mode: Type.Optional(inputProps.mode),
  },
  strict,
);

// ---------------------------------------------------------------------------------------------

interface Resolved {
  fields: PullFields;
  /** The connection string in plain text (postgres), to compare with the stored one. */
  connection: string | null;
}

/**
 * A pull's settings from its input, checked as a whole; `stored` is the plain connection string
 * kept so far (a connection sent back with *** as its password keeps the stored password).
 */
function resolve(input: PullInputT, sealer: (c: string) => Buffer, stored: string | null): Resolved {
  const kind = input.kind;
  const schedule = input.schedule?.trim() || null;
  if (schedule && !parseCron(schedule)) throw pullProblem(400, 'pull_schedule_invalid', { schedule });
  const common = {
    name: input.name.trim(),
    kind,
    mode: input.mode,
    schedule,
    enabled: input.enabled ?? true,
    timeoutSeconds: input.timeoutSeconds ?? TIMEOUT_DEFAULT,
    threshold: input.threshold ?? THRESHOLD_DEFAULT,
  };
  if (!common.name) throw pullProblem(400, 'pull_input_invalid', { kind, field: 'name' });
  if (kind === 'http') {
    const url = input.url?.trim();
    if (!url) throw pullProblem(400, 'pull_input_invalid', { kind, field: 'url' });
    if (!validPullUrl(url)) throw pullProblem(400, 'pull_url_invalid', { url });
    return {
      fields: {
        ...common,
        url,
        format: input.format ?? null,
        encoding: input.encoding ?? null,
        connectionSealed: null,
        query: null,
        watermarkColumn: null,
      },
      connection: null,
    };
  }
  const given = input.connection?.trim();
  if (!given) throw pullProblem(400, 'pull_input_invalid', { kind, field: 'connection' });
  if (!parseConnection(given)) throw pullProblem(400, 'pull_connection_invalid');
  const connection = keepPassword(given, stored);
  const query = input.query?.trim();
  if (!query) throw pullProblem(400, 'pull_input_invalid', { kind, field: 'query' });
  if (singleSelect(query) === null) throw pullProblem(400, 'pull_query_invalid');
  const watermarkColumn = input.watermarkColumn?.trim() || null;
  if (watermarkColumn && input.mode === 'replace') throw pullProblem(400, 'pull_watermark_mode');
  return {
    fields: {
      ...common,
      url: null,
      format: null,
      encoding: null,
      connectionSealed: sealer(connection),
      query,
      watermarkColumn,
    },
    connection,
  };
}

export default async function pullRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const { pool, identity, ledger } = services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['ingest'];
  const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });
  const sealer = (c: string) => sealConnection(identity, c);
  const plainConnection = (p: PullRow): string | null => {
    if (!p.connectionSealed) return null;
    try {
      return openConnection(identity, p.connectionSealed);
    } catch {
      return null; // sealed under another node key
    }
  };

  const present = (p: PullRow): Pull => {
    const plain = plainConnection(p);
    return {
      id: p.id,
      entryId: p.entryId,
      name: p.name,
      kind: p.kind,
      mode: p.mode,
      url: p.url,
      format: p.format,
      encoding: p.encoding,
      connection: p.connectionSealed ? (plain === null ? '***' : maskConnection(plain)) : null,
      query: p.query,
      watermarkColumn: p.watermarkColumn,
      watermark: p.watermark,
      schedule: p.schedule,
      enabled: p.enabled,
      timeoutSeconds: p.timeoutSeconds,
      threshold: p.threshold,
      lastRunAt: p.lastRunAt?.toISOString() ?? null,
      lastBatchId: p.lastBatchId,
      lastStatus: p.lastStatus,
      lastError: p.lastError,
      createdByName: p.createdByName,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
    };
  };
  /** What the audit records of a pull: never the connection string, only where it points. */
  const auditDetail = (p: PullFields, connection: string | null, code: string) => {
    const u = connection ? parseConnection(connection) : null;
    return {
      code,
      name: p.name,
      kind: p.kind,
      mode: p.mode,
      ...(p.url ? { url: p.url } : {}),
      ...(u ? { host: u.hostname, database: decodeURIComponent(u.pathname.slice(1)) } : {}),
      ...(p.watermarkColumn ? { watermarkColumn: p.watermarkColumn } : {}),
      schedule: p.schedule,
      enabled: p.enabled,
    };
  };

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
  /** A pull of an entry the caller maintains; unknown pulls and pulls of unseen entries are 404. */
  const maintainedPull = async (
    req: FastifyRequest,
    id: string,
  ): Promise<{ pull: PullRow; entry: Entry }> => {
    const pull = await store.getPull(pool, id);
    if (!pull) throw pullProblem(404, 'pull_not_found', { id });
    try {
      return { pull, entry: await maintainedEntry(req, pull.entryId) };
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw pullProblem(404, 'pull_not_found', { id });
      throw err;
    }
  };
  const nameTaken = (err: unknown, name: string) =>
    store.isNameTaken(err) ? pullProblem(409, 'pull_name_taken', { name }) : err;

  r.get(
    '/api/catalog/entries/:id/dataset/pulls',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '拉取源（URL、PostgreSQL） / the dataset’s pull sources',
        params: EntryParams,
        response: { 200: Type.Array(PullSchema) },
      },
    },
    async (req) => {
      const entry = await readableEntry(req, req.params.id);
      return (await store.listPulls(pool, entry.id)).map(present);
    },
  );

  r.post(
    '/api/catalog/entries/:id/dataset/pulls',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '新建拉取源 / add a pull source',
        description:
          'kind http needs url (format and encoding default to the URL / Content-Type and detection); kind ' +
          'postgres needs connection (postgres://…, stored sealed) and query (one SELECT). schedule is a ' +
          'five-field cron expression in node local time; a new schedule first fires at its next time.',
        params: EntryParams,
        body: PullInput,
        response: { 201: PullSchema },
      },
    },
    async (req, reply) => {
      const entry = await maintainedEntry(req, req.params.id);
      const { fields, connection } = resolve(req.body, sealer, null);
      const actor = req.ctx.actor;
      const created = await withTx(pool, async (tx) => {
        const ds = await ensureDataset(tx, entry.id);
        const pull = await store
          // created_by references users: an app creating a pull is known by name only.
          .insertPull(tx, ds.id, fields, {
            id: actor.kind === 'user' ? actor.id : null,
            name: startedBy(actor).name,
          })
          .catch((err: unknown) => {
            throw nameTaken(err, fields.name);
          });
        await ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'ingest.pull.create',
            objectType: 'ingest_pull',
            objectId: pull.id,
            orgId: entry.providerOrgId,
            detail: auditDetail(fields, connection, entry.code),
          }),
        );
        return pull;
      });
      return reply.code(201).send(present(created));
    },
  );

  r.patch(
    '/api/ingest/pulls/:pullId',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '修改拉取源 / change a pull source',
        description:
          'Only the given settings change. A connection sent back as shown (password ***) keeps the stored ' +
          'password. Changing the query, the watermark column or where the connection points forgets the ' +
          'watermark (the next run loads everything again).',
        params: PullParams,
        body: PullPatch,
        response: { 200: PullSchema },
      },
    },
    async (req) => {
      const { pull, entry } = await maintainedPull(req, req.params.pullId);
      const stored = plainConnection(pull);
      const b = req.body;
      const opt = <T>(v: T | undefined, was: T): T => (v === undefined ? was : v);
      const kind = b.kind ?? pull.kind;
      const merged: PullInputT = {
        name: b.name ?? pull.name,
        kind,
        mode: b.mode ?? pull.mode,
        url: opt(b.url, pull.url ?? undefined),
        format: opt(b.format, pull.format),
        encoding: opt(b.encoding, pull.encoding),
        connection: opt(b.connection, stored ?? undefined),
        query: opt(b.query, pull.query ?? undefined),
        watermarkColumn: opt(b.watermarkColumn, pull.watermarkColumn),
        schedule: opt(b.schedule, pull.schedule),
        enabled: b.enabled ?? pull.enabled,
        timeoutSeconds: b.timeoutSeconds ?? pull.timeoutSeconds,
        threshold: b.threshold ?? pull.threshold,
      };
      const { fields, connection } = resolve(merged, sealer, stored);
      const pointsElsewhere =
        kind !== pull.kind ||
        (connection !== null && stored !== null && maskConnection(connection) !== maskConnection(stored));
      const resetWatermark =
        pointsElsewhere || fields.query !== pull.query || fields.watermarkColumn !== pull.watermarkColumn;
      const scheduleChanged = fields.schedule !== pull.schedule || (fields.enabled && !pull.enabled);
      const changed = Object.keys(b).filter((k) => k !== 'connection' || connection !== stored);
      return withTx(pool, async (tx) => {
        const updated = await store
          .updatePull(tx, pull.id, fields, { resetWatermark, scheduleChanged })
          .catch((err: unknown) => {
            throw nameTaken(err, fields.name);
          });
        await ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'ingest.pull.update',
            objectType: 'ingest_pull',
            objectId: pull.id,
            orgId: entry.providerOrgId,
            detail: {
              ...auditDetail(fields, connection, entry.code),
              changed,
              watermarkReset: resetWatermark,
            },
          }),
        );
        return present(updated);
      });
    },
  );

  r.delete(
    '/api/ingest/pulls/:pullId',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '删除拉取源 / delete a pull source',
        description: 'Its batches stay. A run already queued finds the pull gone and does nothing.',
        params: PullParams,
      },
    },
    async (req, reply) => {
      const { pull, entry } = await maintainedPull(req, req.params.pullId);
      await withTx(pool, async (tx) => {
        await store.deletePull(tx, pull.id);
        await ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'ingest.pull.delete',
            objectType: 'ingest_pull',
            objectId: pull.id,
            orgId: entry.providerOrgId,
            detail: { code: entry.code, name: pull.name, kind: pull.kind },
          }),
        );
      });
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/ingest/pulls/:pullId/run',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '立即拉取 / queue a run of the pull now',
        description:
          'The run is a job of the node’s worker: one load batch (see lastBatchId and lastStatus). A failed ' +
          'run is retried twice with backoff; a pull queued twice before it runs runs once.',
        params: PullParams,
        response: { 202: PullSchema },
      },
    },
    async (req, reply) => {
      const { pull, entry } = await maintainedPull(req, req.params.pullId);
      const queued = await withTx(pool, async (tx) => {
        await store.markQueued(tx, pull.id);
        await ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'ingest.pull.run',
            objectType: 'ingest_pull',
            objectId: pull.id,
            orgId: entry.providerOrgId,
            detail: { code: entry.code, name: pull.name, kind: pull.kind },
          }),
        );
        return (await store.getPull(tx, pull.id))!;
      });
      try {
        await quickAddJob(
          { pgPool: pool },
          PULL_TASK,
          { pullId: pull.id, trigger: 'manual' },
          pullJobSpec(pull.id),
        );
      } catch (err) {
        await store.restoreStatus(pool, pull.id);
        throw err;
      }
      return reply.code(202).send(present(queued));
    },
  );
}
