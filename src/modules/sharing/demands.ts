import { Type, type Static } from 'typebox';
import { systemContext, type RequestContext } from '../../platform/context.js';
import { withTx, type Pool, type Queryable, type Tx } from '../../platform/db/pool.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import * as catalog from '../catalog/store.js';
import { orgSubtree } from '../identity/index.js';
import { addWorkingDays, shanghaiDay } from './calendar.js';
import {
  actsFor,
  auditStep,
  deadlineOf,
  insertStepEvent,
  keysetPage,
  notify,
  rowById,
  stepEvents,
  userIdOf,
  type KeysetOrder,
  type Page,
  type Step,
} from './common.js';
import { ConditionSchema } from './filter.js';
import { isDay } from './grants.js';
import { createRequest, type Clock, type Notification } from './requests.js';
import {
  actorOf,
  EventSchema,
  NullableString,
  NullableTime,
  PageQuery,
  pageSchema,
  problemOf,
  Reason as Comment,
  requireReason as requireShareReason,
  ScenarioSchema,
  scopeOf,
  ShareRequestSchema,
  strict,
  Time,
  Uuid,
  type ShareEvent,
  type ShareRequest,
  type ShareScope,
  type SharingContext,
} from './schemas.js';

/**
 * Supply–demand (供需对接): a department (the requester) posts a demand (数据需求) — what data,
 * for what purpose (a scenario: name, description, basis), and optionally which department it
 * thinks holds it. The platform (sysadmin, share.review) routes the demand to a department, or it
 * goes straight to the named one. The assigned department's approvers (share.approve; org admins
 * for their sub-organisations too — the same "acts for the organisation" scope as share requests)
 * answer within 10 working days of routing:
 *   - link: an existing published, shareable entry of the department (or a sub-organisation);
 *   - plan: a new entry, named, with a planned date (later answered with a link once published);
 *   - refuse: with a reason (the platform may route it to another department).
 * The requester may withdraw an unanswered demand and close an answered one. A demand answered
 * with an entry becomes a share request in one click (createRequest; the request records
 * demand_id; the scenario defaults to the demand's purpose).
 *
 * Statuses: open → routed → answered_linked | answered_planned | refused; answered_planned →
 * answered_linked; open | routed | refused → routed (re-routing, a new deadline); open | routed →
 * withdrawn; answered_* | refused → closed. Every step is a demand_events row and an audit event
 * (demand.create, demand.route, demand.answer, demand.withdraw, demand.close, demand.request) in
 * the step's transaction. A demand still routed after its deadline is overdue: listed with
 * `overdue: true`, and one notification goes to the assigned organisation (markOverdueDemands,
 * the `share:demands-overdue` job every 10 minutes).
 */

/** Working days the assigned department has to answer. */
export const ANSWER_DAYS = 10;

// ---------------------------------------------------------------------------------------------
// Problems

export const demandMessages = {
  demand_not_found: { 'zh-CN': '数据需求 {id} 不存在', en: 'There is no data demand {id}' },
  demand_illegal_transition: {
    'zh-CN': '需求状态为「{status}」时不能执行「{action}」',
    en: 'Cannot {action} a demand while its status is "{status}"',
  },
  demand_user_only: {
    'zh-CN': '只有登录用户可以执行此操作',
    en: 'Only a signed-in user may do this',
  },
  demand_org_invalid: {
    'zh-CN': '机构 {orgId} 不存在',
    en: 'There is no organisation {orgId}',
  },
  demand_own_org: {
    'zh-CN': '不能把需求分派给提出需求的机构本身',
    en: 'A demand cannot be assigned to the organisation that made it',
  },
  demand_platform_only: {
    'zh-CN': '只有平台管理人员（系统管理员）可以执行此操作',
    en: 'Only the platform (sysadmin) may do this',
  },
  demand_out_of_scope: {
    'zh-CN': '只有需求所分派机构（机构管理员：本机构及上级机构）的审批人员可以答复',
    en: "Only the assigned organisation's approvers (or org admins above it) may answer",
  },
  demand_not_requester: {
    'zh-CN': '只有提出需求的机构可以执行此操作',
    en: 'Only the organisation that made the demand may do this',
  },
  demand_entry_invalid: {
    'zh-CN': '目录条目 {entryId} 不存在或不属于被分派的机构',
    en: 'The catalog entry {entryId} does not exist or is not provided by the assigned organisation',
  },
  demand_entry_not_published: {
    'zh-CN': '目录条目「{name}」当前没有已发布的版本，不能用于答复需求',
    en: 'The catalog entry "{name}" has no published version; it cannot answer a demand',
  },
  demand_entry_not_shareable: {
    'zh-CN': '目录条目「{name}」为不予共享（依据：{basis}），请以拒绝答复并说明理由',
    en: 'The catalog entry "{name}" is not shared (basis: {basis}); refuse the demand with a reason instead',
  },
  demand_planned_date_invalid: {
    'zh-CN': '计划日期 {date} 无效：须为今天（{today}）或以后的日期',
    en: 'The planned date {date} is not valid: it must be today ({today}) or later',
  },
  demand_planned_name_required: {
    'zh-CN': '请填写计划编目的目录名称',
    en: 'The name of the planned entry is required',
  },
  demand_reason_required: {
    'zh-CN': '请填写理由（至少 2 个字）',
    en: 'A reason of at least 2 characters is required',
  },
  demand_not_linked: {
    'zh-CN': '需求尚未以已发布的目录条目答复（当前状态「{status}」），不能直接提交共享申请',
    en: 'The demand was not answered with a published entry (status "{status}"); no share request can be made from it',
  },
} satisfies Record<string, Localized>;

