import { permissionsOf, type Actor } from '../../platform/policy/permissions.js';
import type { CredentialRow } from '../../platform/auth/index.js';
import type { App, Credential, Me, Org, User } from './schemas.js';
import type { AppRow, OrgRow, UserRow } from './store.js';

/** Rows to API shapes (docs/API.md); nothing leaves the module unpresented. */

const iso = (d: Date): string => d.toISOString();
const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const presentOrg = (o: OrgRow): Org => ({
  id: o.id,
  name: o.name,
  uscc: o.uscc,
  regionCode: o.regionCode,
  kind: o.kind,
  parentId: o.parentId,
  createdAt: iso(o.createdAt),
});

export function presentUser(u: UserRow, now = new Date()): User {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    orgId: u.orgId,
    orgName: u.orgName,
    roles: u.roles,
    disabled: u.disabled,
    // A lock that has run out is no lock: show it as null rather than a past time.
    lockedUntil: u.lockedUntil && u.lockedUntil > now ? iso(u.lockedUntil) : null,
    lastLoginAt: isoOrNull(u.lastLoginAt),
    createdAt: iso(u.createdAt),
  };
}

/** The user as an actor, for the permission list of Me. */
export function userActor(u: UserRow, via: 'session' | 'token' = 'session'): Actor {
  return {
    kind: 'user',
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    orgId: u.orgId,
    roles: u.roles,
    via,
  };
}

export const presentMe = (u: UserRow): Me => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  orgId: u.orgId,
  orgName: u.orgName,
  roles: u.roles,
  permissions: permissionsOf(userActor(u)),
  locale: u.locale,
});

export const presentApp = (a: AppRow): App => ({
  id: a.id,
  name: a.name,
  description: a.description,
  orgId: a.orgId,
  orgName: a.orgName,
  createdBy: a.createdBy,
  createdAt: iso(a.createdAt),
});

export const presentCredential = (c: CredentialRow): Credential => ({
  keyId: c.keyId,
  createdAt: iso(c.createdAt),
  expiresAt: isoOrNull(c.expiresAt),
  revokedAt: isoOrNull(c.revokedAt),
  lastUsedAt: isoOrNull(c.lastUsedAt),
});
