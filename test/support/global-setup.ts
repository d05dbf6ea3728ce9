import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbedded } from '../../src/platform/db/embedded.js';
import { createPool } from '../../src/platform/db/pool.js';
import { migrate } from '../../src/platform/db/migrate.js';
import { ensureBuiltinStandards } from '../../src/modules/standards/index.js';

export const TEMPLATE = 'datong_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Starts one PostgreSQL for the whole run (embedded, or DATABASE_URL's server), migrates once into
 * a template database, and hands its address to the test files, which each clone the template.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let adminUrl: string;
  let stop = async (): Promise<void> => {};
  if (process.env.DATABASE_URL) {
    adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres');
  } else {
    // A server of its own per run (initdb takes about a second), so concurrent runs never meet.
    const home =
      process.env.DATONG_TEST_HOME ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'datong-test-pg-')));
    const server = await startEmbedded(home);
    adminUrl = server.adminUrl;
    stop = async () => {
      await server.stop();
      if (!process.env.DATONG_TEST_HOME) await fs.rm(home, { recursive: true, force: true });
    };
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const stale = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE 'datong_test_%'",
    [TEMPLATE],
  );
  for (const { datname } of stale.rows) {
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  }
  await admin.query(`CREATE DATABASE "${TEMPLATE}"`);
  const pool = createPool(withDatabase(adminUrl, TEMPLATE), 2);
  await migrate(pool);
  await ensureBuiltinStandards(pool);
  await pool.end();
  await admin.end();
  project.provide('pgAdminUrl', adminUrl);
  return stop;
}
