import type { Actor } from '../../platform/policy/permissions.js';
import { visibilityFilter } from './visibility.js';

/**
 * The SQL of a catalog search (docs/CATALOG.md "Search"). Words are matched in memory by the
 * search index (facet-index.ts) over the lexemes of `search_doc`; PostgreSQL normalises the
 * tsquery, finds names close to the text (pg_trgm, typos) and reads the rows of the page. Without
 * words, the page is read straight off the sort's index.
 *
 * Facets follow the usual multi-select semantics: the counts of a facet are taken over the rows
 * that pass every OTHER active filter, so choosing 省税务局 still shows how many entries the
 * other providers have. Within a facet several values mean "any of them"; facets combine with AND.
 */

export type SearchSort = 'relevance' | 'updated' | 'name';

export interface SearchFilters {
  q?: string | undefined;
  provider?: string[] | undefined;
  category?: string[] | undefined;
  shareType?: string[] | undefined;
  openType?: string[] | undefined;
  grade?: number[] | undefined;
  updateCycle?: string[] | undefined;
  format?: string[] | undefined;
  tag?: string[] | undefined;
  status?: string[] | undefined;
  mine?: boolean | undefined;
}

/** Where the previous page ended: the sort key of its last row and the entry id (tie-breaker). */
export type Keyset =
  | { sort: 'relevance'; rank: number; id: string }
  | { sort: 'updated'; at: string; id: string }
  | { sort: 'name'; name: string; id: string };

export const FACETS = [
  'provider',
  'category',
  'shareType',
  'openType',
  'grade',
  'updateCycle',
  'format',
  'tag',
] as const;
export type Facet = (typeof FACETS)[number];

/** Scalar facets: column, and the SQL type the chosen values are cast to. */
const SCALAR: Record<Exclude<Facet, 'format' | 'tag'>, [string, string]> = {
  provider: ['provider_org_id', 'uuid'],
  category: ['category', 'text'],
  shareType: ['share_type', 'text'],
  openType: ['open_type', 'text'],
  grade: ['grade', 'smallint'],
  updateCycle: ['update_cycle', 'text'],
};
const ARRAY: Record<'format' | 'tag', string> = { format: 'formats', tag: 'tags' };

export interface SearchSql {
  text: string;
  params: unknown[];
  sort: SearchSort;
}

// Word similarity above which a name counts as a fuzzy match of the query (a typo, a fragment).
export const WORD_SIMILARITY = 0.5;

export const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
/** A query shaped like a resource code (1.02.03/0000…) also matches codes by prefix. */
export const CODE_LIKE = /^[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\/[0-9]{0,6})?$/;

export interface PageRequest {
  sort?: SearchSort | undefined;
  limit: number;
  after?: Keyset | undefined;
}

/** The rows of `page p` (entry_id, version, rank, ord or sort keys) as the items' JSON. */
function itemsSql(restricted: string, order: string): string {
  return `coalesce(json_agg(json_build_object(
      'entryId', p.entry_id, 'version', p.version, 'rank', p.rank, 'sortName', v.name,
      'sortAt', v.updated_at, 'content', v.content, 'status', v.status, 'reviewComment', v.review_comment,
      'statusReason', v.status_reason, 'createdAt', v.created_at, 'updatedAt', v.updated_at,
      'submittedAt', v.submitted_at, 'publishedAt', v.published_at, 'code', e.code,
      'publishedVersion', e.published_version, 'workingVersion', e.working_version,
      'entryCreatedAt', e.created_at, 'entryUpdatedAt', e.updated_at, 'providerOrgId', e.provider_org_id,
      'providerOrgName', o.name, 'providerCode', o.uscc, 'restricted', ${restricted}
    ) ORDER BY ${order}), '[]')
     FROM page p
     JOIN datong.catalog_versions v ON v.entry_id = p.entry_id AND v.version = p.version
     JOIN datong.catalog_entries e ON e.id = p.entry_id
     JOIN datong.orgs o ON o.id = e.provider_org_id`;
}

