import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { withTx } from '../../platform/db/pool.js';
import { startCrosscheck } from './crosscheck.js';
import {
  ConflictPage,
  ConflictsQuery,
  getRun,
  listConflicts,
  listRuns,
  ListRunsQuery,
  RunIdParams,
  RunPage,
  RunSchema,
} from './crosscheck-read.js';
import * as registry from './registry.js';
import {
  AddSourceBody,
  CreateItemBody,
  ItemList,
  ItemSchema,
  UpdateItemBody,
  type RegistryContext,
} from './registry.js';

/**
 * The HTTP API of the 一数一源 registry and the 多源校核 cross-checks (docs/QUALITY.md
 * "Registry and cross-checks"); every route needs governance.manage (the platform):
 *   GET    /api/quality/items                    the registered data items with their sources
 *   POST   /api/quality/items                    register an item with its authoritative source
 *   GET    /api/quality/items/:id                one item
 *   PATCH  /api/quality/items/:id                name, description, subject, normalisation, authority
 *   DELETE /api/quality/items/:id                remove an item (its cross-check figures go with it)
 *   POST   /api/quality/items/:id/sources        add a source (a second authority is refused)
 *   DELETE /api/quality/sources/:id              remove a secondary source
 *   POST   /api/quality/crosschecks              202 {runId}: a run is queued (job quality:crosscheck)
 *   GET    /api/quality/crosschecks              the runs, newest first
 *   GET    /api/quality/crosschecks/:id          a run: figures per item and source, agreement rates
 *   GET    /api/quality/crosschecks/:id/conflicts  its conflicts, keyset pages, masked for the viewer
 * Problems are quality_* (zh-CN/en); every write is audited in its transaction.
 */
export default async function registryRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const { pool } = services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const ctxOf = (req: FastifyRequest): RegistryContext => ({ ...req.ctx, services });
  const tags = ['quality'];
  const config = { permission: 'governance.manage' } as const;
  const ItemParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

  r.get(
    '/api/quality/items',
    {
      config,
      schema: {
        tags,
        summary: '一数一源：数据项列表 / the registered data items and their sources',
        response: { 200: ItemList },
      },
    },
    async () => ({ items: await registry.listItems(pool) }),
  );

  r.post(
    '/api/quality/items',
    {
      config,
      schema: {
        tags,
        summary: '登记数据项及其权威来源 / register a data item with its authoritative source',
        description:
          'authority: the one authoritative source (entry + field + key field); sources: secondary ones. Fields ' +
          "must be among the entry's dataset columns (its published catalog fields before any load).",
        body: CreateItemBody,
        response: { 201: ItemSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => registry.createItem(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/quality/items/:id',
    {
      config,
      schema: {
        tags,
        summary: '数据项详情 / one data item with its sources',
        params: ItemParams,
        response: { 200: ItemSchema },
      },
    },
    async (req) => registry.getItem(pool, req.params.id),
  );

  r.patch(
    '/api/quality/items/:id',
    {
      config,
      schema: {
        tags,
        summary: '修改数据项 / update a data item',
        description:
          'authority replaces the authoritative source: a secondary source of the same entry and field is ' +
          'promoted (the old authority becomes secondary), otherwise the authority changes in place.',
        params: ItemParams,
        body: UpdateItemBody,
        response: { 200: ItemSchema },
      },
    },
    async (req) => withTx(pool, (tx) => registry.updateItem(ctxOf(req), tx, req.params.id, req.body)),
  );

  r.delete(
    '/api/quality/items/:id',
    {
      config,
      schema: {
        tags,
        summary: '删除数据项 / remove a data item and its cross-check figures',
        params: ItemParams,
      },
    },
    async (req, reply) => {
      await withTx(pool, (tx) => registry.deleteItem(ctxOf(req), tx, req.params.id));
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/quality/items/:id/sources',
    {
      config,
      schema: {
        tags,
        summary: '增加数据来源 / add a source to a data item',
        description: 'role secondary, or authoritative while the item has none (one item, one authority).',
        params: ItemParams,
        body: AddSourceBody,
        response: { 201: ItemSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => registry.addSource(ctxOf(req), tx, req.params.id, req.body));
      return reply.code(201).send(out);
    },
  );

  r.delete(
    '/api/quality/sources/:id',
    {
      config,
      schema: {
        tags,
        summary: '删除次要来源 / remove a secondary source',
        description:
          'the authoritative source cannot be removed; replace it through PATCH /api/quality/items/:id.',
        params: ItemParams,
      },
    },
    async (req, reply) => {
      await withTx(pool, (tx) => registry.deleteSource(ctxOf(req), tx, req.params.id));
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/quality/crosschecks',
    {
      config,
      // No body is needed: none means {}.
      preValidation: async (req: FastifyRequest) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: '发起多源校核 / start a cross-check of every registered item',
        description: 'queued as the job quality:crosscheck; poll GET /api/quality/crosschecks/:id.',
        body: Type.Object({}, { additionalProperties: false }),
        response: { 202: Type.Object({ runId: Type.Integer() }) },
      },
    },
    async (req, reply) => {
      const runId = await startCrosscheck(ctxOf(req));
      return reply.code(202).send({ runId });
    },
  );

  r.get(
    '/api/quality/crosschecks',
    {
      config,
      schema: {
        tags,
        summary: '校核记录 / the cross-check runs, newest first',
        querystring: ListRunsQuery,
        response: { 200: RunPage },
      },
    },
    async (req) => listRuns(pool, req.query),
  );

  r.get(
    '/api/quality/crosschecks/:id',
    {
      config,
      schema: {
        tags,
        summary: '校核结果 / a run: per item and source, keys compared, agreeing, conflicting, missing',
        params: RunIdParams,
        response: { 200: RunSchema },
      },
    },
    async (req) => getRun(pool, req.params.id),
  );

  r.get(
    '/api/quality/crosschecks/:id/conflicts',
    {
      config,
      schema: {
        tags,
        summary: '校核冲突明细（脱敏） / the conflicts of a run, masked for the viewer',
        params: RunIdParams,
        querystring: ConflictsQuery,
        response: { 200: ConflictPage },
      },
    },
    async (req) => listConflicts(pool, req.ctx.actor, req.params.id, req.query),
  );
}
