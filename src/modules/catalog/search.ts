import { Type, type Static } from 'typebox';
import type { Pool } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Actor } from '../../platform/policy/permissions.js';
import { presentSummary } from './presenters.js';
import {
  CategorySchema,
  EntrySummary,
  ENTRY_STATUSES,
  OpenTypeSchema,
  ShareTypeSchema,
  UpdateCycleSchema,
} from './schemas.js';
import type { Content } from './store.js';
import { buildSearchSql, WORD_SIMILARITY, type Keyset, type SearchSort } from './search-sql.js';
import { facetIndexOf, type FacetName } from './facet-index.js';
import { viewerOf } from './visibility.js';

/**
 * Catalog search (docs/CATALOG.md "Search"): Chinese-aware full text, fragments and typos by
 * trigrams, facets, three sorts with keyset pagination — all in PostgreSQL.
 */
export { indexVersion, indexVersions, type VersionRef } from './search-index.js';
export { segment, tsQueryOf } from './search-text.js';

const strict = { additionalProperties: false } as const;
// Repeated parameters (tag=a&tag=b) arrive as arrays; a single one is coerced to [value].
const many = <T extends Parameters<typeof Type.Array>[0]>(item: T) =>
  Type.Optional(Type.Array(item, { maxItems: 50 }));

export const SearchQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: '中文分词全文检索 + 名称模糊匹配' })),
    provider: many(Type.String({ format: 'uuid' })),
    category: many(CategorySchema),
    shareType: many(ShareTypeSchema),
    openType: many(OpenTypeSchema),
    grade: many(Type.Integer({ minimum: 1, maximum: 4 })),
    updateCycle: many(UpdateCycleSchema),
    format: many(Type.String({ minLength: 1, maxLength: 40 })),
    tag: many(Type.String({ minLength: 1, maxLength: 60 })),
    status: many(Type.Enum(ENTRY_STATUSES)),
    mine: Type.Optional(Type.Boolean({ description: "only the caller's organisation's entries" })),
    sort: Type.Optional(Type.Enum(['relevance', 'updated', 'name'] as const)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    cursor: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  strict,
);
export type SearchInput = Static<typeof SearchQuery>;

const Bucket = Type.Object({
  value: Type.String(),
  label: Type.Optional(Type.String({ description: 'the organisation name, for provider buckets' })),
  count: Type.Integer(),
});
export type FacetBucket = Static<typeof Bucket>;

