import type { Queryable } from '../../platform/db/pool.js';
import { isRole, type Role } from '../../platform/policy/permissions.js';
import type { OrgKind } from './schemas.js';

/**
 * The only code that touches the identity tables (orgs, users, user_roles, apps). Credential
 * tables (sessions, tokens, app credentials, nonces) belong to src/platform/auth.
 */

export interface OrgRow {
  id: string;
  parentId: string | null;
  name: string;
  uscc: string;
  regionCode: string;
  kind: OrgKind;
  createdAt: Date;
}

interface OrgDb {
  id: string;
  parent_id: string | null;
  name: string;
  uscc: string;
  region_code: string;
  kind: OrgKind;
  created_at: Date;
}

const ORG_COLUMNS = 'id, parent_id, name, uscc, region_code, kind, created_at';
const orgRow = (r: OrgDb): OrgRow => ({
  id: r.id,
  parentId: r.parent_id,
  name: r.name,
  uscc: r.uscc,
  regionCode: r.region_code,
  kind: r.kind,
  createdAt: r.created_at,
});

export async function listOrgs(q: Queryable): Promise<OrgRow[]> {
  const { rows } = await q.query<OrgDb>(`SELECT ${ORG_COLUMNS} FROM datong.orgs ORDER BY created_at, id`);
  return rows.map(orgRow);
}

export async function getOrg(q: Queryable, id: string): Promise<OrgRow | undefined> {
  const { rows } = await q.query<OrgDb>(`SELECT ${ORG_COLUMNS} FROM datong.orgs WHERE id = $1`, [id]);
  return rows[0] && orgRow(rows[0]);
}

export async function getOrgByUscc(q: Queryable, uscc: string): Promise<OrgRow | undefined> {
  const { rows } = await q.query<OrgDb>(`SELECT ${ORG_COLUMNS} FROM datong.orgs WHERE uscc = $1`, [uscc]);
  return rows[0] && orgRow(rows[0]);
}

export async function insertOrg(
  q: Queryable,
  o: { name: string; uscc: string; regionCode: string; kind: OrgKind; parentId: string | null },
): Promise<OrgRow> {
  const { rows } = await q.query<OrgDb>(
    `INSERT INTO datong.orgs (name, uscc, region_code, kind, parent_id) VALUES ($1, $2, $3, $4, $5)
     RETURNING ${ORG_COLUMNS}`,
    [o.name, o.uscc, o.regionCode, o.kind, o.parentId],
  );
  return orgRow(rows[0] as OrgDb);
}

export async function updateOrg(
  q: Queryable,
  id: string,
  o: { name: string; uscc: string; regionCode: string; kind: OrgKind; parentId: string | null },
): Promise<OrgRow> {
  const { rows } = await q.query<OrgDb>(
    `UPDATE datong.orgs SET name = $2, uscc = $3, region_code = $4, kind = $5, parent_id = $6, updated_at = now()
      WHERE id = $1 RETURNING ${ORG_COLUMNS}`,
    [id, o.name, o.uscc, o.regionCode, o.kind, o.parentId],
  );
  return orgRow(rows[0] as OrgDb);
}

/** The organisation and everything below it in the tree. */
export async function orgSubtree(q: Queryable, rootId: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `WITH RECURSIVE t AS (
       SELECT id FROM datong.orgs WHERE id = $1
       UNION SELECT o.id FROM datong.orgs o JOIN t ON o.parent_id = t.id)
     SELECT id FROM t`,
    [rootId],
  );
  return rows.map((r) => r.id);
}

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  orgId: string;
  orgName: string;
  roles: Role[];
  disabled: boolean;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  locale: 'zh-CN' | 'en';
  createdAt: Date;
}

interface UserDb {
  id: string;
  username: string;
  display_name: string;
  org_id: string;
  org_name: string;
  roles: string[];
  disabled: boolean;
  locked_until: Date | null;
  last_login_at: Date | null;
  locale: 'zh-CN' | 'en';
  created_at: Date;
}

