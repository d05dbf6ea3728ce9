import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeUser } from '../support/factories.js';
import { dataElementExists } from '../../src/modules/standards/index.js';

interface Element {
  id: string;
  identifier: string;
  name: string;
  type: string;
  length: number | null;
  validator: { kind: string; pattern?: string } | null;
  codeTableId: string | null;
  codeTable: { identifier: string; version: string } | null;
  builtin: boolean;
}

let t: TestApp;
let manager: string;
let reader: string;
let steward: string;

beforeAll(async () => {
  t = await testApp();
  const password = 'Standards-Test-2026!';
  const make = async (role: 'sysadmin' | 'member' | 'data_steward') => {
    const u = await makeUser(t.pool, { roles: [role], password });
    return bearerFor(t.app, u.username, password);
  };
  [manager, reader, steward] = await Promise.all([make('sysadmin'), make('member'), make('data_steward')]);
});
afterAll(async () => t?.close());

const call = (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: unknown,
  token: string | null = manager,
  lang = 'zh-CN',
) =>
  t.app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: payload as object }),
    headers: { 'accept-language': lang, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

async function sexTableId(): Promise<string> {
  const res = await call(
    'GET',
    `/api/standards/code-tables/${encodeURIComponent('GB/T 2261.1')}`,
    undefined,
    reader,
  );
  return res.json<{ id: string }>().id;
}

describe('built-in data elements', () => {
  it('ships the real elements, referencing the built-in tables and validators', async () => {
    const res = await call('GET', '/api/standards/data-elements', undefined, reader);
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: Element[] }>().items;
    const byName = new Map(items.map((e) => [e.name, e]));
    expect(byName.get('统一社会信用代码')).toMatchObject({
      length: 18,
      validator: { kind: 'uscc' },
      builtin: true,
    });
    expect(byName.get('公民身份号码')?.validator).toEqual({ kind: 'id_number' });
    expect(byName.get('性别代码')?.codeTable).toMatchObject({ identifier: 'GB/T 2261.1', version: '2003' });
    expect(byName.get('行政区划代码')).toMatchObject({
      validator: { kind: 'region_code' },
      codeTable: { identifier: 'GB/T 2260' },
    });
    expect(byName.get('手机号码')?.validator).toEqual({ kind: 'mobile' });
    expect(byName.get('电子邮箱')?.validator).toEqual({ kind: 'email' });
  });

  it('keeps built-in elements read-only', async () => {
    const items = (await call('GET', '/api/standards/data-elements?q=DE00001', undefined, reader)).json<{
      items: Element[];
    }>().items;
    expect(items).toHaveLength(1);
    const res = await call('PATCH', `/api/standards/data-elements/${items[0]?.id}`, { name: '改名' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'builtin_readonly',
      title: '内置数据标准不可修改，请新建数据元',
    });
  });
});

