import { Type, type Static } from 'typebox';
import type { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import {
  EventSchema,
  NullableString,
  NullableTime,
  pageSchema,
  problemOf,
  strict,
  Time,
  Uuid,
} from '../sharing/schemas.js';

/**
 * Data products (数据产品 / 服务化): problems (zh-CN/en) and the TypeBox schemas of the API
 * (docs/OPENING.md "Data products").
 */

export const productMessages = {
  product_entry_not_found: { 'zh-CN': '目录条目不存在', en: 'There is no such catalog entry' },
  product_not_provider: {
    'zh-CN': '只有目录条目提供方机构的数据管理人员可以管理其数据产品',
    en: "Only the data stewards of the entry's provider organisation may manage its data products",
  },
  product_not_found: { 'zh-CN': '数据产品 {id} 不存在', en: 'There is no data product {id}' },
  product_config_invalid: {
    'zh-CN': '数据产品配置无效：{zh}',
    en: 'The data product configuration is not valid: {en}',
  },
  product_tiers_invalid: {
    'zh-CN': '套餐无效：{zh}',
    en: 'The tiers are not valid: {en}',
  },
  product_no_open_version: {
    'zh-CN': '目录条目「{name}」尚无已发布的开放版本，查询和统计类产品无法提供服务',
    en: 'The entry "{name}" has no published open version; query and statistics products cannot serve',
  },
  product_no_dataset: {
    'zh-CN': '目录条目「{name}」尚未归集数据，核验类产品无法提供服务',
    en: 'The entry "{name}" holds no data yet; a verify product cannot serve',
  },
  product_illegal_transition: {
    'zh-CN': '状态为「{status}」时不能执行「{action}」',
    en: 'Cannot {action} while the status is "{status}"',
  },
  product_not_published: {
    'zh-CN': '数据产品「{name}」未上架，不能申请或调用',
    en: 'The data product "{name}" is not published; it cannot be subscribed to or called',
  },
  product_tier_unknown: {
    'zh-CN': '数据产品没有套餐「{tier}」',
    en: 'The data product has no tier "{tier}"',
  },
  product_terms_required: {
    'zh-CN': '请阅读并接受使用条款（当前版本 {current}）',
    en: 'Read and accept the terms of use (current version {current})',
  },
  product_uscc_invalid: {
    'zh-CN': '统一社会信用代码 {uscc} 无效（校验位不符）',
    en: 'The unified social credit code {uscc} is not valid (check character)',
  },
  product_company_incomplete: {
    'zh-CN': '企业申请须同时填写企业名称和统一社会信用代码',
    en: 'A company applies with both its name and its unified social credit code',
  },
  product_subscription_pending: {
    'zh-CN': '您已申请或已开通该数据产品',
    en: 'You already have a subscription to this data product, applied for or approved',
  },
  product_subscription_not_found: {
    'zh-CN': '订阅 {id} 不存在',
    en: 'There is no subscription {id}',
  },
  product_out_of_scope: {
    'zh-CN': '只有数据产品提供方机构的审批人员可以执行此操作',
    en: "Only the product provider organisation's approvers may do this",
  },
  product_reason_required: {
    'zh-CN': '请填写理由（至少 2 个字）',
    en: 'A reason of at least 2 characters is required',
  },
  product_not_subscribed: {
    'zh-CN': '您没有该数据产品已开通的订阅',
    en: 'You have no approved subscription to this data product',
  },
  product_sign_in_required: {
    'zh-CN': '调用数据产品须登录或提供 API 密钥',
    en: 'Calling a data product needs a session or an API key',
  },
  product_api_key_invalid: {
    'zh-CN': 'API 密钥无效或已撤销',
    en: 'The API key is not valid or has been revoked',
  },
  product_call_invalid: {
    'zh-CN': '调用参数无效：{zh}',
    en: 'The call is not valid: {en}',
  },
  product_quota_exhausted: {
    'zh-CN': '本月 {quota} 次调用额度已用完，请于北京时间下月 1 日 0 时后再试或升级套餐',
    en: 'This month’s quota of {quota} calls is used up; it renews on the 1st at 00:00 China Standard Time',
  },
  product_rate_limited: {
    'zh-CN': '调用过于频繁：该套餐每分钟最多 {limit} 次',
    en: 'Too many calls: this tier allows {limit} per minute',
  },
  product_audit_unavailable: {
    'zh-CN': '审计日志暂时无法写入，为保护数据，本次调用未返回任何数据',
    en: 'The audit ledger cannot be written right now; to protect the data, nothing was returned',
  },
  product_month_invalid: {
    'zh-CN': '月份须为 YYYY-MM 格式',
    en: 'The month must be YYYY-MM',
  },
} satisfies Record<string, Localized>;

export type ProductMessageKey = keyof typeof productMessages;
export const productProblem = problemOf(productMessages);

/** A 400 with the rule in both languages (config, tiers or a call). */
export const ruleProblem =
  (code: 'product_config_invalid' | 'product_tiers_invalid' | 'product_call_invalid') =>
  (zh: string, en: string, path = ''): AppError =>
    productProblem(400, code, { zh, en }, path ? [{ path, message: en }] : []);

export const PRODUCT_KINDS = ['query', 'verify', 'statistics'] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];
export const PRODUCT_STATUSES = ['draft', 'published', 'retired'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];
export const SUBSCRIPTION_STATUSES = ['applied', 'approved', 'refused', 'revoked'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

const Code = Type.String({ minLength: 1, maxLength: 63 });
const Codes = Type.Array(Code, { minItems: 1, maxItems: 200, uniqueItems: true });

export const TierSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 40 }),
    callsPerMonth: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    ratePerMinute: Type.Integer({ minimum: 1, maximum: 100_000 }),
  },
  strict,
);
export type Tier = Static<typeof TierSchema>;

