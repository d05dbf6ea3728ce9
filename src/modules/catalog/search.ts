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
import {
  buildBrowseSql,
  CODE_LIKE,
  pageRowsSql,
  typoSql,
  WORD_SIMILARITY,
  type Keyset,
  type SearchSort,
} from './search-sql.js';
import {
  facetIndexOf,
  type FacetCounts,
  type FacetIndex,
  type FacetName,
  type Scope,
} from './facet-index.js';
import { trigramText, tsQueryOf } from './search-text.js';
import { parseTsQuery } from './tsquery.js';
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

/** Microseconds since the epoch of PostgreSQL's JSON timestamptz text (or an ISO string). */
export function microsOf(at: string): number {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d(?::?\d\d)?)$/.exec(at);
  if (!m) return Date.parse(at) * 1000;
  const zone = m[3] === 'Z' || m[3]!.length > 3 ? m[3]! : `${m[3]}:00`;
  return Date.parse(`${m[1]}${zone}`) * 1000 + Number((m[2] ?? '').padEnd(6, '0'));
}

/** An ISO 8601 UTC string with PostgreSQL's microsecond precision. */
function isoOfMicros(us: number): string {
  const seconds = Math.floor(us / 1e6);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(us - seconds * 1e6).padStart(6, '0')}Z`;
}

const collator = new Intl.Collator('zh');

interface Pick {
  docId: number;
  rank: number;
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The page of a search with words, chosen in memory: the `limit` best of `picks` after `after`,
 * in the order of `sort` (relevance: rank, then entry id; updated: newest first; name: pinyin).
 */
function choosePage(
  index: FacetIndex,
  picks: Pick[],
  sort: SearchSort,
  after: Keyset | undefined,
  limit: number,
): Pick[] {
  const id = (p: Pick) => index.entryIdOf(p.docId);
  const at = (p: Pick) => index.updatedUsOf(p.docId);
  const name = (p: Pick) => index.nameOf(p.docId);
  // Negative: a comes first.
  const compare = (a: Pick, b: Pick): number => {
    if (sort === 'relevance') return b.rank - a.rank || byId(id(a), id(b));
    if (sort === 'updated') return at(b) - at(a) || byId(id(b), id(a));
    return collator.compare(name(a), name(b)) || byId(id(a), id(b));
  };
  let afterCursor: ((p: Pick) => boolean) | undefined;
  if (after?.sort === 'relevance') {
    const { rank, id: last } = after;
    afterCursor = (p) => p.rank < rank || (p.rank === rank && id(p) > last);
  } else if (after?.sort === 'updated') {
    const us = microsOf(after.at);
    const { id: last } = after;
    afterCursor = (p) => at(p) < us || (at(p) === us && id(p) < last);
  } else if (after?.sort === 'name') {
    const { name: lastName, id: last } = after;
    afterCursor = (p) => {
      const c = collator.compare(name(p), lastName);
      return c > 0 || (c === 0 && id(p) > last);
    };
  }
  // The best `limit`, kept sorted; most candidates are compared once, with the worst kept.
  const best: Pick[] = [];
  for (const p of picks) {
    if (afterCursor && !afterCursor(p)) continue;
    if (best.length === limit && compare(p, best[limit - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compare(best[mid]!, p) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, p);
    if (best.length > limit) best.pop();
  }
  return best;
}

/**
 * The tsquery as PostgreSQL normalises it; and, by pg_trgm, the names holding the text and the
 * names close to it (typos).
 */
async function askPostgres(
  pool: Pool,
  tsq: string | null,
  trgm: string | null,
  fuzzy: boolean,
): Promise<{ tsqText: string | null; holds: Set<number>; typos: Map<number, number> }> {
  const client = await pool.connect();
  try {
    let tsqText: string | null = null;
    const typos = new Map<number, number>();
    const holds = new Set<number>();
    if (tsq) {
      const r = await client.query<{ t: string }>(`SELECT to_tsquery('simple', $1)::text AS t`, [tsq]);
      tsqText = r.rows[0]?.t ?? null;
    }
    if (trgm) {
      await client.query(`BEGIN READ ONLY; SET LOCAL pg_trgm.word_similarity_threshold = ${WORD_SIMILARITY}`);
      try {
        const sql = typoSql(trgm, fuzzy);
        const r = await client.query<{ doc_id: number; sim: number | null }>(sql.text, sql.params);
        for (const row of r.rows) {
          if (row.sim === null) holds.add(row.doc_id);
          else typos.set(row.doc_id, row.sim);
        }
      } finally {
        await client.query('COMMIT');
      }
    }
    return { tsqText, holds, typos };
  } finally {
    client.release();
  }
}

/**
 * The visible versions the words of `q` find, with their rank: the full text over the index's
 * postings, names holding the text or close to it (pg_trgm), and resource-code prefixes.
 */
async function findWords(
  pool: Pool,
  index: FacetIndex,
  scope: Scope,
  q: string,
): Promise<{ docIds: Int32Array; rank: Float64Array }> {
  const tsq = tsQueryOf(q);
  const trgm = trigramText(q);
  const useTrgm = [...trgm].length >= 3;
  // Typos are looked for in a single run of text: for several words, trigram similarity over
  // every name sharing a trigram costs more than it finds.
  const { tsqText, holds, typos } = await askPostgres(pool, tsq, useTrgm ? trgm : null, !/\s/.test(trgm));
  const node = tsqText ? parseTsQuery(tsqText) : null;
  return index.findText({
    scope,
    text: node ? index.matchText(node) : null,
    holds,
    typos,
    codePrefix: CODE_LIKE.test(q) ? q : null,
  });
}

/**
 * Every version a search's words find for this caller (no page, no facet filter): what the
 * XLSX export restricts itself to, so that it exports exactly what the search shows.
 */
export async function versionsMatching(
  actor: Actor,
  pool: Pool,
  input: { q: string; status?: readonly string[] | undefined; mine?: boolean | undefined },
): Promise<{ entryIds: string[]; versions: number[] }> {
  const [index, viewer] = await Promise.all([facetIndexOf(pool), viewerOf(pool, actor)]);
  const mineOrgId = input.mine
    ? actor.kind === 'user' || actor.kind === 'app'
      ? actor.orgId
      : null
    : undefined;
  const found = await findWords(pool, index, { viewer, status: input.status, mineOrgId }, input.q.trim());
  const keys = Array.from(found.docIds, (doc) => index.key(doc));
  return { entryIds: keys.map((k) => k.entryId), versions: keys.map((k) => k.version) };
}

/** What one caller sees for one search. */
export async function searchEntries(
  ctx: { actor: Actor },
  pool: Pool,
  input: SearchInput,
): Promise<SearchResult> {
  const limit = input.limit ?? 20;
  const q = input.q?.trim() ?? '';
  const ranked = q !== '' && (!!tsQueryOf(q) || [...trigramText(q)].length >= 3);
  const sort: SearchSort =
    input.sort === 'relevance' && !ranked ? 'updated' : (input.sort ?? (ranked ? 'relevance' : 'updated'));
  const after = input.cursor ? decodeCursor(input.cursor, sort) : undefined;
  const mineOrgId = input.mine
    ? ctx.actor.kind === 'user' || ctx.actor.kind === 'app'
      ? ctx.actor.orgId
      : null
    : undefined;
  const filters = {
    provider: input.provider,
    category: input.category,
    shareType: input.shareType,
    openType: input.openType,
    grade: input.grade?.map(String),
    updateCycle: input.updateCycle,
    format: input.format,
    tag: input.tag,
  };

  // The index reads what was written since its last read before anything is counted or read.
  const [index, viewer] = await Promise.all([facetIndexOf(pool), viewerOf(pool, ctx.actor)]);
  const scope = { viewer, status: input.status, mineOrgId };

  let items: ItemRow[];
  let hasMore: boolean;
  let counted: FacetCounts;
  if (q) {
    // Words: matched, ranked, counted and paged in memory; PostgreSQL reads the page's rows.
    const found = await findWords(pool, index, scope, q);
    counted = index.count({ matches: found.docIds, scope, filters });
    const picks = counted.passing.map((i) => ({ docId: found.docIds[i]!, rank: found.rank[i]! }));
    const page = choosePage(index, picks, sort, after, limit + 1);
    const sql = pageRowsSql(
      ctx.actor,
      page.map((p) => ({ ...index.key(p.docId), rank: p.rank })),
    );
    items = (await pool.query<{ items: ItemRow[] }>(sql.text, sql.params)).rows[0]!.items;
    hasMore = page.length > limit;
  } else {
    const sql = buildBrowseSql(ctx.actor, input, { sort, limit, after });
    items = (await pool.query<{ items: ItemRow[] }>(sql.text, sql.params)).rows[0]!.items;
    hasMore = items.length > limit;
    counted = index.count({ matches: null, scope, filters });
  }
  items = items.slice(0, limit);

  const last = items[items.length - 1];
  let nextCursor: string | null = null;
  if (hasMore && last) {
    const id = last.entryId;
    nextCursor = encodeCursor(
      sort === 'relevance'
        ? { sort: 'relevance', rank: last.rank, id }
        : sort === 'updated'
          ? { sort: 'updated', at: isoOfMicros(microsOf(last.sortAt)), id }
          : { sort: 'name', name: last.sortName, id },
    );
  }
  const { total, counts } = counted;
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
