import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLimitsOf } from '../../src/modules/opening/open-limits.js';
import { openInput, publish } from '../catalog/open-helpers.js';
import { testApp, type TestApp } from '../support/app.js';
import { makeOrg } from '../support/factories.js';
import { makeOpenDataset, relaxLimits, type MadeOpenDataset } from './public-helpers.js';
import type { Entry } from '../../src/modules/catalog/index.js';

let t: TestApp;
let registry: MadeOpenDataset;
let investment: MadeOpenDataset;
let conditional: Entry;
let statsUscc: string;
let statsId: string;
let amrId: string;

beforeAll(async () => {
  t = await testApp();
  relaxLimits(t);
  // 2026-03-10 12:00 in Asia/Shanghai.
  openLimitsOf(t.pool).useClock(() => new Date('2026-03-10T04:00:00Z'));
  const amr = await makeOrg(t.pool, { name: '广东省市场监督管理局' });
  const stats = await makeOrg(t.pool, { name: '广州市统计局' });
  amrId = amr.id;
  statsId = stats.id;
  statsUscc = stats.uscc;
  registry = await makeOpenDataset(t, { orgId: amr.id, publishedAt: '2020-01-01T00:00:00Z' });
  investment = await makeOpenDataset(t, {
    orgId: amr.id,
    entry: { name: '重点项目投资统计', category: 'theme', tags: ['投资'] },
    publishedAt: '2020-02-01T00:00:00Z',
  });
  conditional = await publish(
    t,
    openInput(stats.id, {
      name: '个体工商户经营数据',
      openType: 'conditional',
      openCondition: '需签署数据使用协议',
    }),
  );
  await publish(
    t,
    openInput(stats.id, { name: '企业纳税明细', openType: 'none', openCondition: '涉及商业秘密' }),
  );
  const downloads: [string, string, string, number][] = [
    [registry.entry.id, '2026-03-10', 'csv', 2],
    [registry.entry.id, '2026-03-01', 'xlsx', 1],
    [registry.entry.id, '2026-01-20', 'csv', 10],
    [investment.entry.id, '2026-02-09', 'json', 2],
    [investment.entry.id, '2026-02-08', 'json', 100],
    [conditional.id, '2026-03-10', 'csv', 5],
  ];
  for (const d of downloads) {
    await t.pool.query(
      'INSERT INTO datong.open_downloads (entry_id, day, format, downloads) VALUES ($1, $2, $3, $4)',
      d,
    );
  }
});
afterAll(async () => t?.close());

describe('the portal home', () => {
  it('counts categories and departments, lists the newest and the most downloaded', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/open/home' });
    expect(res.statusCode).toBe(200);
    const home = res.json();
    expect(home.categories).toEqual([
      { category: 'base', name: '基础信息资源', nameEn: 'Base information resources', count: 2 },
      { category: 'theme', name: '主题信息资源', nameEn: 'Thematic information resources', count: 1 },
      {
        category: 'department',
        name: '部门信息资源',
        nameEn: 'Departmental information resources',
        count: 0,
      },
    ]);
    expect(home.departments).toEqual([
      { orgId: amrId, name: '广东省市场监督管理局', uscc: expect.any(String), count: 2 },
      { orgId: statsId, name: '广州市统计局', uscc: statsUscc, count: 1 },
    ]);
    expect(home.totals).toEqual({ entries: 3, withData: 2 });
    // The conditional entry's catalog publication (today) is newer than the open versions (2020).
    expect(home.newest.map((c: { name: string }) => c.name)).toEqual([
      '个体工商户经营数据',
      '重点项目投资统计',
      '企业登记基本信息',
    ]);
    expect(home.newest[1]).toEqual({
      entryId: investment.entry.id,
      code: investment.entry.code,
      name: '重点项目投资统计',
      summary: '全省市场主体的登记注册基本信息',
      category: 'theme',
      providerOrgId: amrId,
      providerOrgName: '广东省市场监督管理局',
      openType: 'unconditional',
      tags: ['投资'],
      updateCycle: 'daily',
      publishedAt: '2020-02-01T00:00:00.000Z',
      dataAvailable: true,
      rowCount: 6,
      downloads: 102,
    });
    expect(home.newest[0]).toMatchObject({ openType: 'conditional', dataAvailable: false, rowCount: null });
    // Last 30 Shanghai days: 2026-02-09 … 2026-03-10.
    expect(
      home.popular.map((c: { name: string; recentDownloads: number; downloads: number }) => [
        c.name,
        c.recentDownloads,
        c.downloads,
      ]),
    ).toEqual([
      ['个体工商户经营数据', 5, 5],
      ['企业登记基本信息', 3, 13],
      ['重点项目投资统计', 2, 102],
    ]);
  });
});

describe('the portal search', () => {
  const search = async (query: string) =>
    (await t.app.inject({ method: 'GET', url: `/api/open/datasets?${query}` })).json();
  const names = (body: { items: { name: string }[] }) => body.items.map((i) => i.name);

  it('lists open entries only, by category, organisation and text, in pages', async () => {
    const all = await search('');
    expect(all.total).toBe(3);
    expect(all.page).toBe(1);
    expect(all.pageSize).toBe(20);
    expect(names(all).sort()).toEqual(['个体工商户经营数据', '企业登记基本信息', '重点项目投资统计'].sort());
    expect(names(await search('category=theme'))).toEqual(['重点项目投资统计']);
    expect(names(await search(`org=${statsUscc}`))).toEqual(['个体工商户经营数据']);
    expect(names(await search(`org=${statsId}`))).toEqual(['个体工商户经营数据']);
    expect(names(await search(`q=${encodeURIComponent('重点项目')}`))).toEqual(['重点项目投资统计']);
    const page2 = await search('pageSize=2&page=2');
    expect(page2.total).toBe(3);
    expect(page2.items.length).toBe(1);
    expect((await search('org=00000000-0000-4000-8000-000000000000')).total).toBe(0);
    const bad = await t.app.inject({ method: 'GET', url: '/api/open/datasets?pageSize=101' });
    expect(bad.statusCode).toBe(400);
  });
});
