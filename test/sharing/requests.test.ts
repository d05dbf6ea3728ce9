import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser, type MadeUser } from '../support/factories.js';
import { allows, ROLES, type Actor, type Role } from '../../src/platform/policy/permissions.js';
import { withTx } from '../../src/platform/db/pool.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { insertApp } from '../../src/modules/identity/store.js';
import { addWorkingDays, shanghaiDay, workingDaysLeft } from '../../src/modules/sharing/calendar.js';
import { addYears, expireGrants } from '../../src/modules/sharing/grants.js';
import {
  createRequest,
  markOverdue,
  approveRequest,
  sharingTasks,
  type Notification,
} from '../../src/modules/sharing/requests.js';
import type { SharingContext } from '../../src/modules/sharing/schemas.js';
import { ENTRY } from './fixtures/world.js';

/**
 * Share requests and grants through the real app (docs/SHARING.md): the rules of each share type,
 * the provider's narrowing approval, the platform's review, refusal, withdrawal, who sees what,
 * deadlines on the working-day calendar with one overdue notification, and the provider's grant
 * steps — every write audited.
 */

type Headers = Record<string, string>;
let t: TestApp;

// Organisations: the provider P with a sub-organisation, the consumer C, a third T.
let providerOrg: string;
let subOrg: string;
let consumerOrg: string;
let thirdOrg: string;

let steward: Headers; // P's data steward (catalogues, may also request)
let approver: Headers; // P's approver
let providerAdmin: Headers; // P's org admin (approves for P and its sub-organisation)
let subApprover: Headers; // the sub-organisation's approver
let subSteward: Headers;
let member: Headers; // C's member: requests
let consumerAdmin: Headers; // C's org admin: holds share.approve, but not for P's entries
let thirdMember: Headers;
let thirdApprover: Headers;
let sysadmin: Headers;
let memberUser: MadeUser;
let approverUser: MadeUser;

let conditional: string;
let unconditional: string;
let notShared: string;
let grade3: string;
let important: string;
let core: string;
let unconditionalGrade3: string;
let subEntry: string;
let draftEntry: string;

const today = () => shanghaiDay(new Date());
const oneYear = () => addYears(today(), 1);
/** The Asia/Shanghai day n days from now. */
const inDays = (n: number) => shanghaiDay(new Date(Date.now() + n * 86_400_000));
const dayAfter = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Headers) => t.app.inject({ method: 'GET', url, headers });

