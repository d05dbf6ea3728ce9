import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, freshUscc, makeOrg, makeUser, type MadeUser } from '../support/factories.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { withTx } from '../../src/platform/db/pool.js';
import { addWorkingDays } from '../../src/modules/sharing/calendar.js';
import type { SharingContext } from '../../src/modules/sharing/schemas.js';
import {
  addMonths,
  approveApplication,
  conditionalAccess,
  createApplication,
  expireApplications,
  expiryOf,
  reviewApplication,
} from '../../src/modules/opening/conditional.js';
import { OPEN_AGREEMENT } from '../../src/modules/opening/conditional-schemas.js';
import { ENTRY } from '../sharing/fixtures/world.js';

/**
 * Conditional-open applications through the real app: the applicant's form and its checks, the
 * provider's then the platform's decision, refusals with reasons, withdrawal, visibility, expiry,
 * and conditionalAccess true exactly while approved and unexpired.
 */

type Headers = Record<string, string>;
let t: TestApp;
let conditionalEntry: string;
let openEntry: string;
let providerApprover: Headers;
let otherApprover: Headers;
let sysadmin: Headers;
let citizen: Headers;
let citizenUser: MadeUser;
let stranger: Headers;
let strangerUser: MadeUser;
let approverUser: MadeUser;
let sysadminUser: MadeUser;
const COMPANY_USCC = freshUscc('440300');

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
const get = (url: string, headers: Headers = {}) => t.app.inject({ method: 'GET', url, headers });

const form = (entryId: string, extra: Record<string, unknown> = {}) => ({
  entryId,
  purpose: '企业信用评估研究',
  applicantOrgName: '深圳数智科技有限公司',
  applicantUscc: COMPANY_USCC,
  intendedUse: '仅用于内部信用模型训练，不对外提供',
  securityMeasures: '数据加密存储，专人专机访问，访问留痕',
  months: 6,
  agreementAccepted: true,
  agreementVersion: OPEN_AGREEMENT.version,
  ...extra,
});

function ctxOf(u: MadeUser): SharingContext {
  return {
    actor: {
      kind: 'user',
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      orgId: u.orgId,
      roles: u.roles,
      via: 'token',
    },
    requestId: null,
    clientIp: null,
    lang: 'zh-CN',
    services: t.services,
  };
}

async function auditActions(objectId: string): Promise<string[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ action: string }>(
    'SELECT action FROM audit.events WHERE object_id = $1 ORDER BY seq',
    [objectId],
  );
  return rows.map((r) => r.action);
}

