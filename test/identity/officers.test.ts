import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { createUser } from '../../src/modules/identity/index.js';
import { systemContext } from '../../src/platform/context.js';
import { withTx } from '../../src/platform/db/pool.js';
import type { Role } from '../../src/platform/policy/permissions.js';

let t: TestApp;
let orgId: string;
let sysadmin: string;
let secadmin: string;
let secadminId: string;
beforeAll(async () => {
  t = await testApp();
  orgId = (await makeOrg(t.pool)).id;
  const sys = await makeUser(t.pool, { roles: ['sysadmin'], orgId });
  const sec = await makeUser(t.pool, { roles: ['secadmin'], orgId });
  sysadmin = await bearerFor(t.app, sys.username, sys.password);
  secadmin = await bearerFor(t.app, sec.username, sec.password);
  secadminId = sec.id;
});
afterAll(async () => t?.close());

let n = 0;
const createAs = (token: string, roles: Role[]) =>
  t.app.inject({
    method: 'POST',
    url: '/api/users',
    headers: { authorization: `Bearer ${token}` },
    payload: { username: `officer_${++n}`, displayName: '测试', password: 'Officer-Passw0rd!', orgId, roles },
  });
const assignAs = (token: string, userId: string, roles: Role[]) =>
  t.app.inject({
    method: 'PUT',
    url: `/api/users/${userId}/roles`,
    headers: { authorization: `Bearer ${token}` },
    payload: { roles },
  });

describe('三员 separation', () => {
  it('refuses to create an account holding two officer roles', async () => {
    for (const roles of [
      ['sysadmin', 'auditor'],
      ['secadmin', 'auditor'],
      ['sysadmin', 'secadmin', 'member'],
    ] as Role[][]) {
      const res = await createAs(sysadmin, roles);
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('officer_conflict');
    }
  });

  it('refuses the same through the service used by the CLI and seed', async () => {
    await expect(
      withTx(t.pool, (tx) =>
        createUser(
          { ...systemContext(), services: t.services },
          tx,
          {
            username: 'cli_officer',
            displayName: 'x',
            password: 'Officer-Passw0rd!',
            orgId,
            roles: ['sysadmin', 'auditor'],
          },
          { bypassScope: true },
        ),
      ),
    ).rejects.toMatchObject({ code: 'officer_conflict', status: 409 });
  });

  it('lets the sysadmin create users but not grant officer roles', async () => {
    const ok = await createAs(sysadmin, ['data_steward', 'approver']);
    expect(ok.statusCode).toBe(201);
    expect(ok.json().roles).toEqual(['approver', 'data_steward']);
    const officer = await createAs(sysadmin, ['auditor']);
    expect(officer.statusCode).toBe(403);
    expect(officer.json().code).toBe('officer_grant_forbidden');
  });

  it('lets the secadmin assign roles, never two officer roles, and records it', async () => {
    const target = await makeUser(t.pool, { roles: ['member'], orgId });
    const ok = await assignAs(secadmin, target.id, ['auditor', 'member']);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().roles).toEqual(['auditor', 'member']);
    const conflict = await assignAs(secadmin, target.id, ['auditor', 'sysadmin']);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().code).toBe('officer_conflict');
    const { rows } = await t.pool.query(
      'SELECT role FROM datong.user_roles WHERE user_id = $1 ORDER BY role',
      [target.id],
    );
    expect(rows.map((r) => r.role)).toEqual(['auditor', 'member']);
    await t.services.ledger.flush();
    const events = await t.pool.query(
      "SELECT detail FROM audit.events WHERE action = 'user.roles.assign' AND object_id = $1",
      [target.id],
    );
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0].detail).toMatchObject({ from: ['member'], to: ['auditor', 'member'] });
  });

  it('refuses unknown roles, self-assignment, and role assignment by the sysadmin', async () => {
    const target = await makeUser(t.pool, { orgId });
    const unknown = await t.app.inject({
      method: 'PUT',
      url: `/api/users/${target.id}/roles`,
      headers: { authorization: `Bearer ${secadmin}` },
      payload: { roles: ['superuser'] },
    });
    expect(unknown.statusCode).toBe(400);
    expect((await assignAs(secadmin, secadminId, ['secadmin', 'member'])).json().code).toBe(
      'self_role_change',
    );
    const bySys = await assignAs(sysadmin, target.id, ['member']);
    expect(bySys.statusCode).toBe(403);
    expect(bySys.json().code).toBe('forbidden');
  });
});
