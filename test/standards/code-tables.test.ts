import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeUser } from '../support/factories.js';
import {
  codeTableExists,
  ensureBuiltinStandards,
  getCodeTableValues,
} from '../../src/modules/standards/index.js';

interface Value {
  code: string;
  label: string;
  parentCode: string | null;
}
interface Detail {
  id: string;
  identifier: string;
  version: string;
  valueCount: number;
  builtin: boolean;
  versions: { id: string; version: string }[];
  values: Value[];
  nextCursor: string | null;
}

let t: TestApp;
let manager: string;
let reader: string;
let publicUser: string;

beforeAll(async () => {
  t = await testApp();
  const password = 'Standards-Test-2026!';
  const make = async (role: 'sysadmin' | 'member' | 'public_user') => {
    const u = await makeUser(t.pool, { roles: [role], password });
    return bearerFor(t.app, u.username, password);
  };
  [manager, reader, publicUser] = await Promise.all([make('sysadmin'), make('member'), make('public_user')]);
});
afterAll(async () => t?.close());

const get = (url: string, token: string | null = reader, lang = 'zh-CN') =>
  t.app.inject({
    method: 'GET',
    url,
    headers: { 'accept-language': lang, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
const post = (url: string, payload: unknown, token: string | null = manager, lang = 'zh-CN') =>
  t.app.inject({
    method: 'POST',
    url,
    payload: payload as object,
    headers: { 'accept-language': lang, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
const GBT2260 = `/api/standards/code-tables/${encodeURIComponent('GB/T 2260')}`;

async function lastEvent(action: string): Promise<Record<string, unknown> | undefined> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query(
    'SELECT action, object_id, detail FROM audit.events WHERE action = $1 ORDER BY seq DESC LIMIT 1',
    [action],
  );
  return rows[0] as Record<string, unknown> | undefined;
}

describe('built-in code tables', () => {
  it('lists GB/T 2260 and GB/T 2261.1 with their value counts', async () => {
    const res = await get('/api/standards/code-tables');
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: { identifier: string; valueCount: number; builtin: boolean }[] }>().items;
    const region = items.find((i) => i.identifier === 'GB/T 2260');
    expect(region?.builtin).toBe(true);
    expect(region?.valueCount).toBeGreaterThan(3000);
    expect(items.find((i) => i.identifier === 'GB/T 2261.1')).toMatchObject({ valueCount: 4, builtin: true });
  });

  it('reads the values under 440000 with parent codes, page by page', async () => {
    const first = await get(`${GBT2260}?parent=440000&limit=15`);
    expect(first.statusCode).toBe(200);
    const page1 = first.json<Detail>();
    expect(page1.identifier).toBe('GB/T 2260');
    expect(page1.values).toHaveLength(15);
    expect(page1.values[0]).toEqual({ code: '440100', label: '广州市', parentCode: '440000' });
    expect(page1.values.every((v) => v.parentCode === '440000')).toBe(true);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = (await get(`${GBT2260}?parent=440000&limit=15&cursor=${page1.nextCursor}`)).json<Detail>();
    // 广东省 has 21 prefecture-level cities.
    expect(page2.values).toHaveLength(6);
    expect(page2.nextCursor).toBeNull();
    expect(page2.values.map((v) => v.code)).toContain('445300');
    expect(new Set([...page1.values, ...page2.values].map((v) => v.code)).size).toBe(21);

    const districts = (await get(`${GBT2260}?parent=440100&limit=100`)).json<Detail>().values;
    expect(districts).toContainEqual({ code: '440106', label: '天河区', parentCode: '440100' });
  });

  it('searches by code prefix or label substring', async () => {
    const byLabel = (await get(`${GBT2260}?q=${encodeURIComponent('天河')}`)).json<Detail>().values;
    expect(byLabel.map((v) => v.code)).toEqual(['440106']);
    const byPrefix = (await get(`${GBT2260}?q=4401&limit=1000`)).json<Detail>().values;
    expect(byPrefix.length).toBeGreaterThan(10);
    expect(byPrefix.every((v) => v.code.startsWith('4401'))).toBe(true);
    const sex = (await get(`/api/standards/code-tables/${encodeURIComponent('GB/T 2261.1')}`)).json<Detail>();
    expect(sex.version).toBe('2003');
    expect(sex.values.map((v) => `${v.code}${v.label}`)).toEqual([
      '0未知的性别',
      '1男性',
      '2女性',
      '9未说明的性别',
    ]);
  });

  it('refuses a malformed cursor and answers 404 for an unknown table', async () => {
    const bad = await get(`${GBT2260}?cursor=nonsense`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('validation');
    expect((await get('/api/standards/code-tables/NO-SUCH-TABLE')).statusCode).toBe(404);
    expect((await get(`${GBT2260}?version=1999`)).statusCode).toBe(404);
  });

  it('loads idempotently and cheaply at every start', async () => {
    const start = performance.now();
    expect(await ensureBuiltinStandards(t.pool)).toEqual({ tables: [], elements: [] });
    expect(performance.now() - start).toBeLessThan(500);
    const region = (await get(GBT2260)).json<Detail>();
    expect(await codeTableExists(t.pool, region.id)).toBe(true);
    expect(await codeTableExists(t.pool, 'not-a-uuid')).toBe(false);
    const values = await getCodeTableValues(t.pool, region.id);
    expect(values?.length).toBe(region.valueCount);
    expect(values).toContainEqual({ code: '110101', label: '东城区', parentCode: '110100' });
    expect(await getCodeTableValues(t.pool, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });
});

describe('creating code tables and versions', () => {
  const identifier = 'DT/T 0001';
  const v1 = {
    identifier,
    name: '证照类型代码',
    version: '1.0',
    description: '测试用代码表',
    values: [
      { code: '1', label: '营业执照' },
      { code: '11', label: '企业营业执照', parentCode: '1' },
      { code: '2', label: '许可证' },
    ],
  };

  it('creates a table and audits it', async () => {
    const res = await post('/api/standards/code-tables', v1);
    expect(res.statusCode).toBe(201);
    const table = res.json<{ id: string; valueCount: number; builtin: boolean }>();
    expect(table).toMatchObject({ identifier, version: '1.0', valueCount: 3, builtin: false });
    expect(await lastEvent('standards.code_table.create')).toMatchObject({ object_id: table.id });
  });

  it('adds a new version; the identifier reads as the latest unless a version is asked', async () => {
    const res = await post('/api/standards/code-tables', {
      ...v1,
      version: '2.0',
      values: [...v1.values, { code: '3', label: '资质证书' }],
    });
    expect(res.statusCode).toBe(201);
    const event = await lastEvent('standards.code_table.version');
    expect(event?.detail).toMatchObject({
      identifier,
      version: '2.0',
      previousVersion: '1.0',
      valueCount: 4,
    });

    const latest = (await get(`/api/standards/code-tables/${encodeURIComponent(identifier)}`)).json<Detail>();
    expect(latest.version).toBe('2.0');
    expect(latest.values).toHaveLength(4);
    expect(latest.versions.map((v) => v.version)).toEqual(['2.0', '1.0']);
    const old = (
      await get(`/api/standards/code-tables/${encodeURIComponent(identifier)}?version=1.0`)
    ).json<Detail>();
    expect(old.values.map((v) => v.code)).toEqual(['1', '11', '2']);
    expect(old.values[1]).toEqual({ code: '11', label: '企业营业执照', parentCode: '1' });
    // By id, and by id with another version of the same identifier.
    expect((await get(`/api/standards/code-tables/${old.id}`)).json<Detail>().version).toBe('1.0');
    expect((await get(`/api/standards/code-tables/${old.id}?version=2.0`)).json<Detail>().id).toBe(latest.id);

    const list = (
      await get(`/api/standards/code-tables?identifier=${encodeURIComponent(identifier)}&latest=true`)
    ).json<{
      items: { version: string }[];
    }>();
    expect(list.items.map((i) => i.version)).toEqual(['2.0']);
  });

  it('refuses an existing version with 409', async () => {
    const res = await post('/api/standards/code-tables', v1);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'code_table_version_taken',
      title: '代码表 DT/T 0001 已有版本 1.0',
    });
  });

  it('refuses duplicate codes, unknown parents and loops, in Chinese by default and in English on request', async () => {
    const bad = {
      identifier: 'DT/T 0002',
      name: '错误的代码表',
      version: '1',
      values: [
        { code: 'A', label: '甲' },
        { code: 'A', label: '甲二' },
        { code: 'B', label: '乙', parentCode: 'Z' },
        { code: 'C', label: '丙', parentCode: 'D' },
        { code: 'D', label: '丁', parentCode: 'C' },
      ],
    };
    const zh = await post('/api/standards/code-tables', bad);
    expect(zh.statusCode).toBe(400);
    expect(zh.json()).toMatchObject({
      code: 'code_table_values_invalid',
      title: '代码表的代码值有误',
      errors: [
        { path: '/values/1/code', message: '代码 A 重复' },
        { path: '/values/2/parentCode', message: '上级代码 Z 不在本代码表中' },
        { path: '/values/3/parentCode', message: '代码 C 的上级关系形成了环' },
        { path: '/values/4/parentCode', message: '代码 D 的上级关系形成了环' },
      ],
    });
    const en = await post('/api/standards/code-tables', bad, manager, 'en');
    expect(en.json().errors[0].message).toBe('The code A appears more than once');
    const missing = await post('/api/standards/code-tables', {
      identifier: 'X',
      name: '缺少代码值',
      version: '1',
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ code: 'validation', title: '请求内容不符合要求' });
  });

  it('enforces standards.read and standards.manage', async () => {
    expect((await post('/api/standards/code-tables', v1, reader)).statusCode).toBe(403);
    expect((await get('/api/standards/code-tables', publicUser)).statusCode).toBe(403);
    expect((await get('/api/standards/code-tables', null)).statusCode).toBe(401);
    expect((await get(GBT2260, publicUser)).statusCode).toBe(403);
  });
});
