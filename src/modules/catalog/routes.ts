import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withTx } from '../../platform/db/pool.js';
import type { CatalogContext } from './context.js';
import {
  approveEntry,
  createEntry,
  deprecateEntry,
  returnEntry,
  reviseEntry,
  submitEntry,
  updateEntry,
  withdrawEntry,
} from './lifecycle.js';
import { getEntry, getEntryDiff, getEntryHistory, listEntryVersions, reviewQueue } from './read.js';
import {
  ApproveBody,
  DiffQuery,
  Entry,
  EntryDiff,
  EntryInput,
  HistoryList,
  IdParams,
  ReasonBody,
  ReturnBody,
  ReviewQueue,
  VersionList,
  VersionQuery,
} from './schemas.js';

/**
 * The catalog core's HTTP routes (docs/CATALOG.md "HTTP"): one entry, its lifecycle, versions,
 * diff and history, and the review queue. Search, import/export and harvesting are registered by
 * their own files. Reading is `public` at the choke point; visibility is the service's rule.
 */
export default async function catalogRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.datong;
  const pool = services.pool;
  const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });
  const tags = ['catalog'];

  r.post(
    '/api/catalog/entries',
    {
      config: { permission: 'catalog.write' },
      schema: {
        tags,
        summary: '新建目录条目（草稿） / create a draft entry',
        body: EntryInput,
        response: { 201: Entry },
      },
    },
    async (req, reply) => {
      const entry = await withTx(pool, (tx) => createEntry(ctxOf(req), tx, req.body));
      return reply.code(201).send(entry);
    },
  );
  r.get(
    '/api/catalog/entries/:id',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'One entry as the caller may see it (?version=n)',
        params: IdParams,
        querystring: VersionQuery,
        response: { 200: Entry },
      },
    },
    async (req) => getEntry(ctxOf(req), pool, req.params.id, req.query.version),
  );
  r.put(
    '/api/catalog/entries/:id',
    {
      config: { permission: 'catalog.write' },
      schema: {
        tags,
        summary: '修改草稿或退回的版本 / replace the draft or returned version',
        params: IdParams,
        body: EntryInput,
        response: { 200: Entry },
      },
    },
    async (req) => withTx(pool, (tx) => updateEntry(ctxOf(req), tx, req.params.id, req.body)),
  );

  for (const [path, summary, run] of [
    ['submit', '提交审核 / draft or returned → submitted', submitEntry],
    ['revise', '修订 / open a new draft version of a published entry', reviseEntry],
  ] as const) {
    r.post(
      `/api/catalog/entries/:id/${path}`,
      {
        config: { permission: 'catalog.write' },
        schema: { tags, summary, params: IdParams, response: { 200: Entry } },
      },
      async (req) => withTx(pool, (tx) => run(ctxOf(req), tx, req.params.id)),
    );
  }

  r.post(
    '/api/catalog/entries/:id/approve',
    {
      config: { permission: 'catalog.review' },
      // The comment is optional, so a POST without any body is an approval without comment.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: '审核通过 / submitted → published',
        params: IdParams,
        body: ApproveBody,
        response: { 200: Entry },
      },
    },
    async (req) => withTx(pool, (tx) => approveEntry(ctxOf(req), tx, req.params.id, req.body.comment)),
  );
  r.post(
    '/api/catalog/entries/:id/return',
    {
      config: { permission: 'catalog.review' },
      schema: {
        tags,
        summary: '退回 / submitted → returned, with a comment',
        params: IdParams,
        body: ReturnBody,
        response: { 200: Entry },
      },
    },
    async (req) => withTx(pool, (tx) => returnEntry(ctxOf(req), tx, req.params.id, req.body.comment)),
  );
  for (const [path, summary, run] of [
    ['deprecate', '废止 / end a published entry (stays visible to departments)', deprecateEntry],
    ['withdraw', '撤回 / withdraw a published entry from the catalog', withdrawEntry],
  ] as const) {
    r.post(
      `/api/catalog/entries/:id/${path}`,
      {
        config: { permission: 'catalog.write' },
        schema: { tags, summary, params: IdParams, body: ReasonBody, response: { 200: Entry } },
      },
      async (req) => withTx(pool, (tx) => run(ctxOf(req), tx, req.params.id, req.body.reason)),
    );
  }

  r.get(
    '/api/catalog/entries/:id/versions',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Versions the caller may see',
        params: IdParams,
        response: { 200: VersionList },
      },
    },
    async (req) => ({ items: await listEntryVersions(ctxOf(req), pool, req.params.id) }),
  );
  r.get(
    '/api/catalog/entries/:id/diff',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Field-level difference between two versions',
        params: IdParams,
        querystring: DiffQuery,
        response: { 200: EntryDiff },
      },
    },
    async (req) => getEntryDiff(ctxOf(req), pool, req.params.id, req.query.from, req.query.to),
  );
  r.get(
    '/api/catalog/entries/:id/history',
    {
      config: { permission: 'public' },
      schema: { tags, summary: 'Lifecycle history', params: IdParams, response: { 200: HistoryList } },
    },
    async (req) => ({ items: await getEntryHistory(ctxOf(req), pool, req.params.id) }),
  );
  r.get(
    '/api/catalog/review-queue',
    {
      config: { permission: 'catalog.review' },
      schema: { tags, summary: '待审核 / submitted entries', response: { 200: ReviewQueue } },
    },
    async (req) => ({ items: await reviewQueue(ctxOf(req), pool) }),
  );
}
