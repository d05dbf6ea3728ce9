import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { WORD_SIMILARITY } from '../../src/modules/catalog/search-sql.js';
import { segment, tsQueryOf } from '../../src/modules/catalog/search.js';
import type { EntryInput, FieldInput } from '../../src/modules/catalog/index.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { readSheet } from '../../src/modules/catalog/import-read.js';
import { parseSheet } from '../../src/modules/catalog/import-parse.js';

/**
 * GET /api/catalog/entries (docs/CATALOG.md "Search", src/modules/catalog/search*.ts): Chinese
 * full text, fragments and typos, facets, sorts with keyset pages, and the visibility rule.
 */

const field = (name: string, overrides: Partial<FieldInput> = {}): FieldInput => ({
  name,
  type: 'string',
  length: 50,
  required: false,
  key: false,
  piiKind: 'none',
  grade: 1,
  ...overrides,
});

function input(overrides: Partial<EntryInput>): EntryInput {
  return {
    category: 'department',
    classification: ['9'],
    name: '未命名',
    summary: '',
    resourceKind: 'table',
    formats: ['csv'],
    updateCycle: 'monthly',
    relatedCodes: [],
    tags: [],
    responsible: { person: '李四', phone: '020-12345678' },
    shareType: 'unconditional',
    shareMethod: 'api',
    openType: 'unconditional',
    grade: 1,
    important: false,
    core: false,
    fields: [field('记录编号', { key: true, required: true })],
    ...overrides,
  };
}

interface Who {
  headers: Record<string, string>;
}
const anonymous: Who = { headers: {} };

let t: TestApp;
const who = {} as Record<'reviewer' | 'stewardA' | 'stewardB' | 'colleagueB' | 'department' | 'citizen', Who>;
/** Entry ids by a short name. */
const ids: Record<string, string> = {};
let orgA: string;
let orgB: string;

