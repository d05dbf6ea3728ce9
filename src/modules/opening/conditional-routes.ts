import type { FastifyInstance } from 'fastify';
import { withTx } from '../../platform/db/pool.js';
import { routeKit } from '../sharing/common.js';
import { IdParams } from '../sharing/schemas.js';
import * as conditional from './conditional.js';
import {
  AgreementSchema,
  ApplicationReasonBody,
  ApproveApplicationBody,
  CreateApplicationBody,
  ListApplicationsQuery,
  MyApplicationsQuery,
  OPEN_AGREEMENT,
  OpenApplicationPage,
  OpenApplicationSchema,
  ReviewApplicationBody,
} from './conditional-schemas.js';

/**
 * The HTTP API of conditional-open applications (docs/OPENING.md "Conditional opening"):
 *   GET  /api/open/applications/agreement          public        the agreement text and version
 *   POST /api/open/applications                    open.apply    apply for a conditional entry
 *   GET  /api/open/applications/mine               open.apply    the caller's applications
 *   GET  /api/open/applications?box=               share.read    inbox | review | all
 *   GET  /api/open/applications/:id                user          one, with its events (applicant, provider, platform)
 *   POST /api/open/applications/:id/approve|refuse share.approve the provider's decision
 *   POST /api/open/applications/:id/review         share.review  the platform's decision
 *   POST /api/open/applications/:id/withdraw       open.apply    the applicant takes it back
 * Problems are `open_*` (zh-CN/en); every write is audited in its transaction.
 */
export default async function conditionalRoutes(app: FastifyInstance): Promise<void> {
  const { pool, ctxOf, r, optionalBody } = routeKit(app);
  const tags = ['opening'];

  r.get(
    '/api/open/applications/agreement',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '开放数据使用协议 / the agreement an applicant accepts, with its version',
        response: { 200: AgreementSchema },
      },
    },
    async () => OPEN_AGREEMENT,
  );

  r.post(
    '/api/open/applications',
    {
      config: { permission: 'open.apply' },
      schema: {
        tags,
        summary: '提交有条件开放申请 / apply for a conditionally open entry',
        description:
          'The entry’s published version must be openType conditional (else 409 open_not_conditional); ' +
          'applicantUscc is checked (GB 32100-2015); agreementAccepted must be true and agreementVersion the ' +
          'current one (409 open_agreement_outdated). The provider answers within 10 working days.',
        body: CreateApplicationBody,
        response: { 201: OpenApplicationSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => conditional.createApplication(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/open/applications/mine',
    {
      config: { permission: 'open.apply' },
      schema: {
        tags,
        summary: '我的开放申请 / the caller’s applications, newest first',
        querystring: MyApplicationsQuery,
        response: { 200: OpenApplicationPage },
      },
    },
    async (req) => conditional.myApplications(ctxOf(req), pool, req.query),
  );

  r.get(
    '/api/open/applications',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '开放申请审批列表 / applications to decide, by box',
        querystring: ListApplicationsQuery,
        response: { 200: OpenApplicationPage },
      },
    },
    async (req) => conditional.listApplications(ctxOf(req), pool, req.query),
  );

  r.get(
    '/api/open/applications/:id',
    {
      config: { permission: 'user' },
      schema: {
        tags,
        summary: '开放申请详情及处理记录 / one application with its events',
        description:
          'Seen by its applicant, the provider organisation and the platform; 404 for anyone else.',
        params: IdParams,
        response: { 200: OpenApplicationSchema },
      },
    },
    async (req) => conditional.getApplication(ctxOf(req), pool, req.params.id),
  );

  r.post(
    '/api/open/applications/:id/approve',
    {
      config: { permission: 'share.approve' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '提供方同意（可缩短期限） / the provider approves, possibly shortening the term',
        params: IdParams,
        body: ApproveApplicationBody,
        response: { 200: OpenApplicationSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => conditional.approveApplication(ctxOf(req), tx, req.params.id, req.body)),
  );

  r.post(
    '/api/open/applications/:id/refuse',
    {
      config: { permission: 'share.approve' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '提供方拒绝（须说明理由） / the provider refuses, with a reason',
        params: IdParams,
        body: ApplicationReasonBody,
        response: { 200: OpenApplicationSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => conditional.refuseApplication(ctxOf(req), tx, req.params.id, req.body.reason)),
  );

  r.post(
    '/api/open/applications/:id/review',
    {
      config: { permission: 'share.review' },
      schema: {
        tags,
        summary: '平台审核 / the platform decides a provider-approved application',
        description:
          'approve: access until the end of the granted months (Asia/Shanghai); refuse needs a reason.',
        params: IdParams,
        body: ReviewApplicationBody,
        response: { 200: OpenApplicationSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => conditional.reviewApplication(ctxOf(req), tx, req.params.id, req.body)),
  );

  r.post(
    '/api/open/applications/:id/withdraw',
    {
      config: { permission: 'open.apply' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '申请人撤回 / the applicant withdraws an undecided application',
        params: IdParams,
        body: ApplicationReasonBody,
        response: { 200: OpenApplicationSchema },
      },
    },
    async (req) =>
      withTx(pool, (tx) => conditional.withdrawApplication(ctxOf(req), tx, req.params.id, req.body.reason)),
  );
}
