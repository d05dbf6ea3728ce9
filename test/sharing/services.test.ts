import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { signRequest } from '../../src/platform/auth/signature.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { systemContext } from '../../src/platform/context.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { shanghaiDay } from '../../src/modules/sharing/calendar.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import { DailyQuotas, dailyQuotasOf } from '../../src/modules/sharing/quota.js';
import { idNo, uscc } from '../ingest/fixtures/registry.js';
import { ENTRY } from './fixtures/world.js';

/**
 * The data services through the real app, called with an application's signed requests: query
 * by key and by conditions (pages, masking, the provider's row filter), verify, the batch forms,
 * one durable audit event per call with subject hashes, refusals (fields outside the grant, a
 * grant revoked or expired between two calls, a replayed signature) and failing closed.
 */

type Headers = Record<string, string>;
let t: TestApp;
let grantId: string;
let appKey: { keyId: string; secret: string };
let consumerAppId: string;
let providerSteward: Headers;
let providerApprover: Headers;
let consumerDev: Headers;

const N = 30;
/** Registration authority by row: even rows in 天河 (440106), odd ones in 福田 (440304). */
const region = (n: number) => (n % 2 === 0 ? '440106' : '440304');
const row = (n: number) => ({
  uscc: uscc(n),
  qymc: `共享测试企业${n}有限公司`,
  fddbr: `张小${n}`,
  fddbrsfzh: idNo(n),
  zczb: `${n}00.00`,
  djjgqh: region(n),
  clrq: '2020-01-02',
});

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });

/** A signed application call; `replay` sends the exact same signed request again. */
function call(path: string, body: object, nonce?: string) {
  const text = JSON.stringify(body);
  const headers = signRequest({ method: 'POST', path, body: text, ...appKey, ...(nonce ? { nonce } : {}) });
  return t.app.inject({
    method: 'POST',
    url: path,
    headers: { ...headers, 'content-type': 'application/json' },
    payload: text,
  });
}
const svc = (op: string) => `/api/services/grants/${grantId}/${op}`;

/** The audit events of an action, in order (after sequencing everything appended so far). */
async function events(action: string): Promise<{ result: string; detail: Record<string, unknown> }[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ result: string; detail: Record<string, unknown> }>(
    'SELECT result, detail FROM audit.events WHERE action = $1 ORDER BY seq',
    [action],
  );
  return rows;
}

const hmacOf = (value: string) =>
  crypto.createHmac('sha256', t.services.identity.macKey('subject')).update(value).digest('hex').slice(0, 32);

