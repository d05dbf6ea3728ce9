import type { Queryable } from '../../platform/db/pool.js';
import { CATEGORIES, type Category, type Entry } from '../catalog/schemas.js';
import {
  countOpenByCategory,
  findOrg,
  listOpenOrgs,
  loadOpenEntry,
  searchOpen,
} from '../catalog/open/query.js';
import { CATEGORY_LABELS } from '../catalog/open/vocab.js';
import { epochDayOf, isoDay, shanghaiDay } from '../sharing/calendar.js';
import { accessOf, findPublication, type Publication, type Reader } from './public-data.js';

/**
 * The portal's lists (docs/OPENING.md "DatasetCard"): the home page and the search. Which entries
 * are listed is the catalog's open query (src/modules/catalog/open/query.ts: published, openType
 * ≠ none); whether data can be read is the open publication's (unconditional entries only).
 */

export const HOME_LIST = 10;
export const POPULAR_DAYS = 30;

export interface DatasetCard {
  entryId: string;
  code: string;
  name: string;
  summary: string;
  category: Category;
  providerOrgId: string;
  providerOrgName: string;
  openType: Entry['openType'];
  tags: string[];
  updateCycle: Entry['updateCycle'];
  publishedAt: string | null;
  dataAvailable: boolean;
  rowCount: number | null;
  downloads: number;
}

/** The publication `reader` may read (lists pass none: only unconditional entries' count). */
export async function readablePublication(
  q: Queryable,
  entry: Entry,
  reader?: Reader,
): Promise<Publication | null> {
  if (!(await accessOf(q, entry, reader))) return null;
  const p = await findPublication(q, entry.id);
  return p && p.columns.length ? p : null;
}

export async function downloadsOf(q: Queryable, entryIds: string[]): Promise<Map<string, number>> {
  if (!entryIds.length) return new Map();
  const { rows } = await q.query<{ entry_id: string; n: number }>(
    `SELECT entry_id::text, sum(downloads)::int8 AS n FROM datong.open_downloads
      WHERE entry_id = ANY($1::uuid[]) GROUP BY entry_id`,
    [entryIds],
  );
  return new Map(rows.map((r) => [r.entry_id, Number(r.n)]));
}

export function cardOf(entry: Entry, publication: Publication | null, downloads: number): DatasetCard {
  return {
    entryId: entry.id,
    code: entry.code,
    name: entry.name,
    summary: entry.summary,
    category: entry.category,
    providerOrgId: entry.providerOrgId,
    providerOrgName: entry.providerOrgName,
    openType: entry.openType,
    tags: entry.tags,
    updateCycle: entry.updateCycle,
    publishedAt: publication?.publishedAt?.toISOString() ?? entry.publishedAt ?? null,
    dataAvailable: publication !== null,
    rowCount: publication ? publication.rowCount : null,
    downloads,
  };
}

export async function cardsOf(q: Queryable, entries: Entry[]): Promise<DatasetCard[]> {
  const downloads = await downloadsOf(
    q,
    entries.map((e) => e.id),
  );
  return Promise.all(
    entries.map(async (e) => cardOf(e, await readablePublication(q, e), downloads.get(e.id) ?? 0)),
  );
}

async function loadAll(q: Queryable, ids: string[]): Promise<Entry[]> {
  const entries = await Promise.all(ids.map((id) => loadOpenEntry(q, id)));
  return entries.filter((e): e is Entry => e !== null);
}

/** Open entries, newest publication first (the open version's time, else the catalog's). */
async function newest(q: Queryable, limit: number): Promise<Entry[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT e.id FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
       LEFT JOIN datong.open_publications p ON p.entry_id = e.id AND p.status = 'published'
            AND p.current_version > 0 AND v.open_type = 'unconditional'
      WHERE v.status = 'published' AND v.open_type <> 'none'
      ORDER BY coalesce(p.published_at, v.published_at) DESC NULLS LAST, e.id
      LIMIT $1`,
    [limit],
  );
  return loadAll(
    q,
    rows.map((r) => r.id),
  );
}

/** Entries by downloads over the last POPULAR_DAYS Shanghai days (today included). */
async function popular(q: Queryable, now: Date, limit: number): Promise<{ entry: Entry; recent: number }[]> {
  const since = isoDay(epochDayOf(shanghaiDay(now)) - (POPULAR_DAYS - 1));
  const { rows } = await q.query<{ entry_id: string; n: number }>(
    `SELECT entry_id::text, sum(downloads)::int8 AS n FROM datong.open_downloads
      WHERE day >= $1::date GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT $2`,
    [since, limit * 3],
  );
  const out: { entry: Entry; recent: number }[] = [];
  for (const r of rows) {
    const entry = await loadOpenEntry(q, r.entry_id);
    if (entry) out.push({ entry, recent: Number(r.n) });
    if (out.length === limit) break;
  }
  return out;
}

export interface Home {
  categories: { category: Category; name: string; nameEn: string; count: number }[];
  departments: { orgId: string; name: string; uscc: string; count: number }[];
  newest: DatasetCard[];
  popular: (DatasetCard & { recentDownloads: number })[];
  totals: { entries: number; withData: number };
}

export async function home(q: Queryable, now: Date): Promise<Home> {
  const counts = await countOpenByCategory(q);
  const orgs = await listOpenOrgs(q);
  const top = await popular(q, now, HOME_LIST);
  const popularCards = await cardsOf(
    q,
    top.map((t) => t.entry),
  );
  const { rows: withData } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM datong.open_publications p
       JOIN datong.catalog_entries e ON e.id = p.entry_id
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE p.status = 'published' AND p.current_version > 0
        AND v.status = 'published' AND v.open_type = 'unconditional'`,
  );
  return {
    categories: CATEGORIES.map((c) => ({
      category: c,
      name: CATEGORY_LABELS[c].zh,
      nameEn: CATEGORY_LABELS[c].en,
      count: counts.get(c) ?? 0,
    })),
    departments: orgs.map(({ org, count }) => ({ orgId: org.id, name: org.name, uscc: org.uscc, count })),
    newest: await cardsOf(q, await newest(q, HOME_LIST)),
    popular: popularCards.map((c, i) => ({ ...c, recentDownloads: top[i]!.recent })),
    totals: { entries: [...counts.values()].reduce((a, b) => a + b, 0), withData: withData[0]?.n ?? 0 },
  };
}

export interface SearchInput {
  q?: string | undefined;
  category?: Category | undefined;
  org?: string | undefined;
  page: number;
  pageSize: number;
}

/** The portal's search: the catalog's open search (relevance when q is given, else newest). */
export async function search(
  q: Queryable,
  input: SearchInput,
): Promise<{ total: number; page: number; pageSize: number; items: DatasetCard[] }> {
  const none = { total: 0, page: input.page, pageSize: input.pageSize, items: [] };
  let orgUsccs: string[] | undefined;
  if (input.org) {
    const found = await findOrg(q, input.org.trim()).catch(() => null);
    if (!found) return none;
    orgUsccs = [found.org.uscc];
  }
  const { count, entries } = await searchOpen(
    q,
    {
      q: input.q,
      ...(orgUsccs ? { orgUsccs } : {}),
      ...(input.category ? { categories: [input.category] } : {}),
    },
    {
      sort: input.q?.trim() ? 'relevance' : 'updated',
      limit: input.pageSize,
      offset: (input.page - 1) * input.pageSize,
    },
  );
  return { total: count, page: input.page, pageSize: input.pageSize, items: await cardsOf(q, entries) };
}
