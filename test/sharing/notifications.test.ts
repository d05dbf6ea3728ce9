import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser, type MadeUser } from '../support/factories.js';
import type { Actor, Role } from '../../src/platform/policy/permissions.js';
import { withTx } from '../../src/platform/db/pool.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { insertApp } from '../../src/modules/identity/store.js';
import { shanghaiDay } from '../../src/modules/sharing/calendar.js';
import { notify } from '../../src/modules/sharing/common.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import { createRequest, markOverdue } from '../../src/modules/sharing/requests.js';
import type { SharingContext } from '../../src/modules/sharing/schemas.js';
import { ENTRY } from './fixtures/world.js';

/**
 * In-app notifications (GET /api/notifications, POST /api/notifications/:id/read) and the
 * dashboard counts (GET /api/share/summary) through the real app: an overdue share request
 * notifies its provider organisation; anyone of it sees and marks it read, nobody else does.
 */

type Headers = Record<string, string>;
let t: TestApp;

let providerOrg: string;
let subOrg: string;
let consumerOrg: string;

let approver: Headers; // P's approver
let providerAdmin: Headers; // P's org admin (P and its sub-organisation)
let subApprover: Headers; // the sub-organisation's approver
let member: Headers; // C's member: requests
let thirdApprover: Headers; // another organisation's approver
let sysadmin: Headers;
let memberUser: MadeUser;
let approverUser: MadeUser;

let lateId: string; // submitted 40 days ago: overdue
let freshId: string; // submitted now: open, not overdue

interface Note {
  id: number;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}
interface NoteList {
  items: Note[];
  unread: number;
}
interface Summary {
  inbox: { open: number; overdue: number };
  outbox: { open: number };
  review: { open: number; overdue: number } | null;
  demands: { assigned: number; overdue: number };
}

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Headers) => t.app.inject({ method: 'GET', url, headers });

async function notes(headers: Headers, query = ''): Promise<NoteList> {
  const res = await get(`/api/notifications${query}`, headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<NoteList>();
}
async function summary(headers: Headers): Promise<Summary> {
  const res = await get('/api/share/summary', headers);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Summary>();
}
const aboutLate = (list: NoteList) => list.items.filter((n) => n.payload.requestId === lateId);

async function published(by: Headers, overrides: Partial<EntryInput> = {}): Promise<string> {
  const res = await post('/api/catalog/entries', by, { ...ENTRY, ...overrides } as object);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json<{ id: string }>().id;
  expect((await post(`/api/catalog/entries/${id}/submit`, by)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${id}/approve`, sysadmin, {})).statusCode).toBe(200);
  return id;
}

const newApp = () =>
  insertApp(t.pool, {
    orgId: consumerOrg,
    name: `应用-${crypto.randomBytes(4).toString('hex')}`,
    description: null,
    createdBy: null,
  });

const requestBody = (entryId: string, appId: string, validFrom: string) => ({
  entryId,
  appId,
  fields: ['uscc', 'qymc'],
  scenario: { name: '企业开办一网通办', description: '核验企业信息', basis: '《优化营商环境条例》第十九条' },
  expectedVolume: { perDay: 100 },
  validFrom,
  validTo: addYears(validFrom, 1),
});

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

beforeAll(async () => {
  t = await testApp();
  providerOrg = (await makeOrg(t.pool, { name: '市市场监督管理局' })).id;
  subOrg = (await makeOrg(t.pool, { name: '市市场监管局天河分局', parentId: providerOrg })).id;
  consumerOrg = (await makeOrg(t.pool, { name: '市政务服务数据管理局' })).id;
  const thirdOrg = (await makeOrg(t.pool, { name: '市交通运输局' })).id;
  const bearer = async (u: MadeUser) => ({
    authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}`,
  });
  const token = async (roles: Role[], orgId: string) => bearer(await makeUser(t.pool, { roles, orgId }));
  const steward = await token(['data_steward'], providerOrg);
  const subSteward = await token(['data_steward'], subOrg);
  approverUser = await makeUser(t.pool, { roles: ['approver'], orgId: providerOrg });
  approver = await bearer(approverUser);
  providerAdmin = await token(['org_admin'], providerOrg);
  subApprover = await token(['approver'], subOrg);
  memberUser = await makeUser(t.pool, { roles: ['member'], orgId: consumerOrg });
  member = await bearer(memberUser);
  thirdApprover = await token(['approver'], thirdOrg);
  sysadmin = await token(['sysadmin'], (await makeOrg(t.pool, { name: '市大数据中心' })).id);

  const entry = await published(steward);
  const subEntry = await published(subSteward, { name: '分局登记表' });

  // One request made 40 days ago (past its 10 working days), one now, one to the sub-organisation.
  const made = new Date(Date.now() - 40 * 86_400_000);
  const lateApp = await newApp();
  const late = await withTx(t.pool, (tx) =>
    createRequest(ctxOf(memberUser), tx, requestBody(entry, lateApp, shanghaiDay(made)), { now: made }),
  );
  lateId = late.id;
  expect(Date.parse(late.dueAt)).toBeLessThan(Date.now());
  const today = shanghaiDay(new Date());
  const fresh = await post('/api/share/requests', member, requestBody(entry, await newApp(), today));
  expect(fresh.statusCode, fresh.body).toBe(201);
  freshId = fresh.json<{ id: string; status: string }>().id;
  expect(fresh.json()).toMatchObject({ status: 'submitted', overdue: false });
  const sub = await post('/api/share/requests', member, requestBody(subEntry, await newApp(), today));
  expect(sub.statusCode, sub.body).toBe(201);
});

afterAll(async () => {
  await t?.close();
});

