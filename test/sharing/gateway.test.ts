import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { TestApp } from '../support/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { loadNodeIdentity } from '../../src/platform/crypto/index.js';
import { createLedger } from '../../src/platform/audit/index.js';
import { createAuthenticator } from '../../src/platform/auth/index.js';
import { signRequest } from '../../src/platform/auth/signature.js';
import { buildApp } from '../../src/platform/http/app.js';
import type { Services } from '../../src/platform/services.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { modules } from '../../src/modules/index.js';
import { shanghaiDay } from '../../src/modules/sharing/calendar.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import gatewayRoutes, { createGatewayRoutes } from '../../src/modules/sharing/gateway-routes.js';
import { MAX_BODY_BYTES, targetUrl } from '../../src/modules/sharing/gateway.js';
import { ENTRY } from './fixtures/world.js';
import { dailyQuotasOf } from '../../src/modules/sharing/quota.js';

/**
 * The gateway for department APIs through the node's app with the gateway module added, calling
 * a local upstream (http.createServer on 127.0.0.1) that echoes what it receives. The breaker's
 * and the rate limit's clock is the test's (`clock`), moved by hand.
 */

type Headers = Record<string, string>;
type Key = { keyId: string; secret: string };

const SECRET = 'Bearer sk-test-7f3a9c2e5b1d4f60';
const TOKEN = 'sk-test-7f3a9c2e5b1d4f60';
let clock = 1_700_000_000_000;

let t: TestApp;
let upstream: http.Server;
let baseUrl: string;
/** What the upstream received last, and how often each path was hit. */
let last: { method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer } | undefined;
const hits = new Map<string, number>();

let entryId: string;
let entryCode: string;
let grantId: string;
let limitedGrantId: string;
let appId: string;
let appKey: Key;
let limitedKey: Key;
let strangerKey: Key;
let steward: Headers;
let approver: Headers;
let otherSteward: Headers;
let consumerDev: Headers;

const API_ENTRY: EntryInput = {
  ...ENTRY,
  name: '企业信息核验接口',
  resourceKind: 'api',
  formats: ['json'],
  // The parameters and the answer's fields of the API, as the catalog describes them.
  fields: ENTRY.fields.slice(0, 2),
};

