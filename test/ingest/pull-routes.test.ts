import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { startWorker } from '../../src/platform/jobs/index.js';
import { tasks } from '../../src/modules/index.js';
import { csv, ENTRY, row } from './fixtures/registry.js';

/** The pulls API through the real app, and runs through a real graphile-worker. */
let t: TestApp;
let steward: Record<string, string>;
let member: Record<string, string>;
let otherSteward: Record<string, string>;
let entryId: string;
let server: http.Server;
let origin: string;
let runner: Runner | undefined;

const CONNECTION = 'postgres://reader:S3cret%21pw@db.example.gov.cn:5433/registry?sslmode=require';
const MASKED = 'postgres://reader:***@db.example.gov.cn:5433/registry?sslmode=require';

interface Pull {
  id: string;
  entryId: string;
  name: string;
  kind: string;
  connection: string | null;
  query: string | null;
  watermark: string | null;
  watermarkColumn: string | null;
  schedule: string | null;
  enabled: boolean;
  timeoutSeconds: number;
  threshold: number;
  lastStatus: string | null;
  lastBatchId: number | null;
  lastRunAt: string | null;
  lastError: { 'zh-CN': string; en: string } | null;
  createdByName: string;
}

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers = steward,
  payload?: object,
) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const pullsUrl = () => `/api/catalog/entries/${entryId}/dataset/pulls`;