export type DemandMessageKey = keyof typeof demandMessages;

export const demandProblem = problemOf(demandMessages);

export const DEMAND_STATUSES = [
  'open',
  'routed',
  'answered_linked',
  'answered_planned',
  'refused',
  'withdrawn',
  'closed',
] as const;
export type DemandStatus = (typeof DEMAND_STATUSES)[number];

const STATUS_LABEL: Record<DemandStatus, string> = {
  open: '待分派 open',
  routed: '待答复 routed',
  answered_linked: '已关联目录 answered_linked',
  answered_planned: '已计划编目 answered_planned',
  refused: '已拒绝 refused',
  withdrawn: '已撤回 withdrawn',
  closed: '已关闭 closed',
};

const illegal = (status: DemandStatus, action: string) =>
  demandProblem(409, 'demand_illegal_transition', { status: STATUS_LABEL[status], action });

// ---------------------------------------------------------------------------------------------
// Schemas

const NullableUuid = Type.Union([Uuid, Type.Null()]);

export const DemandIdParams = Type.Object({ id: Uuid }, strict);

export const CreateDemandBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, description: '需求名称：what data' }),
    description: Type.String({ minLength: 1, maxLength: 4000, description: 'the data needed, in detail' }),
    /** What for (应用场景 and its basis): the default scenario of a share request. */
    purpose: ScenarioSchema,
    suggestedOrgId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'the department thought to hold the data: the demand goes straight to it',
      }),
    ),
  },
  strict,
);
export type CreateDemandInput = Static<typeof CreateDemandBody>;

export const RouteDemandBody = Type.Object({ orgId: Uuid, comment: Type.Optional(Comment) }, strict);
export type RouteDemandInput = Static<typeof RouteDemandBody>;

export const AnswerDemandBody = Type.Union([
  Type.Object(
    { kind: Type.Literal('link'), entryId: Uuid, comment: Type.Optional(Comment) },
    { ...strict, description: 'an existing published entry of the assigned organisation' },
  ),
  Type.Object(
    {
      kind: Type.Literal('plan'),
      plannedName: Type.String({ minLength: 1, maxLength: 200 }),
      plannedDate: Type.String({ format: 'date', description: 'YYYY-MM-DD, today or later' }),
      comment: Type.Optional(Comment),
    },
    { ...strict, description: 'a new entry, planned for a date' },
  ),
  Type.Object(
    { kind: Type.Literal('refuse'), reason: Comment },
    { ...strict, description: 'a refusal with a reason of at least 2 characters' },
  ),
]);
export type AnswerDemandInput = Static<typeof AnswerDemandBody>;

export const DemandReasonBody = Type.Object({ reason: Type.Optional(Comment) }, strict);

export const DemandRequestBody = Type.Object(
  {
    appId: Type.String({ format: 'uuid', description: "an application of the caller's organisation" }),
    fields: Type.Array(Type.String({ minLength: 1, maxLength: 63 }), {
      maxItems: 1000,
      uniqueItems: true,
      description: 'as for a share request: none only for an entry without fields',
    }),
    /** Default: the demand's purpose. */
    scenario: Type.Optional(ScenarioSchema),
    expectedVolume: Type.Object({ perDay: Type.Integer({ minimum: 1, maximum: 100_000_000 }) }, strict),
    validFrom: Type.String({ format: 'date' }),
    validTo: Type.String({ format: 'date' }),
    rowScope: Type.Optional(ConditionSchema),
  },
  strict,
);
export type DemandRequestInput = Static<typeof DemandRequestBody>;