async function gatewayTestApp(): Promise<TestApp> {
  const db = await testDatabase();
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-gw-'));
  const config = loadConfig({ home, databaseUrl: db.url }, {});
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const identity = await loadNodeIdentity(config);
  const ledger = createLedger({ pool: db.pool, identity, log });
  const services: Services = { config, pool: db.pool, ledger, identity, log };
  const app = await buildApp({
    services,
    authenticate: createAuthenticator(services),
    // The node's modules with the gateway's routes on a clock the tests move.
    modules: [...modules.filter((m) => m !== gatewayRoutes), createGatewayRoutes({ now: () => clock })],
    serveWeb: false,
  });
  await app.ready();
  return {
    app,
    services,
    pool: db.pool,
    url: db.url,
    close: async () => {
      await app.close();
      await ledger.close();
      await db.drop();
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}

function startUpstream(): Promise<void> {
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const p = url.split('?')[0]!;
      hits.set(p, (hits.get(p) ?? 0) + 1);
      const body = Buffer.concat(chunks);
      if (p.startsWith('/base/slow')) {
        const timer = setTimeout(() => res.end('late'), 2000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (p.startsWith('/base/fail')) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      }
      if (p.startsWith('/base/big')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const chunk = Buffer.alloc(1024 * 1024, 0x62);
        for (let i = 0; i < 10; i++) res.write(chunk);
        res.end(Buffer.from('!'));
        return;
      }
      if (p.startsWith('/base/ok')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      last = { method: req.method ?? '', url, headers: req.headers, body };
      // Echoes everything it got, the secret included, in its headers and its body.
      res.writeHead(201, {
        'content-type': 'application/json; charset=utf-8',
        'x-upstream': 'echo',
        'x-echo-key': String(req.headers['x-api-key'] ?? ''),
        'x-api-key': String(req.headers['x-api-key'] ?? ''),
        'set-cookie': 'upstream_session=1; HttpOnly',
      });
      res.end(JSON.stringify({ method: req.method, url, headers: req.headers, body: body.toString('utf8') }));
    });
  });
  return new Promise((resolve) =>
    upstream.listen(0, '127.0.0.1', () => {
      baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/base`;
      resolve();
    }),
  );
}

const send = (method: string, url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: method as 'GET', url, headers, ...(payload ? { payload } : {}) });

/** A signed application call through the gateway. */
function call(
  key: Key,
  method: string,
  grant: string,
  rest: string,
  opts: { query?: string; body?: Buffer | string; contentType?: string; headers?: Headers } = {},
) {
  const p = `/api/gateway/grants/${grant}${rest}`;
  const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
  const signed = signRequest({ method, path: p, query: opts.query ?? '', body: body ?? '', ...key });
  return t.app.inject({
    method: method as 'GET',
    url: p + (opts.query ? `?${opts.query}` : ''),
    headers: {
      ...signed,
      ...(body ? { 'content-type': opts.contentType ?? 'application/json' } : {}),
      ...opts.headers,
    },
    ...(body ? { payload: body } : {}),
  });
}

async function events(
  action: string,
): Promise<{ result: string; actor_id: string; detail: Record<string, unknown> }[]> {
  await t.services.ledger.flush();
  const { rows } = await t.pool.query<{ result: string; actor_id: string; detail: Record<string, unknown> }>(
    'SELECT result, actor_id, detail FROM audit.events WHERE action = $1 ORDER BY seq',
    [action],
  );
  return rows;
}

const upstreamUrl = () => `/api/catalog/entries/${entryId}/upstream`;
const setUpstream = (body: object) => send('PUT', upstreamUrl(), steward, body);

beforeAll(async () => {
  await startUpstream();
  t = await gatewayTestApp();
  const provider = await makeOrg(t.pool);
  const consumer = await makeOrg(t.pool, { regionCode: '440300' });
  const other = await makeOrg(t.pool);
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  steward = await token(['data_steward'], provider.id);
  approver = await token(['approver'], provider.id);
  otherSteward = await token(['data_steward'], other.id);
  consumerDev = await token(['developer', 'member'], consumer.id);
  const sysadmin = await token(['sysadmin']);

  const made = await send('POST', '/api/catalog/entries', steward, API_ENTRY as object);
  expect(made.statusCode, made.body).toBe(201);
  entryId = made.json<{ id: string }>().id;
  entryCode = made.json<{ code: string }>().code;
  expect((await send('POST', `/api/catalog/entries/${entryId}/submit`, steward)).statusCode).toBe(200);
  expect((await send('POST', `/api/catalog/entries/${entryId}/approve`, sysadmin, {})).statusCode).toBe(200);

  const put = await setUpstream({ baseUrl, authHeaderName: 'X-Api-Key', authSecret: SECRET, timeoutMs: 300 });
  expect(put.statusCode, put.body).toBe(200);

  const newApp = async (name: string): Promise<{ id: string; key: Key }> => {
    const app = await send('POST', '/api/apps', consumerDev, { name });
    expect(app.statusCode, app.body).toBe(201);
    const id = app.json<{ id: string }>().id;
    const cred = await send('POST', `/api/apps/${id}/credentials`, consumerDev, {});
    return { id, key: cred.json<Key>() };
  };
  const main = await newApp('企业开办网关调用');
  appId = main.id;
  appKey = main.key;
  const limited = await newApp('限流测试应用');
  limitedKey = limited.key;
  strangerKey = (await newApp('无授权应用')).key;

  // The share request flow works for an api-kind entry whose fields describe the API.
  const today = shanghaiDay(new Date());
  const grant = async (app: string, rateLimit: number): Promise<string> => {
    const req = await send('POST', '/api/share/requests', consumerDev, {
      entryId,
      appId: app,
      fields: ['uscc', 'qymc'],
      scenario: { name: '企业开办一网通办', description: '调用核验接口', basis: '《优化营商环境条例》' },
      expectedVolume: { perDay: 5000 },
      validFrom: today,
      validTo: addYears(today, 1),
    });
    expect(req.statusCode, req.body).toBe(201);
    const approved = await send(
      'POST',
      `/api/share/requests/${req.json<{ id: string }>().id}/approve`,
      approver,
      { rateLimit },
    );
    expect(approved.statusCode, approved.body).toBe(200);
    return approved.json<{ grantId: string }>().grantId;
  };
  grantId = await grant(appId, 1000);
  limitedGrantId = await grant(limited.id, 2);
}, 90_000);

afterAll(async () => {
  await t?.close();
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
});

describe('the provider registers the upstream', () => {
  it('shows the upstream with its secret masked, stores the secret sealed, audits without it', async () => {
    const res = await send('GET', upstreamUrl(), steward);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      entryId,
      baseUrl,
      authHeaderName: 'X-Api-Key',
      authSecret: '******',
      timeoutMs: 300,
      logBodies: false,
      breaker: { failures: 5, windowMs: 30_000, openMs: 30_000 },
      circuit: 'closed',
    });
    expect(res.body).not.toContain(TOKEN);
    const { rows } = await t.pool.query<{ auth_secret_sealed: Buffer }>(
      'SELECT auth_secret_sealed FROM datong.gateway_upstreams WHERE entry_id = $1',
      [entryId],
    );
    expect(rows[0]!.auth_secret_sealed.includes(Buffer.from(TOKEN))).toBe(false);
    expect(t.services.identity.open(rows[0]!.auth_secret_sealed).toString()).toBe(SECRET);
    const created = await events('gateway.upstream.create');
    expect(created).toHaveLength(1);
    expect(created[0]!.detail).toMatchObject({
      code: entryCode,
      baseUrl,
      authHeaderName: 'X-Api-Key',
      secret: 'set',
    });
    expect(JSON.stringify(created[0]!.detail)).not.toContain(TOKEN);
  });

  it('keeps the stored secret when it is not sent again (or sent back masked)', async () => {
    for (const body of [
      { baseUrl: `${baseUrl}/`, timeoutMs: 300 },
      { baseUrl, authSecret: '******', timeoutMs: 300 },
    ]) {
      const res = await setUpstream(body);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ baseUrl, authHeaderName: 'X-Api-Key', authSecret: '******' });
    }
    const updates = await events('gateway.upstream.update');
    expect(updates.map((e) => e.detail.secret)).toEqual(['unchanged', 'unchanged']);
  });

  it('refuses bad settings, other organisations and entries that are not APIs', async () => {
    for (const bad of [
      'ftp://127.0.0.1/x',
      'http://user:pw@127.0.0.1/x',
      'http://127.0.0.1/x?a=1',
      'nonsense',
    ]) {
      const res = await setUpstream({ baseUrl: bad });
      expect(res.statusCode, bad).toBe(400);
      expect(res.json()).toMatchObject({ code: 'gateway_base_url_invalid' });
    }
    expect((await setUpstream({ baseUrl, timeoutMs: 50 })).statusCode).toBe(400);
    expect(
      (await setUpstream({ baseUrl, authHeaderName: 'Host', authSecret: 'long-enough-secret' })).json(),
    ).toMatchObject({
      code: 'gateway_header_invalid',
    });
    for (const authSecret of ['two-line\nsecret-value', 'short', ' padded-secret']) {
      expect((await setUpstream({ baseUrl, authSecret })).json(), authSecret).toMatchObject({
        code: 'gateway_secret_invalid',
      });
    }
    expect((await setUpstream({ baseUrl, authSecret: 'two-line\nsecret-value' })).json()).toMatchObject({
      code: 'gateway_secret_invalid',
    });
    const foreign = await send('PUT', upstreamUrl(), otherSteward, { baseUrl });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'gateway_out_of_scope' });
    expect((await send('GET', upstreamUrl(), otherSteward)).statusCode).toBe(403);
    // The consumer's developer has no catalog.write.
    expect((await send('GET', upstreamUrl(), consumerDev)).statusCode).toBe(403);

    const table = await send('POST', '/api/catalog/entries', steward, ENTRY as object);
    const res = await send(
      'PUT',
      `/api/catalog/entries/${table.json<{ id: string }>().id}/upstream`,
      steward,
      {
        baseUrl,
      },
    );
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'gateway_not_api' });
  });
});

describe('calls through the gateway', () => {
  it('forwards method, path, query and body, adding the secret the caller never sees', async () => {
    const body = JSON.stringify({ uscc: '91440300MA5DXXXX1X', 名称: '深圳测试' });
    const res = await call(appKey, 'POST', grantId, '/echo/a%20b/c', {
      query: 'x=1&y=%E4%B8%A4',
      body,
      headers: { 'x-custom': 'kept', cookie: 'datong_session=abc', 'x-api-key': 'caller-forged' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(last).toBeDefined();
    expect(last!.method).toBe('POST');
    expect(last!.url).toBe('/base/echo/a%20b/c?x=1&y=%E4%B8%A4');
    expect(last!.body.toString('utf8')).toBe(body);
    expect(last!.headers['content-type']).toBe('application/json');
    expect(last!.headers['x-custom']).toBe('kept');
    // The upstream got the secret, not the caller's forged value, and none of the caller's credentials.
    expect(last!.headers['x-api-key']).toBe(SECRET);
    for (const h of [
      'x-datong-key',
      'x-datong-signature',
      'x-datong-nonce',
      'x-datong-timestamp',
      'cookie',
    ]) {
      expect(last!.headers[h], h).toBeUndefined();
    }
    expect(last!.headers['x-datong-grant']).toBe(grantId);
    expect(last!.headers['x-datong-app']).toBe(appId);

    // The caller: the upstream's answer, its own headers filtered, the reflected secret redacted.
    expect(res.headers['x-upstream']).toBe('echo');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-api-key']).toBeUndefined();
    expect(res.headers['x-echo-key']).toBe('***');
    expect(JSON.stringify(res.headers)).not.toContain(TOKEN);
    expect(res.body).not.toContain(TOKEN);
    const echoed = res.json<{ method: string; url: string; headers: Record<string, string> }>();
    expect(echoed.url).toBe('/base/echo/a%20b/c?x=1&y=%E4%B8%A4');
    expect(echoed.headers['x-api-key']).toBe('***');
  });

  it('forwards GET, PUT with binary bodies, PATCH and DELETE', async () => {
    const get = await call(appKey, 'GET', grantId, '/echo/items', { query: 'page=2' });
    expect(get.statusCode, get.body).toBe(201);
    expect(last).toMatchObject({ method: 'GET', url: '/base/echo/items?page=2' });
    expect(last!.body.length).toBe(0);

    const bytes = Buffer.from([0, 1, 2, 250, 251, 252, 255]);
    const put = await call(appKey, 'PUT', grantId, '/echo/blob', {
      body: bytes,
      contentType: 'application/octet-stream',
    });
    expect(put.statusCode, put.body).toBe(201);
    expect(last!.method).toBe('PUT');
    expect(last!.body.equals(bytes)).toBe(true);
    expect(last!.headers['content-type']).toBe('application/octet-stream');

    for (const method of ['PATCH', 'DELETE']) {
      const res = await call(appKey, method, grantId, '/echo/items/7', { body: '{"a":1}' });
      expect(res.statusCode, res.body).toBe(201);
      expect(last).toMatchObject({ method, url: '/base/echo/items/7' });
      expect(last!.body.toString()).toBe('{"a":1}');
    }
  });

  it('refuses paths that would leave the base path, and bodies over 10 MB', async () => {
    // (app.inject resolves %2e%2e segments itself: those are checked on targetUrl below.)
    for (const rest of ['/a/..%2F..%2Fadmin', '/a/%2E%2E%2Fx', '/a/%00']) {
      const res = await call(appKey, 'GET', grantId, rest);
      expect(res.statusCode, rest).toBe(400);
      expect(res.json()).toMatchObject({ code: 'gateway_path_invalid' });
    }
    for (const rest of ['/%2e%2e/secret', '/a/%2E/b', '/..', '/a\\b', '/a/%2F..%2F']) {
      expect(targetUrl(baseUrl, rest, ''), rest).toBeNull();
    }
    expect(targetUrl(baseUrl, '/a%20b/c', 'x=1')?.href).toBe(`${baseUrl}/a%20b/c?x=1`);
    expect(targetUrl(baseUrl, '', '')?.href).toBe(baseUrl);
    const big = await call(appKey, 'POST', grantId, '/echo', {
      body: Buffer.alloc(MAX_BODY_BYTES + 1, 0x61),
      contentType: 'text/plain',
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('audits each call durably with its metadata (no bodies unless the upstream logs them)', async () => {
    const before = (await events('share.gateway.call')).length;
    const body = '{"q":"x"}';
    const res = await call(appKey, 'POST', grantId, '/echo/audited', { body });
    expect(res.statusCode).toBe(201);
    const after = await events('share.gateway.call');
    expect(after.length).toBe(before + 1);
    const e = after.at(-1)!;
    expect(e.result).toBe('success');
    expect(e.actor_id).toBe(appId);
    expect(e.detail).toMatchObject({
      grant: grantId,
      app: appId,
      entry: entryCode,
      entryId,
      method: 'POST',
      path: '/echo/audited',
      status: 201,
      upstreamStatus: 201,
      requestBytes: Buffer.byteLength(body),
      responseBytes: res.rawPayload.length,
      secretRedacted: true,
    });
    expect(typeof e.detail.durationMs).toBe('number');
    expect(e.detail.requestBody).toBeUndefined();
    expect(e.detail.responseBody).toBeUndefined();

    // With logBodies: the bodies too, the secret redacted.
    expect((await setUpstream({ baseUrl, timeoutMs: 300, logBodies: true })).statusCode).toBe(200);
    await call(appKey, 'POST', grantId, '/echo/logged', { body, query: 'k=v' });
    const logged = (await events('share.gateway.call')).at(-1)!;
    expect(logged.detail).toMatchObject({ path: '/echo/logged', query: 'k=v', requestBody: { text: body } });
    expect((logged.detail.responseBody as { text: string }).text).toContain('"x-api-key":"***"');
    expect(JSON.stringify(logged.detail)).not.toContain(TOKEN);
    expect((await setUpstream({ baseUrl, timeoutMs: 300 })).statusCode).toBe(200);
  });

  it('answers 502 when the upstream answers more than 10 MB or cannot be reached', async () => {
    // 10 MB may take longer than 300 ms on a busy machine.
    expect((await setUpstream({ baseUrl, timeoutMs: 10_000 })).statusCode).toBe(200);
    const big = await call(appKey, 'GET', grantId, '/big');
    expect(big.statusCode).toBe(502);
    expect(big.json()).toMatchObject({ code: 'gateway_response_too_large' });
    expect((await events('share.gateway.call')).at(-1)!.detail).toMatchObject({
      status: 502,
      error: 'too_large',
      responseBytes: 0,
    });
    expect((await setUpstream({ baseUrl: 'http://127.0.0.1:1/base', timeoutMs: 300 })).statusCode).toBe(200);
    try {
      const down = await call(appKey, 'GET', grantId, '/ok');
      expect(down.statusCode).toBe(502);
      expect(down.json()).toMatchObject({ code: 'gateway_unreachable' });
    } finally {
      expect((await setUpstream({ baseUrl, timeoutMs: 300 })).statusCode).toBe(200);
    }
    // The secret was kept through both changes.
    expect((await call(appKey, 'GET', grantId, '/echo/again')).statusCode).toBe(201);
    expect(last!.headers['x-api-key']).toBe(SECRET);
  });

  it('answers 504 with a problem in both languages when the upstream is too slow', async () => {
    const en = await call(appKey, 'GET', grantId, '/slow', { headers: { 'accept-language': 'en' } });
    expect(en.statusCode).toBe(504);
    expect(en.headers['content-type']).toContain('application/problem+json');
    expect(en.json()).toMatchObject({
      code: 'gateway_timeout',
      title: 'The upstream API did not answer within 300 ms',
    });
    const zh = await call(appKey, 'GET', grantId, '/slow', { headers: { 'accept-language': 'zh-CN' } });
    expect(zh.statusCode).toBe(504);
    expect(zh.json()).toMatchObject({ code: 'gateway_timeout', title: '上游接口在 300 毫秒内未响应' });
    const e = (await events('share.gateway.call')).at(-1)!;
    expect(e.result).toBe('failure');
    expect(e.detail).toMatchObject({ status: 504, upstreamStatus: null, error: 'timeout', path: '/slow' });
    expect(e.detail.durationMs as number).toBeGreaterThanOrEqual(290);
    // A success closes the run of failures.
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(200);
  });

  it('opens the circuit after 5 consecutive failures within 30 s, then lets one trial through', async () => {
    clock += 60_000;
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(200);
    // Failures spread wider than the window do not open it.
    for (let i = 0; i < 4; i++) expect((await call(appKey, 'GET', grantId, '/fail')).statusCode).toBe(500);
    clock += 31_000;
    expect((await call(appKey, 'GET', grantId, '/fail')).statusCode).toBe(500);
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(200);

    const failHits = hits.get('/base/fail') ?? 0;
    for (let i = 0; i < 5; i++) {
      clock += 1000;
      const res = await call(appKey, 'GET', grantId, '/fail');
      expect(res.statusCode).toBe(500);
      expect(res.body).toBe('boom');
    }
    expect(hits.get('/base/fail')).toBe(failHits + 5);
    const okHits = hits.get('/base/ok') ?? 0;
    const open = await call(appKey, 'GET', grantId, '/ok', { headers: { 'accept-language': 'en' } });
    expect(open.statusCode).toBe(503);
    expect(open.json()).toMatchObject({ code: 'gateway_circuit_open' });
    expect(open.headers['retry-after']).toBe('30');
    expect(hits.get('/base/ok')).toBe(okHits); // not called
    expect((await send('GET', upstreamUrl(), steward)).json()).toMatchObject({ circuit: 'open' });

    clock += 29_000;
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(503);
    clock += 2_000;
    expect((await send('GET', upstreamUrl(), steward)).json()).toMatchObject({ circuit: 'half_open' });
    // Half-open: the trial fails, the circuit opens again.
    expect((await call(appKey, 'GET', grantId, '/fail')).statusCode).toBe(500);
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(503);
    expect(hits.get('/base/ok')).toBe(okHits);
    // After another window the trial succeeds and it closes.
    clock += 31_000;
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(200);
    expect((await call(appKey, 'GET', grantId, '/ok')).statusCode).toBe(200);
    expect(hits.get('/base/ok')).toBe(okHits + 2);
    expect((await send('GET', upstreamUrl(), steward)).json()).toMatchObject({ circuit: 'closed' });
  });

  it("limits calls to the grant's rate (429)", async () => {
    clock += 10_000;
    expect((await call(limitedKey, 'GET', limitedGrantId, '/ok')).statusCode).toBe(200);
    expect((await call(limitedKey, 'GET', limitedGrantId, '/ok')).statusCode).toBe(200);
    const limited = await call(limitedKey, 'GET', limitedGrantId, '/ok');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'rate_limited' });
    expect(limited.headers['retry-after']).toBe('1');
    clock += 1000;
    expect((await call(limitedKey, 'GET', limitedGrantId, '/ok')).statusCode).toBe(200);
  });

  it("stops at the grant's daily quota (429 until midnight in Shanghai)", async () => {
    clock += 10_000;
    const quotas = dailyQuotasOf(t.pool);
    await quotas.flush();
    const used = quotas.usedToday(limitedGrantId) ?? 0;
    await t.pool.query('UPDATE datong.grants SET daily_quota = $2 WHERE id = $1', [limitedGrantId, used + 1]);
    try {
      expect((await call(limitedKey, 'GET', limitedGrantId, '/ok')).statusCode).toBe(200);
      clock += 1000;
      const over = await call(limitedKey, 'GET', limitedGrantId, '/ok');
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ code: 'quota_exhausted' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.pool.query('UPDATE datong.grants SET daily_quota = 100000 WHERE id = $1', [limitedGrantId]);
    }
    clock += 1000;
    expect((await call(limitedKey, 'GET', limitedGrantId, '/ok')).statusCode).toBe(200);
  });

  it("answers 404 to an app calling a grant that is not its own, and to nobody's grant", async () => {
    const stranger = await call(strangerKey, 'GET', grantId, '/echo');
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json()).toMatchObject({ code: 'grant_not_found' });
    expect((await call(limitedKey, 'GET', grantId, '/echo')).statusCode).toBe(404);
    expect((await call(appKey, 'GET', '00000000-0000-4000-8000-000000000000', '/echo')).statusCode).toBe(404);
    // Users cannot call the gateway at all.
    expect((await send('GET', `/api/gateway/grants/${grantId}/echo`, consumerDev)).statusCode).toBe(403);
  });

  it('refuses a revoked grant with 403 on the next call', async () => {
    const revoked = await send('POST', `/api/share/grants/${limitedGrantId}/revoke`, approver, {
      reason: '场景结束',
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    clock += 1000;
    const res = await call(limitedKey, 'GET', limitedGrantId, '/ok');
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'grant_inactive' });
  });

  it('fails closed when the ledger cannot write: 503 and nothing of the answer', async () => {
    const append = t.services.ledger.append.bind(t.services.ledger);
    t.services.ledger.append = () => Promise.reject(new Error('disk full'));
    try {
      const res = await call(appKey, 'POST', grantId, '/echo/closed', { body: '{"n":1}' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'audit_unavailable' });
      expect(res.headers['x-upstream']).toBeUndefined();
      expect(res.body).not.toContain('/base/echo/closed');
    } finally {
      t.services.ledger.append = append;
    }
  });
});
