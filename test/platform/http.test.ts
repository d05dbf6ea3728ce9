import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { FastifyInstance } from 'fastify';
import { buildApp, securityHeaders } from '../../src/platform/http/app.js';
import type { Actor } from '../../src/platform/policy/permissions.js';
import { testApp, type TestApp } from '../support/app.js';

/**
 * Platform HTTP behaviour, on the real app: problem+json errors in the caller's language,
 * strict bodies, body limits, request ids, security headers, and refusal to start with a route
 * that declares no permission.
 */
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(async () => t?.close());

describe('problem+json', () => {
  it('answers an unknown route with a 404 problem in Chinese by default', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json();
    expect(body).toMatchObject({ status: 404, code: 'route_not_found', instance: '/api/nope' });
    expect(body.title).toContain('接口不存在');
    expect(body.requestId).toBe(res.headers['x-request-id']);
  });

  it('speaks English when Accept-Language prefers it', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/nope',
      headers: { 'accept-language': 'en-GB,en;q=0.9,zh;q=0.5' },
    });
    expect(res.json().title).toMatch(/No such endpoint/);
  });

  it('refuses malformed JSON with 400 malformed_json', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json', 'accept-language': 'zh-CN' },
      payload: '{"username": "sysadmin", ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'malformed_json', title: '请求体不是有效的 JSON' });
  });

  it('refuses an oversized body with 413', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(t.services.config.bodyLimit + 10), password: 'y' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: big,
    });
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe('payload_too_large');
  });

  it('refuses unknown properties, naming them, in Chinese when asked', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'accept-language': 'zh-CN' },
      payload: { username: 'sysadmin', password: 'whatever-1A!', isAdmin: true },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('validation');
    expect(body.errors).toContainEqual({ path: '/isAdmin', message: '不允许的属性：isAdmin' });
  });

  it('refuses a non-JSON content type with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('unsupported_media_type');
  });
});

describe('plumbing', () => {
  it('keeps a sane incoming request id and sets security headers', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'trace-abc-12345' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('trace-abc-12345');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('sets the same security headers on every answer, errors included', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/api/no-such-route' });
    expect(missing.statusCode).toBe(404);
    for (const name of ['x-content-type-options', 'x-frame-options', 'strict-transport-security']) {
      expect(missing.headers[name], name).toBeTruthy();
    }
    expect(missing.headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(securityHeaders({})['content-security-policy']).toContain("default-src 'self'");
  });

  it('reports readiness when the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it('serves OpenAPI 3 with the identity and audit routes', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/audit/checkpoints/latest']),
    );
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 302]).toContain(docs.statusCode);
  });

  it('serves the node identity at /.well-known/datong-node.json', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/datong-node.json' });
    expect(res.json()).toMatchObject({
      code: '440000',
      level: 'provincial',
      cryptoSuite: 'intl',
      algorithm: 'ed25519',
    });
    expect(res.json().publicKey).toContain('BEGIN PUBLIC KEY');
  });
});

describe('deny by default', () => {
  const anonymous = async (): Promise<Actor> => ({ kind: 'anonymous' });

  it('refuses to start while a route declares no permission', async () => {
    const app: FastifyInstance = await buildApp({
      services: t.services,
      authenticate: anonymous,
      serveWeb: false,
      modules: [
        async (a) => {
          a.get('/api/forgotten', async () => ({ leaked: true }));
        },
      ],
    });
    await expect(app.ready()).rejects.toThrow(/without a declared permission: GET \/api\/forgotten/);
    await app.close().catch(() => undefined);
  });

  it('refuses to start while a body schema accepts unknown properties', async () => {
    const app = await buildApp({
      services: t.services,
      authenticate: anonymous,
      serveWeb: false,
      modules: [],
    });
    expect(() =>
      app.post(
        '/api/loose',
        { config: { permission: 'public' }, schema: { body: Type.Object({ a: Type.String() }) } },
        async () => ({}),
      ),
    ).toThrow(/additionalProperties: false/);
    await app.close();
  });
});
