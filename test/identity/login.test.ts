import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { loginAs, makeUser, type MadeUser } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => t?.close());

const login = (username: string, password: string, lang = 'en') =>
  t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    headers: { 'accept-language': lang },
    payload: { username, password },
  });

async function loginEvents(userId: string | null, username: string) {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{
    result: string;
    object_id: string | null;
    detail: Record<string, unknown>;
  }>(
    `SELECT result, object_id, detail FROM audit.events
      WHERE action = 'auth.login' AND (object_id = $1 OR detail->>'username' = $2) ORDER BY seq`,
    [userId, username],
  );
  return rows;
}

describe('sign-in', () => {
  it('returns Me and a CSRF token and sets a strict httpOnly cookie', async () => {
    const u = await makeUser(t.pool, { roles: ['org_admin'] });
    const res = await login(u.username, u.password);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.user).toMatchObject({
      id: u.id,
      username: u.username,
      orgId: u.orgId,
      roles: ['org_admin'],
      locale: 'zh-CN',
    });
    expect(body.user.permissions).toContain('user.manage');
    expect(typeof body.user.orgName).toBe('string');
    expect(body.csrfToken).toMatch(/^[\w-]{20,}$/);
    const cookie = res.cookies.find((c) => c.name === 'datong_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.secure).toBeFalsy();
    // The stored session holds only the token's hash.
    const { rows } = await t.pool.query('SELECT token_hash FROM datong.sessions WHERE user_id = $1', [u.id]);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0].token_hash).toString('base64url')).not.toBe(cookie?.value);

    const me = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: `datong_session=${cookie?.value}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: u.id, csrfToken: body.csrfToken });
  });

  it('marks the cookie Secure behind HTTPS', async () => {
    // Behind a trusted TLS-terminating proxy, X-Forwarded-Proto tells Fastify the request was HTTPS.
    process.env.DATONG_TRUST_PROXY = '1';
    const behindProxy = await testApp().finally(() => delete process.env.DATONG_TRUST_PROXY);
    try {
      const v = await makeUser(behindProxy.pool);
      const res = await behindProxy.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'x-forwarded-proto': 'https' },
        payload: { username: v.username, password: v.password },
      });
      expect(res.statusCode).toBe(200);
      expect(res.cookies.find((c) => c.name === 'datong_session')?.secure).toBe(true);
    } finally {
      await behindProxy.close();
    }
  });

  it('answers unknown users and wrong passwords alike, and records both', async () => {
    const u = await makeUser(t.pool);
    const wrong = await login(u.username, 'Wrong-Passw0rd!');
    const unknown = await login('nobody_here', 'Wrong-Passw0rd!');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().code).toBe('invalid_credentials');
    expect(unknown.json().code).toBe('invalid_credentials');
    expect(wrong.json().title).toBe(unknown.json().title);
    const zh = await login('nobody_here', 'x', 'zh-CN');
    expect(zh.json().title).toBe('用户名或密码错误');

    const events = await loginEvents(u.id, u.username);
    expect(events.at(-1)).toMatchObject({ result: 'failure', detail: { reason: 'wrong_password' } });
    const unknownEvents = await loginEvents(null, 'nobody_here');
    expect(unknownEvents[0]).toMatchObject({
      result: 'failure',
      object_id: null,
      detail: { reason: 'unknown_user' },
    });
    for (const e of [...events, ...unknownEvents])
      expect(JSON.stringify(e.detail)).not.toContain('Wrong-Passw0rd');
  });

  it('refuses disabled accounts like a wrong password', async () => {
    const u = await makeUser(t.pool, { disabled: true });
    const res = await login(u.username, u.password);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('invalid_credentials');
  });

  it('matches usernames whatever their case', async () => {
    const u = await makeUser(t.pool);
    expect((await login(u.username.toUpperCase(), u.password)).statusCode).toBe(200);
  });
});

describe('lockout', () => {
  let u: MadeUser;
  beforeAll(async () => {
    u = await makeUser(t.pool);
  });

  it('locks the account for 15 minutes after 5 consecutive failures', async () => {
    for (let i = 1; i <= 4; i++) expect((await login(u.username, `Bad-Guess-${i}!x`)).statusCode).toBe(401);
    const fifth = await login(u.username, 'Bad-Guess-5!x');
    expect(fifth.statusCode).toBe(423);
    expect(fifth.json().code).toBe('account_locked');
    expect(Number(fifth.headers['retry-after'])).toBeGreaterThan(14 * 60);
    const { rows } = await t.pool.query<{ locked_until: Date }>(
      'SELECT locked_until FROM datong.users WHERE id = $1',
      [u.id],
    );
    const until = rows[0]!.locked_until;
    expect(until.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(until.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);
    expect(fifth.json().title).toContain(until.toISOString());

    // Even the right password is refused while locked.
    const locked = await login(u.username, u.password);
    expect(locked.statusCode).toBe(423);

    const events = await loginEvents(u.id, u.username);
    expect(events).toHaveLength(6);
    expect(events.every((e) => e.result === 'failure')).toBe(true);
    expect(events[4]?.detail).toMatchObject({ reason: 'wrong_password', failedLogins: 5 });
    expect(events[5]?.detail).toMatchObject({ reason: 'locked' });
  });

  it('lets the user in once the lock has run out, and resets the counter', async () => {
    await t.pool.query("UPDATE datong.users SET locked_until = now() - interval '1 second' WHERE id = $1", [
      u.id,
    ]);
    const res = await login(u.username, u.password);
    expect(res.statusCode).toBe(200);
    const { rows } = await t.pool.query(
      'SELECT failed_logins, locked_until, last_login_at FROM datong.users WHERE id = $1',
      [u.id],
    );
    expect(rows[0]).toMatchObject({ failed_logins: 0, locked_until: null });
    expect(rows[0].last_login_at).toBeInstanceOf(Date);
    const events = await loginEvents(u.id, u.username);
    expect(events.at(-1)).toMatchObject({ result: 'success', object_id: u.id });
  });

  it('a success in between restarts the count', async () => {
    const v = await makeUser(t.pool);
    for (let i = 0; i < 4; i++) await login(v.username, 'Bad-Guess-0!x');
    expect((await login(v.username, v.password)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(v.username, 'Bad-Guess-0!x')).statusCode).toBe(401);
  });

  it('an administrator can clear a lockout', async () => {
    const v = await makeUser(t.pool);
    const admin = await makeUser(t.pool, { roles: ['org_admin'], orgId: v.orgId });
    for (let i = 0; i < 5; i++) await login(v.username, 'Bad-Guess-0!x');
    expect((await login(v.username, v.password)).statusCode).toBe(423);
    const s = await loginAs(t.app, admin.username, admin.password);
    const listed = await t.app.inject({
      method: 'GET',
      url: `/api/users/${v.id}`,
      headers: { cookie: s.cookie },
    });
    expect(listed.json().lockedUntil).not.toBeNull();
    const unlock = await t.app.inject({
      method: 'POST',
      url: `/api/users/${v.id}/unlock`,
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(unlock.statusCode).toBe(200);
    expect(unlock.json().lockedUntil).toBeNull();
    expect((await login(v.username, v.password)).statusCode).toBe(200);
  });
});
