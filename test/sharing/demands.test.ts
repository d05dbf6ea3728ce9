import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser, type MadeUser } from '../support/factories.js';
import { withTx } from '../../src/platform/db/pool.js';
import { allows, ROLES, type Actor, type Role } from '../../src/platform/policy/permissions.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { insertApp } from '../../src/modules/identity/store.js';
import { addWorkingDays, shanghaiDay, workingDaysLeft } from '../../src/modules/sharing/calendar.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import type { Notification } from '../../src/modules/sharing/requests.js';
import type { SharingContext } from '../../src/modules/sharing/schemas.js';
import {
  answerDemand,
  createDemand,
  demandTasks,
  markOverdueDemands,
} from '../../src/modules/sharing/demands.js';
import { ENTRY } from './fixtures/world.js';

/**
 * Supply–demand (供需对接) through the real app plus the demand routes: who may post, route,
 * answer, withdraw and close a demand (a third organisation sees nothing), each kind of answer,
 * the 10-working-day deadline across a holiday with one overdue notification, and the one-click
 * share request from a demand answered with an entry — every write audited.
 */

type Headers = Record<string, string>;

let t: TestApp;

// Organisations: the provider P with a sub-organisation, the consumer C, a third T.
let providerOrg: string;
let subOrg: string;
let consumerOrg: string;
let thirdOrg: string;

let steward: Headers; // P's data steward (catalogues; holds share.request)
let approver: Headers; // P's approver
let providerAdmin: Headers; // P's org admin (answers for P and its sub-organisation)
let subApprover: Headers; // the sub-organisation's approver
let member: Headers; // C's member: posts demands, makes requests
let consumerAdmin: Headers; // C's org admin: holds share.approve, but not for P
let thirdMember: Headers;
let thirdApprover: Headers;
let thirdSteward: Headers;
let sysadmin: Headers;
let memberUser: MadeUser;
let approverUser: MadeUser;

let conditional: string; // P's conditional entry
let unconditional: string;
let notShared: string;
let subEntry: string; // the sub-organisation's
let draftEntry: string;
let thirdEntry: string; // T's

const today = () => shanghaiDay(new Date());
const inDays = (n: number) => shanghaiDay(new Date(Date.now() + n * 86_400_000));

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Headers) => t.app.inject({ method: 'GET', url, headers });
const code = (res: { json: <T>() => T }) => res.json<{ code: string }>().code;
const ids = (res: { json: <T>() => T }) => res.json<{ items: { id: string }[] }>().items.map((i) => i.id);

