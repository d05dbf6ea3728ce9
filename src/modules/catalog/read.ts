import type { Queryable } from '../../platform/db/pool.js';
import { notFound } from '../../platform/http/errors.js';
import type { CatalogContext } from './context.js';
import { diffVersions } from './diff.js';
import { catalogProblem } from './messages.js';
import { presentEntry, presentSummary } from './presenters.js';
import type { Entry, EntryDiff, EntrySummary, VersionStatus } from './schemas.js';
import * as store from './store.js';
import type { EntryRow, VersionRow } from './store.js';
import {
  isRestricted,
  maintains,
  pastVersionVisible,
  publiclyVisible,
  viewerOf,
  type Viewer,
} from './visibility.js';

/** Reading the catalog with visibility applied; what a caller may not see is reported as missing. */

interface Access {
  viewer: Viewer;
  entry: EntryRow;
  /** The caller maintains the entry (or reviews): every version is theirs to see. */
  full: boolean;
}

async function access(ctx: CatalogContext, q: Queryable, id: string): Promise<Access> {
  const viewer = await viewerOf(q, ctx.actor);
  const entry = await store.getEntry(q, id);
  if (!entry) throw notFound();
  if (maintains(viewer, entry.providerOrgId)) return { viewer, entry, full: true };
  const current = entry.publishedVersion ? await store.getVersion(q, id, entry.publishedVersion) : undefined;
  if (!publiclyVisible(viewer, current)) throw notFound();
  return { viewer, entry, full: false };
}

function canSee(a: Access, version: VersionRow): boolean {
  return a.full || pastVersionVisible(a.viewer, a.entry, version);
}

/**
 * An entry as the caller may see it: by default the working version for its maintainers and
 * reviewers, the public version for everyone else; `version` picks another one they may see.
 */
export async function getEntry(
  ctx: CatalogContext,
  q: Queryable,
  id: string,
  version?: number,
): Promise<Entry> {
  const a = await access(ctx, q, id);
  const n = version ?? (a.full ? a.entry.workingVersion : a.entry.publishedVersion);
  if (n === null) throw notFound();
  const row = await store.getVersion(q, id, n);
  if (!row || !canSee(a, row)) throw catalogProblem(404, 'version_unknown', { version: n });
  return presentEntry(a.entry, row, isRestricted(a.viewer, a.entry, row));
}

export interface VersionItem {
  version: number;
  status: VersionStatus;
  createdAt: string;
  publishedAt: string | null;
}

export async function listEntryVersions(
  ctx: CatalogContext,
  q: Queryable,
  id: string,
): Promise<VersionItem[]> {
  const a = await access(ctx, q, id);
  return (await store.listVersions(q, id))
    .filter((v) => canSee(a, v))
    .map((v) => ({
      version: v.version,
      status: v.status,
      createdAt: v.createdAt.toISOString(),
      publishedAt: v.publishedAt?.toISOString() ?? null,
    }));
}

/**
 * Field-level difference between two versions the caller may see. A restricted caller (不予共享
 * entry of another department) sees no fields, so the diff shows no field changes either.
 */
export async function getEntryDiff(
  ctx: CatalogContext,
  q: Queryable,
  id: string,
  from: number,
  to: number,
): Promise<EntryDiff> {
  const a = await access(ctx, q, id);
  const [before, after] = await Promise.all([store.getVersion(q, id, from), store.getVersion(q, id, to)]);
  if (!before || !canSee(a, before)) throw catalogProblem(404, 'version_unknown', { version: from });
  if (!after || !canSee(a, after)) throw catalogProblem(404, 'version_unknown', { version: to });
  const restricted = isRestricted(a.viewer, a.entry, before) || isRestricted(a.viewer, a.entry, after);
  const strip = (v: VersionRow) => (restricted ? { ...v.content, fields: [] } : v.content);
  return { from, to, ...diffVersions(strip(before), strip(after)) };
}

export interface HistoryItem {
  action: string;
  version: number;
  fromStatus: string | null;
  toStatus: string;
  actorName: string | null;
  comment: string | null;
  at: string;
}

/** Public steps only (approve, deprecate) for non-maintainers: review comments are internal. */
const PUBLIC_ACTIONS = new Set(['approve', 'deprecate']);

export async function getEntryHistory(ctx: CatalogContext, q: Queryable, id: string): Promise<HistoryItem[]> {
  const a = await access(ctx, q, id);
  const visible = new Set(
    (await store.listVersions(q, id)).filter((v) => canSee(a, v)).map((v) => v.version),
  );
  return (await store.listTransitions(q, id))
    .filter((t) => a.full || (PUBLIC_ACTIONS.has(t.action) && visible.has(t.version)))
    .map((t) => ({ ...t, at: t.at.toISOString() }));
}

/** Submitted versions awaiting a reviewer, oldest submission first. */
export async function reviewQueue(ctx: CatalogContext, q: Queryable, limit = 200): Promise<EntrySummary[]> {
  const viewer = await viewerOf(q, ctx.actor);
  if (!viewer.reviewer) return [];
  const rows = await store.listEntryVersions(q, "v.status = 'submitted'", [], 'v.submitted_at, e.id', limit);
  return rows.map((r) => presentSummary(r.entry, r.version));
}

// --- open data (CKAN, DCAT, data.json): published entries with openType ≠ none --------------

const OPEN = "v.status = 'published' AND v.open_type <> 'none' AND v.version = e.published_version";

/**
 * Open entries in resource-code order, `after` a code (keyset paging). Their field dictionaries
 * are public unless the entry is 不予共享 (then restricted, as for any outsider).
 */
export async function listOpenEntries(
  q: Queryable,
  opts: { limit: number; after?: string },
): Promise<Entry[]> {
  const params: unknown[] = [];
  let where = OPEN;
  if (opts.after !== undefined) {
    params.push(opts.after);
    where += ` AND e.code > $${params.length}`;
  }
  const rows = await store.listEntryVersions(q, where, params, 'e.code', Math.min(opts.limit, 1000));
  return rows.map((r) => presentEntry(r.entry, r.version, r.version.content.shareType === 'none'));
}

export async function getOpenEntryByCode(q: Queryable, code: string): Promise<Entry | null> {
  const rows = await store.listEntryVersions(q, `${OPEN} AND e.code = $1`, [code], 'e.code', 1);
  const r = rows[0];
  return r ? presentEntry(r.entry, r.version, r.version.content.shareType === 'none') : null;
}

/** How many open entries there are (for paging the DCAT and CKAN listings). */
export async function countOpenEntries(q: Queryable): Promise<number> {
  return store.countEntryVersions(q, OPEN, []);
}