export const ProductConfigSchema = Type.Object(
  {
    fields: Type.Optional(
      Type.Array(Code, {
        maxItems: 200,
        uniqueItems: true,
        description:
          'query: the open columns returned (default all); verify: the fields that may be verified (default every non-key field)',
      }),
    ),
    keyFields: Type.Optional(Codes),
    groupBy: Type.Optional(Codes),
    minCell: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description: 'statistics: counts below this are suppressed (default 10; 0: none)',
      }),
    ),
  },
  strict,
);
export type ProductConfig = Static<typeof ProductConfigSchema>;

export const CreateProductBody = Type.Object(
  {
    entryId: Uuid,
    kind: Type.Enum(PRODUCT_KINDS),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.String({ maxLength: 4000 }),
    terms: Type.String({ minLength: 1, maxLength: 20000 }),
    tiers: Type.Array(TierSchema, { minItems: 1, maxItems: 10 }),
    config: Type.Optional(ProductConfigSchema),
  },
  strict,
);
export type CreateProductInput = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    terms: Type.Optional(Type.String({ minLength: 1, maxLength: 20000 })),
    tiers: Type.Optional(Type.Array(TierSchema, { minItems: 1, maxItems: 10 })),
    config: Type.Optional(ProductConfigSchema),
  },
  strict,
);
export type UpdateProductInput = Static<typeof UpdateProductBody>;

export const ListProductsQuery = Type.Object(
  {
    scope: Type.Enum(['published', 'provider'] as const, {
      default: 'published',
      description:
        "published: every published product; provider: the caller's organisations' products (all statuses; the platform: all)",
    }),
    entryId: Type.Optional(Uuid),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  strict,
);
export type ListProductsInput = Static<typeof ListProductsQuery>;

export const ProductSchema = Type.Object({
  id: Uuid,
  entryId: Uuid,
  entryCode: Type.String(),
  entryName: Type.String(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  kind: Type.Enum(PRODUCT_KINDS),
  name: Type.String(),
  description: Type.String(),
  terms: Type.String(),
  termsVersion: Type.Integer(),
  tiers: Type.Array(TierSchema),
  config: Type.Record(Type.String(), Type.Unknown()),
  status: Type.Enum(PRODUCT_STATUSES),
  publishedAt: NullableTime,
  retiredAt: NullableTime,
  createdByName: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});
export type DataProduct = Static<typeof ProductSchema>;
export const ProductList = Type.Object({ items: Type.Array(ProductSchema) });

export const SubscribeBody = Type.Object(
  {
    tier: Type.String({ minLength: 1, maxLength: 40 }),
    purpose: Type.String({ minLength: 2, maxLength: 2000 }),
    companyName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    companyUscc: Type.Optional(Type.String({ minLength: 18, maxLength: 18 })),
    acceptTerms: Type.Boolean({ description: 'must be true' }),
    termsVersion: Type.Integer({ minimum: 1, description: 'the version of the terms shown' }),
  },
  strict,
);
export type SubscribeInput = Static<typeof SubscribeBody>;

export const ApproveSubscriptionBody = Type.Object(
  {
    tier: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'another tier than asked for' }),
    ),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  strict,
);
export const SubscriptionReasonBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  strict,
);

