import type { Queryable, Tx } from '../../platform/db/pool.js';
import { notFound, problem } from '../../platform/http/errors.js';
import { endUserCredentials } from '../../platform/auth/index.js';
import type { Role } from '../../platform/policy/permissions.js';
import { audit, isUniqueViolation, type IdentityContext } from './context.js';
import { identityProblem } from './messages.js';
import { assertPasswordPolicy, hashPassword, verifyPassword } from './password.js';
import { assertGrantable, assertManageable, assertVisible, isOfficer, userScope } from './policy.js';
import type { CreateUserInput, ListUsersInput, PatchMeInput, PatchUserInput } from './schemas.js';
import * as store from './store.js';
import type { UserRow } from './store.js';

/** User use cases. Each takes the caller's context and an open transaction. */

export interface UserPage {
  items: UserRow[];
  nextCursor: string | null;
}

const encodeCursor = (u: UserRow): string =>
  Buffer.from(JSON.stringify([u.username.toLowerCase(), u.id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(v[1])
    ) {
      return [v[0], v[1]];
    }
  } catch {
    // Not base64url JSON: answered as a validation problem below.
  }
  throw problem(400, 'validation', {}, [{ path: '/cursor', message: 'invalid cursor' }]);
}

export async function listUsers(
  ctx: IdentityContext,
  q: Queryable,
  input: ListUsersInput,
): Promise<UserPage> {
  const scope = await userScope(q, ctx.actor);
  let orgIds = scope;
  if (input.orgId) orgIds = scope === undefined || scope.includes(input.orgId) ? [input.orgId] : [];
  const limit = input.limit ?? 50;
  const rows = await store.listUsers(q, {
    orgIds,
    q: input.q?.trim() || undefined,
    limit,
    after: input.cursor ? decodeCursor(input.cursor) : undefined,
  });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** A user the caller may see; others are reported as missing. */
export async function getUser(ctx: IdentityContext, q: Queryable, id: string): Promise<UserRow> {
  const user = await store.getUser(q, id);
  if (!user) throw notFound();
  assertVisible(await userScope(q, ctx.actor), user.orgId);
  return user;
}

/** A user the caller may manage: in scope, and no officer account unless the caller is sysadmin. */
async function manageableUser(ctx: IdentityContext, tx: Tx, id: string): Promise<UserRow> {
  const user = await getUser(ctx, tx, id);
  const a = ctx.actor;
  if (user.roles.some(isOfficer) && !(a.kind === 'user' && a.roles.includes('sysadmin'))) {
    throw identityProblem(403, 'officer_out_of_scope');
  }
  return user;
}

async function assertOrgUsable(
  ctx: IdentityContext,
  tx: Tx,
  orgId: string,
  bypassScope: boolean,
): Promise<void> {
  if (!(await store.getOrg(tx, orgId))) throw identityProblem(400, 'org_unknown', { orgId });
  if (!bypassScope) assertManageable(await userScope(tx, ctx.actor), orgId);
}

export interface CreateUserOptions {
  /** CLI and seed: no caller whose scope or granting rights apply (三员 still does). */
  bypassScope?: boolean;
}

export async function createUser(
  ctx: IdentityContext,
  tx: Tx,
  input: CreateUserInput,
  opts: CreateUserOptions = {},
): Promise<UserRow> {
  const bypass = opts.bypassScope === true;
  const roles = [...new Set(input.roles)];
  assertGrantable(ctx.actor, roles, { bypassScope: bypass });
  await assertOrgUsable(ctx, tx, input.orgId, bypass);
  assertPasswordPolicy(input.password, input.username, ctx.lang);
  if (await store.usernameExists(tx, input.username)) {
    throw identityProblem(409, 'username_taken', { username: input.username });
  }
  const passwordHash = await hashPassword(input.password);
  let id: string;
  try {
    id = await store.insertUser(tx, {
      username: input.username,
      displayName: input.displayName.trim(),
      orgId: input.orgId,
      passwordHash,
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw identityProblem(409, 'username_taken', { username: input.username });
    throw e;
  }
  await store.setRoles(tx, id, roles);
  await audit(ctx, tx, {
    action: 'user.create',
    objectType: 'user',
    objectId: id,
    orgId: input.orgId,
    detail: { username: input.username, roles },
  });
  return (await store.getUser(tx, id)) as UserRow;
}

export async function updateUser(
  ctx: IdentityContext,
  tx: Tx,
  id: string,
  input: PatchUserInput,
): Promise<UserRow> {
  const before = await manageableUser(ctx, tx, id);
  if (input.orgId !== undefined && input.orgId !== before.orgId)
    await assertOrgUsable(ctx, tx, input.orgId, false);
  if (input.disabled === true && ctx.actor.kind === 'user' && ctx.actor.id === id) {
    throw identityProblem(409, 'self_disable');
  }
  await store.updateUser(tx, id, input);
  // A disabled account loses its sessions and tokens at once, not when they expire.
  if (input.disabled === true && !before.disabled) await endUserCredentials(tx, id);
  const after = (await store.getUser(tx, id)) as UserRow;
  await audit(ctx, tx, {
    action: input.disabled === true && !before.disabled ? 'user.disable' : 'user.update',
    objectType: 'user',
    objectId: id,
    orgId: after.orgId,
    detail: { changed: diff(before, after, ['displayName', 'orgId', 'disabled']) },
  });
  return after;
}

function diff<T extends object>(
  a: T,
  b: T,
  keys: (keyof T)[],
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of keys) if (a[k] !== b[k]) out[String(k)] = { from: a[k], to: b[k] };
  return out;
}

/** PUT /api/users/:id/roles: the security administrator's job (三员 enforced). */
export async function assignRoles(
  ctx: IdentityContext,
  tx: Tx,
  id: string,
  roles: readonly Role[],
): Promise<UserRow> {
  const next = [...new Set(roles)].sort();
  const user = await getUser(ctx, tx, id);
  if (ctx.actor.kind === 'user' && ctx.actor.id === id) throw identityProblem(403, 'self_role_change');
  assertGrantable(ctx.actor, next);
  await store.setRoles(tx, id, next);
  await audit(ctx, tx, {
    action: 'user.roles.assign',
    objectType: 'user',
    objectId: id,
    orgId: user.orgId,
    detail: { username: user.username, from: user.roles, to: next },
  });
  return (await store.getUser(tx, id)) as UserRow;
}

export async function unlockUser(ctx: IdentityContext, tx: Tx, id: string): Promise<UserRow> {
  const user = await manageableUser(ctx, tx, id);
  await store.clearLockout(tx, id);
  await audit(ctx, tx, {
    action: 'user.unlock',
    objectType: 'user',
    objectId: id,
    orgId: user.orgId,
    detail: { username: user.username },
  });
  return (await store.getUser(tx, id)) as UserRow;
}

export async function updateMe(ctx: IdentityContext, tx: Tx, input: PatchMeInput): Promise<UserRow> {
  if (ctx.actor.kind !== 'user') throw notFound();
  const id = ctx.actor.id;
  const before = await store.getUser(tx, id);
  if (!before) throw notFound();
  await store.updateUser(tx, id, { displayName: input.displayName?.trim(), locale: input.locale });
  const after = (await store.getUser(tx, id)) as UserRow;
  await audit(ctx, tx, {
    action: 'user.profile.update',
    objectType: 'user',
    objectId: id,
    detail: { changed: diff(before, after, ['displayName', 'locale']) },
  });
  return after;
}

/**
 * Changes the caller's own password. Every other session and token of the account ends, so a
 * stolen session does not survive the owner changing the password.
 */
export async function changePassword(
  ctx: IdentityContext,
  tx: Tx,
  input: { currentPassword: string; newPassword: string },
  keep: { sessionId?: string | undefined; tokenId?: string | undefined } = {},
): Promise<{ ok: true } | { ok: false; error: ReturnType<typeof identityProblem> }> {
  if (ctx.actor.kind !== 'user') throw notFound();
  const { id, username } = ctx.actor;
  const hash = await store.passwordHashOf(tx, id);
  if (!hash || !(await verifyPassword(hash, input.currentPassword))) {
    await audit(ctx, tx, {
      action: 'user.password.change',
      objectType: 'user',
      objectId: id,
      result: 'failure',
      detail: { reason: 'wrong_current_password' },
    });
    // Returned, not thrown, so that the failure event commits.
    return { ok: false, error: identityProblem(400, 'password_incorrect') };
  }
  assertPasswordPolicy(input.newPassword, username, ctx.lang, '/newPassword');
  await store.setPassword(tx, id, await hashPassword(input.newPassword));
  await endUserCredentials(tx, id, keep);
  await audit(ctx, tx, { action: 'user.password.change', objectType: 'user', objectId: id });
  return { ok: true };
}
