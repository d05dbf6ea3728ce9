import { Type } from 'typebox';
import { CategorySchema, FieldTypeSchema, OpenTypeSchema, UpdateCycleSchema } from '../catalog/schemas.js';
import { MAX_LIMIT, MAX_OFFSET } from './public-data.js';
import { DOWNLOAD_FORMATS } from './public-download.js';

/** TypeBox schemas of the public API (docs/OPENING.md "Public API — shapes and decisions"). */

const strict = { additionalProperties: false } as const;
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

export const EntryParams = Type.Object({ entryId: Type.String({ maxLength: 100 }) });

const cardProperties = {
  entryId: Type.String(),
  code: Type.String(),
  name: Type.String(),
  summary: Type.String(),
  category: CategorySchema,
  providerOrgId: Type.String(),
  providerOrgName: Type.String(),
  openType: OpenTypeSchema,
  tags: Type.Array(Type.String()),
  updateCycle: UpdateCycleSchema,
  publishedAt: Nullable(Time),
  dataAvailable: Type.Boolean(),
  rowCount: Type.Union([Type.Integer(), Type.Null()]),
  downloads: Type.Integer(),
};
export const DatasetCardSchema = Type.Object(cardProperties);

export const HomeSchema = Type.Object({
  categories: Type.Array(
    Type.Object({
      category: CategorySchema,
      name: Type.String(),
      nameEn: Type.String(),
      count: Type.Integer(),
    }),
  ),
  departments: Type.Array(
    Type.Object({ orgId: Type.String(), name: Type.String(), uscc: Type.String(), count: Type.Integer() }),
  ),
  newest: Type.Array(DatasetCardSchema),
  popular: Type.Array(Type.Object({ ...cardProperties, recentDownloads: Type.Integer() })),
  totals: Type.Object({ entries: Type.Integer(), withData: Type.Integer() }),
});

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200 })),
    category: Type.Optional(CategorySchema),
    org: Type.Optional(Type.String({ maxLength: 100, description: 'organisation id or 统一社会信用代码' })),
    page: Type.Integer({ minimum: 1, maximum: 100_000, default: 1 }),
    pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  },
  strict,
);

export const SearchSchema = Type.Object({
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
  items: Type.Array(DatasetCardSchema),
});

const ColumnSchema = Type.Object({ code: Type.String(), name: Type.String(), type: Type.String() });

export const DatasetSchema = Type.Object({
  ...cardProperties,
  licence: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  refreshedAt: Nullable(Time),
  columns: Type.Array(
    Type.Object({
      code: Type.String(),
      name: Type.String(),
      type: Type.Union([FieldTypeSchema, Type.String()]),
      description: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  api: Type.Object({
    rows: Type.String(),
    aggregate: Type.String(),
    download: Type.String(),
    datastoreSearch: Type.String(),
  }),
});

const filterProps = {
  filters: Type.Optional(
    Type.String({
      maxLength: 20_000,
      description: 'JSON: {"code": value | [values] | null} or a condition ({field, op, …}, {and|or|not})',
    }),
  ),
  q: Type.Optional(Type.String({ maxLength: 1000, description: 'text that every word of must appear' })),
};

export const RowsQuery = Type.Object(
  {
    ...filterProps,
    fields: Type.Optional(Type.String({ maxLength: 5000, description: 'comma-separated codes' })),
    sort: Type.Optional(Type.String({ maxLength: 1000, description: 'e.g. "code asc, other desc"' })),
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: MAX_OFFSET, default: 0 }),
  },
  strict,
);

export const RowsSchema = Type.Object({
  columns: Type.Array(ColumnSchema),
  rows: Type.Array(Type.Record(Type.String(), Type.Unknown())),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const AggregateQuery = Type.Object(
  {
    ...filterProps,
    groupBy: Type.String({ minLength: 1, maxLength: 200 }),
    measure: Type.String({
      maxLength: 210,
      default: 'count',
      description: 'count | sum:<code> | avg:<code>',
    }),
    regionLevel: Type.Optional(Type.Enum(['province', 'city'])),
  },
  strict,
);

export const AggregateSchema = Type.Object({
  groupBy: Type.String(),
  measure: Type.String(),
  regionLevel: Type.Union([Type.Enum(['province', 'city']), Type.Null()]),
  rows: Type.Array(Type.Object({ key: Type.Unknown(), value: Type.Number() })),
  truncated: Type.Boolean(),
});

export const DownloadQuery = Type.Object(
  {
    ...filterProps,
    format: Type.Enum(DOWNLOAD_FORMATS),
    header: Type.Enum(['code', 'name'], { default: 'code' }),
    fields: Type.Optional(Type.String({ maxLength: 5000 })),
    sort: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  strict,
);