/** A search without words: the page off the sort's index, filters and visibility in the WHERE. */
export function buildBrowseSql(actor: Actor, f: SearchFilters, page: PageRequest): SearchSql {
  const vis = visibilityFilter(actor, { alias: 'v', firstParam: 1 });
  const params: unknown[] = [...vis.params];
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [vis.sql];
  if (f.status?.length) where.push(`v.status = ANY(${p(f.status)}::text[])`);
  if (f.mine) {
    const org = actor.kind === 'user' || actor.kind === 'app' ? actor.orgId : null;
    where.push(org ? `v.provider_org_id = ${p(org)}::uuid` : 'false');
  }
  for (const [facet, [name, type]] of Object.entries(SCALAR) as [Facet, [string, string]][]) {
    const values = f[facet as keyof SearchFilters] as unknown[] | undefined;
    if (values?.length) where.push(`v.${name} = ANY(${p(values)}::${type}[])`);
  }
  for (const [facet, name] of Object.entries(ARRAY) as ['format' | 'tag', string][]) {
    const values = f[facet];
    if (values?.length) where.push(`v.${name} && ${p(values)}::text[]`);
  }
  // Without words there is nothing to rank: relevance falls back to the newest first.
  const sort: SearchSort = page.sort === 'name' ? 'name' : 'updated';
  const { order, seek } = ordering(sort, page.after, p);
  if (seek) where.push(seek);
  const text = `
WITH page AS (
  SELECT v.entry_id, v.version, 0::float8 AS rank, v.name, v.updated_at
    FROM datong.catalog_versions v
   WHERE ${where.join('\n     AND ')}
   ORDER BY ${order} LIMIT ${p(page.limit + 1)}
)
SELECT (SELECT ${itemsSql(vis.restricted, order.replace(/\b(rank|name|updated_at|entry_id)\b/g, 'p.$1'))}) AS items`;
  return { text, params, sort };
}

/** The rows of a page the search index chose, in its order, with its ranks. */
export function pageRowsSql(
  actor: Actor,
  rows: readonly { entryId: string; version: number; rank: number }[],
): { text: string; params: unknown[] } {
  const vis = visibilityFilter(actor, { alias: 'v', firstParam: 1 });
  const n = vis.params.length;
  return {
    text: `
WITH page AS (
  SELECT * FROM unnest($${n + 1}::uuid[], $${n + 2}::int[], $${n + 3}::float8[]) WITH ORDINALITY
    AS p(entry_id, version, rank, ord)
)
SELECT (SELECT ${itemsSql(vis.restricted, 'p.ord')}) AS items`,
    params: [...vis.params, rows.map((r) => r.entryId), rows.map((r) => r.version), rows.map((r) => r.rank)],
  };
}

/**
 * By pg_trgm on the name's trigram index: the names holding the text (sim null) and the names
 * close to it without holding it (a typo, with its word similarity; only when `fuzzy`); run with
 * pg_trgm.word_similarity_threshold = WORD_SIMILARITY.
 */
export function typoSql(text: string, fuzzy = true): { text: string; params: unknown[] } {
  return {
    text: `SELECT doc_id, CASE WHEN name ILIKE $2 THEN NULL ELSE word_similarity($1, name) END AS sim
             FROM datong.catalog_versions
            WHERE name ILIKE $2${fuzzy ? ' OR $1 <% name' : ''}`,
    params: [text, `%${likeEscape(text)}%`],
  };
}

function ordering(
  sort: SearchSort,
  after: Keyset | undefined,
  p: (v: unknown) => string,
): { order: string; seek: string | null } {
  if (after && after.sort !== sort) throw new Error('keyset of another sort');
  switch (sort) {
    case 'relevance':
      return {
        order: 'rank DESC, entry_id',
        seek:
          after?.sort === 'relevance'
            ? `(rank < ${p(after.rank)}::float8 OR (rank = ${p(after.rank)}::float8 AND entry_id > ${p(after.id)}::uuid))`
            : null,
      };
    case 'updated':
      return {
        order: 'updated_at DESC, entry_id DESC',
        seek:
          after?.sort === 'updated'
            ? `(updated_at, entry_id) < (${p(after.at)}::timestamptz, ${p(after.id)}::uuid)`
            : null,
      };
    case 'name':
      return {
        // Pinyin order (ICU zh); C.UTF-8 would sort Chinese by code point.
        order: 'name COLLATE "zh-x-icu", entry_id',
        seek:
          after?.sort === 'name'
            ? `(name COLLATE "zh-x-icu", entry_id) > (${p(after.name)}, ${p(after.id)}::uuid)`
            : null,
      };
  }
}
