import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { makeOpenDataset, relaxLimits, type MadeOpenDataset } from './public-helpers.js';

let t: TestApp;
let ds: MadeOpenDataset;

beforeAll(async () => {
  t = await testApp();
  relaxLimits(t);
  ds = await makeOpenDataset(t);
});
afterAll(async () => t?.close());

const get = (url: string, lang = 'zh-CN') =>
  t.app.inject({ method: 'GET', url, headers: { 'accept-language': lang } });
const rowsUrl = (query: Record<string, string>) =>
  `/api/open/datasets/${ds.entry.id}/rows?${new URLSearchParams(query).toString()}`;
const companies = (body: { rows: { company: string }[] }) => body.rows.map((r) => r.company);

describe('dataset metadata', () => {
  it('answers the open version’s columns, counts and links', async () => {
    const res = await get(`/api/open/datasets/${ds.entry.id}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      entryId: ds.entry.id,
      code: ds.entry.code,
      name: '企业登记基本信息',
      category: 'base',
      openType: 'unconditional',
      providerOrgName: '广东省市场监督管理局',
      dataAvailable: true,
      rowCount: 6,
      version: 1,
      downloads: 0,
      licence: 'CC-BY-4.0',
      publishedAt: '2026-03-01T08:00:00.000Z',
      refreshedAt: '2026-03-01T08:00:00.000Z',
    });
    expect(body.columns).toEqual([
      { code: 'uscc', name: '统一社会信用代码', type: 'string', description: null },
      { code: 'company', name: '企业名称', type: 'string', description: null },
      { code: 'region', name: '行政区划代码', type: 'string', description: null },
      { code: 'capital', name: '注册资本（万元）', type: 'decimal', description: null },
      { code: 'staff', name: '从业人数', type: 'integer', description: null },
      { code: 'founded', name: '成立日期', type: 'date', description: null },
      { code: 'active', name: '存续', type: 'boolean', description: null },
    ]);
    expect(body.api.rows).toBe(`http://localhost:80/api/open/datasets/${ds.entry.id}/rows`);
    expect(body.api.datastoreSearch).toBe(
      `http://localhost:80/api/3/action/datastore_search?resource_id=${ds.entry.id}`,
    );
  });
});

describe('rows', () => {
  it('pages through the open view with typed values and the total', async () => {
    const res = await get(rowsUrl({ limit: '2' }));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.total).toBe(6);
    expect(body.limit).toBe(2);
    expect(body.offset).toBe(0);
    expect(body.columns.map((c: { code: string }) => c.code)).toEqual([
      'uscc',
      'company',
      'region',
      'capital',
      'staff',
      'founded',
      'active',
    ]);
    expect(body.rows).toEqual([
      {
        uscc: '91440101MA5C000001',
        company: '广州甲科技有限公司',
        region: '440106',
        capital: 100.5,
        staff: 12,
        founded: '2019-03-01',
        active: true,
      },
      {
        uscc: '91440101MA5C000002',
        company: '广州乙贸易有限公司',
        region: '440104',
        capital: 50,
        staff: 5,
        founded: '2020-07-15',
        active: true,
      },
    ]);
  });

  it('filters by a {code: value} map, lists and null', async () => {
    const one = (await get(rowsUrl({ filters: JSON.stringify({ region: '440305' }) }))).json();
    expect(one.total).toBe(2);
    expect(companies(one)).toEqual(['深圳丙电子有限公司', '=1+2']);
    const list = (
      await get(rowsUrl({ filters: JSON.stringify({ region: ['440106', '440402'], active: true }) }))
    ).json();
    expect(companies(list)).toEqual(['广州甲科技有限公司']);
    const empty = (await get(rowsUrl({ filters: JSON.stringify({ capital: null }) }))).json();
    expect(companies(empty)).toEqual(['=1+2']);
    const num = (await get(rowsUrl({ filters: JSON.stringify({ staff: 45 }) }))).json();
    expect(companies(num)).toEqual(['佛山丁_陶瓷 100%有限公司']);
  });

  it('filters by the condition language', async () => {
    const range = (
      await get(
        rowsUrl({ filters: JSON.stringify({ field: 'capital', op: 'range', gte: '100', lt: '1000' }) }),
      )
    ).json();
    expect(range.total).toBe(2);
    expect(companies(range)).toEqual(['广州甲科技有限公司', '佛山丁_陶瓷 100%有限公司']);
    const or = (
      await get(
        rowsUrl({
          filters: JSON.stringify({
            or: [
              { field: 'region', op: 'prefix', value: '4401' },
              { field: 'founded', op: 'range', gte: '2022-01-01' },
            ],
          }),
          sort: 'founded desc',
        }),
      )
    ).json();
    expect(companies(or)).toEqual(['珠海戊, "海洋"有限公司', '广州乙贸易有限公司', '广州甲科技有限公司']);
  });

  it('searches text columns with q, LIKE characters taken literally', async () => {
    expect(companies((await get(rowsUrl({ q: '广州' }))).json())).toEqual([
      '广州甲科技有限公司',
      '广州乙贸易有限公司',
    ]);
    expect(companies((await get(rowsUrl({ q: '100%' }))).json())).toEqual(['佛山丁_陶瓷 100%有限公司']);
    expect(companies((await get(rowsUrl({ q: '_' }))).json())).toEqual(['佛山丁_陶瓷 100%有限公司']);
    // Every word must match (here, in different columns).
    expect(companies((await get(rowsUrl({ q: '有限公司 MA5C000003' }))).json())).toEqual([
      '深圳丙电子有限公司',
    ]);
    const none = (await get(rowsUrl({ q: '%' }))).json();
    expect(none.total).toBe(1);
  });

  it('selects fields and sorts, with stable pages', async () => {
    const body = (
      await get(rowsUrl({ fields: 'company,staff', sort: 'staff desc', limit: '2', offset: '1' }))
    ).json();
    expect(body.columns).toEqual([
      { code: 'company', name: '企业名称', type: 'string' },
      { code: 'staff', name: '从业人数', type: 'integer' },
    ]);
    expect(body.rows).toEqual([
      { company: '佛山丁_陶瓷 100%有限公司', staff: 45 },
      { company: '广州甲科技有限公司', staff: 12 },
    ]);
    expect(body.total).toBe(6);
    const asc = (await get(rowsUrl({ fields: 'region', sort: 'region asc', limit: '3' }))).json();
    expect(asc.rows).toEqual([{ region: '440104' }, { region: '440106' }, { region: '440305' }]);
  });

  it('refuses bad parameters with a problem naming them', async () => {
    const badField = await get(rowsUrl({ sort: 'nope desc' }), 'en');
    expect(badField.statusCode).toBe(400);
    expect(badField.json()).toMatchObject({
      code: 'open_field_unknown',
      title: 'The dataset has no field "nope"',
    });
    const badFilter = await get(rowsUrl({ filters: JSON.stringify({ staff: 'many' }) }), 'en');
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json().code).toBe('filter_invalid');
    const unknownFilterField = await get(rowsUrl({ filters: JSON.stringify({ secret_column: '1' }) }), 'en');
    expect(unknownFilterField.json()).toMatchObject({
      code: 'filter_invalid',
      title: 'Invalid condition at /: unknown field "secret_column"',
    });
    const notJson = await get(rowsUrl({ filters: '{region:' }), 'en');
    expect(notJson.json()).toMatchObject({
      code: 'open_param_invalid',
      title: 'Invalid parameter filters: not valid JSON',
    });
    expect((await get(rowsUrl({ limit: '1001' }))).statusCode).toBe(400);
    expect((await get(rowsUrl({ fields: 'company,company' }))).statusCode).toBe(400);
  });
});

