import type { Queryable } from '../../../platform/db/pool.js';
import { presentEntry } from '../presenters.js';
import { getEntry, getEntryByCode, getVersion } from '../store.js';
import type { Category, Entry } from '../schemas.js';
import { trigramText, tsQueryOf } from '../search-text.js';
import type { CkanSort, FacetField } from './ckan.js';
import type { OrgInfo } from './ckan.js';

/**
 * What the open interfaces read: published versions with openType ≠ 'none' (docs/CATALOG.md
 * "Visibility", the public audience) — nothing else ever leaves through them. Entries are loaded
 * through the catalog store and presenter, so an open entry looks the same here as in the API.
 */

const OPEN = `v.entry_id = e.id AND v.version = e.published_version AND v.status = 'published'
  AND v.open_type <> 'none'`;

export interface OpenFilter {
  q?: string | undefined;
  /** Provider 统一社会信用代码s (CKAN organisation names, any case). */
  orgUsccs?: string[];
  tags?: string[];
  formats?: string[];
  categories?: Category[];
}

export interface OpenPage {
  sort: CkanSort;
  limit: number;
  offset: number;
}

export interface FacetItem {
  name: string;
  display_name: string;
  count: number;
}

function where(f: OpenFilter, params: unknown[]): string {
  const clauses = [OPEN];
  const add = (value: unknown): string => `$${params.push(value)}`;
  if (f.orgUsccs?.length) clauses.push(`upper(o.uscc) = ANY(${add(f.orgUsccs.map((u) => u.toUpperCase()))})`);
  // Each chosen tag/format must be present (CKAN fq terms are ANDed).
  if (f.tags?.length) clauses.push(`v.tags @> ${add(f.tags)}::text[]`);
  if (f.formats?.length) clauses.push(`v.formats @> ${add(f.formats.map((x) => x.toLowerCase()))}::text[]`);
  if (f.categories?.length) clauses.push(`v.category = ANY(${add(f.categories)})`);
  const q = f.q?.trim();
  if (q && q !== '*:*') {
    const ts = tsQueryOf(q);
    const name = add(trigramText(q));
    clauses.push(
      ts
        ? `(v.search_doc @@ to_tsquery('simple', ${add(ts)}) OR v.name ILIKE '%' || ${name} || '%')`
        : `v.name ILIKE '%' || ${name} || '%'`,
    );
  }
  return clauses.join(' AND ');
}

const FROM = `datong.catalog_entries e JOIN datong.catalog_versions v ON v.entry_id = e.id
  JOIN datong.orgs o ON o.id = e.provider_org_id`;

function orderBy(sort: CkanSort, f: OpenFilter, params: unknown[]): string {
  const ts = f.q && f.q.trim() !== '*:*' ? tsQueryOf(f.q) : null;
  if (sort === 'name') return `v.name COLLATE "zh-x-icu", e.id`;
  if (sort === 'relevance' && ts) {
    return `ts_rank(v.search_doc, to_tsquery('simple', $${params.push(ts)})) DESC, e.updated_at DESC, e.id`;
  }
  return 'e.updated_at DESC, e.id DESC';
}

