import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { makeOrg } from '../support/factories.js';
import type { Entry } from '../../src/modules/catalog/index.js';
import { draft, openInput, publish } from './open-helpers.js';

/** CKAN Action API, read side: CKAN's envelope and shapes over open entries only. */
let t: TestApp;
let amr: { id: string; uscc: string; name: string };
let tax: { id: string; uscc: string; name: string };
let enterprise: Entry;
let closed: Entry;
let hidden: Entry;

beforeAll(async () => {
  t = await testApp();
  amr = await makeOrg(t.pool, { name: '省市场监管局' });
  tax = await makeOrg(t.pool, { name: '省税务局' });
  enterprise = await publish(t, openInput(amr.id));
  await publish(
    t,
    openInput(amr.id, { name: '企业年报信息', tags: ['企业', '年报'], formats: ['xlsx'], category: 'theme' }),
  );
  await publish(
    t,
    openInput(tax.id, {
      name: '纳税人状态信息',
      tags: ['税务'],
      formats: ['csv'],
      openType: 'conditional',
      openCondition: '经申请审核后开放',
      updateCycle: 'monthly',
    }),
  );
  closed = await publish(
    t,
    openInput(tax.id, {
      name: '欠税明细',
      openType: 'none',
      openCondition: '涉及商业秘密，不予开放',
      tags: ['税务'],
    }),
  );
  hidden = await draft(t, openInput(amr.id, { name: '未发布的草稿条目' }));
});
afterAll(async () => t?.close());

const action = (name: string, query = '') =>
  t.app.inject({ method: 'GET', url: `/api/3/action/${name}${query}` });

describe('package_list and package_show', () => {
  it('lists the names of open entries only', async () => {
    const res = await action('package_list');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.success).toBe(true);
    expect(body.help).toMatch(/\/api\/3\/action\/help_show\?name=package_list$/);
    expect(body.result).toHaveLength(3);
    expect(body.result).toContain(enterprise.code.replace(/[./]/g, '-'));
    expect(body.result).not.toContain(closed.code.replace(/[./]/g, '-'));
    expect(body.result).not.toContain(hidden.code.replace(/[./]/g, '-'));
  });

  it('shows a package by name, by resource code and by id, in CKAN’s shape', async () => {
    const name = enterprise.code.replace(/[./]/g, '-');
    for (const id of [name, enterprise.code, enterprise.id]) {
      const res = await action('package_show', `?id=${encodeURIComponent(id)}`);
      expect(res.statusCode).toBe(200);
      const pkg = res.json().result;
      expect(pkg).toMatchObject({
        id: enterprise.id,
        name,
        title: '企业登记基本信息',
        notes: '全省市场主体的登记注册基本信息',
        type: 'dataset',
        license_id: 'CC-BY-4.0',
        license_url: 'https://creativecommons.org/licenses/by/4.0/',
        organization: { name: amr.uscc.toLowerCase(), title: '省市场监管局', is_organization: true },
        tags: [{ name: '企业' }, { name: '市场主体' }],
        num_resources: 2,
        groups: [{ name: 'base', title: '基础信息资源' }],
      });
      expect(pkg.resources.map((r: { format: string }) => r.format)).toEqual(['CSV', 'JSON']);
      expect(pkg.resources[0].url).toBe(`http://localhost:80/api/catalog/entries/${enterprise.id}`);
      const extras = Object.fromEntries(
        pkg.extras.map((x: { key: string; value: string }) => [x.key, x.value]),
      );
      expect(extras).toMatchObject({
        share_type: 'unconditional',
        update_cycle: 'daily',
        grade: '1',
        resource_code: enterprise.code,
      });
    }
  });

  it('answers CKAN’s Not Found error for a closed entry, a draft and nonsense', async () => {
    for (const id of [closed.id, hidden.id, 'no-such-thing']) {
      const res = await action('package_show', `?id=${encodeURIComponent(id)}`);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ success: false, error: { __type: 'Not Found Error' } });
    }
    const missing = await action('package_show');
    expect(missing.statusCode).toBe(409);
    expect(missing.json().error).toEqual({ __type: 'Validation Error', message: 'id: Missing value' });
  });
});

