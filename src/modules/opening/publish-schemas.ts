import { Type, type Static } from 'typebox';
import { MASK_FUNCTIONS } from '../../platform/masking/index.js';

/** TypeBox schemas of the publishing pipeline (docs/OPENING.md "Publishing pipeline"). */

const strict = { additionalProperties: false } as const;
const Id = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const Localized = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });

export const FIELD_ACTIONS = ['drop', 'keep', 'mask', 'generalise', 'pseudonymise'] as const;
export const HIERARCHY_KINDS = ['date', 'age', 'region', 'number', 'custom'] as const;
export const PUBLICATION_STATUSES = ['draft', 'pending', 'published', 'withdrawn'] as const;

export const FieldRuleSchema = Type.Object(
  {
    action: Type.Enum(FIELD_ACTIONS),
    params: Type.Optional(
      Type.Object(
        {
          /** mask: the masking function (default: the field's piiKind's, nullify for none). */
          kind: Type.Optional(Type.Enum(MASK_FUNCTIONS.filter((f) => f !== 'none'))),
          /** generalise: the hierarchy. */
          hierarchy: Type.Optional(Type.Enum(HIERARCHY_KINDS)),
          /**
           * generalise: the level published (not a quasi-identifier; default 1), or the lowest
           * level the k-anonymity search may choose (a quasi-identifier; default 0).
           */
          level: Type.Optional(Type.Integer({ minimum: 0, maximum: 11 })),
          /** generalise number: the range widths, level by level (`width`: [width, 10 × width]). */
          widths: Type.Optional(
            Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 1, maxItems: 6 }),
          ),
          width: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          /** generalise custom: the name of one of the provider organisation's CSV hierarchies. */
          name: Type.Optional(Type.String({ maxLength: 63 })),
        },
        strict,
      ),
    ),
  },
  strict,
);
export type FieldRule = Static<typeof FieldRuleSchema>;

export const MeasureSchema = Type.Object(
  { fn: Type.Enum(['count', 'sum'] as const), field: Type.Optional(Type.String({ maxLength: 63 })) },
  strict,
);

export const AggregateSchema = Type.Object(
  {
    groupBy: Type.Array(Type.String({ maxLength: 63 }), { minItems: 1, maxItems: 8 }),
    /** count is always published; sum of numeric fields optional. */
    measures: Type.Optional(Type.Array(MeasureSchema, { maxItems: 10 })),
    /** Cells counting fewer rows are suppressed (default 10). */
    minCell: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000 })),
  },
  strict,
);

export const ConfigSchema = Type.Object(
  {
    kind: Type.Optional(Type.Enum(['records', 'aggregate'] as const, { description: 'default records' })),
    /** Per field code; a field not listed is dropped. */
    fields: Type.Record(Type.String({ maxLength: 63 }), FieldRuleSchema),
    quasiIdentifiers: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 12 })),
    k: Type.Optional(Type.Integer({ minimum: 2, maximum: 1000, description: 'default 5' })),
    maxSuppression: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5, description: 'default 0.05' })),
    aggregate: Type.Optional(AggregateSchema),
  },
  strict,
);
export type ConfigInput = Static<typeof ConfigSchema>;

const Bucket = Type.Object({
  from: Type.Integer(),
  to: Type.Union([Type.Integer(), Type.Null()]),
  classes: Type.Integer(),
  rows: Type.Integer(),
});
const RiskSchema = Type.Object({
  highest: Type.Number(),
  average: Type.Number(),
  atRisk: Type.Number(),
  unique: Type.Number(),
});

