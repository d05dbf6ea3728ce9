import type { Queryable, Tx } from '../../platform/db/pool.js';
import { isUscc } from '../../platform/validators/index.js';
import { actsFor, auditStep, notify, userIdOf } from '../sharing/common.js';
import { actorOf, scopeOf, type SharingContext } from '../sharing/schemas.js';
import { insertOpenEvent, openEvents, type Clock } from './conditional.js';
import {
  productProblem,
  type ListSubscriptionsInput,
  type ProductKind,
  type SubscribeInput,
  type Subscription,
  type SubscriptionStatus,
  type Tier,
  type UsageReport,
} from './product-schemas.js';
import { illegal, monthOf, productRow, seesProduct } from './products.js';

/**
 * Subscriptions to data products (docs/OPENING.md "Data products"): a public user (a person, or a
 * company by its 统一社会信用代码) applies for a tier of a published product, accepting its current
 * terms (applied); the provider's approvers approve (possibly another tier), refuse with a reason,
 * or later revoke with a reason. Every step is a product_subscription_events row, an audit event
 * (product.subscribe, product.subscription.approve | refuse | revoke) and a notification. Also the
 * lists with each subscription's use in a month, and the usage report per consumer.
 */

// ---------------------------------------------------------------------------------------------
// Subscriptions

interface SubscriptionDbRow {
  id: string;
  product_id: string;
  product_name: string;
  product_kind: ProductKind;
  product_tiers: Tier[];
  entry_id: string;
  entry_name: string;
  provider_org_id: string;
  provider_org_name: string;
  subscriber_user_id: string;
  subscriber_name: string;
  company_name: string | null;
  company_uscc: string | null;
  purpose: string;
  tier: string;
  terms_version: number;
  terms_accepted_at: Date;
  status: SubscriptionStatus;
  approved_by_name: string | null;
  decided_at: Date | null;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
  calls: string | number;
}

/** $1 is the month's first day (YYYY-MM-01). */
const SUBSCRIPTION_SELECT = `SELECT s.*, p.name AS product_name, p.kind AS product_kind, p.tiers AS product_tiers,
    p.entry_id, p.provider_org_id, po.name AS provider_org_name,
    COALESCE(pv.name, wv.name) AS entry_name, COALESCE(u.calls, 0) AS calls
  FROM datong.product_subscriptions s
  JOIN datong.data_products p ON p.id = s.product_id
  JOIN datong.catalog_entries e ON e.id = p.entry_id
  JOIN datong.orgs po ON po.id = p.provider_org_id
  LEFT JOIN datong.catalog_versions pv ON pv.entry_id = e.id AND pv.version = e.published_version
  LEFT JOIN datong.catalog_versions wv ON wv.entry_id = e.id AND wv.version = e.working_version
  LEFT JOIN datong.product_usage u ON u.subscription_id = s.id AND u.month = $1::date`;

const monthStart = (month: string) => `${month}-01`;

function presentSubscription(s: SubscriptionDbRow, month: string): Subscription {
  const tier = s.product_tiers.find((t) => t.name === s.tier);
  return {
    id: s.id,
    productId: s.product_id,
    productName: s.product_name,
    productKind: s.product_kind,
    entryId: s.entry_id,
    entryName: s.entry_name,
    providerOrgId: s.provider_org_id,
    providerOrgName: s.provider_org_name,
    subscriberUserId: s.subscriber_user_id,
    subscriberName: s.subscriber_name,
    companyName: s.company_name,
    companyUscc: s.company_uscc,
    purpose: s.purpose,
    tier: s.tier,
    termsVersion: s.terms_version,
    termsAcceptedAt: s.terms_accepted_at.toISOString(),
    status: s.status,
    approvedByName: s.approved_by_name,
    decidedAt: s.decided_at?.toISOString() ?? null,
    reason: s.reason,
    usage: {
      month,
      calls: Number(s.calls),
      callsPerMonth: tier?.callsPerMonth ?? null,
      ratePerMinute: tier?.ratePerMinute ?? null,
    },
    createdAt: s.created_at.toISOString(),
    updatedAt: s.updated_at.toISOString(),
  };
}

