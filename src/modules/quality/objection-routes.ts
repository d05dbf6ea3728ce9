import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withTx } from '../../platform/db/pool.js';
import * as objections from './objections.js';
import type { QualityContext } from './objections.js';
import {
  AppRaiseBody,
  ConflictObjectionBody,
  ConflictParams,
  CorrectBody,
  ListObjectionsQuery,
  ObjectionPage,
  ObjectionParams,
  ObjectionSchema,
  RaiseBody,
  RejectBody,
  WithdrawBody,
} from './objection-schemas.js';

/**
 * The HTTP API of objections (异议/纠错, src/modules/quality/objections.ts):
 *   POST /api/quality/objections                          dataset.read       raise (access to the record)
 *   POST /api/quality/crosschecks/conflicts/:id/objection governance.manage  from a cross-check conflict
 *   GET  /api/quality/objections?box=inbox|raised|all      dataset.read       keyset pages
 *   GET  /api/quality/objections/:id                      dataset.read       with its events
 *   POST /api/quality/objections/:id/correct              dataset.load       an upsert batch (provider)
 *   POST /api/quality/objections/:id/reject               dataset.load       with a reason
 *   POST /api/quality/objections/:id/withdraw             dataset.read       the raiser, while open
 *   POST /api/share/objections                            share.use          a signed app, under its grant
 *   GET  /api/share/objections/:id                        share.use          the app's own objection
 * Problems are `objection_*` (zh-CN/en); every write is audited in its transaction.
 */
export default async function objectionRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const pool = services.pool;
  const ctxOf = (req: FastifyRequest): QualityContext => ({ ...req.ctx, services });
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['quality'];

  r.post(
    '/api/quality/objections',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '提出数据异议 / object to a record or one of its fields',
        description:
          "by the provider's staff, a consumer organisation whose active grant covers the record and the field, or " +
          "the platform; addressed to the entry's provider (orgId: another department, governance.manage only), " +
          'who answers within 5 working days. The current value is read from the data.',
        body: RaiseBody,
        response: { 201: ObjectionSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => objections.raiseObjection(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.post(
    '/api/quality/crosschecks/conflicts/:id/objection',
    {
      config: { permission: 'governance.manage' },
      schema: {
        tags,
        summary: '由校核冲突提出异议 / raise an objection from a cross-check conflict',
        description:
          "the secondary source's record and field, proposing the authoritative value, addressed to orgId; " +
          'once per conflict (409 afterwards).',
        params: ConflictParams,
        body: ConflictObjectionBody,
        response: { 201: ObjectionSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) =>
        objections.raiseFromConflict(ctxOf(req), tx, req.params.id, req.body),
      );
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/quality/objections',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '异议列表 / objections by box',
        querystring: ListObjectionsQuery,
        response: { 200: ObjectionPage },
      },
    },
    async (req) => objections.listObjections(req.ctx, pool, req.query),
  );

  r.get(
    '/api/quality/objections/:id',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '异议详情及处理记录 / one objection with its events',
        params: ObjectionParams,
        response: { 200: ObjectionSchema },
      },
    },
    async (req) => objections.getObjection(req.ctx, pool, req.params.id),
  );

  r.post(
    '/api/quality/objections/:id/correct',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '确认并纠错 / confirm and correct: an upsert batch of the record',
        description:
          "the entry provider's stewards; value defaults to the proposed value (values: for a whole-record " +
          'objection). A value the dataset check refuses answers 422 and the objection stays open.',
        params: ObjectionParams,
        body: CorrectBody,
        response: { 200: ObjectionSchema },
      },
    },
    async (req) => objections.correctObjection(ctxOf(req), pool, req.params.id, req.body),
  );

  r.post(
    '/api/quality/objections/:id/reject',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '驳回异议 / reject an objection, with a reason',
        params: ObjectionParams,
        body: RejectBody,
        response: { 200: ObjectionSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => objections.rejectObjection(ctxOf(req), tx, req.params.id, req.body.reason)),
  );

  r.post(
    '/api/quality/objections/:id/withdraw',
    {
      config: { permission: 'dataset.read' },
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        tags,
        summary: '撤回异议 / the raiser withdraws an open objection',
        params: ObjectionParams,
        body: WithdrawBody,
        response: { 200: ObjectionSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => objections.withdrawObjection(ctxOf(req), tx, req.params.id, req.body.reason)),
  );

  r.post(
    '/api/share/objections',
    {
      config: { permission: 'share.use' },
      schema: {
        tags: [...tags, 'data services'],
        summary: '应用对所获数据提出异议 / an application objects to a record it received under its grant',
        description:
          'grantId: one of the calling application’s grants, in force, granting the key fields and the field; ' +
          "the record must be inside the grant's row filter. Addressed to the entry's provider.",
        body: AppRaiseBody,
        response: { 201: ObjectionSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => objections.raiseByApp(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/share/objections/:id',
    {
      config: { permission: 'share.use' },
      schema: {
        tags: [...tags, 'data services'],
        summary: '应用查看所提异议 / an application reads an objection it raised',
        params: ObjectionParams,
        response: { 200: ObjectionSchema },
      },
    },
    async (req) => objections.getObjection(req.ctx, pool, req.params.id),
  );
}
