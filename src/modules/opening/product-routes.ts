import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { withTx } from '../../platform/db/pool.js';
import { routeKit } from '../sharing/common.js';
import { IdParams } from '../sharing/schemas.js';
import { callerContext, callProduct, productMeterOf } from './product-calls.js';
import * as products from './products.js';
import * as subscriptions from './product-subscriptions.js';
import {
  ApproveSubscriptionBody,
  CallAnswer,
  CallBody,
  CreateProductBody,
  ListProductsQuery,
  ListSubscriptionsQuery,
  MySubscriptionsQuery,
  ProductList,
  ProductSchema,
  SubscribeBody,
  SubscriptionList,
  SubscriptionReasonBody,
  SubscriptionSchema,
  UpdateProductBody,
  UsageQuery,
  UsageReportSchema,
} from './product-schemas.js';

/**
 * The HTTP API of data products (docs/OPENING.md "Data products"):
 *   GET   /api/products?scope=&entryId=                  public        published (or the provider's own) products
 *   GET   /api/products/:id                              public        one product (drafts: its provider only)
 *   POST  /api/products                                  dataset.load  a draft over one of the caller's entries
 *   PATCH /api/products/:id                              dataset.load  edit (changed terms of a published one: new version)
 *   POST  /api/products/:id/publish|retire               dataset.load  draft → published → retired
 *   POST  /api/products/:id/subscriptions                open.apply    apply for a tier, accepting the terms
 *   GET   /api/product-subscriptions/mine?month=         open.apply    the caller's subscriptions and use
 *   GET   /api/product-subscriptions?productId=&status=  share.read    the provider's subscriptions (platform: all)
 *   GET   /api/product-subscriptions/:id                 user          one, with its events
 *   POST  /api/product-subscriptions/:id/approve|refuse|revoke  share.approve  the provider's decisions
 *   POST  /api/products/:id/call                         public*       a subscriber's call (*signed in; see below)
 *   GET   /api/products/:id/usage?month=                 share.read    calls per consumer in a month
 * The call route admits every caller at the choke point: a signed-in user, or a caller presenting
 * a public API key (X-API-Key, keys.ts) acting as the key's user; anyone else gets 401
 * product_sign_in_required, a bad key 401 product_api_key_invalid.
 */
