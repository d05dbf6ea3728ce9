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
import { subjectHashOf } from '../../src/modules/sharing/services.js';
import { enableDemoVerification } from '../../src/modules/opening/accounts.js';
import { idNo, uscc } from '../ingest/fixtures/registry.js';
import { ENTRY } from '../sharing/fixtures/world.js';

/**
 * "Who accessed my data": a department's application calls the data services under its grant —
 * about the citizen's 公民身份号码, about the company's 统一社会信用代码, and about other people
 * and companies — and the citizen and the company each see exactly the calls about them, with
 * the department, app, scenario, entry and field names. Unverified accounts see nothing (403).
 */

type Headers = Record<string, string>;
let t: TestApp;
let grantId: string;
let appKey: { keyId: string; secret: string };
let appId: string;
let consumerName: string;
let entryCode: string;
let citizen: Headers;
let company: Headers;
/** Ledger sequence numbers of the calls made, by name. */
const seqs: Record<string, number> = {};
let registrations = 0;

const N = 12;
const CITIZEN_ID = idNo(2);
const COMPANY_USCC = uscc(5);
const APP_NAME = '不动产登记一窗受理';
const SCENARIO = '不动产交易主体核验';
const PASSWORD = 'Touming-2026!';

const row = (n: number) => ({
  uscc: uscc(n),
  qymc: `透明测试企业${n}有限公司`,
  fddbr: `李小${n}`,
  fddbrsfzh: idNo(n),
  zczb: `${n}00.00`,
  djjgqh: '440106',
  clrq: '2020-01-02',
});
const fieldName = (code: string) => ENTRY.fields.find((f) => f.code === code)!.name;
const fields = (...codes: string[]) => codes.map((code) => ({ code, name: fieldName(code) }));

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });

/** A signed call of the application; remembers the ledger seq of its audit event as `name`. */
async function call(name: string, op: string, body: object): Promise<void> {
  const path = `/api/services/grants/${grantId}/${op}`;
  const text = JSON.stringify(body);
  const res = await t.app.inject({
    method: 'POST',
    url: path,
    headers: {
      ...signRequest({ method: 'POST', path, body: text, ...appKey }),
      'content-type': 'application/json',
    },
    payload: text,
  });
  expect(res.statusCode, res.body).toBe(200);
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ seq: string }>(
    "SELECT seq FROM audit.events WHERE action LIKE 'share.service.%' ORDER BY seq DESC LIMIT 1",
  );
  seqs[name] = Number(rows[0]!.seq);
}

async function registerAs(body: object): Promise<Headers> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/public/register',
    payload: { password: PASSWORD, ...body },
    remoteAddress: `10.2.0.${++registrations}`,
  });
  expect(res.statusCode, res.body).toBe(201);
  const username = (body as { username: string }).username;
  return { authorization: `Bearer ${await bearerFor(t.app, username, PASSWORD)}` };
}

const accessesOf = (headers: Headers, query = '', lang = 'zh-CN') =>
  t.app.inject({ url: `/api/public/me/accesses${query}`, headers: { ...headers, 'accept-language': lang } });

beforeAll(async () => {
  t = await testApp();
  const provider = await makeOrg(t.pool, { name: '广州市市场监督管理局（测试）' });
  consumerName = '广州市规划和自然资源局（测试）';
  const consumer = await makeOrg(t.pool, { name: consumerName });
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  const steward = await token(['data_steward'], provider.id);
  const approver = await token(['approver'], provider.id);
  const dev = await token(['developer', 'member'], consumer.id);
  const sysadmin = await token(['sysadmin']);

  const made = await post('/api/catalog/entries', steward, ENTRY as object);
  expect(made.statusCode, made.body).toBe(201);
  const entryId = made.json<{ id: string }>().id;
  await post(`/api/catalog/entries/${entryId}/submit`, steward);
  expect((await post(`/api/catalog/entries/${entryId}/approve`, sysadmin, {})).statusCode).toBe(200);
  entryCode = (
    await t.pool.query<{ code: string }>('SELECT code FROM datong.catalog_entries WHERE id = $1', [entryId])
  ).rows[0]!.code;

  const csv = [
    Object.keys(row(1)).join(','),
    ...Array.from({ length: N }, (_, i) => Object.values(row(i + 1)).join(',')),
  ].join('\n');
  const loaded = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(csv)]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  expect(loaded).toMatchObject({ status: 'done', rowsInserted: N });

  const app = await post('/api/apps', dev, { name: APP_NAME });
  expect(app.statusCode, app.body).toBe(201);
  appId = app.json<{ id: string }>().id;
  appKey = (await post(`/api/apps/${appId}/credentials`, dev, {})).json<{ keyId: string; secret: string }>();
  const today = shanghaiDay(new Date());
  const req = await post('/api/share/requests', dev, {
    entryId,
    appId,
    fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh'],
    scenario: { name: SCENARIO, description: '核验交易双方身份', basis: '《不动产登记暂行条例》' },
    expectedVolume: { perDay: 100 },
    validFrom: today,
    validTo: addYears(today, 1),
  });
  expect(req.statusCode, req.body).toBe(201);
  const approved = await post(`/api/share/requests/${req.json<{ id: string }>().id}/approve`, approver, {
    rateLimit: 1000,
  });
  expect(approved.statusCode, approved.body).toBe(200);
  grantId = approved.json<{ grantId: string }>().grantId;

  // The citizen (the 法定代表人 of company 2) and company 5 register on a demo node: verified at once.
  await enableDemoVerification(t.pool);
  citizen = await registerAs({
    username: 'li.xiaoer',
    displayName: '李小2',
    kind: 'person',
    idNumber: CITIZEN_ID,
  });
  company = await registerAs({
    username: 'company5',
    displayName: '透明测试企业5有限公司',
    kind: 'company',
    uscc: COMPANY_USCC,
  });

  // The department app's calls, oldest first.
  await call('queryCompany2', 'query', { key: { uscc: uscc(2) } }); // the citizen's row
  await call('queryCompany5', 'query', { key: { uscc: uscc(5) } }); // the company, and person 5
  await call('queryCompany7', 'query', { key: { uscc: uscc(7) } }); // neither
  await call('verifyCitizen', 'verify', { key: { uscc: uscc(9) }, values: { fddbrsfzh: CITIZEN_ID } });
  await call('nameOf5', 'query', { key: { uscc: uscc(5) }, fields: ['uscc', 'qymc'] }); // company only
  await call('verifyOther', 'verify', { key: { uscc: uscc(8) }, values: { fddbrsfzh: idNo(8) } });
}, 90_000);