async function create(payload: object): Promise<Pull> {
  const res = await call('POST', pullsUrl(), steward, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Pull>();
}

async function until(pullId: string, done: (p: Pull) => boolean): Promise<Pull> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const list = (await call('GET', pullsUrl())).json<Pull[]>();
    const p = list.find((x) => x.id === pullId)!;
    if (done(p) || Date.now() > deadline) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool);
  const other = await makeOrg(t.pool);
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  steward = await token(['data_steward'], org.id);
  member = await token(['member'], org.id);
  otherSteward = await token(['data_steward'], other.id);
  const reviewer = await token(['sysadmin']);
  const made = await call('POST', '/api/catalog/entries', steward, {
    ...ENTRY,
    name: '企业登记拉取接口测试表',
  });
  expect(made.statusCode, made.body).toBe(201);
  entryId = made.json<{ id: string }>().id;
  expect((await call('POST', `/api/catalog/entries/${entryId}/submit`)).statusCode).toBe(200);
  expect((await call('POST', `/api/catalog/entries/${entryId}/approve`, reviewer)).statusCode).toBe(200);

  server = http.createServer((req, res) => {
    if (req.url === '/reg.csv') {
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.end(csv([row(1), row(2)]));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('gone');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await runner?.stop();
  server?.close();
  await t?.close();
});

describe('pull sources', () => {
  it('creates and lists an HTTP pull with defaults', async () => {
    const p = await create({ name: '每日登记', kind: 'http', mode: 'replace', url: `${origin}/reg.csv` });
    expect(p).toMatchObject({
      entryId,
      name: '每日登记',
      kind: 'http',
      mode: 'replace',
      url: `${origin}/reg.csv`,
      format: null,
      encoding: null,
      connection: null,
      query: null,
      watermarkColumn: null,
      watermark: null,
      schedule: null,
      enabled: true,
      timeoutSeconds: 60,
      threshold: 0.05,
      lastRunAt: null,
      lastBatchId: null,
      lastStatus: null,
      lastError: null,
    });
    expect(p.createdByName).toBeTruthy();
    // Readers of the entry see the pulls; other organisations may not add any.
    const listed = await call('GET', pullsUrl(), member);
    expect(listed.statusCode).toBe(200);
    expect(listed.json<Pull[]>().map((x) => x.id)).toContain(p.id);
    const outside = await call('POST', pullsUrl(), otherSteward, {
      name: 'x',
      kind: 'http',
      mode: 'append',
      url: origin,
    });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().code).toBe('dataset_out_of_scope');
    const byMember = await call('POST', pullsUrl(), member, {
      name: 'x',
      kind: 'http',
      mode: 'append',
      url: origin,
    });
    expect(byMember.statusCode).toBe(403);
  });

  it('refuses bad input with clear problems', async () => {
    const bad = async (payload: object, status: number, code: string) => {
      const res = await call('POST', pullsUrl(), steward, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(status);
      expect(res.json().code, JSON.stringify(payload)).toBe(code);
      return res.json<{ title: string }>();
    };
    const http = { name: 'x', kind: 'http', mode: 'append', url: `${origin}/a.csv` };
    const pg = { name: 'y', kind: 'postgres', mode: 'append', connection: CONNECTION, query: 'SELECT 1' };
    const p = await bad({ ...http, schedule: 'every day' }, 400, 'pull_schedule_invalid');
    expect(p.title).toMatch(/every day/);
    await bad({ ...http, schedule: '61 * * * *' }, 400, 'pull_schedule_invalid');
    await bad({ ...http, url: 'ftp://127.0.0.1/a.csv' }, 400, 'pull_url_invalid');
    await bad({ ...http, url: 'http://u:p@127.0.0.1/a.csv' }, 400, 'pull_url_invalid');
    await bad({ name: 'x', kind: 'http', mode: 'append' }, 400, 'pull_input_invalid');
    await bad({ ...pg, connection: undefined }, 400, 'pull_input_invalid');
    await bad({ ...pg, query: ' ' }, 400, 'pull_input_invalid');
    await bad({ ...pg, connection: 'host=db user=x password=y' }, 400, 'pull_connection_invalid');
    await bad({ ...pg, query: 'DELETE FROM t' }, 400, 'pull_query_invalid');
    await bad({ ...pg, query: 'SELECT 1; DROP TABLE t' }, 400, 'pull_query_invalid');
    await bad({ ...pg, mode: 'replace', watermarkColumn: 'updated_at' }, 400, 'pull_watermark_mode');
    await bad({ ...http, timeoutSeconds: 2 }, 400, 'validation');
    await bad({ ...http, threshold: 2 }, 400, 'validation');
    await bad({ ...http, kind: 'ftp' }, 400, 'validation');
    await bad({ ...http, extra: 1 }, 400, 'validation');
    await bad({ ...http, name: '每日登记' }, 409, 'pull_name_taken');
    const en = await call(
      'POST',
      pullsUrl(),
      { ...steward, 'accept-language': 'en' },
      { ...http, schedule: 'x' },
    );
    expect(en.json().title).toMatch(/not a valid five-field cron expression/);
  });

  it('stores a PostgreSQL connection sealed and never shows its password', async () => {
    const p = await create({
      name: '源库',
      kind: 'postgres',
      mode: 'upsert',
      connection: CONNECTION,
      query: 'SELECT uscc, qymc, updated_at FROM registry',
      watermarkColumn: 'updated_at',
      schedule: '30 2 * * *',
      timeoutSeconds: 120,
      threshold: 0.1,
    });
    expect(p).toMatchObject({
      connection: MASKED,
      watermarkColumn: 'updated_at',
      schedule: '30 2 * * *',
      timeoutSeconds: 120,
      threshold: 0.1,
      url: null,
    });
    const list = await call('GET', pullsUrl(), member);
    expect(list.body).not.toContain('S3cret');
    expect(list.body).toContain(MASKED);
    const { rows } = await t.pool.query<{ connection_sealed: Buffer }>(
      'SELECT connection_sealed FROM datong.ingest_pulls WHERE id = $1',
      [p.id],
    );
    const sealed = rows[0]!.connection_sealed;
    expect(sealed.toString('latin1')).not.toContain('S3cret');
    expect(sealed.toString('latin1')).not.toContain('db.example');
    expect(t.services.identity.open(sealed).toString('utf8')).toBe(CONNECTION);

    // Sent back as shown, the connection keeps its password; a new query forgets the watermark.
    await t.pool.query(`UPDATE datong.ingest_pulls SET watermark = '2024-01-01 00:00:00+00' WHERE id = $1`, [
      p.id,
    ]);
    const renamed = await call('PATCH', `/api/ingest/pulls/${p.id}`, steward, {
      name: '源库（登记）',
      connection: MASKED,
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({
      name: '源库（登记）',
      connection: MASKED,
      watermark: '2024-01-01 00:00:00+00',
    });
    const again = await t.pool.query<{ connection_sealed: Buffer }>(
      'SELECT connection_sealed FROM datong.ingest_pulls WHERE id = $1',
      [p.id],
    );
    expect(t.services.identity.open(again.rows[0]!.connection_sealed).toString('utf8')).toBe(CONNECTION);
    const requery = await call('PATCH', `/api/ingest/pulls/${p.id}`, steward, {
      query: 'SELECT uscc, qymc, updated_at FROM registry WHERE active',
    });
    expect(requery.json()).toMatchObject({ watermark: null, connection: MASKED });
    const badCron = await call('PATCH', `/api/ingest/pulls/${p.id}`, steward, { schedule: '* * *' });
    expect(badCron.json().code).toBe('pull_schedule_invalid');
    // Switching to replace with a watermark column is refused; dropping the column allows it.
    const replace = await call('PATCH', `/api/ingest/pulls/${p.id}`, steward, { mode: 'replace' });
    expect(replace.json().code).toBe('pull_watermark_mode');
    const ok = await call('PATCH', `/api/ingest/pulls/${p.id}`, steward, {
      mode: 'replace',
      watermarkColumn: null,
    });
    expect(ok.json()).toMatchObject({ mode: 'replace', watermarkColumn: null });
    // Another organisation's steward may not change it; an unknown pull is 404.
    const outside = await call('PATCH', `/api/ingest/pulls/${p.id}`, otherSteward, { enabled: false });
    expect(outside.statusCode).toBe(403);
    for (const [method, suffix] of [
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/run'],
    ] as const) {
      const res = await call(
        method,
        `/api/ingest/pulls/00000000-0000-4000-8000-000000000000${suffix}`,
        steward,
        method === 'PATCH' ? { enabled: false } : undefined,
      );
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('pull_not_found');
    }
    // Deleting it: 204, gone from the list.
    expect((await call('DELETE', `/api/ingest/pulls/${p.id}`)).statusCode).toBe(204);
    expect((await call('GET', pullsUrl())).json<Pull[]>().map((x) => x.id)).not.toContain(p.id);

    await t.services.ledger.flush();
    const { rows: audit } = await t.pool.query<{ action: string; detail: Record<string, unknown> }>(
      `SELECT action, detail FROM audit.events WHERE object_id = $1 ORDER BY seq`,
      [p.id],
    );
    expect(audit.map((a) => a.action)).toEqual([
      'ingest.pull.create',
      'ingest.pull.update',
      'ingest.pull.update',
      'ingest.pull.update',
      'ingest.pull.delete',
    ]);
    expect(audit[0]!.detail).toMatchObject({ host: 'db.example.gov.cn', database: 'registry', name: '源库' });
    expect(JSON.stringify(audit)).not.toContain('S3cret');
  });

  it('runs a pull through the worker, and leaves a failed one to graphile-worker’s retries', async () => {
    const good = await create({ name: '立即拉取', kind: 'http', mode: 'replace', url: `${origin}/reg.csv` });
    const bad = await create({ name: '失效地址', kind: 'http', mode: 'replace', url: `${origin}/gone.csv` });
    runner = await startWorker(t.pool, tasks(t.services), pino({ level: 'silent' }), 1);
    const queued = await call('POST', `/api/ingest/pulls/${good.id}/run`);
    expect(queued.statusCode, queued.body).toBe(202);
    expect(queued.json()).toMatchObject({ id: good.id, lastStatus: 'queued' });
    const done = await until(good.id, (p) => p.lastStatus === 'done' || p.lastStatus === 'failed');
    expect(done).toMatchObject({ lastStatus: 'done', lastError: null });
    expect(done.lastRunAt).not.toBeNull();
    const batch = await call('GET', `/api/ingest/batches/${done.lastBatchId}`);
    expect(batch.json()).toMatchObject({ status: 'done', rowsInserted: 2, startedByName: '拉取:立即拉取' });

    expect((await call('POST', `/api/ingest/pulls/${bad.id}/run`)).statusCode).toBe(202);
    const failed = await until(bad.id, (p) => p.lastStatus === 'failed');
    expect(failed.lastError?.['zh-CN']).toMatch(/返回 HTTP 404/);
    // The job stays queued for a retry, with its key and three attempts in all.
    let job: { attempts: number; max_attempts: number; last_error: string | null } | undefined;
    for (let i = 0; i < 50 && !job?.last_error; i++) {
      const { rows } = await t.pool.query(
        `SELECT attempts, max_attempts, last_error FROM graphile_worker.jobs WHERE key = $1`,
        [`ingest:pull:${bad.id}`],
      );
      job = rows[0];
      if (!job?.last_error) await new Promise((r) => setTimeout(r, 100));
    }
    expect(job).toMatchObject({ attempts: 1, max_attempts: 3 });
    expect(job!.last_error).toMatch(/answered HTTP 404/);

    await t.services.ledger.flush();
    const { rows: audit } = await t.pool.query(
      `SELECT actor_type, action FROM audit.events WHERE action = 'ingest.pull.run' AND object_id = $1`,
      [good.id],
    );
    expect(audit).toEqual([{ actor_type: 'user', action: 'ingest.pull.run' }]);
  });
});