export default async function productRoutes(app: FastifyInstance): Promise<void> {
  const { pool, ctxOf, r, optionalBody } = routeKit(app);
  const tags = ['opening'];
  const services = app.datong;
  const month = (m: string | undefined) => m ?? products.monthOf(new Date());

  r.get(
    '/api/products',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '数据产品列表 / published data products, or the provider’s own (scope=provider)',
        querystring: ListProductsQuery,
        response: { 200: ProductList },
      },
    },
    async (req) => products.listProducts(ctxOf(req), pool, req.query),
  );

  r.get(
    '/api/products/:id',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '数据产品详情 / one data product with its terms and tiers',
        params: IdParams,
        response: { 200: ProductSchema },
      },
    },
    async (req) => products.getProduct(ctxOf(req), pool, req.params.id),
  );

  r.post(
    '/api/products',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '创建数据产品（草稿） / create a draft data product over one of your entries',
        description:
          'kind query | statistics read the entry’s open version; verify reads the source and answers match / ' +
          'mismatch / not_found per field. config: query {fields}, verify {keyFields, fields}, statistics {groupBy, minCell}.',
        body: CreateProductBody,
        response: { 201: ProductSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) => products.createProduct(ctxOf(req), tx, req.body));
      return reply.code(201).send(out);
    },
  );

  r.patch(
    '/api/products/:id',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '修改数据产品 / edit a data product',
        params: IdParams,
        body: UpdateProductBody,
        response: { 200: ProductSchema },
      },
    },
    async (req) => withTx(pool, (tx) => products.updateProduct(ctxOf(req), tx, req.params.id, req.body)),
  );

  for (const step of ['publish', 'retire'] as const) {
    r.post(
      `/api/products/:id/${step}`,
      {
        config: { permission: 'dataset.load' },
        preValidation: optionalBody,
        schema: {
          tags,
          summary:
            step === 'publish' ? '上架 / publish a draft product' : '下架 / retire a published product',
          params: IdParams,
          body: Type.Object({}, { additionalProperties: false }),
          response: { 200: ProductSchema },
        },
      },
      async (req) =>
        withTx(pool, (tx) =>
          step === 'publish'
            ? products.publishProduct(ctxOf(req), tx, req.params.id)
            : products.retireProduct(ctxOf(req), tx, req.params.id),
        ),
    );
  }

  r.post(
    '/api/products/:id/subscriptions',
    {
      config: { permission: 'open.apply' },
      schema: {
        tags,
        summary: '申请开通数据产品 / apply for a tier of a data product, accepting its terms',
        description:
          'acceptTerms must be true and termsVersion the product’s current one (409 product_terms_required). ' +
          'A company gives companyName and companyUscc (checked); a person neither.',
        params: IdParams,
        body: SubscribeBody,
        response: { 201: SubscriptionSchema },
      },
    },
    async (req, reply) => {
      const out = await withTx(pool, (tx) =>
        subscriptions.subscribe(ctxOf(req), tx, req.params.id, req.body),
      );
      return reply.code(201).send(out);
    },
  );

  r.get(
    '/api/product-subscriptions/mine',
    {
      config: { permission: 'open.apply' },
      schema: {
        tags,
        summary: '我的数据产品订阅及用量 / the caller’s subscriptions and their use in a month',
        querystring: MySubscriptionsQuery,
        response: { 200: SubscriptionList },
      },
    },
    async (req) => {
      await productMeterOf(pool).flush();
      return subscriptions.mySubscriptions(ctxOf(req), pool, month(req.query.month));
    },
  );

  r.get(
    '/api/product-subscriptions',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary:
          '数据产品订阅审批列表 / subscriptions to the caller’s organisations’ products (platform: all)',
        querystring: ListSubscriptionsQuery,
        response: { 200: SubscriptionList },
      },
    },
    async (req) => {
      await productMeterOf(pool).flush();
      return subscriptions.listSubscriptions(ctxOf(req), pool, req.query, month(req.query.month));
    },
  );

  r.get(
    '/api/product-subscriptions/:id',
    {
      config: { permission: 'user' },
      schema: {
        tags,
        summary: '订阅详情及处理记录 / one subscription with its events',
        params: IdParams,
        querystring: UsageQuery,
        response: { 200: SubscriptionSchema },
      },
    },
    async (req) => {
      await productMeterOf(pool).flush();
      return subscriptions.getSubscription(ctxOf(req), pool, req.params.id, month(req.query.month));
    },
  );

  const decisions = {
    approve: {
      summary: '批准订阅 / approve a subscription (optionally another tier)',
      body: ApproveSubscriptionBody,
    },
    refuse: { summary: '拒绝订阅（须说明理由） / refuse, with a reason', body: SubscriptionReasonBody },
    revoke: {
      summary: '撤销订阅（须说明理由） / revoke an approved subscription, with a reason',
      body: SubscriptionReasonBody,
    },
  } as const;
  for (const decision of ['approve', 'refuse', 'revoke'] as const) {
    r.post(
      `/api/product-subscriptions/:id/${decision}`,
      {
        config: { permission: 'share.approve' },
        preValidation: optionalBody,
        schema: {
          tags,
          summary: decisions[decision].summary,
          params: IdParams,
          body: decisions[decision].body,
          response: { 200: SubscriptionSchema },
        },
      },
      async (req) =>
        withTx(pool, (tx) =>
          subscriptions.decideSubscription(
            ctxOf(req),
            tx,
            req.params.id,
            decision,
            req.body as { tier?: string; comment?: string; reason?: string },
          ),
        ),
    );
  }

  r.post(
    '/api/products/:id/call',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '调用数据产品 / call a data product under an approved subscription',
        description:
          'query: {filters?: {code: value}, fields?: [codes], limit? ≤ 1000, offset?} → {columns, rows, hasMore}; ' +
          'verify: {key: {code: value}, fields: {code: value}} → {found, fields: {code: match | mismatch | not_found}}; ' +
          'statistics: {groupBy: [codes], filters?} → {groups: [{key, count, suppressed}]}. Every answer carries the ' +
          'month’s use. 429 product_quota_exhausted (Retry-After: to the next month, Asia/Shanghai) or ' +
          'product_rate_limited (per minute). Signed in, or X-API-Key of a public API key (401 otherwise).',
        params: IdParams,
        body: CallBody,
        response: { 200: CallAnswer },
      },
    },
    async (req) => {
      const key = req.headers['x-api-key'];
      const ctx = await callerContext(services, req.ctx, typeof key === 'string' ? key : undefined);
      return callProduct(services, ctx, req.params.id, req.body);
    },
  );

  r.get(
    '/api/products/:id/usage',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '数据产品月度用量 / calls per consumer in a month (provider and platform)',
        params: IdParams,
        querystring: UsageQuery,
        response: { 200: UsageReportSchema },
      },
    },
    async (req) => {
      await productMeterOf(pool).flush();
      return subscriptions.usageReport(ctxOf(req), pool, req.params.id, month(req.query.month));
    },
  );
}