describe('creating and changing data elements', () => {
  let created: Element;

  it('creates an element referencing a code table and a regex validator, audited', async () => {
    const res = await call('POST', '/api/standards/data-elements', {
      identifier: 'DE10001',
      name: '车牌号码',
      type: 'string',
      length: 8,
      validator: { kind: 'regex', pattern: '\\p{Script=Han}[A-Z][A-Z0-9]{5,6}' },
      codeTableId: await sexTableId(),
      description: '机动车号牌号码（测试）',
    });
    expect(res.statusCode).toBe(201);
    created = res.json<Element>();
    expect(created).toMatchObject({
      identifier: 'DE10001',
      validator: { kind: 'regex' },
      codeTable: { identifier: 'GB/T 2261.1' },
      builtin: false,
    });
    expect(await dataElementExists(t.pool, created.id)).toBe(true);
    expect(await dataElementExists(t.pool, 'DE10001')).toBe(false);
    await t.services.ledger.flush();
    const { rows } = await t.pool.query(
      "SELECT object_id FROM audit.events WHERE action = 'standards.data_element.create' ORDER BY seq DESC LIMIT 1",
    );
    expect(rows[0]).toEqual({ object_id: created.id });
  });

  it('patches it: a different validator, no code table; audited with what changed', async () => {
    const res = await call('PATCH', `/api/standards/data-elements/${created.id}`, {
      validator: { kind: 'id_number' },
      codeTableId: null,
      length: 18,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      validator: { kind: 'id_number' },
      codeTableId: null,
      codeTable: null,
      length: 18,
    });
    expect(
      (await call('GET', `/api/standards/data-elements/${created.id}`, undefined, reader)).json(),
    ).toMatchObject({
      name: '车牌号码',
      length: 18,
    });
    await t.services.ledger.flush();
    const { rows } = await t.pool.query(
      "SELECT detail FROM audit.events WHERE action = 'standards.data_element.update' ORDER BY seq DESC LIMIT 1",
    );
    expect(Object.keys((rows[0] as { detail: { changed: object } }).detail.changed).sort()).toEqual([
      'codeTableId',
      'length',
      'validator',
    ]);
  });

  it('refuses a taken identifier, an unknown code table and contradictory definitions, in Chinese', async () => {
    const dup = await call('POST', '/api/standards/data-elements', {
      identifier: 'DE10001',
      name: '重复',
      type: 'string',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({
      code: 'data_element_identifier_taken',
      title: '数据元标识符 DE10001 已存在',
    });

    const unknown = await call('POST', '/api/standards/data-elements', {
      identifier: 'DE10002',
      name: '未知代码表',
      type: 'string',
      codeTableId: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('code_table_unknown');

    const contradictory = await call('POST', '/api/standards/data-elements', {
      identifier: 'DE10003',
      name: '矛盾的定义',
      type: 'integer',
      length: 10,
      scale: 2,
      validator: { kind: 'regex' },
    });
    expect(contradictory.statusCode).toBe(400);
    expect(contradictory.json()).toMatchObject({
      code: 'data_element_invalid',
      title: '数据元定义有误',
      errors: [
        { path: '/length', message: '只有字符串类型可以设置长度' },
        { path: '/scale', message: '只有小数类型可以设置精度和小数位数' },
        { path: '/validator/pattern', message: '正则校验需要提供 pattern' },
      ],
    });

    const unsafe = await call('POST', '/api/standards/data-elements', {
      identifier: 'DE10004',
      name: '危险的正则',
      type: 'string',
      validator: { kind: 'regex', pattern: '(a+)+$' },
    });
    expect(unsafe.json().errors).toEqual([
      { path: '/validator/pattern', message: '正则表达式含有嵌套重复或反向引用，可能导致回溯灾难，不予使用' },
    ]);

    const badType = await call('POST', '/api/standards/data-elements', {
      identifier: 'DE10005',
      name: 'x',
      type: 'text',
    });
    expect(badType.statusCode).toBe(400);
    expect(badType.json()).toMatchObject({ code: 'validation', title: '请求内容不符合要求' });
    expect(
      (await call('PATCH', `/api/standards/data-elements/${created.id}`, { type: 'decimal' })).json().errors,
    ).toEqual([{ path: '/length', message: '只有字符串类型可以设置长度' }]);
  });

  it('lists by identifier with keyset pagination and search', async () => {
    const first = (await call('GET', '/api/standards/data-elements?limit=4', undefined, reader)).json<{
      items: Element[];
      nextCursor: string | null;
    }>();
    expect(first.items.map((e) => e.identifier)).toEqual(['DE00001', 'DE00002', 'DE00003', 'DE00004']);
    const second = (
      await call('GET', `/api/standards/data-elements?limit=4&cursor=${first.nextCursor}`, undefined, reader)
    ).json<{ items: Element[]; nextCursor: string | null }>();
    expect(second.items.map((e) => e.identifier)).toEqual(['DE00005', 'DE00006', 'DE10001']);
    expect(second.nextCursor).toBeNull();
    const found = (
      await call('GET', `/api/standards/data-elements?q=${encodeURIComponent('车牌')}`, undefined, reader)
    ).json<{ items: Element[] }>();
    expect(found.items.map((e) => e.identifier)).toEqual(['DE10001']);
  });

  it('admits only standards.manage to changes and standards.read to reads', async () => {
    const body = { identifier: 'DE10009', name: '不许', type: 'string' };
    expect((await call('POST', '/api/standards/data-elements', body, reader)).statusCode).toBe(403);
    expect((await call('POST', '/api/standards/data-elements', body, steward)).statusCode).toBe(403);
    expect(
      (await call('PATCH', `/api/standards/data-elements/${created.id}`, { name: '不许' }, steward))
        .statusCode,
    ).toBe(403);
    expect((await call('GET', '/api/standards/data-elements', undefined, null)).statusCode).toBe(401);
    expect(
      (await call('GET', `/api/standards/data-elements/${created.id}`, undefined, steward)).statusCode,
    ).toBe(200);
    expect(
      (await call('GET', '/api/standards/data-elements/00000000-0000-4000-8000-000000000000')).statusCode,
    ).toBe(404);
  });
});

describe('POST /api/standards/validate (public)', () => {
  const validate = (payload: unknown, lang = 'zh-CN') =>
    call('POST', '/api/standards/validate', payload, null, lang);

  it('answers anonymous callers with the normalised value', async () => {
    const res = await validate({ validator: 'id_number', value: '11010519491231002x' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ valid: true, normalised: '11010519491231002X', message: '校验通过' });
    expect((await validate({ validator: 'date', value: '2024/02/29' })).json().normalised).toBe('2024-02-29');
  });

  it('explains refusals in the caller’s language', async () => {
    expect((await validate({ validator: 'id_number', value: '11010119990230001X' })).json()).toEqual({
      valid: false,
      message: '公民身份号码中的出生日期不是有效日期',
    });
    expect((await validate({ validator: 'uscc', value: '91350100I000100Y43' }, 'en')).json().message).toBe(
      'The unified social credit code contains characters outside its alphabet (digits and capitals except I, O, Z, S, V)',
    );
    expect((await validate({ validator: 'region_code', value: '449999' })).json().message).toBe(
      '行政区划代码不在 GB/T 2260 现行代码表中',
    );
    expect((await validate({ validator: 'regex', value: 'aaaa', pattern: '(a*)*b' })).json().valid).toBe(
      false,
    );
    expect(
      (await validate({ validator: 'regex', value: 'AB-12', pattern: '[A-Z]{2}-\\d{2}' })).json().valid,
    ).toBe(true);
  });

  it('refuses unknown validators and properties', async () => {
    const res = await validate({ validator: 'phone', value: '1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation');
    expect((await validate({ validator: 'email', value: 'a@b.cn', extra: 1 })).statusCode).toBe(400);
  });
});
