import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeysOf } from '../../src/modules/opening/keys.js';
import { openLimitsOf } from '../../src/modules/opening/open-limits.js';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeUser } from '../support/factories.js';
import { makeOpenDataset, type MadeOpenDataset } from './public-helpers.js';

let t: TestApp;
let ds: MadeOpenDataset;
let citizen: { id: string; token: string };
let other: { id: string; token: string };
let now = new Date('2026-03-10T04:00:00Z');

beforeAll(async () => {
  t = await testApp();
  openLimitsOf(t.pool).useClock(() => now);
  ds = await makeOpenDataset(t);
  const a = await makeUser(t.pool, { roles: ['public_user'] });
  const b = await makeUser(t.pool, { roles: ['data_steward'] });
  citizen = { id: a.id, token: await bearerFor(t.app, a.username, a.password) };
  other = { id: b.id, token: await bearerFor(t.app, b.username, b.password) };
});
afterAll(async () => t?.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const rowsUrl = () => `/api/open/datasets/${ds.entry.id}/rows?limit=1`;
let ip = 0;
/** A client address of its own, so that per-IP buckets of other tests never meet. */
const freshIp = () => `198.51.100.${++ip}`;

async function createKey(token: string, name: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/open/keys',
    headers: auth(token),
    payload: { name },
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string; key: string }>();
}