async function published(by: Headers, overrides: Partial<EntryInput> = {}): Promise<string> {
  const res = await post('/api/catalog/entries', by, { ...ENTRY, ...overrides } as object);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json<{ id: string }>().id;
  expect((await post(`/api/catalog/entries/${id}/submit`, by)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${id}/approve`, sysadmin, {})).statusCode).toBe(200);
  return id;
}

async function newApp(orgId = consumerOrg): Promise<string> {
  return insertApp(t.services.pool, {
    orgId,
    name: `应用-${crypto.randomBytes(4).toString('hex')}`,
    description: null,
    createdBy: null,
  });
}

const PURPOSE = {
  name: '企业开办一网通办',
  description: '核验申请人所填企业信息，减少材料提交',
  basis: '《优化营商环境条例》第十九条',
};

const demandBody = (over: Record<string, unknown> = {}) => ({
  title: '企业登记信息',
  description: '需要企业统一社会信用代码、名称、法定代表人，按日更新',
  purpose: PURPOSE,
  ...over,
});

interface Demand {
  id: string;
  status: string;
  requesterOrgId: string;
  assignedOrgId: string | null;
  suggestedOrgId: string | null;
  routedAt: string | null;
  dueAt: string | null;
  overdue: boolean;
  workingDaysLeft: number | null;
  answerKind: string | null;
  linkedEntryId: string | null;
  linkedEntryCode: string | null;
  linkedEntryName: string | null;
  plannedName: string | null;
  plannedDate: string | null;
  reason: string | null;
  createdAt: string;
  events?: { action: string; fromStatus: string | null; toStatus: string; actorName: string | null }[];
  requests?: { id: string; status: string; appId: string }[];
}

async function demand(over: Record<string, unknown> = {}, by = member): Promise<Demand> {
  const res = await post('/api/share/demands', by, demandBody(over));
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Demand>();
}

/** A demand routed to P by the platform. */
async function routed(orgId = providerOrg): Promise<Demand> {
  const d = await demand();
  const res = await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Demand>();
}

async function answer(id: string, by: Headers, body: object): Promise<Demand> {
  const res = await post(`/api/share/demands/${id}/answer`, by, body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Demand>();
}

async function auditOf(
  objectId: string,
): Promise<{ action: string; org_id: string | null; detail: Record<string, unknown> }[]> {
  await t.services.ledger.flush();
  const { rows } = await t.services.pool.query<{
    action: string;
    org_id: string | null;
    detail: Record<string, unknown>;
  }>('SELECT action, org_id, detail FROM audit.events WHERE object_id = $1 ORDER BY seq', [objectId]);
  return rows;
}

const requestBody = (appId: string, over: Record<string, unknown> = {}) => ({
  appId,
  fields: ['uscc', 'qymc', 'fddbr'],
  expectedVolume: { perDay: 2000 },
  validFrom: today(),
  validTo: addYears(today(), 1),
  ...over,
});

beforeAll(async () => {
  t = await testApp();
  const pool = t.services.pool;
  providerOrg = (await makeOrg(pool, { name: '市市场监督管理局' })).id;
  subOrg = (await makeOrg(pool, { name: '市市场监管局天河分局', parentId: providerOrg })).id;
  consumerOrg = (await makeOrg(pool, { name: '市政务服务数据管理局' })).id;
  thirdOrg = (await makeOrg(pool, { name: '市交通运输局' })).id;
  const token = async (u: MadeUser) => ({
    authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}`,
  });
  const user = async (roles: Role[], orgId: string) => token(await makeUser(pool, { roles, orgId }));
  steward = await user(['data_steward'], providerOrg);
  approverUser = await makeUser(pool, { roles: ['approver'], orgId: providerOrg, displayName: '李审批' });
  approver = await token(approverUser);
  providerAdmin = await user(['org_admin'], providerOrg);
  subApprover = await user(['approver'], subOrg);
  const subSteward = await user(['data_steward'], subOrg);
  memberUser = await makeUser(pool, { roles: ['member'], orgId: consumerOrg, displayName: '王需求' });
  member = await token(memberUser);
  consumerAdmin = await user(['org_admin'], consumerOrg);
  thirdMember = await user(['member'], thirdOrg);
  thirdApprover = await user(['approver'], thirdOrg);
  thirdSteward = await user(['data_steward'], thirdOrg);
  sysadmin = await user(['sysadmin'], (await makeOrg(pool, { name: '市大数据中心' })).id);

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
  subEntry = await published(subSteward, { name: '分局登记表' });
  thirdEntry = await published(thirdSteward, { name: '道路运输经营许可' });
  const draft = await post('/api/catalog/entries', steward, { ...ENTRY, name: '草稿条目' } as object);
  draftEntry = draft.json<{ id: string }>().id;
});

afterAll(async () => {
  await t?.close();
});

