import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser, type MadeUser } from '../support/factories.js';
import { signRequest } from '../../src/platform/auth/signature.js';
import { systemContext } from '../../src/platform/context.js';
import { withTx } from '../../src/platform/db/pool.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { addWorkingDays, shanghaiDay, workingDaysLeft } from '../../src/modules/sharing/calendar.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import {
  escalateOverdueObjections,
  objectionTasks,
  raiseObjection,
  type QualityContext,
} from '../../src/modules/quality/objections.js';
import { ServiceAvailability, serviceAvailabilityOf } from '../../src/modules/quality/availability.js';
import { idNo, uscc } from '../ingest/fixtures/registry.js';
import { ENTRY } from '../sharing/fixtures/world.js';

/**
 * Objections (异议/纠错) through the real app: who may raise one (a consumer through its grant —
 * its fields and row filter —, the provider's staff, the platform, a signed application), the
 * correction applied as an upsert batch with its provenance, a correction the dataset check
 * refuses, rejection, withdrawal, lists by box with masking, escalation on a fixed clock, an
 * objection raised from a cross-check conflict, and the data services' availability counts.
 */

type Headers = Record<string, string>;
let t: TestApp;
let providerOrg: string;
let consumerOrg: string;
let steward: Headers;
let stewardUser: MadeUser;
let consumer: Headers;
let consumerUser: MadeUser;
let consumerColleague: Headers;
let third: Headers;
let thirdSteward: Headers;
let sysadmin: Headers;
let entryId: string;
let grantId: string;
let appKey: { keyId: string; secret: string };
let datasetName: string;

const N = 6;
/** Even rows in 天河 (440106, granted to the consumer), odd ones in 福田. */
const row = (n: number) => ({
  uscc: uscc(n),
  qymc: `共享测试企业${n}有限公司`,
  fddbr: `张小${n}`,
  fddbrsfzh: idNo(n),
  zczb: `${n}00.00`,
  djjgqh: n % 2 === 0 ? '440106' : '440304',
  clrq: '2020-01-02',
});

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Headers) => t.app.inject({ method: 'GET', url, headers });
const code = (res: { json: <T>() => T }) => res.json<{ code: string }>().code;

function signed(method: 'GET' | 'POST', path: string, body?: object) {
  const text = body ? JSON.stringify(body) : '';
  const headers = signRequest({ method, path, body: text, ...appKey });
  return t.app.inject({
    method,
    url: path,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { payload: text } : {}),
  });
}

interface Objection {
  id: string;
  status: string;
  entryId: string;
  orgId: string;
  recordKey: Record<string, string>;
  field: string | null;
  fieldName: string | null;
  currentValue: string | null;
  proposedValue: string | null;
  masked: boolean;
  origin: string;
  conflictId: number | null;
  raisedByName: string;
  raiserOrgId: string | null;
  dueAt: string;
  overdue: boolean;
  workingDaysLeft: number | null;
  escalatedAt: string | null;
  resolution: string | null;
  correctionBatchId: number | null;
  resolvedByName: string | null;
  createdAt: string;
  events?: { action: string; fromStatus: string | null; toStatus: string; actorName: string | null }[];
}

