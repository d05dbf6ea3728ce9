import { Type, type Static, type TSchema } from 'typebox';
import type { RequestContext } from '../../platform/context.js';
import type { Queryable } from '../../platform/db/pool.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import { MASK_FUNCTIONS } from '../../platform/masking/index.js';
import { allows, type Actor } from '../../platform/policy/permissions.js';
import type { Services } from '../../platform/services.js';
import { orgSubtree } from '../identity/index.js';
import { ConditionSchema } from './filter.js';

/**
 * What requests.ts, grants.ts and routes.ts share: the context, the problems (zh-CN/en), who acts
 * for which organisations, and the TypeBox schemas of the API (docs/SHARING.md).
 */

/** A request context carrying the platform services (routes: `{ ...req.ctx, services }`). */
export type SharingContext = RequestContext & { services: Services };

// ---------------------------------------------------------------------------------------------
// Problems

export const sharingMessages = {
  share_entry_not_found: { 'zh-CN': '目录条目不存在', en: 'There is no such catalog entry' },
  share_entry_not_published: {
    'zh-CN': '目录条目「{name}」当前没有已发布的版本，不能申请共享',
    en: 'The catalog entry "{name}" has no published version; it cannot be requested',
  },
  share_not_allowed: {
    'zh-CN': '目录条目「{name}」为不予共享，依据：{basis}',
    en: 'The catalog entry "{name}" is not shared (不予共享); basis: {basis}',
  },
  share_own_entry: {
    'zh-CN': '不能申请本机构提供的数据（申请方与提供方相同）',
    en: "An organisation cannot request its own entry's data (the consumer is the provider)",
  },
  share_app_invalid: {
    'zh-CN': '应用 {appId} 不存在或不属于本机构',
    en: 'The application {appId} does not exist or does not belong to your organisation',
  },
  share_fields_required: {
    'zh-CN': '请至少选择一个信息项',
    en: 'Choose at least one field',
  },
  share_fields_unknown: {
    'zh-CN': '目录条目的已发布版本没有这些信息项：{codes}',
    en: 'The published version of the entry has no fields {codes}',
  },
  share_fields_not_requested: {
    'zh-CN': '只能批准申请中的信息项，以下信息项未申请：{codes}',
    en: 'Only requested fields can be granted; not requested: {codes}',
  },
  share_masking_invalid: {
    'zh-CN': '脱敏设置只能针对授予的信息项，以下信息项未授予：{codes}',
    en: 'Masking may only be set for granted fields; not granted: {codes}',
  },
  share_validity_invalid: {
    'zh-CN': '有效期不符合要求：{zh}',
    en: 'The validity is not valid: {en}',
  },
  share_request_pending: {
    'zh-CN': '该应用对此目录条目已有一份待处理的申请，请等待处理结果或先撤回',
    en: 'This application already has an open request for this entry; wait for its decision or withdraw it',
  },
  share_request_not_found: { 'zh-CN': '共享申请 {id} 不存在', en: 'There is no share request {id}' },
  share_grant_not_found: { 'zh-CN': '授权 {id} 不存在', en: 'There is no grant {id}' },
  share_illegal_transition: {
    'zh-CN': '状态为「{status}」时不能执行「{action}」',
    en: 'Cannot {action} while the status is "{status}"',
  },
  share_out_of_scope: {
    'zh-CN': '只有提供方机构（机构管理员：本机构及下级机构）的审批人员可以执行此操作',
    en: "Only the provider organisation's approvers (org admins: and its sub-organisations) may do this",
  },
  share_not_consumer: {
    'zh-CN': '只有申请方机构可以撤回申请',
    en: 'Only the requesting organisation may withdraw a request',
  },
  share_review_only: {
    'zh-CN': '平台审核队列仅对平台审核人员（系统管理员）可见',
    en: 'The review queue is for the platform reviewers (sysadmin) only',
  },
  share_reason_required: {
    'zh-CN': '请填写理由（至少 2 个字）',
    en: 'A reason of at least 2 characters is required',
  },
  share_user_only: {
    'zh-CN': '只有登录用户可以执行此操作',
    en: 'Only a signed-in user may do this',
  },
  share_grant_lapsed: {
    'zh-CN': '授权已于 {validTo} 到期，请先续期',
    en: 'The grant ran out on {validTo}; renew it first',
  },
  share_cursor_invalid: { 'zh-CN': '分页游标无效', en: 'The page cursor is not valid' },
} satisfies Record<string, Localized>;