beforeAll(async () => {
  t = await testApp();
  const provider = await makeOrg(t.pool);
  const other = await makeOrg(t.pool);
  const publicOrg = await makeOrg(t.pool, { kind: 'other' });
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return {
      user: u,
      headers: { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` },
    };
  };
  const steward = (await token(['data_steward'], provider.id)).headers;
  const approver = await token(['approver'], provider.id);
  providerApprover = approver.headers;
  approverUser = approver.user;
  otherApprover = (await token(['approver'], other.id)).headers;
  const admin = await token(['sysadmin']);
  sysadmin = admin.headers;
  sysadminUser = admin.user;
  const c = await token(['public_user'], publicOrg.id);
  citizen = c.headers;
  citizenUser = c.user;
  const s = await token(['public_user'], publicOrg.id);
  stranger = s.headers;
  strangerUser = s.user;

  const publish = async (name: string, openType: 'conditional' | 'unconditional') => {
    const made = await post('/api/catalog/entries', steward, {
      ...ENTRY,
      name,
      openType,
      openCondition: openType === 'conditional' ? '签署开放数据使用协议后开放' : null,
    } as object);
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json<{ id: string }>().id;
    expect((await post(`/api/catalog/entries/${id}/submit`, steward)).statusCode).toBe(200);
    const ok = await post(`/api/catalog/entries/${id}/approve`, sysadmin, {});
    expect(ok.statusCode, ok.body).toBe(200);
    return id;
  };
  conditionalEntry = await publish('企业信用有条件开放测试表', 'conditional');
  openEntry = await publish('企业名录无条件开放测试表', 'unconditional');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('the application form', () => {
  it('publishes the agreement with its version, without sign-in', async () => {
    const res = await get('/api/open/applications/agreement');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(OPEN_AGREEMENT);
  });

  it('refuses a bad USCC, an unaccepted or outdated agreement, and an entry that is not conditional', async () => {
    const badUscc = COMPANY_USCC.slice(0, 17) + (COMPANY_USCC[17] === '0' ? '1' : '0');
    const r1 = await post(
      '/api/open/applications',
      citizen,
      form(conditionalEntry, { applicantUscc: badUscc }),
    );
    expect(r1.statusCode).toBe(400);
    expect(r1.json()).toMatchObject({ code: 'open_uscc_invalid' });
    const r2 = await post(
      '/api/open/applications',
      citizen,
      form(conditionalEntry, { agreementAccepted: false }),
    );
    expect(r2.statusCode).toBe(400);
    expect(r2.json()).toMatchObject({ code: 'open_agreement_required' });
    const r3 = await post(
      '/api/open/applications',
      citizen,
      form(conditionalEntry, { agreementVersion: '2000-1' }),
    );
    expect(r3.statusCode).toBe(409);
    expect(r3.json()).toMatchObject({ code: 'open_agreement_outdated' });
    const r4 = await post('/api/open/applications', citizen, form(openEntry));
    expect(r4.statusCode).toBe(409);
    expect(r4.json()).toMatchObject({ code: 'open_not_conditional' });
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM datong.open_applications');
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('is for public users only', async () => {
    const res = await post('/api/open/applications', providerApprover, form(conditionalEntry));
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'forbidden' });
  });
});

describe('provider, then platform', () => {
  let id: string;

  it('submits with the provider’s deadline of 10 working days', async () => {
    const before = new Date();
    const res = await post('/api/open/applications', citizen, form(conditionalEntry));
    expect(res.statusCode, res.body).toBe(201);
    const a = res.json<Record<string, unknown>>();
    id = a.id as string;
    expect(a).toMatchObject({
      status: 'submitted',
      entryId: conditionalEntry,
      entryName: '企业信用有条件开放测试表',
      applicantUserId: citizenUser.id,
      applicantOrgName: '深圳数智科技有限公司',
      applicantUscc: COMPANY_USCC,
      months: 6,
      grantedMonths: null,
      agreementVersion: OPEN_AGREEMENT.version,
      active: false,
      expiresAt: null,
      workingDaysLeft: 10,
    });
    expect(a.dueAt).toBe((await addWorkingDays(t.pool, before, 10)).toISOString());
    expect((a.events as { action: string }[]).map((e) => e.action)).toEqual(['submit']);
  });

  it('refuses a second undecided application for the same entry', async () => {
    const res = await post('/api/open/applications', citizen, form(conditionalEntry));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'open_application_pending' });
  });

  it('shows it to the applicant, the provider and the platform only', async () => {
    expect((await get(`/api/open/applications/${id}`, citizen)).statusCode).toBe(200);
    expect((await get(`/api/open/applications/${id}`, providerApprover)).statusCode).toBe(200);
    expect((await get(`/api/open/applications/${id}`, sysadmin)).statusCode).toBe(200);
    expect((await get(`/api/open/applications/${id}`, stranger)).statusCode).toBe(404);
    expect((await get(`/api/open/applications/${id}`, otherApprover)).statusCode).toBe(404);
    const inbox = await get('/api/open/applications?box=inbox', providerApprover);
    expect(inbox.json<{ items: { id: string }[] }>().items.map((x) => x.id)).toEqual([id]);
    const otherInbox = await get('/api/open/applications?box=inbox', otherApprover);
    expect(otherInbox.json<{ items: unknown[] }>().items).toEqual([]);
    const mine = await get('/api/open/applications/mine', citizen);
    expect(mine.json<{ items: { id: string }[] }>().items.map((x) => x.id)).toEqual([id]);
    expect((await get('/api/open/applications/mine', stranger)).json()).toEqual({
      items: [],
      nextCursor: null,
    });
    expect((await get('/api/open/applications?box=review', providerApprover)).statusCode).toBe(403);
  });

  it('lets only the provider decide first', async () => {
    const early = await post(`/api/open/applications/${id}/review`, sysadmin, { decision: 'approve' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'open_illegal_transition' });
    expect((await post(`/api/open/applications/${id}/approve`, otherApprover, {})).statusCode).toBe(404);
    const tooLong = await post(`/api/open/applications/${id}/approve`, providerApprover, { months: 12 });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toMatchObject({ code: 'open_months_invalid' });
  });

  it('goes to the platform once the provider approves, without access yet', async () => {
    const res = await post(`/api/open/applications/${id}/approve`, providerApprover, {
      months: 3,
      comment: '同意，期限 3 个月',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'provider_approved',
      providerDecision: 'approve',
      providerReason: '同意，期限 3 个月',
      grantedMonths: 3,
      active: false,
      workingDaysLeft: 5,
    });
    expect(await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, new Date())).toBe(false);
    const queue = await get('/api/open/applications?box=review', sysadmin);
    expect(queue.json<{ items: { id: string }[] }>().items.map((x) => x.id)).toEqual([id]);
  });

  it('grants access until the end of the granted months once the platform approves', async () => {
    const res = await post(`/api/open/applications/${id}/review`, sysadmin, { decision: 'approve' });
    expect(res.statusCode, res.body).toBe(200);
    const a = res.json<{
      status: string;
      expiresAt: string;
      active: boolean;
      events: { action: string }[];
    }>();
    expect(a.status).toBe('approved');
    expect(a.active).toBe(true);
    expect(a.expiresAt).toBe(expiryOf(new Date(), 3).toISOString());
    expect(a.events.map((e) => e.action)).toEqual(['submit', 'approve', 'review_approve']);
    const expires = new Date(a.expiresAt);
    expect(await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, new Date())).toBe(true);
    expect(
      await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, new Date(expires.getTime() - 1)),
    ).toBe(true);
    expect(await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, expires)).toBe(false);
    // Only the applicant, only this entry.
    expect(await conditionalAccess(t.pool, strangerUser.id, conditionalEntry, new Date())).toBe(false);
    expect(await conditionalAccess(t.pool, citizenUser.id, openEntry, new Date())).toBe(false);
    expect(await auditActions(id)).toEqual(['open.apply', 'open.approve', 'open.review']);
  });

  it('cannot be withdrawn once decided', async () => {
    const res = await post(`/api/open/applications/${id}/withdraw`, citizen, {});
    expect(res.statusCode).toBe(409);
  });

  it('expires: the job marks it, and access ends', async () => {
    const { rows } = await t.pool.query<{ expires_at: Date }>(
      'SELECT expires_at FROM datong.open_applications WHERE id = $1',
      [id],
    );
    const at = rows[0]!.expires_at;
    expect(await expireApplications(t.services, new Date(at.getTime() - 1))).toEqual([]);
    expect(await expireApplications(t.services, at)).toEqual([id]);
    const after = await get(`/api/open/applications/${id}`, citizen);
    expect(after.json()).toMatchObject({ status: 'expired', active: false });
    expect(after.json<{ events: { action: string }[] }>().events.map((e) => e.action)).toEqual([
      'submit',
      'approve',
      'review_approve',
      'expire',
    ]);
    expect(await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, new Date())).toBe(false);
    expect(await auditActions(id)).toEqual(['open.apply', 'open.approve', 'open.review', 'open.expire']);
  });
});

describe('refusals and withdrawal', () => {
  it('the provider refuses with a reason (none: 400)', async () => {
    const made = await post('/api/open/applications', citizen, form(conditionalEntry));
    expect(made.statusCode, made.body).toBe(201);
    const id = made.json<{ id: string }>().id;
    const noReason = await post(`/api/open/applications/${id}/refuse`, providerApprover, { reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json()).toMatchObject({ code: 'open_reason_required' });
    const res = await post(`/api/open/applications/${id}/refuse`, providerApprover, {
      reason: '安全保护措施描述不充分',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'refused',
      providerDecision: 'refuse',
      providerReason: '安全保护措施描述不充分',
      platformDecision: null,
      expiresAt: null,
    });
    expect(await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, new Date())).toBe(false);
    const { rows } = await t.pool.query<{ kind: string; payload: Record<string, unknown> }>(
      `SELECT kind, payload FROM datong.notifications WHERE recipient_user_id = $1 AND payload->>'applicationId' = $2`,
      [citizenUser.id, id],
    );
    expect(rows).toEqual([
      {
        kind: 'open.decided',
        payload: {
          applicationId: id,
          entryId: conditionalEntry,
          entryName: '企业信用有条件开放测试表',
          status: 'refused',
          reason: '安全保护措施描述不充分',
        },
      },
    ]);
  });

  it('the platform refuses with a reason after the provider approved', async () => {
    const id = (await post('/api/open/applications', citizen, form(conditionalEntry))).json<{ id: string }>()
      .id;
    expect((await post(`/api/open/applications/${id}/approve`, providerApprover, {})).statusCode).toBe(200);
    const noReason = await post(`/api/open/applications/${id}/review`, sysadmin, { decision: 'refuse' });
    expect(noReason.statusCode).toBe(400);
    const res = await post(`/api/open/applications/${id}/review`, sysadmin, {
      decision: 'refuse',
      reason: '用途与数据开放条件不符',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'refused',
      providerDecision: 'approve',
      grantedMonths: 6,
      platformDecision: 'refuse',
      platformReason: '用途与数据开放条件不符',
      expiresAt: null,
      active: false,
    });
    expect(await conditionalAccess(t.pool, citizenUser.id, conditionalEntry, new Date())).toBe(false);
  });

  it('the applicant withdraws an undecided application; nobody else may', async () => {
    const id = (await post('/api/open/applications', citizen, form(conditionalEntry))).json<{ id: string }>()
      .id;
    expect((await post(`/api/open/applications/${id}/withdraw`, stranger, {})).statusCode).toBe(404);
    const res = await post(`/api/open/applications/${id}/withdraw`, citizen, { reason: '项目暂停' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn', withdrawReason: '项目暂停' });
    const mine = await get('/api/open/applications/mine', citizen);
    expect(mine.json<{ items: { status: string }[] }>().items.map((x) => x.status)).toEqual([
      'withdrawn',
      'refused',
      'refused',
      'expired',
    ]);
  });
});

describe('terms and expiry instants', () => {
  it('adds months clamped to the month’s end, ending at 24:00 Asia/Shanghai', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2025-11-15', 3)).toBe('2026-02-15');
    expect(addMonths('2025-12-31', 12)).toBe('2026-12-31');
    // 2025-01-31 10:00 in Shanghai + 1 month → the end of 2025-02-28 in Shanghai.
    expect(expiryOf(new Date('2025-01-31T02:00:00Z'), 1).toISOString()).toBe('2025-02-28T15:59:59.999Z');
    // 23:30 on 2025-01-31 in Shanghai is still the 31st there (15:30 UTC).
    expect(expiryOf(new Date('2025-01-31T15:30:00Z'), 1).toISOString()).toBe('2025-02-28T15:59:59.999Z');
  });

  it('runs the whole lifecycle on a fixed clock: access exactly from approval to expiry', async () => {
    const approvedAt = new Date('2025-01-31T02:00:00Z');
    const other = await makeUser(t.pool, { roles: ['public_user'], orgId: citizenUser.orgId });
    const app = await withTx(t.pool, (tx) =>
      createApplication(ctxOf(other), tx, form(conditionalEntry, { months: 1 }) as never, {
        now: approvedAt,
      }),
    );
    await withTx(t.pool, (tx) =>
      approveApplication(ctxOf(approverUser), tx, app.id, {}, { now: approvedAt }),
    );
    const done = await withTx(t.pool, (tx) =>
      reviewApplication(ctxOf(sysadminUser), tx, app.id, { decision: 'approve' }, { now: approvedAt }),
    );
    expect(done.expiresAt).toBe('2025-02-28T15:59:59.999Z');
    const at = (iso: string) => conditionalAccess(t.pool, other.id, conditionalEntry, new Date(iso));
    expect(await at('2025-01-31T02:00:00.000Z')).toBe(true);
    expect(await at('2025-02-28T15:59:59.998Z')).toBe(true);
    expect(await at('2025-02-28T15:59:59.999Z')).toBe(false);
    expect(await expireApplications(t.services, new Date('2025-02-28T16:00:00Z'))).toEqual([app.id]);
    expect(await at('2025-02-01T00:00:00.000Z')).toBe(false);
  });
});
