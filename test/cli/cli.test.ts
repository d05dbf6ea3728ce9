import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { testApp, type TestApp } from '../support/app.js';
import { loginAs } from '../support/factories.js';
import { DEMO_PASSWORD, seedDemo } from '../../src/cli/seed.js';

/**
 * The `datong` command as an operator runs it: a separate process that finds the node's database
 * (here through DATABASE_URL) and its keys through --home.
 */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
let t: TestApp;

async function datong(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/cli/index.ts'), ...args, '--home', t.services.config.home],
      { cwd: root, env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn' } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  t = await testApp();
  await seedDemo(t.services);
});
afterAll(async () => t?.close());

describe('datong CLI', () => {
  it('migrate reports an up-to-date schema', async () => {
    const r = await datong(['migrate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migrations up to date');
  });

  it('user create makes an account that can sign in, and refuses an officer conflict', async () => {
    const { rows } = await t.pool.query<{ uscc: string }>(
      "SELECT uscc FROM datong.orgs WHERE name = '广东省公安厅'",
    );
    const uscc = rows[0]!.uscc;
    const ok = await datong([
      'user',
      'create',
      '--username',
      'cli_user',
      '--org',
      uscc,
      '--roles',
      'data_steward',
      '--password',
      'Cli-Created-2026',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('created user cli_user');
    const session = await loginAs(t.app, 'cli_user', 'Cli-Created-2026');
    expect(session.csrf).toBeTruthy();

    const bad = await datong([
      'user',
      'create',
      '--username',
      'two_hats',
      '--org',
      uscc,
      '--roles',
      'sysadmin,auditor',
      '--password',
      DEMO_PASSWORD,
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/三员|officer/);
  });

  it('audit verify passes on an intact ledger and fails, naming the position, after tampering', async () => {
    await loginAs(t.app, 'auditor', DEMO_PASSWORD);
    await t.services.ledger.flush();
    const good = await datong(['audit', 'verify', '--json']);
    expect(good.code).toBe(0);
    const report = JSON.parse(good.stdout);
    expect(report).toMatchObject({ ok: true, firstBadPosition: null });
    expect(report.checkedEvents).toBeGreaterThan(10);

    // A superuser removes event 5, bypassing the ledger's triggers.
    const su = new pg.Client({ connectionString: t.url });
    await su.connect();
    await su.query('SET session_replication_role = replica');
    await su.query('DELETE FROM audit.event WHERE seq = 5');
    await su.end();

    const bad = await datong(['audit', 'verify', '--json']);
    expect(bad.code).not.toBe(0);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, firstBadPosition: 5 });
    const human = await datong(['audit', 'verify']);
    expect(human.code).not.toBe(0);
    expect(human.stdout + human.stderr).toContain('5');
  });
});
