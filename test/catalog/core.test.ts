import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import {
  assignFieldCodes,
  checkReferences,
  diffVersions,
  fieldCodeFromName,
  normaliseEntryInput,
  validateEntryInput,
  type Content,
  type EntryInput,
} from '../../src/modules/catalog/index.js';

/** A valid entry: 企业法定代表人信息 with three fields. */
function sample(overrides: Partial<EntryInput> = {}): EntryInput {
  return {
    category: 'department',
    classification: ['1', '02', '03'],
    name: '企业法定代表人信息',
    summary: '市场主体的法定代表人登记信息',
    resourceKind: 'table',
    formats: ['XLSX', 'csv', 'csv'],
    updateCycle: 'daily',
    publishDate: '2026-01-15',
    relatedCodes: [],
    tags: ['企业', ' 市场主体 '],
    licence: null,
    responsible: { person: '张三', phone: '020-12345678', email: 'zhang@example.gov.cn' },
    shareType: 'unconditional',
    shareMethod: 'api',
    openType: 'unconditional',
    grade: 2,
    important: false,
    core: false,
    fields: [
      {
        name: '企业名称',
        type: 'string',
        length: 200,
        required: true,
        key: false,
        piiKind: 'none',
        grade: 1,
      },
      {
        name: '统一社会信用代码',
        code: 'uscc',
        type: 'string',
        length: 18,
        required: true,
        key: true,
        validator: { kind: 'uscc' },
        piiKind: 'none',
        grade: 1,
      },
      {
        name: '法定代表人姓名',
        type: 'string',
        length: 50,
        required: true,
        key: false,
        piiKind: 'name',
        grade: 2,
      },
    ],
    ...overrides,
  };
}

const paths = (input: EntryInput) => validateEntryInput(input, 'en').map((e) => e.path);

describe('field codes from Chinese names', () => {
  it('spells names in toneless pinyin joined by underscores', () => {
    expect(fieldCodeFromName('企业名称')).toBe('qi_ye_ming_cheng');
    expect(fieldCodeFromName('法定代表人')).toBe('fa_ding_dai_biao_ren');
    // Polyphones are read in context (银行 háng), ü is spelled v, ASCII runs stay together.
    expect(fieldCodeFromName('银行账号')).toBe('yin_hang_zhang_hao');
    expect(fieldCodeFromName('女性人数')).toBe('nv_xing_ren_shu');
    expect(fieldCodeFromName('身份证号(ID)')).toBe('shen_fen_zheng_hao_id');
    expect(fieldCodeFromName('2024年产值')).toBe('f_2024_nian_chan_zhi');
    expect(fieldCodeFromName('——')).toBe('field');
  });

  it('caps codes at 63 bytes without a trailing underscore', () => {
    const long = '中华人民共和国统一社会信用代码登记管理机关名称及其上级主管部门名称';
    const code = fieldCodeFromName(long);
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(63);
    expect(code).toMatch(/^[a-z][a-z0-9_]*[a-z0-9]$/);
    expect(code.startsWith('zhong_hua_ren_min_gong_he_guo')).toBe(true);
  });

  it('deduplicates generated codes with _2, _3 and respects given codes', () => {
    const fields = assignFieldCodes([
      { name: '名称' },
      { name: '名称' },
      { name: '别名', code: 'ming_cheng_3' },
      { name: '名称' },
    ]);
    expect(fields.map((f) => f.code)).toEqual(['ming_cheng', 'ming_cheng_2', 'ming_cheng_3', 'ming_cheng_4']);
    const long = '中华人民共和国统一社会信用代码登记管理机关名称及其上级主管部门名称';
    const [a, b] = assignFieldCodes([{ name: long }, { name: long }]);
    expect(b!.code).not.toBe(a!.code);
    expect(b!.code.endsWith('_2')).toBe(true);
    expect(Buffer.byteLength(b!.code)).toBeLessThanOrEqual(63);
  });

  it('normalises the content: trims, lower-cases and deduplicates formats and tags', () => {
    const n = normaliseEntryInput(sample());
    expect(n.formats).toEqual(['xlsx', 'csv']);
    expect(n.tags).toEqual(['企业', '市场主体']);
    expect(n.fields.map((f) => f.code)).toEqual([
      'qi_ye_ming_cheng',
      'uscc',
      'fa_ding_dai_biao_ren_xing_ming',
    ]);
    expect(n.shareCondition).toBeNull();
  });
});