describe('aggregate', () => {
  const aggUrl = (query: Record<string, string>) =>
    `/api/open/datasets/${ds.entry.id}/aggregate?${new URLSearchParams(query).toString()}`;

  it('counts per group, top groups first', async () => {
    const res = await get(aggUrl({ groupBy: 'region' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      groupBy: 'region',
      measure: 'count',
      regionLevel: null,
      rows: [
        { key: '440305', value: 2 },
        { key: '440104', value: 1 },
        { key: '440106', value: 1 },
        { key: '440402', value: 1 },
        { key: '440604', value: 1 },
      ],
      truncated: false,
    });
  });

  it('sums and averages numeric fields, by city for a map', async () => {
    const sum = (
      await get(aggUrl({ groupBy: 'region', measure: 'sum:capital', regionLevel: 'city' }))
    ).json();
    expect(sum).toEqual({
      groupBy: 'region',
      measure: 'sum:capital',
      regionLevel: 'city',
      rows: [
        { key: '440300', value: 1000 },
        { key: '440600', value: 300 },
        { key: '440100', value: 150.5 },
        { key: '440400', value: 20 },
      ],
      truncated: false,
    });
    const avg = (
      await get(
        aggUrl({
          groupBy: 'active',
          measure: 'avg:staff',
          filters: JSON.stringify({ region: ['440305', '440106', '440104'] }),
        }),
      )
    ).json();
    expect(avg.rows).toEqual([
      { key: false, value: 120 },
      { key: true, value: 6.6667 },
    ]);
    const province = (await get(aggUrl({ groupBy: 'region', regionLevel: 'province' }))).json();
    expect(province.rows).toEqual([{ key: '440000', value: 6 }]);
  });

  it('refuses sums of text and unknown measures', async () => {
    const text = await get(aggUrl({ groupBy: 'region', measure: 'sum:company' }), 'en');
    expect(text.statusCode).toBe(400);
    expect(text.json().title).toBe('Invalid parameter measure: sum and avg take numeric fields only');
    expect((await get(aggUrl({ groupBy: 'region', measure: 'median:staff' }))).statusCode).toBe(400);
    expect((await get(aggUrl({ groupBy: 'nope' }))).json().code).toBe('open_field_unknown');
  });
});

describe('what is not open is not there', () => {
  it('404s unknown ids, closed entries, unpublished and conditional data, in both languages', async () => {
    const closed = await makeOpenDataset(t, { entry: { openType: 'none', openCondition: '涉及商业秘密' } });
    const withdrawn = await makeOpenDataset(t, { status: 'withdrawn' });
    const pending = await makeOpenDataset(t, { status: 'pending' });
    const noVersion = await makeOpenDataset(t, { currentVersion: 0 });
    const conditional = await makeOpenDataset(t, {
      entry: { openType: 'conditional', openCondition: '需签署数据使用协议' },
    });
    const refs = [crypto.randomUUID(), 'not-a-uuid', closed.entry.id, withdrawn.entry.id, pending.entry.id];
    refs.push(noVersion.entry.id, conditional.entry.id);
    for (const ref of refs) {
      for (const path of ['rows', 'aggregate?groupBy=region', 'download?format=csv']) {
        const res = await get(`/api/open/datasets/${ref}/${path}`, 'en');
        expect(res.statusCode, `${ref} ${path}`).toBe(404);
        expect(res.json()).toMatchObject({
          code: 'open_dataset_not_found',
          title: `There is no open dataset "${ref}"`,
        });
      }
    }
    const zh = await get(`/api/open/datasets/${closed.entry.id}/rows`);
    expect(zh.json().title).toBe(`没有标识为「${closed.entry.id}」的开放数据集`);
    // Metadata: a closed entry does not exist; a conditional one is shown without data.
    expect((await get(`/api/open/datasets/${closed.entry.id}`)).statusCode).toBe(404);
    const meta = (await get(`/api/open/datasets/${conditional.entry.id}`)).json();
    expect(meta).toMatchObject({
      openType: 'conditional',
      dataAvailable: false,
      rowCount: null,
      version: 0,
      columns: [],
    });
    const noData = (await get(`/api/open/datasets/${withdrawn.entry.id}`)).json();
    expect(noData).toMatchObject({ openType: 'unconditional', dataAvailable: false, version: 0 });
  });
});