export type SharingMessageKey = keyof typeof sharingMessages;

/** The problem factory of a table of messages (share_*, demand_*). */
export function problemOf<M extends Record<string, Localized>>(messages: M) {
  return (
    status: number,
    code: keyof M & string,
    params: Record<string, unknown> = {},
    errors: FieldError[] = [],
  ): AppError => new AppError(status, code, messages[code]!, params, errors);
}

export const shareProblem = problemOf(sharingMessages);

/** A validity that breaks the rules: the rule in both languages (400 share_validity_invalid). */
export const validityProblem = (zh: string, en: string) =>
  shareProblem(400, 'share_validity_invalid', { zh, en });

/** Status names for messages, in both languages at once (messages are shown as they are). */
export const STATUS_LABEL: Record<string, string> = {
  submitted: '待提供方审批 submitted',
  provider_approved: '待平台审核 provider_approved',
  approved: '已批准 approved',
  refused: '已拒绝 refused',
  withdrawn: '已撤回 withdrawn',
  active: '有效 active',
  suspended: '已暂停 suspended',
  revoked: '已撤销 revoked',
  expired: '已过期 expired',
};

export const illegal = (status: string, action: string) =>
  shareProblem(409, 'share_illegal_transition', { status: STATUS_LABEL[status] ?? status, action });

// ---------------------------------------------------------------------------------------------
// Who acts for whom

export interface ShareScope {
  /** The caller's organisation (null for the node itself). */
  orgId: string | null;
  /** Organisations whose requests and grants the caller handles as provider (org_admin: subtree). */
  provides: string[];
  /** The platform (share.review, the node's sysadmin; and the node itself): sees everything. */
  platform: boolean;
}

export async function scopeOf(q: Queryable, actor: Actor): Promise<ShareScope> {
  if (actor.kind === 'system') return { orgId: null, provides: [], platform: true };
  if (actor.kind !== 'user') {
    return { orgId: actor.kind === 'app' ? actor.orgId : null, provides: [], platform: false };
  }
  const provides = actor.roles.includes('org_admin') ? await orgSubtree(q, actor.orgId) : [actor.orgId];
  return { orgId: actor.orgId, provides, platform: allows(actor, 'share.review') };
}

/** Whether the caller may see a request or grant between these organisations. */
export const sees = (s: ShareScope, row: { consumerOrgId: string; providerOrgId: string }): boolean =>
  s.platform || row.consumerOrgId === s.orgId || s.provides.includes(row.providerOrgId);

/** The event row's actor: id and display name. */
export function actorOf(ctx: RequestContext): { id: string | null; name: string | null } {
  const a = ctx.actor;
  if (a.kind === 'anonymous') return { id: null, name: null };
  // A job or the CLI acts as the node itself: named, but with no account id (ids are uuids).
  return { id: a.kind === 'system' ? null : a.id, name: a.kind === 'user' ? a.displayName : a.name };
}

/** A reason of at least two characters (after trimming), or the problem (share_reason_required). */
export function requireReason(
  reason: string | undefined | null,
  missing: () => AppError = () =>
    shareProblem(400, 'share_reason_required', {}, [{ path: '/reason', message: 'required' }]),
): string {
  const r = reason?.trim() ?? '';
  if ([...r].length < 2) throw missing();
  return r;
}

// ---------------------------------------------------------------------------------------------
// Cursors: [sort key, id], opaque to clients

