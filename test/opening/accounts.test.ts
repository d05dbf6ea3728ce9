import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { idNumberWithCheck, usccWithCheck } from '../../src/platform/validators/index.js';
import { subjectHashOf } from '../../src/modules/sharing/services.js';
import { enableDemoVerification, RegistrationLimiter } from '../../src/modules/opening/accounts.js';

/**
 * Public accounts through the real app: self-registration (field errors in zh-CN and en, a taken
 * username, invalid numbers), where the number goes (only its hash and a masked form), the
 * administrator's verification, demo-node verification, and the per-address rate limit.
 */

let t: TestApp;
let sysadmin: Record<string, string>;
let ipSeq = 0;
/** Each registration from its own address, so that the rate limit does not interfere. */
const freshIp = () => `10.1.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`;

const ID = idNumberWithCheck('44010619900307123');
const USCC = usccWithCheck('91440106MA5CXYW01');
const PASSWORD = 'Gongzhong-2026!';

function register(body: object, opts: { lang?: string; ip?: string } = {}) {
  return t.app.inject({
    method: 'POST',
    url: '/api/public/register',
    payload: body,
    remoteAddress: opts.ip ?? freshIp(),
    headers: opts.lang ? { 'accept-language': opts.lang } : {},
  });
}

const person = (username: string, idNumber = ID) => ({
  username,
  password: PASSWORD,
  displayName: '林小雨',
  kind: 'person',
  idNumber,
});

async function events(action: string, objectId: string) {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{
    actor_type: string;
    client_ip: string | null;
    detail: Record<string, unknown>;
  }>(
    'SELECT actor_type, client_ip, detail FROM audit.events WHERE action = $1 AND object_id = $2 ORDER BY seq',
    [action, objectId],
  );
  return rows;
}

beforeAll(async () => {
  t = await testApp();
  const admin = await makeUser(t.pool, { roles: ['sysadmin'] });
  sysadmin = { authorization: `Bearer ${await bearerFor(t.app, admin.username, admin.password)}` };
}, 60_000);
afterAll(async () => t?.close());

