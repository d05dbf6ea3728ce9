import type { Actor } from '../../platform/policy/permissions.js';
import { visibilityFilter } from './visibility.js';
import { trigramText, tsQueryOf } from './search-text.js';

/**
 * The one statement of a catalog search (docs/CATALOG.md "GET /api/catalog/entries"): the visible
 * rows matching the query go once into a materialised `base`; the page, the total and every
 * facet are read from it, so a search is a single round trip whatever the filters.
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
  /** The query had words: the plan must reach the rows through the GIN indexes. */
  fullText: boolean;
  sort: SearchSort;
}

// Word similarity above which a name counts as a fuzzy match of the query (a typo, a fragment).
export const WORD_SIMILARITY = 0.5;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const CODE_LIKE = /^[0-9]{1,3}(\.[0-9]{1,3}){0,3}(\/[0-9]{0,6})?$/;

export interface PageRequest {
  sort?: SearchSort | undefined;
  limit: number;
  after?: Keyset | undefined;
}

export function buildSearchSql(actor: Actor, f: SearchFilters, page: PageRequest): SearchSql {
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

  // The query: full text over the segmented words, or the name holding the text (a fragment
  // jieba cuts differently), or a name close to it (a typo), or a resource-code prefix.
  const q = f.q?.trim() ?? '';
  const tsq = q ? tsQueryOf(q) : null;
  const trgm = trigramText(q);
  const useTrgm = [...trgm].length >= 3;
  const rank: string[] = [];
  // Each way of matching is its own branch of a UNION ALL, so that each reaches its rows through
  // its own index alone: OR-ed in one WHERE, PostgreSQL re-tests the whole OR on every row,
  // which reads (de-TOASTs) the search_doc of every candidate.
  const branches: string[] = [];
  if (q) {
    const notBefore: string[] = [];
    const branch = (cond: string) => {
      branches.push([cond, ...notBefore.map((c) => `NOT (${c})`)].join(' AND '));
      notBefore.push(cond);
    };
    if (tsq) {
      const tq = `to_tsquery('simple', ${p(tsq)})`;
      branch(`v.search_doc @@ ${tq}`);
      // Ranked on the name's own small vector: the weighted search_doc lives out of line
      // (TOAST), and reading it for every match costs ~10 µs a row, which is what the
      // index avoids. Name hits outrank everything; other matches rank by similarity below.
      rank.push(`ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', v.name_doc, ${tq}, 1)`);
    }
    if (useTrgm) {
      const t = p(trgm);
      const like = p(`%${likeEscape(trgm)}%`);
      branch(`(v.name ILIKE ${like} OR ${t} <% v.name)`);
      rank.push(`CASE WHEN v.name ILIKE ${like} THEN 0.5 ELSE 0 END`, `word_similarity(${t}, v.name)`);
    }
    if (CODE_LIKE.test(q)) {
      branch(
        `v.entry_id IN (SELECT id FROM datong.catalog_entries WHERE code LIKE ${p(`${likeEscape(q)}%`)})`,
      );
    }
    if (!branches.length) branches.push('false');
  }
  const rankExpr = rank.length ? `(${rank.map((r) => `(${r})::float8`).join(' + ')})` : '0::float8';

  // One flag per active facet filter.
  const active: [Facet, string][] = [];
  for (const [facet, [col, type]] of Object.entries(SCALAR) as [Facet, [string, string]][]) {
    const values = f[facet as keyof SearchFilters] as unknown[] | undefined;
    if (values?.length) active.push([facet, `v.${col} = ANY(${p(values)}::${type}[])`]);
  }
  for (const [facet, col] of Object.entries(ARRAY) as ['format' | 'tag', string][]) {
    const values = f[facet];
    if (values?.length) active.push([facet, `v.${col} && ${p(values)}::text[]`]);
  }
  const flag = (facet: Facet) => `m_${facet}`;
  const allOf = (except?: Facet) =>
    active
      .filter(([facet]) => facet !== except)
      .map(([facet]) => flag(facet))
      .join(' AND ') || 'true';
  // A row failing two filters counts in no facet: leave it out of base.
  if (active.length > 1) where.push(`(${active.map(([, sql]) => `(NOT ${sql})::int`).join(' + ')}) <= 1`);
  const flags = active.map(([facet, sql]) => `, ${sql} AS ${flag(facet)}`).join('');
  const count = (facet?: Facet) => `count(*) FILTER (WHERE ${allOf(facet)})`;

  // Without words there is nothing to rank: relevance falls back to the newest first.
  const ranked = !!tsq || useTrgm;
  const sort: SearchSort =
    page.sort === 'relevance' && !ranked ? 'updated' : (page.sort ?? (ranked ? 'relevance' : 'updated'));
  const { order, seek } = ordering(sort, page.after, p);
  const limitP = p(page.limit + 1);

  const text = `
WITH base AS MATERIALIZED (${(branches.length ? branches : ['true'])
    .map(
      (b) => `
  SELECT v.entry_id, v.version, v.provider_org_id, v.category, v.share_type, v.open_type, v.grade,
         v.update_cycle, v.formats, v.tags, v.name, v.updated_at, ${rankExpr} AS rank${flags}
    FROM datong.catalog_versions v
   WHERE ${[...where, b].join('\n     AND ')}`,
    )
    .join('\n  UNION ALL')}
), page AS (
  SELECT entry_id, version, rank, name, updated_at FROM base
   WHERE ${allOf()} ${seek ? `AND ${seek}` : ''}
   ORDER BY ${order} LIMIT ${limitP}
), scalar AS (
  SELECT GROUPING(provider_org_id) AS g_provider, GROUPING(category) AS g_category,
         GROUPING(share_type) AS g_share, GROUPING(open_type) AS g_open, GROUPING(grade) AS g_grade,
         GROUPING(update_cycle) AS g_cycle, provider_org_id, category, share_type, open_type, grade, update_cycle,
         ${count('provider')} AS n_provider, ${count('category')} AS n_category,
         ${count('shareType')} AS n_share, ${count('openType')} AS n_open, ${count('grade')} AS n_grade,
         ${count('updateCycle')} AS n_cycle, ${count()} AS n_all
    FROM base
   GROUP BY GROUPING SETS ((provider_org_id), (category), (share_type), (open_type), (grade), (update_cycle), ())
), arrays AS (
  -- formats and tags in one pass: the first cardinality(formats) elements are formats.
  SELECT CASE WHEN x.i <= cardinality(b.formats) THEN 'format' ELSE 'tag' END AS facet, x.value,
         count(*) FILTER (WHERE CASE WHEN x.i <= cardinality(b.formats) THEN ${allOf('format')}
                                     ELSE ${allOf('tag')} END) AS n
    FROM base b, unnest(b.formats || b.tags) WITH ORDINALITY AS x(value, i)
   GROUP BY 1, 2
)
SELECT
  (SELECT coalesce(json_agg(json_build_object(
      'entryId', p.entry_id, 'version', p.version, 'rank', p.rank, 'sortName', p.name,
      'sortAt', p.updated_at, 'content', v.content, 'status', v.status, 'reviewComment', v.review_comment,
      'statusReason', v.status_reason, 'createdAt', v.created_at, 'updatedAt', v.updated_at,
      'submittedAt', v.submitted_at, 'publishedAt', v.published_at, 'code', e.code,
      'publishedVersion', e.published_version, 'workingVersion', e.working_version,
      'entryCreatedAt', e.created_at, 'entryUpdatedAt', e.updated_at, 'providerOrgId', e.provider_org_id,
      'providerOrgName', o.name, 'providerCode', o.uscc, 'restricted', ${vis.restricted}
    ) ORDER BY ${order.replace(/\b(rank|name|updated_at|entry_id)\b/g, 'p.$1')}), '[]')
     FROM page p
     JOIN datong.catalog_versions v ON v.entry_id = p.entry_id AND v.version = p.version
     JOIN datong.catalog_entries e ON e.id = p.entry_id
     JOIN datong.orgs o ON o.id = e.provider_org_id) AS items,
  (SELECT coalesce(json_agg(json_build_object(
      'g', ARRAY[g_provider, g_category, g_share, g_open, g_grade, g_cycle],
      'provider', s.provider_org_id, 'providerName', o.name, 'category', category, 'shareType', share_type,
      'openType', open_type, 'grade', grade, 'updateCycle', update_cycle,
      'n', ARRAY[n_provider, n_category, n_share, n_open, n_grade, n_cycle, n_all])), '[]')
     FROM scalar s LEFT JOIN datong.orgs o ON o.id = s.provider_org_id) AS scalar,
  (SELECT coalesce(json_agg(a), '[]') FROM arrays a WHERE a.n > 0) AS arrays`;
  return { text, params, fullText: ranked, sort };
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