export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      v[0].length <= 64 &&
      typeof v[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(v[1])
    ) {
      return [v[0], v[1]];
    }
  } catch {
    // Not base64url JSON: answered below.
  }
  throw shareProblem(400, 'share_cursor_invalid', {}, [{ path: '/cursor', message: 'invalid cursor' }]);
}

// ---------------------------------------------------------------------------------------------
// Schemas

export const strict = { additionalProperties: false } as const;
export const Uuid = Type.String({ format: 'uuid' });
export const Time = Type.String({ format: 'date-time' });
export const NullableTime = Type.Union([Time, Type.Null()]);
export const NullableString = Type.Union([Type.String(), Type.Null()]);
/** A comment or reason given with a step. */
export const Reason = Type.String({ maxLength: 2000 });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD (Asia/Shanghai), inclusive' });
const FieldCode = Type.String({ minLength: 1, maxLength: 63 });

export const MaskFunctionSchema = Type.Enum(MASK_FUNCTIONS);
export const REQUEST_STATUSES = [
  'submitted',
  'provider_approved',
  'approved',
  'refused',
  'withdrawn',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const GRANT_STATUSES = ['active', 'suspended', 'revoked', 'expired'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

export const IdParams = Type.Object({ id: Uuid }, strict);

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: '应用场景名称' }),
    description: Type.String({ minLength: 1, maxLength: 2000 }),
    basis: Type.String({ minLength: 1, maxLength: 500, description: '依据（法律法规、文件）' }),
  },
  strict,
);

export const CreateRequestBody = Type.Object(
  {
    entryId: Uuid,
    appId: Type.String({ format: 'uuid', description: "an application of the caller's organisation" }),
    fields: Type.Array(FieldCode, {
      maxItems: 1000,
      uniqueItems: true,
      description: 'at least one; none only for an entry without fields (e.g. an API, requested as a whole)',
    }),
    scenario: ScenarioSchema,
    expectedVolume: Type.Object({ perDay: Type.Integer({ minimum: 1, maximum: 100_000_000 }) }, strict),
    validFrom: Day,
    validTo: Day,
    rowScope: Type.Optional(ConditionSchema),
  },
  strict,
);
export type CreateRequestInput = Static<typeof CreateRequestBody>;

export const ApproveBody = Type.Object(
  {
    fields: Type.Optional(
      Type.Array(FieldCode, {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
        description: 'a subset of the requested fields',
      }),
    ),
    masking: Type.Optional(
      Type.Record(FieldCode, MaskFunctionSchema, {
        description:
          "per granted field; a field not listed gets its piiKind's default. Only an explicit 'none' unmasks personal data.",
      }),
    ),
    rowFilter: Type.Optional(ConditionSchema),
    validTo: Type.Optional(Type.String({ format: 'date', description: 'no later than requested' })),
    rateLimit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'requests per second' }),
    ),
    dailyQuota: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'calls per day' }),
    ),
    comment: Type.Optional(Reason),
  },
  strict,
);
export type ApproveInput = Static<typeof ApproveBody>;

export const ReasonBody = Type.Object({ reason: Type.Optional(Reason) }, strict);
export const ReviewBody = Type.Object(
  { decision: Type.Enum(['approve', 'refuse'] as const), reason: Type.Optional(Reason) },
  strict,
);
export const RenewBody = Type.Object({ validTo: Day }, strict);

/** A list's page: its size and the cursor of the page before. */
export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
};

export const ListRequestsQuery = Type.Object(
  {
    box: Type.Enum(['inbox', 'outbox', 'review', 'all'] as const, {
      description:
        'inbox: to the caller as provider; outbox: from the caller; review: reached the platform (sysadmin); all: sysadmin',
    }),
    status: Type.Optional(Type.Enum(REQUEST_STATUSES)),
    overdue: Type.Optional(Type.Boolean()),
    ...PageQuery,
  },
  strict,
);
export type ListRequestsInput = Static<typeof ListRequestsQuery>;