describe('posting and routing', () => {
  it('an open demand: seen by its organisation and the platform only, audited', async () => {
    const d = await demand();
    expect(d).toMatchObject({
      status: 'open',
      requesterOrgId: consumerOrg,
      assignedOrgId: null,
      dueAt: null,
      overdue: false,
      workingDaysLeft: null,
      answerKind: null,
    });
    const detail = (await get(`/api/share/demands/${d.id}`, member)).json<Demand>();
    expect(detail.events!.map((e) => [e.action, e.fromStatus, e.toStatus, e.actorName])).toEqual([
      ['create', null, 'open', '王需求'],
    ]);
    expect(detail.requests).toEqual([]);
    const audit = await auditOf(d.id);
    expect(audit.map((a) => a.action)).toEqual(['demand.create']);
    expect(audit[0]).toMatchObject({
      org_id: consumerOrg,
      detail: { status: 'open', title: '企业登记信息' },
    });

    expect((await get(`/api/share/demands/${d.id}`, consumerAdmin)).statusCode).toBe(200);
    expect((await get(`/api/share/demands/${d.id}`, sysadmin)).statusCode).toBe(200);
    // Not routed yet: the provider does not see it; a third organisation never does.
    expect((await get(`/api/share/demands/${d.id}`, approver)).statusCode).toBe(404);
    const hidden = await get(`/api/share/demands/${d.id}`, thirdMember);
    expect(hidden.statusCode).toBe(404);
    expect(code(hidden)).toBe('demand_not_found');

    expect(ids(await get('/api/share/demands?box=mine&limit=200', member))).toContain(d.id);
    expect(ids(await get('/api/share/demands?box=assigned&limit=200', member))).not.toContain(d.id);
    expect(ids(await get('/api/share/demands?box=all&limit=200', sysadmin))).toContain(d.id);
    const all = await get('/api/share/demands?box=all', member);
    expect(all.statusCode).toBe(403);
    expect(code(all)).toBe('demand_platform_only');
    expect((await get('/api/share/demands?box=open', member)).statusCode).toBe(400);
  });

  it('the platform routes it: 10 working days to answer; only the sysadmin may, never to the requester', async () => {
    const d = await demand();
    // Approvers, members and org admins lack share.review.
    for (const who of [approver, member, providerAdmin]) {
      const res = await post(`/api/share/demands/${d.id}/route`, who, { orgId: providerOrg });
      expect(res.statusCode).toBe(403);
      expect(code(res)).toBe('forbidden');
    }
    const own = await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId: consumerOrg });
    expect(own.statusCode).toBe(409);
    expect(code(own)).toBe('demand_own_org');
    const nowhere = await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId: crypto.randomUUID() });
    expect(nowhere.statusCode).toBe(400);
    expect(code(nowhere)).toBe('demand_org_invalid');

    const res = await post(`/api/share/demands/${d.id}/route`, sysadmin, {
      orgId: providerOrg,
      comment: '市场监管局',
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<Demand>();
    expect(r).toMatchObject({
      status: 'routed',
      assignedOrgId: providerOrg,
      overdue: false,
      workingDaysLeft: 10,
    });
    expect(r.dueAt).toBe((await addWorkingDays(t.services.pool, new Date(r.routedAt!), 10)).toISOString());
    expect(r.events!.map((e) => [e.action, e.toStatus])).toEqual([
      ['create', 'open'],
      ['route', 'routed'],
    ]);
    const audit = await auditOf(d.id);
    expect(audit.map((a) => a.action)).toEqual(['demand.create', 'demand.route']);
    expect(audit[1]!.detail).toMatchObject({
      from: 'open',
      to: 'routed',
      assignedOrgId: providerOrg,
      dueAt: r.dueAt,
    });

    // Now the provider sees it in its box; the sub-organisation and the third do not.
    expect(ids(await get('/api/share/demands?box=assigned&limit=200', approver))).toContain(d.id);
    expect(ids(await get('/api/share/demands?box=assigned&limit=200', providerAdmin))).toContain(d.id);
    expect(ids(await get('/api/share/demands?box=assigned&limit=200', subApprover))).not.toContain(d.id);
    for (const box of ['mine', 'assigned']) {
      expect(ids(await get(`/api/share/demands?box=${box}&limit=200`, thirdApprover))).not.toContain(d.id);
    }
    expect((await get(`/api/share/demands/${d.id}`, approver)).statusCode).toBe(200);
    expect((await get(`/api/share/demands/${d.id}`, thirdApprover)).statusCode).toBe(404);
    expect(
      (await post(`/api/share/demands/${d.id}/answer`, thirdApprover, { kind: 'refuse', reason: '不是我们' }))
        .statusCode,
    ).toBe(404);
    expect((await post(`/api/share/demands/${d.id}/withdraw`, thirdMember)).statusCode).toBe(404);
  });

  it('naming the department that holds the data routes it there at once', async () => {
    const d = await demand({ suggestedOrgId: providerOrg });
    expect(d).toMatchObject({
      status: 'routed',
      suggestedOrgId: providerOrg,
      assignedOrgId: providerOrg,
      workingDaysLeft: 10,
    });
    expect(d.dueAt).toBe((await addWorkingDays(t.services.pool, new Date(d.createdAt), 10)).toISOString());
    expect((await get(`/api/share/demands/${d.id}`, approver)).statusCode).toBe(200);
    const self = await post('/api/share/demands', member, demandBody({ suggestedOrgId: consumerOrg }));
    expect(self.statusCode).toBe(409);
    expect(code(self)).toBe('demand_own_org');
    // In English too.
    const en = await post(
      '/api/share/demands',
      { ...member, 'accept-language': 'en' },
      demandBody({ suggestedOrgId: crypto.randomUUID() }),
    );
    expect(en.statusCode).toBe(400);
    expect(en.json<{ title: string }>().title).toMatch(/^There is no organisation /);
    // Members of the provider may post demands too (share.request); approvers may not.
    expect((await post('/api/share/demands', approver, demandBody())).statusCode).toBe(403);
  });
});