export const SearchResult = Type.Object({
  items: Type.Array(EntrySummary),
  facets: Type.Object({
    provider: Type.Array(Bucket),
    category: Type.Array(Bucket),
    shareType: Type.Array(Bucket),
    openType: Type.Array(Bucket),
    grade: Type.Array(Bucket),
    updateCycle: Type.Array(Bucket),
    format: Type.Array(Bucket),
    tag: Type.Array(Bucket, { description: 'the 20 most frequent, plus any chosen tag' }),
  }),
  total: Type.Integer(),
  totalExact: Type.Boolean(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type SearchResult = Static<typeof SearchResult>;

const badCursor = () =>
  new AppError(400, 'search_cursor_invalid', {
    'zh-CN': '分页游标无效，或与当前排序方式不符；请从第一页重新查询',
    en: 'The page cursor is invalid or belongs to another sort order; start again from the first page',
  });

// The cursor is opaque to clients: base64url JSON of [sort, key, entry id].
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(k: Keyset): string {
  const key = k.sort === 'relevance' ? k.rank : k.sort === 'updated' ? k.at : k.name;
  return Buffer.from(JSON.stringify([k.sort, key, k.id])).toString('base64url');
}

export function decodeCursor(cursor: string, sort: SearchSort): Keyset {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!Array.isArray(v) || v.length !== 3 || v[0] !== sort) throw badCursor();
  const [, key, id] = v as [unknown, unknown, unknown];
  if (typeof id !== 'string' || !UUID.test(id)) throw badCursor();
  if (sort === 'relevance' && typeof key === 'number' && Number.isFinite(key)) return { sort, rank: key, id };
  if (sort === 'updated' && typeof key === 'string' && !Number.isNaN(Date.parse(key)))
    return { sort, at: key, id };
  if (sort === 'name' && typeof key === 'string' && key.length <= 400) return { sort, name: key, id };
  throw badCursor();
}

interface ItemRow {
  entryId: string;
  version: number;
  rank: number;
  sortName: string;
  sortAt: string;
  content: Content;
  status: EntrySummary['status'];
  reviewComment: string | null;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  publishedAt: string | null;
  code: string;
  publishedVersion: number | null;
  workingVersion: number;
  entryCreatedAt: string;
  entryUpdatedAt: string;
  providerOrgId: string;
  providerOrgName: string;
  providerCode: string;
  restricted: boolean;
}

const TOP_TAGS = 20;

const byCount = (a: FacetBucket, b: FacetBucket) => b.count - a.count || a.value.localeCompare(b.value);
const date = (s: string | null) => (s === null ? null : new Date(s));

/** The big-endian int4 doc ids of `string_agg(int4send(doc_id), '')`. */
function docIds(bytes: Buffer): Int32Array {
  const out = new Int32Array(bytes.length >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt32BE(i * 4);
  return out;
}

/** What one caller sees for one search. */
export async function searchEntries(
  ctx: { actor: Actor },
  pool: Pool,
  input: SearchInput,
): Promise<SearchResult> {
  const limit = input.limit ?? 20;
  const probe = buildSearchSql(ctx.actor, input, { sort: input.sort, limit });
  const after = input.cursor ? decodeCursor(input.cursor, probe.sort) : undefined;
  const sql = after ? buildSearchSql(ctx.actor, input, { sort: input.sort, limit, after }) : probe;

  // The facet index reads what was written since its last read before the page is read, so the
  // counts are never older than the page.
  const [index, viewer] = await Promise.all([facetIndexOf(pool), viewerOf(pool, ctx.actor)]);
  const client = await pool.connect();
  let row: { items: ItemRow[]; matches: Buffer | null };
  try {
    // Settings for this statement only: with words, the rows must be reached through the GIN
    // indexes — a sequential scan would read every out-of-line search_doc to test it; base is
    // kept in memory; and the fuzzy-name threshold.
    await client.query(
      `BEGIN READ ONLY; SET LOCAL work_mem = '32MB'; SET LOCAL pg_trgm.word_similarity_threshold = ${WORD_SIMILARITY};` +
        (sql.fullText ? ' SET LOCAL enable_seqscan = off;' : ''),
    );
    const res = await client.query<typeof row>(sql.text, sql.params);
    await client.query('COMMIT');
    row = res.rows[0]!;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }

  const items = row.items.slice(0, limit);
  const last = items[items.length - 1];
  let nextCursor: string | null = null;
  if (row.items.length > limit && last) {
    const id = last.entryId;
    nextCursor = encodeCursor(
      sql.sort === 'relevance'
        ? { sort: 'relevance', rank: last.rank, id }
        : sql.sort === 'updated'
          ? { sort: 'updated', at: last.sortAt, id }
          : { sort: 'name', name: last.sortName, id },
    );
  }

  const mineOrgId = input.mine
    ? ctx.actor.kind === 'user' || ctx.actor.kind === 'app'
      ? ctx.actor.orgId
      : null
    : undefined;
  const { total, counts } = index.count({
    viewer,
    matches: sql.hasWords ? docIds(row.matches ?? Buffer.alloc(0)) : null,
    status: input.status,
    mineOrgId,
    filters: {
      provider: input.provider,
      category: input.category,
      shareType: input.shareType,
      openType: input.openType,
      grade: input.grade?.map(String),
      updateCycle: input.updateCycle,
      format: input.format,
      tag: input.tag,
    },
  });
  const names = await providerNames(pool, [...counts.provider.keys()]);
  const bucketsOf = (facet: FacetName): FacetBucket[] =>
    [...counts[facet]]
      .map(([value, count]) =>
        facet === 'provider' ? { value, label: names.get(value) ?? '', count } : { value, count },
      )
      .sort(byCount);
  const chosen = new Set(input.tag ?? []);
  const facets: SearchResult['facets'] = {
    provider: bucketsOf('provider'),
    category: bucketsOf('category'),
    shareType: bucketsOf('shareType'),
    openType: bucketsOf('openType'),
    grade: bucketsOf('grade'),
    updateCycle: bucketsOf('updateCycle'),
    format: bucketsOf('format'),
    tag: bucketsOf('tag').filter((b, i) => i < TOP_TAGS || chosen.has(b.value)),
  };

  return {
    items: items.map((r) =>
      presentSummary(
        {
          id: r.entryId,
          code: r.code,
          providerOrgId: r.providerOrgId,
          providerOrgName: r.providerOrgName,
          providerCode: r.providerCode,
          publishedVersion: r.publishedVersion,
          workingVersion: r.workingVersion,
          createdAt: new Date(r.entryCreatedAt),
          updatedAt: new Date(r.entryUpdatedAt),
        },
        {
          entryId: r.entryId,
          version: r.version,
          status: r.status,
          content: r.content,
          reviewComment: r.reviewComment,
          statusReason: r.statusReason,
          createdAt: new Date(r.createdAt),
          updatedAt: new Date(r.updatedAt),
          submittedAt: date(r.submittedAt),
          publishedAt: date(r.publishedAt),
        },
        r.restricted,
      ),
    ),
    facets,
    // Exact: the facet index counts every matching row anyway.
    total,
    totalExact: true,
    nextCursor,
  };
}

/** Organisation names of the provider buckets: a few dozen rows by primary key. */
async function providerNames(pool: Pool, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const { rows } = await pool.query<{ id: string; name: string }>(
    'SELECT id, name FROM datong.orgs WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}
