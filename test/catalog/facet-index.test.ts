import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';

/**
 * The in-memory facet index follows the database: every lifecycle step shows in the next
 * search's counts, and a write whose transaction commits after a later one is still picked up.
 */
let t: TestApp;
let steward: Record<string, string>;
let reviewer: Record<string, string>;

const entry = (name: string, tags: string[]): EntryInput => ({
  category: 'department',
  classification: ['4', '01'],
  name,
  summary: '门户计数测试',
  resourceKind: 'table',
  formats: ['csv'],
  updateCycle: 'monthly',
  relatedCodes: [],
  tags,
  responsible: { person: '陈晨', phone: '020-12345678' },
  shareType: 'unconditional',
  shareMethod: 'file',
  openType: 'unconditional',
  licence: 'CC-BY-4.0',
  grade: 1,
  important: false,
  core: false,
  fields: [
    { name: '场所编号', type: 'string', length: 20, required: true, key: true, piiKind: 'none', grade: 1 },
  ],
});

async function post(url: string, headers: Record<string, string>, payload?: object) {
  const res = await t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<{ id: string }>();
}

async function search(query = '', headers: Record<string, string> = {}) {
  const res = await t.app.inject({ method: 'GET', url: `/api/catalog/entries${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ total: number; facets: Record<string, { value: string; count: number }[]> }>();
}

const tagCount = async (tag: string) => (await search()).facets.tag!.find((b) => b.value === tag)?.count ?? 0;

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool);
  const s = await makeUser(t.pool, { roles: ['data_steward'], orgId: org.id });
  const r = await makeUser(t.pool, { roles: ['sysadmin'] });
  steward = { authorization: `Bearer ${await bearerFor(t.app, s.username, s.password)}` };
  reviewer = { authorization: `Bearer ${await bearerFor(t.app, r.username, r.password)}` };
});

afterAll(async () => {
  await t?.close();
});

describe('facet index', () => {
  it('follows every lifecycle step in the next search', async () => {
    expect((await search()).total).toBe(0);
    const { id } = await post('/api/catalog/entries', steward, entry('体育场馆名录', ['体育']));
    // A draft: the reviewer counts it, the public does not.
    expect((await search('', reviewer)).total).toBe(1);
    expect((await search()).total).toBe(0);
    // Renaming the draft moves it from the old words to the new ones.
    const q = (word: string) => `?q=${encodeURIComponent(word)}`;
    expect((await search(q('场馆'), reviewer)).total).toBe(1);
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${id}`,
      headers: steward,
      payload: entry('游泳池名录', ['体育']) as object,
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await search(q('场馆'), reviewer)).total).toBe(0);
    expect((await search(q('游泳池'), reviewer)).total).toBe(1);
    await post(`/api/catalog/entries/${id}/submit`, steward);
    await post(`/api/catalog/entries/${id}/approve`, reviewer);
    expect((await search()).total).toBe(1);
    expect(await tagCount('体育')).toBe(1);
    await post(`/api/catalog/entries/${id}/deprecate`, steward, { reason: '并入全民健身设施目录' });
    expect((await search()).total).toBe(0);
    expect((await search('', reviewer)).total).toBe(1);
  });

  it('picks up a write whose transaction commits after a later one', async () => {
    const { id } = await post('/api/catalog/entries', steward, entry('健身步道信息', ['健身']));
    await post(`/api/catalog/entries/${id}/submit`, steward);
    await post(`/api/catalog/entries/${id}/approve`, reviewer);
    expect(await tagCount('健身')).toBe(1);

    // A slow transaction takes its transaction id first and writes, but has not committed yet.
    const slow = await t.pool.connect();
    try {
      await slow.query('BEGIN');
      await slow.query(`UPDATE datong.catalog_versions SET tags = '{健身,步道}' WHERE entry_id = $1`, [id]);
      // Meanwhile a search runs and a later write commits.
      expect(await tagCount('步道')).toBe(0);
      const other = await post('/api/catalog/entries', steward, entry('绿道信息', ['步道']));
      await post(`/api/catalog/entries/${other.id}/submit`, steward);
      await post(`/api/catalog/entries/${other.id}/approve`, reviewer);
      expect(await tagCount('步道')).toBe(1);
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    // The slow write is counted once it has committed, although a later write was read before.
    expect(await tagCount('步道')).toBe(2);
  });
});