describe('notifications', () => {
  it('an overdue request notifies its provider organisation; the approver marks it read', async () => {
    expect(aboutLate(await notes(approver))).toEqual([]);
    const before = await notes(approver);

    // The job runs a minute from now: only the late request is past its deadline.
    const sent = await markOverdue(t.pool, new Date(Date.now() + 60_000));
    expect(sent.map((n) => n.payload.requestId)).toContain(lateId);
    expect(sent.map((n) => n.payload.requestId)).not.toContain(freshId);

    const unread = await notes(approver, '?unread=true');
    expect(unread.unread).toBe(before.unread + 1);
    const [note] = aboutLate(unread);
    expect(note).toMatchObject({
      kind: 'share.overdue',
      readAt: null,
      payload: { requestId: lateId, providerOrgId: providerOrg, consumerOrgId: consumerOrg },
    });
    expect(typeof note!.payload.dueAt).toBe('string');
    expect(Object.keys(note!).sort()).toEqual(['createdAt', 'id', 'kind', 'payload', 'readAt']);
    // The whole provider organisation sees it (its admin too); not the sub-organisation.
    expect(aboutLate(await notes(providerAdmin))).toHaveLength(1);
    expect(aboutLate(await notes(subApprover))).toEqual([]);

    // Another organisation's user neither sees it nor marks it read.
    expect(aboutLate(await notes(thirdApprover))).toEqual([]);
    expect(aboutLate(await notes(member))).toEqual([]);
    const theirs = await post(`/api/notifications/${note!.id}/read`, thirdApprover);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json()).toMatchObject({ code: 'notification_not_found' });
    expect(aboutLate(await notes(approver, '?unread=true'))).toHaveLength(1);

    // The approver marks it read: the unread count drops, for the whole organisation.
    const adminBefore = (await notes(providerAdmin)).unread;
    const read = await post(`/api/notifications/${note!.id}/read`, approver);
    expect(read.statusCode, read.body).toBe(200);
    const readAt = read.json<Note>().readAt;
    expect(read.json()).toMatchObject({ id: note!.id, kind: 'share.overdue' });
    expect(readAt).not.toBeNull();
    const after = await notes(approver, '?unread=true');
    expect(after.unread).toBe(unread.unread - 1);
    expect(aboutLate(after)).toEqual([]);
    expect(aboutLate(await notes(approver, '?unread=false'))).toMatchObject([{ id: note!.id, readAt }]);
    expect((await notes(providerAdmin)).unread).toBe(adminBefore - 1);

    // Marking again changes nothing.
    const again = await post(`/api/notifications/${note!.id}/read`, providerAdmin, {});
    expect(again.json<Note>().readAt).toBe(readAt);
  });

  it("one addressed to a user is that user's only; newest first; limit", async () => {
    const first = await withTx(t.pool, (tx) =>
      notify(tx, 'share.test', { userId: approverUser.id }, { n: 1 }),
    );
    await t.pool.query(
      "UPDATE datong.notifications SET created_at = now() - interval '1 minute' WHERE id = $1",
      [first.id],
    );
    const second = await withTx(t.pool, (tx) =>
      notify(tx, 'share.test', { userId: approverUser.id }, { n: 2 }),
    );
    const mine = await notes(approver, '?unread=true');
    const tests = mine.items.filter((n) => n.kind === 'share.test');
    expect(tests.map((n) => n.payload.n)).toEqual([2, 1]);
    expect((await notes(approver, '?limit=1')).items).toMatchObject([{ id: Number(second.id) }]);
    expect((await notes(providerAdmin)).items.filter((n) => n.kind === 'share.test')).toEqual([]);
    expect((await post(`/api/notifications/${Number(first.id)}/read`, providerAdmin)).statusCode).toBe(404);
  });

  it('refuses unknown ids, bad queries and anonymous callers', async () => {
    expect((await post('/api/notifications/999999999/read', approver)).statusCode).toBe(404);
    expect((await post('/api/notifications/abc/read', approver)).statusCode).toBe(400);
    expect((await get('/api/notifications?limit=0', approver)).statusCode).toBe(400);
    expect((await get('/api/notifications?color=red', approver)).statusCode).toBe(400);
    expect((await get('/api/notifications', {})).statusCode).toBe(401);
    expect((await get('/api/share/summary', {})).statusCode).toBe(401);
  });
});

describe('the dashboard summary', () => {
  it('counts the inbox (overdue too), the outbox and, for the platform, the review queue', async () => {
    // P's approver: the late and the fresh request await P; one is overdue.
    expect(await summary(approver)).toEqual({
      inbox: { open: 2, overdue: 1 },
      outbox: { open: 0 },
      review: null,
      demands: { assigned: 0, overdue: 0 },
    });
    // P's admin also answers for the sub-organisation.
    expect((await summary(providerAdmin)).inbox).toEqual({ open: 3, overdue: 1 });
    expect((await summary(subApprover)).inbox).toEqual({ open: 1, overdue: 0 });
    // The consumer: three undecided requests out, nothing in.
    expect(await summary(member)).toMatchObject({
      inbox: { open: 0, overdue: 0 },
      outbox: { open: 3 },
      review: null,
    });
    expect(await summary(thirdApprover)).toMatchObject({ inbox: { open: 0 }, outbox: { open: 0 } });
    expect((await summary(sysadmin)).review).toEqual({ open: 0, overdue: 0 });

    // Decided requests are no longer open.
    const refused = await post(`/api/share/requests/${lateId}/refuse`, approver, { reason: '逾期后拒绝' });
    expect(refused.statusCode, refused.body).toBe(200);
    expect((await summary(approver)).inbox).toEqual({ open: 1, overdue: 0 });
    expect((await summary(member)).outbox).toEqual({ open: 2 });
  });
});
