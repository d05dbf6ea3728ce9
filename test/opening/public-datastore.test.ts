import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { makeOpenDataset, relaxLimits, type MadeOpenDataset } from './public-helpers.js';

let t: TestApp;
let ds: MadeOpenDataset;
const HELP = 'http://localhost:80/api/3/action/help_show?name=datastore_search';

beforeAll(async () => {
  t = await testApp();
  relaxLimits(t);
  ds = await makeOpenDataset(t);
});
afterAll(async () => t?.close());

const FIELDS = [
  { id: 'uscc', type: 'text', info: { label: '统一社会信用代码' } },
  { id: 'company', type: 'text', info: { label: '企业名称' } },
  { id: 'region', type: 'text', info: { label: '行政区划代码' } },
  { id: 'capital', type: 'numeric', info: { label: '注册资本（万元）' } },
  { id: 'staff', type: 'int', info: { label: '从业人数' } },
  { id: 'founded', type: 'date', info: { label: '成立日期' } },
  { id: 'active', type: 'bool', info: { label: '存续' } },
];

describe('datastore_search', () => {
  it('answers a GET the way CKAN does, filters as JSON in the query string', async () => {
    const filters = JSON.stringify({ region: '440305' });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/3/action/datastore_search?resource_id=${ds.entry.id}&filters=${encodeURIComponent(filters)}&limit=1`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      help: HELP,
      success: true,
      result: {
        include_total: true,
        resource_id: ds.entry.id,
        fields: FIELDS,
        records_format: 'objects',
        records: [
          {
            uscc: '91440300MA5C000003',
            company: '深圳丙电子有限公司',
            region: '440305',
            capital: 1000,
            staff: 120,
            founded: '2015-01-20',
            active: false,
          },
        ],
        limit: 1,
        offset: 0,
        filters: { region: '440305' },
        total: 2,
        _links: {
          start: `/api/3/action/datastore_search?limit=1&resource_id=${ds.entry.id}&filters=${encodeURIComponent(filters)}`,
          next: `/api/3/action/datastore_search?offset=1&limit=1&resource_id=${ds.entry.id}&filters=${encodeURIComponent(filters)}`,
        },
      },
    });
  });

  it('takes a ckanapi-style POST on a resource id of package_show, with fields, sort and q', async () => {
    const show = await t.app.inject({ method: 'GET', url: `/api/3/action/package_show?id=${ds.entry.id}` });
    const resourceId: string = show.json().result.resources[0].id;
    expect(resourceId).toBe(`${ds.entry.id}-csv`);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/3/action/datastore_search',
      payload: {
        resource_id: resourceId,
        filters: { active: true },
        q: '有限公司',
        fields: ['company', 'staff'],
        sort: 'staff desc',
        limit: 2,
        offset: 1,
        include_total: true,
      },
    });
    expect(res.statusCode).toBe(200);
    const result = res.json().result;
    expect(result.fields).toEqual([
      { id: 'company', type: 'text', info: { label: '企业名称' } },
      { id: 'staff', type: 'int', info: { label: '从业人数' } },
    ]);
    expect(result.records).toEqual([
      { company: '广州甲科技有限公司', staff: 12 },
      { company: '广州乙贸易有限公司', staff: 5 },
    ]);
    expect(result.total).toBe(3);
    expect(result.q).toBe('有限公司');
    expect(result.sort).toBe('staff desc');
  });

  it('answers lists, q per field and no total when asked', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/3/action/datastore_search',
      payload: {
        resource_id: ds.entry.id,
        q: { uscc: 'C00000' },
        fields: 'region,staff',
        sort: 'staff asc',
        limit: 3,
        include_total: false,
        records_format: 'lists',
      },
    });
    const result = res.json().result;
    expect(result.records).toEqual([
      ['440402', 2],
      ['440305', 3],
      ['440104', 5],
    ]);
    expect(result.include_total).toBe(false);
    expect('total' in result).toBe(false);
  });

  it('answers errors in CKAN’s envelope', async () => {
    const missing = await t.app.inject({
      method: 'GET',
      url: '/api/3/action/datastore_search?resource_id=00000000-0000-4000-8000-000000000000',
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      help: HELP,
      success: false,
      error: {
        __type: 'Not Found Error',
        message: 'Resource "00000000-0000-4000-8000-000000000000" was not found.',
      },
    });
    const notAFormat = await t.app.inject({
      method: 'GET',
      url: `/api/3/action/datastore_search?resource_id=${ds.entry.id}-xml`,
    });
    expect(notAFormat.statusCode).toBe(404);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/3/action/datastore_search',
      payload: { resource_id: ds.entry.id, distinct: true },
    });
    expect(unknown.statusCode).toBe(409);
    expect(unknown.json().error).toEqual({
      __type: 'Validation Error',
      message: 'unknown parameter(s): distinct',
    });
    const badFilter = await t.app.inject({
      method: 'POST',
      url: '/api/3/action/datastore_search',
      payload: { resource_id: ds.entry.id, filters: { nope: 'x' } },
    });
    expect(badFilter.statusCode).toBe(409);
    expect(badFilter.json().error).toEqual({
      __type: 'Validation Error',
      message: 'Invalid condition at /: unknown field "nope"',
    });
    const noId = await t.app.inject({ method: 'GET', url: '/api/3/action/datastore_search' });
    expect(noId.json().error).toEqual({ __type: 'Validation Error', message: 'resource_id: Missing value' });
    // The catalog's CKAN actions are still served beside it.
    const list = await t.app.inject({ method: 'GET', url: '/api/3/action/package_list' });
    expect(list.json().success).toBe(true);
  });

  it('does not serve an entry that is not unconditionally open', async () => {
    const conditional = await makeOpenDataset(t, {
      entry: { openType: 'conditional', openCondition: '需签署数据使用协议' },
    });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/3/action/datastore_search?resource_id=${conditional.entry.id}`,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.__type).toBe('Not Found Error');
  });
});