describe('answers', () => {
  it('link: a published, shareable entry of the assigned organisation; only its approvers answer', async () => {
    const d = await routed();
    const url = `/api/share/demands/${d.id}/answer`;
    const link = { kind: 'link', entryId: conditional };
    // The requester's org admin holds share.approve and sees the demand, but does not answer for P.
    const requesterAdmin = await post(url, consumerAdmin, link);
    expect(requesterAdmin.statusCode).toBe(403);
    expect(code(requesterAdmin)).toBe('demand_out_of_scope');
    // The sub-organisation's approver does not act for P; the sysadmin does not answer.
    expect((await post(url, subApprover, link)).statusCode).toBe(404);
    expect(code(await post(url, sysadmin, link))).toBe('forbidden');
    expect(code(await post(url, member, link))).toBe('forbidden');

    const foreign = await post(url, approver, { kind: 'link', entryId: thirdEntry });
    expect(foreign.statusCode).toBe(400);
    expect(code(foreign)).toBe('demand_entry_invalid');
    expect(code(await post(url, approver, { kind: 'link', entryId: crypto.randomUUID() }))).toBe(
      'demand_entry_invalid',
    );
    const draft = await post(url, approver, { kind: 'link', entryId: draftEntry });
    expect(draft.statusCode).toBe(409);
    expect(code(draft)).toBe('demand_entry_not_published');
    const secret = await post(url, approver, { kind: 'link', entryId: notShared });
    expect(secret.statusCode).toBe(409);
    expect(code(secret)).toBe('demand_entry_not_shareable');
    expect(secret.json<{ title: string }>().title).toContain('《保守国家秘密法》第二十八条');
    // A body of the wrong shape.
    expect((await post(url, approver, { kind: 'link' })).statusCode).toBe(400);
    expect((await post(url, approver, { kind: 'maybe' })).statusCode).toBe(400);

    const a = await answer(d.id, approver, { ...link, comment: '已有目录，请直接申请' });
    expect(a).toMatchObject({
      status: 'answered_linked',
      answerKind: 'link',
      linkedEntryId: conditional,
      linkedEntryName: ENTRY.name,
      overdue: false,
      workingDaysLeft: null,
    });
    expect(a.linkedEntryCode).toBeTruthy();
    expect(a.events!.map((e) => [e.action, e.fromStatus, e.toStatus, e.actorName])).toContainEqual([
      'answer',
      'routed',
      'answered_linked',
      '李审批',
    ]);
    const audit = await auditOf(d.id);
    expect(audit.map((x) => x.action)).toEqual(['demand.create', 'demand.route', 'demand.answer']);
    expect(audit[2]).toMatchObject({
      org_id: providerOrg,
      detail: { kind: 'link', entryId: conditional, from: 'routed', to: 'answered_linked' },
    });
    // One answer: a second is a conflict.
    const again = await post(url, approver, { kind: 'refuse', reason: '改变主意' });
    expect(again.statusCode).toBe(409);
    expect(code(again)).toBe('demand_illegal_transition');
  });

  it("the provider's org admin answers with a sub-organisation's entry", async () => {
    const d = await routed();
    const a = await answer(d.id, providerAdmin, { kind: 'link', entryId: subEntry });
    expect(a).toMatchObject({
      status: 'answered_linked',
      linkedEntryId: subEntry,
      linkedEntryName: '分局登记表',
    });
  });

  it('plan: a named entry and a date not in the past; later answered with the published entry', async () => {
    const d = await routed();
    const url = `/api/share/demands/${d.id}/answer`;
    const past = await post(url, approver, {
      kind: 'plan',
      plannedName: '企业年报信息',
      plannedDate: inDays(-1),
    });
    expect(past.statusCode).toBe(400);
    expect(code(past)).toBe('demand_planned_date_invalid');
    expect(
      code(await post(url, approver, { kind: 'plan', plannedName: '   ', plannedDate: inDays(30) })),
    ).toBe('demand_planned_name_required');
    const planned = await answer(d.id, approver, {
      kind: 'plan',
      plannedName: '企业年报信息',
      plannedDate: inDays(30),
    });
    expect(planned).toMatchObject({
      status: 'answered_planned',
      answerKind: 'plan',
      plannedName: '企业年报信息',
      plannedDate: inDays(30),
      linkedEntryId: null,
    });
    // A planned demand cannot be refused afterwards, but the entry, once published, is linked.
    expect(code(await post(url, approver, { kind: 'refuse', reason: '不做了' }))).toBe(
      'demand_illegal_transition',
    );
    const linked = await answer(d.id, approver, { kind: 'link', entryId: unconditional });
    expect(linked).toMatchObject({
      status: 'answered_linked',
      linkedEntryId: unconditional,
      plannedName: null,
    });
    expect(linked.events!.map((e) => [e.action, e.toStatus])).toEqual([
      ['create', 'open'],
      ['route', 'routed'],
      ['answer', 'answered_planned'],
      ['answer', 'answered_linked'],
    ]);
  });

  it('refuse: with a reason; the platform may then route the demand to another department', async () => {
    const d = await routed();
    const url = `/api/share/demands/${d.id}/answer`;
    const bare = await post(url, approver, { kind: 'refuse', reason: ' 无' });
    expect(bare.statusCode).toBe(400);
    expect(code(bare)).toBe('demand_reason_required');
    expect((await post(url, approver, { kind: 'refuse' })).statusCode).toBe(400);
    const refused = await answer(d.id, approver, {
      kind: 'refuse',
      reason: '本局不掌握该数据，应由交通运输局提供',
    });
    expect(refused).toMatchObject({
      status: 'refused',
      answerKind: 'refuse',
      reason: '本局不掌握该数据，应由交通运输局提供',
    });
    expect((await auditOf(d.id)).at(-1)).toMatchObject({
      action: 'demand.answer',
      detail: { kind: 'refuse', reason: '本局不掌握该数据，应由交通运输局提供' },
    });

    const rerouted = await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId: thirdOrg });
    expect(rerouted.statusCode, rerouted.body).toBe(200);
    expect(rerouted.json<Demand>()).toMatchObject({
      status: 'routed',
      assignedOrgId: thirdOrg,
      answerKind: null,
      reason: null,
      workingDaysLeft: 10,
    });
    // The first department no longer sees it; the new one does and answers.
    expect((await get(`/api/share/demands/${d.id}`, approver)).statusCode).toBe(404);
    const linked = await answer(d.id, thirdApprover, { kind: 'link', entryId: thirdEntry });
    expect(linked).toMatchObject({ status: 'answered_linked', linkedEntryId: thirdEntry });
    expect(linked.events!.map((e) => e.action)).toEqual(['create', 'route', 'answer', 'route', 'answer']);
    // An answered demand is not routed again.
    expect(code(await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId: providerOrg }))).toBe(
      'demand_illegal_transition',
    );
  });
});

