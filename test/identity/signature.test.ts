import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeUser } from '../support/factories.js';
import { canonicalQuery, signRequest, signingKeyOf } from '../../src/platform/auth/signature.js';

let t: TestApp;
let dev: Record<string, string>;
let appId: string;

beforeAll(async () => {
  t = await testApp();
  const u = await makeUser(t.pool, { roles: ['developer'] });
  dev = { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/apps',
    headers: dev,
    payload: { name: '签名测试应用' },
  });
  appId = res.json().id;
});
afterAll(async () => t?.close());

async function issue(payload: Record<string, unknown> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/apps/${appId}/credentials`,
    headers: dev,
    payload,
  });
  expect(res.statusCode).toBe(201);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.json<{ keyId: string; secret: string; expiresAt: string | null }>();
}

interface Call {
  keyId: string;
  secret: string;
  method?: 'GET' | 'POST';
  path?: string;
  query?: Record<string, string>;
  body?: string;
  timestamp?: number;
  nonce?: string;
  /** What is actually sent, when it differs from what was signed. */
  sendQuery?: string;
  sendBody?: string;
}

function signed(c: Call) {
  const method = c.method ?? 'GET';
  const path = c.path ?? '/api/whoami';
  const headers = signRequest({
    method,
    path,
    query: c.query,
    body: c.body,
    keyId: c.keyId,
    secret: c.secret,
    timestamp: c.timestamp,
    nonce: c.nonce,
  });
  const qs = c.sendQuery ?? new URLSearchParams(c.query ?? {}).toString();
  const body = c.sendBody ?? c.body;
  return {
    headers,
    send: () =>
      t.app.inject({
        method,
        url: qs ? `${path}?${qs}` : path,
        headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { payload: body } : {}),
      }),
  };
}

const now = () => Math.floor(Date.now() / 1000);

describe('application request signatures', () => {
  it('accepts a correctly signed request as the app, and refuses its replay', async () => {
    const cred = await issue({ expiresInDays: 30 });
    expect(new Date(cred.expiresAt!).getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const req = signed({ ...cred, query: { b: '2', a: '1 & 2' } });
    const ok = await req.send();
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ kind: 'app', id: appId, keyId: cred.keyId, name: '签名测试应用' });
    const replay = await req.send();
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('signature_replayed');
    const { rows } = await t.pool.query(
      'SELECT count(*)::int AS n FROM datong.request_nonces WHERE key_id = $1',
      [cred.keyId],
    );
    expect(rows[0].n).toBe(1);
  });

  it('lets exactly one of several concurrent copies of a request through (claims are grouped)', async () => {
    const cred = await issue();
    const req = signed({ ...cred });
    const others = Array.from({ length: 5 }, () => signed({ ...cred }));
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => req.send()),
      ...others.map((o) => o.send()),
    ]);
    const copies = answers.slice(0, 8).map((a) => a.statusCode);
    expect(copies.filter((c) => c === 200)).toHaveLength(1);
    expect(copies.filter((c) => c === 401)).toHaveLength(7);
    expect(answers.slice(8).map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
  });

  it('refuses timestamps more than 300 s away and accepts 299 s', async () => {
    const cred = await issue();
    for (const skew of [-301, 301]) {
      const res = await signed({ ...cred, timestamp: now() + skew }).send();
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('signature_expired');
    }
    for (const skew of [-299, 299])
      expect((await signed({ ...cred, timestamp: now() + skew }).send()).statusCode).toBe(200);
  });

  it('refuses a tampered body, query, path or method', async () => {
    const cred = await issue();
    const body = JSON.stringify({ purpose: '核验' });
    const post = (over: Partial<Call>) =>
      signed({ ...cred, method: 'POST', path: '/api/auth/logout', body, ...over }).send();
    expect((await post({})).statusCode).toBe(204);
    const tamperedBody = await post({ sendBody: JSON.stringify({ purpose: '导出' }) });
    expect(tamperedBody.statusCode).toBe(401);
    expect(tamperedBody.json().code).toBe('signature_invalid');
    const tamperedQuery = await signed({ ...cred, query: { page: '1' }, sendQuery: 'page=2' }).send();
    expect(tamperedQuery.json().code).toBe('signature_invalid');
    const addedQuery = await signed({ ...cred, sendQuery: 'admin=1' }).send();
    expect(addedQuery.json().code).toBe('signature_invalid');
    // The same parameters in another order are the same canonical query.
    expect(
      (await signed({ ...cred, query: { x: '1', y: '2' }, sendQuery: 'y=2&x=1' }).send()).statusCode,
    ).toBe(200);
    const otherPath = await signed({ ...cred, path: '/api/me' });
    const res = await t.app.inject({ method: 'GET', url: '/api/whoami', headers: otherPath.headers });
    expect(res.json().code).toBe('signature_invalid');
  });

  it('refuses wrong secrets, unknown keys and malformed headers', async () => {
    const cred = await issue();
    expect((await signed({ ...cred, secret: `${cred.secret}x` }).send()).json().code).toBe(
      'signature_invalid',
    );
    expect((await signed({ ...cred, keyId: 'dk_unknown0000' }).send()).json().code).toBe('signature_invalid');
    expect((await signed({ ...cred, nonce: 'short' }).send()).json().code).toBe('signature_invalid');
    const partial = await t.app.inject({
      method: 'GET',
      url: '/api/whoami',
      headers: { 'x-datong-key': cred.keyId },
    });
    expect(partial.statusCode).toBe(401);
    expect(partial.json().code).toBe('signature_invalid');
  });

  it('refuses revoked and expired credentials', async () => {
    const revoked = await issue();
    expect((await signed(revoked).send()).statusCode).toBe(200);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/apps/${appId}/credentials/${revoked.keyId}`,
      headers: dev,
    });
    expect(del.statusCode).toBe(204);
    const after = await signed(revoked).send();
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('signature_invalid');

    const expired = await issue();
    await t.pool.query(
      "UPDATE datong.app_credentials SET expires_at = now() - interval '1 second' WHERE key_id = $1",
      [expired.keyId],
    );
    expect((await signed(expired).send()).json().code).toBe('signature_invalid');

    const listed = async () => {
      const list = await t.app.inject({ method: 'GET', url: `/api/apps/${appId}/credentials`, headers: dev });
      expect(list.body).not.toContain(revoked.secret);
      return list.json().items.find((c: { keyId: string }) => c.keyId === revoked.keyId);
    };
    expect((await listed()).revokedAt).not.toBeNull();
    // last_used_at is written off the request path, so it may land a moment later.
    await expect.poll(async () => (await listed()).lastUsedAt).not.toBeNull();

    await t.services.ledger.flush();
    const events = await t.pool.query(
      "SELECT action, detail::text AS detail FROM audit.events WHERE action LIKE 'app.credential.%' AND object_id = $1",
      [appId],
    );
    expect(events.rows.map((r) => r.action)).toContain('app.credential.revoke');
    for (const r of events.rows) expect(r.detail).not.toContain(revoked.secret);
  });

  it('shows the secret once and stores neither it nor the signing key in clear', async () => {
    const cred = await issue();
    const signingKeyHex = signingKeyOf(cred.secret).toString('hex');
    const { rows: tables } = await t.pool.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
        WHERE table_schema IN ('datong', 'audit') AND table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(5);
    for (const { schema, name } of tables) {
      const { rows } = await t.pool.query<{ row: string }>(
        `SELECT t::text AS row FROM "${schema}"."${name}" t`,
      );
      for (const { row } of rows) {
        expect(row).not.toContain(cred.secret);
        expect(row).not.toContain(cred.secret.slice(4, 30));
        expect(row).not.toContain(signingKeyHex);
      }
    }
    const sealed = await t.pool.query(
      'SELECT signing_key_sealed FROM datong.app_credentials WHERE key_id = $1',
      [cred.keyId],
    );
    expect(t.services.identity.open(sealed.rows[0].signing_key_sealed).toString('hex')).toBe(signingKeyHex);
  });
});

describe('canonical query', () => {
  it('sorts by name then value and percent-encodes both', () => {
    expect(canonicalQuery({ b: '2', a: ['z', 'y'], 'c d': '中' })).toBe('a=y&a=z&b=2&c%20d=%E4%B8%AD');
    expect(canonicalQuery('b=2&a=1+2')).toBe('a=1%202&b=2');
    expect(canonicalQuery(undefined)).toBe('');
  });

  it('produces a signature a third party can recompute from docs/API.md', () => {
    const h = signRequest({
      method: 'post',
      path: '/p',
      query: { q: '1' },
      body: '{}',
      keyId: 'k',
      secret: 's',
      timestamp: 1700000000,
      nonce: 'n'.repeat(16),
    });
    const key = crypto.createHash('sha256').update('s').digest();
    const sts = [
      'POST',
      '/p',
      'q=1',
      crypto.createHash('sha256').update('{}').digest('hex'),
      '1700000000',
      'n'.repeat(16),
    ].join('\n');
    expect(h['x-datong-signature']).toBe(crypto.createHmac('sha256', key).update(sts).digest('hex'));
  });
});
