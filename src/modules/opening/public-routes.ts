import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { baseUrl } from '../catalog/open/base-url.js';
import { openLimitsOf } from './open-limits.js';
import { aggregate, parseMeasure } from './public-aggregate.js';
import {
  columnOf,
  loadOpenData,
  openEntry,
  parseFields,
  parseFiltersParam,
  queryRows,
} from './public-data.js';
import { datastoreRoutes } from './public-datastore.js';
import { callerGuard, noteAccess, readerOf } from './public-guard.js';
import { attachment, countDownload, DOWNLOAD_TYPES, downloadStream } from './public-download.js';
import { cardOf, downloadsOf, home, readablePublication, search } from './public-home.js';
import { publicProblem } from './public-messages.js';
import {
  AggregateQuery,
  AggregateSchema,
  DatasetSchema,
  DownloadQuery,
  EntryParams,
  HomeSchema,
  RowsQuery,
  RowsSchema,
  SearchQuery,
  SearchSchema,
} from './public-schemas.js';

/**
 * The public API of the open-data portal (docs/OPENING.md "Public API"): no sign-in; every call
 * passes the guard first (API key → its rate and quota; no key → the client IP's rate). Data
 * comes only from the open versions (public-data.ts).
 */

export default async function publicRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  const limits = openLimitsOf(pool);
  const guard = callerGuard(app);
  const tags = ['open'];
  const config = { permission: 'public' as const };

  await datastoreRoutes(app, guard);

  r.get(
    '/api/open/home',
    {
      config,
      schema: { tags, summary: '开放门户首页 / the portal home', response: { 200: HomeSchema } },
    },
    async (req) => {
      await guard(req);
      return home(pool, limits.now());
    },
  );

  r.get(
    '/api/open/datasets',
    {
      config,
      schema: {
        tags,
        summary: '检索开放数据集 / search open datasets',
        querystring: SearchQuery,
        response: { 200: SearchSchema },
      },
    },
    async (req) => {
      await guard(req);
      return search(pool, req.query);
    },
  );

  r.get(
    '/api/open/datasets/:entryId',
    {
      config,
      schema: {
        tags,
        summary: '开放数据集的元数据与字段 / metadata and fields of an open dataset',
        params: EntryParams,
        response: { 200: DatasetSchema },
      },
    },
    async (req) => {
      const key = await guard(req);
      const entry = await openEntry(pool, req.params.entryId);
      if (!entry)
        throw publicProblem(404, 'open_dataset_not_found', { ref: req.params.entryId.slice(0, 80) });
      const publication = await readablePublication(pool, entry, readerOf(req, key, limits.now()));
      const downloads = (await downloadsOf(pool, [entry.id])).get(entry.id) ?? 0;
      const fieldsByCode = new Map(entry.fields.map((f) => [f.code, f]));
      const base = `${baseUrl(req)}/api/open/datasets/${entry.id}`;
      return {
        ...cardOf(entry, publication, downloads),
        licence: entry.licence ?? null,
        version: publication?.version ?? 0,
        refreshedAt: publication?.refreshedAt?.toISOString() ?? null,
        columns: (publication?.columns ?? []).map((c) => ({
          code: c.code,
          name: c.name,
          type: c.type,
          description: fieldsByCode.get(c.code)?.description ?? null,
        })),
        api: {
          rows: `${base}/rows`,
          aggregate: `${base}/aggregate`,
          download: `${base}/download`,
          datastoreSearch: `${baseUrl(req)}/api/3/action/datastore_search?resource_id=${entry.id}`,
        },
      };
    },
  );

  r.get(
    '/api/open/datasets/:entryId/rows',
    {
      config,
      schema: {
        tags,
        summary: '查询开放数据 / rows of an open dataset',
        params: EntryParams,
        querystring: RowsQuery,
        response: { 200: RowsSchema },
      },
    },
    async (req, reply) => {
      const key = await guard(req);
      const reader = readerOf(req, key, limits.now());
      const data = await loadOpenData(pool, req.params.entryId, reader);
      const { limit, offset } = req.query;
      const page = await queryRows(
        pool,
        data,
        {
          filters: parseFiltersParam(req.query.filters),
          q: req.query.q,
          fields: parseFields(req.query.fields),
          sort: req.query.sort,
        },
        { limit, offset, withTotal: true },
      );
      await noteAccess(app, req, reply, data, reader, key, { route: 'rows', rows: page.rows.length });
      return {
        columns: page.columns.map((c) => ({ code: c.code, name: c.name, type: c.type })),
        rows: page.rows,
        total: page.total ?? 0,
        limit,
        offset,
      };
    },
  );

  r.get(
    '/api/open/datasets/:entryId/aggregate',
    {
      config,
      schema: {
        tags,
        summary: '分组统计（图表）/ grouped counts, sums, averages for charts',
        params: EntryParams,
        querystring: AggregateQuery,
        response: { 200: AggregateSchema },
      },
    },
    async (req, reply) => {
      const key = await guard(req);
      const reader = readerOf(req, key, limits.now());
      const data = await loadOpenData(pool, req.params.entryId, reader);
      const groupBy = columnOf(data, req.query.groupBy);
      const measure = parseMeasure(data, req.query.measure);
      const regionLevel = req.query.regionLevel as 'province' | 'city' | undefined;
      const out = await aggregate(
        pool,
        data,
        { filters: parseFiltersParam(req.query.filters), q: req.query.q },
        groupBy,
        measure,
        regionLevel,
      );
      await noteAccess(app, req, reply, data, reader, key, { route: 'aggregate', groupBy: groupBy.code });
      return {
        groupBy: groupBy.code,
        measure: measure.fn === 'count' ? 'count' : `${measure.fn}:${measure.column.code}`,
        regionLevel: regionLevel ?? null,
        ...out,
      };
    },
  );

  r.get(
    '/api/open/datasets/:entryId/download',
    {
      config,
      schema: {
        tags,
        summary: '下载开放数据（CSV/XLSX/JSON）/ download an open dataset',
        params: EntryParams,
        querystring: DownloadQuery,
      },
    },
    async (req, reply) => {
      const key = await guard(req);
      const reader = readerOf(req, key, limits.now());
      const data = await loadOpenData(pool, req.params.entryId, reader);
      const { format, header: head } = req.query;
      const body = await downloadStream(
        pool,
        data,
        {
          filters: parseFiltersParam(req.query.filters),
          q: req.query.q,
          fields: parseFields(req.query.fields),
          sort: req.query.sort,
        },
        format,
        head,
      );
      try {
        await countDownload(pool, data.entry.id, format, limits.now());
        await noteAccess(app, req, reply, data, reader, key, { route: 'download', format });
      } catch (err) {
        body.destroy(); // releases the cursor's connection
        throw err;
      }
      const fallback = `open-${data.entry.code.replace(/[./]/g, '-')}`;
      return reply
        .type(DOWNLOAD_TYPES[format])
        .header('content-disposition', attachment(data.entry.name, fallback, format))
        .header('cache-control', data.access === 'conditional' ? 'private, no-store' : 'no-store')
        .send(body);
    },
  );
}