export const ListDemandsQuery = Type.Object(
  {
    box: Type.Enum(['mine', 'assigned', 'all'] as const, {
      description:
        "mine: made by the caller's organisation; assigned: to the organisations the caller answers for; all: sysadmin",
    }),
    status: Type.Optional(Type.Enum(DEMAND_STATUSES)),
    overdue: Type.Optional(Type.Boolean()),
    ...PageQuery,
  },
  strict,
);
export type ListDemandsInput = Static<typeof ListDemandsQuery>;

const PurposeSchema = Type.Object({ name: Type.String(), description: Type.String(), basis: Type.String() });

export const DemandSchema = Type.Object({
  id: Uuid,
  status: Type.Enum(DEMAND_STATUSES),
  requesterOrgId: Uuid,
  requesterOrgName: Type.String(),
  title: Type.String(),
  description: Type.String(),
  purpose: PurposeSchema,
  suggestedOrgId: NullableUuid,
  suggestedOrgName: NullableString,
  assignedOrgId: NullableUuid,
  assignedOrgName: NullableString,
  routedAt: NullableTime,
  dueAt: NullableTime,
  overdue: Type.Boolean(),
  workingDaysLeft: Type.Union([Type.Integer(), Type.Null()], {
    description: 'working days to the answer deadline (negative once overdue); null unless routed',
  }),
  answerKind: Type.Union([Type.Enum(['link', 'plan', 'refuse'] as const), Type.Null()]),
  linkedEntryId: NullableUuid,
  linkedEntryCode: NullableString,
  linkedEntryName: NullableString,
  plannedName: NullableString,
  plannedDate: NullableString,
  reason: NullableString,
  answerComment: NullableString,
  answeredByName: NullableString,
  answeredAt: NullableTime,
  createdByName: Type.String(),
  createdAt: Time,
  updatedAt: Time,
  events: Type.Optional(Type.Array(EventSchema)),
  requests: Type.Optional(
    Type.Array(Type.Object({ id: Uuid, status: Type.String(), appId: Uuid, createdAt: Time }), {
      description: 'share requests made from this demand',
    }),
  ),
});
export type Demand = Static<typeof DemandSchema>;

export const DemandPage = pageSchema(DemandSchema);
export type DemandPageOut = Page<Demand>;

/** A share request made from a demand. */
export const DemandShareRequestSchema = Type.Object({ ...ShareRequestSchema.properties, demandId: Uuid });
export type DemandShareRequest = ShareRequest & { demandId: string };

// ---------------------------------------------------------------------------------------------
// Rows

interface DemandDbRow {
  id: string;
  status: DemandStatus;
  requester_org_id: string;
  requester_org_name: string;
  title: string;
  description: string;
  purpose: { name: string; description: string; basis: string };
  suggested_org_id: string | null;
  suggested_org_name: string | null;
  assigned_org_id: string | null;
  assigned_org_name: string | null;
  routed_at: Date | null;
  due_at: Date | null;
  answer_kind: 'link' | 'plan' | 'refuse' | null;
  linked_entry_id: string | null;
  linked_entry_code: string | null;
  linked_entry_name: string | null;
  planned_name: string | null;
  planned_date: string | null;
  reason: string | null;
  answer_comment: string | null;
  answered_by_name: string | null;
  answered_at: Date | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
  created_key: string;
  due_key: string | null;
}

const DEMAND_SELECT = `SELECT d.id, d.status, d.requester_org_id, ro.name AS requester_org_name, d.title,
    d.description, d.purpose, d.suggested_org_id, so.name AS suggested_org_name, d.assigned_org_id,
    ao.name AS assigned_org_name, d.routed_at, d.due_at, d.answer_kind, d.linked_entry_id,
    le.code AS linked_entry_code, lv.name AS linked_entry_name, d.planned_name,
    d.planned_date::text AS planned_date, d.reason, d.answer_comment, d.answered_by_name, d.answered_at,
    d.created_by_name, d.created_at, d.updated_at, d.created_at::text AS created_key,
    d.due_at::text AS due_key
  FROM datong.demands d
  JOIN datong.orgs ro ON ro.id = d.requester_org_id
  LEFT JOIN datong.orgs so ON so.id = d.suggested_org_id
  LEFT JOIN datong.orgs ao ON ao.id = d.assigned_org_id
  LEFT JOIN datong.catalog_entries le ON le.id = d.linked_entry_id
  LEFT JOIN datong.catalog_versions lv ON lv.entry_id = d.linked_entry_id AND lv.version = d.linked_version`;