beforeAll(async () => {
  t = await testApp();
  const provider = await makeOrg(t.pool);
  const consumer = await makeOrg(t.pool, { regionCode: '440300' });
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  providerSteward = await token(['data_steward'], provider.id);
  providerApprover = await token(['approver'], provider.id);
  consumerDev = await token(['developer', 'member'], consumer.id);
  const sysadmin = await token(['sysadmin']);

  const made = await post('/api/catalog/entries', providerSteward, ENTRY as object);
  expect(made.statusCode, made.body).toBe(201);
  const entryId = made.json<{ id: string }>().id;
  await post(`/api/catalog/entries/${entryId}/submit`, providerSteward);
  expect((await post(`/api/catalog/entries/${entryId}/approve`, sysadmin, {})).statusCode).toBe(200);

  const header = Object.keys(row(1));
  const csv = [
    header.join(','),
    ...Array.from({ length: N }, (_, i) => Object.values(row(i + 1)).join(',')),
  ].join('\n');
  const loaded = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(csv)]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  expect(loaded).toMatchObject({ status: 'done', rowsInserted: N });

  const app = await post('/api/apps', consumerDev, { name: '企业开办核验' });
  expect(app.statusCode, app.body).toBe(201);
  const appId = app.json<{ id: string }>().id;
  consumerAppId = appId;
  const cred = await post(`/api/apps/${appId}/credentials`, consumerDev, {});
  appKey = cred.json<{ keyId: string; secret: string }>();

  const today = shanghaiDay(new Date());
  const req = await post('/api/share/requests', consumerDev, {
    entryId,
    appId,
    fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh'],
    scenario: {
      name: '企业开办一网通办',
      description: '核验申请人所填企业信息',
      basis: '《优化营商环境条例》',
    },
    expectedVolume: { perDay: 5000 },
    validFrom: today,
    validTo: addYears(today, 1),
  });
  expect(req.statusCode, req.body).toBe(201);
  // The provider grants the 天河 rows only; personal data masked by default.
  const approved = await post(
    `/api/share/requests/${req.json<{ id: string }>().id}/approve`,
    providerApprover,
    {
      rowFilter: { field: 'djjgqh', op: 'eq', value: '440106' },
      rateLimit: 1000,
    },
  );
  expect(approved.statusCode, approved.body).toBe(200);
  grantId = approved.json<{ grantId: string }>().grantId;
  expect(grantId).toBeTruthy();
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('query', () => {
  it('answers a row by key, masked, and audits it with the subjects it returned', async () => {
    const before = (await events('share.service.query')).length;
    const res = await call(svc('query'), { key: { uscc: uscc(2) } });
    expect(res.statusCode, res.body).toBe(200);
    const { rows, next } = res.json<{ rows: Record<string, string>[]; next: string | null }>();
    expect(next).toBeNull();
    expect(rows).toEqual([
      {
        uscc: uscc(2),
        qymc: '共享测试企业2有限公司',
        fddbr: '张**',
        fddbrsfzh: `${idNo(2).slice(0, 6)}********${idNo(2).slice(-4)}`,
        djjgqh: '440106',
      },
    ]);
    const after = await events('share.service.query');
    expect(after.length).toBe(before + 1);
    const e = after.at(-1)!;
    expect(e.result).toBe('success');
    expect(e.detail).toMatchObject({ grant: grantId, scenario: '企业开办一网通办', rows: 1, by: 'key' });
    expect((e.detail.subjects as string[]).sort()).toEqual([hmacOf(uscc(2)), hmacOf(idNo(2))].sort());
    expect(JSON.stringify(e.detail)).not.toContain(idNo(2));
  });

  it("never shows a row outside the provider's row filter, whatever the caller asks", async () => {
    const outside = await call(svc('query'), { key: { uscc: uscc(3) } });
    expect(outside.json<{ rows: unknown[] }>().rows).toEqual([]);
    const hostile = await call(svc('query'), {
      where: {
        or: [
          { field: 'djjgqh', op: 'eq', value: '440304' },
          { not: { field: 'djjgqh', op: 'eq', value: '440106' } },
        ],
      },
    });
    expect(hostile.statusCode, hostile.body).toBe(200);
    expect(hostile.json<{ rows: unknown[] }>().rows).toEqual([]);
  });

  it('pages by key through every granted row, with the fields asked for', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await call(svc('query'), {
        where: { field: 'qymc', op: 'prefix', value: '共享测试' },
        fields: ['uscc', 'qymc'],
        limit: 4,
        ...(after ? { after } : {}),
      });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ rows: { uscc: string; qymc: string }[]; next: string | null }>();
      for (const r of page.rows) expect(Object.keys(r)).toEqual(['uscc', 'qymc']);
      seen.push(...page.rows.map((r) => r.uscc));
      after = page.next;
      pages++;
    } while (after && pages < 10);
    const expected = Array.from({ length: N }, (_, i) => i + 1)
      .filter((n) => region(n) === '440106')
      .map((n) => uscc(n))
      .sort();
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 4));
  });

  it('refuses a field outside the grant with 403, audited as denied', async () => {
    for (const body of [
      { key: { uscc: uscc(2) }, fields: ['zczb'] },
      { where: { field: 'zczb', op: 'eq', value: '200.00' } },
    ]) {
      const res = await call(svc('query'), body);
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ code: 'field_not_granted' });
    }
    const denied = await events('share.service.denied');
    expect(denied.length).toBe(2);
    expect(denied.every((e) => e.result === 'denied')).toBe(true);
    expect(denied[0]!.detail).toMatchObject({ fields: ['zczb'] });
  });

  it('answers up to 1,000 keys at once, found or not', async () => {
    const res = await call(svc('query/batch'), {
      keys: [{ uscc: uscc(4) }, { uscc: uscc(5) }, { uscc: uscc(999) }, { uscc: uscc(6) }],
      fields: ['uscc', 'fddbr'],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      results: [
        { found: true, row: { uscc: uscc(4), fddbr: '张**' } },
        { found: false, row: null }, // outside the row filter
        { found: false, row: null },
        { found: true, row: { uscc: uscc(6), fddbr: '张**' } },
      ],
    });
  });
});

