import { Type, type Static } from 'typebox';
import type { Localized } from '../../platform/i18n/index.js';
import { problemOf } from '../sharing/schemas.js';
import {
  EventSchema,
  NullableString,
  NullableTime,
  pageSchema,
  strict,
  Time,
  Uuid,
} from '../sharing/schemas.js';

/**
 * Conditional-open applications (有条件开放申请): problems (zh-CN/en), the agreement text and the
 * TypeBox schemas of the API (docs/OPENING.md "Conditional opening").
 */

export const conditionalMessages = {
  open_entry_not_found: { 'zh-CN': '目录条目不存在', en: 'There is no such catalog entry' },
  open_not_conditional: {
    'zh-CN': '目录条目「{name}」不是有条件开放的数据，无需（也不能）申请',
    en: 'The catalog entry "{name}" is not conditionally open; it cannot be applied for',
  },
  open_uscc_invalid: {
    'zh-CN': '统一社会信用代码 {uscc} 无效（校验位不符）',
    en: 'The unified social credit code {uscc} is not valid (check character)',
  },
  open_agreement_required: {
    'zh-CN': '请阅读并接受开放数据使用协议',
    en: 'Read and accept the open data agreement first',
  },
  open_agreement_outdated: {
    'zh-CN': '协议已更新为版本 {current}，请阅读新版本后重新提交',
    en: 'The agreement has been updated to version {current}; read it and submit again',
  },
  open_application_pending: {
    'zh-CN': '您对该数据已有一份待处理的申请，请等待处理结果或先撤回',
    en: 'You already have an open application for this data; wait for its decision or withdraw it',
  },
  open_application_not_found: { 'zh-CN': '开放申请 {id} 不存在', en: 'There is no application {id}' },
  open_illegal_transition: {
    'zh-CN': '状态为「{status}」时不能执行「{action}」',
    en: 'Cannot {action} while the status is "{status}"',
  },
  open_out_of_scope: {
    'zh-CN': '只有数据提供方机构的审批人员可以执行此操作',
    en: "Only the provider organisation's approvers may do this",
  },
  open_review_only: {
    'zh-CN': '平台审核仅限平台审核人员（系统管理员）',
    en: 'Only the platform reviewers (sysadmin) may do this',
  },
  open_not_applicant: {
    'zh-CN': '只有申请人本人可以撤回申请',
    en: 'Only the applicant may withdraw an application',
  },
  open_reason_required: {
    'zh-CN': '请填写理由（至少 2 个字）',
    en: 'A reason of at least 2 characters is required',
  },
  open_months_invalid: {
    'zh-CN': '批准的期限只能缩短（申请 {months} 个月）',
    en: 'An approval can only shorten the term (asked for {months} months)',
  },
  open_user_only: { 'zh-CN': '只有登录用户可以执行此操作', en: 'Only a signed-in user may do this' },
} satisfies Record<string, Localized>;

export const conditionalProblem = problemOf(conditionalMessages);

/**
 * The agreement an applicant accepts (开放数据使用协议). Its version is stored with each
 * application; changing the text means a new version, and submissions naming an older one are
 * refused (409 open_agreement_outdated) so that nobody accepts a text they did not see.
 */
export const OPEN_AGREEMENT = {
  version: '2025-1',
  text: {
    'zh-CN': [
      '1. 申请人仅将数据用于申请中载明的用途，不得超范围使用，不得向第三方提供或转售。',
      '2. 申请人应落实申请中承诺的安全保护措施，不得尝试重新识别任何个人或单位。',
      '3. 使用数据形成的成果应注明数据来源。',
      '4. 授权期满即停止使用，并删除获取的数据；提供方或平台发现违约可随时终止授权。',
      '5. 申请人对其使用数据的行为依法承担责任。',
    ].join('\n'),
    en: [
      '1. The applicant uses the data only for the purpose stated in the application, and neither passes it on nor resells it.',
      '2. The applicant applies the security measures it stated and never tries to re-identify a person or organisation.',
      '3. Results derived from the data name its source.',
      '4. Use ends when the access expires, and the data obtained is deleted; the provider or the platform may end access at any time on a breach.',
      '5. The applicant is liable under the law for its use of the data.',
    ].join('\n'),
  },
} as const;

