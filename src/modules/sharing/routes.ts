import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { withTx } from '../../platform/db/pool.js';
import { routeKit } from './common.js';
import * as grants from './grants.js';
import * as requests from './requests.js';
import {
  ApproveBody,
  CreateRequestBody,
  GrantPage,
  GrantSchema,
  IdParams,
  ListGrantsQuery,
  ListRequestsQuery,
  ReasonBody,
  RenewBody,
  ReviewBody,
  ShareRequestPage,
  ShareRequestSchema,
  type Grant,
  type SharingContext,
} from './schemas.js';

/**
 * The HTTP API of share requests and grants (docs/SHARING.md "Share requests and grants"):
 *   POST /api/share/requests                      share.request  ask for an entry's fields
 *   GET  /api/share/requests?box=…                share.read     inbox | outbox | review | all
 *   GET  /api/share/requests/:id                  share.read     one request with its events
 *   POST /api/share/requests/:id/approve|refuse   share.approve  the provider's decision
 *   POST /api/share/requests/:id/review           share.review   the platform's decision
 *   POST /api/share/requests/:id/withdraw         share.request  the consumer takes it back
 *   GET  /api/share/grants?box=…, /:id            share.read     consumer | provider | all
 *   POST /api/share/grants/:id/suspend|resume|revoke|renew  share.approve (provider side)
 * Problems are `share_*` (zh-CN/en); every write is audited in its transaction.
 */
export default async function sharingRoutes(app: FastifyInstance): Promise<void> {
  const { pool, ctxOf, r, tags, optionalBody } = routeKit(app);

  r.get(
    '/api/share/apps',
    {
      config: { permission: 'share.request' },
      schema: {
        tags,
        summary:
          "可用于申请的本机构应用 / the applications a request may name: those of the caller's organisation",
        description: 'Every holder of share.request may list them (members hold no app.read).',
        response: {
          200: Type.Array(Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() })),
        },
      },
    },
    async (req) => {
      const actor = req.ctx.actor;
      if (actor.kind !== 'user') return [];
      const { rows } = await pool.query<{ id: string; name: string }>(
        'SELECT id, name FROM datong.apps WHERE org_id = $1 ORDER BY name',
        [actor.orgId],
      );
      return rows;
    },
  );

  r.post(
    '/api/share/requests',
    {
      config: { permission: 'share.request' },
      schema: {
        tags,
        summary: '提交共享申请 / request fields of a catalog entry for an application',
        description:
          'unconditional entries are granted at once (201, status approved, with grantId); conditional ones ' +
          'are submitted to the provider (10 working days; grade ≥ 3, important or core: then the platform ' +
          'reviews); not-shared entries are refused with 409 share_not_allowed naming the legal basis.',
        body: CreateRequestBody,
        response: { 201: ShareRequestSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => requests.createRequest(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/share/requests',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '共享申请列表 / the caller’s share requests by box',
        querystring: ListRequestsQuery,
        response: { 200: ShareRequestPage },
      },
    },
    async (req) => requests.listRequests(ctxOf(req), pool, req.query),
  );

  r.get(
    '/api/share/requests/:id',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '共享申请详情及处理记录 / one share request with its events',
        params: IdParams,
        response: { 200: ShareRequestSchema },
      },
    },
    async (req) => requests.getRequest(ctxOf(req), pool, req.params.id),
  );

  r.post(
    '/api/share/requests/:id/approve',
    {
      config: { permission: 'share.approve' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '提供方批准（可缩小范围） / the provider approves, possibly narrowing',
        description:
          'fields: a subset of those requested; masking: per granted field (fields not listed get their ' +
          "piiKind's default; only an explicit 'none' unmasks personal data, listed as unmasked in the audit); " +
          'rowFilter: ANDed with the requested row scope; validTo: no later than requested.',
        params: IdParams,
        body: ApproveBody,
        response: { 200: ShareRequestSchema },
      },
    },
    async (req) => withTx(pool, (tx) => requests.approveRequest(ctxOf(req), tx, req.params.id, req.body)),
  );

  r.post(
    '/api/share/requests/:id/refuse',
    {
      config: { permission: 'share.approve' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '提供方拒绝（须说明理由） / the provider refuses, with a reason',
        params: IdParams,
        body: ReasonBody,
        response: { 200: ShareRequestSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => requests.refuseRequest(ctxOf(req), tx, req.params.id, req.body.reason)),
  );

  r.post(
    '/api/share/requests/:id/review',
    {
      config: { permission: 'share.review' },
      schema: {
        tags,
        summary: '平台审核 / the platform reviews a provider-approved request',
        description: 'decision approve creates the grant; refuse needs a reason.',
        params: IdParams,
        body: ReviewBody,
        response: { 200: ShareRequestSchema },
      },
    },
    async (req) => withTx(pool, (tx) => requests.reviewRequest(ctxOf(req), tx, req.params.id, req.body)),
  );

  r.post(
    '/api/share/requests/:id/withdraw',
    {
      config: { permission: 'share.request' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '申请方撤回 / the requesting organisation withdraws an undecided request',
        params: IdParams,
        body: ReasonBody,
        response: { 200: ShareRequestSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => requests.withdrawRequest(ctxOf(req), tx, req.params.id, req.body.reason)),
  );

  r.get(
    '/api/share/grants',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '授权列表 / grants as consumer or provider',
        querystring: ListGrantsQuery,
        response: { 200: GrantPage },
      },
    },
    async (req) => grants.listGrants(ctxOf(req), pool, req.query),
  );

  r.get(
    '/api/share/grants/:id',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '授权详情及变更记录 / one grant with its events',
        params: IdParams,
        response: { 200: GrantSchema },
      },
    },
    async (req) => grants.getGrant(ctxOf(req), pool, req.params.id),
  );

  const grantStep = (
    path: 'suspend' | 'resume' | 'revoke',
    summary: string,
    run: (
      ctx: SharingContext,
      tx: Parameters<typeof grants.suspendGrant>[1],
      id: string,
      reason?: string,
    ) => Promise<Grant>,
  ) =>
    r.post(
      `/api/share/grants/:id/${path}`,
      {
        config: { permission: 'share.approve' },
        preValidation: optionalBody,
        schema: { tags, summary, params: IdParams, body: ReasonBody, response: { 200: GrantSchema } },
      },
      async (req) => withTx(pool, (tx) => run(ctxOf(req), tx, req.params.id, req.body.reason)),
    );
  grantStep('suspend', '暂停授权 / suspend a grant (provider side)', grants.suspendGrant);
  grantStep('resume', '恢复授权 / resume a suspended grant (provider side)', (ctx, tx, id) =>
    grants.resumeGrant(ctx, tx, id),
  );
  grantStep('revoke', '撤销授权（须说明理由） / revoke a grant for good, with a reason', grants.revokeGrant);

  r.post(
    '/api/share/grants/:id/renew',
    {
      config: { permission: 'share.approve' },
      schema: {
        tags,
        summary: '授权续期 / extend a grant’s validity (provider side)',
        description:
          'validTo: later than the current last day, at most 3 years from today; an expired grant becomes active.',
        params: IdParams,
        body: RenewBody,
        response: { 200: GrantSchema },
      },
    },
    async (req) => withTx(pool, (tx) => grants.renewGrant(ctxOf(req), tx, req.params.id, req.body.validTo)),
  );
}