/** SQL: the demand awaits its answer past the deadline. */
const overdueSql = (now: string) => `(d.status = 'routed' AND d.due_at < ${now})`;

const iso = (d: Date | null) => d?.toISOString() ?? null;

async function presentDemand(q: Queryable, d: DemandDbRow, now: Date): Promise<Demand> {
  const due = d.status === 'routed' ? d.due_at : null;
  return {
    id: d.id,
    status: d.status,
    requesterOrgId: d.requester_org_id,
    requesterOrgName: d.requester_org_name,
    title: d.title,
    description: d.description,
    purpose: d.purpose,
    suggestedOrgId: d.suggested_org_id,
    suggestedOrgName: d.suggested_org_name,
    assignedOrgId: d.assigned_org_id,
    assignedOrgName: d.assigned_org_name,
    routedAt: iso(d.routed_at),
    dueAt: iso(d.due_at),
    ...(await deadlineOf(q, due, now)),
    answerKind: d.answer_kind,
    linkedEntryId: d.linked_entry_id,
    linkedEntryCode: d.linked_entry_code,
    linkedEntryName: d.linked_entry_name,
    plannedName: d.planned_name,
    plannedDate: d.planned_date,
    reason: d.reason,
    answerComment: d.answer_comment,
    answeredByName: d.answered_by_name,
    answeredAt: iso(d.answered_at),
    createdByName: d.created_by_name,
    createdAt: d.created_at.toISOString(),
    updatedAt: d.updated_at.toISOString(),
  };
}

const demandRow = (q: Queryable, id: string, lock = false): Promise<DemandDbRow | undefined> =>
  rowById(q, DEMAND_SELECT, 'd', id, lock);

const demandEvents = (q: Queryable, id: string): Promise<ShareEvent[]> => stepEvents(q, 'demand', id);

async function demandRequests(q: Queryable, id: string): Promise<NonNullable<Demand['requests']>> {
  const { rows } = await q.query<{ id: string; status: string; app_id: string; created_at: Date }>(
    `SELECT id, status, app_id, created_at FROM datong.share_requests WHERE demand_id = $1
      ORDER BY created_at, id`,
    [id],
  );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    appId: r.app_id,
    createdAt: r.created_at.toISOString(),
  }));
}

const insertEvent = (ctx: RequestContext, tx: Tx, demandId: string, step: Step, now: Date): Promise<void> =>
  insertStepEvent(ctx, tx, 'demand', demandId, step, now);

async function audit(
  ctx: SharingContext,
  tx: Tx,
  action: string,
  d: { id: string; requesterOrgId: string; assignedOrgId: string | null },
  /** The acting organisation; undefined: the actor's own. */
  orgId: string | null | undefined,
  detail: Record<string, unknown>,
): Promise<void> {
  await auditStep(ctx, tx, action, { type: 'share_demand', id: d.id }, orgId, {
    requesterOrgId: d.requesterOrgId,
    assignedOrgId: d.assignedOrgId,
    ...detail,
  });
}

const refOf = (d: DemandDbRow) => ({
  id: d.id,
  requesterOrgId: d.requester_org_id,
  assignedOrgId: d.assigned_org_id,
});

/** The requester, the organisations the caller answers for, and the platform see a demand. */
const seesDemand = (s: ShareScope, d: Pick<DemandDbRow, 'requester_org_id' | 'assigned_org_id'>): boolean =>
  s.platform || d.requester_org_id === s.orgId || actsFor(s, d.assigned_org_id);

/** Locks a demand the caller sees; 404 otherwise. */
async function lockVisible(ctx: SharingContext, tx: Tx, id: string) {
  const row = await demandRow(tx, id, true);
  const scope = await scopeOf(tx, ctx.actor);
  if (!row || !seesDemand(scope, row)) throw demandProblem(404, 'demand_not_found', { id });
  return { row, scope };
}

