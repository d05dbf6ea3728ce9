import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { uscc } from '../ingest/fixtures/registry.js';
import {
  decimal,
  fillDataset,
  publishEntry,
  text,
  world,
  type Headers,
  type World,
} from './fixtures/sources.js';

/**
 * The 一数一源 registry through the HTTP API: items with their sources (entry and field names),
 * fields checked against the entry's dataset or catalog, exactly one authority per item, the
 * platform only, and every write audited.
 */

let t: TestApp;
let w: World;
let entryA: string; // 市场监管: uscc (key), qymc, fddbr — a dataset exists
let entryB: string; // 税务: nsrsbh (key), mc, zczb — published, nothing loaded
let entryApi: string; // an entry that is not a table

const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

beforeAll(async () => {
  t = await testApp();
  w = await world(t);
  entryA = await publishEntry(t, w, w.orgs.a, '企业登记信息', [
    text('统一社会信用代码', 'uscc', { key: true, required: true, length: 18 }),
    text('企业名称', 'qymc'),
    text('法定代表人', 'fddbr', { piiKind: 'name', grade: 2 }),
  ]);
  await fillDataset(t, entryA, [{ uscc: uscc(1), qymc: '企业一', fddbr: '王一' }]);
  entryB = await publishEntry(t, w, w.orgs.b, '纳税人登记信息', [
    text('纳税人识别号', 'nsrsbh', { key: true, required: true, length: 18 }),
    text('名称', 'mc'),
    decimal('注册资本', 'zczb', 18, 2),
  ]);
  const api = await t.app.inject({
    method: 'POST',
    url: '/api/catalog/entries',
    headers: w.steward,
    payload: {
      ...(await import('../ingest/fixtures/registry.js')).ENTRY,
      name: '接口资源',
      resourceKind: 'api',
    },
  });
  entryApi = api.json<{ id: string }>().id;
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const authority = () => ({ entryId: entryA, field: 'qymc', keyField: 'uscc' });

describe('the registry', () => {
  let itemId: string;

  it('registers an item with its authority and a secondary source, with entry and field names', async () => {
    const res = await send('POST', '/api/quality/items', w.sysadmin, {
      name: '企业名称',
      description: '市场主体登记的企业名称',
      subjectKind: 'uscc',
      normalise: { case: false },
      authority: authority(),
      sources: [{ entryId: entryB, field: 'mc', keyField: 'nsrsbh' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const item = res.json();
    itemId = item.id;
    expect(item).toMatchObject({
      name: '企业名称',
      description: '市场主体登记的企业名称',
      subjectKind: 'uscc',
      normalise: { trim: true, width: true, case: false, space: true },
    });
    expect(
      item.sources.map((s: Record<string, unknown>) => [
        s.role,
        s.entryName,
        s.field,
        s.fieldName,
        s.keyField,
        s.keyFieldName,
        s.providerOrgId,
      ]),
    ).toEqual([
      ['authoritative', '企业登记信息', 'qymc', '企业名称', 'uscc', '统一社会信用代码', w.orgs.a],
      ['secondary', '纳税人登记信息', 'mc', '名称', 'nsrsbh', '纳税人识别号', w.orgs.b],
    ]);
    const got = await send('GET', `/api/quality/items/${itemId}`, w.sysadmin);
    expect(got.json()).toEqual(item);
    const list = await send('GET', '/api/quality/items', w.sysadmin);
    expect(list.json().items.map((i: { id: string }) => i.id)).toEqual([itemId]);
    await t.services.ledger.flush();
    const { rows } = await t.pool.query(
      `SELECT action, object_id, detail FROM audit.events WHERE action = 'quality.item.create'`,
    );
    expect(rows).toMatchObject([{ object_id: itemId, detail: { name: '企业名称', subjectKind: 'uscc' } }]);
  });

  it('refuses a second authoritative source, clearly, in zh-CN and en', async () => {
    const url = `/api/quality/items/${itemId}/sources`;
    const body = { role: 'authoritative', entryId: entryB, field: 'zczb', keyField: 'nsrsbh' };
    const zh = await send('POST', url, { ...w.sysadmin, 'accept-language': 'zh-CN' }, body);
    expect(zh.statusCode).toBe(409);
    expect(zh.json()).toMatchObject({
      code: 'quality_authority_exists',
      title:
        '数据项「企业名称」已有权威来源（「企业登记信息」的信息项 qymc）；一数一源：每个数据项只能有一个权威来源，如需更换请修改数据项的权威来源',
    });
    const en = await send('POST', url, { ...w.sysadmin, 'accept-language': 'en' }, body);
    expect(en.json().title).toBe(
      'The data item "企业名称" already has an authoritative source (field qymc of "企业登记信息"); one item, one source: to change it, update the item\'s authority',
    );
    // The database agrees: the partial unique index holds even without the service.
    await expect(
      t.pool.query(
        `INSERT INTO datong.data_item_sources (item_id, role, entry_id, field, key_field)
         VALUES ($1, 'authoritative', $2, 'zczb', 'nsrsbh')`,
        [itemId, entryB],
      ),
    ).rejects.toMatchObject({ constraint: 'data_item_sources_one_authority' });
  });

  it('refuses removing the authority, and an unknown field, a repeated source, a non-table entry', async () => {
    const item = (await send('GET', `/api/quality/items/${itemId}`, w.sysadmin)).json();
    const auth = item.sources.find((s: { role: string }) => s.role === 'authoritative');
    const del = await send('DELETE', `/api/quality/sources/${auth.id}`, {
      ...w.sysadmin,
      'accept-language': 'en',
    });
    expect(del.statusCode).toBe(409);
    expect(del.json()).toMatchObject({ code: 'quality_authority_required' });

    const url = `/api/quality/items/${itemId}/sources`;
    const unknown = await send('POST', url, w.sysadmin, {
      role: 'secondary',
      entryId: entryB,
      field: 'qymc',
      keyField: 'nsrsbh',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      code: 'quality_field_unknown',
      title: '目录条目「纳税人登记信息」没有这些信息项：qymc',
      errors: [{ path: '/field', message: 'unknown field' }],
    });
    // entryA has a dataset: its columns decide (the same codes here).
    const badKey = await send('POST', url, w.sysadmin, {
      role: 'secondary',
      entryId: entryA,
      field: 'fddbr',
      keyField: 'nsrsbh',
    });
    expect(badKey.json()).toMatchObject({ code: 'quality_field_unknown', errors: [{ path: '/keyField' }] });
    const again = await send('POST', url, w.sysadmin, {
      role: 'secondary',
      entryId: entryB,
      field: 'mc',
      keyField: 'nsrsbh',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('quality_source_exists');
    const api = await send('POST', url, w.sysadmin, {
      role: 'secondary',
      entryId: entryApi,
      field: 'qymc',
      keyField: 'uscc',
    });
    expect(api.statusCode).toBe(409);
    expect(api.json().code).toBe('quality_entry_unusable');
    const missing = await send('POST', url, w.sysadmin, {
      role: 'secondary',
      entryId: '00000000-0000-4000-8000-000000000000',
      field: 'qymc',
      keyField: 'uscc',
    });
    expect(missing.statusCode).toBe(404);
    const sources = (await send('GET', `/api/quality/items/${itemId}`, w.sysadmin)).json().sources;
    expect(sources.length).toBe(2);
  });

  it('replaces the authority by promoting a secondary source (the roles swap), and updates options', async () => {
    const res = await send('PATCH', `/api/quality/items/${itemId}`, w.sysadmin, {
      name: '市场主体名称',
      normalise: { case: true },
      authority: { entryId: entryB, field: 'mc', keyField: 'nsrsbh' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const item = res.json();
    expect(item.name).toBe('市场主体名称');
    expect(item.normalise).toEqual({ trim: true, width: true, case: true, space: true });
    expect(item.sources.map((s: { role: string; field: string }) => `${s.role}:${s.field}`)).toEqual([
      'authoritative:mc',
      'secondary:qymc',
    ]);
    // Back again, then the authority moves in place to another field.
    await send('PATCH', `/api/quality/items/${itemId}`, w.sysadmin, { authority: authority() });
    const moved = await send('PATCH', `/api/quality/items/${itemId}`, w.sysadmin, {
      authority: { entryId: entryA, field: 'fddbr', keyField: 'uscc' },
    });
    expect(moved.json().sources.map((s: { role: string; field: string }) => `${s.role}:${s.field}`)).toEqual([
      'authoritative:fddbr',
      'secondary:mc',
    ]);
  });

  it('names are unique; secondary sources and items can be removed', async () => {
    const dup = await send('POST', '/api/quality/items', w.sysadmin, {
      name: '市场主体名称',
      subjectKind: 'uscc',
      authority: authority(),
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('quality_item_name_taken');

    const item = (await send('GET', `/api/quality/items/${itemId}`, w.sysadmin)).json();
    const secondary = item.sources.find((s: { role: string }) => s.role === 'secondary');
    expect((await send('DELETE', `/api/quality/sources/${secondary.id}`, w.sysadmin)).statusCode).toBe(204);
    expect((await send('GET', `/api/quality/items/${itemId}`, w.sysadmin)).json().sources.length).toBe(1);
    expect((await send('DELETE', `/api/quality/items/${itemId}`, w.sysadmin)).statusCode).toBe(204);
    expect((await send('GET', `/api/quality/items/${itemId}`, w.sysadmin)).statusCode).toBe(404);
    await t.services.ledger.flush();
    const { rows } = await t.pool.query<{ action: string }>(
      `SELECT action FROM audit.events WHERE action LIKE 'quality.%' ORDER BY seq`,
    );
    expect(rows.map((r) => r.action)).toEqual([
      'quality.item.create',
      'quality.item.update',
      'quality.item.update',
      'quality.item.update',
      'quality.source.delete',
      'quality.item.delete',
    ]);
  });

  it('is the platform’s: stewards, approvers and auditors are refused', async () => {
    for (const roles of [['data_steward'], ['approver'], ['auditor'], ['org_admin']] as const) {
      const h = await w.token([...roles], w.orgs.a);
      expect((await send('GET', '/api/quality/items', h)).statusCode).toBe(403);
      expect(
        (
          await send('POST', '/api/quality/items', h, {
            name: 'x',
            subjectKind: 'uscc',
            authority: authority(),
          })
        ).statusCode,
      ).toBe(403);
      expect((await send('GET', '/api/quality/crosschecks', h)).statusCode).toBe(403);
      expect((await send('POST', '/api/quality/crosschecks', h)).statusCode).toBe(403);
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/quality/items' })).statusCode).toBe(401);
  });
});