describe("the requester's steps", () => {
  it('withdraws an unanswered demand; nobody else may; then nothing more happens to it', async () => {
    const open = await demand();
    const d = await routed();
    // P's steward holds share.request and sees the demand as assigned, but did not make it.
    const other = await post(`/api/share/demands/${d.id}/withdraw`, steward);
    expect(other.statusCode).toBe(403);
    expect(code(other)).toBe('demand_not_requester');
    expect(code(await post(`/api/share/demands/${d.id}/withdraw`, approver))).toBe('forbidden');

    const w = await post(`/api/share/demands/${d.id}/withdraw`, member, { reason: '已通过其他渠道解决' });
    expect(w.statusCode, w.body).toBe(200);
    expect(w.json<Demand>()).toMatchObject({ status: 'withdrawn', overdue: false, workingDaysLeft: null });
    expect((await post(`/api/share/demands/${open.id}/withdraw`, consumerAdmin)).json<Demand>().status).toBe(
      'withdrawn',
    );
    expect(code(await post(`/api/share/demands/${d.id}/withdraw`, member))).toBe('demand_illegal_transition');
    expect(code(await post(`/api/share/demands/${d.id}/close`, member))).toBe('demand_illegal_transition');
    expect(code(await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId: thirdOrg }))).toBe(
      'demand_illegal_transition',
    );
    expect(
      code(await post(`/api/share/demands/${d.id}/answer`, approver, { kind: 'refuse', reason: '晚了' })),
    ).toBe('demand_illegal_transition');
    const audit = await auditOf(d.id);
    expect(audit.map((a) => a.action)).toEqual(['demand.create', 'demand.route', 'demand.withdraw']);
    expect(audit[2]).toMatchObject({
      org_id: consumerOrg,
      detail: { reason: '已通过其他渠道解决', to: 'withdrawn' },
    });
  });

  it('closes an answered demand, not an unanswered one', async () => {
    const d = await routed();
    const early = await post(`/api/share/demands/${d.id}/close`, member);
    expect(early.statusCode).toBe(409);
    expect(code(early)).toBe('demand_illegal_transition');
    await answer(d.id, approver, { kind: 'plan', plannedName: '企业年报信息', plannedDate: inDays(60) });
    expect(code(await post(`/api/share/demands/${d.id}/close`, steward))).toBe('demand_not_requester');
    const closed = await post(`/api/share/demands/${d.id}/close`, member, { reason: '等待编目' });
    expect(closed.json<Demand>()).toMatchObject({ status: 'closed', answerKind: 'plan' });
    expect((await auditOf(d.id)).map((a) => a.action)).toEqual([
      'demand.create',
      'demand.route',
      'demand.answer',
      'demand.close',
    ]);
    expect(ids(await get('/api/share/demands?box=mine&status=closed&limit=200', member))).toContain(d.id);
    expect(ids(await get('/api/share/demands?box=mine&status=open&limit=200', member))).not.toContain(d.id);
  });
});