/** Locks a demand for a step of its requesting organisation: 404 unseen, 403 someone else. */
async function lockForRequester(ctx: SharingContext, tx: Tx, id: string): Promise<DemandDbRow> {
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (row.requester_org_id !== scope.orgId) throw demandProblem(403, 'demand_not_requester');
  return row;
}

/** An organisation a demand can be assigned to: it exists and is not the requester. */
async function checkAssignee(
  q: Queryable,
  orgId: string,
  requesterOrgId: string,
  path: string,
): Promise<void> {
  const { rows } = await q.query('SELECT 1 FROM datong.orgs WHERE id = $1', [orgId]);
  if (!rows.length)
    throw demandProblem(400, 'demand_org_invalid', { orgId }, [{ path, message: 'no such organisation' }]);
  if (orgId === requesterOrgId)
    throw demandProblem(409, 'demand_own_org', {}, [{ path, message: 'the requester' }]);
}

const requireReason = (reason: string | undefined | null): string =>
  requireShareReason(reason, () =>
    demandProblem(400, 'demand_reason_required', {}, [{ path: '/reason', message: 'required' }]),
  );

// ---------------------------------------------------------------------------------------------
// Use cases

/** POST /api/share/demands — routed at once when it names the department thought to hold the data. */
export async function createDemand(
  ctx: SharingContext,
  tx: Tx,
  input: CreateDemandInput,
  opts: Clock = {},
): Promise<Demand> {
  const now = opts.now ?? new Date();
  const a = ctx.actor;
  if (a.kind !== 'user') throw demandProblem(403, 'demand_user_only');
  const suggested = input.suggestedOrgId ?? null;
  if (suggested) await checkAssignee(tx, suggested, a.orgId, '/suggestedOrgId');
  const status: DemandStatus = suggested ? 'routed' : 'open';
  const dueAt = suggested ? await addWorkingDays(tx, now, ANSWER_DAYS) : null;
  const purpose = {
    name: input.purpose.name.trim(),
    description: input.purpose.description.trim(),
    basis: input.purpose.basis.trim(),
  };
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO datong.demands (requester_org_id, title, description, purpose, suggested_org_id, status,
       assigned_org_id, routed_at, due_at, created_by, created_by_name, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8, $9, $10, $11, $11) RETURNING id`,
    [
      a.orgId,
      input.title.trim() || input.title,
      input.description.trim() || input.description,
      JSON.stringify(purpose),
      suggested,
      status,
      suggested ? now : null,
      dueAt,
      a.id,
      a.displayName,
      now,
    ],
  );
  const id = rows[0]!.id;
  const detail = {
    title: input.title,
    purpose: purpose.name,
    ...(suggested ? { assignedOrgId: suggested, dueAt: dueAt!.toISOString() } : {}),
  };
  await insertEvent(ctx, tx, id, { action: 'create', from: null, to: status, detail }, now);
  await audit(ctx, tx, 'demand.create', { id, requesterOrgId: a.orgId, assignedOrgId: suggested }, a.orgId, {
    status,
    ...detail,
  });
  return presentDemand(tx, (await demandRow(tx, id))!, now);
}

/** A demand the caller sees, with its events and the share requests made from it; else 404. */
export async function getDemand(
  ctx: SharingContext,
  q: Queryable,
  id: string,
  opts: Clock = {},
): Promise<Demand> {
  const row = await demandRow(q, id);
  const scope = await scopeOf(q, ctx.actor);
  if (!row || !seesDemand(scope, row)) throw demandProblem(404, 'demand_not_found', { id });
  return {
    ...(await presentDemand(q, row, opts.now ?? new Date())),
    events: await demandEvents(q, id),
    requests: await demandRequests(q, id),
  };
}

/**
 * The caller's demands by box: mine (made by their organisation; newest first), assigned (to the
 * organisations they answer for — their own, org admins with sub-organisations; most urgent
 * first), all (sysadmin; newest first). Keyset pages.
 */
export async function listDemands(
  ctx: SharingContext,
  q: Queryable,
  input: ListDemandsInput,
  opts: Clock = {},
): Promise<DemandPageOut> {
  const now = opts.now ?? new Date();
  const scope = await scopeOf(q, ctx.actor);
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  let order: KeysetOrder<'created_key' | 'due_key'>;
  switch (input.box) {
    case 'mine':
      where.push(`d.requester_org_id = ${p(scope.orgId)}::uuid`);
      order = { key: 'd.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
    case 'assigned':
      // Assigned demands always have a deadline (set when routed).
      where.push(`d.assigned_org_id = ANY(${p(scope.provides)}::uuid[])`, 'd.due_at IS NOT NULL');
      order = { key: 'd.due_at', keyText: 'due_key', dir: 'ASC' };
      break;
    case 'all':
      if (!scope.platform) throw demandProblem(403, 'demand_platform_only');
      order = { key: 'd.created_at', keyText: 'created_key', dir: 'DESC' };
      break;
  }
  if (input.status) where.push(`d.status = ${p(input.status)}`);
  if (input.overdue !== undefined) {
    where.push(`${input.overdue ? '' : 'NOT '}${overdueSql(`${p(now)}::timestamptz`)}`);
  }
  return keysetPage(q, {
    select: DEMAND_SELECT,
    idColumn: 'd.id',
    where,
    params,
    order,
    cursor: input.cursor,
    limit: input.limit,
    present: (d: DemandDbRow) => presentDemand(q, d, now),
  });
}

/**
 * POST /api/share/demands/:id/route — the platform assigns the demand to a department, which
 * answers within 10 working days. Also re-routes a routed or refused demand (a new deadline; the
 * previous answer is cleared, it stays in the events).
 */
export async function routeDemand(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: RouteDemandInput,
  opts: Clock = {},
): Promise<Demand> {
  const now = opts.now ?? new Date();
  const { row, scope } = await lockVisible(ctx, tx, id);
  if (!scope.platform) throw demandProblem(403, 'demand_platform_only');
  if (row.status !== 'open' && row.status !== 'routed' && row.status !== 'refused') {
    throw illegal(row.status, '分派 route');
  }
  await checkAssignee(tx, input.orgId, row.requester_org_id, '/orgId');
  const dueAt = await addWorkingDays(tx, now, ANSWER_DAYS);
  await tx.query(
    `UPDATE datong.demands SET status = 'routed', assigned_org_id = $2, routed_at = $3, due_at = $4,
       overdue_notified_at = NULL, answer_kind = NULL, linked_entry_id = NULL, linked_version = NULL,
       planned_name = NULL, planned_date = NULL, reason = NULL, answer_comment = NULL, answered_by = NULL,
       answered_by_name = NULL, answered_at = NULL, updated_at = $3
     WHERE id = $1`,
    [id, input.orgId, now, dueAt],
  );
  const comment = input.comment?.trim() || null;
  const detail = {
    assignedOrgId: input.orgId,
    dueAt: dueAt.toISOString(),
    ...(row.assigned_org_id ? { previousOrgId: row.assigned_org_id } : {}),
  };
  await insertEvent(ctx, tx, id, { action: 'route', from: row.status, to: 'routed', comment, detail }, now);
  await audit(ctx, tx, 'demand.route', { ...refOf(row), assignedOrgId: input.orgId }, undefined, {
    from: row.status,
    to: 'routed',
    ...detail,
    ...(comment ? { comment } : {}),
  });
  return getDemand(ctx, tx, id, { now });
}

/**
 * POST /api/share/demands/:id/answer — the assigned department answers: link (a published,
 * shareable entry it or a sub-organisation provides), plan (a planned entry and date) or refuse
 * (with a reason). A planned answer can later be replaced by a link or a new plan.
 */
export async function answerDemand(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: AnswerDemandInput,
  opts: Clock = {},
): Promise<Demand> {
  const now = opts.now ?? new Date();
  const { row, scope } = await lockVisible(ctx, tx, id);
  const assigned = row.assigned_org_id;
  if (!assigned || !actsFor(scope, assigned)) throw demandProblem(403, 'demand_out_of_scope');
  const ok = row.status === 'routed' || (row.status === 'answered_planned' && input.kind !== 'refuse');
  if (!ok) throw illegal(row.status, '答复 answer');

  const who = actorOf(ctx);
  let to: DemandStatus;
  let detail: Record<string, unknown>;
  let set: {
    entryId: string | null;
    version: number | null;
    plannedName: string | null;
    plannedDate: string | null;
    reason: string | null;
    comment: string | null;
  };
  if (input.kind === 'link') {
    const entry = await catalog.getEntry(tx, input.entryId);
    const holders = await orgSubtree(tx, assigned);
    if (!entry || !holders.includes(entry.providerOrgId)) {
      throw demandProblem(400, 'demand_entry_invalid', { entryId: input.entryId }, [
        { path: '/entryId', message: 'not an entry of the assigned organisation' },
      ]);
    }
    const version = entry.publishedVersion
      ? await catalog.getVersion(tx, entry.id, entry.publishedVersion)
      : undefined;
    if (!version || version.status !== 'published') {
      const working = await catalog.getVersion(tx, entry.id, entry.workingVersion);
      throw demandProblem(409, 'demand_entry_not_published', {
        name: version?.content.name ?? working?.content.name,
      });
    }
    if (version.content.shareType === 'none') {
      throw demandProblem(409, 'demand_entry_not_shareable', {
        name: version.content.name,
        basis: version.content.shareCondition ?? '—',
      });
    }
    to = 'answered_linked';
    set = {
      entryId: entry.id,
      version: version.version,
      plannedName: null,
      plannedDate: null,
      reason: null,
      comment: input.comment?.trim() || null,
    };
    detail = { kind: 'link', entryId: entry.id, entryCode: entry.code, catalogVersion: version.version };
  } else if (input.kind === 'plan') {
    const today = shanghaiDay(now);
    if (!isDay(input.plannedDate) || input.plannedDate < today) {
      throw demandProblem(400, 'demand_planned_date_invalid', { date: input.plannedDate, today }, [
        { path: '/plannedDate', message: 'today or later' },
      ]);
    }
    const plannedName = input.plannedName.trim();
    if (!plannedName) {
      throw demandProblem(400, 'demand_planned_name_required', {}, [
        { path: '/plannedName', message: 'required' },
      ]);
    }
    to = 'answered_planned';
    set = {
      entryId: null,
      version: null,
      plannedName,
      plannedDate: input.plannedDate,
      reason: null,
      comment: input.comment?.trim() || null,
    };
    detail = { kind: 'plan', plannedName, plannedDate: input.plannedDate };
  } else {
    const reason = requireReason(input.reason);
    to = 'refused';
    set = { entryId: null, version: null, plannedName: null, plannedDate: null, reason, comment: null };
    detail = { kind: 'refuse', reason };
  }
  await tx.query(
    `UPDATE datong.demands SET status = $2, answer_kind = $3, linked_entry_id = $4, linked_version = $5,
       planned_name = $6, planned_date = $7, reason = $8, answer_comment = $9, answered_by = $10,
       answered_by_name = $11, answered_at = $12, updated_at = $12
     WHERE id = $1`,
    [
      id,
      to,
      input.kind,
      set.entryId,
      set.version,
      set.plannedName,
      set.plannedDate,
      set.reason,
      set.comment,
      userIdOf(who),
      who.name,
      now,
    ],
  );
  const late = row.status === 'routed' && row.due_at !== null && now.getTime() > row.due_at.getTime();
  await insertEvent(
    ctx,
    tx,
    id,
    {
      action: 'answer',
      from: row.status,
      to,
      comment: set.reason ?? set.comment,
      detail: { ...detail, ...(late ? { late: true } : {}) },
    },
    now,
  );
  await audit(ctx, tx, 'demand.answer', refOf(row), assigned, {
    from: row.status,
    to,
    ...detail,
    ...(set.comment ? { comment: set.comment } : {}),
    ...(late ? { late: true } : {}),
  });
  return getDemand(ctx, tx, id, { now });
}

/** POST /api/share/demands/:id/withdraw — the requester takes back an unanswered demand. */
export async function withdrawDemand(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<Demand> {
  return requesterStep(ctx, tx, id, reason, opts, {
    action: 'withdraw',
    label: '撤回 withdraw',
    from: ['open', 'routed'],
    to: 'withdrawn',
  });
}

/** POST /api/share/demands/:id/close — the requester closes an answered (or refused) demand. */
export async function closeDemand(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock = {},
): Promise<Demand> {
  return requesterStep(ctx, tx, id, reason, opts, {
    action: 'close',
    label: '关闭 close',
    from: ['answered_linked', 'answered_planned', 'refused'],
    to: 'closed',
  });
}

async function requesterStep(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  reason: string | undefined,
  opts: Clock,
  step: { action: 'withdraw' | 'close'; label: string; from: DemandStatus[]; to: DemandStatus },
): Promise<Demand> {
  const now = opts.now ?? new Date();
  const row = await lockForRequester(ctx, tx, id);
  if (!step.from.includes(row.status)) throw illegal(row.status, step.label);
  const why = reason?.trim() || null;
  await tx.query('UPDATE datong.demands SET status = $2, updated_at = $3 WHERE id = $1', [id, step.to, now]);
  await insertEvent(ctx, tx, id, { action: step.action, from: row.status, to: step.to, comment: why }, now);
  await audit(ctx, tx, `demand.${step.action}`, refOf(row), row.requester_org_id, {
    from: row.status,
    to: step.to,
    ...(why ? { reason: why } : {}),
  });
  return getDemand(ctx, tx, id, { now });
}

/**
 * POST /api/share/demands/:id/request — the requester turns a demand answered with an entry into a
 * share request (createRequest, with all its rules) for the linked entry; the scenario defaults to
 * the demand's purpose. The request records demand_id; the demand keeps its status.
 */
export async function requestFromDemand(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: DemandRequestInput,
  opts: Clock = {},
): Promise<DemandShareRequest> {
  const now = opts.now ?? new Date();
  const row = await lockForRequester(ctx, tx, id);
  if (row.status !== 'answered_linked') {
    if (row.answer_kind === 'link') throw illegal(row.status, '提交共享申请 request');
    throw demandProblem(409, 'demand_not_linked', { status: STATUS_LABEL[row.status] });
  }
  const scenario = input.scenario ?? row.purpose;
  const request = await createRequest(
    ctx,
    tx,
    {
      entryId: row.linked_entry_id!,
      appId: input.appId,
      fields: input.fields,
      scenario: { name: scenario.name, description: scenario.description, basis: scenario.basis },
      expectedVolume: input.expectedVolume,
      validFrom: input.validFrom,
      validTo: input.validTo,
      ...(input.rowScope ? { rowScope: input.rowScope } : {}),
    },
    { now },
  );
  await tx.query('UPDATE datong.share_requests SET demand_id = $2 WHERE id = $1', [request.id, id]);
  await tx.query('UPDATE datong.demands SET updated_at = $2 WHERE id = $1', [id, now]);
  const detail = {
    requestId: request.id,
    requestStatus: request.status,
    entryId: request.entryId,
    appId: request.appId,
    scenario: scenario.name,
  };
  await insertEvent(ctx, tx, id, { action: 'request', from: row.status, to: row.status, detail }, now);
  await audit(ctx, tx, 'demand.request', refOf(row), row.requester_org_id, detail);
  return { ...request, demandId: id };
}

// ---------------------------------------------------------------------------------------------
// Overdue

/**
 * Notifies once per deadline passed: a demand still `routed` after due_at → one notification to
 * the assigned organisation (`demand.overdue`) and an `overdue` event. The claim
 * (overdue_notified_at, reset when re-routed) and the notifications commit together, so
 * concurrent jobs never notify twice. Answers the notifications written.
 */
export async function markOverdueDemands(pool: Pool, now: Date = new Date()): Promise<Notification[]> {
  return withTx(pool, async (tx) => {
    const out: Notification[] = [];
    const system = systemContext('job:share:demands-overdue');
    const { rows: late } = await tx.query<{ id: string }>(
      `UPDATE datong.demands SET overdue_notified_at = $1
        WHERE status = 'routed' AND due_at < $1 AND overdue_notified_at IS NULL RETURNING id`,
      [now],
    );
    for (const { id } of late) {
      const d = (await demandRow(tx, id))!;
      const payload = {
        demandId: d.id,
        title: d.title,
        requesterOrgId: d.requester_org_id,
        requesterOrgName: d.requester_org_name,
        assignedOrgId: d.assigned_org_id,
        assignedOrgName: d.assigned_org_name,
        dueAt: d.due_at!.toISOString(),
      };
      out.push(await notify(tx, 'demand.overdue', { orgId: d.assigned_org_id }, payload));
      await insertEvent(
        system,
        tx,
        id,
        { action: 'overdue', from: d.status, to: d.status, detail: { dueAt: d.due_at!.toISOString() } },
        now,
      );
    }
    return out;
  });
}

/** The job queue's task: `share:demands-overdue` every 10 minutes. */
export function demandTasks(services: Services): ScheduledTask[] {
  const overdue: Task = async () => {
    const sent = await markOverdueDemands(services.pool, new Date());
    if (sent.length) services.log.info({ notifications: sent.length }, 'data demands overdue');
  };
  return [{ name: 'share:demands-overdue', schedule: '*/10 * * * *', task: overdue }];
}