describe('verify', () => {
  it('says match, mismatch or not found per field, never the stored value', async () => {
    const res = await call(svc('verify'), {
      key: { uscc: uscc(8) },
      values: { fddbr: '张小8', fddbrsfzh: idNo(9), qymc: '共享测试企业8有限公司' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      found: true,
      fields: { fddbr: 'match', fddbrsfzh: 'mismatch', qymc: 'match' },
    });
    expect(res.body).not.toContain(idNo(8));
    const missing = await call(svc('verify'), { key: { uscc: uscc(9) }, values: { fddbr: '张小9' } });
    expect(missing.json()).toEqual({ found: false, fields: { fddbr: 'not_found' } });

    const batch = await call(svc('verify/batch'), {
      items: [
        { key: { uscc: uscc(10) }, values: { fddbrsfzh: idNo(10) } },
        { key: { uscc: uscc(12) }, values: { fddbr: '李四' } },
        { key: { uscc: uscc(11) }, values: { fddbr: '张小11' } },
      ],
    });
    expect(batch.json()).toEqual({
      results: [
        { found: true, fields: { fddbrsfzh: 'match' } },
        { found: true, fields: { fddbr: 'mismatch' } },
        { found: false, fields: { fddbr: 'not_found' } },
      ],
    });
    const last = (await events('share.service.verify')).at(-1)!;
    expect(last.detail).toMatchObject({ rows: 2, keys: 3, by: 'batch' });
    expect(last.detail.subjects as string[]).toContain(hmacOf(idNo(10)));
  });

  it('refuses a bad value for a typed field as 400, not 500', async () => {
    const res = await call(svc('verify'), { key: { uscc: uscc(8) }, values: { djjgqh: 'x'.repeat(2000) } });
    expect(res.statusCode).toBe(400);
  });
});

describe('refusals', () => {
  it('sees a grant suspended, resumed and revoked between two calls', async () => {
    const q = () => call(svc('query'), { key: { uscc: uscc(2) } });
    expect((await q()).statusCode).toBe(200);
    expect(
      (await post(`/api/share/grants/${grantId}/suspend`, providerApprover, { reason: '核查中' })).statusCode,
    ).toBe(200);
    const suspended = await q();
    expect(suspended.statusCode).toBe(403);
    expect(suspended.json()).toMatchObject({ code: 'grant_inactive' });
    expect((await post(`/api/share/grants/${grantId}/resume`, providerApprover, {})).statusCode).toBe(200);
    expect((await q()).statusCode).toBe(200);
  });

  it('refuses an expired grant', async () => {
    await t.pool.query(
      `UPDATE datong.grants SET valid_from = current_date - 10, valid_to = current_date - 1, updated_at = now() WHERE id = $1`,
      [grantId],
    );
    const res = await call(svc('query'), { key: { uscc: uscc(2) } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'grant_expired' });
    await t.pool.query(
      `UPDATE datong.grants SET valid_from = current_date, valid_to = current_date + 30, updated_at = now() WHERE id = $1`,
      [grantId],
    );
    expect((await call(svc('query'), { key: { uscc: uscc(2) } })).statusCode).toBe(200);
  });

  it('refuses a replayed signature, and a user who is not the app', async () => {
    const nonce = crypto.randomBytes(18).toString('base64url');
    expect((await call(svc('query'), { key: { uscc: uscc(2) } }, nonce)).statusCode).toBe(200);
    expect((await call(svc('query'), { key: { uscc: uscc(2) } }, nonce)).statusCode).toBe(401);
    expect((await post(svc('query'), consumerDev, { key: { uscc: uscc(2) } })).statusCode).toBe(403);
  });

  it('fails closed when the ledger cannot write: 503 and no data', async () => {
    const append = t.services.ledger.append.bind(t.services.ledger);
    t.services.ledger.append = () => Promise.reject(new Error('disk full'));
    try {
      const res = await call(svc('query'), { key: { uscc: uscc(2) } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'audit_unavailable' });
      expect(res.body).not.toContain('共享测试企业2');
    } finally {
      t.services.ledger.append = append;
    }
  });

  it("admits calls up to the grant's daily quota, then 429 until midnight in Shanghai", async () => {
    const quotas = dailyQuotasOf(t.pool);
    const q = () => call(svc('query'), { key: { uscc: uscc(2) } });
    expect((await q()).statusCode).toBe(200);
    await quotas.flush();
    const today = shanghaiDay(new Date());
    const usedSoFar = async () =>
      (
        await t.pool.query<{ calls: number }>(
          'SELECT calls FROM datong.grant_usage WHERE grant_id = $1 AND day = $2',
          [grantId, today],
        )
      ).rows[0]?.calls ?? 0;
    const used = await usedSoFar();
    expect(used).toBeGreaterThanOrEqual(1); // every call admitted so far today, this one included
    const setQuota = (n: number) =>
      t.pool.query('UPDATE datong.grants SET daily_quota = $2, updated_at = now() WHERE id = $1', [
        grantId,
        n,
      ]);
    await setQuota(used + 3);
    for (let i = 0; i < 3; i++) expect((await q()).statusCode).toBe(200);
    const over = await q();
    expect(over.statusCode, over.body).toBe(429);
    expect(over.json()).toMatchObject({ code: 'quota_exhausted' });
    expect(over.json<{ title: string }>().title).toContain(`今日的 ${used + 3} 次调用额度已用完`);
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    await quotas.flush();
    expect(await usedSoFar()).toBe(used + 3);
    const shown = await t.app.inject({
      method: 'GET',
      url: `/api/share/grants/${grantId}`,
      headers: consumerDev,
    });
    expect(shown.json()).toMatchObject({ dailyQuota: used + 3, usedToday: used + 3 });
    await setQuota(5000);
    expect((await q()).statusCode).toBe(200);
  });

  it('counts a quota across processes through the database, afresh each day in Shanghai', async () => {
    let now = new Date('2026-03-01T15:59:00Z'); // 23:59 in Shanghai
    const a = new DailyQuotas(t.pool, () => now, 60_000);
    const b = new DailyQuotas(t.pool, () => now, 60_000);
    expect(await a.take(grantId, 3)).toEqual({ ok: true });
    expect(await a.take(grantId, 3)).toEqual({ ok: true });
    await a.flush();
    // The other process reads the day's total on its first call.
    expect(await b.take(grantId, 3)).toEqual({ ok: true });
    expect(await b.take(grantId, 3)).toEqual({ ok: false, retryAfterSeconds: 60 });
    expect(b.usedToday(grantId)).toBe(3);
    now = new Date('2026-03-01T16:00:00Z'); // 00:00 on 2 March in Shanghai
    expect(await b.take(grantId, 3)).toEqual({ ok: true });
    await b.flush();
    const { rows } = await t.pool.query<{ day: string; calls: number }>(
      `SELECT day::text, calls FROM datong.grant_usage
        WHERE grant_id = $1 AND day IN ('2026-03-01', '2026-03-02') ORDER BY day`,
      [grantId],
    );
    expect(rows).toEqual([
      { day: '2026-03-01', calls: 3 },
      { day: '2026-03-02', calls: 1 },
    ]);
  });

  it("charts the app's calls per grant and day for its organisation only", async () => {
    const url = `/api/share/apps/${consumerAppId}/usage?days=7`;
    const res = await t.app.inject({ method: 'GET', url, headers: consumerDev });
    expect(res.statusCode, res.body).toBe(200);
    const usage = res.json<{ days: string[]; grants: { grantId: string; calls: number[] }[] }>();
    expect(usage.days).toHaveLength(7);
    expect(usage.days.at(-1)).toBe(shanghaiDay(new Date()));
    expect(usage.grants.map((g) => g.grantId)).toEqual([grantId]);
    const used = await t.pool.query<{ calls: number }>(
      'SELECT calls FROM datong.grant_usage WHERE grant_id = $1 AND day = $2',
      [grantId, shanghaiDay(new Date())],
    );
    expect(usage.grants[0]!.calls.at(-1)).toBe(used.rows[0]!.calls);
    expect(usage.grants[0]!.calls.at(-1)).toBeGreaterThan(0);
    const provider = await makeUser(t.pool, { roles: ['developer'] });
    const stranger = {
      authorization: `Bearer ${await bearerFor(t.app, provider.username, provider.password)}`,
    };
    const other = await t.app.inject({ method: 'GET', url, headers: stranger });
    expect(other.statusCode).toBe(404);
  });

  it('ends with a revoked grant refusing the next call', async () => {
    expect(
      (await post(`/api/share/grants/${grantId}/revoke`, providerApprover, { reason: '场景结束' }))
        .statusCode,
    ).toBe(200);
    const res = await call(svc('verify'), { key: { uscc: uscc(2) }, values: { fddbr: '张小2' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'grant_inactive' });
  });
});

describe('changes since a batch', () => {
  let gid: string;
  let entryId: string;
  let first: number;
  type Change = {
    batch: number;
    op: string;
    key: Record<string, string> | null;
    row: Record<string, string> | null;
  };
  type Answer = { changes: Change[]; next: string | null; lastBatch: number; keysGranted: boolean };
  const changes = (body: object) => call(`/api/services/grants/${gid}/changes`, body);
  const load = async (mode: 'upsert' | 'delete' | 'replace', lines: string[]) => {
    const header = mode === 'delete' ? 'uscc' : Object.keys(row(1)).join(',');
    const res = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
      mode,
      source: await openSource(Readable.from([Buffer.from([header, ...lines].join('\n'))]), {
        format: 'csv',
      }),
      sourceInfo: { kind: 'test' },
    });
    expect(res.status).toBe('done');
    return res.batchId;
  };
  const line = (r: Record<string, string>) => Object.values(r).join(',');
  const masked = (n: number, qymc = `共享测试企业${n}有限公司`) => ({
    uscc: uscc(n),
    qymc,
    fddbr: `张${'*'.repeat(`小${n}`.length)}`,
    fddbrsfzh: `${idNo(n).slice(0, 6)}********${idNo(n).slice(-4)}`,
    djjgqh: region(n),
  });

  beforeAll(async () => {
    // The grant above ends revoked: the same app asks again and gets a new one (天河 rows only).
    const { rows } = await t.pool.query<{ app_id: string; entry_id: string }>(
      'SELECT app_id, entry_id FROM datong.grants WHERE id = $1',
      [grantId],
    );
    entryId = rows[0]!.entry_id;
    const today = shanghaiDay(new Date());
    const req = await post('/api/share/requests', consumerDev, {
      entryId,
      appId: rows[0]!.app_id,
      fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh'],
      scenario: { name: '企业信息同步', description: '按批次同步变更', basis: '《优化营商环境条例》' },
      expectedVolume: { perDay: 100 },
      validFrom: today,
      validTo: addYears(today, 1),
    });
    expect(req.statusCode, req.body).toBe(201);
    const approved = await post(
      `/api/share/requests/${req.json<{ id: string }>().id}/approve`,
      providerApprover,
      { rowFilter: { field: 'djjgqh', op: 'eq', value: '440106' }, rateLimit: 1000 },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    gid = approved.json<{ grantId: string }>().grantId;
  }, 60_000);

  it('starts with the R of the replace that loaded the data', async () => {
    const res = await changes({ since: 0 });
    expect(res.statusCode, res.body).toBe(200);
    const a = res.json<Answer>();
    expect(a.changes).toEqual([{ batch: a.lastBatch, op: 'R', key: null, row: null }]);
    expect(a).toMatchObject({ next: null, keysGranted: true });
    first = a.lastBatch;
  });

  it('gives inserted and updated rows masked, only inside the row filter, and deleted keys', async () => {
    const up = await load('upsert', [
      line({ ...row(2), qymc: '共享测试企业2（更名）有限公司' }), // 天河: U
      line({ ...row(3), qymc: '福田改名' }), // 福田: outside the filter
      line(row(31)), // 福田: outside
      line(row(32)), // 天河: I
    ]);
    const del = await load('delete', [uscc(4)]);
    const before = (await events('share.service.changes')).length;
    const res = await changes({ since: first });
    expect(res.statusCode, res.body).toBe(200);
    const a = res.json<Answer>();
    expect(a.lastBatch).toBe(del);
    expect(a.changes).toEqual(
      [
        { batch: up, op: 'U', key: { uscc: uscc(2) }, row: masked(2, '共享测试企业2（更名）有限公司') },
        { batch: up, op: 'I', key: { uscc: uscc(32) }, row: masked(32) },
        { batch: del, op: 'D', key: { uscc: uscc(4) }, row: null },
      ].sort((x, y) => x.batch - y.batch || (x.key!.uscc < y.key!.uscc ? -1 : 1)),
    );
    expect(res.body).not.toContain('福田改名');
    expect(res.body).not.toContain(uscc(31));
    const evs = await events('share.service.changes');
    expect(evs.length).toBe(before + 1);
    const e = evs.at(-1)!;
    expect(e.detail).toMatchObject({
      grant: gid,
      since: first,
      lastBatch: del,
      changes: 3,
      rows: 2,
      deleted: 1,
    });
    expect((e.detail.subjects as string[]).sort()).toEqual(
      [uscc(2), idNo(2), uscc(32), idNo(32), uscc(4)].map(hmacOf).sort(),
    );
  });

  it('pages with a cursor through the same changes', async () => {
    const all = (await changes({ since: first })).json<Answer>().changes;
    const seen: Change[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await changes({ since: first, limit: 1, ...(after ? { after } : {}) });
      expect(res.statusCode, res.body).toBe(200);
      const a = res.json<Answer>();
      seen.push(...a.changes);
      after = a.next;
      pages++;
    } while (after && pages < 20);
    expect(seen).toEqual(all);
    expect((await changes({ since: first, after: 'not-a-cursor' })).statusCode).toBe(400);
  });

  it('starts from the latest R: everything before it is to be reloaded anyway', async () => {
    const csv = Array.from({ length: 6 }, (_, i) => line(row(i + 1)));
    const replaced = await load('replace', csv);
    const after = await load('upsert', [line(row(8))]); // 天河, new after the replace
    const a = (await changes({ since: first })).json<Answer>();
    expect(a.changes).toEqual([
      { batch: replaced, op: 'R', key: null, row: null },
      { batch: after, op: 'I', key: { uscc: uscc(8) }, row: masked(8) },
    ]);
    expect(a.lastBatch).toBe(after);
    const none = (await changes({ since: after })).json<Answer>();
    expect(none).toMatchObject({ changes: [], next: null, lastBatch: after });
  });

  it('is refused like every data service once the grant is revoked', async () => {
    expect(
      (await post(`/api/share/grants/${gid}/revoke`, providerApprover, { reason: '同步结束' })).statusCode,
    ).toBe(200);
    const res = await changes({ since: 0 });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'grant_inactive' });
  });
});