describe('validateEntryInput', () => {
  it('accepts a valid entry', () => {
    expect(validateEntryInput(sample(), 'zh-CN')).toEqual([]);
  });

  it('needs a condition or legal basis for conditional and refused sharing and opening', () => {
    expect(paths(sample({ shareType: 'conditional' }))).toEqual(['/shareCondition']);
    expect(paths(sample({ shareType: 'none', shareCondition: '  ' }))).toEqual(['/shareCondition']);
    expect(paths(sample({ openType: 'none' }))).toEqual(['/openCondition']);
    expect(paths(sample({ openType: 'conditional', openCondition: '申请后开放' }))).toEqual([]);
    const [err] = validateEntryInput(sample({ shareType: 'none' }), 'zh-CN');
    expect(err!.message).toContain('不予共享');
  });

  it('keeps the entry grade at least the highest field grade, and core implies important', () => {
    const errors = validateEntryInput(sample({ grade: 1 }), 'en');
    expect(errors).toEqual([
      { path: '/grade', message: 'The entry grade 1 is below its highest field grade 2' },
    ]);
    expect(paths(sample({ core: true }))).toEqual(['/important']);
    expect(paths(sample({ core: true, important: true }))).toEqual([]);
  });

  it('checks field codes: syntax, 63 bytes, uniqueness', () => {
    const base = sample().fields[0]!;
    const input = sample({
      fields: [
        { ...base, code: 'Name' },
        { ...base, code: 'a'.repeat(64) },
        { ...base, code: 'dup' },
        { ...base, code: 'dup' },
        { ...base, code: '名字' },
      ],
    });
    expect(paths(input)).toEqual(['/fields/0/code', '/fields/1/code', '/fields/3/code', '/fields/4/code']);
    expect(validateEntryInput(input, 'en')[2]!.message).toBe(
      'The field code dup occurs more than once in this entry',
    );
  });

  it('checks length and precision against the type, and regex patterns compile', () => {
    const f = { name: '金额', required: false, key: false, piiKind: 'none' as const, grade: 1 as const };
    const input = sample({
      fields: [
        { ...f, type: 'integer', length: 10 },
        { ...f, type: 'string', length: 0 },
        { ...f, type: 'decimal', precision: 40 },
        { ...f, type: 'decimal', precision: 10, scale: 11 },
        { ...f, type: 'string', precision: 10 },
        { ...f, type: 'string', validator: { kind: 'regex', pattern: '([a-z' } },
        { ...f, type: 'string', validator: { kind: 'regex' } },
        { ...f, type: 'string', validator: { kind: 'mobile', pattern: '.*' } },
        { ...f, type: 'decimal', precision: 18, scale: 2, validator: null },
        { ...f, type: 'string', validator: { kind: 'regex', pattern: '^[A-Z]{2}\\d+$' } },
      ],
    });
    expect(paths(input)).toEqual([
      '/fields/0/length',
      '/fields/1/length',
      '/fields/2/precision',
      '/fields/3/scale',
      '/fields/4/precision',
      '/fields/5/validator/pattern',
      '/fields/6/validator/pattern',
      '/fields/7/validator/pattern',
    ]);
  });

  it('checks classification, dates, codes, formats, contact and fields of tables', () => {
    expect(paths(sample({ classification: ['1', '0203'] }))).toEqual(['/classification']);
    expect(paths(sample({ classification: ['1', '2', '3', '4', '5'] }))).toEqual(['/classification']);
    expect(paths(sample({ publishDate: '2026-02-30' }))).toEqual(['/publishDate']);
    expect(paths(sample({ relatedCodes: ['1.02/12'] }))).toEqual(['/relatedCodes/0']);
    expect(paths(sample({ formats: ['x lsx'] }))).toEqual(['/formats/0']);
    expect(paths(sample({ responsible: { person: '', phone: 'abc' } }))).toEqual([
      '/responsible/person',
      '/responsible/phone',
    ]);
    expect(paths(sample({ fields: [], grade: 1 }))).toEqual(['/fields']);
    expect(paths(sample({ resourceKind: 'file', fields: [], grade: 1 }))).toEqual([]);
    expect(paths(sample({ name: '名'.repeat(201) }))).toEqual(['/name']);
  });
});

describe('diffVersions', () => {
  it('reports metadata paths and added, removed and changed fields by code', () => {
    const a = normaliseEntryInput(sample()) as Content;
    const b = normaliseEntryInput(
      sample({
        name: '企业法定代表人信息（新）',
        responsible: { person: '张三', phone: '020-87654321', email: 'zhang@example.gov.cn' },
        tags: ['企业'],
        fields: [
          { ...sample().fields[0]!, length: 300 },
          { name: '任职日期', type: 'date', required: false, key: false, piiKind: 'none', grade: 1 },
          sample().fields[2]!,
        ],
      }),
    ) as Content;
    const d = diffVersions(a, b);
    expect(d.metadata).toEqual([
      { path: '/name', before: '企业法定代表人信息', after: '企业法定代表人信息（新）' },
      { path: '/responsible/phone', before: '020-12345678', after: '020-87654321' },
      { path: '/tags', before: ['企业', '市场主体'], after: ['企业'] },
    ]);
    expect(d.fields.added.map((f) => f.code)).toEqual(['ren_zhi_ri_qi']);
    expect(d.fields.removed.map((f) => f.code)).toEqual(['uscc']);
    expect(d.fields.changed).toEqual([
      { code: 'qi_ye_ming_cheng', changes: [{ property: 'length', before: 200, after: 300 }] },
    ]);
    expect(diffVersions(a, a)).toEqual({ metadata: [], fields: { added: [], removed: [], changed: [] } });
  });
});