describe('the one-click share request', () => {
  it('a demand answered with a conditional entry becomes a submitted request recording demand_id', async () => {
    const d = await routed();
    await answer(d.id, approver, { kind: 'link', entryId: conditional });
    const app = await newApp();
    const url = `/api/share/demands/${d.id}/request`;
    // Only the requester: the provider's steward (share.request) may not, the approver lacks it.
    expect(code(await post(url, steward, requestBody(await newApp(providerOrg))))).toBe(
      'demand_not_requester',
    );
    expect(code(await post(url, approver, requestBody(app)))).toBe('forbidden');
    expect((await post(url, thirdMember, requestBody(app))).statusCode).toBe(404);
    // The request's own rules apply, and a refused request leaves no trace on the demand.
    const foreignApp = await post(url, member, requestBody(await newApp(thirdOrg)));
    expect(foreignApp.statusCode).toBe(400);
    expect(code(foreignApp)).toBe('share_app_invalid');
    const unknown = await post(url, member, requestBody(app, { fields: ['uscc', 'nosuch'] }));
    expect(code(unknown)).toBe('share_fields_unknown');

    const res = await post(url, member, requestBody(app));
    expect(res.statusCode, res.body).toBe(201);
    const req = res.json<{
      id: string;
      status: string;
      demandId: string;
      entryId: string;
      appId: string;
      fields: string[];
      scenario: Record<string, string>;
      workingDaysLeft: number;
    }>();
    expect(req).toMatchObject({
      status: 'submitted',
      demandId: d.id,
      entryId: conditional,
      appId: app,
      fields: ['uscc', 'qymc', 'fddbr'],
      workingDaysLeft: 10,
      // The scenario is the demand's purpose.
      scenario: { ...PURPOSE, appId: app },
    });
    const { rows } = await t.services.pool.query<{ demand_id: string; status: string }>(
      'SELECT demand_id, status FROM datong.share_requests WHERE id = $1',
      [req.id],
    );
    expect(rows).toEqual([{ demand_id: d.id, status: 'submitted' }]);
    // The provider's approver sees it in the inbox like any request.
    expect(ids(await get('/api/share/requests?box=inbox&limit=200', approver))).toContain(req.id);

    const shown = (await get(`/api/share/demands/${d.id}`, member)).json<Demand>();
    expect(shown.status).toBe('answered_linked');
    expect(shown.requests).toEqual([
      { id: req.id, status: 'submitted', appId: app, createdAt: expect.any(String) },
    ]);
    expect(shown.events!.map((e) => e.action)).toEqual(['create', 'route', 'answer', 'request']);
    const audit = await auditOf(d.id);
    expect(audit.map((a) => a.action)).toEqual([
      'demand.create',
      'demand.route',
      'demand.answer',
      'demand.request',
    ]);
    expect(audit[3]).toMatchObject({
      org_id: consumerOrg,
      detail: { requestId: req.id, entryId: conditional },
    });
    expect((await auditOf(req.id)).map((a) => a.action)).toEqual(['share.request']);

    // Another application with its own scenario; the same one again is pending.
    const app2 = await newApp();
    const scenario = { name: '企业迁移登记', description: '核验迁入企业', basis: '《市场主体登记管理条例》' };
    const second = await post(url, member, requestBody(app2, { scenario }));
    expect(second.statusCode, second.body).toBe(201);
    expect(second.json()).toMatchObject({ scenario: { ...scenario, appId: app2 }, demandId: d.id });
    expect(code(await post(url, member, requestBody(app)))).toBe('share_request_pending');

    // A closed demand makes no more requests.
    await post(`/api/share/demands/${d.id}/close`, member);
    expect(code(await post(url, member, requestBody(await newApp())))).toBe('demand_illegal_transition');
  });

  it('an unconditional entry is granted at once', async () => {
    const d = await routed();
    await answer(d.id, approver, { kind: 'link', entryId: unconditional });
    const res = await post(`/api/share/demands/${d.id}/request`, member, requestBody(await newApp()));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'approved', demandId: d.id, grantId: expect.any(String) });
  });

  it('is refused when the answer was not a link', async () => {
    const app = await newApp();
    const open = await demand();
    const planned = await routed();
    await answer(planned.id, approver, {
      kind: 'plan',
      plannedName: '企业年报信息',
      plannedDate: inDays(10),
    });
    const refused = await routed();
    await answer(refused.id, approver, { kind: 'refuse', reason: '不掌握该数据' });
    for (const d of [open, planned, refused]) {
      const res = await post(`/api/share/demands/${d.id}/request`, member, requestBody(app));
      expect(res.statusCode).toBe(409);
      expect(code(res)).toBe('demand_not_linked');
    }
    const en = await post(
      `/api/share/demands/${planned.id}/request`,
      { ...member, 'accept-language': 'en' },
      requestBody(app),
    );
    expect(en.json<{ title: string }>().title).toContain('was not answered with a published entry');
    const { rows } = await t.services.pool.query(
      'SELECT 1 FROM datong.share_requests WHERE demand_id = ANY($1::uuid[])',
      [[open.id, planned.id, refused.id]],
    );
    expect(rows).toHaveLength(0);
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

  it('across the National Day holiday: overdue flag, one notification to the assigned organisation', async () => {
    // Tuesday 29 September 2026, 10:00 in Beijing. The 10 working days skip 1–7 October (国庆节)
    // and count Saturday 10 October (调休上班): the end of Monday 19 October.
    const made = new Date('2026-09-29T02:00:00Z');
    const d = await withTx(t.services.pool, (tx) =>
      createDemand(ctxOf(memberUser), tx, { ...demandBody(), suggestedOrgId: providerOrg }, { now: made }),
    );
    expect(d.dueAt).toBe('2026-10-19T15:59:59.999Z');
    expect(d.dueAt).toBe((await addWorkingDays(t.services.pool, made, 10)).toISOString());
    expect(d.workingDaysLeft).toBe(10);

    const mine = (list: Notification[]) => list.filter((n) => n.payload.demandId === d.id);
    // On the due day itself (23:59:59 Beijing) it is not overdue yet.
    expect(mine(await markOverdueDemands(t.services.pool, new Date('2026-10-19T15:59:59Z')))).toEqual([]);
    const sent = mine(await markOverdueDemands(t.services.pool, new Date('2026-10-19T16:00:01Z')));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      kind: 'demand.overdue',
      recipientOrgId: providerOrg,
      recipientUserId: null,
      payload: {
        demandId: d.id,
        dueAt: '2026-10-19T15:59:59.999Z',
        assignedOrgId: providerOrg,
        title: '企业登记信息',
      },
    });
    // Once only.
    expect(mine(await markOverdueDemands(t.services.pool, new Date('2026-10-20T08:00:00Z')))).toEqual([]);
    const { rows } = await t.services.pool.query(
      "SELECT kind, recipient_org_id FROM datong.notifications WHERE payload ->> 'demandId' = $1",
      [d.id],
    );
    expect(rows).toEqual([{ kind: 'demand.overdue', recipient_org_id: providerOrg }]);

    const shown = (await get(`/api/share/demands/${d.id}`, approver)).json<Demand>();
    expect(shown.overdue).toBe(true);
    expect(shown.workingDaysLeft).toBe(
      await workingDaysLeft(t.services.pool, new Date(), new Date('2026-10-19T15:59:59.999Z')),
    );
    expect(shown.workingDaysLeft).toBeLessThan(0);
    expect(shown.events!.map((e) => e.action)).toEqual(['create', 'overdue']);
    expect(ids(await get('/api/share/demands?box=assigned&overdue=true&limit=200', approver))).toContain(
      d.id,
    );
    expect(ids(await get('/api/share/demands?box=assigned&overdue=false&limit=200', approver))).not.toContain(
      d.id,
    );

    // Answering late is still possible (marked late), and then it is no longer overdue.
    const late = await withTx(t.services.pool, (tx) =>
      answerDemand(ctxOf(approverUser), tx, d.id, { kind: 'refuse', reason: '逾期后答复：不掌握' }),
    );
    expect(late).toMatchObject({ status: 'refused', overdue: false, workingDaysLeft: null });
    expect(late.events!.at(-1)).toMatchObject({ action: 'answer', toStatus: 'refused' });
    expect((await auditOf(d.id)).at(-1)!.detail).toMatchObject({ late: true });

    // Re-routed: a new deadline, and a new notification once that passes too.
    const again = await post(`/api/share/demands/${d.id}/route`, sysadmin, { orgId: thirdOrg });
    const due2 = again.json<Demand>().dueAt!;
    const after = new Date(Date.parse(due2) + 1000);
    const sent2 = mine(await markOverdueDemands(t.services.pool, after));
    expect(sent2).toEqual([expect.objectContaining({ kind: 'demand.overdue', recipientOrgId: thirdOrg })]);
  });

  it('the job list has share:demands-overdue every 10 minutes', () => {
    const tasks = demandTasks(t.services);
    expect(tasks.map((x) => [x.name, x.schedule])).toEqual([['share:demands-overdue', '*/10 * * * *']]);
  });
});

