import type { Queryable } from '../../platform/db/pool.js';
import { allows, type Actor } from '../../platform/policy/permissions.js';
import { orgSubtree } from '../identity/index.js';
import type { EntryRow, VersionRow } from './store.js';

/**
 * Who sees which catalog versions (docs/CATALOG.md "Visibility"):
 *   - anonymous callers and public_user: published versions with openType ≠ none;
 *   - department staff: published (and deprecated, so that consumers learn why a resource ended)
 *     versions of every organisation; a shareType 'none' entry of another organisation is
 *     `restricted` (metadata and legal basis, no fields);
 *   - the provider organisation's catalog.write holders (org_admin: with its sub-organisations)
 *     and reviewers: every version, the newest (working) one by default.
 * An entry a caller may not see does not exist for them (404).
 */

/** Statuses a department sees; the public sees PUBLIC_STATUSES with openType ≠ none. */
export const DEPARTMENT_STATUSES = ['published', 'deprecated'] as const;
export const PUBLIC_STATUSES = ['published'] as const;
/** Statuses an older version may have for a non-owner to see it in the history of a visible entry. */
const PAST_PUBLIC_STATUSES = new Set(['published', 'superseded', 'deprecated']);

export type Audience = 'public' | 'department';

export interface Viewer {
  audience: Audience;
  /** The caller's organisation (null for anonymous and the node itself). */
  orgId: string | null;
  /** Reviewers and the node itself see and may act on everything. */
  reviewer: boolean;
  /** Organisations whose entries the caller maintains (drafts included); `undefined` = all. */
  maintains: string[] | undefined;
}

const isPublicAudience = (actor: Actor): boolean =>
  actor.kind === 'anonymous' || (actor.kind === 'user' && actor.roles.every((r) => r === 'public_user'));

export async function viewerOf(q: Queryable, actor: Actor): Promise<Viewer> {
  if (actor.kind === 'system')
    return { audience: 'department', orgId: null, reviewer: true, maintains: undefined };
  const orgId = actor.kind === 'user' || actor.kind === 'app' ? actor.orgId : null;
  const audience: Audience = isPublicAudience(actor) ? 'public' : 'department';
  const reviewer = allows(actor, 'catalog.review');
  let maintains: string[] | undefined = [];
  if (reviewer) maintains = undefined;
  else if (actor.kind === 'user' && allows(actor, 'catalog.write')) {
    maintains = actor.roles.includes('org_admin') ? await orgSubtree(q, actor.orgId) : [actor.orgId];
  }
  return { audience, orgId, reviewer, maintains };
}

/** Whether the caller maintains the organisation's entries (sees drafts, may edit). */
export const maintains = (viewer: Viewer, orgId: string): boolean =>
  viewer.maintains === undefined || viewer.maintains.includes(orgId);

/** A not-shared entry of another organisation: metadata and legal basis only. */
export function isRestricted(viewer: Viewer, entry: EntryRow, version: VersionRow): boolean {
  if (version.content.shareType !== 'none') return false;
  if (maintains(viewer, entry.providerOrgId)) return false;
  return !(viewer.audience === 'department' && viewer.orgId === entry.providerOrgId);
}

/**
 * Whether a non-maintainer sees the entry at all: its current public version must be visible to
 * their audience. `current` is the row of `entry.publishedVersion`.
 */
export function publiclyVisible(viewer: Viewer, current: VersionRow | undefined): boolean {
  if (!current) return false;
  if (viewer.audience === 'public') {
    return current.status === 'published' && current.content.openType !== 'none';
  }
  return (DEPARTMENT_STATUSES as readonly string[]).includes(current.status);
}

/** Whether a non-maintainer who sees the entry also sees this (possibly older) version. */
export function pastVersionVisible(viewer: Viewer, entry: EntryRow, version: VersionRow): boolean {
  if (entry.publishedVersion === null || version.version > entry.publishedVersion) return false;
  if (!PAST_PUBLIC_STATUSES.has(version.status)) return false;
  return viewer.audience === 'department' || version.content.openType !== 'none';
}

export interface VisibilitySql {
  /** A boolean SQL condition over the versions alias: the rows the caller sees, one per entry. */
  sql: string;
  /** A boolean SQL expression: the row is shown as `restricted` (no fields). */
  restricted: string;
  params: unknown[];
}

/**
 * The visibility rule as SQL for the search, over `catalog_versions` aliased `alias` (default
 * `v`); its placeholders start at `$firstParam`. It selects exactly one row per visible entry:
 * the working version for maintainers and reviewers, the public version for everyone else.
 * Synchronous: an org_admin's sub-organisations are found by a recursive sub-query.
 */
export function visibilityFilter(
  actor: Actor,
  opts: { alias?: string; firstParam?: number } = {},
): VisibilitySql {
  const v = opts.alias ?? 'v';
  const p = opts.firstParam ?? 1;
  const departmentRows = `${v}.status IN ('published', 'deprecated')`;
  if (actor.kind === 'system' || (actor.kind !== 'anonymous' && allows(actor, 'catalog.review'))) {
    return { sql: `${v}.latest`, restricted: 'false', params: [] };
  }
  if (isPublicAudience(actor)) {
    return {
      sql: `(${v}.status = 'published' AND ${v}.open_type <> 'none')`,
      restricted: `(${v}.share_type = 'none')`,
      params: [],
    };
  }
  const orgId = actor.kind === 'user' || actor.kind === 'app' ? actor.orgId : null;
  if (actor.kind !== 'user' || !allows(actor, 'catalog.write')) {
    return {
      sql: `(${departmentRows})`,
      restricted: `(${v}.share_type = 'none' AND ${v}.provider_org_id <> $${p}::uuid)`,
      params: [orgId],
    };
  }
  const scope = actor.roles.includes('org_admin')
    ? `ARRAY(WITH RECURSIVE t AS (SELECT id FROM datong.orgs WHERE id = $${p}::uuid
         UNION SELECT o.id FROM datong.orgs o JOIN t ON o.parent_id = t.id) SELECT id FROM t)`
    : `ARRAY[$${p}::uuid]`;
  const own = `${v}.provider_org_id = ANY(${scope})`;
  return {
    sql: `((${own} AND ${v}.latest) OR (NOT ${own} AND ${departmentRows}))`,
    restricted: `(${v}.share_type = 'none' AND NOT ${own})`,
    params: [orgId],
  };
}
