import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import auditRoutes from '../../src/modules/audit/routes.js';
import { createLedger, type AuditLedger } from '../../src/platform/audit/index.js';
import { AppError } from '../../src/platform/http/errors.js';
import type { Services } from '../../src/platform/services.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { sampleEvent, testIdentity } from './helpers.js';
import { verifyInclusion } from './rfc9162-verifier.js';

/**
 * The audit plugin on a bare Fastify instance (the platform's app and its authentication are
 * tested elsewhere): schemas, presenters, errors and permissions declared per route.
 */
describe('audit routes', () => {
  let db: TestDatabase;
  let app: FastifyInstance;
  let ledger: AuditLedger;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    db = await testDatabase();
    const id = await testIdentity('intl');
    cleanup = id.cleanup;
    ledger = createLedger({ pool: db.pool, identity: id.identity });
    await Promise.all(Array.from({ length: 25 }, (_, i) => ledger.append(sampleEvent(i))));
    await ledger.flush();
    // The platform app's validator settings: unknown properties are refused, not dropped.
    app = Fastify({
      ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
    });
    app.decorate('datong', {
      pool: db.pool,
      ledger,
      identity: id.identity,
      log: pino({ level: 'silent' }),
    } as unknown as Services);
    app.decorateRequest('ctx', null as never);
    app.addHook('onRequest', async (req) => {
      req.ctx = { actor: { kind: 'anonymous' }, requestId: 'r-1', clientIp: null, lang: 'en' };
    });
    app.setErrorHandler((err, _req, reply) => {
      if (err instanceof AppError) return reply.code(err.status).send({ code: err.code });
      return reply.code((err as { statusCode?: number }).statusCode ?? 500).send({ code: 'other' });
    });
    await app.register(auditRoutes);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await ledger.close();
    await db.drop();
    await cleanup();
  });

  it('declares a permission on every route', () => {
    const routes = app.printRoutes({ includeHooks: false, commonPrefix: false });
    expect(routes).toContain('events');
    for (const url of ['events', 'checkpoints/latest', 'proofs/inclusion', 'proofs/consistency', 'verify']) {
      const found = app.hasRoute({ method: 'GET', url: `/api/audit/${url}` });
      expect(found).toBe(true);
    }
  });

  it('pages events and serves proofs that verify', async () => {
    const page = await app.inject({ url: '/api/audit/events?limit=10' });
    expect(page.statusCode).toBe(200);
    const body = page.json<{ items: { seq: number }[]; nextCursor: string }>();
    expect(body.items.map((e) => e.seq)[0]).toBe(24);
    expect(body.nextCursor).toBe('15');
    const cp = (await app.inject({ url: '/api/audit/checkpoints/latest' })).json<{
      treeSize: number;
      rootHash: string;
    }>();
    expect(cp.treeSize).toBe(25);
    const p = (await app.inject({ url: '/api/audit/proofs/inclusion?seq=7&treeSize=25' })).json<{
      leafHash: string;
      rootHash: string;
      proof: string[];
    }>();
    expect(p.rootHash).toBe(cp.rootHash);
    const hex = (s: string) => Buffer.from(s, 'hex');
    expect(verifyInclusion('sha256', 7, 25, hex(p.leafHash), p.proof.map(hex), hex(p.rootHash))).toBe(true);
    const c = await app.inject({ url: '/api/audit/proofs/consistency?from=3&to=25' });
    expect(c.statusCode).toBe(200);
    const v = await app.inject({ url: '/api/audit/verify' });
    expect(v.json()).toMatchObject({ ok: true, treeSize: 25 });
  });

  it('answers 400 for out-of-range or unknown parameters', async () => {
    expect((await app.inject({ url: '/api/audit/proofs/inclusion?seq=30&treeSize=25' })).json()).toEqual({
      code: 'bad_seq',
    });
    expect((await app.inject({ url: '/api/audit/proofs/inclusion?seq=1&treeSize=99' })).json()).toEqual({
      code: 'bad_tree_size',
    });
    expect((await app.inject({ url: '/api/audit/proofs/consistency?from=9&to=3' })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/audit/events?bogus=1' })).statusCode).toBe(400);
  });
});