/** One page of open entries matching the filter, with the total. */
export async function searchOpen(
  q: Queryable,
  f: OpenFilter,
  page: OpenPage,
): Promise<{ count: number; entries: Entry[] }> {
  const params: unknown[] = [];
  const w = where(f, params);
  const { rows: countRows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${FROM} WHERE ${w}`,
    params,
  );
  const order = orderBy(page.sort, f, params);
  const { rows } = await q.query<{ id: string }>(
    `SELECT e.id FROM ${FROM} WHERE ${w} ORDER BY ${order}
     LIMIT $${params.push(page.limit)} OFFSET $${params.push(page.offset)}`,
    params,
  );
  const entries = await Promise.all(rows.map((r) => loadOpenEntry(q, r.id)));
  return { count: countRows[0]?.n ?? 0, entries: entries.filter((e): e is Entry => e !== null) };
}

/** Facet counts over the whole filtered set (not just the page), as Solr computes them. */
export async function facetOpen(
  q: Queryable,
  f: OpenFilter,
  field: FacetField,
  limit: number,
): Promise<FacetItem[]> {
  const params: unknown[] = [];
  const w = where(f, params);
  const lim = `$${params.push(limit)}`;
  const sql: Record<FacetField, string> = {
    organization: `SELECT lower(o.uscc) AS name, o.name AS display_name, count(*)::int AS count
      FROM ${FROM} WHERE ${w} GROUP BY o.uscc, o.name ORDER BY count DESC, name LIMIT ${lim}`,
    tags: `SELECT t AS name, t AS display_name, count(*)::int AS count
      FROM ${FROM} CROSS JOIN LATERAL unnest(v.tags) t WHERE ${w} GROUP BY t ORDER BY count DESC, t LIMIT ${lim}`,
    res_format: `SELECT upper(t) AS name, upper(t) AS display_name, count(*)::int AS count
      FROM ${FROM} CROSS JOIN LATERAL unnest(v.formats) t WHERE ${w} GROUP BY t ORDER BY count DESC, t LIMIT ${lim}`,
    groups: `SELECT v.category AS name, v.category AS display_name, count(*)::int AS count
      FROM ${FROM} WHERE ${w} GROUP BY v.category ORDER BY count DESC, name LIMIT ${lim}`,
  };
  const { rows } = await q.query<FacetItem>(sql[field], params);
  return rows;
}

/** The published version of an entry, if it is open; null otherwise (it doesn't exist for the public). */
export async function loadOpenEntry(q: Queryable, entryId: string): Promise<Entry | null> {
  const entry = await getEntry(q, entryId);
  if (!entry || entry.publishedVersion === null) return null;
  const version = await getVersion(q, entry.id, entry.publishedVersion);
  if (!version || version.status !== 'published' || version.content.openType === 'none') return null;
  // As the core's open listing does: a 不予共享 entry's field dictionary stays out of the open interfaces.
  return presentEntry(entry, version, version.content.shareType === 'none');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** By id, resource code or CKAN name (the code's slug). */
export async function findOpenEntry(q: Queryable, ref: string, codeOfSlug: (s: string) => string | null) {
  if (UUID.test(ref)) return loadOpenEntry(q, ref.toLowerCase());
  const code = codeOfSlug(ref) ?? ref;
  const row = await getEntryByCode(q, code);
  return row ? loadOpenEntry(q, row.id) : null;
}

/** Resource names (CKAN package names) of open entries, in code order. */
export async function listOpenCodes(q: Queryable, limit: number, offset: number): Promise<string[]> {
  const { rows } = await q.query<{ code: string }>(
    `SELECT e.code FROM ${FROM} WHERE ${OPEN} ORDER BY e.code LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
  return rows.map((r) => r.code);
}

/** Organisations that provide at least one open entry, with their counts. */
export async function listOpenOrgs(q: Queryable): Promise<{ org: OrgInfo; count: number }[]> {
  const { rows } = await q.query<OrgInfo & { count: number }>(
    `SELECT o.id, o.name, o.uscc, o.created_at AS "createdAt", count(*)::int AS count
     FROM ${FROM} WHERE ${OPEN} GROUP BY o.id ORDER BY o.name COLLATE "zh-x-icu"`,
  );
  return rows.map(({ count, ...org }) => ({ org, count }));
}

/** One organisation by id or CKAN name (lower-case 统一社会信用代码), whether or not it has open entries. */
export async function findOrg(q: Queryable, ref: string): Promise<{ org: OrgInfo; count: number } | null> {
  const byId = UUID.test(ref);
  const { rows } = await q.query<OrgInfo & { count: number }>(
    `SELECT o.id, o.name, o.uscc, o.created_at AS "createdAt",
       (SELECT count(*)::int FROM datong.catalog_entries e JOIN datong.catalog_versions v ON ${OPEN}
        WHERE e.provider_org_id = o.id) AS count
     FROM datong.orgs o WHERE ${byId ? 'o.id = $1::uuid' : 'o.uscc = upper($1)'}`,
    [ref],
  );
  const r = rows[0];
  if (!r) return null;
  const { count, ...org } = r;
  return { org, count };
}

/** Open-entry counts per category (CKAN groups). */
export async function countOpenByCategory(q: Queryable): Promise<Map<Category, number>> {
  const { rows } = await q.query<{ category: Category; n: number }>(
    `SELECT v.category, count(*)::int AS n FROM ${FROM} WHERE ${OPEN} GROUP BY v.category`,
  );
  return new Map(rows.map((r) => [r.category, r.n]));
}

export async function orgOfEntry(q: Queryable, entry: Entry): Promise<OrgInfo> {
  const { rows } = await q.query<OrgInfo>(
    `SELECT id, name, uscc, created_at AS "createdAt" FROM datong.orgs WHERE id = $1`,
    [entry.providerOrgId],
  );
  return rows[0]!;
}

/** One page of open entries in resource-code order (stable across pages), with the total. */
export async function pageOpen(
  q: Queryable,
  limit: number,
  offset: number,
): Promise<{ count: number; entries: Entry[] }> {
  const { rows: countRows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${FROM} WHERE ${OPEN}`,
  );
  const { rows } = await q.query<{ id: string }>(
    `SELECT e.id FROM ${FROM} WHERE ${OPEN} ORDER BY e.code LIMIT $1 OFFSET $2`,
    [limit, offset],
  );
  const entries = await Promise.all(rows.map((r) => loadOpenEntry(q, r.id)));
  return { count: countRows[0]?.n ?? 0, entries: entries.filter((e): e is Entry => e !== null) };
}
