import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../src/platform/db/pool.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { USCC_ALPHABET, usccWithCheck } from '../../src/platform/validators/index.js';
import { hashPassword } from '../../src/modules/identity/index.js';
import * as store from '../../src/modules/identity/store.js';
import type { OrgKind, OrgRow } from '../../src/modules/identity/index.js';

/**
 * Test data factories. They write straight through the identity store (no audit events, no
 * policy), so a test sets up exactly the world it needs and then exercises the real API.
 */

export const DEFAULT_PASSWORD = 'Factory-Passw0rd!';

const randomChars = (n: number): string =>
  Array.from(crypto.randomBytes(n), (b) => USCC_ALPHABET[b % USCC_ALPHABET.length]).join('');

/** A valid, random 统一社会信用代码 (法人单位, 机关 category, the given region). */
export function freshUscc(regionCode = '440100'): string {
  return usccWithCheck(`11${regionCode}${randomChars(9)}`);
}

export interface OrgOverrides {
  name?: string;
  uscc?: string;
  regionCode?: string;
  kind?: OrgKind;
  parentId?: string | null;
}

export async function makeOrg(pool: Pool, overrides: OrgOverrides = {}): Promise<OrgRow> {
  const regionCode = overrides.regionCode ?? '440100';
  return store.insertOrg(pool, {
    name: overrides.name ?? `测试机构-${crypto.randomBytes(4).toString('hex')}`,
    uscc: overrides.uscc ?? freshUscc(regionCode),
    regionCode,
    kind: overrides.kind ?? 'government',
    parentId: overrides.parentId ?? null,
  });
}

export interface MadeUser {
  id: string;
  username: string;
  password: string;
  displayName: string;
  orgId: string;
  roles: Role[];
}

export interface UserOverrides {
  roles?: Role[];
  /** The user's organisation; a new one is made when omitted. */
  orgId?: string;
  password?: string;
  username?: string;
  displayName?: string;
  disabled?: boolean;
}

export async function makeUser(pool: Pool, opts: UserOverrides = {}): Promise<MadeUser> {
  const orgId = opts.orgId ?? (await makeOrg(pool)).id;
  const username = opts.username ?? `u_${crypto.randomBytes(5).toString('hex')}`;
  const password = opts.password ?? DEFAULT_PASSWORD;
  const displayName = opts.displayName ?? `用户 ${username}`;
  const roles = opts.roles ?? ['member'];
  const id = await store.insertUser(pool, {
    username,
    displayName,
    orgId,
    passwordHash: await hashPassword(password),
  });
  await store.setRoles(pool, id, roles);
  if (opts.disabled) await store.updateUser(pool, id, { disabled: true });
  return { id, username, password, displayName, orgId, roles };
}

export interface CookieSession {
  /** Value for the `cookie` request header. */
  cookie: string;
  /** Value for the `x-csrf-token` request header. */
  csrf: string;
}

/** Signs in through POST /api/auth/login and returns the session cookie and its CSRF token. */
export async function loginAs(
  app: FastifyInstance,
  username: string,
  password: string,
): Promise<CookieSession> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
  const session = res.cookies.find((c) => c.name === 'datong_session');
  if (!session) throw new Error('login set no datong_session cookie');
  const body = res.json<{ csrfToken: string }>();
  return { cookie: `datong_session=${session.value}`, csrf: body.csrfToken };
}

/** A bearer token through POST /api/auth/tokens. */
export async function bearerFor(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`token for ${username} failed: ${res.statusCode} ${res.body}`);
  return res.json<{ accessToken: string }>().accessToken;
}