const Month = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (Asia/Shanghai)' });

export const ListSubscriptionsQuery = Type.Object(
  {
    productId: Type.Optional(Uuid),
    status: Type.Optional(Type.Enum(SUBSCRIPTION_STATUSES)),
    month: Type.Optional(Month),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  strict,
);
export type ListSubscriptionsInput = Static<typeof ListSubscriptionsQuery>;
export const MySubscriptionsQuery = Type.Object({ month: Type.Optional(Month) }, strict);
export const UsageQuery = Type.Object({ month: Type.Optional(Month) }, strict);

export const SubscriptionSchema = Type.Object({
  id: Uuid,
  productId: Uuid,
  productName: Type.String(),
  productKind: Type.Enum(PRODUCT_KINDS),
  entryId: Uuid,
  entryName: Type.String(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  subscriberUserId: Uuid,
  subscriberName: Type.String(),
  companyName: NullableString,
  companyUscc: NullableString,
  purpose: Type.String(),
  tier: Type.String(),
  termsVersion: Type.Integer(),
  termsAcceptedAt: Time,
  status: Type.Enum(SUBSCRIPTION_STATUSES),
  approvedByName: NullableString,
  decidedAt: NullableTime,
  reason: NullableString,
  usage: Type.Object({
    month: Type.String(),
    calls: Type.Integer(),
    callsPerMonth: Type.Union([Type.Integer(), Type.Null()], {
      description: 'the tier’s; null if it no longer exists',
    }),
    ratePerMinute: Type.Union([Type.Integer(), Type.Null()]),
  }),
  createdAt: Time,
  updatedAt: Time,
  events: Type.Optional(Type.Array(EventSchema)),
});
export type Subscription = Static<typeof SubscriptionSchema>;
export const SubscriptionList = Type.Object({ items: Type.Array(SubscriptionSchema) });
export const SubscriptionPage = pageSchema(SubscriptionSchema);

export const UsageReportSchema = Type.Object({
  productId: Uuid,
  productName: Type.String(),
  month: Type.String(),
  total: Type.Integer(),
  consumers: Type.Array(
    Type.Object({
      subscriptionId: Uuid,
      subscriberName: Type.String(),
      companyName: NullableString,
      companyUscc: NullableString,
      tier: Type.String(),
      status: Type.Enum(SUBSCRIPTION_STATUSES),
      callsPerMonth: Type.Union([Type.Integer(), Type.Null()]),
      calls: Type.Integer(),
    }),
  ),
});
export type UsageReport = Static<typeof UsageReportSchema>;

// ---------------------------------------------------------------------------------------------
// Calls

const Values = Type.Record(Code, Type.String({ maxLength: 1000 }), { maxProperties: 100 });

export const CallBody = Type.Object(
  {
    filters: Type.Optional(Values),
    fields: Type.Optional(
      Type.Union([Type.Array(Code, { minItems: 1, maxItems: 200, uniqueItems: true }), Values], {
        description: 'query: the columns wanted; verify: {code: value} to check',
      }),
    ),
    key: Type.Optional(Values),
    groupBy: Type.Optional(Type.Array(Code, { minItems: 1, maxItems: 3, uniqueItems: true })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  },
  strict,
);
export type CallInput = Static<typeof CallBody>;

const Cell = Type.Union([Type.String(), Type.Null()]);
export const CallAnswer = Type.Object({
  kind: Type.Enum(PRODUCT_KINDS),
  /** query */
  columns: Type.Optional(Type.Array(Type.Object({ code: Type.String(), name: Type.String() }))),
  rows: Type.Optional(Type.Array(Type.Record(Type.String(), Cell))),
  limit: Type.Optional(Type.Integer()),
  offset: Type.Optional(Type.Integer()),
  hasMore: Type.Optional(Type.Boolean()),
  /** verify */
  found: Type.Optional(Type.Boolean()),
  fields: Type.Optional(Type.Record(Type.String(), Type.Enum(['match', 'mismatch', 'not_found'] as const))),
  /** statistics */
  groupBy: Type.Optional(Type.Array(Type.String())),
  groups: Type.Optional(
    Type.Array(
      Type.Object({
        key: Type.Record(Type.String(), Cell),
        count: Type.Union([Type.Integer(), Type.Null()]),
        suppressed: Type.Boolean(),
      }),
    ),
  ),
  /** every call: the month's use after this call */
  usage: Type.Object({ month: Type.String(), calls: Type.Integer(), callsPerMonth: Type.Integer() }),
});
export type CallResult = Static<typeof CallAnswer>;
