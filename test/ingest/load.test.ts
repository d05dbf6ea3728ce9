import { spawn } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { systemContext } from '../../src/platform/context.js';
import { openSource, type Format, type RecordSource } from '../../src/modules/ingest/read/index.js';
import {
  failInterruptedBatches,
  loadBatch,
  mapColumns,
  type LoadMode,
} from '../../src/modules/ingest/load.js';
import { datasetNameOf } from '../../src/modules/ingest/tables.js';
import { csv, ENTRY, HEADER, idNo, row, uscc } from './fixtures/registry.js';

/** Loads through the real pipeline: reader → row check → COPY → mode, on a real database. */
let t: TestApp;
let steward: Record<string, string>;
let reviewer: Record<string, string>;
let entryId: string;
let view: string;

async function post(url: string, headers: Record<string, string>, payload?: object) {
  const res = await t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json<{ id: string }>();
}

async function load(
  mode: LoadMode,
  text: string | Buffer,
  opts: { format?: Format; threshold?: number } = {},
) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const source = await openSource(Readable.from([bytes]), { format: opts.format ?? 'csv' });
  return loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode,
    source,
    sourceInfo: { kind: 'test', format: opts.format ?? 'csv' },
    format: opts.format ?? 'csv',
    totalBytes: bytes.length,
    rejectThreshold: opts.threshold,
  });
}

const rows = async () =>
  (
    await t.pool.query<{ uscc: string; qymc: string; zczb: string }>(
      `SELECT uscc, qymc, zczb::text FROM ${view} ORDER BY uscc`,
    )
  ).rows;

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool);
  const s = await makeUser(t.pool, { roles: ['data_steward'], orgId: org.id });
  const r = await makeUser(t.pool, { roles: ['sysadmin'] });
  steward = { authorization: `Bearer ${await bearerFor(t.app, s.username, s.password)}` };
  reviewer = { authorization: `Bearer ${await bearerFor(t.app, r.username, r.password)}` };
  entryId = (await post('/api/catalog/entries', steward, ENTRY as object)).id;
  await post(`/api/catalog/entries/${entryId}/submit`, steward);
  await post(`/api/catalog/entries/${entryId}/approve`, reviewer);
  const { rows: e } = await t.pool.query<{ code: string }>(
    'SELECT code FROM datong.catalog_entries WHERE id = $1',
    [entryId],
  );
  view = `ds."${datasetNameOf(e[0]!.code)}"`;
});

afterAll(async () => {
  await t?.close();
});

describe('header mapping', () => {
  it('maps by saved mapping, field code (any case) and Chinese field name', () => {
    const cols = [
      { code: 'uscc', name: '统一社会信用代码' },
      { code: 'qymc', name: '企业名称' },
      { code: 'clrq', name: '成立日期' },
    ];
    expect(mapColumns(['USCC', ' 企业名称 ', 'x'], cols)).toEqual([0, 1, -1]);
    expect(mapColumns(['代码', '名称', '日期'], cols, { 代码: 'uscc', 日期: 'clrq' })).toEqual([0, -1, 2]);
  });
});

describe('modes', () => {
  it('replace: a new version behind the view, the batch recorded and audited', async () => {
    const r = await load('replace', csv([row(1), row(2), row(3)]));
    expect(r).toMatchObject({
      status: 'done',
      rowsRead: 3,
      rowsAccepted: 3,
      rowsRejected: 0,
      rowsInserted: 3,
      version: 2,
    });
    expect((await rows()).map((x) => x.qymc)).toEqual([
      '测试企业1有限公司',
      '测试企业2有限公司',
      '测试企业3有限公司',
    ]);
    const { rows: b } = await t.pool.query(
      'SELECT status, mode, rows_inserted FROM datong.ingest_batches WHERE id = $1',
      [r.batchId],
    );
    expect(b[0]).toEqual({ status: 'done', mode: 'replace', rows_inserted: 3 });
    await t.services.ledger.flush(); // events get their positions (and view rows) when sequenced
    const { rows: audit } = await t.pool.query<{ detail: { batch: number; inserted: number } }>(
      `SELECT detail FROM audit.events WHERE action = 'ingest.load'`,
    );
    expect(audit.map((a) => a.detail)).toContainEqual(
      expect.objectContaining({ batch: r.batchId, inserted: 3 }),
    );
    // The primary key was built after COPY.
    const { rows: pk } = await t.pool.query(
      `SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'ds' AND indexdef LIKE '%(uscc)%'`,
    );
    expect(pk[0].n).toBeGreaterThanOrEqual(1);
  });

  it('reads GBK and rejects bad rows with reasons, masking personal data', async () => {
    const bad = [
      `${uscc(20).slice(0, 17)}I,坏代码企业,${idNo(20)},1,2020-01-01`,
      `${uscc(21)},,${idNo(21)},1,2020-01-01`,
      `${uscc(22)},日期错企业,${idNo(22).slice(0, 17)}0,1,2019-02-30`,
    ];
    const text = csv([
      row(10),
      row(11),
      row(12),
      ...bad,
      ...Array.from({ length: 60 }, (_, i) => row(100 + i)),
    ]);
    const r = await load('replace', iconv.encode(text, 'gb18030'));
    expect(r).toMatchObject({ status: 'done', rowsRead: 66, rowsRejected: 3, rowsAccepted: 63 });
    const { rows: rej } = await t.pool.query<{
      row: string;
      field: string | null;
      value: string | null;
      reason_zh: string;
    }>(
      'SELECT row, field, value, reason_zh FROM datong.ingest_rejects WHERE batch_id = $1 ORDER BY row, field',
      [r.batchId],
    );
    expect(rej.map((x) => Number(x.row))).toEqual(expect.arrayContaining([5, 6, 7]));
    const idReject = rej.find((x) => x.field === 'fddbrsfzh');
    expect(idReject?.value).toMatch(/\*/);
    expect(idReject?.value).not.toBe(idNo(22).slice(0, 17) + '0');
    expect((await rows()).length).toBe(63);
  });

  it('aborts above the reject threshold and leaves the current version as it was', async () => {
    const before = await rows();
    const r = await load('replace', csv([row(1), `${uscc(2)},,,x,y`, `bad,,,,`]), { threshold: 0.05 });
    expect(r.status).toBe('aborted');
    expect(r.error?.['zh-CN']).toMatch(/阈值/);
    expect(await rows()).toEqual(before);
    const { rows: b } = await t.pool.query('SELECT status FROM datong.ingest_batches WHERE id = $1', [
      r.batchId,
    ]);
    expect(b[0].status).toBe('aborted');
  });

  it('append inserts new keys and rejects stored ones', async () => {
    const before = (await rows()).length;
    const r = await load('append', csv([row(10), row(900), row(901)]));
    expect(r).toMatchObject({ status: 'done', rowsInserted: 2, rowsRejected: 1 });
    expect((await rows()).length).toBe(before + 2);
  });

  it('upsert changes nothing the second time, then updates what changed', async () => {
    const file = csv([row(950), row(951)]);
    const first = await load('upsert', file);
    expect(first).toMatchObject({ status: 'done', rowsInserted: 2, rowsUpdated: 0 });
    const again = await load('upsert', file);
    expect(again).toMatchObject({ status: 'done', rowsInserted: 0, rowsUpdated: 0 });
    const changed = await load('upsert', csv([row(950, '改名后的企业有限公司'), row(951)]));
    expect(changed).toMatchObject({ status: 'done', rowsInserted: 0, rowsUpdated: 1 });
    const { rows: log } = await t.pool.query<{ op: string; key: { uscc: string } }>(
      'SELECT op, key FROM datong.ingest_changes WHERE batch_id = $1',
      [changed.batchId],
    );
    expect(log).toEqual([{ op: 'U', key: { uscc: uscc(950) } }]);
  });

  it('delete removes the listed keys', async () => {
    const r = await load('delete', csv([uscc(950), uscc(951), uscc(999_999)], '统一社会信用代码'));
    expect(r).toMatchObject({ status: 'done', rowsDeleted: 2 });
    expect((await rows()).some((x) => x.uscc === uscc(950))).toBe(false);
  });

  it('loads XLSX (typed cells, dates) and NDJSON through the same path', async () => {
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('企业');
    sheet.addRow(HEADER.split(','));
    sheet.addRow([uscc(700), '表格企业一', idNo(700), 1234.5, new Date(Date.UTC(2019, 4, 20))]);
    sheet.addRow([uscc(701), '表格企业二', idNo(701), 88, new Date(Date.UTC(2018, 0, 2))]);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    expect(await load('append', xlsx, { format: 'xlsx' })).toMatchObject({ status: 'done', rowsInserted: 2 });
    const ndjson = [
      { uscc: uscc(702), qymc: '接口企业', zczb: 10, clrq: '2022-03-04' },
      { 统一社会信用代码: uscc(703), 企业名称: '接口企业二', 成立日期: '20220305' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    // The header is the union of the objects' keys; a field maps to its code's column first, so
    // the second object's values under the Chinese names are not read and its key is missing.
    const r = await load('append', ndjson, { format: 'ndjson', threshold: 0.5 });
    expect(r).toMatchObject({ status: 'done', rowsInserted: 1, rowsRejected: 1 });
    const { rows: got } = await t.pool.query<{ qymc: string; clrq: string; zczb: string }>(
      `SELECT qymc, clrq::text, zczb::text FROM ${view} WHERE uscc = ANY($1) ORDER BY uscc`,
      [[uscc(700), uscc(701), uscc(702)]],
    );
    expect(got).toEqual([
      { qymc: '表格企业一', clrq: '2019-05-20', zczb: '1234.50' },
      { qymc: '表格企业二', clrq: '2018-01-02', zczb: '88.00' },
      { qymc: '接口企业', clrq: '2022-03-04', zczb: '10.00' },
    ]);
  });

  it('loads every text format in every encoding, and XLSX, to the same stored rows', async () => {
    const encodings = {
      utf8: (text: string) => Buffer.from(text, 'utf8'),
      'utf8-bom': (text: string) =>
        Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
      gb18030: (text: string) => iconv.encode(text, 'gb18030'),
    };
    const names = HEADER.split(',');
    const cells = (n: number) => row(n, `矩阵企业${n}号（深圳）`).split(',');
    const texts: Record<Exclude<Format, 'xlsx'>, (ns: number[]) => string> = {
      csv: (ns) => csv(ns.map((n) => cells(n).join(','))),
      tsv: (ns) => [names, ...ns.map(cells)].map((r) => r.join('\t')).join('\n') + '\n',
      json: (ns) => JSON.stringify(ns.map((n) => Object.fromEntries(names.map((h, i) => [h, cells(n)[i]])))),
      ndjson: (ns) =>
        ns.map((n) => JSON.stringify(Object.fromEntries(names.map((h, i) => [h, cells(n)[i]])))).join('\n'),
    };
    let n = 1000;
    const expected: string[] = [];
    for (const [format, text] of Object.entries(texts) as [
      Exclude<Format, 'xlsx'>,
      (ns: number[]) => string,
    ][]) {
      for (const encode of Object.values(encodings)) {
        const ns = [n, n + 1, n + 2];
        n += 3;
        const r = await load('upsert', encode(text(ns)), { format });
        expect(r, `${format}`).toMatchObject({
          status: 'done',
          rowsRead: 3,
          rowsInserted: 3,
          rowsRejected: 0,
        });
        expected.push(...ns.map((k) => `矩阵企业${k}号（深圳）`));
      }
    }
    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('企业');
    sheet.addRow(names);
    for (const k of [n, n + 1, n + 2]) sheet.addRow(cells(k));
    expected.push(...[n, n + 1, n + 2].map((k) => `矩阵企业${k}号（深圳）`));
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    expect(await load('upsert', xlsx, { format: 'xlsx' })).toMatchObject({ status: 'done', rowsInserted: 3 });

    const { rows: got } = await t.pool.query<{ qymc: string }>(
      `SELECT qymc FROM ${view} WHERE qymc LIKE '矩阵企业%' ORDER BY uscc`,
    );
    expect(got.map((g) => g.qymc)).toEqual(expected);
    // The same rows again, in another format and encoding: upsert changes nothing.
    const again = await load('upsert', encodings.gb18030(texts.json([1000, 1001, 1002])), { format: 'json' });
    expect(again).toMatchObject({ status: 'done', rowsInserted: 0, rowsUpdated: 0 });
    // And delete takes its keys from any format too.
    const del = await load('delete', encodings['utf8-bom'](texts.ndjson([1000, 1001])), { format: 'ndjson' });
    expect(del).toMatchObject({ status: 'done', rowsDeleted: 2 });
  });

  it('fails a batch whose source breaks midway, the process and the current data intact', async () => {
    const before = await rows();
    const source: RecordSource = {
      header: HEADER.split(','),
      warnings: [],
      bytesRead: () => 0,
      records: (async function* () {
        for (let n = 1; n <= 5000; n++) yield { row: n + 1, values: row(5000 + n).split(',') };
        throw new Error('the source broke');
      })(),
    };
    for (const mode of ['replace', 'upsert'] as const) {
      const r = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
        mode,
        source:
          mode === 'replace'
            ? source
            : {
                ...source,
                records: (async function* () {
                  yield { row: 2, values: row(9999).split(',') };
                  throw new Error('the source broke');
                })(),
              },
        sourceInfo: { kind: 'test' },
      });
      expect(r, mode).toMatchObject({ status: 'failed' });
      expect(r.error?.en).toContain('the source broke');
    }
    expect(await rows()).toEqual(before);
  });

  it('refuses a file without a required column, naming it', async () => {
    const r = await load('replace', csv([`${uscc(1)},2020-01-01`], '统一社会信用代码,成立日期'));
    expect(r.status).toBe('aborted');
    expect(r.error?.['zh-CN']).toMatch(/企业名称/);
  });

  it('keeps the newest three versions', async () => {
    for (let i = 0; i < 3; i++) expect((await load('replace', csv([row(i)]))).status).toBe('done');
    const { rows: v } = await t.pool.query<{ version: number }>(
      `SELECT version FROM datong.dataset_versions ORDER BY version`,
    );
    expect(v.length).toBe(3);
    const { rows: tables } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'ds'`,
    );
    expect(tables[0]!.n).toBe(3);
  });

  it('survives kill -9 in the middle of a load: the previous version intact, the batch failed', async () => {
    const before = await rows();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'kill-child.ts')],
      {
        env: { ...process.env, DATABASE_URL: t.url, ENTRY_ID: entryId, ROWS: '3000000' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    // Killed once it has streamed a good part of the rows into COPY.
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /progress (\d+)/.exec(d.toString());
        if (m && Number(m[1]) >= 50_000) resolve();
        if (d.toString().includes('finished'))
          reject(new Error('the load finished before it could be killed'));
      });
      child.on('exit', () => reject(new Error('the loader exited early')));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    await new Promise((r) => setTimeout(r, 300)); // the server notices the dropped connection
    expect(await rows()).toEqual(before);
    const { rows: running } = await t.pool.query<{ id: string }>(
      `SELECT id FROM datong.ingest_batches WHERE status = 'running'`,
    );
    expect(running.length).toBe(1);
    expect(await failInterruptedBatches(t.pool)).toBe(1);
    const { rows: b } = await t.pool.query<{ status: string; error: { en: string } }>(
      'SELECT status, error FROM datong.ingest_batches WHERE id = $1',
      [running[0]!.id],
    );
    expect(b[0]).toMatchObject({ status: 'failed', error: { en: expect.stringMatching(/interrupted/) } });
  }, 60_000);

  it('replace: rejects the later rows of a duplicate key, naming the first, without holding keys in memory', async () => {
    const rowsIn = Array.from({ length: 40 }, (_, i) => row(300 + i));
    rowsIn.splice(10, 0, row(305, '重复的企业')); // row 12 repeats row 7's key
    rowsIn.push(row(301, '又一个重复')); // row 43 repeats row 3's key
    const r = await load('replace', csv(rowsIn));
    expect(r).toMatchObject({
      status: 'done',
      rowsRead: 42,
      rowsAccepted: 40,
      rowsRejected: 2,
      rowsInserted: 40,
    });
    const { rows: rej } = await t.pool.query<{ row: number; field: string; reason_zh: string }>(
      'SELECT row, field, reason_zh FROM datong.ingest_rejects WHERE batch_id = $1 ORDER BY row',
      [r.batchId],
    );
    expect(rej).toEqual([
      { row: 12, field: 'uscc', reason_zh: '主键与第 7 行重复' },
      { row: 43, field: 'uscc', reason_zh: '主键与第 3 行重复' },
    ]);
    const names = await rows();
    expect(names.length).toBe(40);
    expect(names.find((x) => x.uscc === uscc(305))?.qymc).toBe('测试企业305有限公司');
    const { rows: cols } = await t.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'ds' AND table_name = $1`,
      [view.slice(4, -1)],
    );
    expect(cols.map((c) => c.column_name)).not.toContain('_row');
  });

  it('marks a batch failed when its session is gone, and only then', async () => {
    const { rows: ds } = await t.pool.query<{ id: string }>('SELECT id FROM datong.datasets LIMIT 1');
    const { rows: b } = await t.pool.query<{ id: string }>(
      `INSERT INTO datong.ingest_batches (dataset_id, mode, source, started_by_name) VALUES ($1, 'replace', '{}', 't') RETURNING id`,
      [ds[0]!.id],
    );
    // A live session holds the batch's lock: not interrupted.
    const holder = await t.pool.connect();
    await holder.query('SELECT pg_advisory_lock(4400001, $1)', [Number(b[0]!.id)]);
    expect(await failInterruptedBatches(t.pool)).toBe(0);
    holder.release(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(await failInterruptedBatches(t.pool)).toBe(1);
    const { rows: after } = await t.pool.query('SELECT status FROM datong.ingest_batches WHERE id = $1', [
      b[0]!.id,
    ]);
    expect(after[0].status).toBe('failed');
  });
});