describe('pages', () => {
  it('keyset pages walk a box exactly once', async () => {
    for (let i = 0; i < 3; i++) await routed();
    const walk = async (box: string, by: Headers) => {
      const out: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(
          `/api/share/demands?box=${box}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          by,
        );
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<{ items: { id: string }[]; nextCursor: string | null }>();
        out.push(...page.items.map((x) => x.id));
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    };
    for (const [box, by] of [
      ['mine', member],
      ['assigned', providerAdmin],
      ['all', sysadmin],
    ] as const) {
      const all = ids(await get(`/api/share/demands?box=${box}&limit=200`, by));
      expect(all.length).toBeGreaterThan(3);
      expect(await walk(box, by)).toEqual(all);
    }
    expect(code(await get('/api/share/demands?box=mine&cursor=garbage', member))).toBe(
      'share_cursor_invalid',
    );
  });
});

describe('route × role', () => {
  it('admits exactly the roles the policy allows on every demand route, and never fails past it', async () => {
    const routes = t.app.routeTable.filter((r) => r.url.startsWith('/api/share/demands'));
    expect(routes.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /api/share/demands',
      'GET /api/share/demands/:id',
      'POST /api/share/demands',
      'POST /api/share/demands/:id/answer',
      'POST /api/share/demands/:id/close',
      'POST /api/share/demands/:id/request',
      'POST /api/share/demands/:id/route',
      'POST /api/share/demands/:id/withdraw',
    ]);
    const tokens = new Map<Role, string>();
    for (const role of ROLES) {
      const u = await makeUser(t.services.pool, { roles: [role] });
      tokens.set(role, await bearerFor(t.app, u.username, u.password));
    }
    const mismatches: string[] = [];
    for (const route of routes) {
      const url = route.url.replace(/:id/g, crypto.randomUUID());
      for (const role of ROLES) {
        const res = await t.app.inject({
          method: route.method as 'GET',
          url,
          headers: { authorization: `Bearer ${tokens.get(role)}` },
          ...(route.method === 'POST' ? { payload: {} } : {}),
        });
        const denied = res.statusCode === 403 && code(res) === 'forbidden';
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
