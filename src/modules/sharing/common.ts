import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { eventFor } from '../../platform/audit/types.js';
import type { RequestContext } from '../../platform/context.js';
import type { Queryable, Tx } from '../../platform/db/pool.js';
import type { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import { workingDaysLeft } from './calendar.js';
import {
  actorOf,
  decodeCursor,
  encodeCursor,
  sees,
  type ShareEvent,
  type ShareScope,
  type SharingContext,
} from './schemas.js';

/**
 * What the share requests (requests.ts), grants (grants.ts), demands (demands.ts) and the data
 * services and gateway (services.ts, gateway.ts) do alike: step events, audit events, keyset
 * pages, deadlines, notifications, who sees a row, route set-up and the grant checks of a call.
 */

// ---------------------------------------------------------------------------------------------
// Step events (share_request_events, grant_events, demand_events)

const EVENT_TABLES = {
  request: { table: 'datong.share_request_events', column: 'request_id' },
  grant: { table: 'datong.grant_events', column: 'grant_id' },
  demand: { table: 'datong.demand_events', column: 'demand_id' },
  // Governance and opening keep their steps the same way (docs/QUALITY.md, docs/OPENING.md).
  objection: { table: 'datong.objection_events', column: 'objection_id' },
  application: { table: 'datong.open_application_events', column: 'application_id' },
  subscription: { table: 'datong.product_subscription_events', column: 'subscription_id' },
} as const;

/** Whose events: a share request's, a grant's, a demand's, an objection's, an application's, a subscription's. */
export type EventSubject = keyof typeof EVENT_TABLES;

/** One step of a request, grant or demand, as its event row records it. */
export interface Step {
  action: string;
  from: string | null;
  to: string;
  comment?: string | null;
  detail?: object;
}

/** Writes a step's event row; `at` defaults to the table's (the transaction's time). */
export async function insertStepEvent(
  ctx: RequestContext,
  tx: Tx,
  subject: EventSubject,
  id: string,
  step: Step,
  at?: Date,
): Promise<void> {
  const { table, column } = EVENT_TABLES[subject];
  const who = actorOf(ctx);
  const values: unknown[] = [
    id,
    step.action,
    step.from,
    step.to,
    who.id,
    who.name,
    step.comment ?? null,
    JSON.stringify(step.detail ?? {}),
  ];
  if (at) values.push(at);
  await tx.query(
    `INSERT INTO ${table}
       (${column}, action, from_status, to_status, actor_id, actor_name, comment, detail${at ? ', at' : ''})
     VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
    values,
  );
}

interface EventDbRow {
  action: string;
  from_status: string | null;
  to_status: string;
  actor_name: string | null;
  comment: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

export const presentEvent = (e: EventDbRow): ShareEvent => ({
  action: e.action,
  fromStatus: e.from_status,
  toStatus: e.to_status,
  actorName: e.actor_name,
  comment: e.comment,
  detail: e.detail,
  at: e.at.toISOString(),
});

/** The events of a request, grant or demand, oldest first. */
export async function stepEvents(q: Queryable, subject: EventSubject, id: string): Promise<ShareEvent[]> {
  const { table, column } = EVENT_TABLES[subject];
  const { rows } = await q.query<EventDbRow>(
    `SELECT action, from_status, to_status, actor_name, comment, detail, at
       FROM ${table} WHERE ${column} = $1 ORDER BY id`,
    [id],
  );
  return rows.map(presentEvent);
}

// ---------------------------------------------------------------------------------------------
// Audit

/** Records a step's audit event; `orgId` is the acting organisation (undefined: the actor's own). */
export async function auditStep(
  ctx: SharingContext,
  tx: Tx,
  action: string,
  object: { type: string; id: string },
  orgId: string | null | undefined,
  detail: Record<string, unknown>,
): Promise<void> {
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action,
      objectType: object.type,
      objectId: object.id,
      ...(orgId !== undefined ? { orgId } : {}),
      detail,
    }),
  );
}

/** An event row's user id: the actor's id when it is a user's (a UUID), else null. */
export const userIdOf = (who?: { id: string | null }): string | null =>
  who?.id && /^[0-9a-f-]{36}$/i.test(who.id) ? who.id : null;

// ---------------------------------------------------------------------------------------------
// Rows and keyset pages

/** The `select` row of this id (`alias`: the table's alias), locked for the transaction if asked. */
export async function rowById<R extends { id: string }>(
  q: Queryable,
  select: string,
  alias: string,
  id: string,
  lock: boolean,
): Promise<R | undefined> {
  const { rows } = await q.query<R>(
    `${select} WHERE ${alias}.id = $1 ${lock ? `FOR UPDATE OF ${alias}` : ''}`,
    [id],
  );
  return rows[0];
}

/** A list's order: the sort column, the row's text of it (the cursor's key) and the direction. */
export interface KeysetOrder<K extends string> {
  key: string;
  keyText: K;
  dir: 'ASC' | 'DESC';
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One keyset page of `select` rows: the conditions in `where` (with their `params`), the rows
 * after `cursor` in `order` (ties by `idColumn`), `limit` of them presented one by one, and the
 * cursor of the next page when there is one.
 */
export async function keysetPage<R extends { id: string }, K extends keyof R & string, T>(
  q: Queryable,
  list: {
    select: string;
    idColumn: string;
    where: string[];
    params: unknown[];
    order: KeysetOrder<K>;
    cursor: string | undefined;
    limit: number;
    present: (row: R) => T | Promise<T>;
  },
): Promise<Page<T>> {
  const { where, params, order, limit } = list;
  const p = (v: unknown) => `$${params.push(v)}`;
  if (list.cursor) {
    const [key, id] = decodeCursor(list.cursor);
    const cmp = order.dir === 'ASC' ? '>' : '<';
    where.push(`(${order.key}, ${list.idColumn}) ${cmp} (${p(key)}::timestamptz, ${p(id)}::uuid)`);
  }
  const { rows } = await q.query<R>(
    `${list.select} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${order.key} ${order.dir}, ${list.idColumn} ${order.dir} LIMIT ${p(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const items: T[] = [];
  for (const r of page) items.push(await list.present(r));
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(last[order.keyText] as string, last.id) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Deadlines and notifications

/** Whether a deadline (null: none) has passed, and the working days left to it. */
export async function deadlineOf(
  q: Queryable,
  due: Date | null,
  now: Date,
): Promise<{ overdue: boolean; workingDaysLeft: number | null }> {
  return {
    overdue: due !== null && now.getTime() > due.getTime(),
    workingDaysLeft: due === null ? null : await workingDaysLeft(q, now, due),
  };
}

export interface Notification {
  id: number;
  kind: string;
  recipientOrgId: string | null;
  recipientUserId: string | null;
  payload: Record<string, unknown>;
}

/** Writes a notification to an organisation or a user. */
export async function notify(
  tx: Tx,
  kind: string,
  to: { orgId?: string | null; userId?: string },
  payload: Record<string, unknown>,
): Promise<Notification> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO datong.notifications (recipient_org_id, recipient_user_id, kind, payload)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [to.orgId ?? null, to.userId ?? null, kind, JSON.stringify(payload)],
  );
  return {
    id: rows[0]!.id,
    kind,
    recipientOrgId: to.orgId ?? null,
    recipientUserId: to.userId ?? null,
    payload,
  };
}

// ---------------------------------------------------------------------------------------------
// Who sees a row, who acts for the provider

/** Whether the caller sees a request or grant row between these organisations. */
export const seesRow = (s: ShareScope, row: { consumer_org_id: string; provider_org_id: string }): boolean =>
  sees(s, { consumerOrgId: row.consumer_org_id, providerOrgId: row.provider_org_id });

/** Whether the caller acts for the organisation as provider (org admins: its sub-organisations too). */
export const actsFor = (s: ShareScope, orgId: string | null): boolean =>
  orgId !== null && s.provides.includes(orgId);

// ---------------------------------------------------------------------------------------------
// Routes

/** What every sharing route plugin starts with. */
export function routeKit(app: FastifyInstance) {
  const services = app.datong;
  return {
    pool: services.pool,
    ctxOf: (req: FastifyRequest): SharingContext => ({ ...req.ctx, services }),
    r: app.withTypeProvider<TypeBoxTypeProvider>(),
    tags: ['sharing'],
    /** Bodies that may be left out altogether: no body means {}. */
    optionalBody: async (req: FastifyRequest) => {
      req.body ??= {};
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A data call's grant (services.ts, gateway.ts)

/** The problems of a data call that its grant answers, alike for data services and the gateway. */
export const grantCallMessages = {
  grant_not_found: { 'zh-CN': '授权 {id} 不存在', en: 'There is no grant {id}' },
  grant_not_yet_valid: { 'zh-CN': '授权自 {from} 起生效', en: 'The grant is valid from {from}' },
  grant_expired: { 'zh-CN': '授权已于 {to} 到期', en: 'The grant expired on {to}' },
  rate_limited: {
    'zh-CN': '调用过于频繁：该授权每秒最多 {limit} 次',
    en: 'Too many calls: this grant allows {limit} per second',
  },
  quota_exhausted: {
    'zh-CN': '该授权今日的 {quota} 次调用额度已用完，请于北京时间次日 0 时后再试',
    en: "This grant's daily quota of {quota} calls is used up; it renews at 00:00 China Standard Time",
  },
  audit_unavailable: {
    'zh-CN': '审计日志暂时无法写入，为保护数据，本次调用未返回任何数据',
    en: 'The audit ledger cannot be written right now; to protect the data, nothing was returned',
  },
} satisfies Record<string, Localized>;

const GRANT_STATUS_ZH: Record<string, string> = { suspended: '暂停', revoked: '撤销', expired: '过期' };

/** Why a grant's status or validity (on `today`) refuses a call (403), or null when they allow it. */
export function grantStateProblem(
  g: { status: string; validFrom: string; validTo: string },
  today: string,
  problem: (
    status: number,
    code: 'grant_inactive' | 'grant_not_yet_valid' | 'grant_expired',
    params: Record<string, unknown>,
  ) => AppError,
): AppError | null {
  if (g.status !== 'active') {
    return problem(403, 'grant_inactive', {
      status: g.status,
      statusZh: GRANT_STATUS_ZH[g.status] ?? g.status,
    });
  }
  if (today < g.validFrom) return problem(403, 'grant_not_yet_valid', { from: g.validFrom });
  if (today > g.validTo) return problem(403, 'grant_expired', { to: g.validTo });
  return null;
}