async function published(by: Headers, overrides: Partial<EntryInput> = {}): Promise<string> {
  const res = await post('/api/catalog/entries', by, { ...ENTRY, ...overrides } as object);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json<{ id: string }>().id;
  expect((await post(`/api/catalog/entries/${id}/submit`, by)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${id}/approve`, sysadmin, {})).statusCode).toBe(200);
  return id;
}

async function newApp(orgId = consumerOrg): Promise<string> {
  return insertApp(t.pool, {
    orgId,
    name: `应用-${crypto.randomBytes(4).toString('hex')}`,
    description: null,
    createdBy: null,
  });
}

const requestBody = (entryId: string, appId: string, over: Record<string, unknown> = {}) => ({
  entryId,
  appId,
  fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh'],
  scenario: {
    name: '企业开办一网通办',
    description: '核验申请人所填企业信息',
    basis: '《优化营商环境条例》第十九条',
  },
  expectedVolume: { perDay: 5000 },
  validFrom: today(),
  validTo: oneYear(),
  ...over,
});

interface Req {
  id: string;
  status: string;
  fields: string[];
  dueAt: string;
  reviewDueAt: string | null;
  overdue: boolean;
  workingDaysLeft: number | null;
  grantId: string | null;
  adjustments: Record<string, unknown>;
  reason: string | null;
  createdAt: string;
  events?: { action: string; fromStatus: string | null; toStatus: string; actorName: string | null }[];
}
interface Grant {
  id: string;
  status: string;
  fields: string[];
  masking: Record<string, string>;
  rowFilter: unknown;
  validFrom: string;
  validTo: string;
  rateLimit: number;
  dailyQuota: number;
  statusReason: string | null;
  events?: { action: string; fromStatus: string | null; toStatus: string }[];
}

async function request(entryId: string, appId: string, over: Record<string, unknown> = {}, by = member) {
  const res = await post('/api/share/requests', by, requestBody(entryId, appId, over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Req>();
}

async function auditOf(objectId: string): Promise<{ action: string; detail: Record<string, unknown> }[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ action: string; detail: Record<string, unknown> }>(
    'SELECT action, detail FROM audit.events WHERE object_id = $1 ORDER BY seq',
    [objectId],
  );
  return rows;
}

const ids = (res: { json: <T>() => T }) => res.json<{ items: { id: string }[] }>().items.map((i) => i.id);

beforeAll(async () => {
  t = await testApp();
  providerOrg = (await makeOrg(t.pool, { name: '市市场监督管理局' })).id;
  subOrg = (await makeOrg(t.pool, { name: '市市场监管局天河分局', parentId: providerOrg })).id;
  consumerOrg = (await makeOrg(t.pool, { name: '市政务服务数据管理局', regionCode: '440106' })).id;
  thirdOrg = (await makeOrg(t.pool, { name: '市交通运输局' })).id;
  const token = async (roles: Role[], orgId: string) => {
    const u = await makeUser(t.pool, { roles, orgId });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  steward = await token(['data_steward'], providerOrg);
  approverUser = await makeUser(t.pool, { roles: ['approver'], orgId: providerOrg, displayName: '李审批' });
  approver = {
    authorization: `Bearer ${await bearerFor(t.app, approverUser.username, approverUser.password)}`,
  };
  providerAdmin = await token(['org_admin'], providerOrg);
  subApprover = await token(['approver'], subOrg);
  subSteward = await token(['data_steward'], subOrg);
  memberUser = await makeUser(t.pool, { roles: ['member'], orgId: consumerOrg, displayName: '王申请' });
  member = { authorization: `Bearer ${await bearerFor(t.app, memberUser.username, memberUser.password)}` };
  consumerAdmin = await token(['org_admin'], consumerOrg);
  thirdMember = await token(['member'], thirdOrg);
  thirdApprover = await token(['approver'], thirdOrg);
  sysadmin = await token(['sysadmin'], (await makeOrg(t.pool, { name: '市大数据中心' })).id);

  conditional = await published(steward);
  unconditional = await published(steward, {
    name: '企业名录',
    shareType: 'unconditional',
    shareCondition: null,
  });
  notShared = await published(steward, {
    name: '企业涉密监管记录',
    shareType: 'none',
    shareCondition: '《保守国家秘密法》第二十八条：涉密信息不予共享',
  });
  grade3 = await published(steward, { name: '企业信用评价', grade: 3 });
  important = await published(steward, { name: '重点企业名录', important: true });
  core = await published(steward, { name: '关键基础设施运营企业', important: true, core: true });
  unconditionalGrade3 = await published(steward, {
    name: '企业三级数据',
    grade: 3,
    shareType: 'unconditional',
    shareCondition: null,
  });
  subEntry = await published(subSteward, { name: '分局登记表' });
  const draft = await post('/api/catalog/entries', steward, { ...ENTRY, name: '草稿条目' } as object);
  draftEntry = draft.json<{ id: string }>().id;
});

afterAll(async () => {
  await t?.close();
});

describe('the applications a request may name', () => {
  it("lists the caller's organisation's apps to every requester, members included", async () => {
    const app = await newApp();
    const mine = await get('/api/share/apps', member);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json<{ id: string }[]>().map((a) => a.id)).toContain(app);
    const theirs = await get('/api/share/apps', thirdMember);
    expect(theirs.json<{ id: string }[]>().map((a) => a.id)).not.toContain(app);
    expect((await get('/api/share/apps', sysadmin)).statusCode).toBe(403);
  });
});

describe('rules by share type', () => {
  it('none: 409 share_not_allowed with the legal basis, in both languages, and nothing stored', async () => {
    const app = await newApp();
    const res = await post('/api/share/requests', member, requestBody(notShared, app));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'share_not_allowed' });
    expect(res.json<{ title: string }>().title).toContain('《保守国家秘密法》第二十八条');
    const en = await post(
      '/api/share/requests',
      { ...member, 'accept-language': 'en' },
      requestBody(notShared, app),
    );
    expect(en.json<{ title: string }>().title).toMatch(/is not shared.*basis: 《保守国家秘密法》/);
    const { rows } = await t.pool.query('SELECT 1 FROM datong.share_requests WHERE entry_id = $1', [
      notShared,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('unconditional: granted at once, masking from piiKind, audited with the grant', async () => {
    const app = await newApp();
    const req = await request(unconditional, app, { fields: ['qymc', 'fddbrsfzh', 'fddbr', 'uscc'] });
    expect(req).toMatchObject({ status: 'approved', overdue: false, workingDaysLeft: null });
    // Fields are kept in the entry's order.
    expect(req.fields).toEqual(['uscc', 'qymc', 'fddbr', 'fddbrsfzh']);
    expect(req.grantId).toBeTruthy();
    const grant = (await get(`/api/share/grants/${req.grantId}`, member)).json<Grant>();
    expect(grant).toMatchObject({
      status: 'active',
      fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh'],
      masking: { uscc: 'none', qymc: 'none', fddbr: 'name', fddbrsfzh: 'id_number' },
      rowFilter: null,
      validFrom: today(),
      validTo: oneYear(),
      rateLimit: 10,
      dailyQuota: 5000,
    });
    expect(grant.events!.map((e) => e.action)).toEqual(['create']);
    const detail = (await get(`/api/share/requests/${req.id}`, member)).json<Req>();
    expect(detail.events!.map((e) => [e.action, e.toStatus])).toEqual([
      ['submit', 'submitted'],
      ['grant', 'approved'],
    ]);
    const audit = await auditOf(req.id);
    expect(audit.map((a) => a.action)).toEqual(['share.request']);
    expect(audit[0]!.detail).toMatchObject({
      status: 'approved',
      grantId: req.grantId,
      shareType: 'unconditional',
    });
  });

  it('unconditional but grade 3: straight to the platform review', async () => {
    const req = await request(unconditionalGrade3, await newApp());
    expect(req).toMatchObject({ status: 'provider_approved', grantId: null, overdue: false });
    expect(req.reviewDueAt).not.toBeNull();
    expect(req.workingDaysLeft).toBe(5);
  });

  it('an entry without fields (an API) is requested and granted as a whole; others need a field', async () => {
    const api = await published(steward, {
      name: '企业信用查询接口',
      resourceKind: 'api',
      formats: ['json'],
      shareType: 'unconditional',
      shareCondition: null,
      fields: [],
    });
    const app = await newApp();
    const req = await request(api, app, { fields: [] });
    expect(req).toMatchObject({ status: 'approved', fields: [] });
    const grant = (await get(`/api/share/grants/${req.grantId}`, member)).json<Grant>();
    expect(grant).toMatchObject({ status: 'active', fields: [], masking: {} });
    const none = await post('/api/share/requests', member, requestBody(conditional, app, { fields: [] }));
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'share_fields_required' });
  });

  it('conditional: submitted, due in 10 working days on the calendar, audited', async () => {
    const req = await request(conditional, await newApp(), {
      rowScope: { field: 'djjgqh', op: 'eq', value: '$consumer.regionCode' },
    });
    expect(req).toMatchObject({ status: 'submitted', grantId: null, overdue: false, workingDaysLeft: 10 });
    const due = await addWorkingDays(t.pool, new Date(req.createdAt), 10);
    expect(req.dueAt).toBe(due.toISOString());
    const audit = await auditOf(req.id);
    expect(audit.map((a) => a.action)).toEqual(['share.request']);
    expect(audit[0]!.detail).toMatchObject({ status: 'submitted', fields: req.fields });
  });

  it('refuses a consumer that is the provider, unknown fields, foreign apps, drafts, long validity, bad filters', async () => {
    const app = await newApp();
    const own = await post(
      '/api/share/requests',
      steward,
      requestBody(conditional, await newApp(providerOrg)),
    );
    expect(own.statusCode).toBe(409);
    expect(own.json()).toMatchObject({ code: 'share_own_entry' });

    const unknown = await post(
      '/api/share/requests',
      member,
      requestBody(conditional, app, { fields: ['uscc', 'nosuch', 'salary'] }),
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'share_fields_unknown' });
    expect(unknown.json<{ title: string }>().title).toContain('nosuch, salary');

    const foreign = await post(
      '/api/share/requests',
      member,
      requestBody(conditional, await newApp(thirdOrg)),
    );
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ code: 'share_app_invalid' });

    // A draft is not visible to other organisations at all.
    const draft = await post('/api/share/requests', member, requestBody(draftEntry, app));
    expect(draft.statusCode).toBe(404);
    expect(draft.json()).toMatchObject({ code: 'share_entry_not_found' });

    const long = await post(
      '/api/share/requests',
      member,
      requestBody(conditional, app, { validTo: addYears(today(), 3) }),
    );
    expect(long.statusCode).toBe(201); // exactly three years is allowed…
    await post(`/api/share/requests/${long.json<Req>().id}/withdraw`, member);
    const tooLong = await post(
      '/api/share/requests',
      member,
      requestBody(conditional, app, { validTo: dayAfter(addYears(today(), 3)) }),
    );
    expect(tooLong.statusCode).toBe(400); // …a day more is not
    expect(tooLong.json()).toMatchObject({ code: 'share_validity_invalid' });
    const backwards = await post(
      '/api/share/requests',
      member,
      requestBody(conditional, app, { validFrom: oneYear(), validTo: today() }),
    );
    expect(backwards.json()).toMatchObject({ code: 'share_validity_invalid' });

    const badFilter = await post(
      '/api/share/requests',
      member,
      requestBody(conditional, app, { rowScope: { field: 'nosuch', op: 'eq', value: 'x' } }),
    );
    expect(badFilter.statusCode).toBe(400);
    expect(badFilter.json()).toMatchObject({ code: 'filter_invalid' });

    // One open request per application and entry.
    await request(conditional, app);
    const again = await post('/api/share/requests', member, requestBody(conditional, app));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'share_request_pending' });
  });
});

describe("the provider's decision", () => {
  it('approves with narrowing: fewer fields, stronger or explicit masking, a row filter, an earlier end', async () => {
    const rowScope = { field: 'djjgqh', op: 'eq', value: '$consumer.regionCode' };
    const req = await request(conditional, await newApp(), { rowScope });
    const url = `/api/share/requests/${req.id}/approve`;

    // What an approval may not do.
    const extraField = await post(url, approver, { fields: ['uscc', 'zczb'] });
    expect(extraField.statusCode).toBe(400);
    expect(extraField.json()).toMatchObject({ code: 'share_fields_not_requested' });
    const later = await post(url, approver, { validTo: addYears(oneYear(), 1) });
    expect(later.json()).toMatchObject({ code: 'share_validity_invalid' });
    const maskOther = await post(url, approver, { fields: ['uscc', 'qymc'], masking: { fddbr: 'nullify' } });
    expect(maskOther.json()).toMatchObject({ code: 'share_masking_invalid' });
    const badMask = await post(url, approver, { masking: { fddbr: 'rot13' } });
    expect(badMask.statusCode).toBe(400);

    // Who may not decide: the consumer's org admin (share.approve, but not the provider), a third
    // organisation (does not even see it), the consumer's member (no share.approve at all).
    expect((await post(url, consumerAdmin, {})).json()).toMatchObject({ code: 'share_out_of_scope' });
    expect((await post(url, thirdApprover, {})).statusCode).toBe(404);
    expect((await post(url, member, {})).json()).toMatchObject({ code: 'forbidden' });

    const end = inDays(30);
    const res = await post(url, approver, {
      fields: ['uscc', 'qymc', 'fddbrsfzh'],
      masking: { fddbrsfzh: 'keyed_hash' },
      rowFilter: { field: 'clrq', op: 'range', gte: '2020-01-01' },
      validTo: end,
      dailyQuota: 1000,
      comment: '仅限本区企业',
    });
    expect(res.statusCode, res.body).toBe(200);
    const approved = res.json<Req>();
    expect(approved).toMatchObject({ status: 'approved', overdue: false, workingDaysLeft: null });
    expect(approved.adjustments).toMatchObject({ fields: ['uscc', 'qymc', 'fddbrsfzh'], validTo: end });
    const grant = (await get(`/api/share/grants/${approved.grantId}`, approver)).json<Grant>();
    expect(grant).toMatchObject({
      fields: ['uscc', 'qymc', 'fddbrsfzh'],
      masking: { uscc: 'none', qymc: 'none', fddbrsfzh: 'keyed_hash' },
      validTo: end,
      dailyQuota: 1000,
      rowFilter: { and: [rowScope, { field: 'clrq', op: 'range', gte: '2020-01-01' }] },
    });
    const audit = await auditOf(req.id);
    expect(audit.map((a) => a.action)).toEqual(['share.request', 'share.approve']);
    expect(audit[1]!.detail).toMatchObject({
      grantId: approved.grantId,
      to: 'approved',
      comment: '仅限本区企业',
    });
    expect(audit[1]!.detail).not.toHaveProperty('unmasked');

    // Deciding twice is an illegal transition.
    const twice = await post(url, approver, {});
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'share_illegal_transition' });
  });

  it("unmasks personal data only when the approver says 'none' explicitly, and the audit says so", async () => {
    const req = await request(conditional, await newApp());
    const res = await post(`/api/share/requests/${req.id}/approve`, approver, {
      masking: { fddbrsfzh: 'none' },
    });
    const grant = (await get(`/api/share/grants/${res.json<Req>().grantId}`, member)).json<Grant>();
    expect(grant.masking).toEqual({ uscc: 'none', qymc: 'none', fddbr: 'name', fddbrsfzh: 'none' });
    const audit = await auditOf(req.id);
    expect(audit[1]!.detail).toMatchObject({ unmasked: ['fddbrsfzh'] });
  });

  it('refusal needs a reason of two characters or more', async () => {
    const req = await request(conditional, await newApp());
    const url = `/api/share/requests/${req.id}/refuse`;
    const none = await post(url, approver, {});
    expect(none.statusCode).toBe(400);
    expect(none.json()).toMatchObject({ code: 'share_reason_required' });
    expect((await post(url, approver, { reason: '  否 ' })).json()).toMatchObject({
      code: 'share_reason_required',
    });
    const res = await post(url, approver, { reason: '申请用途与共享条件不符' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'refused', reason: '申请用途与共享条件不符', grantId: null });
    expect((await post(`/api/share/requests/${req.id}/approve`, approver, {})).statusCode).toBe(409);
    const audit = await auditOf(req.id);
    expect(audit.map((a) => a.action)).toEqual(['share.request', 'share.refuse']);
    expect(audit[1]!.detail).toMatchObject({ reason: '申请用途与共享条件不符' });
  });

  it('the consumer withdraws an undecided request; nobody else may', async () => {
    const app = await newApp();
    const req = await request(conditional, app);
    const url = `/api/share/requests/${req.id}/withdraw`;
    // The provider's steward holds share.request but is not the requesting organisation.
    expect((await post(url, steward, {})).json()).toMatchObject({ code: 'share_not_consumer' });
    expect((await post(url, thirdMember, {})).statusCode).toBe(404);
    const res = await post(url, member); // no body at all
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn' });
    expect((await post(url, member, {})).json()).toMatchObject({ code: 'share_illegal_transition' });
    expect((await post(`/api/share/requests/${req.id}/approve`, approver, {})).statusCode).toBe(409);
    // The application may ask again.
    await request(conditional, app);
    expect((await auditOf(req.id)).map((a) => a.action)).toEqual(['share.request', 'share.withdraw']);
  });
});

describe('the platform review (grade ≥ 3, important, core)', () => {
  it('waits for the sysadmin after the provider approves, then grants with the provider’s adjustments', async () => {
    for (const entryId of [grade3, important, core]) {
      const req = await request(entryId, await newApp());
      const res = await post(`/api/share/requests/${req.id}/approve`, approver, { fields: ['uscc', 'qymc'] });
      expect(res.statusCode, res.body).toBe(200);
      const waiting = res.json<Req>();
      expect(waiting).toMatchObject({ status: 'provider_approved', grantId: null, workingDaysLeft: 5 });
      expect(waiting.reviewDueAt).toBe((await addWorkingDays(t.pool, new Date(), 5)).toISOString());

      // The review queue is the platform's.
      expect(ids(await get('/api/share/requests?box=review', sysadmin))).toContain(req.id);
      const notPlatform = await get('/api/share/requests?box=review', approver);
      expect(notPlatform.statusCode).toBe(403);
      expect(notPlatform.json()).toMatchObject({ code: 'share_review_only' });
      expect(
        (await post(`/api/share/requests/${req.id}/review`, approver, { decision: 'approve' })).json(),
      ).toMatchObject({ code: 'forbidden' });

      const reviewed = await post(`/api/share/requests/${req.id}/review`, sysadmin, { decision: 'approve' });
      expect(reviewed.statusCode, reviewed.body).toBe(200);
      const done = reviewed.json<Req>();
      expect(done.status).toBe('approved');
      const grant = (await get(`/api/share/grants/${done.grantId}`, member)).json<Grant>();
      expect(grant.fields).toEqual(['uscc', 'qymc']);
      expect((await auditOf(req.id)).map((a) => a.action)).toEqual([
        'share.request',
        'share.approve',
        'share.review',
      ]);
      expect(ids(await get('/api/share/requests?box=review', sysadmin))).not.toContain(req.id);
    }
  });

  it('the platform refuses with a reason', async () => {
    const req = await request(core, await newApp());
    await post(`/api/share/requests/${req.id}/approve`, approver, {});
    const url = `/api/share/requests/${req.id}/review`;
    expect((await post(url, sysadmin, { decision: 'refuse' })).json()).toMatchObject({
      code: 'share_reason_required',
    });
    const res = await post(url, sysadmin, { decision: 'refuse', reason: '核心数据不予批准' });
    expect(res.json()).toMatchObject({ status: 'refused', reason: '核心数据不予批准', grantId: null });
    const events = (await get(`/api/share/requests/${req.id}`, member)).json<Req>().events!;
    expect(events.map((e) => e.action)).toEqual(['submit', 'approve', 'review_refuse']);
    const audit = await auditOf(req.id);
    expect(audit.at(-1)).toMatchObject({ action: 'share.review', detail: { decision: 'refuse' } });
    // A request that does not need review cannot be reviewed.
    const plain = await request(conditional, await newApp());
    expect(
      (await post(`/api/share/requests/${plain.id}/review`, sysadmin, { decision: 'approve' })).statusCode,
    ).toBe(409);
  });
});

describe('who sees which requests', () => {
  it('inbox for the provider (org admins: with sub-organisations), outbox for the consumer, nothing for a third', async () => {
    const a = await request(conditional, await newApp());
    const b = await request(subEntry, await newApp());

    const outbox = ids(await get('/api/share/requests?box=outbox&limit=200', member));
    expect(outbox).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(ids(await get('/api/share/requests?box=inbox', member))).toEqual([]);

    const inbox = ids(await get('/api/share/requests?box=inbox&limit=200', approver));
    expect(inbox).toContain(a.id);
    expect(inbox).not.toContain(b.id); // the sub-organisation's own approver decides that one
    expect(ids(await get('/api/share/requests?box=inbox&limit=200', subApprover))).toEqual([b.id]);
    const adminInbox = ids(await get('/api/share/requests?box=inbox&limit=200', providerAdmin));
    expect(adminInbox).toEqual(expect.arrayContaining([a.id, b.id]));
    // The parent's approver does not see the sub-organisation's requests; its org admin decides them.
    expect((await post(`/api/share/requests/${b.id}/approve`, approver, {})).statusCode).toBe(404);
    expect((await post(`/api/share/requests/${b.id}/approve`, providerAdmin, {})).json()).toMatchObject({
      status: 'approved',
    });

    for (const box of ['inbox', 'outbox']) {
      expect(ids(await get(`/api/share/requests?box=${box}`, thirdMember))).toEqual([]);
    }
    expect((await get(`/api/share/requests/${a.id}`, thirdMember)).statusCode).toBe(404);
    expect((await get(`/api/share/requests/${a.id}`, member)).statusCode).toBe(200);
    expect((await get(`/api/share/requests/${a.id}`, approver)).statusCode).toBe(200);
    expect((await get(`/api/share/requests/${a.id}`, sysadmin)).statusCode).toBe(200);
    expect((await get(`/api/share/requests?box=all`, member)).statusCode).toBe(403);
    expect(ids(await get(`/api/share/requests?box=all&limit=200`, sysadmin))).toEqual(
      expect.arrayContaining([a.id, b.id]),
    );

    // Status filter, and keyset pages that walk the whole inbox exactly once, most urgent first.
    const submitted = (
      await get('/api/share/requests?box=inbox&status=submitted&limit=200', providerAdmin)
    ).json<{
      items: Req[];
    }>().items;
    expect(submitted.length).toBeGreaterThan(2);
    expect(submitted.every((r) => r.status === 'submitted')).toBe(true);
    const all = ids(await get('/api/share/requests?box=inbox&limit=200', providerAdmin));
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(
        `/api/share/requests?box=inbox&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        providerAdmin,
      );
      const page = res.json<{ items: Req[]; nextCursor: string | null }>();
      walked.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all);
    const outboxWalk: string[] = [];
    cursor = null;
    do {
      const res = await get(
        `/api/share/requests?box=outbox&limit=4${cursor ? `&cursor=${cursor}` : ''}`,
        member,
      );
      const page = res.json<{ items: Req[]; nextCursor: string | null }>();
      outboxWalk.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(outboxWalk).toEqual(outbox);
    expect((await get('/api/share/requests?box=inbox&cursor=garbage', approver)).json()).toMatchObject({
      code: 'share_cursor_invalid',
    });
  });
});

