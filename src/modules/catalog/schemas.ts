import { Type, type Static } from 'typebox';

/**
 * TypeBox schemas of the catalog (docs/CATALOG.md): validation, TypeScript types and OpenAPI in
 * one. The schemas check shapes and enumerations; the rules that span properties (conditions,
 * grades, codes) are `validateEntryInput`'s, so that the Excel import reports them per row too.
 */

const strict = { additionalProperties: false } as const;
const Id = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableString = (max: number) => Type.Union([Type.String({ maxLength: max }), Type.Null()]);

export const CATEGORIES = ['base', 'theme', 'department'] as const;
export const SHARE_TYPES = ['unconditional', 'conditional', 'none'] as const;
export const OPEN_TYPES = ['unconditional', 'conditional', 'none'] as const;
export const UPDATE_CYCLES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'half_yearly',
  'yearly',
  'irregular',
] as const;
export const RESOURCE_KINDS = ['table', 'file', 'api'] as const;
export const SHARE_METHODS = ['api', 'file', 'database', 'other'] as const;
export const ENTRY_STATUSES = [
  'draft',
  'submitted',
  'returned',
  'published',
  'deprecated',
  'withdrawn',
] as const;
/** Version rows additionally know 'superseded' (an older published version). */
export const VERSION_STATUSES = [...ENTRY_STATUSES, 'superseded'] as const;
export const FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'json'] as const;
export const VALIDATOR_KINDS = ['uscc', 'id_number', 'mobile', 'region_code', 'email', 'regex'] as const;
export const PII_KINDS = [
  'name',
  'id_number',
  'mobile',
  'address',
  'bank_card',
  'email',
  'other',
  'none',
] as const;
export const GRADES = [1, 2, 3, 4] as const;

export const CategorySchema = Type.Enum(CATEGORIES, { description: '基础 / 主题 / 部门' });
export const ShareTypeSchema = Type.Enum(SHARE_TYPES, { description: '无条件共享 / 有条件共享 / 不予共享' });
export const OpenTypeSchema = Type.Enum(OPEN_TYPES, { description: '无条件开放 / 有条件开放 / 不予开放' });
export const UpdateCycleSchema = Type.Enum(UPDATE_CYCLES);
export const ResourceKindSchema = Type.Enum(RESOURCE_KINDS);
export const ShareMethodSchema = Type.Enum(SHARE_METHODS);
export const EntryStatusSchema = Type.Enum(ENTRY_STATUSES);
export const VersionStatusSchema = Type.Enum(VERSION_STATUSES);
export const FieldTypeSchema = Type.Enum(FIELD_TYPES);
export const ValidatorKindSchema = Type.Enum(VALIDATOR_KINDS);
export const PiiKindSchema = Type.Enum(PII_KINDS);
export const GradeSchema = Type.Enum(GRADES, { description: '分级 1–4' });

export type Category = Static<typeof CategorySchema>;
export type ShareType = Static<typeof ShareTypeSchema>;
export type OpenType = Static<typeof OpenTypeSchema>;
export type UpdateCycle = Static<typeof UpdateCycleSchema>;
export type ResourceKind = Static<typeof ResourceKindSchema>;
export type EntryStatus = Static<typeof EntryStatusSchema>;
export type VersionStatus = Static<typeof VersionStatusSchema>;
export type FieldType = Static<typeof FieldTypeSchema>;
export type Grade = Static<typeof GradeSchema>;

export const ValidatorSchema = Type.Object(
  { kind: ValidatorKindSchema, pattern: Type.Optional(Type.String({ maxLength: 500 })) },
  strict,
);

/** The field properties shared by input and output; `code` is optional on input only. */
const fieldProperties = {
  name: Type.String({ maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  type: FieldTypeSchema,
  length: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  precision: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  scale: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  required: Type.Boolean(),
  key: Type.Boolean(),
  dataElementId: Type.Optional(Type.Union([Id, Type.Null()])),
  codeTableId: Type.Optional(Type.Union([Id, Type.Null()])),
  validator: Type.Optional(Type.Union([ValidatorSchema, Type.Null()])),
  piiKind: PiiKindSchema,
  grade: GradeSchema,
};

export const FieldInput = Type.Object(
  {
    code: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'ASCII [a-z][a-z0-9_]*, ≤ 63 bytes; generated from name if absent',
      }),
    ),
    ...fieldProperties,
  },
  strict,
);
export type FieldInput = Static<typeof FieldInput>;

export const Field = Type.Object({ code: Type.String(), ...fieldProperties });
export type Field = Static<typeof Field>;

export const ResponsibleSchema = Type.Object(
  {
    person: Type.String({ maxLength: 100 }),
    phone: Type.String({ maxLength: 40 }),
    email: Type.Optional(NullableString(200)),
  },
  strict,
);