const USER_COLUMNS = `u.id, u.username, u.display_name, u.org_id, o.name AS org_name,
  ARRAY(SELECT role FROM datong.user_roles r WHERE r.user_id = u.id ORDER BY role) AS roles,
  u.disabled, u.locked_until, u.last_login_at, u.locale, u.created_at`;
const USER_FROM = 'datong.users u JOIN datong.orgs o ON o.id = u.org_id';

const userRow = (r: UserDb): UserRow => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  orgId: r.org_id,
  orgName: r.org_name,
  roles: r.roles.filter(isRole),
  disabled: r.disabled,
  lockedUntil: r.locked_until,
  lastLoginAt: r.last_login_at,
  locale: r.locale,
  createdAt: r.created_at,
});

export async function getUser(q: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await q.query<UserDb>(`SELECT ${USER_COLUMNS} FROM ${USER_FROM} WHERE u.id = $1`, [id]);
  return rows[0] && userRow(rows[0]);
}

export async function usernameExists(q: Queryable, username: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM datong.users WHERE lower(username) = lower($1)', [
    username,
  ]);
  return (rowCount ?? 0) > 0;
}

export interface LoginRow {
  id: string;
  orgId: string;
  passwordHash: string;
  disabled: boolean;
  failedLogins: number;
  lockedUntil: Date | null;
}

/** The login fields of a user, row-locked so that concurrent failures count one by one. */
export async function lockUserForLogin(q: Queryable, username: string): Promise<LoginRow | undefined> {
  const { rows } = await q.query<{
    id: string;
    org_id: string;
    password_hash: string;
    disabled: boolean;
    failed_logins: number;
    locked_until: Date | null;
  }>(
    `SELECT id, org_id, password_hash, disabled, failed_logins, locked_until FROM datong.users
      WHERE lower(username) = lower($1) FOR UPDATE`,
    [username],
  );
  const r = rows[0];
  return (
    r && {
      id: r.id,
      orgId: r.org_id,
      passwordHash: r.password_hash,
      disabled: r.disabled,
      failedLogins: r.failed_logins,
      lockedUntil: r.locked_until,
    }
  );
}

export async function lockUserById(q: Queryable, id: string): Promise<LoginRow | undefined> {
  const { rows } = await q.query<{ username: string }>('SELECT username FROM datong.users WHERE id = $1', [
    id,
  ]);
  return rows[0] ? lockUserForLogin(q, rows[0].username) : undefined;
}

export async function recordLoginFailure(
  q: Queryable,
  id: string,
  failedLogins: number,
  lockedUntil: Date | null,
): Promise<void> {
  await q.query('UPDATE datong.users SET failed_logins = $2, locked_until = $3 WHERE id = $1', [
    id,
    failedLogins,
    lockedUntil,
  ]);
}

export async function recordLoginSuccess(q: Queryable, id: string): Promise<void> {
  await q.query(
    'UPDATE datong.users SET failed_logins = 0, locked_until = NULL, last_login_at = now() WHERE id = $1',
    [id],
  );
}

export async function clearLockout(q: Queryable, id: string): Promise<void> {
  await q.query(
    'UPDATE datong.users SET failed_logins = 0, locked_until = NULL, updated_at = now() WHERE id = $1',
    [id],
  );
}

export async function insertUser(
  q: Queryable,
  u: { username: string; displayName: string; orgId: string; passwordHash: string },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO datong.users (username, display_name, org_id, password_hash) VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [u.username, u.displayName, u.orgId, u.passwordHash],
  );
  return (rows[0] as { id: string }).id;
}

export async function updateUser(
  q: Queryable,
  id: string,
  u: {
    displayName?: string | undefined;
    orgId?: string | undefined;
    disabled?: boolean | undefined;
    locale?: string | undefined;
  },
): Promise<void> {
  await q.query(
    `UPDATE datong.users SET display_name = coalesce($2, display_name), org_id = coalesce($3, org_id),
            disabled = coalesce($4, disabled), locale = coalesce($5, locale), updated_at = now()
      WHERE id = $1`,
    [id, u.displayName ?? null, u.orgId ?? null, u.disabled ?? null, u.locale ?? null],
  );
}

