import { Type, type Static } from 'typebox';

/** The TypeBox schemas of the objections API (docs/QUALITY.md "Objections"). */

const strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const FieldCode = Type.String({ minLength: 1, maxLength: 63 });
const Value = Type.String({ maxLength: 4000 });

export const OBJECTION_STATUSES = ['open', 'corrected', 'rejected', 'withdrawn'] as const;
export type ObjectionStatus = (typeof OBJECTION_STATUSES)[number];
export const OBJECTION_ORIGINS = ['consumer', 'steward', 'crosscheck', 'citizen'] as const;

/** A record's key: {"<key field code>": "<value>"}, every key field of the dataset. */
const RecordKey = Type.Record(FieldCode, Type.String({ minLength: 1, maxLength: 1000 }), {
  minProperties: 1,
  maxProperties: 20,
  description: 'the record: every key field of the dataset and its value',
});

const raiseProps = {
  key: RecordKey,
  field: Type.Optional(FieldCode),
  proposedValue: Type.Optional(Value),
  reason: Type.String({ minLength: 1, maxLength: 2000 }),
  evidence: Type.Optional(Type.String({ maxLength: 4000 })),
};

export const RaiseBody = Type.Object(
  {
    entryId: Uuid,
    ...raiseProps,
    orgId: Type.Optional(
      Type.String({
        format: 'uuid',
        description:
          "the department to answer (default the entry's provider; another: governance.manage only)",
      }),
    ),
  },
  strict,
);
export type RaiseInput = Static<typeof RaiseBody>;

export const AppRaiseBody = Type.Object(
  {
    grantId: Type.String({ format: 'uuid', description: "one of the calling application's grants" }),
    ...raiseProps,
  },
  strict,
);
export type AppRaiseInput = Static<typeof AppRaiseBody>;

export const ConflictObjectionBody = Type.Object(
  { orgId: Uuid, reason: Type.Optional(Type.String({ maxLength: 2000 })) },
  strict,
);
export type ConflictObjectionInput = Static<typeof ConflictObjectionBody>;

export const CorrectBody = Type.Object(
  {
    value: Type.Optional(
      Type.Union([Value, Type.Null()], {
        description:
          "the corrected value of the objection's field (default: the proposed value; null empties it)",
      }),
    ),
    values: Type.Optional(
      Type.Record(FieldCode, Type.Union([Value, Type.Null()]), {
        minProperties: 1,
        maxProperties: 100,
        description: 'for an objection to a whole record: the fields to correct and their values',
      }),
    ),
    comment: Type.String({ maxLength: 2000 }),
  },
  strict,
);
export type CorrectInput = Static<typeof CorrectBody>;

export const RejectBody = Type.Object({ reason: Type.String({ maxLength: 2000 }) }, strict);
export const WithdrawBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, strict);
export const ObjectionParams = Type.Object({ id: Uuid }, strict);
export const ConflictParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, strict);

export const ListObjectionsQuery = Type.Object(
  {
    box: Type.Enum(['inbox', 'raised', 'all'] as const, {
      description:
        "inbox: addressed to the caller's organisation(s); raised: by the caller or their organisation; all: the platform",
    }),
    status: Type.Optional(Type.Enum(OBJECTION_STATUSES)),
    overdue: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 400 })),
  },
  strict,
);
export type ListObjectionsInput = Static<typeof ListObjectionsQuery>;

export const ObjectionEventSchema = Type.Object({
  action: Type.String(),
  fromStatus: NullableString,
  toStatus: Type.String(),
  actorName: NullableString,
  comment: NullableString,
  detail: Type.Record(Type.String(), Type.Unknown()),
  at: Time,
});
export type ObjectionEvent = Static<typeof ObjectionEventSchema>;

export const ObjectionSchema = Type.Object({
  id: Uuid,
  status: Type.Enum(OBJECTION_STATUSES),
  entryId: Uuid,
  entryCode: Type.String(),
  entryName: Type.String(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  orgId: Type.String({ description: 'the department that must answer' }),
  orgName: Type.String(),
  recordKey: Type.Record(Type.String(), Type.String()),
  field: NullableString,
  fieldName: NullableString,
  currentValue: NullableString,
  proposedValue: NullableString,
  masked: Type.Boolean({ description: "values masked by the field's piiKind (everyone but the provider)" }),
  reason: Type.String(),
  evidence: Type.String(),
  origin: Type.Enum(OBJECTION_ORIGINS),
  conflictId: Type.Union([Type.Integer(), Type.Null()]),
  raisedByName: Type.String(),
  raiserOrgId: NullableString,
  raiserOrgName: NullableString,
  dueAt: Time,
  overdue: Type.Boolean(),
  workingDaysLeft: Type.Union([Type.Integer(), Type.Null()], {
    description: 'working days to the deadline (negative once overdue); null once answered',
  }),
  escalatedAt: NullableTime,
  resolution: NullableString,
  correctionBatchId: Type.Union([Type.Integer(), Type.Null()]),
  resolvedByName: NullableString,
  resolvedAt: NullableTime,
  createdAt: Time,
  updatedAt: Time,
  events: Type.Optional(Type.Array(ObjectionEventSchema)),
});
export type Objection = Static<typeof ObjectionSchema>;

export const ObjectionPage = Type.Object({ items: Type.Array(ObjectionSchema), nextCursor: NullableString });