/** The entry properties shared by input and output, except the fields. */
const entryProperties = {
  category: CategorySchema,
  classification: Type.Array(Type.String({ maxLength: 10 }), {
    maxItems: 8,
    description: '类/项/目/细目 codes, 1–4 segments of 1–3 digits, e.g. ["1","02","03"]',
  }),
  name: Type.String({ maxLength: 400 }),
  summary: Type.String({ maxLength: 8000 }),
  resourceKind: ResourceKindSchema,
  formats: Type.Array(Type.String({ maxLength: 40 }), { maxItems: 30 }),
  updateCycle: UpdateCycleSchema,
  publishDate: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  relatedCodes: Type.Array(Type.String({ maxLength: 60 }), { maxItems: 100 }),
  tags: Type.Array(Type.String({ maxLength: 60 }), { maxItems: 50 }),
  licence: Type.Optional(NullableString(200)),
  responsible: ResponsibleSchema,
  shareType: ShareTypeSchema,
  shareCondition: Type.Optional(NullableString(4000)),
  shareMethod: ShareMethodSchema,
  openType: OpenTypeSchema,
  openCondition: Type.Optional(NullableString(4000)),
  grade: GradeSchema,
  important: Type.Boolean(),
  core: Type.Boolean(),
};

export const EntryInput = Type.Object(
  {
    ...entryProperties,
    providerOrgId: Type.Optional(Id),
    fields: Type.Array(FieldInput, { maxItems: 1000 }),
  },
  strict,
);
export type EntryInput = Static<typeof EntryInput>;

export const Entry = Type.Object({
  id: Id,
  code: Type.String({ description: 'resource code, e.g. 1.02.03/000012' }),
  ...entryProperties,
  providerOrgId: Id,
  providerOrgName: Type.String(),
  providerCode: Type.String({ description: '统一社会信用代码 of the provider' }),
  fields: Type.Array(Field),
  status: VersionStatusSchema,
  version: Type.Integer(),
  publishedVersion: Type.Union([Type.Integer(), Type.Null()]),
  reviewComment: Type.Union([Type.String(), Type.Null()]),
  statusReason: Type.Union([Type.String(), Type.Null()]),
  createdAt: Time,
  updatedAt: Time,
  publishedAt: NullableTime,
  restricted: Type.Optional(
    Type.Boolean({ description: 'metadata and legal basis only (不予共享 entry of another department)' }),
  ),
});
export type Entry = Static<typeof Entry>;

/** One row of a search result list. */
export const EntrySummary = Type.Object({
  id: Id,
  code: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  category: CategorySchema,
  classification: Type.Array(Type.String()),
  providerOrgId: Id,
  providerOrgName: Type.String(),
  shareType: ShareTypeSchema,
  openType: OpenTypeSchema,
  grade: GradeSchema,
  important: Type.Boolean(),
  core: Type.Boolean(),
  updateCycle: UpdateCycleSchema,
  formats: Type.Array(Type.String()),
  tags: Type.Array(Type.String()),
  status: VersionStatusSchema,
  version: Type.Integer(),
  updatedAt: Time,
  publishedAt: NullableTime,
  restricted: Type.Boolean(),
});
export type EntrySummary = Static<typeof EntrySummary>;

// --- diff, versions, history ----------------------------------------------------------------

const Json = Type.Unknown();

export const EntryDiff = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  metadata: Type.Array(Type.Object({ path: Type.String(), before: Json, after: Json })),
  fields: Type.Object({
    added: Type.Array(Field),
    removed: Type.Array(Field),
    changed: Type.Array(
      Type.Object({
        code: Type.String(),
        changes: Type.Array(Type.Object({ property: Type.String(), before: Json, after: Json })),
      }),
    ),
  }),
});
export type EntryDiff = Static<typeof EntryDiff>;

export const VersionList = Type.Object({
  items: Type.Array(
    Type.Object({
      version: Type.Integer(),
      status: VersionStatusSchema,
      createdAt: Time,
      publishedAt: NullableTime,
    }),
  ),
});

export const HistoryList = Type.Object({
  items: Type.Array(
    Type.Object({
      action: Type.String(),
      version: Type.Integer(),
      fromStatus: Type.Union([Type.String(), Type.Null()]),
      toStatus: Type.String(),
      actorName: Type.Union([Type.String(), Type.Null()]),
      comment: Type.Union([Type.String(), Type.Null()]),
      at: Time,
    }),
  ),
});

export const ReviewQueue = Type.Object({ items: Type.Array(EntrySummary) });

// --- requests ------------------------------------------------------------------------------

export const IdParams = Type.Object({ id: Id });
export const VersionQuery = Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }, strict);
export const DiffQuery = Type.Object(
  { from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }) },
  strict,
);
export const ApproveBody = Type.Object({ comment: Type.Optional(Type.String({ maxLength: 4000 })) }, strict);
export const ReturnBody = Type.Object({ comment: Type.String({ maxLength: 4000 }) }, strict);
export const ReasonBody = Type.Object({ reason: Type.String({ maxLength: 4000 }) }, strict);
