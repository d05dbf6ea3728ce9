import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, freshUscc, makeOrg, makeUser } from '../support/factories.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { systemContext } from '../../src/platform/context.js';
import { ident } from '../../src/platform/db/pool.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { monthOf } from '../../src/modules/opening/products.js';
import { ProductMeter, productMeterOf, secondsToNextMonth } from '../../src/modules/opening/product-calls.js';
import { idNo, uscc } from '../ingest/fixtures/registry.js';
import { ENTRY } from '../sharing/fixtures/world.js';

/**
 * Data products through the real app: a provider publishes query, verify and statistics products
 * over its entry (query and statistics over the entry's open version, verify over the source);
 * companies and people subscribe to a tier accepting the terms; the provider approves; calls are
 * answered (verify never returns a value), audited with subject hashes, metered per month with
 * exact counts, refused with 429 and Retry-After over the tier; the usage report has the exact
 * figures; and who may do what.
 */

type Headers = Record<string, string>;
let t: TestApp;
let entryId: string;
let bareEntryId: string;
let steward: Headers;
let otherSteward: Headers;
let approver: Headers;
let otherApprover: Headers;
let sysadmin: Headers;
let company: Headers;
let person: Headers;
let personId: string;
const COMPANY_USCC = freshUscc('440300');

const N = 30;
const pad = (n: number) => String(n).padStart(2, '0');
/** Rows 1–12 registered in 天河 (440106), 13–30 in 福田 (440304). */
const region = (n: number) => (n <= 12 ? '440106' : '440304');
const name = (n: number) => `开放测试企业${pad(n)}有限公司`;

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Headers = {}) => t.app.inject({ method: 'GET', url, headers });

const TIERS = {
  query: [
    { name: '基础版', callsPerMonth: 5, ratePerMinute: 100 },
    { name: '专业版', callsPerMonth: 1000, ratePerMinute: 100 },
  ],
  verify: [{ name: '标准版', callsPerMonth: 100, ratePerMinute: 100 }],
  statistics: [{ name: '标准版', callsPerMonth: 100, ratePerMinute: 3 }],
};
const TERMS = '仅限申请用途使用；不得转售；调用记录留存备查。';
const products: Record<'query' | 'verify' | 'statistics', string> = { query: '', verify: '', statistics: '' };
const subs: Record<string, string> = {};

const hmacOf = (value: string) =>
  crypto.createHmac('sha256', t.services.identity.macKey('subject')).update(value).digest('hex').slice(0, 32);

async function events(action: string): Promise<{ actor_id: string; detail: Record<string, unknown> }[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ actor_id: string; detail: Record<string, unknown> }>(
    'SELECT actor_id, detail FROM audit.events WHERE action = $1 ORDER BY seq',
    [action],
  );
  return rows;
}

/**
 * An open version as the publishing pipeline leaves it (docs/OPENING.md "Open versions"): the
 * name and region of every row, nothing personal; open."<name>__v1", the view, the publication.
 */
async function publishOpenVersion(entry: string): Promise<void> {
  const { rows } = await t.pool.query<{ id: string; name: string }>(
    'SELECT id, name FROM datong.datasets WHERE entry_id = $1',
    [entry],
  );
  const ds = rows[0]!;
  const v1 = ident(`${ds.name}__v1`);
  await t.pool.query(`CREATE TABLE open.${v1} AS SELECT qymc, djjgqh FROM ds.${ident(ds.name)}`);
  await t.pool.query(`CREATE VIEW open.${ident(ds.name)} AS SELECT * FROM open.${v1}`);
  await t.pool.query(
    `INSERT INTO datong.open_publications (entry_id, dataset_id, name, config, status, current_version, columns,
       row_count, published_at, org_id)
     SELECT $1, $2, $3, '{}', 'published', 1, $4, $5, now(), provider_org_id FROM datong.catalog_entries WHERE id = $1`,
    [
      entry,
      ds.id,
      ds.name,
      JSON.stringify([
        { code: 'qymc', name: '企业名称', type: 'string', pgType: 'text' },
        { code: 'djjgqh', name: '登记机关区划', type: 'string', pgType: 'text' },
      ]),
      N,
    ],
  );
}