describe('creating entries over HTTP', () => {
  let t: TestApp;
  let auth: { authorization: string };
  let orgId: string;
  beforeAll(async () => {
    t = await testApp();
    const steward = await makeUser(t.pool, { roles: ['data_steward'] });
    orgId = steward.orgId;
    auth = { authorization: `Bearer ${await bearerFor(t.app, steward.username, steward.password)}` };
  });
  afterAll(async () => t?.close());

  const create = (payload: unknown, headers: Record<string, string> = auth) =>
    t.app.inject({ method: 'POST', url: '/api/catalog/entries', headers, payload: payload as object });

  it('creates a draft with a resource code per classification sequence and generated field codes', async () => {
    const first = await create(sample());
    expect(first.statusCode).toBe(201);
    const e = first.json();
    expect(e).toMatchObject({
      code: '1.02.03/000001',
      status: 'draft',
      version: 1,
      publishedVersion: null,
      providerOrgId: orgId,
      formats: ['xlsx', 'csv'],
    });
    expect(e.providerCode).toMatch(/^[0-9A-Z]{18}$/);
    expect(e.fields.map((f: { code: string }) => f.code)).toEqual([
      'qi_ye_ming_cheng',
      'uscc',
      'fa_ding_dai_biao_ren_xing_ming',
    ]);
    expect((await create(sample())).json().code).toBe('1.02.03/000002');
    expect((await create(sample({ classification: ['2'] }))).json().code).toBe('2/000001');
    expect((await create(sample({ relatedCodes: ['1.02.03/000001'] }))).json().code).toBe('1.02.03/000003');
  });

  it('refuses rule violations with every field error, in the caller’s language', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/catalog/entries',
      headers: { ...auth, 'accept-language': 'en' },
      payload: sample({ shareType: 'none', grade: 1, relatedCodes: ['9.99/000001'] }) as object,
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('entry_invalid');
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(['/shareCondition', '/grade']);
    // References are checked once the rules pass.
    const unknown = await create(sample({ relatedCodes: ['9.99/000001'] }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([
      { path: '/relatedCodes/0', message: '资源代码 9.99/000001 不存在' },
    ]);
  });

  it('refuses unknown data elements and code tables', async () => {
    const field = { ...sample().fields[0]!, codeTableId: '00000000-0000-4000-8000-000000000001' };
    const res = await create(sample({ fields: [field] }));
    const hasStandards = (await t.pool.query("SELECT to_regclass('datong.code_tables') AS t")).rows[0].t;
    if (hasStandards) {
      expect(res.statusCode).toBe(400);
      expect(res.json().errors[0].path).toBe('/fields/0/codeTableId');
    } else {
      // Until the standards migration exists there is nothing to check against.
      expect(res.statusCode).toBe(201);
    }
  });

  it('reports malformed standard references (as a spreadsheet may hold) as unknown, not as a crash', async () => {
    const input = normaliseEntryInput(
      sample({ fields: [{ ...sample().fields[0]!, dataElementId: 'DE0001' }] }),
    );
    expect(await checkReferences(t.pool, input, 'en')).toEqual([
      { path: '/fields/0/dataElementId', message: 'No data element DE0001' },
    ]);
  });

  it('refuses unknown properties and cataloguing for another organisation', async () => {
    const extra = await create({ ...sample(), colour: 'red' });
    expect(extra.statusCode).toBe(400);
    const other = await makeOrg(t.pool);
    const res = await create(sample({ providerOrgId: other.id }));
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('provider_out_of_scope');
  });

  it('lets an org_admin catalogue for a sub-organisation and a reviewer for anyone', async () => {
    const parent = await makeOrg(t.pool);
    const child = await makeOrg(t.pool, { parentId: parent.id });
    const admin = await makeUser(t.pool, { roles: ['org_admin'], orgId: parent.id });
    const headers = { authorization: `Bearer ${await bearerFor(t.app, admin.username, admin.password)}` };
    const res = await create(sample({ providerOrgId: child.id }), headers);
    expect(res.statusCode).toBe(201);
    expect(res.json().providerOrgId).toBe(child.id);
    const member = await makeUser(t.pool, { roles: ['member'] });
    const mh = { authorization: `Bearer ${await bearerFor(t.app, member.username, member.password)}` };
    expect((await create(sample(), mh)).statusCode).toBe(403);
  });
});
