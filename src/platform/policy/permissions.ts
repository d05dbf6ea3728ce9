/**
 * The one authorisation table of the node. Every route declares one of these permissions;
 * `allows` is the only place that decides. Deny by default: a permission no role lists is
 * granted to nobody.
 */
export const ROLES = [
  'sysadmin',
  'secadmin',
  'auditor',
  'org_admin',
  'data_steward',
  'approver',
  'developer',
  'member',
  'public_user',
] as const;
export type Role = (typeof ROLES)[number];

/** 三员: no account may hold two of these. */
export const OFFICER_ROLES: readonly Role[] = ['sysadmin', 'secadmin', 'auditor'];

export const PERMISSIONS = [
  // Anyone, signed in or not.
  'public',
  // Any signed-in user or signed application.
  'authenticated',
  // Any signed-in user (not an application).
  'user',
  'org.read',
  'org.manage',
  'user.read',
  'user.manage',
  'user.roles.assign',
  'app.read',
  'app.manage',
  'audit.read',
  'audit.verify',
  // Catalog (目录) and data standards. Reading the catalog is public at the choke point; what each
  // caller sees (open entries, published entries, own drafts) is the catalog service's visibility rule.
  'catalog.write',
  'catalog.review',
  'catalog.harvest',
  'standards.read',
  'standards.manage',
  // Aggregation (归集): reading a dataset (its batches, a preview) and loading into it. Loading is
  // further limited to the maintainers of the entry's provider organisation by the ingest routes.
  'dataset.read',
  'dataset.load',
  // The working-day calendar (holidays, 调休) that share-request deadlines are counted on.
  'calendar.manage',
  // Sharing (共享): reading requests and grants of one's own organisation (as consumer or
  // provider; the platform sees all), requesting, the provider's decision, the platform's review.
  'share.read',
  'share.request',
  'share.approve',
  'share.review',
  // An application calling the data services of its grants (signed requests only).
  'share.use',
  // Governance (治理) run by the platform: the 一数一源 registry, cross-checks (多源校核), routing
  // objections to another department. Quality rules and objections of a dataset are its provider's
  // (dataset.load); reading quality reports and scorecards is dataset.read.
  'governance.manage',
  // Opening (开放): a public user applies for conditional-open data and subscribes to data
  // products. The provider's decision is share.approve, the platform's share.review.
  'open.apply',
  // A public user (citizen or company) reading its own account and who accessed records about it.
  'public.self',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const STAFF_READ: Permission[] = ['org.read', 'standards.read', 'dataset.read', 'share.read'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  sysadmin: [
    ...STAFF_READ,
    'org.manage',
    'user.read',
    'user.manage',
    'app.read',
    'catalog.review',
    'catalog.harvest',
    'standards.manage',
    'calendar.manage',
    'share.review',
    'governance.manage',
  ],
  secadmin: [...STAFF_READ, 'user.read', 'user.roles.assign'],
  auditor: [...STAFF_READ, 'audit.read', 'audit.verify'],
  org_admin: [
    ...STAFF_READ,
    'user.read',
    'user.manage',
    'app.read',
    'app.manage',
    'catalog.write',
    'dataset.load',
    'share.request',
    'share.approve',
  ],
  data_steward: [...STAFF_READ, 'catalog.write', 'dataset.load', 'share.request'],
  approver: [...STAFF_READ, 'share.approve'],
  developer: [...STAFF_READ, 'app.read', 'app.manage', 'share.request'],
  member: [...STAFF_READ, 'share.request'],
  public_user: ['open.apply', 'public.self'],
};

/** What a signed application may do on its own behalf (data services join this list later). */
export const APP_PERMISSIONS: readonly Permission[] = ['share.use'];

export type Actor =
  | { kind: 'anonymous' }
  | {
      kind: 'user';
      id: string;
      username: string;
      displayName: string;
      orgId: string;
      roles: Role[];
      /** Session id for cookie sessions (CSRF applies), undefined for bearer tokens. */
      sessionId?: string | undefined;
      via: 'session' | 'token';
    }
  | { kind: 'app'; id: string; name: string; keyId: string; orgId: string }
  /** The node itself, acting from the CLI or a job; never an HTTP caller. */
  | { kind: 'system'; id: string; name: string };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function allows(actor: Actor, permission: Permission): boolean {
  if (permission === 'public') return true;
  if (actor.kind === 'anonymous' || actor.kind === 'system') return false;
  if (permission === 'authenticated') return true;
  if (actor.kind === 'app') return APP_PERMISSIONS.includes(permission);
  if (permission === 'user') return true;
  return actor.roles.some((r) => roleAllows(r, permission));
}

/** The permissions an actor holds, for the UI to shape its navigation. */
export function permissionsOf(actor: Actor): Permission[] {
  return PERMISSIONS.filter((p) => allows(actor, p));
}

/** Refuses role sets that break the separation of the three officers. */
export function officerConflict(roles: readonly Role[]): Role[] | undefined {
  const officers = roles.filter((r) => OFFICER_ROLES.includes(r));
  return officers.length > 1 ? officers : undefined;
}