describe('registration', () => {
  let userId: string;

  it('makes an unverified public_user in the public organisation, keeping only hash and mask', async () => {
    const res = await register({ ...person('lin.xiaoyu'), phone: '13800138000', email: 'Lin@Example.cn' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<Record<string, unknown>>();
    userId = body.userId as string;
    expect(body).toEqual({
      userId,
      username: 'lin.xiaoyu',
      displayName: '林小雨',
      kind: 'person',
      subjectMasked: `4401**********${ID.slice(-4)}`,
      phone: '13800138000',
      email: 'Lin@example.cn',
      verified: false,
      verifiedAt: null,
      verificationMethod: null,
      createdAt: body.createdAt,
    });
    const { rows } = await t.pool.query<{ org: string; kind: string; roles: string[]; account: string }>(
      `SELECT o.name AS org, o.kind, array_agg(r.role) AS roles, row_to_json(a)::text AS account
         FROM datong.users u JOIN datong.orgs o ON o.id = u.org_id
         JOIN datong.user_roles r ON r.user_id = u.id
         JOIN datong.public_accounts a ON a.user_id = u.id
        WHERE u.id = $1 GROUP BY o.name, o.kind, a.*`,
      [userId],
    );
    expect(rows[0]).toMatchObject({ org: '社会公众', kind: 'other', roles: ['public_user'] });
    // The number is nowhere in clear: the account row holds its keyed hash, as the audit does.
    expect(rows[0]!.account).not.toContain(ID);
    expect(rows[0]!.account).toContain(subjectHashOf(t.services.identity, ID));

    // The account signs in like any other and sees itself.
    const token = await bearerFor(t.app, 'lin.xiaoyu', PASSWORD);
    const me = await t.app.inject({ url: '/api/public/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual(body);

    const audit = await events('public.register', userId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor_type: 'anonymous',
      detail: {
        username: 'lin.xiaoyu',
        kind: 'person',
        subject: subjectHashOf(t.services.identity, ID),
        verification: 'pending',
      },
    });
    expect(JSON.stringify(audit[0]!.detail)).not.toContain(ID);
    expect(await events('user.create', userId)).toHaveLength(1);
  });

  it('answers every field problem at once, in zh-CN by default', async () => {
    const res = await register({
      username: '-x',
      password: 'short',
      displayName: '  ',
      kind: 'person',
      idNumber: `${ID.slice(0, 17)}${ID.endsWith('0') ? '1' : '0'}`,
      uscc: USCC,
      phone: '12345',
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ code: string; title: string; errors: unknown[] }>();
    expect(body.code).toBe('registration_invalid');
    expect(body.title).toBe('注册信息有误，请按提示修改');
    expect(body.errors).toEqual([
      {
        path: '/username',
        message: '用户名为 2–64 位字母、数字、点、下划线或连字符，以字母或数字开头',
      },
      { path: '/displayName', message: '请填写姓名或名称' },
      { path: '/password', message: '密码至少需要 10 位' },
      { path: '/password', message: '需包含大写字母、小写字母、数字、符号中的至少三类' },
      { path: '/uscc', message: '个人注册不填写统一社会信用代码' },
      { path: '/idNumber', message: '公民身份号码校验码错误' },
      { path: '/phone', message: '不是有效的手机号码（中国大陆 11 位，以 13–19 开头，可带 +86）' },
    ]);
  });

  it('answers them in English when asked', async () => {
    const res = await register(
      { username: 'acme', password: PASSWORD, displayName: 'Acme', kind: 'company', uscc: 'ABC' },
      { lang: 'en' },
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'registration_invalid',
      title: 'The registration has errors; please correct them',
      errors: [{ path: '/uscc', message: 'A unified social credit code has 18 characters' }],
    });
    const missing = await register({ ...person('nobody'), idNumber: undefined }, { lang: 'en' });
    expect(missing.json<{ errors: unknown[] }>().errors).toEqual([
      { path: '/idNumber', message: 'A person registers with a citizen identity number (公民身份号码)' },
    ]);
    const badId = await register(person('nobody', '44010619901332123X'), { lang: 'en' });
    expect(badId.json<{ errors: unknown[] }>().errors).toEqual([
      { path: '/idNumber', message: 'The birth date in the identity number is not a real date' },
    ]);
  });

  it('refuses a taken username, whatever its case', async () => {
    const res = await register(person('LIN.XIAOYU', idNumberWithCheck('44010619850101001')), { lang: 'en' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'username_taken',
      title: 'The username LIN.XIAOYU is taken',
      errors: [{ path: '/username', message: 'The username LIN.XIAOYU is taken' }],
    });
  });

  it('registers a company by its 统一社会信用代码', async () => {
    const res = await register({
      username: 'acme-co',
      password: PASSWORD,
      displayName: '广州测试科技有限公司',
      kind: 'company',
      uscc: USCC.toLowerCase(),
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'company',
      subjectMasked: `9144**********${USCC.slice(-4)}`,
      verified: false,
    });
    const { rows } = await t.pool.query(
      'SELECT subject_hash FROM datong.public_accounts WHERE user_id = $1',
      [res.json<{ userId: string }>().userId],
    );
    expect(rows[0]).toEqual({ subject_hash: subjectHashOf(t.services.identity, USCC) });
  });

  it('limits registration attempts per address (429 with Retry-After)', async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < 5; i++) {
      const res = await register({ ...person(`burst${i}`), idNumber: 'x' }, { ip });
      expect(res.statusCode).toBe(400);
    }
    const sixth = await register(person('burst5', idNumberWithCheck('44010619850101002')), { ip });
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json()).toMatchObject({ code: 'registration_rate_limited' });
    const wait = Number(sixth.headers['retry-after']);
    expect(wait).toBeGreaterThan(500);
    expect(wait).toBeLessThanOrEqual(600);
    // Another address is not held back.
    expect((await register(person('burst6', idNumberWithCheck('44010619850101003')))).statusCode).toBe(201);
  });

  it('counts attempts in a fixed window per address', () => {
    const limiter = new RegistrationLimiter(2, 1000);
    expect([limiter.take('a', 0), limiter.take('a', 10), limiter.take('a', 20)]).toEqual([0, 0, 1]);
    expect(limiter.take('b', 20)).toBe(0);
    expect(limiter.take('a', 1000)).toBe(0);
  });

  describe('verification by an administrator', () => {
    const verify = (id: string, number: string, headers: Record<string, string>, lang = 'zh-CN') =>
      t.app.inject({
        method: 'POST',
        url: `/api/public/users/${id}/verify`,
        headers: { ...headers, 'accept-language': lang },
        payload: { number },
      });

    it('lists the accounts waiting for it', async () => {
      const res = await t.app.inject({ url: '/api/public/users', headers: sysadmin });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ items: { username: string }[] }>().items.map((a) => a.username)).toEqual([
        'lin.xiaoyu',
        'acme-co',
        'burst6',
      ]);
    });

    it('refuses a number other than the registered one, and a caller outside the public organisation', async () => {
      const wrong = await verify(userId, idNumberWithCheck('44010619900307124'), sysadmin, 'en');
      expect(wrong.statusCode).toBe(409);
      expect(wrong.json()).toMatchObject({
        code: 'subject_mismatch',
        title: 'The number given does not match the one the account registered with',
      });
      const orgAdmin = await makeUser(t.pool, { roles: ['org_admin'], orgId: (await makeOrg(t.pool)).id });
      const other = await verify(userId, ID, {
        authorization: `Bearer ${await bearerFor(t.app, orgAdmin.username, orgAdmin.password)}`,
      });
      expect(other.statusCode).toBe(403);
      expect(other.json()).toMatchObject({ code: 'public_org_out_of_scope' });
      const staff = await makeUser(t.pool, { roles: ['member'] });
      const notPublic = await verify(staff.id, ID, sysadmin);
      expect(notPublic.statusCode).toBe(404);
      expect(notPublic.json()).toMatchObject({ code: 'not_public_account', title: '该用户不是公众账号' });
    });

    it('verifies with the number read from the document, once, and audits it', async () => {
      const res = await verify(userId, ID.toLowerCase(), sysadmin);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ userId, verified: true, verificationMethod: 'admin' });
      expect(new Date(res.json<{ verifiedAt: string }>().verifiedAt).getTime()).toBeGreaterThan(
        Date.now() - 60_000,
      );
      const again = await verify(userId, ID, sysadmin);
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'already_verified' });
      const audit = await events('public.verify', userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        actor_type: 'user',
        detail: { username: 'lin.xiaoyu', kind: 'person', method: 'admin' },
      });
    });

    it('verifies a second account with the same number only when the first is gone', async () => {
      const twin = await register(person('lin-twin'));
      expect(twin.statusCode).toBe(201);
      const res = await verify(twin.json<{ userId: string }>().userId, ID, sysadmin);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'subject_registered' });
    });
  });

  it('verifies at registration on a demo node, one account per number', async () => {
    await enableDemoVerification(t.pool);
    const number = idNumberWithCheck('44030419791231456');
    const res = await register(person('demo.person', number));
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ verified: true, verificationMethod: 'demo' });
    const dup = await register(person('demo.other', number), { lang: 'en' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({
      code: 'subject_registered',
      title: 'Another account has already been verified with this number',
    });
    const { rowCount } = await t.pool.query("SELECT 1 FROM datong.users WHERE username = 'demo.other'");
    expect(rowCount).toBe(0);
  });
});