async function raise(by: Headers, body: Record<string, unknown>): Promise<Objection> {
  const res = await post('/api/quality/objections', by, { entryId, reason: '名称与营业执照不一致', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Objection>();
}

async function audit(
  objectId: string,
): Promise<{ action: string; org_id: string | null; detail: Record<string, unknown> }[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{
    action: string;
    org_id: string | null;
    detail: Record<string, unknown>;
  }>('SELECT action, org_id, detail FROM audit.events WHERE object_id = $1 ORDER BY seq', [objectId]);
  return rows;
}

async function stored(n: number, field: string): Promise<string | null> {
  const { rows } = await t.pool.query<{ v: string | null }>(
    `SELECT ${field}::text AS v FROM ds."${datasetName}" WHERE uscc = $1`,
    [uscc(n)],
  );
  return rows[0]!.v;
}

beforeAll(async () => {
  t = await testApp();
  providerOrg = (await makeOrg(t.pool, { name: '市市场监督管理局' })).id;
  consumerOrg = (await makeOrg(t.pool, { name: '市政务服务数据管理局' })).id;
  const thirdOrg = (await makeOrg(t.pool, { name: '市交通运输局' })).id;
  const token = async (u: MadeUser) => ({
    authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}`,
  });
  const user = async (roles: Role[], orgId: string, displayName?: string) =>
    makeUser(t.pool, { roles, orgId, ...(displayName ? { displayName } : {}) });
  stewardUser = await user(['data_steward'], providerOrg, '林管理');
  steward = await token(stewardUser);
  const approver = await token(await user(['approver'], providerOrg));
  consumerUser = await user(['member'], consumerOrg, '王使用');
  consumer = await token(consumerUser);
  consumerColleague = await token(await user(['member'], consumerOrg));
  const consumerDev = await token(await user(['developer', 'member'], consumerOrg));
  third = await token(await user(['member'], thirdOrg));
  thirdSteward = await token(await user(['data_steward'], thirdOrg));
  sysadmin = await token(await user(['sysadmin'], (await makeOrg(t.pool, { name: '市大数据中心' })).id));

  const made = await post('/api/catalog/entries', steward, ENTRY as object);
  expect(made.statusCode, made.body).toBe(201);
  entryId = made.json<{ id: string }>().id;
  await post(`/api/catalog/entries/${entryId}/submit`, steward);
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
  const { rows: ds } = await t.pool.query<{ name: string }>(
    'SELECT name FROM datong.datasets WHERE entry_id = $1',
    [entryId],
  );
  datasetName = ds[0]!.name;

  const app = await post('/api/apps', consumerDev, { name: '企业开办核验' });
  const appId = app.json<{ id: string }>().id;
  appKey = (await post(`/api/apps/${appId}/credentials`, consumerDev, {})).json<{
    keyId: string;
    secret: string;
  }>();
  const today = shanghaiDay(new Date());
  const req = await post('/api/share/requests', consumerDev, {
    entryId,
    appId,
    fields: ['uscc', 'qymc', 'fddbr', 'djjgqh'],
    scenario: { name: '企业开办一网通办', description: '核验企业信息', basis: '《优化营商环境条例》' },
    expectedVolume: { perDay: 5000 },
    validFrom: today,
    validTo: addYears(today, 1),
  });
  expect(req.statusCode, req.body).toBe(201);
  const approved = await post(`/api/share/requests/${req.json<{ id: string }>().id}/approve`, approver, {
    rowFilter: { field: 'djjgqh', op: 'eq', value: '440106' },
  });
  expect(approved.statusCode, approved.body).toBe(200);
  grantId = approved.json<{ grantId: string }>().grantId;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('raising', () => {
  it('lets a consumer with a grant object to a granted field of a record inside its row filter', async () => {
    const before = new Date();
    const o = await raise(consumer, {
      key: { uscc: uscc(2) },
      field: 'qymc',
      proposedValue: '共享测试企业贰有限公司',
      evidence: '营业执照副本扫描件',
    });
    expect(o).toMatchObject({
      status: 'open',
      entryId,
      orgId: providerOrg,
      recordKey: { uscc: uscc(2) },
      field: 'qymc',
      fieldName: '企业名称',
      currentValue: '共享测试企业2有限公司',
      proposedValue: '共享测试企业贰有限公司',
      masked: true,
      origin: 'consumer',
      raisedByName: '王使用',
      raiserOrgId: consumerOrg,
      overdue: false,
      workingDaysLeft: 5,
      escalatedAt: null,
      correctionBatchId: null,
    });
    const created = new Date(o.createdAt);
    expect(created.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(o.dueAt).toBe((await addWorkingDays(t.pool, created, 5)).toISOString());
    expect(o.events!.map((e) => [e.action, e.fromStatus, e.toStatus, e.actorName])).toEqual([
      ['raise', null, 'open', '王使用'],
    ]);
    const { rows: notes } = await t.pool.query<{
      recipient_org_id: string;
      payload: { objectionId: string };
    }>(
      `SELECT recipient_org_id, payload FROM datong.notifications WHERE kind = 'objection.raised' AND payload->>'objectionId' = $1`,
      [o.id],
    );
    expect(notes).toEqual([
      { recipient_org_id: providerOrg, payload: expect.objectContaining({ objectionId: o.id }) },
    ]);
    const events = await audit(o.id);
    expect(events.map((e) => e.action)).toEqual(['objection.raise']);
    expect(events[0]!.detail).toMatchObject({
      entryId,
      origin: 'consumer',
      field: 'qymc',
      to: 'open',
      orgId: providerOrg,
    });
  });

  it('refuses fields outside the grant, records outside its row filter, and organisations without a grant', async () => {
    const ungranted = await post('/api/quality/objections', consumer, {
      entryId,
      key: { uscc: uscc(2) },
      field: 'fddbrsfzh',
      reason: '身份证号有误',
    });
    expect([ungranted.statusCode, code(ungranted)]).toEqual([403, 'objection_no_access']);
    const outside = await post('/api/quality/objections', consumer, {
      entryId,
      key: { uscc: uscc(3) },
      field: 'qymc',
      reason: '名称有误',
    });
    expect([outside.statusCode, code(outside)]).toEqual([403, 'objection_no_access']);
    const stranger = await post('/api/quality/objections', third, {
      entryId,
      key: { uscc: uscc(2) },
      field: 'qymc',
      reason: '名称有误',
    });
    expect([stranger.statusCode, code(stranger)]).toEqual([403, 'objection_no_access']);
    const elsewhere = await post('/api/quality/objections', consumer, {
      entryId,
      key: { uscc: uscc(2) },
      reason: '记录有误',
      orgId: consumerOrg,
    });
    expect([elsewhere.statusCode, code(elsewhere)]).toEqual([403, 'objection_route_forbidden']);
  });

  it('answers 404 for an unknown entry or record and 400 for a key that is not the key', async () => {
    const noEntry = await post('/api/quality/objections', steward, {
      entryId: '00000000-0000-4000-8000-000000000000',
      key: { uscc: uscc(2) },
      reason: '记录有误',
    });
    expect([noEntry.statusCode, code(noEntry)]).toEqual([404, 'objection_entry_not_found']);
    const noRecord = await post('/api/quality/objections', steward, {
      entryId,
      key: { uscc: uscc(99) },
      reason: '记录有误',
    });
    expect([noRecord.statusCode, code(noRecord)]).toEqual([404, 'objection_record_not_found']);
    const badKey = await post('/api/quality/objections', steward, {
      entryId,
      key: { qymc: '共享测试企业2有限公司' },
      reason: '记录有误',
    });
    expect([badKey.statusCode, code(badKey)]).toEqual([400, 'objection_key_invalid']);
    const badField = await post('/api/quality/objections', steward, {
      entryId,
      key: { uscc: uscc(2) },
      field: 'nope',
      reason: '记录有误',
    });
    expect([badField.statusCode, code(badField)]).toEqual([400, 'objection_field_unknown']);
  });

  it("masks personal values for everyone but the provider's staff", async () => {
    const o = await raise(consumer, { key: { uscc: uscc(4) }, field: 'fddbr', proposedValue: '张晓四' });
    expect([o.currentValue, o.proposedValue, o.masked]).toEqual(['张**', '张**', true]);
    const own = (await get(`/api/quality/objections/${o.id}`, steward)).json<Objection>();
    expect([own.currentValue, own.proposedValue, own.masked]).toEqual(['张小4', '张晓四', false]);
    const platform = (await get(`/api/quality/objections/${o.id}`, sysadmin)).json<Objection>();
    expect([platform.currentValue, platform.masked]).toEqual(['张**', true]);
    expect((await get(`/api/quality/objections/${o.id}`, third)).statusCode).toBe(404);
  });

  it('lets a signed application object to a record it received under its grant', async () => {
    const res = await signed('POST', '/api/share/objections', {
      grantId,
      key: { uscc: uscc(6) },
      field: 'qymc',
      reason: '与企业自报名称不一致',
    });
    expect(res.statusCode, res.body).toBe(201);
    const o = res.json<Objection>();
    expect(o).toMatchObject({
      origin: 'consumer',
      raisedByName: '企业开办核验',
      raiserOrgId: consumerOrg,
      orgId: providerOrg,
      currentValue: '共享测试企业6有限公司',
    });
    const read = await signed('GET', `/api/share/objections/${o.id}`);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json<Objection>().id).toBe(o.id);
    const refused = await signed('POST', '/api/share/objections', {
      grantId,
      key: { uscc: uscc(6) },
      field: 'fddbrsfzh',
      reason: '身份证号有误',
    });
    expect([refused.statusCode, code(refused)]).toEqual([403, 'objection_no_access']);
    // The consumer organisation's users see it among what their organisation raised.
    const raised = await get('/api/quality/objections?box=raised', consumerColleague);
    expect(raised.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toContain(o.id);
  });
});

describe('correcting', () => {
  it('applies the correction as an upsert batch with its provenance, audited', async () => {
    const o = await raise(consumer, {
      key: { uscc: uscc(2) },
      field: 'qymc',
      proposedValue: '共享测试企业贰有限公司',
    });
    const forbidden = await post(`/api/quality/objections/${o.id}/correct`, thirdSteward, {
      comment: '更正',
    });
    expect(forbidden.statusCode).toBe(404);
    const res = await post(`/api/quality/objections/${o.id}/correct`, steward, {
      value: '共享测试企业贰（更正）有限公司',
      comment: '经核实营业执照，已更正',
    });
    expect(res.statusCode, res.body).toBe(200);
    const done = res.json<Objection>();
    expect(done).toMatchObject({
      status: 'corrected',
      resolution: '经核实营业执照，已更正',
      resolvedByName: '林管理',
      overdue: false,
      workingDaysLeft: null,
    });
    expect(done.events!.map((e) => [e.action, e.toStatus])).toEqual([
      ['raise', 'open'],
      ['correct', 'corrected'],
    ]);
    expect(await stored(2, 'qymc')).toBe('共享测试企业贰（更正）有限公司');
    // The rest of the record is untouched.
    expect(await stored(2, 'fddbr')).toBe('张小2');
    expect(await stored(2, 'zczb')).toBe('200.00');
    const { rows: batch } = await t.pool.query<{
      mode: string;
      status: string;
      source: Record<string, unknown>;
      rows_updated: number;
      rows_inserted: number;
      started_by_name: string;
    }>(
      'SELECT mode, status, source, rows_updated, rows_inserted, started_by_name FROM datong.ingest_batches WHERE id = $1',
      [done.correctionBatchId],
    );
    expect(batch).toEqual([
      {
        mode: 'upsert',
        status: 'done',
        source: {
          kind: 'correction',
          name: `异议纠错 ${o.id}`,
          objectionId: o.id,
          fields: ['qymc'],
          key: { uscc: uscc(2) },
        },
        rows_updated: 1,
        rows_inserted: 0,
        started_by_name: '林管理',
      },
    ]);
    const events = await audit(o.id);
    expect(events.map((e) => [e.action, e.org_id])).toEqual([
      ['objection.raise', consumerOrg],
      ['objection.correct', providerOrg],
    ]);
    expect(events[1]!.detail).toMatchObject({
      batchId: done.correctionBatchId,
      fields: ['qymc'],
      rowsUpdated: 1,
    });
    await t.services.ledger.flush();
    const { rows: load } = await t.pool.query<{ detail: { source: { objectionId: string }; batch: number } }>(
      `SELECT detail FROM audit.events WHERE action = 'ingest.load' AND detail->'source'->>'objectionId' = $1`,
      [o.id],
    );
    expect(load.map((l) => l.detail.batch)).toEqual([done.correctionBatchId]);
    const { rows: told } = await t.pool.query<{ recipient_user_id: string }>(
      `SELECT recipient_user_id FROM datong.notifications WHERE kind = 'objection.corrected' AND payload->>'objectionId' = $1`,
      [o.id],
    );
    expect(told).toEqual([{ recipient_user_id: consumerUser.id }]);
    const again = await post(`/api/quality/objections/${o.id}/correct`, steward, { comment: '再次' });
    expect([again.statusCode, code(again)]).toEqual([409, 'objection_illegal_transition']);
  });

  it('keeps the objection open when the dataset check refuses the value', async () => {
    const o = await raise(steward, { key: { uscc: uscc(5) }, field: 'zczb', reason: '注册资本录入错误' });
    expect(o).toMatchObject({ origin: 'steward', masked: false, currentValue: '500.00' });
    const noValue = await post(`/api/quality/objections/${o.id}/correct`, steward, { comment: '更正' });
    expect([noValue.statusCode, code(noValue)]).toEqual([400, 'objection_value_required']);
    const bad = await post(`/api/quality/objections/${o.id}/correct`, steward, {
      value: '12.345',
      comment: '更正',
    });
    expect([bad.statusCode, code(bad)]).toEqual([422, 'objection_correction_rejected']);
    const problem = bad.json<{ detail: string }>();
    expect(problem.detail).toContain('zczb');
    expect(problem.detail).toContain('未写入');
    const en = await t.app.inject({
      method: 'POST',
      url: `/api/quality/objections/${o.id}/correct`,
      headers: { ...steward, 'accept-language': 'en' },
      payload: { value: '12.345', comment: 'fix' },
    });
    expect(en.json<{ detail: string }>().detail).toContain('the objection stays open');
    expect(await stored(5, 'zczb')).toBe('500.00');
    const still = (await get(`/api/quality/objections/${o.id}`, steward)).json<Objection>();
    expect([still.status, still.events!.length]).toEqual(['open', 1]);
    const good = await post(`/api/quality/objections/${o.id}/correct`, steward, {
      value: '5000.50',
      comment: '更正',
    });
    expect(good.statusCode, good.body).toBe(200);
    expect(await stored(5, 'zczb')).toBe('5000.50');
    const key = await raise(steward, { key: { uscc: uscc(5) }, field: 'uscc', proposedValue: uscc(7) });
    const keyFix = await post(`/api/quality/objections/${key.id}/correct`, steward, { comment: '更正' });
    expect([keyFix.statusCode, code(keyFix)]).toEqual([409, 'objection_key_correction']);
  });
});

describe('rejecting and withdrawing', () => {
  it('lets the provider reject with a reason, once', async () => {
    const o = await raise(consumer, { key: { uscc: uscc(2) }, field: 'djjgqh', proposedValue: '440104' });
    const noReason = await post(`/api/quality/objections/${o.id}/reject`, steward, { reason: ' x ' });
    expect([noReason.statusCode, code(noReason)]).toEqual([400, 'objection_reason_required']);
    const byConsumer = await post(`/api/quality/objections/${o.id}/reject`, consumer, { reason: '不成立' });
    expect(byConsumer.statusCode).toBe(403);
    const res = await post(`/api/quality/objections/${o.id}/reject`, steward, {
      reason: '经核实登记机关无误',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Objection>()).toMatchObject({ status: 'rejected', resolution: '经核实登记机关无误' });
    expect(await stored(2, 'djjgqh')).toBe('440106');
    const late = await post(`/api/quality/objections/${o.id}/withdraw`, consumer);
    expect([late.statusCode, code(late)]).toEqual([409, 'objection_illegal_transition']);
    expect((await audit(o.id)).map((e) => e.action)).toEqual(['objection.raise', 'objection.reject']);
  });

  it('lets the raiser (or their organisation) withdraw an open objection, and no one else', async () => {
    const o = await raise(consumer, { key: { uscc: uscc(4) }, field: 'qymc' });
    const byProvider = await post(`/api/quality/objections/${o.id}/withdraw`, steward, {});
    expect([byProvider.statusCode, code(byProvider)]).toEqual([403, 'objection_not_raiser']);
    const res = await post(`/api/quality/objections/${o.id}/withdraw`, consumerColleague, { reason: '误报' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<Objection>()).toMatchObject({ status: 'withdrawn', resolution: '误报' });
    expect((await audit(o.id)).map((e) => e.action)).toEqual(['objection.raise', 'objection.withdraw']);
  });
});

describe('lists', () => {
  it('pages the inbox by deadline, filters by status, and keeps "all" for the platform', async () => {
    const inbox = async (query: string) => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(
          `/api/quality/objections?box=inbox&limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`,
          steward,
        );
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json<{ items: Objection[]; nextCursor: string | null }>();
        ids.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const { rows } = await t.pool.query<{ id: string; status: string }>(
      'SELECT id, status FROM datong.objections WHERE org_id = $1 ORDER BY due_at, id',
      [providerOrg],
    );
    expect(await inbox('')).toEqual(rows.map((r) => r.id));
    expect(await inbox('&status=open')).toEqual(rows.filter((r) => r.status === 'open').map((r) => r.id));
    const mine = await get('/api/quality/objections?box=inbox', consumer);
    expect(mine.json<{ items: unknown[] }>().items).toEqual([]);
    const all = await get('/api/quality/objections?box=all&limit=200', sysadmin);
    expect(all.json<{ items: unknown[] }>().items.length).toBe(rows.length);
    const notPlatform = await get('/api/quality/objections?box=all', steward);
    expect([notPlatform.statusCode, code(notPlatform)]).toEqual([403, 'objection_platform_only']);
  });
});

describe('overdue', () => {
  it('escalates an objection once its deadline has passed, once, notifying the provider and the platform', async () => {
    // Monday 3 March 2025, 10:00 in Shanghai: five working days later is Monday 10 March.
    const raisedAt = new Date('2025-03-03T02:00:00Z');
    const ctx: QualityContext = {
      actor: {
        kind: 'user',
        id: stewardUser.id,
        username: stewardUser.username,
        displayName: stewardUser.displayName,
        orgId: providerOrg,
        roles: ['data_steward'],
        via: 'token',
      },
      requestId: null,
      clientIp: null,
      lang: 'zh-CN',
      services: t.services,
    };
    const o = await withTx(t.pool, (tx) =>
      raiseObjection(
        ctx,
        tx,
        { entryId, key: { uscc: uscc(1) }, field: 'qymc', reason: '名称有误' },
        { now: raisedAt },
      ),
    );
    const due = await addWorkingDays(t.pool, raisedAt, 5);
    expect(o.dueAt).toBe(due.toISOString());
    expect(shanghaiDay(due)).toBe('2025-03-10');
    expect(o.workingDaysLeft).toBe(await workingDaysLeft(t.pool, raisedAt, due));

    expect(await escalateOverdueObjections(t.services, new Date(due.getTime() - 60_000))).toEqual([]);
    const sent = await escalateOverdueObjections(t.services, new Date(due.getTime() + 60_000));
    const { rows: admins } = await t.pool.query<{ id: string }>(
      `SELECT u.id FROM datong.users u JOIN datong.user_roles ur ON ur.user_id = u.id
        WHERE ur.role = 'sysadmin' AND NOT u.disabled ORDER BY u.id`,
    );
    expect(sent.map((s) => [s.kind, s.recipientOrgId, s.recipientUserId])).toEqual([
      ['objection.overdue', providerOrg, null],
      ...admins.map((a) => ['objection.overdue', null, a.id]),
    ]);
    expect(sent[0]!.payload).toMatchObject({ objectionId: o.id, dueAt: due.toISOString() });
    expect(await escalateOverdueObjections(t.services, new Date(due.getTime() + 3_600_000))).toEqual([]);
    const after = (await get(`/api/quality/objections/${o.id}`, steward)).json<Objection>();
    expect(after).toMatchObject({
      status: 'open',
      overdue: true,
      escalatedAt: new Date(due.getTime() + 60_000).toISOString(),
    });
    expect(after.workingDaysLeft).toBeLessThan(0);
    expect(after.events!.map((e) => [e.action, e.actorName])).toEqual([
      ['raise', '林管理'],
      ['escalate', 'job:quality:objections-overdue'],
    ]);
    expect((await audit(o.id)).map((e) => e.action)).toEqual(['objection.raise', 'objection.escalate']);
    const overdue = await get('/api/quality/objections?box=inbox&overdue=true', steward);
    expect(overdue.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toEqual([o.id]);
    expect(objectionTasks(t.services).map((x) => [x.name, x.schedule])).toEqual([
      ['quality:objections-overdue', '*/10 * * * *'],
    ]);
  });
});

describe('from a cross-check conflict', () => {
  it('builds the objection from the conflict, once, and the provider applies the authoritative value', async () => {
    const { rows: item } = await t.pool.query<{ id: string }>(
      `INSERT INTO datong.data_items (name, subject_kind) VALUES ('企业名称', 'uscc') RETURNING id`,
    );
    const { rows: source } = await t.pool.query<{ id: string }>(
      `INSERT INTO datong.data_item_sources (item_id, role, entry_id, field, key_field)
       VALUES ($1, 'secondary', $2, 'qymc', 'uscc') RETURNING id`,
      [item[0]!.id, entryId],
    );
    const { rows: run } = await t.pool.query<{ id: string }>(
      `INSERT INTO datong.crosscheck_runs (status, started_by_name) VALUES ('done', 'test') RETURNING id`,
    );
    const { rows: conflict } = await t.pool.query<{ id: string }>(
      `INSERT INTO datong.crosscheck_conflicts (run_id, item_id, source_id, subject_key, authoritative_value, source_value)
       VALUES ($1, $2, $3, $4, '共享测试企业叁有限公司', '共享测试企业3有限公司') RETURNING id`,
      [run[0]!.id, item[0]!.id, source[0]!.id, uscc(3)],
    );
    const conflictId = Number(conflict[0]!.id);
    const url = `/api/quality/crosschecks/conflicts/${conflictId}/objection`;
    const notPlatform = await post(url, steward, { orgId: providerOrg });
    expect(notPlatform.statusCode).toBe(403);
    const res = await post(url, sysadmin, { orgId: providerOrg });
    expect(res.statusCode, res.body).toBe(201);
    const o = res.json<Objection>();
    expect(o).toMatchObject({
      origin: 'crosscheck',
      conflictId,
      orgId: providerOrg,
      recordKey: { uscc: uscc(3) },
      field: 'qymc',
      currentValue: '共享测试企业3有限公司',
      proposedValue: '共享测试企业叁有限公司',
    });
    const { rows: linked } = await t.pool.query<{ objection_id: string }>(
      'SELECT objection_id FROM datong.crosscheck_conflicts WHERE id = $1',
      [conflictId],
    );
    expect(linked).toEqual([{ objection_id: o.id }]);
    const twice = await post(url, sysadmin, { orgId: providerOrg });
    expect([twice.statusCode, code(twice)]).toEqual([409, 'objection_conflict_taken']);
    const missing = await post('/api/quality/crosschecks/conflicts/999999/objection', sysadmin, {
      orgId: providerOrg,
    });
    expect([missing.statusCode, code(missing)]).toEqual([404, 'objection_conflict_not_found']);
    const fixed = await post(`/api/quality/objections/${o.id}/correct`, steward, {
      comment: '以权威来源为准',
    });
    expect(fixed.statusCode, fixed.body).toBe(200);
    expect(await stored(3, 'qymc')).toBe('共享测试企业叁有限公司');
  });
});

describe('service availability', () => {
  it('counts data-service calls and 5xx per provider organisation and day', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await signed('POST', `/api/services/grants/${grantId}/query`, { key: { uscc: uscc(2) } });
      expect(res.statusCode, res.body).toBe(200);
    }
    await serviceAvailabilityOf(t.pool).flush();
    const counts = async () =>
      (
        await t.pool.query<{ day: string; calls: number; errors: number }>(
          'SELECT day::text AS day, calls, errors FROM datong.service_availability WHERE org_id = $1 ORDER BY day',
          [providerOrg],
        )
      ).rows;
    expect(await counts()).toEqual([{ day: shanghaiDay(new Date()), calls: 3, errors: 0 }]);
    // A 5xx counts as an error; counts of another process add up; a day of its own per Shanghai day.
    const other = new ServiceAvailability(t.pool, () => new Date('2025-03-03T17:00:00Z'), 60_000);
    other.count(providerOrg, false);
    other.count(providerOrg, true);
    other.count(providerOrg, true);
    await other.flush();
    other.count(providerOrg, false);
    await other.flush();
    expect(await counts()).toEqual([
      { day: '2025-03-04', calls: 4, errors: 2 },
      { day: shanghaiDay(new Date()), calls: 3, errors: 0 },
    ]);
  });
});
