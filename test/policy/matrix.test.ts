import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, allows, type Actor, type Role } from '../../src/platform/policy/permissions.js';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeUser } from '../support/factories.js';

/**
 * The route table × every role. The expected answer of each cell is derived from the permission
 * the route declares and the policy table — nothing here is copied by hand — and checked against
 * what the running app actually answers. The choke point must admit exactly the allowed roles.
 */
const PASSWORD = 'Matrix-Test-2026!';
let t: TestApp;
const tokens = new Map<Role, string>();

beforeAll(async () => {
  t = await testApp();
  for (const role of ROLES) {
    const user = await makeUser(t.pool, { roles: [role], password: PASSWORD });
    tokens.set(role, await bearerFor(t.app, user.username, PASSWORD));
  }
});
afterAll(async () => t?.close());

function concreteUrl(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) =>
    name.toLowerCase().endsWith('id') ? crypto.randomUUID() : 'x',
  );
}

function actorWith(role: Role): Actor {
  return { kind: 'user', id: 'x', username: 'x', displayName: 'x', orgId: 'x', roles: [role], via: 'token' };
}

describe('route × role matrix', () => {
  it('admits exactly the roles the policy allows, on every route', async () => {
    // Logout revokes the caller's token, so each role walks it last.
    const isLogout = (r: { url: string }) => r.url === '/api/auth/logout';
    const routes = t.app.routeTable
      .filter((r) => r.permission !== 'public')
      .sort((a, b) => Number(isLogout(a)) - Number(isLogout(b)));
    expect(routes.length).toBeGreaterThan(15);
    const mismatches: string[] = [];
    let allowedCells = 0;
    let deniedCells = 0;
    for (const route of routes) {
      const url = concreteUrl(route.url);
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
      // Anonymous callers are asked to sign in on every non-public route.
      const anon = await t.app.inject({
        method: route.method as 'GET',
        url,
        ...(hasBody ? { payload: {} } : {}),
      });
      if (anon.statusCode !== 401)
        mismatches.push(`anonymous ${route.method} ${route.url} → ${anon.statusCode}`);
      for (const role of ROLES) {
        const expected = allows(actorWith(role), route.permission!);
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: { authorization: `Bearer ${tokens.get(role)}` },
          // An empty body fails validation on allowed routes, so the walk changes nothing.
          ...(hasBody ? { payload: {} } : {}),
        });
        const deniedByChokePoint = res.statusCode === 403 && res.json().code === 'forbidden';
        if (expected) allowedCells++;
        else deniedCells++;
        if (expected && (deniedByChokePoint || res.statusCode === 401)) {
          mismatches.push(
            `${role} should reach ${route.method} ${route.url} (${route.permission}) but got ${res.statusCode}`,
          );
        }
        if (!expected && !deniedByChokePoint) {
          mismatches.push(
            `${role} must not reach ${route.method} ${route.url} (${route.permission}) but got ${res.statusCode}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(allowedCells).toBeGreaterThan(0);
    expect(deniedCells).toBeGreaterThan(0);
  });

  it('keeps the three officers apart in the table itself', () => {
    const can = (role: Role, p: Parameters<typeof allows>[1]) => allows(actorWith(role), p);
    expect(can('auditor', 'audit.read')).toBe(true);
    expect(can('sysadmin', 'audit.read')).toBe(false);
    expect(can('secadmin', 'audit.read')).toBe(false);
    expect(can('auditor', 'user.manage')).toBe(false);
    expect(can('sysadmin', 'user.roles.assign')).toBe(false);
    expect(can('secadmin', 'user.roles.assign')).toBe(true);
    expect(can('public_user', 'org.read')).toBe(false);
  });

  it('denies a role-protected state change and records the denial in the ledger', async () => {
    const member = await makeUser(t.pool, { roles: ['member'], password: PASSWORD });
    const token = await bearerFor(t.app, member.username, PASSWORD);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/orgs',
      headers: { authorization: `Bearer ${token}` },
      payload: {},
    });
    expect(res.statusCode).toBe(403);
    await t.services.ledger.flush();
    const { rows } = await t.pool.query(
      "SELECT action, result, object_id FROM audit.events WHERE action = 'access.denied' ORDER BY seq DESC LIMIT 1",
    );
    expect(rows[0]).toMatchObject({ action: 'access.denied', result: 'denied', object_id: 'POST /api/orgs' });
  });
});
