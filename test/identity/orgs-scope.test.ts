import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, freshUscc, makeOrg, makeUser } from '../support/factories.js';
import { usccWithCheck } from '../../src/platform/validators/index.js';
import type { Role } from '../../src/platform/policy/permissions.js';

let t: TestApp;
let sysadmin: Record<string, string>;
beforeAll(async () => {
  t = await testApp();
  const sys = await makeUser(t.pool, { roles: ['sysadmin'] });
  sysadmin = { authorization: `Bearer ${await bearerFor(t.app, sys.username, sys.password)}` };
});
afterAll(async () => t?.close());

const as = async (roles: Role[], orgId: string) => {
  const u = await makeUser(t.pool, { roles, orgId });
  return { user: u, headers: { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` } };
};

describe('organisations', () => {
  const create = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/orgs', headers: sysadmin, payload });

  it('creates an organisation with a valid code and records it', async () => {
    const parent = await makeOrg(t.pool);
    const uscc = freshUscc('440300');
    const res = await create({
      name: '深圳市数据局',
      uscc,
      regionCode: '440300',
      kind: 'government',
      parentId: parent.id,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      name: '深圳市数据局',
      uscc,
      regionCode: '440300',
      kind: 'government',
      parentId: parent.id,
    });
    const list = await t.app.inject({ method: 'GET', url: '/api/orgs', headers: sysadmin });
    expect(list.json().items.map((o: { uscc: string }) => o.uscc)).toContain(uscc);
    await t.services.ledger.flush();
    const ev = await t.pool.query(
      "SELECT 1 FROM audit.events WHERE action = 'org.create' AND object_id = $1",
      [res.json().id],
    );
    expect(ev.rowCount).toBe(1);
  });

  it('accepts the real code 91350100M000100Y43 and refuses a wrong check character', async () => {
    const ok = await create({
      name: '某公司',
      uscc: '91350100M000100Y43',
      regionCode: '350100',
      kind: 'company',
    });
    expect(ok.statusCode).toBe(201);
    const dup = await create({
      name: '另一公司',
      uscc: '91350100M000100Y43',
      regionCode: '350100',
      kind: 'company',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('uscc_taken');
    const body = '91440300MA5F00000';
    const good = usccWithCheck(body);
    const wrongCheck = body + (good.endsWith('0') ? '1' : '0');
    for (const uscc of [wrongCheck, '91440300MA5F0000', '91440300MA5F00000IO']) {
      const bad = await create({ name: '坏代码', uscc, regionCode: '440300', kind: 'company' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().code).toBe('uscc_invalid');
    }
    const badRegion = await create({
      name: '坏区划',
      uscc: freshUscc(),
      regionCode: '000000',
      kind: 'other',
    });
    expect(badRegion.json().code).toBe('region_code_invalid');
  });

  it('refuses unknown properties and cycles in the tree', async () => {
    const extra = await create({
      name: 'x',
      uscc: freshUscc(),
      regionCode: '440100',
      kind: 'other',
      boss: 'me',
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().code).toBe('validation');
    const a = await makeOrg(t.pool);
    const b = await makeOrg(t.pool, { parentId: a.id });
    const cycle = await t.app.inject({
      method: 'PATCH',
      url: `/api/orgs/${a.id}`,
      headers: sysadmin,
      payload: { parentId: b.id },
    });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().code).toBe('org_parent_invalid');
    const rename = await t.app.inject({
      method: 'PATCH',
      url: `/api/orgs/${a.id}`,
      headers: sysadmin,
      payload: { name: '改名' },
    });
    expect(rename.json()).toMatchObject({ id: a.id, name: '改名' });
  });
});

describe('org_admin scope', () => {
  it('manages users of its own organisation and the ones below, nothing else', async () => {
    const home = await makeOrg(t.pool);
    const child = await makeOrg(t.pool, { parentId: home.id });
    const other = await makeOrg(t.pool);
    const { headers } = await as(['org_admin'], home.id);
    const inChild = await makeUser(t.pool, { orgId: child.id });
    const inOther = await makeUser(t.pool, { orgId: other.id });

    const newUser = (orgId: string, roles: string[] = ['member']) =>
      t.app.inject({
        method: 'POST',
        url: '/api/users',
        headers,
        payload: {
          username: `sc_${Math.random().toString(36).slice(2, 10)}`,
          displayName: '新用户',
          password: 'Scoped-Passw0rd!',
          orgId,
          roles,
        },
      });
    expect((await newUser(child.id)).statusCode).toBe(201);
    const outside = await newUser(other.id);
    expect(outside.statusCode).toBe(403);
    expect(outside.json().code).toBe('org_out_of_scope');
    expect((await newUser(home.id, ['sysadmin'])).json().code).toBe('officer_grant_forbidden');

    const list = await t.app.inject({ method: 'GET', url: '/api/users?limit=200', headers });
    const ids = list.json().items.map((u: { id: string }) => u.id);
    expect(ids).toContain(inChild.id);
    expect(ids).not.toContain(inOther.id);
    expect((await t.app.inject({ method: 'GET', url: `/api/users/${inOther.id}`, headers })).statusCode).toBe(
      404,
    );
    const disable = await t.app.inject({
      method: 'PATCH',
      url: `/api/users/${inOther.id}`,
      headers,
      payload: { disabled: true },
    });
    expect(disable.statusCode).toBe(404);
    const move = await t.app.inject({
      method: 'PATCH',
      url: `/api/users/${inChild.id}`,
      headers,
      payload: { orgId: other.id },
    });
    expect(move.statusCode).toBe(403);
    const ok = await t.app.inject({
      method: 'PATCH',
      url: `/api/users/${inChild.id}`,
      headers,
      payload: { disabled: true },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().disabled).toBe(true);
  });

  it('paginates the user list with a keyset cursor', async () => {
    const org = await makeOrg(t.pool);
    for (let i = 0; i < 5; i++) await makeUser(t.pool, { orgId: org.id, username: `page_${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { json<T>(): T } = await t.app.inject({
        method: 'GET',
        url: `/api/users?orgId=${org.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: sysadmin,
      });
      const page = res.json<{ items: { username: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((u) => u.username));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['page_0', 'page_1', 'page_2', 'page_3', 'page_4']);
    const q = await t.app.inject({ method: 'GET', url: `/api/users?q=page_3`, headers: sysadmin });
    expect(q.json().items.map((u: { username: string }) => u.username)).toEqual(['page_3']);
  });

  it('developers see and manage only the apps of their own organisation', async () => {
    const home = await makeOrg(t.pool);
    const other = await makeOrg(t.pool);
    const dev = await as(['developer'], home.id);
    const foreign = await as(['developer'], other.id);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/apps',
      headers: dev.headers,
      payload: { name: '社保查询' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      name: '社保查询',
      orgId: home.id,
      createdBy: dev.user.id,
      description: null,
    });
    const appId = created.json().id;
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/apps',
      headers: dev.headers,
      payload: { name: '社保查询' },
    });
    expect(dup.json().code).toBe('app_name_taken');
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/apps/${appId}`, headers: foreign.headers })).statusCode,
    ).toBe(404);
    const steal = await t.app.inject({
      method: 'POST',
      url: `/api/apps/${appId}/credentials`,
      headers: foreign.headers,
      payload: {},
    });
    expect(steal.statusCode).toBe(404);
    const mine = await t.app.inject({ method: 'GET', url: '/api/apps', headers: dev.headers });
    expect(mine.json().items.map((a: { id: string }) => a.id)).toEqual([appId]);
    const all = await t.app.inject({ method: 'GET', url: '/api/apps', headers: sysadmin });
    expect(all.json().items.map((a: { id: string }) => a.id)).toContain(appId);
  });
});