describe('deadlines', () => {
  const ctxOf = (u: MadeUser): SharingContext => {
    const actor: Actor = {
      kind: 'user',
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      orgId: u.orgId,
      roles: u.roles,
      via: 'token',
    };
    return { actor, requestId: null, clientIp: null, lang: 'zh-CN', services: t.services };
  };

  it('a deadline across the National Day holiday: overdue flag, one notification to the provider', async () => {
    // Tuesday 29 September 2026, 10:00 in Beijing. The 10 working days skip 1–7 October
    // (国庆节) and count Saturday 10 October (调休上班): the deadline is the end of Monday 19
    // October, not of Tuesday 13 October as plain weekends would make it.
    const made = new Date('2026-09-29T02:00:00Z');
    const app = await newApp();
    const created = await withTx(t.pool, (tx) =>
      createRequest(
        ctxOf(memberUser),
        tx,
        { ...requestBody(conditional, app), validFrom: '2026-10-01', validTo: '2027-09-30' },
        { now: made },
      ),
    );
    expect(created.dueAt).toBe('2026-10-19T15:59:59.999Z');
    expect(created.dueAt).toBe((await addWorkingDays(t.pool, made, 10)).toISOString());
    expect(created.workingDaysLeft).toBe(10);

    const mine = (list: Notification[]) => list.filter((n) => n.payload.requestId === created.id);
    // On the due day itself (23:59:59 Beijing) it is not overdue yet.
    expect(mine(await markOverdue(t.pool, new Date('2026-10-19T15:59:59Z')))).toEqual([]);
    const sent = mine(await markOverdue(t.pool, new Date('2026-10-19T16:00:01Z')));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'share.overdue',
      recipientOrgId: providerOrg,
      recipientUserId: null,
      payload: { requestId: created.id, dueAt: '2026-10-19T15:59:59.999Z', entryId: conditional },
    });
    // Once only.
    expect(mine(await markOverdue(t.pool, new Date('2026-10-20T08:00:00Z')))).toEqual([]);
    const { rows } = await t.pool.query(
      "SELECT kind, recipient_org_id FROM datong.notifications WHERE payload ->> 'requestId' = $1",
      [created.id],
    );
    expect(rows).toEqual([{ kind: 'share.overdue', recipient_org_id: providerOrg }]);

    // Now (after the deadline) the API says overdue, with negative working days left.
    const shown = (await get(`/api/share/requests/${created.id}`, approver)).json<Req>();
    expect(shown.overdue).toBe(true);
    expect(shown.workingDaysLeft).toBe(
      await workingDaysLeft(t.pool, new Date(), new Date('2026-10-19T15:59:59.999Z')),
    );
    expect(shown.workingDaysLeft).toBeLessThan(0);
    expect(shown.events!.map((e) => e.action)).toEqual(['submit', 'overdue']);
    expect(ids(await get('/api/share/requests?box=inbox&overdue=true&limit=200', approver))).toContain(
      created.id,
    );
    expect(ids(await get('/api/share/requests?box=inbox&overdue=false&limit=200', approver))).not.toContain(
      created.id,
    );
    // Deciding late is still possible, and then it is no longer overdue.
    const late = await post(`/api/share/requests/${created.id}/refuse`, approver, { reason: '逾期后拒绝' });
    expect(late.json()).toMatchObject({ status: 'refused', overdue: false, workingDaysLeft: null });
  });

  it('a review past its 5 working days notifies each sysadmin once', async () => {
    const made = new Date('2026-09-29T02:00:00Z');
    const app = await newApp();
    const created = await withTx(t.pool, (tx) =>
      createRequest(
        ctxOf(memberUser),
        tx,
        { ...requestBody(grade3, app), validFrom: '2026-10-01', validTo: '2027-09-30' },
        { now: made },
      ),
    );
    const approverCtx = ctxOf(approverUser);
    // Approved by the provider on Wednesday 30 September: 5 working days are 8, 9, 10 (Saturday,
    // 调休上班), 12 and 13 October.
    const waiting = await withTx(t.pool, (tx) =>
      approveRequest(approverCtx, tx, created.id, {}, { now: new Date('2026-09-30T02:00:00Z') }),
    );
    expect(waiting.reviewDueAt).toBe('2026-10-13T15:59:59.999Z');
    const sysadmins = await t.pool.query(
      "SELECT u.id FROM datong.users u JOIN datong.user_roles r ON r.user_id = u.id WHERE r.role = 'sysadmin' AND NOT u.disabled",
    );
    const mine = (list: Notification[]) => list.filter((n) => n.payload.requestId === created.id);
    expect(mine(await markOverdue(t.pool, new Date('2026-10-13T15:59:00Z')))).toEqual([]);
    const sent = mine(await markOverdue(t.pool, new Date('2026-10-13T16:00:00Z')));
    expect(sent).toHaveLength(sysadmins.rows.length);
    expect(sent.every((n) => n.kind === 'share.review_overdue' && n.recipientUserId !== null)).toBe(true);
    expect(mine(await markOverdue(t.pool, new Date('2026-10-15T00:00:00Z')))).toEqual([]);
  });

  it('the job list has share:overdue every 10 minutes', () => {
    const tasks = sharingTasks(t.services);
    expect(tasks.find((x) => x.name === 'share:overdue')?.schedule).toBe('*/10 * * * *');
    expect(tasks.map((x) => x.name)).toContain('share:expire');
  });
});