async function subscriptionRow(
  q: Queryable,
  id: string,
  month: string,
  lock = false,
): Promise<SubscriptionDbRow | undefined> {
  const { rows } = await q.query<SubscriptionDbRow>(
    `${SUBSCRIPTION_SELECT} WHERE s.id = $2 ${lock ? 'FOR UPDATE OF s' : ''}`,
    [monthStart(month), id],
  );
  return rows[0];
}

async function auditSubscription(
  ctx: SharingContext,
  tx: Tx,
  action: string,
  s: SubscriptionDbRow,
  orgId: string | null | undefined,
  detail: Record<string, unknown>,
): Promise<void> {
  await auditStep(ctx, tx, action, { type: 'product_subscription', id: s.id }, orgId, {
    productId: s.product_id,
    providerOrgId: s.provider_org_id,
    subscriberUserId: s.subscriber_user_id,
    ...(s.company_uscc ? { companyUscc: s.company_uscc } : {}),
    tier: s.tier,
    ...detail,
  });
}

/** POST /api/products/:id/subscriptions — a public user applies for a tier, accepting the terms. */
export async function subscribe(
  ctx: SharingContext,
  tx: Tx,
  productId: string,
  input: SubscribeInput,
  opts: Clock = {},
): Promise<Subscription> {
  const now = opts.now ?? new Date();
  const a = ctx.actor;
  if (a.kind !== 'user') throw productProblem(403, 'product_not_subscribed');
  const p = await productRow(tx, productId);
  if (!p || !(await seesProduct(ctx, tx, p)))
    throw productProblem(404, 'product_not_found', { id: productId });
  if (p.status !== 'published') throw productProblem(409, 'product_not_published', { name: p.name });
  if (!p.tiers.some((t) => t.name === input.tier)) {
    throw productProblem(400, 'product_tier_unknown', { tier: input.tier }, [
      { path: '/tier', message: 'unknown' },
    ]);
  }
  if (input.acceptTerms !== true || input.termsVersion !== p.terms_version) {
    throw productProblem(409, 'product_terms_required', { current: p.terms_version });
  }
  if ((input.companyName === undefined) !== (input.companyUscc === undefined)) {
    throw productProblem(400, 'product_company_incomplete');
  }
  const uscc = input.companyUscc?.trim().toUpperCase() ?? null;
  if (uscc !== null && !isUscc(uscc)) {
    throw productProblem(400, 'product_uscc_invalid', { uscc }, [
      { path: '/companyUscc', message: 'check character' },
    ]);
  }
  let id: string;
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO datong.product_subscriptions (product_id, subscriber_user_id, subscriber_name, company_name,
         company_uscc, purpose, tier, terms_version, terms_accepted_at, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'applied', $9, $9) RETURNING id`,
      [
        p.id,
        a.id,
        a.displayName,
        input.companyName?.trim() ?? null,
        uscc,
        input.purpose.trim(),
        input.tier,
        p.terms_version,
        now,
      ],
    );
    id = rows[0]!.id;
  } catch (err) {
    if ((err as { code?: string }).code === '23505')
      throw productProblem(409, 'product_subscription_pending');
    throw err;
  }
  const month = monthOf(now);
  const s = (await subscriptionRow(tx, id, month))!;
  await insertOpenEvent(ctx, tx, 'subscription', id, {
    action: 'apply',
    from: null,
    to: 'applied',
    detail: { tier: input.tier, termsVersion: p.terms_version },
  });
  await auditSubscription(ctx, tx, 'product.subscribe', s, null, { termsVersion: p.terms_version });
  await notify(
    tx,
    'product.subscription',
    { orgId: p.provider_org_id },
    {
      subscriptionId: id,
      productId: p.id,
      productName: p.name,
      tier: input.tier,
      subscriberName: a.displayName,
    },
  );
  return { ...presentSubscription(s, month), events: await openEvents(tx, 'subscription', id) };
}

async function lockForProvider(ctx: SharingContext, tx: Tx, id: string, month: string) {
  const s = await subscriptionRow(tx, id, month, true);
  const scope = await scopeOf(tx, ctx.actor);
  const mine = ctx.actor.kind === 'user' && s?.subscriber_user_id === ctx.actor.id;
  if (!s || !(mine || scope.platform || actsFor(scope, s.provider_org_id))) {
    throw productProblem(404, 'product_subscription_not_found', { id });
  }
  if (!actsFor(scope, s.provider_org_id)) throw productProblem(403, 'product_out_of_scope');
  return s;
}

/**
 * POST /api/product-subscriptions/:id/approve | refuse | revoke — the provider's decisions:
 * applied → approved (optionally another tier) | refused (reason); approved → revoked (reason).
 */
export async function decideSubscription(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  decision: 'approve' | 'refuse' | 'revoke',
  input: { tier?: string | undefined; comment?: string | undefined; reason?: string | undefined },
  opts: Clock = {},
): Promise<Subscription> {
  const now = opts.now ?? new Date();
  const month = monthOf(now);
  const s = await lockForProvider(ctx, tx, id, month);
  const from = s.status;
  const needs: SubscriptionStatus = decision === 'revoke' ? 'approved' : 'applied';
  const label = { approve: '批准 approve', refuse: '拒绝 refuse', revoke: '撤销 revoke' }[decision];
  if (from !== needs) throw illegal(from, label);
  const to: SubscriptionStatus = { approve: 'approved', refuse: 'refused', revoke: 'revoked' }[
    decision
  ] as SubscriptionStatus;
  let reason: string | null = null;
  if (decision !== 'approve') {
    reason = input.reason?.trim() ?? '';
    if ([...reason].length < 2) {
      throw productProblem(400, 'product_reason_required', {}, [{ path: '/reason', message: 'required' }]);
    }
  }
  let tier = s.tier;
  if (decision === 'approve' && input.tier !== undefined) {
    if (!s.product_tiers.some((t) => t.name === input.tier)) {
      throw productProblem(400, 'product_tier_unknown', { tier: input.tier }, [
        { path: '/tier', message: 'unknown' },
      ]);
    }
    tier = input.tier;
  }
  const who = actorOf(ctx);
  await tx.query(
    `UPDATE datong.product_subscriptions SET status = $2, tier = $3, reason = COALESCE($4, reason),
       approved_by = CASE WHEN $2 = 'approved' THEN $5::uuid ELSE approved_by END,
       approved_by_name = CASE WHEN $2 = 'approved' THEN $6 ELSE approved_by_name END,
       decided_at = $7, updated_at = $7
     WHERE id = $1`,
    [id, to, tier, reason, userIdOf(who), who.name, now],
  );
  const comment = decision === 'approve' ? input.comment?.trim() || null : reason;
  await insertOpenEvent(ctx, tx, 'subscription', id, {
    action: decision,
    from,
    to,
    comment,
    detail: tier !== s.tier ? { tier, askedTier: s.tier } : { tier },
  });
  const after = (await subscriptionRow(tx, id, month))!;
  await auditSubscription(ctx, tx, `product.subscription.${decision}`, after, s.provider_org_id, {
    from,
    to,
    ...(reason ? { reason } : {}),
  });
  await notify(
    tx,
    'product.decided',
    { userId: s.subscriber_user_id },
    { subscriptionId: id, productId: s.product_id, productName: s.product_name, status: to, tier, reason },
  );
  return { ...presentSubscription(after, month), events: await openEvents(tx, 'subscription', id) };
}

/** GET /api/product-subscriptions/:id — its subscriber, the provider's staff and the platform. */
export async function getSubscription(
  ctx: SharingContext,
  q: Queryable,
  id: string,
  month: string,
): Promise<Subscription> {
  const s = await subscriptionRow(q, id, month);
  const scope = await scopeOf(q, ctx.actor);
  const mine = ctx.actor.kind === 'user' && s?.subscriber_user_id === ctx.actor.id;
  if (!s || !(mine || scope.platform || actsFor(scope, s.provider_org_id))) {
    throw productProblem(404, 'product_subscription_not_found', { id });
  }
  return { ...presentSubscription(s, month), events: await openEvents(q, 'subscription', id) };
}

/** GET /api/product-subscriptions/mine — the caller's subscriptions with the month's use. */
export async function mySubscriptions(
  ctx: SharingContext,
  q: Queryable,
  month: string,
): Promise<{ items: Subscription[] }> {
  if (ctx.actor.kind !== 'user') return { items: [] };
  const { rows } = await q.query<SubscriptionDbRow>(
    `${SUBSCRIPTION_SELECT} WHERE s.subscriber_user_id = $2 ORDER BY s.created_at DESC, s.id DESC LIMIT 500`,
    [monthStart(month), ctx.actor.id],
  );
  return { items: rows.map((s) => presentSubscription(s, month)) };
}

/** GET /api/product-subscriptions — the provider's (the platform: every) subscriptions. */
export async function listSubscriptions(
  ctx: SharingContext,
  q: Queryable,
  input: ListSubscriptionsInput,
  month: string,
): Promise<{ items: Subscription[] }> {
  const scope = await scopeOf(q, ctx.actor);
  const params: unknown[] = [monthStart(month)];
  const where: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (!scope.platform) where.push(`p.provider_org_id = ANY(${p(scope.provides)}::uuid[])`);
  if (input.productId) where.push(`s.product_id = ${p(input.productId)}::uuid`);
  if (input.status) where.push(`s.status = ${p(input.status)}`);
  const { rows } = await q.query<SubscriptionDbRow>(
    `${SUBSCRIPTION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY (s.status = 'applied') DESC, s.created_at DESC, s.id DESC LIMIT ${p(input.limit)}`,
    params,
  );
  return { items: rows.map((s) => presentSubscription(s, month)) };
}

/**
 * GET /api/products/:id/usage?month= — calls per consumer in the month (Asia/Shanghai), for the
 * provider and the platform: every subscription that is approved or made calls that month.
 */
export async function usageReport(
  ctx: SharingContext,
  q: Queryable,
  productId: string,
  month: string,
): Promise<UsageReport> {
  const p = await productRow(q, productId);
  const scope = await scopeOf(q, ctx.actor);
  if (!p || !(await seesProduct(ctx, q, p)))
    throw productProblem(404, 'product_not_found', { id: productId });
  if (!scope.platform && !actsFor(scope, p.provider_org_id))
    throw productProblem(403, 'product_out_of_scope');
  const { rows } = await q.query<SubscriptionDbRow>(
    `${SUBSCRIPTION_SELECT} WHERE s.product_id = $2 AND (s.status = 'approved' OR u.calls > 0)
      ORDER BY COALESCE(u.calls, 0) DESC, s.subscriber_name, s.id`,
    [monthStart(month), productId],
  );
  const consumers = rows.map((s) => {
    const x = presentSubscription(s, month);
    return {
      subscriptionId: x.id,
      subscriberName: x.subscriberName,
      companyName: x.companyName,
      companyUscc: x.companyUscc,
      tier: x.tier,
      status: x.status,
      callsPerMonth: x.usage.callsPerMonth,
      calls: x.usage.calls,
    };
  });
  return {
    productId,
    productName: p.name,
    month,
    total: consumers.reduce((n, c) => n + c.calls, 0),
    consumers,
  };
}