async function as(roles: Role[], orgId?: string): Promise<Who> {
  const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
  return { headers: { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` } };
}

const post = async (url: string, by: Who, payload?: object) => {
  const res = await t.app.inject({
    method: 'POST',
    url,
    headers: by.headers,
    ...(payload ? { payload } : {}),
  });
  expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  return res.json<{ id: string }>();
};

/** Creates an entry and takes it to `to` (draft, submitted or published). */
async function make(key: string, by: Who, entry: EntryInput, to: 'draft' | 'submitted' | 'published') {
  const { id } = await post('/api/catalog/entries', by, entry as object);
  if (to !== 'draft') await post(`/api/catalog/entries/${id}/submit`, by);
  if (to === 'published') await post(`/api/catalog/entries/${id}/approve`, who.reviewer);
  ids[key] = id;
}

type Param = string | number | boolean | readonly (string | number)[];

function url(params: Record<string, Param> = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    for (const one of typeof v === 'object' ? v : [v]) qs.append(k, String(one));
  }
  const s = qs.toString();
  return `/api/catalog/entries${s ? `?${s}` : ''}`;
}

interface Item {
  id: string;
  name: string;
  status: string;
  version: number;
  restricted: boolean;
  updatedAt: string;
  providerOrgId: string;
}
interface Bucket {
  value: string;
  label?: string;
  count: number;
}
interface Result {
  items: Item[];
  facets: Record<string, Bucket[]>;
  total: number;
  totalExact: boolean;
  nextCursor: string | null;
}

async function search(params: Record<string, Param> = {}, by: Who = anonymous): Promise<Result> {
  const res = await t.app.inject({ method: 'GET', url: url(params), headers: by.headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Result>();
}

async function refused(params: Record<string, Param>, by: Who = anonymous) {
  const res = await t.app.inject({ method: 'GET', url: url(params), headers: by.headers });
  expect(res.statusCode, res.body).toBe(400);
  return res.json<{ code: string }>();
}

const keyOf = (id: string) => Object.entries(ids).find(([, v]) => v === id)?.[0] ?? id;
/** The entries found, as their short names, in the order returned. */
const found = (r: Result) => r.items.map((i) => keyOf(i.id));
const counts = (buckets: Bucket[]) => Object.fromEntries(buckets.map((b) => [b.value, b.count]));

beforeAll(async () => {
  t = await testApp();
  orgA = (await makeOrg(t.pool, { name: '省市场监督管理局' })).id;
  orgB = (await makeOrg(t.pool, { name: '省税务局' })).id;
  const orgC = (await makeOrg(t.pool, { name: '省交通运输厅' })).id;
  who.reviewer = await as(['sysadmin']);
  who.stewardA = await as(['data_steward'], orgA);
  who.stewardB = await as(['data_steward'], orgB);
  who.colleagueB = await as(['member'], orgB);
  who.department = await as(['member'], orgC);
  who.citizen = await as(['public_user']);

  // Organisation A: four published entries, one of them being revised.
  await make(
    'legalRep',
    who.stewardA,
    input({
      name: '企业法定代表人信息',
      summary: '市场主体的法定代表人登记信息',
      classification: ['1', '02', '03'],
      formats: ['xlsx', 'csv'],
      updateCycle: 'daily',
      tags: ['企业', '市场主体'],
      grade: 2,
      fields: [
        field('统一社会信用代码', { code: 'uscc', key: true, required: true }),
        field('法定代表人姓名', { code: 'legal_rep_name', piiKind: 'name', grade: 2 }),
      ],
    }),
    'published',
  );
  await make(
    'annual',
    who.stewardA,
    input({
      name: '企业年度报告',
      summary: '企业年报公示数据',
      category: 'base',
      classification: ['1', '02', '04'],
      formats: ['json'],
      updateCycle: 'yearly',
      tags: ['企业', '年报'],
      shareType: 'conditional',
      shareCondition: '用于市场监管业务',
      openType: 'conditional',
      openCondition: '申请后开放',
      grade: 2,
      fields: [field('法定代表人证件号码', { code: 'legal_rep_id_no', piiKind: 'id_number', grade: 2 })],
    }),
    'published',
  );
  await make(
    'licence',
    who.stewardA,
    input({
      name: '营业执照信息',
      summary: '营业执照的核发与变更',
      category: 'base',
      classification: ['1', '02', '05'],
      formats: ['csv'],
      tags: ['证照'],
    }),
    'published',
  );
  await make(
    'transport',
    who.stewardA,
    input({ name: '道路运输许可信息', category: 'theme', formats: ['xlsx'], tags: ['交通'] }),
    'published',
  );
  await post(`/api/catalog/entries/${ids.transport}/revise`, who.stewardA);
  // Deprecated: departments still see it, the public no longer does.
  await make('retired', who.stewardA, input({ name: '旧版商标注册数据', category: 'base' }), 'published');
  await post(`/api/catalog/entries/${ids.retired}/deprecate`, who.stewardA, { reason: '已由新系统替代' });

  // Organisation B: closed, not-shared, a draft and a submitted entry.
  await make(
    'taxpayer',
    who.stewardB,
    input({
      name: '纳税人状态信息',
      updateCycle: 'weekly',
      tags: ['税务'],
      openType: 'none',
      openCondition: '涉及纳税人隐私',
    }),
    'published',
  );
  await make(
    'violations',
    who.stewardB,
    input({
      name: '税收违法案件线索',
      formats: ['pdf'],
      updateCycle: 'irregular',
      tags: ['税务'],
      shareType: 'none',
      shareCondition: '依据《税收征收管理法》不予共享',
      openType: 'none',
      openCondition: '依法不予开放',
      grade: 3,
    }),
    'published',
  );
  await make(
    'invoices',
    who.stewardB,
    input({
      name: '发票开具统计（Invoice Statistics）',
      category: 'theme',
      formats: ['csv', 'json'],
      tags: ['税务', '发票'],
      shareType: 'none',
      shareCondition: '仅以统计结果开放',
    }),
    'published',
  );
  // Many tags (only the provider and reviewers see them): the tag facet keeps the 20 most frequent.
  const manyTags = Array.from({ length: 24 }, (_, i) => `tag${String(i + 1).padStart(2, '0')}`);
  await make('draft', who.stewardB, input({ name: '社保缴费记录', tags: manyTags }), 'draft');
  await make('submitted', who.stewardB, input({ name: '不动产登记信息' }), 'submitted');
}, 60_000);
afterAll(async () => t?.close());

/** What each audience sees of other organisations: open published entries for the public. */
const PUBLIC = ['legalRep', 'annual', 'licence', 'transport', 'invoices'];
const DEPARTMENT = [...PUBLIC, 'taxpayer', 'violations', 'retired'];

describe('Chinese text', () => {
  it('segments in search mode for the index and precisely for the query (the premises below)', () => {
    expect(segment('企业法定代表人信息')).toEqual(['企业', '法定', '代表', '法定代表', '人', '信息']);
    // 代表人 is a word of its own for jieba, but inside 法定代表人 it is cut 法定代表 + 人: the
    // query also asks for the pieces that cover it, as the document was cut.
    expect(tsQueryOf('代表人')).toBe("('代表人' | ('代表' & '人'))");
    expect(tsQueryOf('法定代表')).toBe("('法定代表' | ('法定' & '代表'))");
    expect(tsQueryOf('企业的信息')).toBe("'企业' & '信息'");
  });

  it('finds an entry by a word inside its name, not by an unrelated word', async () => {
    expect(found(await search({ q: '法定代表' }))).toContain('legalRep');
    // Found through its pieces (see tsQueryOf above): by its name first, then by a field name.
    expect(found(await search({ q: '代表人' }))).toEqual(['legalRep', 'annual']);
    expect(found(await search({ q: '企业的信息' }))).toContain('legalRep');
    const none = await search({ q: '气象' });
    expect(none).toMatchObject({ items: [], total: 0, nextCursor: null });
    expect((await search({ q: '医疗卫生机构' })).total).toBe(0);
  });

  it('finds by a word of the summary, a field name and a field code', async () => {
    expect(found(await search({ q: '登记' }, who.department))).toEqual(['legalRep']);
    expect(found(await search({ q: '统一社会信用代码' }, who.department))).toEqual(['legalRep']);
    expect(found(await search({ q: 'legal_rep_name' }, who.department))).toEqual(['legalRep']);
    // Latin words match as prefixes: both field codes start legal_rep.
    expect(found(await search({ q: 'legal rep' }, who.department)).sort()).toEqual(['annual', 'legalRep']);
  });

  it('ranks a name match above a summary- or field-only match', async () => {
    // 企业年度报告 has 法定代表 only in a field name.
    const r = await search({ q: '法定代表', sort: 'relevance' }, who.department);
    expect(found(r)).toEqual(['legalRep', 'annual']);
    expect(r.total).toBe(2);
    // Relevance is the default with words.
    expect(found(await search({ q: '法定代表' }, who.department))).toEqual(['legalRep', 'annual']);
    // A reviewer also finds the submitted 不动产登记信息 by its name, ahead of the summary match.
    expect(found(await search({ q: '登记' }, who.reviewer))).toEqual(['submitted', 'legalRep']);
  });
});

describe('fragments and typos', () => {
  it('finds a fragment of the name that segmentation cuts differently', async () => {
    expect(tsQueryOf('定代表人信')).toBe("'定' & ('代表人' | ('代表' & '人')) & '信'");
    expect(found(await search({ q: '定代表人信' }))).toEqual(['legalRep']);
    // Latin fragments, whatever the case: not word prefixes, so only the name match finds them.
    expect(found(await search({ q: 'VOICE stat' }))).toEqual(['invoices']);
  });

  it('finds a name with a one-character typo', async () => {
    expect(WORD_SIMILARITY).toBe(0.5);
    // The last character wrong: 3 of the query's 5 trigrams are in the name (0.6).
    expect(found(await search({ q: '营业执找' }))).toEqual(['licence']);
    expect(found(await search({ q: 'invoize' }))).toEqual(['invoices']);
    // A typo inside a four-character word breaks too many trigrams (word similarity 0.2).
    expect(found(await search({ q: '营亚执照' }))).toEqual([]);
  });

  it('folds full-width letters and takes operators and wildcards literally', async () => {
    expect(found(await search({ q: 'ＩＮＶＯＩＣＥ' }))).toEqual(['invoices']);
    for (const q of ['%%%', '___', "' OR 1=1 --", 'zzq:* | !qqz', '\\\\', '的']) {
      expect((await search({ q })).total, q).toBe(0);
    }
  });

  it('finds an entry by a resource-code prefix', async () => {
    const r = await search({ q: '1.02.03/000001' });
    expect(found(r)).toEqual(['legalRep']);
  });
});

describe('facets', () => {
  it('counts every facet over the visible entries, with the total', async () => {
    const r = await search({}, who.department);
    expect(r.total).toBe(DEPARTMENT.length);
    expect(r.totalExact).toBe(true);
    expect(r.facets.provider).toEqual([
      { value: orgA, label: '省市场监督管理局', count: 5 },
      { value: orgB, label: '省税务局', count: 3 },
    ]);
    expect(counts(r.facets.category!)).toEqual({ department: 3, base: 3, theme: 2 });
    expect(counts(r.facets.shareType!)).toEqual({ unconditional: 5, conditional: 1, none: 2 });
    expect(counts(r.facets.openType!)).toEqual({ unconditional: 5, conditional: 1, none: 2 });
    expect(counts(r.facets.grade!)).toEqual({ '1': 5, '2': 2, '3': 1 });
    expect(counts(r.facets.updateCycle!)).toEqual({
      daily: 1,
      yearly: 1,
      monthly: 4,
      weekly: 1,
      irregular: 1,
    });
    expect(counts(r.facets.format!)).toEqual({ csv: 5, xlsx: 2, json: 2, pdf: 1 });
    expect(counts(r.facets.tag!)).toEqual({
      税务: 3,
      企业: 2,
      市场主体: 1,
      年报: 1,
      证照: 1,
      交通: 1,
      发票: 1,
    });
    // Most frequent first.
    expect(r.facets.tag!.slice(0, 2).map((b) => b.value)).toEqual(['税务', '企业']);
    expect(r.facets.grade![0]).toEqual({ value: '1', count: 5 });

    // The public counts only what it sees.
    const pub = await search();
    expect(pub.total).toBe(PUBLIC.length);
    expect(counts(pub.facets.openType!)).toEqual({ unconditional: 4, conditional: 1 });
    expect(counts(pub.facets.provider!)).toEqual({ [orgA]: 4, [orgB]: 1 });
  });

  it('counts a facet without its own filter but with every other one (multi-select)', async () => {
    const byA = await search({ provider: orgA }, who.department);
    expect(found(byA).sort()).toEqual(['annual', 'legalRep', 'licence', 'retired', 'transport']);
    expect(byA.total).toBe(5);
    // The provider facet ignores the provider filter …
    expect(counts(byA.facets.provider!)).toEqual({ [orgA]: 5, [orgB]: 3 });
    // … every other facet honours it.
    expect(counts(byA.facets.category!)).toEqual({ department: 1, base: 3, theme: 1 });
    expect(counts(byA.facets.tag!)).toEqual({ 企业: 2, 市场主体: 1, 年报: 1, 证照: 1, 交通: 1 });
    expect(counts(byA.facets.format!)).toEqual({ csv: 3, xlsx: 2, json: 1 });

    const both = await search({ provider: orgA, category: 'base' }, who.department);
    expect(found(both).sort()).toEqual(['annual', 'licence', 'retired']);
    expect(both.total).toBe(3);
    expect(counts(both.facets.provider!)).toEqual({ [orgA]: 3 }); // base entries per provider
    expect(counts(both.facets.category!)).toEqual({ department: 1, base: 3, theme: 1 }); // A's per category
    expect(counts(both.facets.grade!)).toEqual({ '1': 2, '2': 1 });

    // Several values of one facet: any of them; the array facets likewise.
    const cycles = await search({ updateCycle: ['daily', 'weekly'] }, who.department);
    expect(found(cycles).sort()).toEqual(['legalRep', 'taxpayer']);
    expect(counts(cycles.facets.updateCycle!)).toEqual({
      daily: 1,
      yearly: 1,
      monthly: 4,
      weekly: 1,
      irregular: 1,
    });
    const tags = await search({ tag: ['发票', '年报'] }, who.department);
    expect(found(tags).sort()).toEqual(['annual', 'invoices']);
    expect(counts(tags.facets.tag!)).toMatchObject({ 税务: 3, 企业: 2, 发票: 1, 年报: 1 });
    expect(counts(tags.facets.provider!)).toEqual({ [orgA]: 1, [orgB]: 1 });
    const formats = await search({ format: 'json', shareType: 'none' }, who.department);
    expect(found(formats)).toEqual(['invoices']);
    expect(counts(formats.facets.format!)).toEqual({ csv: 1, json: 1, pdf: 1 });
    expect(counts(formats.facets.shareType!)).toEqual({ conditional: 1, none: 1 });
    const grades = await search({ grade: [2, 3], openType: 'none' }, who.department);
    expect(found(grades)).toEqual(['violations']);
    expect(counts(grades.facets.grade!)).toEqual({ '1': 1, '3': 1 });
    expect(counts(grades.facets.openType!)).toEqual({ unconditional: 1, conditional: 1, none: 1 });
  });

  it('lists the 20 most frequent tags, plus every chosen one', async () => {
    const r = await search({}, who.reviewer);
    expect(r.facets.tag).toHaveLength(20);
    expect(r.facets.tag!.slice(0, 2)).toEqual([
      { value: '税务', count: 3 },
      { value: '企业', count: 2 },
    ]);
    expect(r.facets.tag!.slice(2).every((b) => b.count === 1)).toBe(true);
    const shown = new Set(r.facets.tag!.map((b) => b.value));
    const hidden = ['tag24', '发票'].filter((tag) => !shown.has(tag));
    expect(hidden.length).toBeGreaterThan(0);
    const chosen = await search({ tag: hidden }, who.reviewer);
    expect(chosen.facets.tag).toHaveLength(20 + hidden.length);
    expect(counts(chosen.facets.tag!)).toMatchObject(Object.fromEntries(hidden.map((tag) => [tag, 1])));
    expect(chosen.total).toBe(hidden.length);
  });

  it('combines facets with the words', async () => {
    const r = await search({ q: '企业', provider: orgA }, who.department);
    expect(found(r).sort()).toEqual(['annual', 'legalRep']);
    expect(counts(r.facets.provider!)).toEqual({ [orgA]: 2 });
    expect(counts(r.facets.format!)).toEqual({ xlsx: 1, csv: 1, json: 1 });
  });
});

describe('sorts and keyset pages', () => {
  async function walk(params: Record<string, Param>, by: Who): Promise<{ items: Item[]; pages: number }> {
    const items: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Result = await search({ ...params, limit: 2, ...(cursor ? { cursor } : {}) }, by);
      expect(page.items.length).toBeLessThanOrEqual(2);
      items.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(20);
    } while (cursor);
    return { items, pages };
  }

  it('sorts by name in pinyin order', async () => {
    const r = await search({ sort: 'name' }, who.reviewer);
    expect(r.items.map((i) => i.name)).toEqual([
      '不动产登记信息', // bu
      '道路运输许可信息', // dao
      '发票开具统计（Invoice Statistics）', // fa
      '旧版商标注册数据', // jiu
      '纳税人状态信息', // na
      '企业法定代表人信息', // qi ye fa
      '企业年度报告', // qi ye nian
      '社保缴费记录', // she
      '税收违法案件线索', // shui
      '营业执照信息', // ying
    ]);
  });

  it('sorts by the last change, newest first, by default without words', async () => {
    const r = await search({}, who.reviewer);
    const sorted = await search({ sort: 'updated' }, who.reviewer);
    expect(r.items.map((i) => i.id)).toEqual(sorted.items.map((i) => i.id));
    const times = r.items.map((i) => Date.parse(i.updatedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Without words, relevance falls back to the same order.
    expect((await search({ sort: 'relevance' }, who.reviewer)).items.map((i) => i.id)).toEqual(
      r.items.map((i) => i.id),
    );
    // The last ones written come first: the submitted entry, then the draft.
    expect(found(r).slice(0, 2)).toEqual(['submitted', 'draft']);
  });

  it.each([
    ['updated', {}],
    ['name', { sort: 'name' }],
    ['relevance', { q: '信息' }],
    ['relevance with a filter', { q: '信息', sort: 'relevance', category: ['department', 'theme'] }],
  ] as const)('walks every page of the %s order with limit=2, each entry once', async (_, params) => {
    for (const by of [who.reviewer, who.department, anonymous]) {
      const all = await search({ ...params, limit: 100 }, by);
      expect(all.nextCursor).toBeNull();
      expect(all.items.length).toBe(all.total);
      const { items, pages } = await walk(params, by);
      expect(items.map((i) => i.id)).toEqual(all.items.map((i) => i.id));
      expect(new Set(items.map((i) => i.id)).size).toBe(items.length);
      expect(pages).toBe(Math.max(1, Math.ceil(all.total / 2)));
    }
  });

  it('pages through ties of relevance by entry id', async () => {
    // Three names of four tokens with 信息 last rank the same: the keyset must break the tie.
    const { rows } = await t.pool.query<{ rank: number }>(
      `SELECT ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', name_doc, to_tsquery('simple', $1), 1) AS rank
         FROM datong.catalog_versions WHERE latest AND entry_id = ANY($2::uuid[])`,
      [tsQueryOf('信息'), [ids.licence, ids.taxpayer, ids.transport]],
    );
    expect(rows).toHaveLength(3);
    expect(new Set(rows.map((r) => r.rank)).size).toBe(1);
    const all = await search({ q: '信息', limit: 100 }, who.reviewer);
    expect(found(all).sort()).toEqual(['legalRep', 'licence', 'submitted', 'taxpayer', 'transport'].sort());
    const { items } = await walk({ q: '信息' }, who.reviewer);
    expect(items.map((i) => i.id)).toEqual(all.items.map((i) => i.id));
  });

  it('refuses a cursor of another sort, and garbage, with search_cursor_invalid', async () => {
    const first = await search({ sort: 'name', limit: 2 }, who.reviewer);
    expect(first.nextCursor).toEqual(expect.any(String));
    const cursor = first.nextCursor!;
    expect((await refused({ sort: 'updated', limit: 2, cursor }, who.reviewer)).code).toBe(
      'search_cursor_invalid',
    );
    expect((await refused({ q: '信息', limit: 2, cursor }, who.reviewer)).code).toBe('search_cursor_invalid');
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const someId = '00000000-0000-4000-8000-000000000000';
    for (const [sort, bad] of [
      ['name', 'garbage'],
      ['name', b64(['name', 'x'])],
      ['name', b64(['name', 1, someId])],
      ['name', b64(['name', 'a', 'not-a-uuid'])],
      ['updated', b64(['updated', 'not a date', someId])],
      ['relevance', b64(['relevance', 'high', someId])],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url: url({ q: '信息', sort, cursor: bad }) });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().code).toBe('search_cursor_invalid');
    }
    // The same cursor with its own sort goes on.
    const next = await search({ sort: 'name', limit: 2, cursor }, who.reviewer);
    expect(next.items.map((i) => i.name)).toEqual(['发票开具统计（Invoice Statistics）', '旧版商标注册数据']);
  });
});

describe('visibility', () => {
  const view = (r: Result) =>
    Object.fromEntries(
      r.items.map((i) => [keyOf(i.id), `${i.status} v${i.version}${i.restricted ? ' restricted' : ''}`]),
    );

  it('shows anonymous callers and public users open published entries only', async () => {
    const expected = {
      legalRep: 'published v1',
      annual: 'published v1',
      licence: 'published v1',
      transport: 'published v1',
      // Not shared: the public sees its metadata only.
      invoices: 'published v1 restricted',
    };
    expect(view(await search({ limit: 100 }))).toEqual(expected);
    expect(view(await search({ limit: 100 }, who.citizen))).toEqual(expected);
    // Filters cannot reach what is hidden.
    expect((await search({ openType: 'none' })).total).toBe(0);
    expect((await search({ status: ['draft', 'submitted'] })).total).toBe(0);
    expect((await search({ q: '社保缴费' })).total).toBe(0);
    expect((await search({ mine: true })).total).toBe(0);
  });

  it('shows another department every published entry, the not-shared ones restricted', async () => {
    expect(view(await search({ limit: 100 }, who.department))).toEqual({
      legalRep: 'published v1',
      annual: 'published v1',
      licence: 'published v1',
      transport: 'published v1',
      taxpayer: 'published v1',
      violations: 'published v1 restricted',
      invoices: 'published v1 restricted',
      retired: 'deprecated v1',
    });
    expect((await search({ q: '不动产登记' }, who.department)).total).toBe(0);
    expect(found(await search({ q: '商标' }, who.department))).toEqual(['retired']);
    expect((await search({ q: '商标' })).total).toBe(0);
    expect((await search({ mine: true }, who.department)).total).toBe(0);
  });

  it('shows the provider its drafts, submitted and working versions, unrestricted', async () => {
    expect(view(await search({ limit: 100 }, who.stewardB))).toEqual({
      legalRep: 'published v1',
      annual: 'published v1',
      licence: 'published v1',
      transport: 'published v1',
      taxpayer: 'published v1',
      violations: 'published v1',
      invoices: 'published v1',
      retired: 'deprecated v1',
      draft: 'draft v1',
      submitted: 'submitted v1',
    });
    const mine = await search({ mine: true, limit: 100 }, who.stewardB);
    expect(found(mine).sort()).toEqual(['draft', 'invoices', 'submitted', 'taxpayer', 'violations']);
    expect(mine.items.every((i) => i.providerOrgId === orgB)).toBe(true);
    expect(counts(mine.facets.provider!)).toEqual({ [orgB]: 5 });
    expect(found(await search({ mine: true, status: 'draft' }, who.stewardB))).toEqual(['draft']);
    // Organisation A works on version 2 of the entry it revises; everyone else sees version 1.
    const a = await search({ mine: true, limit: 100 }, who.stewardA);
    expect(view(a)).toEqual({
      legalRep: 'published v1',
      annual: 'published v1',
      licence: 'published v1',
      transport: 'draft v2',
      retired: 'deprecated v1',
    });
    expect(view(await search({ limit: 100 }, who.stewardA))).toEqual({
      legalRep: 'published v1',
      annual: 'published v1',
      licence: 'published v1',
      transport: 'draft v2',
      retired: 'deprecated v1',
      taxpayer: 'published v1',
      violations: 'published v1 restricted',
      invoices: 'published v1 restricted',
    });
    expect(view(await search({ q: '社保缴费' }, who.stewardA))).toEqual({});
    // A colleague without catalog.write sees its organisation's published entries in full, no drafts.
    const colleague = await search({ limit: 100, provider: orgB }, who.colleagueB);
    expect(view(colleague)).toEqual({
      taxpayer: 'published v1',
      violations: 'published v1',
      invoices: 'published v1',
    });
    expect(found(await search({ mine: true }, who.colleagueB)).sort()).toEqual([
      'invoices',
      'taxpayer',
      'violations',
    ]);
  });

  it('shows reviewers everything, the working versions, unrestricted', async () => {
    const r = await search({ limit: 100 }, who.reviewer);
    expect(view(r)).toEqual({
      legalRep: 'published v1',
      annual: 'published v1',
      licence: 'published v1',
      transport: 'draft v2',
      taxpayer: 'published v1',
      violations: 'published v1',
      invoices: 'published v1',
      retired: 'deprecated v1',
      draft: 'draft v1',
      submitted: 'submitted v1',
    });
    expect(found(await search({ status: 'submitted' }, who.reviewer))).toEqual(['submitted']);
    // The sysadmin has no organisation of its own here: mine is its (empty) organisation's.
    expect((await search({ mine: true }, who.reviewer)).total).toBe(0);
  });
});

describe('export', () => {
  it('exports exactly the entries the search finds for the same words and caller', async () => {
    for (const [q, by] of [
      ['法定代表', who.department],
      ['代表人', anonymous],
      ['登记', who.reviewer],
    ] as const) {
      const res = await t.app.inject({
        url: `/api/catalog/export.xlsx?q=${encodeURIComponent(q)}`,
        headers: by.headers,
      });
      expect(res.statusCode, res.body).toBe(200);
      const exported = parseSheet(await readSheet(res.rawPayload, 'export.xlsx')).entries.map(
        (e) => e.input.name,
      );
      const searched = (await search({ q, limit: 100 }, by)).items.map((i) => i.name);
      expect(exported.length, q).toBeGreaterThan(0);
      expect(exported.sort(), q).toEqual(searched.sort());
    }
  });
});

describe('query validation', () => {
  it('refuses unknown parameters and bad values with a validation problem', async () => {
    expect((await refused({ colour: 'red' })).code).toBe('validation');
    expect((await refused({ q: '企业', page: 2 })).code).toBe('validation');
    expect((await refused({ sort: 'random' })).code).toBe('validation');
    expect((await refused({ grade: 5 })).code).toBe('validation');
    expect((await refused({ provider: 'not-a-uuid' })).code).toBe('validation');
    expect((await refused({ category: 'other' })).code).toBe('validation');
    expect((await refused({ q: '企'.repeat(201) })).code).toBe('validation');
  });

  it('keeps limit between 1 and 100, 20 by default', async () => {
    for (const limit of [0, 101, -1, 'ten', 2.5]) {
      expect((await refused({ limit: limit as number })).code).toBe('validation');
    }
    const one = await search({ limit: 1 }, who.reviewer);
    expect(one.items).toHaveLength(1);
    expect(one.nextCursor).toEqual(expect.any(String));
    expect(one.total).toBe(10);
    const max = await search({ limit: 100 }, who.reviewer);
    expect(max.items).toHaveLength(10);
    expect(max.nextCursor).toBeNull();
    expect((await search({}, who.reviewer)).items).toHaveLength(10);
  });
});
