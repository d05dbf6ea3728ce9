import { Type, type Static } from 'typebox';
import { conditionSchema } from '../sharing/filter.js';
import { DIMENSIONS, RULE_VALIDATORS, type RuleSpec } from './engine.js';

/** TypeBox schemas of quality rules and runs (routes.ts): validation, types and OpenAPI in one. */

const strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const Code = Type.String({ minLength: 1, maxLength: 63, description: 'a field (column) code' });
const Value = Type.String({ maxLength: 1000 });
const Message = Type.Object({ 'zh-CN': Type.String(), en: Type.String() });
const kind = <K extends string>(k: K) => Type.Literal(k);

/** The engine's RuleSpec (engine.ts), one object per kind. */
export const RuleSpecSchema = Type.Unsafe<RuleSpec>(
  Type.Union(
    [
      Type.Object({ kind: kind('not_null'), field: Code }, strict),
      Type.Object(
        { kind: kind('max_length'), field: Code, max: Type.Integer({ minimum: 0, maximum: 1_000_000 }) },
        strict,
      ),
      Type.Object(
        { kind: kind('pattern'), field: Code, pattern: Type.String({ minLength: 1, maxLength: 500 }) },
        strict,
      ),
      Type.Object({ kind: kind('code_table'), field: Code, codeTableId: Uuid }, strict),
      Type.Object(
        { kind: kind('range'), field: Code, min: Type.Optional(Value), max: Type.Optional(Value) },
        { ...strict, minProperties: 3 },
      ),
      Type.Object({ kind: kind('unique'), fields: Type.Array(Code, { minItems: 1, maxItems: 10 }) }, strict),
      Type.Object({ kind: kind('expression'), condition: conditionSchema('QualityCondition') }, strict),
      Type.Object({ kind: kind('validator'), field: Code, validator: Type.Enum(RULE_VALIDATORS) }, strict),
      Type.Object(
        {
          kind: kind('id_consistency'),
          idField: Code,
          birthField: Type.Optional(Code),
          sexField: Type.Optional(Code),
          maleCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
          femaleCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20 })),
        },
        strict,
      ),
      Type.Object({ kind: kind('referential'), field: Code, entryId: Uuid, targetField: Code }, strict),
      Type.Object({ kind: kind('timeliness') }, strict),
      Type.Object(
        {
          kind: kind('accuracy'),
          field: Code,
          keyField: Code,
          authority: Type.Object({ entryId: Uuid, field: Code, keyField: Code }, strict),
          normalise: Type.Optional(
            Type.Object(
              {
                trim: Type.Optional(Type.Boolean()),
                width: Type.Optional(Type.Boolean()),
                case: Type.Optional(Type.Boolean()),
                space: Type.Optional(Type.Boolean()),
              },
              strict,
            ),
          ),
        },
        strict,
      ),
    ],
    { description: 'a rule: its kind and parameters (docs/QUALITY.md "Rules")' },
  ),
);

export const DimensionSchema = Type.Enum(DIMENSIONS);

export const RuleSchema = Type.Object({
  id: Uuid,
  key: Type.String({ description: "a suggestion's key (`<field>:<kind>`) or `custom:<uuid>`" }),
  name: Type.String(),
  kind: Type.String(),
  dimension: DimensionSchema,
  spec: Type.Unknown(),
  enabled: Type.Boolean(),
  suggested: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Time,
  updatedAt: Time,
});

export const SuggestionSchema = Type.Object({
  key: Type.String(),
  name: Type.String(),
  spec: Type.Unknown(),
  dimension: DimensionSchema,
  stored: Type.Boolean({ description: 'a rule with this key is stored already' }),
});

const Weight = Type.Number({ minimum: 0, maximum: 100 });
export const WeightsSchema = Type.Object(
  Object.fromEntries(DIMENSIONS.map((d) => [d, Weight])) as Record<
    (typeof DIMENSIONS)[number],
    typeof Weight
  >,
  strict,
);
export const SettingsSchema = Type.Object(
  {
    weights: WeightsSchema,
    hour: Type.Union([Type.Integer({ minimum: 0, maximum: 23 }), Type.Null()], {
      description: 'run every day at this hour (Asia/Shanghai); null: after loads and by hand only',
    }),
  },
  strict,
);
export type Settings = Static<typeof SettingsSchema>;

const NullableScore = Type.Union([Type.Number(), Type.Null()]);
export const RunSummarySchema = Type.Object({
  id: Type.Integer(),
  trigger: Type.Enum(['load', 'schedule', 'manual'] as const),
  batchId: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Enum(['running', 'done', 'failed'] as const),
  rows: Type.Union([Type.Integer(), Type.Null()]),
  scores: Type.Record(Type.String(), NullableScore, {
    description: '0–100 per dimension, null without rules',
  }),
  score: NullableScore,
  error: Type.Union([Message, Type.Null()]),
  startedByName: Type.String(),
  startedAt: Time,
  finishedAt: Type.Union([Time, Type.Null()]),
});

export const RunDetailSchema = Type.Intersect([
  RunSummarySchema,
  Type.Object({
    entryId: Uuid,
    results: Type.Array(
      Type.Object({
        ruleId: Uuid,
        ruleName: Type.String(),
        kind: Type.String(),
        dimension: DimensionSchema,
        spec: Type.Unknown(),
        checked: Type.Integer(),
        failing: Type.Integer(),
        percent: NullableScore,
        samples: Type.Array(Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]))),
        error: Type.Union([Message, Type.Null()]),
      }),
    ),
  }),
]);

export const DatasetQualitySchema = Type.Object({
  entryId: Uuid,
  datasetId: Uuid,
  entryName: Type.String(),
  weights: WeightsSchema,
  hour: Type.Union([Type.Integer(), Type.Null()]),
  rules: Type.Array(RuleSchema),
  latestRun: Type.Union([RunSummarySchema, Type.Null()]),
});

export const EntryParams = Type.Object({ entryId: Uuid }, strict);
export const RuleParams = Type.Object({ id: Uuid }, strict);
export const RunParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, strict);
export const CreateRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    spec: RuleSpecSchema,
    enabled: Type.Optional(Type.Boolean()),
    key: Type.Optional(
      Type.String({ minLength: 1, maxLength: 300, description: 'the key of the suggestion this rule keeps' }),
    ),
  },
  strict,
);
export const PatchRuleBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    spec: Type.Optional(RuleSpecSchema),
    enabled: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);
export const RunsQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 200, default: 30 }) },
  strict,
);