describe('grants, on the provider side', () => {
  it('suspend, resume, renew, revoke: each an event and an audit event; only the provider acts', async () => {
    const req = await request(conditional, await newApp());
    const approved = (await post(`/api/share/requests/${req.id}/approve`, approver, {})).json<Req>();
    const id = approved.grantId!;
    const url = (step: string) => `/api/share/grants/${id}/${step}`;

    // Consumer and provider see it in their boxes; the third organisation does not see it at all.
    expect(ids(await get('/api/share/grants?box=consumer&limit=200', member))).toContain(id);
    expect(ids(await get('/api/share/grants?box=provider&limit=200', approver))).toContain(id);
    expect(ids(await get('/api/share/grants?box=provider&limit=200', member))).not.toContain(id);
    expect(ids(await get('/api/share/grants?box=consumer&limit=200', thirdMember))).toEqual([]);
    expect((await get(`/api/share/grants/${id}`, thirdMember)).statusCode).toBe(404);
    expect((await post(url('suspend'), thirdApprover, {})).statusCode).toBe(404);
    expect((await post(url('suspend'), consumerAdmin, {})).json()).toMatchObject({
      code: 'share_out_of_scope',
    });
    expect((await post(url('suspend'), member, {})).json()).toMatchObject({ code: 'forbidden' });

    const suspended = await post(url('suspend'), approver, { reason: '核查调用异常' });
    expect(suspended.json()).toMatchObject({ status: 'suspended', statusReason: '核查调用异常' });
    expect((await post(url('suspend'), approver)).json()).toMatchObject({ code: 'share_illegal_transition' });
    expect((await post(url('resume'), approver)).json()).toMatchObject({
      status: 'active',
      statusReason: null,
    });
    expect((await post(url('resume'), approver)).statusCode).toBe(409);

    const earlier = await post(url('renew'), approver, { validTo: today() });
    expect(earlier.json()).toMatchObject({ code: 'share_validity_invalid' });
    const tooFar = await post(url('renew'), approver, { validTo: addYears(oneYear(), 3) });
    expect(tooFar.json()).toMatchObject({ code: 'share_validity_invalid' });
    const later = addYears(today(), 2);
    expect((await post(url('renew'), approver, { validTo: later })).json()).toMatchObject({
      status: 'active',
      validTo: later,
    });

    expect((await post(url('revoke'), approver, {})).json()).toMatchObject({ code: 'share_reason_required' });
    // The org admin of the provider revokes.
    const revoked = await post(url('revoke'), providerAdmin, { reason: '场景已停止' });
    expect(revoked.json()).toMatchObject({ status: 'revoked', statusReason: '场景已停止' });
    expect((await post(url('resume'), approver)).statusCode).toBe(409);
    expect((await post(url('renew'), approver, { validTo: addYears(today(), 3) })).statusCode).toBe(409);

    const grant = (await get(`/api/share/grants/${id}`, member)).json<Grant>();
    expect(grant.events!.map((e) => [e.action, e.fromStatus, e.toStatus])).toEqual([
      ['create', null, 'active'],
      ['suspend', 'active', 'suspended'],
      ['resume', 'suspended', 'active'],
      ['renew', 'active', 'active'],
      ['revoke', 'active', 'revoked'],
    ]);
    const audit = await auditOf(id);
    expect(audit.map((a) => a.action)).toEqual([
      'grant.suspend',
      'grant.resume',
      'grant.renew',
      'grant.revoke',
    ]);
    expect(audit[2]!.detail).toMatchObject({ validTo: { from: oneYear(), to: later } });
    expect(audit[3]!.detail).toMatchObject({ reason: '场景已停止', requestId: req.id });
  });

  it('expire after the last day; renewing an expired grant makes it active again', async () => {
    const req = await request(conditional, await newApp(), { validTo: today() });
    const id = (await post(`/api/share/requests/${req.id}/approve`, approver, {})).json<Req>().grantId!;
    const other = (await request(unconditional, await newApp())).grantId!;
    const tomorrowNoon = new Date(Date.now() + 86_400_000);
    const expired = await expireGrants(t.services, tomorrowNoon);
    expect(expired).toContain(id);
    expect(expired).not.toContain(other);
    expect(await expireGrants(t.services, tomorrowNoon)).not.toContain(id);
    expect((await get(`/api/share/grants/${id}`, member)).json()).toMatchObject({ status: 'expired' });
    const renewed = await post(`/api/share/grants/${id}/renew`, approver, { validTo: oneYear() });
    expect(renewed.json()).toMatchObject({ status: 'active', validTo: oneYear() });
    expect((await auditOf(id)).map((a) => a.action)).toEqual(['grant.expire', 'grant.renew']);
    const { rows } = await t.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM datong.grants WHERE status = 'expired' AND id = $1",
      [id],
    );
    expect(rows[0]!.n).toBe(0);
  });
});