beforeAll(async () => {
  t = await testApp();
  const provider = await makeOrg(t.pool);
  const other = await makeOrg(t.pool);
  const publicOrg = await makeOrg(t.pool, { kind: 'other' });
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return {
      id: u.id,
      headers: { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` },
    };
  };
  steward = (await token(['data_steward'], provider.id)).headers;
  otherSteward = (await token(['data_steward'], other.id)).headers;
  approver = (await token(['approver'], provider.id)).headers;
  otherApprover = (await token(['approver'], other.id)).headers;
  sysadmin = (await token(['sysadmin'])).headers;
  company = (await token(['public_user'], publicOrg.id)).headers;
  const p = await token(['public_user'], publicOrg.id);
  person = p.headers;
  personId = p.id;

  const publishEntry = async (entryName: string) => {
    const made = await post('/api/catalog/entries', steward, {
      ...ENTRY,
      name: entryName,
      openType: 'unconditional',
    } as object);
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json<{ id: string }>().id;
    await post(`/api/catalog/entries/${id}/submit`, steward);
    expect((await post(`/api/catalog/entries/${id}/approve`, sysadmin, {})).statusCode).toBe(200);
    return id;
  };
  entryId = await publishEntry('企业登记开放产品测试表');
  bareEntryId = await publishEntry('尚无开放版本的测试表');

  const header = ['uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'zczb', 'djjgqh', 'clrq'];
  const lines = Array.from({ length: N }, (_, i) => {
    const n = i + 1;
    return [uscc(n), name(n), `张小${n}`, idNo(n), `${n}00.00`, region(n), '2020-01-02'].join(',');
  });
  const loaded = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from([header.join(','), ...lines].join('\n'))]), {
      format: 'csv',
    }),
    sourceInfo: { kind: 'test' },
  });
  expect(loaded).toMatchObject({ status: 'done', rowsInserted: N });
  await publishOpenVersion(entryId);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('making and publishing products', () => {
  it('lets the provider’s steward create drafts, resolving each kind’s configuration', async () => {
    const make = async (kind: 'query' | 'verify' | 'statistics', config: object) => {
      const res = await post('/api/products', steward, {
        entryId,
        kind,
        name: `企业登记${kind}服务`,
        description: `按${kind}提供企业登记数据服务`,
        terms: TERMS,
        tiers: TIERS[kind],
        config,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; status: string; config: object; termsVersion: number }>();
    };
    const q = await make('query', {});
    expect(q).toMatchObject({ status: 'draft', termsVersion: 1, config: { fields: ['qymc', 'djjgqh'] } });
    const v = await make('verify', { fields: ['qymc', 'fddbrsfzh', 'djjgqh'] });
    expect(v.config).toEqual({ keyFields: ['uscc'], fields: ['qymc', 'fddbrsfzh', 'djjgqh'] });
    const s = await make('statistics', { groupBy: ['djjgqh'], minCell: 15 });
    expect(s.config).toEqual({ groupBy: ['djjgqh'], minCell: 15 });
    products.query = q.id;
    products.verify = v.id;
    products.statistics = s.id;
  });

  it('refuses others: another organisation’s steward, an approver, bad tiers or fields', async () => {
    const body = { entryId, kind: 'query', name: 'x', description: '', terms: TERMS, tiers: TIERS.query };
    const other = await post('/api/products', otherSteward, body);
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ code: 'product_not_provider' });
    const byApprover = await post('/api/products', approver, body);
    expect(byApprover.statusCode).toBe(403);
    expect(byApprover.json()).toMatchObject({ code: 'forbidden' });
    const twice = await post('/api/products', steward, { ...body, tiers: [TIERS.query[0], TIERS.query[0]] });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toMatchObject({ code: 'product_tiers_invalid' });
    const hidden = await post('/api/products', steward, { ...body, config: { fields: ['fddbrsfzh'] } });
    expect(hidden.statusCode).toBe(400);
    expect(hidden.json()).toMatchObject({ code: 'product_config_invalid' });
  });

  it('hides drafts from the public, and publishes', async () => {
    expect((await get(`/api/products/${products.query}`)).statusCode).toBe(404);
    expect((await get('/api/products')).json()).toEqual({ items: [] });
    for (const id of Object.values(products)) {
      const res = await post(`/api/products/${id}/publish`, steward);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'published' });
    }
    const list = await get(`/api/products?entryId=${entryId}`);
    expect(
      list
        .json<{ items: { id: string }[] }>()
        .items.map((p) => p.id)
        .sort(),
    ).toEqual(Object.values(products).sort());
    const again = await post(`/api/products/${products.query}/publish`, steward);
    expect(again.statusCode).toBe(409);
  });

  it('does not publish a query product over an entry without an open version', async () => {
    const made = await post('/api/products', steward, {
      entryId: bareEntryId,
      kind: 'query',
      name: '无开放版本',
      description: '',
      terms: TERMS,
      tiers: TIERS.query,
    });
    expect(made.statusCode).toBe(201);
    const res = await post(`/api/products/${made.json<{ id: string }>().id}/publish`, steward);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'product_no_open_version' });
  });
});

describe('subscriptions', () => {
  const apply = (h: Headers, product: string, extra: Record<string, unknown> = {}) =>
    post(`/api/products/${product}/subscriptions`, h, {
      tier: '基础版',
      purpose: '客户准入时查询企业登记信息',
      acceptTerms: true,
      termsVersion: 1,
      ...extra,
    });

  it('checks the terms, the tier and the company’s USCC', async () => {
    const c = { companyName: '深圳数智科技有限公司', companyUscc: COMPANY_USCC };
    expect((await apply(company, products.query, { ...c, acceptTerms: false })).json()).toMatchObject({
      code: 'product_terms_required',
    });
    expect((await apply(company, products.query, { ...c, termsVersion: 2 })).statusCode).toBe(409);
    expect((await apply(company, products.query, { ...c, tier: '旗舰版' })).json()).toMatchObject({
      code: 'product_tier_unknown',
    });
    const bad = COMPANY_USCC.slice(0, 17) + (COMPANY_USCC[17] === '0' ? '1' : '0');
    expect((await apply(company, products.query, { ...c, companyUscc: bad })).json()).toMatchObject({
      code: 'product_uscc_invalid',
    });
    expect((await apply(company, products.query, { companyName: '缺代码' })).json()).toMatchObject({
      code: 'product_company_incomplete',
    });
    expect((await apply(approver, products.query, c)).statusCode).toBe(403);
  });

  it('applies, once, and the provider approves (another organisation’s approver cannot)', async () => {
    const c = { companyName: '深圳数智科技有限公司', companyUscc: COMPANY_USCC };
    const res = await apply(company, products.query, c);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      status: 'applied',
      tier: '基础版',
      companyName: '深圳数智科技有限公司',
      companyUscc: COMPANY_USCC,
      termsVersion: 1,
      usage: { calls: 0, callsPerMonth: 5, ratePerMinute: 100 },
    });
    subs.companyQuery = res.json<{ id: string }>().id;
    expect((await apply(company, products.query, c)).json()).toMatchObject({
      code: 'product_subscription_pending',
    });

    const early = await post(`/api/products/${products.query}/call`, company, {});
    expect(early.statusCode).toBe(403);
    expect(early.json()).toMatchObject({ code: 'product_not_subscribed' });

    expect(
      (await post(`/api/product-subscriptions/${subs.companyQuery}/approve`, otherApprover, {})).statusCode,
    ).toBe(404);
    expect(
      (await post(`/api/product-subscriptions/${subs.companyQuery}/approve`, company, {})).statusCode,
    ).toBe(403);
    const inbox = await get('/api/product-subscriptions?status=applied', approver);
    expect(inbox.json<{ items: { id: string }[] }>().items.map((s) => s.id)).toEqual([subs.companyQuery]);
    const ok = await post(`/api/product-subscriptions/${subs.companyQuery}/approve`, approver, {});
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'approved', tier: '基础版' });
    expect(ok.json<{ events: { action: string }[] }>().events.map((e) => e.action)).toEqual([
      'apply',
      'approve',
    ]);

    // A person (no company) asks for the basic tier and is given the professional one.
    const p = await apply(person, products.query);
    expect(p.statusCode).toBe(201);
    subs.personQuery = p.json<{ id: string }>().id;
    const up = await post(`/api/product-subscriptions/${subs.personQuery}/approve`, approver, {
      tier: '专业版',
    });
    expect(up.json()).toMatchObject({ status: 'approved', tier: '专业版', companyUscc: null });

    for (const [key, product] of [
      ['companyVerify', products.verify],
      ['companyStats', products.statistics],
    ] as const) {
      const made = await apply(company, product, { ...c, tier: '标准版' });
      expect(made.statusCode, made.body).toBe(201);
      subs[key] = made.json<{ id: string }>().id;
      expect((await post(`/api/product-subscriptions/${subs[key]}/approve`, approver, {})).statusCode).toBe(
        200,
      );
    }
  });

  it('refuses with a reason', async () => {
    const made = await apply(person, products.verify, { tier: '标准版' });
    const id = made.json<{ id: string }>().id;
    expect((await post(`/api/product-subscriptions/${id}/refuse`, approver, {})).json()).toMatchObject({
      code: 'product_reason_required',
    });
    const res = await post(`/api/product-subscriptions/${id}/refuse`, approver, {
      reason: '个人不提供核验服务',
    });
    expect(res.json()).toMatchObject({ status: 'refused', reason: '个人不提供核验服务' });
  });
});

describe('calls', () => {
  const call = (h: Headers, product: string, body: object) => post(`/api/products/${product}/call`, h, body);

  it('query: filters over the open version, paged, only the offered columns', async () => {
    const first = await call(company, products.query, { filters: { djjgqh: '440106' }, limit: 5 });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({
      kind: 'query',
      columns: [
        { code: 'qymc', name: '企业名称' },
        { code: 'djjgqh', name: '登记机关区划' },
      ],
      rows: [1, 2, 3, 4, 5].map((n) => ({ qymc: name(n), djjgqh: '440106' })),
      limit: 5,
      offset: 0,
      hasMore: true,
      usage: { month: monthOf(new Date()), calls: 1, callsPerMonth: 5 },
    });
    const last = await call(company, products.query, {
      filters: { djjgqh: '440106' },
      fields: ['qymc'],
      limit: 5,
      offset: 10,
    });
    expect(last.json()).toMatchObject({
      rows: [{ qymc: name(11) }, { qymc: name(12) }],
      hasMore: false,
      usage: { calls: 2 },
    });
    // Not offered (not even in the open version): refused, and not counted.
    const hidden = await call(company, products.query, { fields: ['fddbrsfzh'] });
    expect(hidden.statusCode).toBe(400);
    expect(hidden.json()).toMatchObject({ code: 'product_call_invalid' });
    const audit = await events('product.call.query');
    expect(audit.map((e) => e.detail)).toEqual([
      expect.objectContaining({
        product: products.query,
        subscription: subs.companyQuery,
        rows: 5,
        offset: 0,
      }),
      expect.objectContaining({ rows: 2, offset: 10, fields: ['qymc'] }),
    ]);
  });

  it('meters per month: over the tier’s calls → 429 with Retry-After to the next month', async () => {
    for (const n of [3, 4, 5]) {
      const res = await call(company, products.query, { limit: 1 });
      expect(res.json<{ usage: { calls: number } }>().usage.calls).toBe(n);
    }
    const before = secondsToNextMonth(new Date());
    const over = await call(company, products.query, { limit: 1 });
    const after = secondsToNextMonth(new Date());
    expect(over.statusCode).toBe(429);
    expect(over.json()).toMatchObject({ code: 'product_quota_exhausted' });
    const retry = Number(over.headers['retry-after']);
    expect(retry).toBeGreaterThanOrEqual(after);
    expect(retry).toBeLessThanOrEqual(before);
    // The person's own tier is untouched.
    for (let i = 0; i < 2; i++)
      expect((await call(person, products.query, { limit: 1 })).statusCode).toBe(200);
    await productMeterOf(t.pool).flush();
    const { rows } = await t.pool.query<{ subscription_id: string; month: string; calls: number }>(
      `SELECT subscription_id, to_char(month, 'YYYY-MM') AS month, calls FROM datong.product_usage
        WHERE subscription_id = ANY($1) ORDER BY calls DESC`,
      [[subs.companyQuery, subs.personQuery]],
    );
    expect(rows).toEqual([
      { subscription_id: subs.companyQuery, month: monthOf(new Date()), calls: 5 },
      { subscription_id: subs.personQuery, month: monthOf(new Date()), calls: 2 },
    ]);
  });

  it('verify: match / mismatch / not_found per field, never a stored value; subject hashes audited', async () => {
    const res = await call(company, products.verify, {
      key: { uscc: uscc(3) },
      fields: { qymc: name(3), fddbrsfzh: idNo(3), djjgqh: '440304' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      kind: 'verify',
      found: true,
      fields: { qymc: 'match', fddbrsfzh: 'match', djjgqh: 'mismatch' },
      usage: { month: monthOf(new Date()), calls: 1, callsPerMonth: 100 },
    });
    // The stored region (440106) appears nowhere in the answer.
    expect(res.body).not.toContain('440106');
    const missing = await call(company, products.verify, {
      key: { uscc: uscc(99) },
      fields: { qymc: name(3) },
    });
    expect(missing.json()).toMatchObject({ found: false, fields: { qymc: 'not_found' } });
    const notOffered = await call(company, products.verify, {
      key: { uscc: uscc(3) },
      fields: { fddbr: '张小3' },
    });
    expect(notOffered.statusCode).toBe(400);
    const noKey = await call(company, products.verify, { key: {}, fields: { qymc: name(3) } });
    expect(noKey.statusCode).toBe(400);
    const audit = await events('product.call.verify');
    expect(audit).toHaveLength(2);
    expect((audit[0]!.detail.subjects as string[]).sort()).toEqual([hmacOf(uscc(3)), hmacOf(idNo(3))].sort());
    expect(audit[0]!.detail).toMatchObject({
      rows: 1,
      fields: ['qymc', 'fddbrsfzh', 'djjgqh'],
      results: { qymc: 'match', fddbrsfzh: 'match', djjgqh: 'mismatch' },
    });
    expect(JSON.stringify(audit)).not.toContain(idNo(3));
    expect(audit[1]!.detail.subjects).toEqual([hmacOf(uscc(99))]);
  });

  it('statistics: group-by counts over the open version, small cells suppressed, per-minute rate', async () => {
    const res = await call(company, products.statistics, { groupBy: ['djjgqh'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      kind: 'statistics',
      groupBy: ['djjgqh'],
      groups: [
        { key: { djjgqh: '440304' }, count: 18, suppressed: false },
        { key: { djjgqh: '440106' }, count: null, suppressed: true },
      ],
      usage: { month: monthOf(new Date()), calls: 1, callsPerMonth: 100 },
    });
    const filtered = await call(company, products.statistics, {
      groupBy: ['djjgqh'],
      filters: { djjgqh: '440304' },
    });
    expect(filtered.json<{ groups: unknown[] }>().groups).toEqual([
      { key: { djjgqh: '440304' }, count: 18, suppressed: false },
    ]);
    expect((await call(company, products.statistics, { groupBy: ['qymc'] })).statusCode).toBe(400);
    expect((await call(company, products.statistics, { groupBy: ['djjgqh'] })).statusCode).toBe(200);
    // 3 calls a minute: the fourth in the same minute waits about 20 s for the next.
    const limited = await call(company, products.statistics, { groupBy: ['djjgqh'] });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'product_rate_limited' });
    expect(limited.headers['retry-after']).toBe('20');
  });

  it('takes a public API key instead of a session', async () => {
    const made = await post('/api/open/keys', person, { name: '产品调用' });
    expect(made.statusCode, made.body).toBe(201);
    const key = made.json<{ key: string }>().key;
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/products/${products.query}/call`,
      headers: { 'x-api-key': key },
      payload: { limit: 1 },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ usage: { calls: 3, callsPerMonth: 1000 } });
    const audit = await events('product.call.query');
    expect(audit.at(-1)!.actor_id).toBe(personId);
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/products/${products.query}/call`,
      headers: { 'x-api-key': `${crypto.randomUUID()}.${'A'.repeat(43)}` },
      payload: {},
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ code: 'product_api_key_invalid' });
    const anonymous = await post(`/api/products/${products.query}/call`, {}, {});
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'product_sign_in_required' });
  });
});

describe('usage reports', () => {
  it('gives the provider and the platform exact calls per consumer and month', async () => {
    const month = monthOf(new Date());
    const expected = {
      productId: products.query,
      productName: '企业登记query服务',
      month,
      total: 8,
      consumers: [
        expect.objectContaining({
          subscriptionId: subs.companyQuery,
          companyName: '深圳数智科技有限公司',
          companyUscc: COMPANY_USCC,
          tier: '基础版',
          status: 'approved',
          callsPerMonth: 5,
          calls: 5,
        }),
        expect.objectContaining({
          subscriptionId: subs.personQuery,
          companyName: null,
          tier: '专业版',
          callsPerMonth: 1000,
          calls: 3,
        }),
      ],
    };
    const byProvider = await get(`/api/products/${products.query}/usage?month=${month}`, approver);
    expect(byProvider.statusCode, byProvider.body).toBe(200);
    expect(byProvider.json()).toEqual(expected);
    expect((await get(`/api/products/${products.query}/usage`, sysadmin)).json()).toEqual(expected);
    const empty = await get(`/api/products/${products.query}/usage?month=2000-01`, approver);
    expect(empty.json()).toMatchObject({
      total: 0,
      consumers: [expect.objectContaining({ calls: 0 }), expect.objectContaining({ calls: 0 })],
    });
    expect((await get(`/api/products/${products.query}/usage`, otherApprover)).statusCode).toBe(403);
    expect((await get(`/api/products/${products.query}/usage`, company)).statusCode).toBe(403);
    expect((await get(`/api/products/${products.query}/usage?month=2025-13`, approver)).statusCode).toBe(400);
  });

  it('gives each consumer their own use', async () => {
    const mine = await get('/api/product-subscriptions/mine', company);
    const byProduct = Object.fromEntries(
      mine
        .json<{ items: { productId: string; usage: { calls: number; callsPerMonth: number } }[] }>()
        .items.map((s) => [s.productId, s.usage]),
    );
    const month = monthOf(new Date());
    expect(byProduct).toEqual({
      [products.query]: { month, calls: 5, callsPerMonth: 5, ratePerMinute: 100 },
      [products.verify]: { month, calls: 2, callsPerMonth: 100, ratePerMinute: 100 },
      [products.statistics]: { month, calls: 3, callsPerMonth: 100, ratePerMinute: 3 },
    });
  });
});

describe('revocation and retirement', () => {
  it('a revoked subscription calls no more; a retired product neither', async () => {
    const noReason = await post(`/api/product-subscriptions/${subs.personQuery}/revoke`, approver, {});
    expect(noReason.statusCode).toBe(400);
    const revoked = await post(`/api/product-subscriptions/${subs.personQuery}/revoke`, approver, {
      reason: '超出申请用途使用',
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked', reason: '超出申请用途使用' });
    expect((await post(`/api/products/${products.query}/call`, person, {})).json()).toMatchObject({
      code: 'product_not_subscribed',
    });
    expect((await post(`/api/products/${products.verify}/retire`, steward)).json()).toMatchObject({
      status: 'retired',
    });
    const call = await post(`/api/products/${products.verify}/call`, company, {
      key: { uscc: uscc(3) },
      fields: { qymc: name(3) },
    });
    expect(call.statusCode).toBe(409);
    expect(call.json()).toMatchObject({ code: 'product_not_published' });
  });
});

describe('the monthly meter', () => {
  it('counts per month in Asia/Shanghai and flushes exact counts', async () => {
    let now = new Date('2025-01-31T15:59:58Z'); // 2025-01-31 23:59:58 in Shanghai
    const meter = new ProductMeter(t.pool, () => now, 60_000);
    const id = subs.companyStats!;
    for (const n of [1, 2, 3]) expect(await meter.take(id, 3)).toEqual({ ok: true, calls: n });
    expect(await meter.take(id, 3)).toEqual({ ok: false, retryAfterSeconds: 2 });
    now = new Date('2025-01-31T16:00:00Z'); // 2025-02-01 00:00 in Shanghai
    expect(await meter.take(id, 3)).toEqual({ ok: true, calls: 1 });
    await meter.flush();
    const { rows } = await t.pool.query<{ month: string; calls: number }>(
      `SELECT to_char(month, 'YYYY-MM') AS month, calls FROM datong.product_usage
        WHERE subscription_id = $1 AND month < '2025-03-01' ORDER BY month`,
      [id],
    );
    expect(rows).toEqual([
      { month: '2025-01', calls: 3 },
      { month: '2025-02', calls: 1 },
    ]);
    expect(secondsToNextMonth(new Date('2025-12-31T16:00:00Z'))).toBe(31 * 86_400);
  });
});