export const ListGrantsQuery = Type.Object(
  {
    box: Type.Enum(['consumer', 'provider', 'all'] as const),
    status: Type.Optional(Type.Enum(GRANT_STATUSES)),
    ...PageQuery,
  },
  strict,
);
export type ListGrantsInput = Static<typeof ListGrantsQuery>;

export const EventSchema = Type.Object({
  action: Type.String(),
  fromStatus: NullableString,
  toStatus: Type.String(),
  actorName: NullableString,
  comment: NullableString,
  detail: Type.Record(Type.String(), Type.Unknown()),
  at: Time,
});
export type ShareEvent = Static<typeof EventSchema>;

/** A keyset page of items and the cursor of the next page. */
export const pageSchema = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: NullableString });

export const ShareRequestSchema = Type.Object({
  id: Uuid,
  status: Type.Enum(REQUEST_STATUSES),
  consumerOrgId: Uuid,
  consumerOrgName: Type.String(),
  appId: Uuid,
  appName: Type.String(),
  entryId: Uuid,
  entryCode: Type.String(),
  entryName: Type.String(),
  catalogVersion: Type.Integer(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  fields: Type.Array(Type.String()),
  scenario: Type.Object({
    name: Type.String(),
    description: Type.String(),
    basis: Type.String(),
    appId: Uuid,
  }),
  expectedVolume: Type.Object({ perDay: Type.Integer() }),
  validFrom: Type.String(),
  validTo: Type.String(),
  rowScope: Type.Unknown({ description: 'a Condition, or null' }),
  shareType: Type.Enum(['unconditional', 'conditional'] as const),
  needsReview: Type.Boolean({ description: 'grade ≥ 3, important or core: the platform reviews' }),
  dueAt: Time,
  reviewDueAt: NullableTime,
  overdue: Type.Boolean(),
  workingDaysLeft: Type.Union([Type.Integer(), Type.Null()], {
    description: 'working days to the current deadline (negative once overdue); null once decided',
  }),
  decidedByName: NullableString,
  decidedAt: NullableTime,
  reviewedByName: NullableString,
  reviewedAt: NullableTime,
  reason: NullableString,
  adjustments: Type.Record(Type.String(), Type.Unknown()),
  grantId: Type.Union([Uuid, Type.Null()]),
  createdByName: Type.String(),
  createdAt: Time,
  updatedAt: Time,
  events: Type.Optional(Type.Array(EventSchema)),
});
export type ShareRequest = Static<typeof ShareRequestSchema>;

export const ShareRequestPage = pageSchema(ShareRequestSchema);

export const GrantSchema = Type.Object({
  id: Uuid,
  requestId: Uuid,
  status: Type.Enum(GRANT_STATUSES),
  appId: Uuid,
  appName: Type.String(),
  consumerOrgId: Uuid,
  consumerOrgName: Type.String(),
  entryId: Uuid,
  entryCode: Type.String(),
  entryName: Type.String(),
  catalogVersion: Type.Integer(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  fields: Type.Array(Type.String()),
  masking: Type.Record(Type.String(), MaskFunctionSchema),
  rowFilter: Type.Unknown({ description: 'a Condition, or null' }),
  rateLimit: Type.Integer({ description: 'requests per second' }),
  dailyQuota: Type.Integer({ description: 'calls per day' }),
  usedToday: Type.Integer({
    description: 'calls admitted today (Asia/Shanghai) as the node last recorded them (about once a second)',
  }),
  validFrom: Type.String(),
  validTo: Type.String(),
  statusReason: NullableString,
  scenarioName: Type.String(),
  createdAt: Time,
  updatedAt: Time,
  events: Type.Optional(Type.Array(EventSchema)),
});
export type Grant = Static<typeof GrantSchema>;

export const GrantPage = pageSchema(GrantSchema);