describe('package_search', () => {
  it('answers count, results and search_facets', async () => {
    const res = await action(
      'package_search',
      `?facet.field=${encodeURIComponent('["organization","tags","res_format"]')}`,
    );
    expect(res.statusCode).toBe(200);
    const r = res.json().result;
    expect(r.count).toBe(3);
    expect(r.results).toHaveLength(3);
    expect(r.search_facets.organization.items).toEqual(
      expect.arrayContaining([
        { name: amr.uscc.toLowerCase(), display_name: '省市场监管局', count: 2 },
        { name: tax.uscc.toLowerCase(), display_name: '省税务局', count: 1 },
      ]),
    );
    expect(r.search_facets.tags.items).toContainEqual({ name: '企业', display_name: '企业', count: 2 });
    expect(r.search_facets.res_format.items).toContainEqual({ name: 'CSV', display_name: 'CSV', count: 2 });
    expect(r.facets.tags['企业']).toBe(2);
  });

  it('filters with fq (organization, quoted tags, res_format) and q', async () => {
    const fq = `organization:${amr.uscc.toLowerCase()} tags:"企业" res_format:CSV`;
    const res = await action('package_search', `?fq=${encodeURIComponent(fq)}`);
    expect(res.json().result.count).toBe(1);
    expect(res.json().result.results[0].title).toBe('企业登记基本信息');
    const q = await action('package_search', `?q=${encodeURIComponent('纳税人')}`);
    expect(q.json().result.results.map((p: { title: string }) => p.title)).toEqual(['纳税人状态信息']);
  });

  it('pages with rows and start, sorts by title, and takes a POSTed JSON body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/3/action/package_search',
      payload: { rows: 2, start: 1, sort: 'title_string asc' },
    });
    expect(res.statusCode).toBe(200);
    const r = res.json().result;
    expect(r.count).toBe(3);
    expect(r.results).toHaveLength(2);
    const all = (await action('package_search', '?sort=title_string%20asc')).json().result.results;
    expect(r.results.map((p: { id: string }) => p.id)).toEqual(all.slice(1).map((p: { id: string }) => p.id));
  });

  it('refuses bad parameters with CKAN’s Validation Error', async () => {
    for (const q of [
      '?fq=author:x',
      '?sort=views_recent%20desc',
      '?facet.field=organization',
      '?rows=-1',
      '?colour=red',
    ]) {
      const res = await action('package_search', q);
      expect(res.statusCode, q).toBe(409);
      expect(res.json()).toMatchObject({ success: false, error: { __type: 'Validation Error' } });
    }
    const unknown = await action('package_patch');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().success).toBe(false);
  });
});

describe('organizations and groups', () => {
  it('lists organisations with open entries, and shows one', async () => {
    const names = (await action('organization_list')).json().result;
    expect(names.sort()).toEqual([amr.uscc, tax.uscc].map((u) => u.toLowerCase()).sort());
    const full = (await action('organization_list', '?all_fields=true')).json().result;
    expect(full).toContainEqual(expect.objectContaining({ title: '省市场监管局', package_count: 2 }));
    const show = await action('organization_show', `?id=${amr.uscc.toLowerCase()}&include_datasets=true`);
    expect(show.json().result).toMatchObject({ title: '省市场监管局', package_count: 2 });
    expect(show.json().result.packages).toHaveLength(2);
    expect((await action('organization_show', '?id=nobody')).statusCode).toBe(404);
  });

  it('offers the three categories as groups', async () => {
    expect((await action('group_list')).json().result).toEqual(['base', 'theme', 'department']);
    const groups = (await action('group_list', '?all_fields=true')).json().result;
    expect(groups.map((g: { title: string; package_count: number }) => [g.title, g.package_count])).toEqual([
      ['基础信息资源', 2],
      ['主题信息资源', 1],
      ['部门信息资源', 0],
    ]);
  });
});
