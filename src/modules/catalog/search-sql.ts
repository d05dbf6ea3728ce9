import type { Actor } from '../../platform/policy/permissions.js';
import { visibilityFilter } from './visibility.js';
import { trigramText, tsQueryOf } from './search-text.js';

/**
 * The one statement of a catalog search (docs/CATALOG.md "GET /api/catalog/entries"). With words,
 * the visible rows matching them go once into a materialised `base`: the page is read from it and
 * its doc ids are returned for the facet index (facet-index.ts), which counts the total and every
 * facet in memory. Without words, the page is read straight off the sort's index.
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
  /** The statement returns the matching doc ids (4 bytes each, big-endian) as `matches`. */
  hasWords: boolean;
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
  // Each way of matching is its own branch of a UNION ALL, so that each reaches its rows through
  // its own index alone: OR-ed in one WHERE, PostgreSQL re-tests the whole OR on every row,
  // which reads (de-TOASTs) the search_doc of every candidate. Each branch has its own rank.
  const branches: { cond: string; rank: string }[] = [];
  if (q) {
    const notBefore: string[] = [];
    const branch = (cond: string, rank: string[]) => {
      branches.push({
        cond: [cond, ...notBefore.map((c) => `NOT (${c})`)].join(' AND '),
        rank: rank.length ? `(${rank.map((r) => `(${r})::float8`).join(' + ')})` : '0::float8',
      });
      notBefore.push(cond);
    };
    const t = useTrgm ? p(trgm) : '';
    const like = useTrgm ? p(`%${likeEscape(trgm)}%`) : '';
    if (tsq) {
      const tq = `to_tsquery('simple', ${p(tsq)})`;
      // Ranked on the name's own small vector: the weighted search_doc lives out of line
      // (TOAST), and reading it for every match costs ~10 µs a row, which is what the
      // index avoids. Name hits outrank everything. A name holding the text itself gets what
      // the trigram branch would give it (0.5 + a word similarity of 1); word_similarity is
      // not computed for every full-text match (a common word matches half the catalog).
      branch(`v.search_doc @@ ${tq}`, [
        `ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', v.name_doc, ${tq}, 1)`,
        ...(useTrgm ? [`CASE WHEN v.name ILIKE ${like} THEN 1.5 ELSE 0 END`] : []),
      ]);
    }
    if (useTrgm) {
      branch(`(v.name ILIKE ${like} OR ${t} <% v.name)`, [
        `CASE WHEN v.name ILIKE ${like} THEN 0.5 ELSE 0 END`,
        `word_similarity(${t}, v.name)`,
      ]);
    }
    if (CODE_LIKE.test(q)) {
      branch(
        `v.entry_id IN (SELECT id FROM datong.catalog_entries WHERE code LIKE ${p(`${likeEscape(q)}%`)})`,
        [],
      );
    }
    if (!branches.length) branches.push({ cond: 'false', rank: '0::float8' });
  }
  const hasWords = branches.length > 0;

  // The facet filters, over base's columns (with words) or the table's (without).
  const col = (name: string) => (hasWords ? name : `v.${name}`);
  const filters: string[] = [];
  for (const [facet, [name, type]] of Object.entries(SCALAR) as [Facet, [string, string]][]) {
    const values = f[facet as keyof SearchFilters] as unknown[] | undefined;
    if (values?.length) filters.push(`${col(name)} = ANY(${p(values)}::${type}[])`);
  }
  for (const [facet, name] of Object.entries(ARRAY) as ['format' | 'tag', string][]) {
    const values = f[facet];
    if (values?.length) filters.push(`${col(name)} && ${p(values)}::text[]`);
  }

  // Without words there is nothing to rank: relevance falls back to the newest first.
  const ranked = !!tsq || useTrgm;
  const sort: SearchSort =
    page.sort === 'relevance' && !ranked ? 'updated' : (page.sort ?? (ranked ? 'relevance' : 'updated'));
  const { order, seek } = ordering(sort, page.after, p);
  const limitP = p(page.limit + 1);
  const pageWhere = [...filters, ...(seek ? [seek] : [])];

  // With words, the matching visible rows go once into `base`: the page is read from it, and its
  // doc ids go back to the facet index, which counts the total and the facets in memory.
  // Without words, the page is read straight off the sort's index and the index counts every row.
  const pageCte = hasWords
    ? `base AS MATERIALIZED (${branches
        .map(
          (b) => `
  SELECT v.doc_id, v.entry_id, v.version, v.provider_org_id, v.category, v.share_type, v.open_type, v.grade,
         v.update_cycle, v.formats, v.tags, v.name, v.updated_at, ${b.rank} AS rank
    FROM datong.catalog_versions v
   WHERE ${[...where, b.cond].join('\n     AND ')}`,
        )
        .join('\n  UNION ALL')}
), page AS (
  SELECT entry_id, version, rank, name, updated_at FROM base
   WHERE ${pageWhere.join(' AND ') || 'true'}
   ORDER BY ${order} LIMIT ${limitP}
)`
    : `page AS (
  SELECT v.entry_id, v.version, 0::float8 AS rank, v.name, v.updated_at
    FROM datong.catalog_versions v
   WHERE ${[...where, ...pageWhere].join('\n     AND ')}
   ORDER BY ${order} LIMIT ${limitP}
)`;

  const text = `
WITH ${pageCte}
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
  ${hasWords ? `(SELECT coalesce(string_agg(int4send(doc_id), ''::bytea), ''::bytea) FROM base)` : 'NULL::bytea'} AS matches`;
  return { text, params, fullText: ranked, sort, hasWords };
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