describe("a subject's accesses", () => {
  it('lists the calls that returned or verified one ID number, to an auditor only, and audits the lookup', async () => {
    const auditorUser = await makeUser(t.pool, { roles: ['auditor'] });
    const auditor = {
      authorization: `Bearer ${await bearerFor(t.app, auditorUser.username, auditorUser.password)}`,
    };
    await t.services.ledger.flush();
    const get = (id: string, headers: Headers) =>
      t.app.inject({
        method: 'GET',
        url: `/api/audit/subject-accesses?id=${encodeURIComponent(id)}`,
        headers,
      });
    const res = await get(idNo(2), auditor);
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json<{
      subject: string;
      accesses: { action: string; grant: string; scenario: string; fields: string[] }[];
    }>();
    expect(answer.subject).toBe(hmacOf(idNo(2)));
    expect(answer.accesses.length).toBeGreaterThan(0);
    expect(answer.accesses.every((a) => a.action.startsWith('share.service.'))).toBe(true);
    expect(answer.accesses.some((a) => a.grant === grantId && a.scenario === '企业开办一网通办')).toBe(true);
    // The same number written with a lower-case x, or padded, is the same subject.
    const x = idNo(2).endsWith('X') ? `${idNo(2).slice(0, 17)}x` : idNo(2);
    expect((await get(` ${x} `, auditor)).json<{ subject: string }>().subject).toBe(answer.subject);
    // Nobody's number was returned for an unknown one.
    expect((await get(idNo(999_999), auditor)).json<{ accesses: unknown[] }>().accesses).toEqual([]);
    expect((await get(idNo(2), consumerDev)).statusCode).toBe(403);
    const lookups = await events('audit.subject.lookup');
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(lookups)).not.toContain(idNo(2));
  });
});