describe('key lifecycle', () => {
  it('creates a key shown once, lists it without the secret, revokes it, all audited', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/open/keys',
      headers: auth(citizen.token),
      payload: { name: '我的应用' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const created = res.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: '我的应用',
      key: expect.stringMatching(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/),
      rateLimit: 600,
      dailyQuota: 50000,
      status: 'active',
      createdAt: expect.any(String),
    });
    expect(created.key.startsWith(`${created.id}.`)).toBe(true);
    // Only the keyed hash is stored.
    const { rows } = await t.pool.query('SELECT secret_hash FROM datong.open_api_keys WHERE id = $1', [
      created.id,
    ]);
    const secret = created.key.split('.')[1];
    expect(Buffer.compare(rows[0].secret_hash, apiKeysOf(t.services).secretHash(secret))).toBe(0);
    expect(rows[0].secret_hash.toString('base64url')).not.toBe(secret);

    // The key works on the public API and is counted.
    const call = await t.app.inject({ method: 'GET', url: rowsUrl(), headers: { 'x-api-key': created.key } });
    expect(call.statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/open/keys', headers: auth(citizen.token) });
    expect(list.json()).toEqual({
      items: [
        {
          id: created.id,
          name: '我的应用',
          rateLimit: 600,
          dailyQuota: 50000,
          status: 'active',
          createdAt: created.createdAt,
          lastUsedAt: expect.any(String),
          revokedAt: null,
          usedToday: 1,
        },
      ],
    });
    expect(list.body).not.toContain(secret);

    // Another user neither sees nor revokes it.
    const theirs = await t.app.inject({ method: 'GET', url: '/api/open/keys', headers: auth(other.token) });
    expect(theirs.json()).toEqual({ items: [] });
    const steal = await t.app.inject({
      method: 'DELETE',
      url: `/api/open/keys/${created.id}`,
      headers: auth(other.token),
    });
    expect(steal.statusCode).toBe(404);
    expect(steal.json().code).toBe('open_key_not_found');

    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/open/keys/${created.id}`,
      headers: auth(citizen.token),
    });
    expect(del.statusCode).toBe(204);
    const after = await t.app.inject({
      method: 'GET',
      url: rowsUrl(),
      headers: { 'x-api-key': created.key, 'accept-language': 'en' },
      remoteAddress: freshIp(),
    });
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({
      code: 'open_key_invalid',
      title: 'The API key is invalid or revoked',
    });
    const listed = (
      await t.app.inject({ method: 'GET', url: '/api/open/keys', headers: auth(citizen.token) })
    ).json();
    expect(listed.items[0]).toMatchObject({ status: 'revoked', revokedAt: expect.any(String) });

    await t.services.ledger.flush();
    const { rows: events } = await t.pool.query(
      `SELECT action, actor_id, object_id, detail FROM audit.events
        WHERE action LIKE 'open.key.%' ORDER BY seq`,
    );
    expect(events).toEqual([
      {
        action: 'open.key.create',
        actor_id: citizen.id,
        object_id: created.id,
        detail: { name: '我的应用', rateLimit: 600, dailyQuota: 50000 },
      },
      {
        action: 'open.key.revoke',
        actor_id: citizen.id,
        object_id: created.id,
        detail: { name: '我的应用' },
      },
    ]);
  });

  it('refuses anonymous callers, bad names, wrong secrets and too many keys', async () => {
    const anon = await t.app.inject({ method: 'POST', url: '/api/open/keys', payload: { name: 'x' } });
    expect(anon.statusCode).toBe(401);
    const blank = await t.app.inject({
      method: 'POST',
      url: '/api/open/keys',
      headers: auth(other.token),
      payload: { name: '   ' },
    });
    expect(blank.statusCode).toBe(400);
    const k = await createKey(other.token, 'staff key');
    const forged = `${k.id}.${crypto.randomBytes(32).toString('base64url')}`;
    for (const bad of [
      forged,
      'nonsense',
      `${crypto.randomUUID()}.${crypto.randomBytes(32).toString('base64url')}`,
    ]) {
      const res = await t.app.inject({
        method: 'GET',
        url: rowsUrl(),
        headers: { 'x-api-key': bad },
        remoteAddress: freshIp(),
      });
      expect(res.statusCode, bad).toBe(401);
    }
    for (let i = 1; i < 10; i++) await createKey(other.token, `key ${i}`);
    const eleventh = await t.app.inject({
      method: 'POST',
      url: '/api/open/keys',
      headers: auth(other.token),
      payload: { name: 'one too many' },
    });
    expect(eleventh.statusCode).toBe(409);
    expect(eleventh.json().code).toBe('open_key_limit');
  });
});

describe('limits', () => {
  it('holds a key to its rate per minute: 429 open_rate_limited with Retry-After', async () => {
    const k = await createKey(citizen.token, 'rate');
    await t.pool.query('UPDATE datong.open_api_keys SET rate_limit = 2 WHERE id = $1', [k.id]);
    apiKeysOf(t.services).invalidate(k.id);
    const call = () =>
      t.app.inject({
        method: 'GET',
        url: rowsUrl(),
        headers: { 'x-api-key': k.key, 'accept-language': 'en' },
      });
    expect((await call()).statusCode).toBe(200);
    expect((await call()).statusCode).toBe(200);
    const over = await call();
    expect(over.statusCode).toBe(429);
    // 2 a minute: the next token comes after 30 s.
    expect(over.headers['retry-after']).toBe('30');
    expect(over.json()).toMatchObject({
      code: 'open_rate_limited',
      title: 'Too many calls: at most 2 a minute; try again in 30 s',
    });
    now = new Date(now.getTime() + 30_000);
    expect((await call()).statusCode).toBe(200);
    expect((await call()).statusCode).toBe(429);
  });

  it('holds a key to its daily quota until Shanghai midnight', async () => {
    // 23:59:00 in Asia/Shanghai.
    now = new Date('2026-03-10T15:59:00Z');
    const k = await createKey(citizen.token, 'quota');
    await t.pool.query('UPDATE datong.open_api_keys SET daily_quota = 3 WHERE id = $1', [k.id]);
    apiKeysOf(t.services).invalidate(k.id);
    const call = () =>
      t.app.inject({ method: 'GET', url: '/api/open/home', headers: { 'x-api-key': k.key } });
    for (let i = 0; i < 3; i++) expect((await call()).statusCode).toBe(200);
    const over = await call();
    expect(over.statusCode).toBe(429);
    expect(over.headers['retry-after']).toBe('60');
    expect(over.json()).toMatchObject({
      code: 'open_quota_exhausted',
      title: '今日调用次数已用完（每日 3 次），北京时间零点后恢复',
    });
    // The CKAN route answers the same limit in CKAN's envelope.
    const ckan = await t.app.inject({
      method: 'GET',
      url: `/api/3/action/datastore_search?resource_id=${ds.entry.id}`,
      headers: { authorization: k.key },
    });
    expect(ckan.statusCode).toBe(429);
    expect(ckan.headers['retry-after']).toBe('60');
    expect(ckan.json().error.__type).toBe('Rate Limit Error');
    now = new Date('2026-03-10T16:00:00Z');
    expect((await call()).statusCode).toBe(200);
    await openLimitsOf(t.pool).quotas.flush();
    const { rows } = await t.pool.query(
      'SELECT day::text, calls FROM datong.open_api_usage WHERE key_id = $1 ORDER BY day',
      [k.id],
    );
    expect(rows).toEqual([
      { day: '2026-03-10', calls: 3 },
      { day: '2026-03-11', calls: 1 },
    ]);
  });

  it('holds anonymous callers to a small rate per IP', async () => {
    const limits = openLimitsOf(t.pool);
    const before = limits.ipRatePerMinute;
    limits.ipRatePerMinute = 3;
    try {
      const address = freshIp();
      const call = () => t.app.inject({ method: 'GET', url: rowsUrl(), remoteAddress: address });
      for (let i = 0; i < 3; i++) expect((await call()).statusCode).toBe(200);
      const over = await call();
      expect(over.statusCode).toBe(429);
      expect(over.headers['retry-after']).toBe('20');
      expect(over.json().code).toBe('open_rate_limited');
      // Another address, and a key from the same address, are not held by it.
      expect(
        (await t.app.inject({ method: 'GET', url: rowsUrl(), remoteAddress: freshIp() })).statusCode,
      ).toBe(200);
      const k = await createKey(citizen.token, 'from the same place');
      const keyed = await t.app.inject({
        method: 'GET',
        url: rowsUrl(),
        remoteAddress: address,
        headers: { 'x-api-key': k.key },
      });
      expect(keyed.statusCode).toBe(200);
      // Guessing keys costs the address its tokens too.
      const guesser = freshIp();
      const guess = () =>
        t.app.inject({
          method: 'GET',
          url: rowsUrl(),
          remoteAddress: guesser,
          headers: { 'x-api-key': 'guess' },
        });
      for (let i = 0; i < 3; i++) expect((await guess()).statusCode).toBe(401);
      expect((await guess()).statusCode).toBe(429);
    } finally {
      limits.ipRatePerMinute = before;
    }
  });
});