export const ReportSchema = Type.Object({
  kind: Type.Enum(['records', 'aggregate'] as const),
  /** Whether k is met with at most maxSuppression of the rows suppressed (else nothing can be published). */
  feasible: Type.Boolean(),
  computedAt: Time,
  sourceRows: Type.Integer(),
  publishedRows: Type.Integer(),
  suppressedRows: Type.Integer(),
  suppressedShare: Type.Number(),
  k: Type.Integer(),
  maxSuppression: Type.Number(),
  fields: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      action: Type.Enum(FIELD_ACTIONS),
      quasiIdentifier: Type.Boolean(),
      /** mask: the function; generalise: the hierarchy and level. */
      detail: Type.String(),
      level: Type.Union([Type.Integer(), Type.Null()]),
      maxLevel: Type.Union([Type.Integer(), Type.Null()]),
      /** 0–1; see docs/OPENING.md "Report". */
      loss: Type.Number(),
    }),
  ),
  informationLoss: Type.Number({ description: 'mean NCP over the quasi-identifiers (0–1)' }),
  classes: Type.Object({
    classes: Type.Integer(),
    rows: Type.Integer(),
    minSize: Type.Integer(),
    maxSize: Type.Integer(),
    averageSize: Type.Number(),
    histogram: Type.Array(Bucket),
  }),
  risk: Type.Object({ before: RiskSchema, after: RiskSchema }),
  lattice: Type.Union([
    Type.Object({
      nodes: Type.Integer(),
      evaluated: Type.Integer(),
      tagged: Type.Integer(),
      anonymous: Type.Integer(),
      minimal: Type.Integer(),
      searchMs: Type.Number(),
    }),
    Type.Null(),
  ]),
  aggregate: Type.Union([
    Type.Object({ cells: Type.Integer(), suppressedCells: Type.Integer(), minCell: Type.Integer() }),
    Type.Null(),
  ]),
});
export type Report = Static<typeof ReportSchema>;

export const OpenColumnSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  type: Type.String(),
  pgType: Type.String(),
});
export type OpenColumn = Static<typeof OpenColumnSchema>;

export const VersionSchema = Type.Object({
  version: Type.Integer(),
  batchId: Type.Union([Type.Integer(), Type.Null()]),
  rows: Type.Integer(),
  suppressed: Type.Integer(),
  createdAt: Time,
});

const Person = Type.Union([
  Type.Object({ id: Type.Union([Id, Type.Null()]), name: Type.String(), at: Time }),
  Type.Null(),
]);

export const PublicationSchema = Type.Object({
  id: Id,
  entryId: Id,
  datasetId: Id,
  name: Type.String({ description: 'the view open."<name>"' }),
  kind: Type.Enum(['records', 'aggregate'] as const),
  config: ConfigSchema,
  status: Type.Enum(PUBLICATION_STATUSES),
  requested: Person,
  signedOff: Person,
  refusal: Type.Union([Type.Object({ by: Type.String(), at: Time, reason: Type.String() }), Type.Null()]),
  currentVersion: Type.Integer(),
  columns: Type.Array(OpenColumnSchema),
  rowCount: Type.Integer(),
  publishedAt: NullableTime,
  refreshedAt: NullableTime,
  report: Type.Union([ReportSchema, Type.Null()]),
  build: Type.Object({
    status: Type.Union([Type.Enum(['queued', 'running', 'done', 'failed'] as const), Type.Null()]),
    error: Type.Union([Localized, Type.Null()]),
    batchId: Type.Union([Type.Integer(), Type.Null()]),
  }),
  versions: Type.Array(VersionSchema),
  updatedAt: Time,
});
export type Publication = Static<typeof PublicationSchema>;

export const PublicationSummarySchema = Type.Omit(PublicationSchema, [
  'config',
  'report',
  'versions',
  'columns',
]);

export const EntryParams = Type.Object({ entryId: Id });
export const ListQuery = Type.Object({ status: Type.Optional(Type.Enum(PUBLICATION_STATUSES)) }, strict);
export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, strict);
export const OptionalReasonBody = Type.Union([
  Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, strict),
  Type.Null(),
]);
export const PreviewBody = Type.Union([
  Type.Object({ config: Type.Optional(ConfigSchema) }, strict),
  Type.Null(),
]);

export const HierarchyBody = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,62}$' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    /** The CSV text: value, level 1, level 2, … per row. */
    csv: Type.String({ minLength: 1, maxLength: 5_000_000 }),
    /** The organisation to store it in (default: the caller's). */
    orgId: Type.Optional(Id),
  },
  strict,
);
export const HierarchySchema = Type.Object({
  id: Id,
  orgId: Id,
  name: Type.String(),
  description: Type.String(),
  levels: Type.Integer(),
  values: Type.Integer(),
  sample: Type.Array(Type.Array(Type.String())),
  createdBy: Type.String(),
  updatedAt: Time,
});
export const HierarchyQuery = Type.Object({ orgId: Type.Optional(Id) }, strict);
