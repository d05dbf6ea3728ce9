import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { makeOrg, makeUser } from '../support/factories.js';
import { systemContext } from '../../src/platform/context.js';
import { withTx } from '../../src/platform/db/pool.js';
import { approveEntry, createEntry, submitEntry } from '../../src/modules/catalog/index.js';
import { csv, ENTRY, row, uscc } from './fixtures/registry.js';

/** `datong ingest` as an operator runs it: a separate process on the node's database. */
const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
let t: TestApp;
let code: string;
let dir: string;
let orgId: string;

async function datong(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'src/cli/index.ts'), ...args, '--home', t.services.config.home],
      { cwd: root, env: { ...process.env, DATABASE_URL: t.url, LOG_LEVEL: 'warn', ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  t = await testApp();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-ingest-cli-'));
  const org = await makeOrg(t.pool);
  orgId = org.id;
  const ctx = { ...systemContext('test'), services: t.services };
  code = await withTx(t.pool, async (tx) => {
    const e = await createEntry(ctx, tx, { ...ENTRY, providerOrgId: org.id });
    await submitEntry(ctx, tx, e.id);
    return (await approveEntry(ctx, tx, e.id)).code;
  });
});

afterAll(async () => {
  await t?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('datong ingest', () => {
  it('loads a GBK CSV by resource code and reports the batch as JSON', async () => {
    const file = path.join(dir, '企业.csv');
    const rows = Array.from({ length: 40 }, (_, i) => row(i + 1));
    rows.push(`${uscc(99)},,,,`); // no company name: one reject
    await fs.writeFile(file, iconv.encode(csv(rows), 'gb18030'));
    const r = await datong(['ingest', file, '--dataset', code, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      status: 'done',
      rowsRead: 41,
      rowsAccepted: 40,
      rowsRejected: 1,
      version: 2,
    });
  }, 60_000);

  it('exits 1 when the batch is aborted, saying why in both languages', async () => {
    const file = path.join(dir, 'bad.csv');
    await fs.writeFile(file, csv([row(1), `${uscc(2)},,,,`]));
    const r = await datong(['ingest', file, '--dataset', code, '--mode', 'upsert']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/中止 aborted/);
    expect(r.stdout).toMatch(/阈值/);
    expect(r.stdout).toMatch(/threshold/);
  }, 60_000);

  it('refuses an unknown resource code', async () => {
    const r = await datong(['ingest', path.join(dir, 'bad.csv'), '--dataset', '9.99/999999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no published catalog entry/);
  }, 60_000);

  it("loads through another node's HTTP API with --server, logging in with --user", async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address();
    const url = typeof address === 'object' && address ? `http://127.0.0.1:${address.port}` : '';
    const steward = await makeUser(t.pool, { roles: ['data_steward'], orgId });
    const file = path.join(dir, 'remote.csv');
    await fs.writeFile(file, iconv.encode(csv([row(201), row(202), `${uscc(203)},,,,`]), 'gb18030'));
    const args = ['ingest', file, '--dataset', code, '--mode', 'append', '--threshold', '0.5', '--json'];
    const r = await datong([...args, '--server', url, '--user', steward.username], {
      DATONG_PASSWORD: steward.password,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: 'done',
      rowsRead: 3,
      rowsInserted: 2,
      rowsRejected: 1,
    });
    const { rows } = await t.pool.query<{ source: Record<string, unknown>; started_by_name: string }>(
      'SELECT source, started_by_name FROM datong.ingest_batches ORDER BY id DESC LIMIT 1',
    );
    expect(rows[0]?.source).toMatchObject({ kind: 'upload', name: 'remote.csv', format: 'csv' });

    const wrong = await datong([...args, '--server', url, '--user', steward.username], {
      DATONG_PASSWORD: 'not the password',
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/401/);
    const none = await datong([...args, '--server', url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/DATONG_TOKEN/);
  }, 60_000);
});
