import type { Queryable } from '../../platform/db/pool.js';
import { OFFICER_ROLES, officerConflict, type Actor, type Role } from '../../platform/policy/permissions.js';
import { notFound } from '../../platform/http/errors.js';
import { identityProblem } from './messages.js';
import * as store from './store.js';

/**
 * Who may see and manage which identity resources. The route's permission says *whether* an
 * actor may manage users or apps at all; these rules say *which* ones.
 *   - sysadmin and secadmin: every organisation (node-wide roles);
 *   - org_admin: its own organisation and the organisations below it;
 *   - developer: apps of its own organisation.
 */

/** The organisations an actor's scope covers; `undefined` means all. */
export type Scope = string[] | undefined;

const has = (actor: Actor, role: Role) => actor.kind === 'user' && actor.roles.includes(role);

export async function userScope(q: Queryable, actor: Actor): Promise<Scope> {
  if (actor.kind !== 'user') return [];
  if (has(actor, 'sysadmin') || has(actor, 'secadmin')) return undefined;
  if (has(actor, 'org_admin')) return store.orgSubtree(q, actor.orgId);
  return [];
}

export async function appScope(q: Queryable, actor: Actor): Promise<Scope> {
  if (actor.kind === 'app') return [actor.orgId];
  if (actor.kind !== 'user') return [];
  if (has(actor, 'sysadmin')) return undefined;
  if (has(actor, 'org_admin')) return store.orgSubtree(q, actor.orgId);
  if (has(actor, 'developer')) return [actor.orgId];
  return [];
}

export const inScope = (scope: Scope, orgId: string): boolean => scope === undefined || scope.includes(orgId);

/** Out-of-scope resources are reported as missing: their existence is none of the caller's business. */
export function assertVisible(scope: Scope, orgId: string): void {
  if (!inScope(scope, orgId)) throw notFound();
}

export function assertManageable(scope: Scope, orgId: string): void {
  if (!inScope(scope, orgId)) throw identityProblem(403, 'org_out_of_scope');
}

export const isOfficer = (role: Role): boolean => OFFICER_ROLES.includes(role);

/** 三员 first (whoever asks, the set itself is refused), then who may grant officer roles. */
export function assertGrantable(
  actor: Actor,
  roles: readonly Role[],
  opts: { bypassScope?: boolean } = {},
): void {
  const conflict = officerConflict(roles);
  if (conflict) throw identityProblem(409, 'officer_conflict', { roles: conflict.join(', ') });
  if (opts.bypassScope) return;
  if (roles.some(isOfficer) && !has(actor, 'secadmin')) throw identityProblem(403, 'officer_grant_forbidden');
}