export async function setPassword(q: Queryable, id: string, passwordHash: string): Promise<void> {
  await q.query(
    `UPDATE datong.users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`,
    [id, passwordHash],
  );
}

export async function passwordHashOf(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ password_hash: string }>(
    'SELECT password_hash FROM datong.users WHERE id = $1',
    [id],
  );
  return rows[0]?.password_hash;
}

export async function setRoles(q: Queryable, userId: string, roles: readonly Role[]): Promise<void> {
  await q.query('DELETE FROM datong.user_roles WHERE user_id = $1', [userId]);
  if (roles.length) {
    await q.query('INSERT INTO datong.user_roles (user_id, role) SELECT $1, unnest($2::text[])', [
      userId,
      roles,
    ]);
  }
}

export interface UserListFilter {
  /** Restricts to these organisations; undefined for all. */
  orgIds?: string[] | undefined;
  q?: string | undefined;
  limit: number;
  /** Keyset position: the last row's lower(username) and id. */
  after?: [string, string] | undefined;
}

/** Users ordered by lower(username), id; one row more than asked tells whether a page follows. */
export async function listUsers(q: Queryable, f: UserListFilter): Promise<UserRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.orgIds) where.push(`u.org_id = ANY(${p(f.orgIds)}::uuid[])`);
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(u.username ILIKE ${p(like)} OR u.display_name ILIKE ${p(like)})`);
  }
  if (f.after) where.push(`(lower(u.username), u.id) > (${p(f.after[0])}, ${p(f.after[1])}::uuid)`);
  const { rows } = await q.query<UserDb>(
    `SELECT ${USER_COLUMNS} FROM ${USER_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY lower(u.username), u.id LIMIT ${p(f.limit + 1)}`,
    params,
  );
  return rows.map(userRow);
}

export interface AppRow {
  id: string;
  name: string;
  description: string | null;
  orgId: string;
  orgName: string;
  createdBy: string | null;
  createdAt: Date;
}

interface AppDb {
  id: string;
  name: string;
  description: string | null;
  org_id: string;
  org_name: string;
  created_by: string | null;
  created_at: Date;
}

const APP_COLUMNS = 'a.id, a.name, a.description, a.org_id, o.name AS org_name, a.created_by, a.created_at';
const appRow = (r: AppDb): AppRow => ({
  id: r.id,
  name: r.name,
  description: r.description,
  orgId: r.org_id,
  orgName: r.org_name,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export async function listApps(q: Queryable, orgIds: string[] | undefined): Promise<AppRow[]> {
  const { rows } = await q.query<AppDb>(
    `SELECT ${APP_COLUMNS} FROM datong.apps a JOIN datong.orgs o ON o.id = a.org_id
      ${orgIds ? 'WHERE a.org_id = ANY($1::uuid[])' : ''} ORDER BY a.created_at DESC, a.id`,
    orgIds ? [orgIds] : [],
  );
  return rows.map(appRow);
}

export async function getApp(q: Queryable, id: string): Promise<AppRow | undefined> {
  const { rows } = await q.query<AppDb>(
    `SELECT ${APP_COLUMNS} FROM datong.apps a JOIN datong.orgs o ON o.id = a.org_id WHERE a.id = $1`,
    [id],
  );
  return rows[0] && appRow(rows[0]);
}

export async function appNameExists(q: Queryable, orgId: string, name: string): Promise<boolean> {
  const { rowCount } = await q.query(
    'SELECT 1 FROM datong.apps WHERE org_id = $1 AND lower(name) = lower($2)',
    [orgId, name],
  );
  return (rowCount ?? 0) > 0;
}

export async function insertApp(
  q: Queryable,
  a: { orgId: string; name: string; description: string | null; createdBy: string | null },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO datong.apps (org_id, name, description, created_by) VALUES ($1, $2, $3, $4) RETURNING id',
    [a.orgId, a.name, a.description, a.createdBy],
  );
  return (rows[0] as { id: string }).id;
}
