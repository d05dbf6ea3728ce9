import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, loginAs, makeUser, type MadeUser } from '../support/factories.js';

let t: TestApp;
let u: MadeUser;
beforeAll(async () => {
  t = await testApp();
  u = await makeUser(t.pool, { roles: ['member'] });
});
afterAll(async () => t?.close());

describe('cookie sessions and CSRF', () => {
  it('refuses state changes without the CSRF token and accepts them with it', async () => {
    const s = await loginAs(t.app, u.username, u.password);
    const patch = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: { cookie: s.cookie, ...headers },
        payload: { locale: 'en' },
      });
    const missing = await patch({});
    expect(missing.statusCode).toBe(403);
    expect(missing.json().code).toBe('csrf');
    const wrong = await patch({ 'x-csrf-token': `${s.csrf}x` });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().code).toBe('csrf');
    const ok = await patch({ 'x-csrf-token': s.csrf });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().locale).toBe('en');
    // Safe methods need no token.
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } })).statusCode,
    ).toBe(200);
  });

  it('needs no CSRF token with a bearer token, whose /api/me csrfToken is null', async () => {
    const token = await bearerFor(t.app, u.username, u.password);
    const auth = { authorization: `Bearer ${token}` };
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/me',
      headers: auth,
      payload: { displayName: '张三' },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json().displayName).toBe('张三');
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: auth });
    expect(me.json().csrfToken).toBeNull();
    const who = await t.app.inject({ method: 'GET', url: '/api/whoami', headers: auth });
    expect(who.json()).toMatchObject({ kind: 'user', id: u.id, via: 'token' });
    const { rows } = await t.pool.query('SELECT token_hash FROM datong.access_tokens WHERE user_id = $1', [
      u.id,
    ]);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('answers 401 for an unknown or expired session on a protected route, anonymous on a public one', async () => {
    const stale = { cookie: 'datong_session=not-a-real-session-token' };
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers: stale })).statusCode).toBe(401);
    const s = await loginAs(t.app, u.username, u.password);
    await t.pool.query("UPDATE datong.sessions SET last_seen_at = now() - interval '8 hours 1 minute'");
    const idle = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } });
    expect(idle.statusCode).toBe(401);
    // A stale cookie must not keep anyone from signing in again.
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: stale,
      payload: { username: u.username, password: u.password },
    });
    expect(again.statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/healthz', headers: { authorization: 'Bearer nope' } }))
        .statusCode,
    ).toBe(200);
  });

  it('ends sessions at the absolute limit even when active', async () => {
    const s = await loginAs(t.app, u.username, u.password);
    await t.pool.query("UPDATE datong.sessions SET expires_at = now() - interval '1 second'");
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } })).statusCode,
    ).toBe(401);
  });

  it('logout ends the session and clears the cookie', async () => {
    const s = await loginAs(t.app, u.username, u.password);
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: s.cookie },
    });
    expect(noCsrf.statusCode).toBe(403);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'datong_session')?.value).toBe('');
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: s.cookie } })).statusCode,
    ).toBe(401);
  });

  it('logout with a bearer token revokes that token only', async () => {
    const a = await bearerFor(t.app, u.username, u.password);
    const b = await bearerFor(t.app, u.username, u.password);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${a}` },
    });
    expect(out.statusCode).toBe(204);
    const me = (token: string) =>
      t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me(a)).statusCode).toBe(401);
    expect((await me(b)).statusCode).toBe(200);
  });

  it('changing the password ends the other sessions and enforces the policy', async () => {
    const v = await makeUser(t.pool);
    const mine = await loginAs(t.app, v.username, v.password);
    const other = await loginAs(t.app, v.username, v.password);
    const change = (currentPassword: string, newPassword: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/me/password',
        headers: { cookie: mine.cookie, 'x-csrf-token': mine.csrf },
        payload: { currentPassword, newPassword },
      });
    expect((await change('Not-The-Passw0rd', 'Another-Passw0rd!')).json().code).toBe('password_incorrect');
    const weak = await change(v.password, 'short');
    expect(weak.statusCode).toBe(400);
    expect(weak.json().code).toBe('password_policy');
    expect((await change(v.password, `${v.username}-X1!`)).json().code).toBe('password_policy');
    expect((await change(v.password, 'Another-Passw0rd!')).statusCode).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: mine.cookie } })).statusCode,
    ).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: other.cookie } })).statusCode,
    ).toBe(401);
    await expect(loginAs(t.app, v.username, 'Another-Passw0rd!')).resolves.toBeTruthy();
  });
});

describe('OpenAPI', () => {
  it('documents the identity routes under their tags', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ paths: Record<string, Record<string, { tags?: string[] }>> }>();
    expect(doc.paths['/api/auth/login']?.post?.tags).toEqual(['auth']);
    expect(doc.paths['/api/users/{id}/roles']?.put?.tags).toEqual(['users']);
    expect(doc.paths['/api/apps/{id}/credentials']?.post?.tags).toEqual(['apps']);
    expect(doc.paths['/api/orgs']?.get?.tags).toEqual(['orgs']);
  });
});
