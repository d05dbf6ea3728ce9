import { Type, type Static } from 'typebox';
import { VALIDATOR_KINDS } from '../../platform/validators/index.js';

/** TypeBox schemas of the standards routes (docs/CATALOG.md): validation, types and OpenAPI. */

const Id = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const strict = { additionalProperties: false } as const;
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'json'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const ValidatorKindSchema = Type.Enum(VALIDATOR_KINDS);
const FieldTypeSchema = Type.Enum(FIELD_TYPES);
export const ValidatorSchema = Type.Object(
  {
    kind: ValidatorKindSchema,
    pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'for kind regex' })),
  },
  strict,
);
export type ValidatorSpec = Static<typeof ValidatorSchema>;

// --- responses -----------------------------------------------------------------------------

export const CodeTableSummarySchema = Type.Object({
  id: Id,
  identifier: Type.String(),
  name: Type.String(),
  version: Type.String(),
  description: Type.String(),
  builtin: Type.Boolean(),
  valueCount: Type.Integer(),
  createdAt: Time,
});
export type CodeTableSummary = Static<typeof CodeTableSummarySchema>;

export const CodeValueSchema = Type.Object({
  code: Type.String(),
  label: Type.String(),
  parentCode: Nullable(Type.String()),
});
export type CodeValue = Static<typeof CodeValueSchema>;

export const CodeTableDetailSchema = Type.Object({
  ...CodeTableSummarySchema.properties,
  versions: Type.Array(Type.Object({ id: Id, version: Type.String(), createdAt: Time })),
  values: Type.Array(CodeValueSchema),
  nextCursor: Nullable(Type.String()),
});
export type CodeTableDetail = Static<typeof CodeTableDetailSchema>;

export const DataElementSchema = Type.Object({
  id: Id,
  identifier: Type.String(),
  name: Type.String(),
  type: FieldTypeSchema,
  length: Nullable(Type.Integer()),
  precision: Nullable(Type.Integer()),
  scale: Nullable(Type.Integer()),
  validator: Nullable(ValidatorSchema),
  codeTableId: Nullable(Id),
  codeTable: Nullable(
    Type.Object({ id: Id, identifier: Type.String(), name: Type.String(), version: Type.String() }),
  ),
  description: Type.String(),
  builtin: Type.Boolean(),
  createdAt: Time,
  updatedAt: Time,
});
export type DataElement = Static<typeof DataElementSchema>;

export const ValidateResponse = Type.Object({
  valid: Type.Boolean(),
  normalised: Type.Optional(Type.String()),
  message: Type.String({ description: 'in the caller’s language' }),
});

// --- requests ------------------------------------------------------------------------------

const Limit = (max: number, dflt: number) =>
  Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: dflt }));
const Cursor = Type.Optional(Type.String({ maxLength: 400 }));

export const ListCodeTablesQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'identifier or name contains' })),
    identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    latest: Type.Optional(Type.Boolean({ description: 'only the latest version of each identifier' })),
  },
  strict,
);
export type ListCodeTablesInput = Static<typeof ListCodeTablesQuery>;

export const CodeTableParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, description: 'uuid, or an identifier such as GB/T 2260' }),
});

export const CodeTableQuery = Type.Object(
  {
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'code prefix or label substring' }),
    ),
    parent: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'values under this code' }),
    ),
    limit: Limit(1000, 100),
    cursor: Cursor,
  },
  strict,
);
export type CodeTableQueryInput = Static<typeof CodeTableQuery>;

const Code = Type.String({ minLength: 1, maxLength: 64 });
export const CreateCodeTableBody = Type.Object(
  {
    identifier: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. GB/T 2261.1' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    version: Type.String({ minLength: 1, maxLength: 50, description: 'e.g. 2003' }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    values: Type.Array(
      Type.Object(
        {
          code: Code,
          label: Type.String({ minLength: 1, maxLength: 200 }),
          parentCode: Type.Optional(Nullable(Code)),
        },
        strict,
      ),
      { minItems: 1, maxItems: 10000 },
    ),
  },
  strict,
);
export type CreateCodeTableInput = Static<typeof CreateCodeTableBody>;

export const DataElementParams = Type.Object({ id: Id });

export const ListDataElementsQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 100, description: 'identifier or name contains' })),
    limit: Limit(200, 50),
    cursor: Cursor,
  },
  strict,
);
export type ListDataElementsInput = Static<typeof ListDataElementsQuery>;

const DataElementProps = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  type: FieldTypeSchema,
  length: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  precision: Nullable(Type.Integer({ minimum: 1, maximum: 1000 })),
  scale: Nullable(Type.Integer({ minimum: 0, maximum: 1000 })),
  validator: Nullable(ValidatorSchema),
  codeTableId: Nullable(Id),
  description: Type.String({ maxLength: 4000 }),
};

export const CreateDataElementBody = Type.Object(
  {
    identifier: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$',
      description: 'e.g. DE00001: letters, digits, . _ : / -',
    }),
    name: DataElementProps.name,
    type: DataElementProps.type,
    length: Type.Optional(DataElementProps.length),
    precision: Type.Optional(DataElementProps.precision),
    scale: Type.Optional(DataElementProps.scale),
    validator: Type.Optional(DataElementProps.validator),
    codeTableId: Type.Optional(DataElementProps.codeTableId),
    description: Type.Optional(DataElementProps.description),
  },
  strict,
);
export type CreateDataElementInput = Static<typeof CreateDataElementBody>;

export const PatchDataElementBody = Type.Object(
  {
    name: Type.Optional(DataElementProps.name),
    type: Type.Optional(DataElementProps.type),
    length: Type.Optional(DataElementProps.length),
    precision: Type.Optional(DataElementProps.precision),
    scale: Type.Optional(DataElementProps.scale),
    validator: Type.Optional(DataElementProps.validator),
    codeTableId: Type.Optional(DataElementProps.codeTableId),
    description: Type.Optional(DataElementProps.description),
  },
  strict,
);
export type PatchDataElementInput = Static<typeof PatchDataElementBody>;

export const ValidateBody = Type.Object(
  {
    validator: ValidatorKindSchema,
    value: Type.String({ maxLength: 10000 }),
    pattern: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  strict,
);
export type ValidateInput = Static<typeof ValidateBody>;

export const listOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item) });
export const pageOf = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });
