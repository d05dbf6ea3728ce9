import http from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import pg from 'pg';
import type { JobHelpers, TaskSpec } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { withTx } from '../../src/platform/db/pool.js';
import type { FieldInput } from '../../src/modules/catalog/schemas.js';
import { compileChecker } from '../../src/modules/ingest/check.js';
import { datasetNameOf, ensureDataset } from '../../src/modules/ingest/tables.js';
import {
  keepPassword,
  maskConnection,
  openPull,
  sealConnection,
  singleSelect,
} from '../../src/modules/ingest/pull.js';
import {
  ingestPullTasks,
  PULL_MAX_ATTEMPTS,
  PULL_SCHEDULE_TASK,
  PULL_TASK,
  runPull,
  schedulePulls,
  type PullPayload,
} from '../../src/modules/ingest/pull-jobs.js';
import * as store from '../../src/modules/ingest/pull-store.js';
import type { PullFields, PullRow } from '../../src/modules/ingest/pull-store.js';
import { csv, ENTRY, idNo, row, uscc } from './fixtures/registry.js';

/**
 * Pulls end to end on a real database: HTTP(S) sources from a local server on 127.0.0.1 (CSV,
 * GBK CSV, JSON, NDJSON; timeouts, web pages, garbage, 404) and an external PostgreSQL source (a
 * database of its own on the test server) read incrementally by a watermark column; the jobs'
 * retry and scheduling behaviour through the task functions with a fake helpers.addJob.
 */
let t: TestApp;
let entryId: string;
let datasetId: string;
let view: string;
let server: http.Server;
let origin: string;
let srcDb: string;
let srcUrl: string;
let src: pg.Client;

const TIMEOUT = 5; // the smallest a pull allows

async function post(url: string, headers: Record<string, string>, payload?: object) {
  const res = await t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<{ id: string }>();
}

/** The large body whose transfer stalls after the readers' sample, mid-load. */
const STALL_ROWS = Array.from({ length: 1200 }, (_, i) => row(2000 + i));

function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  const send = (type: string | null, body: string | Buffer, status = 200) => {
    res.writeHead(status, type ? { 'content-type': type } : {});
    res.end(body);
  };
  switch (path) {
    case '/reg.csv':
      return send('text/csv; charset=utf-8', csv([row(1), row(2), row(3)]));
    case '/reg-gbk.csv':
      return send(
        'application/octet-stream',
        iconv.encode(csv([row(4), row(5), row(6, '广州市白云区测试企业')]), 'gbk'),
      );
    case '/data.json':
      return send(
        'application/json',
        JSON.stringify(
          [7, 8].map((n) => ({
            uscc: uscc(n),
            qymc: `测试企业${n}有限公司`,
            fddbrsfzh: idNo(n),
            zczb: '1.50',
          })),
        ),
      );
    case '/export':
      return send(
        'application/x-ndjson',
        [9, 10, 11].map((n) => JSON.stringify({ uscc: uscc(n), qymc: `测试企业${n}有限公司` })).join('\n') +
          '\n',
      );
    case '/missing.csv':
      return send('text/plain', 'not here', 404);
    case '/page':
      return send('text/html; charset=utf-8', '<!DOCTYPE html><html><body>登录</body></html>');
    case '/sniff.csv':
      return send('text/plain', '\n<!doctype html>\n<html><head><title>Login</title></head></html>');
    case '/garbage.csv':
      return send(
        'text/csv',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49]),
      );
    case '/bad.csv':
      return send('text/csv', csv([row(30), `${uscc(31).slice(0, 17)}I,坏代码企业,,1,2020-01-01`]));
    case '/noformat':
      return send('text/plain', 'a,b\n1,2\n');
    case '/hang':
      return; // never answers
    case '/stall.csv':
      // More than the readers' 64 KiB sample, then nothing: the load has started when it stalls.
      res.writeHead(200, { 'content-type': 'text/csv' });
      res.write(csv(STALL_ROWS));
      return;
    default:
      return send('text/plain', 'no', 404);
  }
}

const fakeAdd = () => {
  const calls: { payload: PullPayload; spec: TaskSpec }[] = [];
  return { calls, add: async (payload: PullPayload, spec: TaskSpec) => void calls.push({ payload, spec }) };
};

async function addPull(p: Partial<PullFields> & { name: string }): Promise<PullRow> {
  return store.insertPull(
    t.pool,
    datasetId,
    {
      kind: 'http',
      mode: 'replace',
      url: null,
      format: null,
      encoding: null,
      connectionSealed: null,
      query: null,
      watermarkColumn: null,
      schedule: null,
      enabled: true,
      timeoutSeconds: TIMEOUT,
      threshold: 0.05,
      ...p,
    },
    { id: null, name: 'test' },
  );
}

async function run(pull: PullRow, trigger: PullPayload['trigger'] = 'manual') {
  const outcome = await runPull(t.services, { pullId: pull.id, trigger }, fakeAdd().add);
  if (!outcome.ran) throw new Error(`the pull did not run: ${outcome.why}`);
  return outcome.result;
}

const batchRow = async (id: number) =>
  (
    await t.pool.query<{
      status: string;
      error: { 'zh-CN': string; en: string } | null;
      started_by_name: string;
      source: Record<string, unknown>;
      rows_read: number;
    }>('SELECT status, error, started_by_name, source, rows_read FROM datong.ingest_batches WHERE id = $1', [
      id,
    ])
  ).rows[0]!;

const names = async () =>
  (await t.pool.query<{ qymc: string }>(`SELECT qymc FROM ${view} ORDER BY uscc`)).rows.map((r) => r.qymc);

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool);
  const s = await makeUser(t.pool, { roles: ['data_steward'], orgId: org.id });
  const r = await makeUser(t.pool, { roles: ['sysadmin'] });
  const steward = { authorization: `Bearer ${await bearerFor(t.app, s.username, s.password)}` };
  const reviewer = { authorization: `Bearer ${await bearerFor(t.app, r.username, r.password)}` };
  entryId = (await post('/api/catalog/entries', steward, { ...ENTRY, name: '企业登记拉取测试表' } as object))
    .id;
  await post(`/api/catalog/entries/${entryId}/submit`, steward);
  await post(`/api/catalog/entries/${entryId}/approve`, reviewer);
  const ds = await withTx(t.pool, (tx) => ensureDataset(tx, entryId));
  datasetId = ds.id;
  view = `ds."${datasetNameOf((await t.pool.query<{ code: string }>('SELECT code FROM datong.catalog_entries WHERE id = $1', [entryId])).rows[0]!.code)}"`;

  server = http.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // The external database: one of its own on the test server, with a source table.
  srcDb = `pull_src_${Math.random().toString(16).slice(2, 10)}`;
  await t.pool.query(`CREATE DATABASE ${srcDb}`);
  const u = new URL(t.url);
  u.pathname = `/${srcDb}`;
  srcUrl = u.toString();
  src = new pg.Client({ connectionString: srcUrl });
  await src.connect();
  await src.query(`CREATE TABLE companies (
    uscc text PRIMARY KEY, name text, id_no text, capital numeric(18, 2), founded date,
    updated_at timestamptz NOT NULL, active boolean)`);
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await src?.end();
  if (srcDb) await t.pool.query(`DROP DATABASE IF EXISTS ${srcDb} WITH (FORCE)`);
  await t?.close();
});

describe('checks of a pull definition', () => {
  it('accepts one SELECT or WITH statement and nothing else', () => {
    expect(singleSelect('SELECT 1')).toBe('SELECT 1');
    expect(singleSelect("  select a, b from t where x = ';' ;  -- done\n;")).toBe(
      "select a, b from t where x = ';'",
    );
    expect(singleSelect('/* lead */ WITH x AS (SELECT 1) SELECT * FROM x')).not.toBeNull();
    expect(singleSelect("SELECT $q$ ; DROP TABLE t $q$, E'\\' ;', \"a;b\" FROM t")).not.toBeNull();
    expect(singleSelect('SELECT 1; DROP TABLE t')).toBeNull();
    expect(singleSelect('DELETE FROM t')).toBeNull();
    expect(singleSelect('INSERT INTO t SELECT 1')).toBeNull();
    expect(singleSelect("SELECT 'unterminated")).toBeNull();
    expect(singleSelect('SELECT 1 /* open')).toBeNull();
    expect(singleSelect('(SELECT 1); SELECT 2')).toBeNull();
    expect(singleSelect('')).toBeNull();
  });

  it('masks a connection string and keeps the stored password when *** comes back', () => {
    const conn = 'postgres://reader:s3cr%40t@db.example:5433/src?sslmode=disable';
    const shown = maskConnection(conn);
    expect(shown).toBe('postgres://reader:***@db.example:5433/src?sslmode=disable');
    expect(shown).not.toContain('s3cr');
    expect(keepPassword(shown, conn)).toBe(conn);
    expect(keepPassword('postgres://reader:new@db.example:5433/src', conn)).toBe(
      'postgres://reader:new@db.example:5433/src',
    );
    expect(maskConnection('postgres://h/db?password=x')).toBe('postgres://h/db?password=***');
  });
});

describe('HTTP pulls', () => {
  it('loads CSV, GBK CSV, JSON and NDJSON, with the format from the extension or Content-Type', async () => {
    const csvPull = await addPull({ name: 'csv', url: `${origin}/reg.csv` });
    const r1 = await run(csvPull);
    expect(r1).toMatchObject({ status: 'done', rowsRead: 3, rowsInserted: 3, error: null });
    expect(await names()).toEqual(['测试企业1有限公司', '测试企业2有限公司', '测试企业3有限公司']);
    const b1 = await batchRow(r1.batchId);
    expect(b1.started_by_name).toBe('拉取:csv');
    expect(b1.source).toMatchObject({
      kind: 'url',
      pull: csvPull.id,
      format: 'csv',
      url: `${origin}/reg.csv`,
    });
    expect(await store.getPull(t.pool, csvPull.id)).toMatchObject({
      lastStatus: 'done',
      lastBatchId: r1.batchId,
      lastError: null,
    });

    const gbk = await run(await addPull({ name: 'gbk', url: `${origin}/reg-gbk.csv` }));
    expect(gbk).toMatchObject({ status: 'done', rowsRead: 3, rowsInserted: 3 });
    expect(await names()).toContain('广州市白云区测试企业');

    const json = await run(await addPull({ name: 'json', url: `${origin}/data.json` }));
    expect(json).toMatchObject({ status: 'done', rowsRead: 2, rowsInserted: 2 });

    const nd = await addPull({ name: 'ndjson', url: `${origin}/export?since=0`, mode: 'upsert' });
    const r4 = await run(nd);
    expect(r4).toMatchObject({ status: 'done', rowsRead: 3, rowsInserted: 3 });
    expect((await batchRow(r4.batchId)).source).toMatchObject({
      format: 'ndjson',
      contentType: 'application/x-ndjson',
    });
    expect(await names()).toEqual([
      '测试企业7有限公司',
      '测试企业8有限公司',
      '测试企业9有限公司',
      '测试企业10有限公司',
      '测试企业11有限公司',
    ]);
  });

  it('fails the batch with a clear reason on 404, a web page, garbage or an unknown format', async () => {
    const cases: [string, RegExp, RegExp][] = [
      ['/missing.csv', /返回 HTTP 404/, /answered HTTP 404/],
      ['/page', /返回的是网页（text\/html/, /answered a web page/],
      ['/sniff.csv', /返回的是网页/, /web page/],
      ['/garbage.csv', /不是文本/, /not text/],
      ['/noformat', /无法从地址或 Content-Type（text\/plain）判断/, /cannot be told/],
    ];
    for (const [path, zh, en] of cases) {
      const pull = await addPull({ name: `bad ${path}`, url: `${origin}${path}` });
      const r = await run(pull);
      expect(r.status, path).toBe('failed');
      const b = await batchRow(r.batchId);
      expect(b.status).toBe('failed');
      expect(b.error?.['zh-CN'], path).toMatch(zh);
      expect(b.error?.en, path).toMatch(en);
      expect(b.started_by_name).toBe(`拉取:bad ${path}`);
      const after = await store.getPull(t.pool, pull.id);
      expect(after).toMatchObject({ lastStatus: 'failed', lastBatchId: r.batchId, lastError: b.error });
    }
    // The dataset still shows the NDJSON load.
    expect(await names()).toHaveLength(5);
  });

  it('times out a server that never answers, and one that stalls midway', { timeout: 20_000 }, async () => {
    const hang = await addPull({ name: 'hang', url: `${origin}/hang` });
    const stall = await addPull({ name: 'stall', url: `${origin}/stall.csv` });
    const started = Date.now();
    const [h, s] = await Promise.all([run(hang), run(stall)]);
    expect(Date.now() - started).toBeLessThan(12_000);
    expect(h.status).toBe('failed');
    expect(h.error?.['zh-CN']).toMatch(/在 5 秒内没有响应/);
    expect(h.error?.en).toMatch(/did not answer within 5 s/);
    expect((await batchRow(h.batchId)).error).toEqual(h.error);
    // The stalled load had started (rows were read) and failed with the source's own reason.
    expect(s.status).toBe('failed');
    expect(s.rowsRead).toBeGreaterThan(0);
    const b = await batchRow(s.batchId);
    expect(b.error?.['zh-CN']).toMatch(/超过 5 秒没有发送数据/);
    expect(b.error?.en).toMatch(/sent nothing for 5 s/);
    expect(await names()).toHaveLength(5);
  });
});

describe('jobs', () => {
  it('throws for a failed pull, so that graphile-worker retries it; not for an aborted one', async () => {
    const tasks = ingestPullTasks(t.services);
    const task = tasks.find((x) => x.name === PULL_TASK)!.task;
    expect(tasks.find((x) => x.name === PULL_SCHEDULE_TASK)?.schedule).toBe('* * * * *');
    const { add } = fakeAdd();
    const helpers = {
      addJob: (_: string, p: PullPayload, s: TaskSpec) => add(p, s),
    } as unknown as JobHelpers;
    const failing = await addPull({ name: 'job-404', url: `${origin}/missing.csv` });
    await expect(task({ pullId: failing.id, trigger: 'manual' }, helpers)).rejects.toThrow(
      /answered HTTP 404/,
    );
    // A rejected row above the threshold aborts the batch; retrying would read the same.
    const aborting = await addPull({
      name: 'job-abort',
      url: `${origin}/bad.csv`,
      mode: 'append',
      threshold: 0,
    });
    await expect(task({ pullId: aborting.id, trigger: 'manual' }, helpers)).resolves.toBeUndefined();
    expect((await store.getPull(t.pool, aborting.id))?.lastStatus).toBe('aborted');
    // A pull deleted after it was queued: nothing to do.
    const gone = await addPull({ name: 'job-gone', url: `${origin}/reg.csv` });
    await store.deletePull(t.pool, gone.id);
    await expect(task({ pullId: gone.id, trigger: 'manual' }, helpers)).resolves.toBeUndefined();
    await expect(task({ pullId: 'x' }, helpers)).rejects.toThrow(/needs/);
  });

  it('queues a due scheduled pull once, with its job key and few attempts', async () => {
    const due = await addPull({ name: 'sched-due', url: `${origin}/reg.csv`, schedule: '*/5 * * * *' });
    const later = await addPull({ name: 'sched-later', url: `${origin}/reg.csv`, schedule: '0 3 1 1 *' });
    const off = await addPull({
      name: 'sched-off',
      url: `${origin}/reg.csv`,
      schedule: '* * * * *',
      enabled: false,
    });
    // A new schedule starts from its creation: nothing is due yet.
    const first = fakeAdd();
    expect(await schedulePulls(t.pool, first.add, due.lastScheduledAt!)).toEqual([]);
    expect(first.calls).toEqual([]);
    await t.pool.query(
      `UPDATE datong.ingest_pulls SET last_scheduled_at = now() - interval '1 hour' WHERE id = ANY($1)`,
      [[due.id, later.id, off.id]],
    );
    // Through the task itself, with graphile-worker's helpers faked.
    const added: { task: string; payload: PullPayload; spec: TaskSpec }[] = [];
    const helpers = {
      addJob: async (task: string, payload: PullPayload, spec: TaskSpec) =>
        void added.push({ task, payload, spec }),
    } as unknown as JobHelpers;
    const schedule = ingestPullTasks(t.services).find((x) => x.name === PULL_SCHEDULE_TASK)!.task;
    await schedule({}, helpers);
    expect(added).toEqual([
      {
        task: PULL_TASK,
        payload: { pullId: due.id, trigger: 'schedule' },
        spec: { jobKey: `ingest:pull:${due.id}`, maxAttempts: PULL_MAX_ATTEMPTS },
      },
    ]);
    expect((await store.getPull(t.pool, due.id))?.lastStatus).toBe('queued');
    // Queued once per firing.
    await schedule({}, helpers);
    expect(added).toHaveLength(1);
    // A scheduled run names the schedule; a pull disabled after it was queued does not run.
    const r = await run(due, 'schedule');
    expect((await batchRow(r.batchId)).started_by_name).toBe('定时拉取:sched-due');
    const skipped = await runPull(t.services, { pullId: off.id, trigger: 'schedule' }, fakeAdd().add);
    expect(skipped).toEqual({ ran: false, why: 'disabled' });
  });

  it('lets one run of a pull at a time: a second job comes back later', async () => {
    const pull = await addPull({ name: 'busy', url: `${origin}/reg.csv` });
    const lock = await t.pool.connect();
    try {
      await lock.query(`SELECT pg_advisory_lock(4400003, hashtext($1))`, [pull.id]);
      const again = fakeAdd();
      const outcome = await runPull(t.services, { pullId: pull.id, trigger: 'manual' }, again.add);
      expect(outcome).toEqual({ ran: false, why: 'busy' });
      expect(again.calls).toHaveLength(1);
      expect(again.calls[0]!.spec.jobKey).toBe(`ingest:pull:${pull.id}`);
      expect(again.calls[0]!.spec.runAt!.getTime()).toBeGreaterThan(Date.now() + 10_000);
    } finally {
      await lock.query(`SELECT pg_advisory_unlock(4400003, hashtext($1))`, [pull.id]);
      lock.release();
    }
  });
});

describe('PostgreSQL pulls', () => {
  const QUERY = `SELECT uscc, name AS qymc, id_no AS fddbrsfzh, capital AS zczb, founded AS clrq, updated_at, active
    FROM companies -- every company`;
  const insert = (n: number, at: string, name = `源库企业${n}有限公司`, code = uscc(n)) =>
    src.query('INSERT INTO companies VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      code,
      name,
      idNo(n),
      `${n}.25`,
      '2021-06-30',
      at,
      n % 2 === 0,
    ]);
  const watermarkOf = async (id: string) => (await store.getPull(t.pool, id))!.watermark;

  it('loads incrementally by a watermark column; failed and aborted runs leave the watermark', async () => {
    await insert(501, '2024-01-01 10:00:00+08');
    await insert(502, '2024-01-01 11:00:00+08');
    await insert(503, '2024-01-01 12:00:00+08');
    const pull = await addPull({
      name: '源库增量',
      kind: 'postgres',
      mode: 'upsert',
      connectionSealed: sealConnection(t.services.identity, srcUrl),
      query: QUERY,
      watermarkColumn: 'updated_at',
      threshold: 0,
    });
    const r1 = await run(pull);
    expect(r1).toMatchObject({ status: 'done', rowsRead: 3, rowsInserted: 3, rowsRejected: 0 });
    expect(await watermarkOf(pull.id)).toBe('2024-01-01 04:00:00+00');
    const b1 = await batchRow(r1.batchId);
    expect(b1.source).toMatchObject({
      kind: 'postgres',
      database: srcDb,
      watermarkColumn: 'updated_at',
      after: null,
    });
    expect(JSON.stringify(b1.source)).not.toContain(new URL(srcUrl).password);
    const { rows: loaded } = await t.pool.query(
      `SELECT qymc, zczb::text, clrq::text FROM ${view} WHERE uscc = $1`,
      [uscc(501)],
    );
    expect(loaded[0]).toEqual({ qymc: '源库企业501有限公司', zczb: '501.25', clrq: '2021-06-30' });

    // Newer rows and a changed one: only those are read.
    await insert(504, '2024-01-02 09:00:00+08');
    await insert(505, '2024-01-02 09:30:00+08');
    await src.query(
      `UPDATE companies SET name = '源库企业501（更名）', updated_at = '2024-01-02 10:00:00+08' WHERE uscc = $1`,
      [uscc(501)],
    );
    const r2 = await run(pull);
    expect(r2).toMatchObject({ status: 'done', rowsRead: 3, rowsInserted: 2, rowsUpdated: 1 });
    expect(await watermarkOf(pull.id)).toBe('2024-01-02 02:00:00+00');
    expect((await batchRow(r2.batchId)).source).toMatchObject({
      after: '2024-01-01 04:00:00+00',
      to: '2024-01-02 02:00:00+00',
    });

    // Nothing new: an empty batch, the watermark stays.
    const r3 = await run(pull);
    expect(r3).toMatchObject({ status: 'done', rowsRead: 0 });
    expect(await watermarkOf(pull.id)).toBe('2024-01-02 02:00:00+00');

    // A failing source: the batch fails with the database's reason, the watermark stays.
    await insert(506, '2024-01-03 09:00:00+08');
    await src.query('ALTER TABLE companies RENAME TO companies_moved');
    const r4 = await run(pull);
    expect(r4.status).toBe('failed');
    expect(r4.error?.en).toMatch(/companies.*does not exist/);
    expect((await batchRow(r4.batchId)).error?.['zh-CN']).toMatch(/源数据库出错（42P01）/);
    expect(await watermarkOf(pull.id)).toBe('2024-01-02 02:00:00+00');
    await src.query('ALTER TABLE companies_moved RENAME TO companies');

    // A bad row with threshold 0: aborted, the watermark stays, and the job does not retry.
    await insert(507, '2024-01-03 10:00:00+08', '坏代码企业', `${uscc(507).slice(0, 17)}I`);
    const task = ingestPullTasks(t.services).find((x) => x.name === PULL_TASK)!.task;
    await task({ pullId: pull.id, trigger: 'manual' }, {
      addJob: async () => undefined,
    } as unknown as JobHelpers);
    const aborted = (await store.getPull(t.pool, pull.id))!;
    expect(aborted.lastStatus).toBe('aborted');
    expect(aborted.watermark).toBe('2024-01-02 02:00:00+00');

    // Fixed at the source: the next run reads 506 and the corrected 507.
    await src.query(
      `UPDATE companies SET uscc = $1, updated_at = '2024-01-03 11:00:00+08' WHERE name = '坏代码企业'`,
      [uscc(507)],
    );
    const r6 = await run(pull);
    expect(r6).toMatchObject({ status: 'done', rowsRead: 2, rowsInserted: 2 });
    expect(await watermarkOf(pull.id)).toBe('2024-01-03 03:00:00+00');
    const { rows: n } = await t.pool.query(`SELECT count(*)::int AS n FROM ${view} WHERE uscc = ANY($1)`, [
      [501, 502, 503, 504, 505, 506, 507].map(uscc),
    ]);
    expect(n[0].n).toBe(7);
  });

  it('writes dates, times, booleans and numbers in forms the row checker accepts', async () => {
    const pull = await addPull({
      name: '类型',
      kind: 'postgres',
      mode: 'append',
      connectionSealed: sealConnection(t.services.identity, srcUrl),
      query: `SELECT true AS b, false AS f, timestamptz '2024-03-01 08:30:00+08' AS ts, date '2024-02-29' AS d,
        timestamp '2024-03-01 08:30:00.123' AS lt, 12.50::numeric(10, 2) AS n, '{"a": [1, 2.50]}'::jsonb AS j,
        42::bigint AS i, NULL::text AS z, timestamptz '1900-01-01 00:00:00+08' AS old`,
    });
    const opened = await openPull(t.services.identity, pull);
    try {
      expect(opened.source.header).toEqual(['b', 'f', 'ts', 'd', 'lt', 'n', 'j', 'i', 'z', 'old']);
      const field = (code: string, type: string, extra: object = {}) =>
        ({
          name: code,
          code,
          type,
          required: false,
          key: false,
          piiKind: 'none',
          grade: 1,
          ...extra,
        }) as FieldInput;
      const fields = [
        field('b', 'boolean'),
        field('f', 'boolean'),
        field('ts', 'datetime'),
        field('d', 'date'),
        field('lt', 'datetime'),
        field('n', 'decimal', { precision: 10, scale: 2 }),
        field('j', 'json'),
        field('i', 'integer'),
        field('z', 'string', { length: 10 }),
        field('old', 'datetime'),
      ];
      const checker = compileChecker(
        fields,
        fields.map((_, i) => i),
        { codeTables: new Map() },
      );
      const lines: string[] = [];
      for await (const rec of opened.source.records) {
        const checked = checker.check(rec.row, rec.values);
        expect(checked, JSON.stringify(rec.values)).toHaveProperty('line');
        if ('line' in checked) lines.push(checked.line.replace(/\n$/, ''));
      }
      expect(lines).toHaveLength(1);
      expect(lines[0]!.split('\t')).toEqual([
        'true',
        'false',
        '2024-03-01T00:30:00+00:00',
        '2024-02-29',
        '2024-03-01T08:30:00.123+08:00',
        '12.50',
        '{"a":[1,2.50]}',
        '42',
        '\\N',
        '1899-12-31T16:00:00+00:00',
      ]);
    } finally {
      await opened.close();
    }
  });

  it('fails the batch when the source database errs midway, leaving the data as it was', async () => {
    const before = await t.pool.query(`SELECT count(*)::int AS n FROM ${view}`);
    const pull = await addPull({
      name: '中途出错',
      kind: 'postgres',
      mode: 'append',
      threshold: 1,
      connectionSealed: sealConnection(t.services.identity, srcUrl),
      // About 400 KB before row 3000 divides by zero: the load is well under way by then.
      query: `SELECT lpad(n::text, 18, '9') AS uscc, repeat('企', 40) AS qymc, 1 / (n - 3000) AS boom
        FROM generate_series(1, 4000) n`,
    });
    const r = await run(pull);
    expect(r.status).toBe('failed');
    expect(r.rowsRead).toBeGreaterThan(0);
    expect(r.error?.['zh-CN']).toMatch(/源数据库出错（22012）/);
    expect((await batchRow(r.batchId)).error).toEqual(r.error);
    expect((await t.pool.query(`SELECT count(*)::int AS n FROM ${view}`)).rows).toEqual(before.rows);
  });

  it('closes the source when the load stops before reading it', async () => {
    const pull = await addPull({
      name: '缺列',
      kind: 'postgres',
      mode: 'append',
      connectionSealed: sealConnection(t.services.identity, srcUrl),
      query: 'SELECT n AS nothing FROM generate_series(1, 200000) n',
    });
    const r = await run(pull);
    expect(r.status).toBe('aborted');
    expect(r.error?.['zh-CN']).toMatch(/缺少必需的列/);
    // The connection is gone (its backend may take a moment to leave pg_stat_activity).
    let open = -1;
    for (let i = 0; i < 20 && open !== 0; i++) {
      if (i) await new Promise((resolve) => setTimeout(resolve, 50));
      const { rows } = await src.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'datong-pull'`,
      );
      open = rows[0].n;
    }
    expect(open).toBe(0);
  });

  it('stores the connection sealed, refuses other statements and reports unreachable databases', async () => {
    const sealed = sealConnection(t.services.identity, srcUrl);
    expect(sealed.toString('latin1')).not.toContain(new URL(srcUrl).password);
    expect(sealed.toString('latin1')).not.toContain('postgres://');
    const del = await addPull({
      name: '删除语句',
      kind: 'postgres',
      mode: 'append',
      connectionSealed: sealed,
      query: 'DELETE FROM companies',
    });
    const r1 = await run(del);
    expect(r1.status).toBe('failed');
    expect(r1.error?.['zh-CN']).toMatch(/查询必须是一条 SELECT/);
    expect((await src.query('SELECT count(*)::int AS n FROM companies')).rows[0].n).toBe(7);
    // A data-modifying statement hidden in a SELECT is stopped by the read-only transaction.
    const hidden = await addPull({
      name: '隐藏写入',
      kind: 'postgres',
      mode: 'append',
      connectionSealed: sealed,
      query: 'SELECT uscc FROM companies FOR UPDATE',
    });
    const r2 = await run(hidden);
    expect(r2.status).toBe('failed');
    expect(r2.error?.en).toMatch(/read-only transaction/);

    const refused = await addPull({
      name: '连不上',
      kind: 'postgres',
      mode: 'append',
      connectionSealed: sealConnection(t.services.identity, 'postgres://u:pw@127.0.0.1:1/none'),
      query: 'SELECT 1 AS uscc',
    });
    const r3 = await run(refused);
    expect(r3.status).toBe('failed');
    expect(r3.error?.['zh-CN']).toMatch(/无法连接源数据库 127\.0\.0\.1:1\/none/);
    const b3 = await batchRow(r3.batchId);
    expect(b3.source).toMatchObject({ kind: 'postgres', host: '127.0.0.1', database: 'none' });
    expect(JSON.stringify(b3.source)).not.toContain('pw');
  });
});