afterAll(async () => t?.close());

const access = (name: string, action: string, fieldList: { code: string; name: string }[]) => ({
  seq: seqs[name],
  time: expect.any(String) as string,
  action,
  departmentId: expect.any(String) as string,
  departmentName: consumerName,
  appId,
  appName: APP_NAME,
  scenario: SCENARIO,
  entryCode,
  entryName: ENTRY.name,
  fields: fieldList,
});

describe('my accesses', () => {
  it('shows the citizen exactly the calls about their 公民身份号码, newest first', async () => {
    const res = await accessesOf(citizen);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      subject: { kind: 'person', masked: `4401**********${CITIZEN_ID.slice(-4)}` },
      accesses: [
        access('verifyCitizen', 'verify', fields('fddbrsfzh')),
        access('queryCompany2', 'query', fields('uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh')),
      ],
      truncated: false,
    });
  });

  it('shows the company exactly the calls about its 统一社会信用代码', async () => {
    const res = await accessesOf(company);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      subject: { kind: 'company', masked: `9144**********${COMPANY_USCC.slice(-4)}` },
      accesses: [
        access('nameOf5', 'query', fields('uscc', 'qymc')),
        access('queryCompany5', 'query', fields('uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh')),
      ],
      truncated: false,
    });
  });

  it('keeps to the newest within the limit and says more exist', async () => {
    const res = await accessesOf(citizen, '?limit=1');
    expect(res.json<{ accesses: { seq: number }[]; truncated: boolean }>()).toMatchObject({
      accesses: [{ seq: seqs.verifyCitizen }],
      truncated: true,
    });
  });

  it('audits the lookup itself, with the hash only', async () => {
    await t.services.ledger.flush();
    const { rows } = await t.pool.query<{ object_id: string; actor_name: string }>(
      "SELECT object_id, actor_name FROM audit.events WHERE action = 'public.accesses.lookup' ORDER BY seq",
    );
    const citizenHash = subjectHashOf(t.services.identity, CITIZEN_ID);
    const companyHash = subjectHashOf(t.services.identity, COMPANY_USCC);
    expect(rows).toEqual([
      { object_id: citizenHash, actor_name: 'li.xiaoer' },
      { object_id: companyHash, actor_name: 'company5' },
      { object_id: citizenHash, actor_name: 'li.xiaoer' },
    ]);
  });

  it('shows a verified person nobody asked about an empty list', async () => {
    const nobody = await registerAs({
      username: 'nobody.asked',
      displayName: '王五',
      kind: 'person',
      idNumber: idNo(11),
    });
    const res = await accessesOf(nobody);
    expect(res.json()).toEqual({
      subject: { kind: 'person', masked: `4401**********${idNo(11).slice(-4)}` },
      accesses: [],
      truncated: false,
    });
  });

  it('refuses an unverified account, explaining why in zh-CN and en', async () => {
    await t.pool.query('UPDATE datong.public_settings SET demo_verification = false');
    // Person 5 is named in a call above, yet sees nothing before an administrator verifies them.
    const pending = await registerAs({
      username: 'li.xiaowu',
      displayName: '李小5',
      kind: 'person',
      idNumber: idNo(5),
    });
    const zh = await accessesOf(pending);
    expect(zh.statusCode).toBe(403);
    expect(zh.json()).toMatchObject({
      code: 'identity_unverified',
      title:
        '您的身份尚未认证，暂不能查看数据访问记录。访问记录按公民身份号码或统一社会信用代码归属，只有认证后的本人或本企业才能查看；请等待管理员核验您的证件后再试。',
    });
    const en = await accessesOf(pending, '', 'en');
    expect(en.statusCode).toBe(403);
    expect(en.json<{ title: string }>().title).toMatch(/^Your identity has not been verified yet/);
  });

  it('is for public users only', async () => {
    const staff = await makeUser(t.pool, { roles: ['auditor'] });
    const res = await accessesOf({
      authorization: `Bearer ${await bearerFor(t.app, staff.username, staff.password)}`,
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'forbidden' });
  });

  it('agrees with the auditor’s lookup of the same subject', async () => {
    const auditor = await makeUser(t.pool, { roles: ['auditor'] });
    const res = await t.app.inject({
      url: `/api/audit/subject-accesses?id=${CITIZEN_ID}`,
      headers: { authorization: `Bearer ${await bearerFor(t.app, auditor.username, auditor.password)}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ accesses: { seq: number }[] }>().accesses.map((a) => a.seq)).toEqual([
      seqs.verifyCitizen,
      seqs.queryCompany2,
    ]);
  });
});
