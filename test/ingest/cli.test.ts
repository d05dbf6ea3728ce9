import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { makeOrg } from '../support/factories.js';
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
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-ingest-cli-'));
  const org = await makeOrg(t.pool);
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
});
