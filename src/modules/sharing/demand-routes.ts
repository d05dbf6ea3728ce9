import type { FastifyInstance } from 'fastify';
import { withTx } from '../../platform/db/pool.js';
import { routeKit } from './common.js';
import * as demands from './demands.js';
import {
  AnswerDemandBody,
  CreateDemandBody,
  DemandIdParams,
  DemandPage,
  DemandReasonBody,
  DemandRequestBody,
  DemandSchema,
  DemandShareRequestSchema,
  ListDemandsQuery,
  RouteDemandBody,
} from './demands.js';

/**
 * The HTTP API of supply–demand (供需对接, src/modules/sharing/demands.ts):
 *   POST /api/share/demands                 share.request  post a demand (named holder: routed at once)
 *   GET  /api/share/demands?box=…           share.read     mine | assigned | all (sysadmin)
 *   GET  /api/share/demands/:id             share.read     one demand with its events and requests
 *   POST /api/share/demands/:id/route       share.review   the platform assigns a department
 *   POST /api/share/demands/:id/answer      share.approve  the assigned department: link | plan | refuse
 *   POST /api/share/demands/:id/withdraw    share.request  the requester takes back an unanswered demand
 *   POST /api/share/demands/:id/close       share.request  the requester closes an answered demand
 *   POST /api/share/demands/:id/request     share.request  a share request for the linked entry
 * Problems are `demand_*` (zh-CN/en), plus the share request's own on /request; every write is
 * audited in its transaction (demand.create, .route, .answer, .withdraw, .close, .request).
 */
export default async function demandRoutes(app: FastifyInstance): Promise<void> {
  const { pool, ctxOf, r, tags, optionalBody } = routeKit(app);

  r.post(
    '/api/share/demands',
    {
      config: { permission: 'share.request' },
      schema: {
        tags,
        summary: '提出数据需求 / post a data demand',
        description:
          'what data (title, description), what for (purpose: the scenario and its basis) and, optionally, the ' +
          'department thought to hold it (suggestedOrgId: the demand is routed to it at once, 10 working days ' +
          'to answer); otherwise it is open until the platform routes it.',
        body: CreateDemandBody,
        response: { 201: DemandSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => demands.createDemand(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/share/demands',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '数据需求列表 / the caller’s data demands by box',
        querystring: ListDemandsQuery,
        response: { 200: DemandPage },
      },
    },
    async (req) => demands.listDemands(ctxOf(req), pool, req.query),
  );

  r.get(
    '/api/share/demands/:id',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '数据需求详情及处理记录 / one data demand with its events and share requests',
        params: DemandIdParams,
        response: { 200: DemandSchema },
      },
    },
    async (req) => demands.getDemand(ctxOf(req), pool, req.params.id),
  );

  r.post(
    '/api/share/demands/:id/route',
    {
      config: { permission: 'share.review' },
      schema: {
        tags,
        summary: '平台分派 / the platform routes a demand to a department',
        description:
          'open, routed or refused demands; the department answers within 10 working days (a new deadline).',
        params: DemandIdParams,
        body: RouteDemandBody,
        response: { 200: DemandSchema },
      },
    },
    async (req) => withTx(pool, (tx) => demands.routeDemand(ctxOf(req), tx, req.params.id, req.body)),
  );

  r.post(
    '/api/share/demands/:id/answer',
    {
      config: { permission: 'share.approve' },
      schema: {
        tags,
        summary: '被分派部门答复 / the assigned department answers',
        description:
          'kind link: a published, shareable entry of the assigned organisation (or a sub-organisation); ' +
          'kind plan: a planned entry and date (answered with a link later); kind refuse: with a reason.',
        params: DemandIdParams,
        body: AnswerDemandBody,
        response: { 200: DemandSchema },
      },
    },
    async (req) => withTx(pool, (tx) => demands.answerDemand(ctxOf(req), tx, req.params.id, req.body)),
  );

  const requesterStep = (path: 'withdraw' | 'close', summary: string, run: typeof demands.withdrawDemand) =>
    r.post(
      `/api/share/demands/:id/${path}`,
      {
        config: { permission: 'share.request' },
        preValidation: optionalBody,
        schema: {
          tags,
          summary,
          params: DemandIdParams,
          body: DemandReasonBody,
          response: { 200: DemandSchema },
        },
      },
      async (req) => withTx(pool, (tx) => run(ctxOf(req), tx, req.params.id, req.body.reason)),
    );
  requesterStep(
    'withdraw',
    '需求方撤回 / the requester withdraws an unanswered demand',
    demands.withdrawDemand,
  );
  requesterStep('close', '需求方关闭 / the requester closes an answered demand', demands.closeDemand);

  r.post(
    '/api/share/demands/:id/request',
    {
      config: { permission: 'share.request' },
      schema: {
        tags,
        summary: '一键提交共享申请 / a share request for the entry that answered the demand',
        description:
          "the demand must be answered with an entry (answered_linked); the scenario defaults to the demand's " +
          'purpose; the rules of POST /api/share/requests apply, and the request records demandId.',
        params: DemandIdParams,
        body: DemandRequestBody,
        response: { 201: DemandShareRequestSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) =>
        demands.requestFromDemand(ctxOf(req), tx, req.params.id, req.body),
      );
      return reply.code(201).send(out);
    },
  );
}
