import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/platform/config.js';
import { loadNodeIdentity } from '../../src/platform/crypto/index.js';
import { createLedger } from '../../src/platform/audit/index.js';
import { createNodeApp } from '../../src/platform/http/server.js';
import type { Services } from '../../src/platform/services.js';
import type { Pool } from '../../src/platform/db/pool.js';
import { testDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  pool: Pool;
  /** The test database's connection string (the embedded server's superuser). */
  url: string;
  close(): Promise<void>;
}

/**
 * The node's real Fastify app on a fresh database of its own, exercised with `app.inject`.
 * `env` sets configuration (e.g. DATONG_CRYPTO_SUITE) as the environment would.
 */
export async function testApp(
  opts: { env?: Record<string, string>; configure?: (c: Config) => void } = {},
): Promise<TestApp> {
  const db = await testDatabase();
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-app-'));
  const config = loadConfig({ home, databaseUrl: db.url }, { ...opts.env });
  opts.configure?.(config);
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const identity = await loadNodeIdentity(config);
  const ledger = createLedger({ pool: db.pool, identity, log });
  const services: Services = { config, pool: db.pool, ledger, identity, log };
  const app = await createNodeApp(services, { serveWeb: false });
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