export const APPLICATION_STATUSES = [
  'submitted',
  'provider_approved',
  'approved',
  'refused',
  'withdrawn',
  'expired',
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** Status names for messages, in both languages at once. */
export const APPLICATION_STATUS_LABEL: Record<ApplicationStatus, string> = {
  submitted: '待提供方审批 submitted',
  provider_approved: '待平台审核 provider_approved',
  approved: '已批准 approved',
  refused: '已拒绝 refused',
  withdrawn: '已撤回 withdrawn',
  expired: '已到期 expired',
};

const Text = (description: string) => Type.String({ minLength: 2, maxLength: 2000, description });

export const CreateApplicationBody = Type.Object(
  {
    entryId: Uuid,
    purpose: Text('申请用途'),
    applicantOrgName: Type.String({ minLength: 1, maxLength: 200, description: '申请单位名称' }),
    applicantUscc: Type.String({ minLength: 18, maxLength: 18, description: '申请单位统一社会信用代码' }),
    intendedUse: Text('数据使用方式（应用场景）'),
    securityMeasures: Text('安全保护措施'),
    months: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 36, default: 12, description: '申请期限（月）' }),
    ),
    agreementAccepted: Type.Boolean({ description: 'must be true' }),
    agreementVersion: Type.String({ maxLength: 40, description: 'the version of the agreement shown' }),
  },
  strict,
);
export type CreateApplicationInput = Static<typeof CreateApplicationBody>;

export const ApproveApplicationBody = Type.Object(
  {
    months: Type.Optional(Type.Integer({ minimum: 1, maximum: 36, description: 'no more than asked for' })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  strict,
);
export const ReviewApplicationBody = Type.Object(
  {
    decision: Type.Enum(['approve', 'refuse'] as const),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  strict,
);
export const ApplicationReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  strict,
);

const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 400 })),
};

export const ListApplicationsQuery = Type.Object(
  {
    box: Type.Enum(['inbox', 'review', 'all'] as const, {
      description: 'inbox: to the caller as provider; review: reached the platform; all: platform',
    }),
    status: Type.Optional(Type.Enum(APPLICATION_STATUSES)),
    ...PageQuery,
  },
  strict,
);
export type ListApplicationsInput = Static<typeof ListApplicationsQuery>;

export const MyApplicationsQuery = Type.Object(
  { status: Type.Optional(Type.Enum(APPLICATION_STATUSES)), ...PageQuery },
  strict,
);
export type MyApplicationsInput = Static<typeof MyApplicationsQuery>;

export const OpenApplicationSchema = Type.Object({
  id: Uuid,
  status: Type.Enum(APPLICATION_STATUSES),
  entryId: Uuid,
  entryCode: Type.String(),
  entryName: Type.String(),
  catalogVersion: Type.Integer(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  applicantUserId: Uuid,
  applicantName: Type.String(),
  applicantOrgName: Type.String(),
  applicantUscc: Type.String(),
  purpose: Type.String(),
  intendedUse: Type.String(),
  securityMeasures: Type.String(),
  agreementVersion: Type.String(),
  agreementAcceptedAt: Time,
  months: Type.Integer(),
  grantedMonths: Type.Union([Type.Integer(), Type.Null()]),
  dueAt: Time,
  reviewDueAt: NullableTime,
  overdue: Type.Boolean(),
  workingDaysLeft: Type.Union([Type.Integer(), Type.Null()]),
  providerDecision: Type.Union([Type.Enum(['approve', 'refuse'] as const), Type.Null()]),
  providerReason: NullableString,
  providerByName: NullableString,
  providerAt: NullableTime,
  platformDecision: Type.Union([Type.Enum(['approve', 'refuse'] as const), Type.Null()]),
  platformReason: NullableString,
  platformByName: NullableString,
  platformAt: NullableTime,
  withdrawReason: NullableString,
  expiresAt: NullableTime,
  /** Approved and not yet expired: the applicant reads the entry's open version now. */
  active: Type.Boolean(),
  createdAt: Time,
  updatedAt: Time,
  events: Type.Optional(Type.Array(EventSchema)),
});
export type OpenApplication = Static<typeof OpenApplicationSchema>;
export const OpenApplicationPage = pageSchema(OpenApplicationSchema);

export const AgreementSchema = Type.Object({
  version: Type.String(),
  text: Type.Object({ 'zh-CN': Type.String(), en: Type.String() }),
});