describe('route × role', () => {
  it('admits exactly the roles the policy allows on every sharing route, and never answers forbidden past it', async () => {
    // The requests' and grants' routes (supply–demand has its own walk in demands.test.ts).
    const routes = t.app.routeTable.filter(
      (r) => r.url.startsWith('/api/share/requests') || r.url.startsWith('/api/share/grants'),
    );
    expect(routes.length).toBe(13);
    const tokens = new Map<Role, string>();
    for (const role of ROLES) {
      const u = await makeUser(t.pool, { roles: [role] });
      tokens.set(role, await bearerFor(t.app, u.username, u.password));
    }
    const mismatches: string[] = [];
    for (const route of routes) {
      const url = route.url.replace(/:id/g, crypto.randomUUID());
      const hasBody = route.method === 'POST';
      for (const role of ROLES) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: { authorization: `Bearer ${tokens.get(role)}` },
          ...(hasBody ? { payload: {} } : {}),
        });
        const denied = res.statusCode === 403 && res.json<{ code: string }>().code === 'forbidden';
        const actor: Actor = {
          kind: 'user',
          id: 'x',
          username: 'x',
          displayName: 'x',
          orgId: 'x',
          roles: [role],
          via: 'token',
        };
        if (allows(actor, route.permission!) === denied || res.statusCode >= 500) {
          mismatches.push(`${role} ${route.method} ${route.url} → ${res.statusCode}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });
});
