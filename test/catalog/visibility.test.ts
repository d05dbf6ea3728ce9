import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { visibilityFilter, type EntryInput } from '../../src/modules/catalog/index.js';
import type { Actor, Role } from '../../src/platform/policy/permissions.js';

function sample(overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    category: 'department',
    classification: ['7'],
    name: '纳税人状态信息',
    summary: '纳税人的登记与非正常户状态',
    resourceKind: 'table',
    formats: ['csv'],
    updateCycle: 'weekly',
    relatedCodes: [],
    tags: ['税务'],
    responsible: { person: '王五', phone: '0571-88888888' },
    shareType: 'unconditional',
    shareMethod: 'file',
    openType: 'unconditional',
    licence: 'CC-BY-4.0',
    grade: 1,
    important: false,
    core: false,
    fields: [
      {
        name: '纳税人识别号',
        type: 'string',
        length: 20,
        required: true,
        key: true,
        piiKind: 'none',
        grade: 1,
      },
    ],
    ...overrides,
  };
}

let t: TestApp;
interface Who {
  headers: Record<string, string>;
  actor: Actor;
}
const who: Record<string, Who> = {};
const ids: Record<string, string> = {};
let providerOrgId: string;
let childOrgId: string;

async function as(roles: Role[], orgId?: string): Promise<Who> {
  const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
  const headers = { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  const actor: Actor = {
    kind: 'user',
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    orgId: u.orgId,
    roles,
    via: 'token',
  };
  return { headers, actor };
}

const post = (url: string, headers: Record<string, string>, payload: object = {}) =>
  t.app.inject({ method: 'POST', url, headers, payload });
const get = (url: string, who?: Who) => t.app.inject({ method: 'GET', url, headers: who?.headers ?? {} });

async function make(by: Who, input: EntryInput, publish: boolean): Promise<string> {
  const res = await post('/api/catalog/entries', by.headers, input as object);
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  if (publish) {
    expect((await post(`/api/catalog/entries/${id}/submit`, by.headers)).statusCode).toBe(200);
    // No body at all: the approval comment is optional.
    const ok = await t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${id}/approve`,
      headers: who.reviewer!.headers,
    });
    expect(ok.statusCode).toBe(200);
  }
  return id;
}

beforeAll(async () => {
  t = await testApp();
  providerOrgId = (await makeOrg(t.pool, { name: '省税务局' })).id;
  childOrgId = (await makeOrg(t.pool, { name: '某市税务局', parentId: providerOrgId })).id;
  const otherOrg = (await makeOrg(t.pool)).id;
  who.reviewer = await as(['sysadmin']);
  who.steward = await as(['data_steward'], providerOrgId);
  who.colleague = await as(['member'], providerOrgId);
  who.childSteward = await as(['data_steward'], childOrgId);
  who.parentAdmin = await as(['org_admin'], providerOrgId);
  who.department = await as(['member'], otherOrg);
  who.otherSteward = await as(['data_steward'], otherOrg);
  who.citizen = await as(['public_user']);

  ids.open = await make(who.steward!, sample(), true);
  ids.closed = await make(
    who.steward!,
    sample({ name: '纳税信用评价', openType: 'none', openCondition: '涉及商业秘密' }),
    true,
  );
  ids.notShared = await make(
    who.steward!,
    sample({
      name: '税收违法案件线索',
      shareType: 'none',
      shareCondition: '依据《税收征收管理法》第八条不予共享',
      openType: 'none',
      openCondition: '依法不予开放',
    }),
    true,
  );
  ids.draft = await make(who.steward!, sample({ name: '草稿条目' }), false);
  ids.childDraft = await make(who.childSteward!, sample({ name: '下级机构草稿' }), false);
  // A published entry being revised: version 2 is a draft, version 1 stays public.
  ids.revised = await make(who.steward!, sample({ name: '发票信息' }), true);
  await post(`/api/catalog/entries/${ids.revised}/revise`, who.steward!.headers);
});
afterAll(async () => t?.close());

/** What GET /api/catalog/entries/:id answers per entry: 404, 'full', or 'restricted'. */
async function views(w?: Who): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, id] of Object.entries(ids)) {
    const res = await get(`/api/catalog/entries/${id}`, w);
    if (res.statusCode === 404) out[name] = '404';
    else {
      expect(res.statusCode).toBe(200);
      const body = res.json();
      out[name] = body.restricted ? 'restricted' : `v${body.version}`;
      if (body.restricted) expect(body.fields).toEqual([]);
    }
  }
  return out;
}

describe('catalog visibility', () => {
  it('shows anonymous callers and public users open published entries only', async () => {
    const expected = {
      open: 'v1',
      closed: '404',
      notShared: '404',
      draft: '404',
      childDraft: '404',
      revised: 'v1',
    };
    expect(await views()).toEqual(expected);
    expect(await views(who.citizen)).toEqual(expected);
  });

  it('shows other departments every published entry, not-shared ones restricted, no drafts', async () => {
    const expected = {
      open: 'v1',
      closed: 'v1',
      notShared: 'restricted',
      draft: '404',
      childDraft: '404',
      revised: 'v1',
    };
    expect(await views(who.department)).toEqual(expected);
    expect(await views(who.otherSteward)).toEqual(expected);
    const body = (await get(`/api/catalog/entries/${ids.notShared}`, who.department)).json();
    // Metadata and the legal basis stay visible.
    expect(body).toMatchObject({
      name: '税收违法案件线索',
      shareType: 'none',
      shareCondition: '依据《税收征收管理法》第八条不予共享',
      restricted: true,
    });
    const diff = (await get(`/api/catalog/entries/${ids.notShared}/diff?from=1&to=1`, who.department)).json();
    expect(diff.fields).toEqual({ added: [], removed: [], changed: [] });
  });

  it('shows the provider organisation its drafts and full not-shared entries; colleagues without write see published', async () => {
    expect(await views(who.steward)).toMatchObject({
      notShared: 'v1',
      draft: 'v1',
      childDraft: '404',
      revised: 'v2',
    });
    expect(await views(who.colleague)).toMatchObject({ notShared: 'v1', draft: '404', revised: 'v1' });
    // An org_admin maintains its sub-organisations too.
    expect(await views(who.parentAdmin)).toMatchObject({ draft: 'v1', childDraft: 'v1', revised: 'v2' });
  });

  it('shows reviewers everything', async () => {
    expect(await views(who.reviewer)).toEqual({
      open: 'v1',
      closed: 'v1',
      notShared: 'v1',
      draft: 'v1',
      childDraft: 'v1',
      revised: 'v2',
    });
  });

  it('hides draft versions, internal history and invisible versions from outsiders', async () => {
    const versions = (await get(`/api/catalog/entries/${ids.revised}/versions`, who.department)).json().items;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([1]);
    expect((await get(`/api/catalog/entries/${ids.revised}?version=2`, who.department)).statusCode).toBe(404);
    expect((await get(`/api/catalog/entries/${ids.revised}?version=2`, who.steward)).json().status).toBe(
      'draft',
    );
    const outsider = (await get(`/api/catalog/entries/${ids.revised}/history`, who.department)).json().items;
    expect(outsider.map((h: { action: string }) => h.action)).toEqual(['approve']);
    const own = (await get(`/api/catalog/entries/${ids.revised}/history`, who.steward)).json().items;
    expect(own.map((h: { action: string }) => h.action)).toEqual(['create', 'submit', 'approve', 'revise']);
    expect((await get(`/api/catalog/entries/${ids.draft}/history`)).statusCode).toBe(404);
    // Changing an invisible entry looks like changing a missing one.
    expect(
      (await post(`/api/catalog/entries/${ids.draft}/submit`, who.otherSteward!.headers)).statusCode,
    ).toBe(404);
  });

  it('visibilityFilter selects the same rows in SQL, one per entry, with the same restriction', async () => {
    const ours = Object.values(ids);
    const nameOf = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    const rowsFor = async (actor: Actor): Promise<Record<string, string>> => {
      const f = visibilityFilter(actor, { firstParam: 2 });
      const { rows } = await t.pool.query<{ entry_id: string; version: number; restricted: boolean }>(
        `SELECT v.entry_id, v.version, ${f.restricted} AS restricted FROM datong.catalog_versions v
          WHERE v.entry_id = ANY($1::uuid[]) AND ${f.sql}`,
        [ours, ...f.params],
      );
      const out: Record<string, string> = {};
      for (const r of rows) {
        const name = nameOf[r.entry_id]!;
        expect(out[name], `one row per entry (${name})`).toBeUndefined();
        out[name] = r.restricted ? 'restricted' : `v${r.version}`;
      }
      return out;
    };
    const http = async (w?: Who) =>
      Object.fromEntries(Object.entries(await views(w)).filter(([, v]) => v !== '404'));
    expect(await rowsFor({ kind: 'anonymous' })).toEqual(await http());
    for (const name of [
      'citizen',
      'department',
      'otherSteward',
      'steward',
      'colleague',
      'parentAdmin',
      'reviewer',
    ]) {
      expect(await rowsFor(who[name]!.actor), name).toEqual(await http(who[name]));
    }
  });
});
