import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { neutralise } from '../../src/modules/ingest/rejects-export.js';
import { liveProgress } from '../../src/modules/ingest/progress.js';
import { UPLOAD_MAX_BYTES, underLimit } from '../../src/modules/ingest/routes.js';
import { ENTRY as REGISTRY, idNo, uscc } from './fixtures/registry.js';

/** The aggregation HTTP API through the real app: multipart upload to rollback. */
let t: TestApp;
let steward: Record<string, string>;
let otherSteward: Record<string, string>;
let otherMember: Record<string, string>;
let entryId: string;

/** The shared registry entry with a 法定代表人 (name, personal data) column after 企业名称, and no 成立日期. */
const fields = REGISTRY.fields.filter((f) => f.code !== 'clrq');
const ENTRY: EntryInput = {
  ...REGISTRY,
  name: '企业登记接口测试表',
  summary: '归集接口测试',
  fields: [
    ...fields.slice(0, 2),
    {
      name: '法定代表人',
      code: 'fddbr',
      type: 'string',
      length: 50,
      required: false,
      key: false,
      piiKind: 'name',
      grade: 2,
    },
    ...fields.slice(2),
  ],
};

const HEADER = '统一社会信用代码,企业名称,法定代表人,法定代表人身份证号,注册资本';
const row = (n: number, name = `测试企业${n}有限公司`) => `${uscc(n)},${name},张小${n},${idNo(n)},${n}.50`;
const csv = (rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const BOUNDARY = '----datong-ingest-test';
const partHead = (filename: string, field = 'file') =>
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
const partTail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
const MULTIPART = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

interface BatchResult {
  batchId: number;
  status: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsInserted: number;
  rowsUpdated: number;
  version: number | null;
  error: { 'zh-CN': string; en: string } | null;
}

async function upload(
  data: Buffer | string,
  opts: { mode?: string; filename?: string; headers?: Record<string, string>; query?: string } = {},
) {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return t.app.inject({
    method: 'POST',
    url: `/api/catalog/entries/${entryId}/dataset/batches?mode=${opts.mode ?? 'replace'}${opts.query ?? ''}`,
    payload: Buffer.concat([partHead(opts.filename ?? 'data.csv'), bytes, partTail]),
    headers: { ...(opts.headers ?? steward), ...MULTIPART },
  });
}

async function loaded(data: Buffer | string, mode = 'replace'): Promise<BatchResult> {
  const res = await upload(data, { mode });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<BatchResult>();
}

async function get(url: string, headers: Record<string, string> = steward) {
  return t.app.inject({ method: 'GET', url, headers });
}

async function post(url: string, headers: Record<string, string>, payload?: object) {
  return t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
}

interface Dataset {
  currentVersion: number;
  versions: { version: number; rowCount: number; batchId: number | null }[];
  batches: { id: number; mode: string; status: string; rowsInserted: number; rowsUpdated: number }[];
  columns: { code: string; piiKind: string }[];
}

const viewNames = async () =>
  (await get(`/api/catalog/entries/${entryId}/dataset/preview?limit=100`)).json<{
    rows: { uscc: string; qymc: string }[];
  }>().rows;

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool);
  const other = await makeOrg(t.pool);
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  steward = await token(['data_steward'], org.id);
  otherSteward = await token(['data_steward'], other.id);
  otherMember = await token(['member'], other.id);
  const reviewer = await token(['sysadmin']);
  const created = await post('/api/catalog/entries', steward, ENTRY as object);
  expect(created.statusCode, created.body).toBe(201);
  entryId = created.json<{ id: string }>().id;
  expect((await post(`/api/catalog/entries/${entryId}/submit`, steward)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${entryId}/approve`, reviewer)).statusCode).toBe(200);
});

afterAll(async () => {
  await t?.close();
});

describe('before the first load', () => {
  it('has no dataset and refuses callers who may not load', async () => {
    const none = await get(`/api/catalog/entries/${entryId}/dataset`);
    expect(none.statusCode).toBe(404);
    expect(none.json<{ code: string }>().code).toBe('dataset_not_found');

    const anon = await t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${entryId}/dataset/batches?mode=replace`,
      payload: Buffer.concat([partHead('a.csv'), Buffer.from(csv([row(1)])), partTail]),
      headers: MULTIPART,
    });
    expect(anon.statusCode).toBe(401);
    // A member has no dataset.load; a steward of another organisation does not maintain the entry.
    const member = await upload(csv([row(1)]), { headers: otherMember });
    expect(member.statusCode).toBe(403);
    expect(member.json<{ code: string }>().code).toBe('forbidden');
    const stranger = await upload(csv([row(1)]), { headers: otherSteward });
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json<{ code: string; title: string }>()).toMatchObject({
      code: 'dataset_out_of_scope',
      title: expect.stringContaining('本机构'),
    });
    const { rows } = await t.pool.query('SELECT count(*)::int AS n FROM datong.ingest_batches');
    expect(rows[0]).toEqual({ n: 0 });
  });

  it('answers 400 problems for an unreadable file, a missing file and an unknown format', async () => {
    const xls = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(600),
    ]);
    const bad = await upload(xls, { filename: 'old.xls', query: '&format=xlsx' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string }>().code).toBe('ingest_unreadable');
    const unknown = await upload(csv([row(1)]), { filename: 'data.dat' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json<{ code: string }>().code).toBe('ingest_format_unknown');
    const wrongPart = await t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${entryId}/dataset/batches?mode=replace`,
      payload: Buffer.concat([partHead('a.csv', 'upload'), Buffer.from(csv([row(1)])), partTail]),
      headers: { ...steward, ...MULTIPART },
    });
    expect(wrongPart.statusCode).toBe(400);
    expect(wrongPart.json<{ code: string }>().code).toBe('ingest_file_missing');
    const badMode = await upload(csv([row(1)]), { mode: 'merge' });
    expect(badMode.statusCode).toBe(400);
  });
});

describe('loading, rejects and preview', () => {
  let batchId: number;

  it('loads a GBK CSV (replace) and keeps its 3 bad rows as rejects', async () => {
    const rows = range(1, 97).map((n) => row(n));
    rows.splice(10, 0, `=1+1,公式企业,李四,${idNo(500)},1.00`); // not a USCC: a formula-like reject
    rows.splice(20, 0, `${uscc(501)},身份证错误企业,王五,110101199003071235,2.00`); // bad check digit
    rows.splice(30, 0, `${uscc(502)},资本错误企业,赵六,${idNo(502)},abc`);
    const gbk = iconv.encode(csv(rows), 'gbk');
    expect(gbk.includes(Buffer.from('企业', 'utf8'))).toBe(false); // really not UTF-8
    const r = await loaded(gbk);
    expect(r).toMatchObject({
      status: 'done',
      rowsRead: 100,
      rowsAccepted: 97,
      rowsRejected: 3,
      rowsInserted: 97,
      version: 2,
      error: null,
    });
    batchId = r.batchId;

    const detail = await get(`/api/ingest/batches/${batchId}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      id: batchId,
      entryId,
      mode: 'replace',
      status: 'done',
      rowsRejected: 3,
      source: { kind: 'upload', name: 'data.csv', format: 'csv', encoding: 'auto' },
      finishedAt: expect.any(String),
    });
    expect(detail.json()).not.toHaveProperty('progress');

    const ds = (await get(`/api/catalog/entries/${entryId}/dataset`)).json<Dataset>();
    expect(ds.currentVersion).toBe(2);
    expect(ds.versions.map((v) => [v.version, v.rowCount, v.batchId])).toEqual([
      [2, 97, batchId],
      [1, 0, null],
    ]);
    expect(ds.batches[0]).toMatchObject({ id: batchId, status: 'done' });
    expect(ds.columns.find((c) => c.code === 'fddbrsfzh')?.piiKind).toBe('id_number');
  });

  it('downloads the rejects as CSV with a BOM, formulas neutralised and PII masked', async () => {
    const res = await get(`/api/ingest/batches/${batchId}/rejects?format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('attachment');
    const raw = res.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = raw.subarray(3).toString('utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('行号 Row,信息项 Field,值 Value,原因,Reason');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['行号 Row', '12', '22', '32']);
    expect(lines[1]).toMatch(/^12,uscc,'=1\+1,/);
    expect(lines[2]).toContain('110101********1235');
    expect(res.body).not.toContain('110101199003071235');
    expect(lines[3]).toMatch(/^32,zczb,abc,/);
  });

  it('lists the rejects a page at a time, PII masked, reasons in both languages', async () => {
    const res = await get(`/api/ingest/batches/${batchId}/reject-rows`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<{
      total: number;
      stored: number;
      items: { row: number; field: string; value: string; reason: { 'zh-CN': string; en: string } }[];
    }>();
    expect(page.total).toBe(3);
    expect(page.stored).toBe(3);
    expect(page.items.map((i) => [i.row, i.field])).toEqual([
      [12, 'uscc'],
      [22, 'fddbrsfzh'],
      [32, 'zczb'],
    ]);
    expect(page.items[1]!.value).toBe('110101********1235');
    for (const i of page.items) {
      expect(i.reason['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(i.reason.en).toMatch(/[a-z]/);
    }
    const second = (await get(`/api/ingest/batches/${batchId}/reject-rows?offset=1&limit=1`)).json<{
      items: { row: number }[];
    }>();
    expect(second.items.map((i) => i.row)).toEqual([22]);
    expect((await get(`/api/ingest/batches/${batchId}/reject-rows?limit=501`)).statusCode).toBe(400);
  });

  it('downloads the rejects as XLSX with the same cells', async () => {
    const res = await get(`/api/ingest/batches/${batchId}/rejects?format=xlsx`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(4);
    const cells = (n: number) => (sheet.getRow(n).values as unknown[]).slice(1);
    expect(cells(2).slice(0, 3)).toEqual([12, 'uscc', "'=1+1"]);
    expect(sheet.getRow(2).getCell(3).type).toBe(ExcelJS.ValueType.String);
    expect(cells(3)[2]).toBe('110101********1235');
    expect(String(cells(4)[3])).toMatch(/\S/);
    expect(String(cells(4)[4])).toMatch(/\S/);
  });

  it('fails a file that multipart cut at the size limit instead of loading the cut file', async () => {
    expect(UPLOAD_MAX_BYTES).toBeGreaterThanOrEqual(2 * 1024 ** 3);
    // busboy ends a part that exceeds fileSize early and flags it `truncated`.
    const cut = Object.assign(Readable.from([Buffer.from('a,b\r\n'), Buffer.from('1,2\r\n')]), {
      truncated: false,
    });
    const seen: string[] = [];
    const read = async () => {
      for await (const chunk of underLimit(cut)) {
        seen.push(chunk.toString());
        cut.truncated = true;
      }
    };
    await expect(read()).rejects.toMatchObject({ status: 413, code: 'ingest_file_too_large' });
    expect(seen).toEqual(['a,b\r\n']);
    const whole = Object.assign(Readable.from([Buffer.from('x')]), { truncated: false });
    const all: Buffer[] = [];
    for await (const chunk of underLimit(whole)) all.push(chunk);
    expect(Buffer.concat(all).toString()).toBe('x');
  });

  it('neutralises every formula-like start', () => {
    for (const s of ['=A1', '+1', '-1', '@SUM(A1)', '\tx', '\rx']) expect(neutralise(s)).toBe(`'${s}`);
    for (const s of ['A=1', '张三', '', "'x"]) expect(neutralise(s)).toBe(s);
  });

  it("masks PII in the preview for another organisation's member, not for the provider's steward", async () => {
    const mine = await get(`/api/catalog/entries/${entryId}/dataset/preview?limit=2`);
    expect(mine.statusCode).toBe(200);
    const own = mine.json<{
      columns: { code: string; masked: boolean }[];
      rows: Record<string, string | null>[];
      rowCount: number;
    }>();
    expect(own.rowCount).toBe(97);
    expect(own.rows).toHaveLength(2);
    expect(own.columns.every((c) => !c.masked)).toBe(true);
    const first = [...range(1, 97)].sort((a, b) => uscc(a).localeCompare(uscc(b)))[0]!;
    expect(own.rows[0]).toEqual({
      uscc: uscc(first),
      qymc: `测试企业${first}有限公司`,
      fddbr: `张小${first}`,
      fddbrsfzh: idNo(first),
      zczb: `${first}.50`,
    });

    const theirs = await get(`/api/catalog/entries/${entryId}/dataset/preview?limit=2`, otherMember);
    expect(theirs.statusCode).toBe(200);
    const other = theirs.json<typeof own>();
    expect(other.columns.filter((c) => c.masked).map((c) => c.code)).toEqual(['fddbr', 'fddbrsfzh']);
    const id = idNo(first);
    expect(other.rows[0]).toEqual({
      ...own.rows[0],
      // 张小12 → 张***: the first character, a star for each other one.
      fddbr: `张${'*'.repeat(String(first).length + 1)}`,
      fddbrsfzh: `${id.slice(0, 6)}********${id.slice(-4)}`,
    });

    const tooMany = await get(`/api/catalog/entries/${entryId}/dataset/preview?limit=101`);
    expect(tooMany.statusCode).toBe(400);
    // Another organisation's member reads the batch too (a published, shared entry).
    expect((await get(`/api/ingest/batches/${batchId}`, otherMember)).statusCode).toBe(200);
  });

  it('answers 404 for unknown batches', async () => {
    const res = await get('/api/ingest/batches/987654321');
    expect(res.statusCode).toBe(404);
    expect(res.json<{ code: string }>().code).toBe('batch_not_found');
    expect((await get('/api/ingest/batches/987654321/rejects')).statusCode).toBe(404);
    expect((await get('/api/ingest/batches/abc')).statusCode).toBe(400);
  });

  it('aborts a batch above the threshold with a 200 that says so', async () => {
    const r = await loaded(csv([row(1), `${uscc(600)},坏行,某人,${idNo(600)},x`]));
    expect(r.status).toBe('aborted');
    expect(r.error?.en).toContain('threshold');
    expect(r.version).toBeNull();
    expect((await get(`/api/catalog/entries/${entryId}/dataset`)).json<Dataset>().currentVersion).toBe(2);
  });
});

describe('upsert and rollback', () => {
  it('upserts a change once; the same file again changes nothing', async () => {
    const file = csv([row(1, '更名企业1有限公司'), row(2), row(98)]);
    const first = await loaded(file, 'upsert');
    expect(first).toMatchObject({ status: 'done', rowsInserted: 1, rowsUpdated: 1 });
    const second = await loaded(file, 'upsert');
    expect(second).toMatchObject({ status: 'done', rowsRead: 3, rowsInserted: 0, rowsUpdated: 0 });
    const ds = (await get(`/api/catalog/entries/${entryId}/dataset`)).json<Dataset>();
    expect(ds.batches.slice(0, 2).map((b) => [b.id, b.mode, b.rowsInserted, b.rowsUpdated])).toEqual([
      [second.batchId, 'upsert', 0, 0],
      [first.batchId, 'upsert', 1, 1],
    ]);
    expect(ds.versions.find((v) => v.version === 2)?.rowCount).toBe(98);
  });

  it('rolls back to the previous version, then to nothing earlier (409)', async () => {
    const before = (await viewNames()).map((r) => r.uscc);
    expect(before).toHaveLength(98);
    const r = await loaded(csv([row(700), row(701)]));
    expect(r).toMatchObject({ status: 'done', version: 3 });
    expect((await viewNames()).map((x) => x.uscc)).toEqual([uscc(700), uscc(701)].sort());

    // Only maintainers roll back.
    expect(
      (await post(`/api/catalog/entries/${entryId}/dataset/rollback`, otherSteward, {})).statusCode,
    ).toBe(403);
    expect((await post(`/api/catalog/entries/${entryId}/dataset/rollback`, otherMember, {})).statusCode).toBe(
      403,
    );

    const back = await post(`/api/catalog/entries/${entryId}/dataset/rollback`, steward, {});
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json<Dataset>().currentVersion).toBe(2);
    const restored = await viewNames();
    expect(restored.map((x) => x.uscc)).toEqual(before);
    expect(restored.find((x) => x.uscc === uscc(1))?.qymc).toBe('更名企业1有限公司');
    // The rollback is a batch of its own whose change log says everything may have changed.
    const { rows: rb } = await t.pool.query<{ mode: string; status: string; version: number; op: string }>(
      `SELECT b.mode, b.status, b.version, c.op FROM datong.ingest_batches b
         JOIN datong.ingest_changes c ON c.batch_id = b.id
        WHERE b.mode = 'rollback' ORDER BY b.id DESC LIMIT 1`,
    );
    expect(rb[0]).toEqual({ mode: 'rollback', status: 'done', version: 2, op: 'R' });
    const info = await t.app.inject({ url: `/api/catalog/entries/${entryId}/dataset`, headers: steward });
    expect(info.statusCode, info.body).toBe(200);
    expect(info.json<{ batches: { mode: string }[] }>().batches[0]!.mode).toBe('rollback');

    const same = await post(`/api/catalog/entries/${entryId}/dataset/rollback`, steward, { version: 2 });
    expect(same.statusCode).toBe(409);
    expect(same.json<{ code: string }>().code).toBe('dataset_version_current');
    const gone = await post(`/api/catalog/entries/${entryId}/dataset/rollback`, steward, { version: 9 });
    expect(gone.statusCode).toBe(404);

    const toEmpty = await post(`/api/catalog/entries/${entryId}/dataset/rollback`, steward);
    expect(toEmpty.statusCode, toEmpty.body).toBe(200);
    expect(toEmpty.json<Dataset>().currentVersion).toBe(1);
    expect(await viewNames()).toEqual([]);
    const nothing = await post(`/api/catalog/entries/${entryId}/dataset/rollback`, steward, {});
    expect(nothing.statusCode).toBe(409);
    expect(nothing.json<{ code: string }>().code).toBe('dataset_no_earlier_version');

    // A kept newer version can be chosen explicitly.
    const forward = await post(`/api/catalog/entries/${entryId}/dataset/rollback`, steward, { version: 3 });
    expect(forward.json<Dataset>().currentVersion).toBe(3);

    await t.services.ledger.flush();
    const { rows } = await t.pool.query<{ detail: { from: number; to: number } }>(
      `SELECT detail FROM audit.events WHERE action = 'ingest.rollback' ORDER BY seq`,
    );
    expect(rows.map((e) => [e.detail.from, e.detail.to])).toEqual([
      [3, 2],
      [2, 1],
      [1, 3],
    ]);
  });
});

describe('progress', () => {
  it('reports live progress of a running upload, and none once it ends', async () => {
    const body = new PassThrough();
    const pending = t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${entryId}/dataset/batches?mode=append`,
      payload: body,
      headers: { ...steward, ...MULTIPART },
    });
    body.write(partHead('stream.csv'));
    body.write(
      `${HEADER}\r\n${range(2001, 4000)
        .map((n) => row(n))
        .join('\r\n')}\r\n`,
    );

    let batchId = 0;
    let events: ReturnType<typeof get> | undefined;
    let progress: ReturnType<typeof liveProgress>;
    for (let i = 0; i < 200 && !(progress && progress.rowsRead >= 1024); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const { rows } = await t.pool.query<{ id: string }>(
        `SELECT id FROM datong.ingest_batches WHERE status = 'running'`,
      );
      if (rows[0]) batchId = Number(rows[0].id);
      // The event stream, opened while the batch runs, ends when it does.
      if (batchId && !events) events = get(`/api/ingest/batches/${batchId}/events`);
      progress = batchId ? liveProgress(batchId) : undefined;
    }
    expect(batchId).toBeGreaterThan(0);
    const running = await get(`/api/ingest/batches/${batchId}`);
    expect(running.json()).toMatchObject({
      status: 'running',
      progress: { rowsRead: expect.any(Number), rowsRejected: 0, bytes: expect.any(Number), percent: null },
    });
    expect(running.json<{ progress: { rowsRead: number } }>().progress.rowsRead).toBeGreaterThanOrEqual(1024);

    body.end(Buffer.concat([Buffer.from(`${row(4001)}\r\n`), partTail]));
    const res = await pending;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<BatchResult>()).toMatchObject({ batchId, status: 'done', rowsInserted: 2001 });
    const done = (await get(`/api/ingest/batches/${batchId}`)).json<{ status: string }>();
    expect(done.status).toBe('done');
    expect(done).not.toHaveProperty('progress');
    expect(liveProgress(batchId)).toBeUndefined();

    const stream = await events!;
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    const messages = stream.body
      .trim()
      .split('\n\n')
      .map((m) => {
        const [event, data] = m.split('\n');
        return { event: event!.replace('event: ', ''), batch: JSON.parse(data!.replace('data: ', '')) };
      });
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.slice(0, -1).every((m) => m.event === 'progress' && m.batch.status === 'running')).toBe(
      true,
    );
    expect(messages[0]!.batch.progress).toMatchObject({ rowsRead: expect.any(Number) });
    expect(messages.at(-1)).toMatchObject({
      event: 'end',
      batch: { id: batchId, status: 'done', rowsInserted: 2001 },
    });
    // A finished batch: one "end" at once.
    const again = await get(`/api/ingest/batches/${batchId}/events`);
    expect(again.body).toMatch(/^event: end\ndata: \{.*"status":"done"/);
  });
});

describe('probe and the saved mapping', () => {
  const probe = (data: Buffer | string, filename = 'probe.csv', headers = steward, query = '') =>
    t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${entryId}/dataset/probe${query}`,
      payload: Buffer.concat([partHead(filename), Buffer.from(data), partTail]),
      headers: { ...headers, ...MULTIPART },
    });
  interface Probe {
    format: string;
    encoding: string | null;
    delimiter: string | null;
    sheets: string[];
    header: string[];
    sample: (string | null)[][];
    mapping: { header: string; code: string | null; by: string | null }[];
    missing: string[];
  }
  const putMapping = (mapping: Record<string, string>, headers = steward) =>
    t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${entryId}/dataset/mapping`,
      payload: { mapping },
      headers,
    });
  // A department's own column names: 法人 for 法定代表人, uscc by its field code, a column of its own.
  const OWN = 'uscc,企业名称,法人,法定代表人身份证号,注册资本,备注';
  const own = (n: number) => `${uscc(n)},自有表头企业${n},钱${n},${idNo(n)},${n}.00,内部`;

  afterAll(async () => {
    await putMapping({});
  });

  it('shows what a load would see in only the head of a GBK file', async () => {
    const whole = iconv.encode([OWN, ...range(7001, 9000).map(own)].join('\r\n') + '\r\n', 'gbk');
    // Cut in the middle of a line: the head still shows its first rows.
    const res = await probe(whole.subarray(0, 1000));
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json<Probe>();
    expect(p).toMatchObject({ format: 'csv', encoding: 'gb18030', delimiter: ',', sheets: [] });
    expect(p.header).toEqual(OWN.split(','));
    expect(p.sample).toHaveLength(10);
    expect(p.sample[0]).toEqual(own(7001).split(','));
    expect(p.mapping).toEqual([
      { header: 'uscc', code: 'uscc', by: 'code' },
      { header: '企业名称', code: 'qymc', by: 'name' },
      { header: '法人', code: null, by: null },
      { header: '法定代表人身份证号', code: 'fddbrsfzh', by: 'name' },
      { header: '注册资本', code: 'zczb', by: 'name' },
      { header: '备注', code: null, by: null },
    ]);
    expect(p.missing).toEqual(['fddbr']);
  });

  it('saves a mapping that later loads use, and refuses a bad one', async () => {
    const bad = await putMapping({ 法人: 'nosuchfield' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'dataset_mapping_invalid' });
    expect((await putMapping({ 法人: 'fddbr', 备注: 'fddbr' })).statusCode).toBe(400);
    expect((await putMapping({ 法人: 'fddbr' }, otherSteward)).statusCode).toBe(403);

    const saved = await putMapping({ 法人: 'fddbr' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ mapping: { 法人: 'fddbr' } });
    const p = (await probe([OWN, own(7001)].join('\n'))).json<Probe>();
    expect(p.mapping[2]).toEqual({ header: '法人', code: 'fddbr', by: 'saved' });
    expect(p.missing).toEqual([]);

    const r = await loaded([OWN, own(7001), own(7002)].join('\n'), 'upsert');
    expect(r).toMatchObject({ status: 'done', rowsInserted: 2, rowsRejected: 0 });
    const stored = await t.pool.query<{ fddbr: string }>(
      `SELECT fddbr FROM ds.${(await get(`/api/catalog/entries/${entryId}/dataset`)).json<{ name: string }>().name}
        WHERE uscc = $1`,
      [uscc(7002)],
    );
    expect(stored.rows[0]?.fddbr).toBe('钱7002');
  });

  it('lists the sheets of a workbook and reads the chosen one', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('说明').addRow(['本表为测试']);
    const sheet = wb.addWorksheet('企业');
    sheet.addRow(OWN.split(','));
    sheet.addRow(own(7003).split(','));
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await probe(xlsx, 'book.xlsx', steward, '?sheet=2');
    expect(res.statusCode, res.body).toBe(200);
    const p = res.json<Probe>();
    expect(p).toMatchObject({ format: 'xlsx', encoding: null, sheets: ['说明', '企业'] });
    expect(p.header).toEqual(OWN.split(','));
    expect(p.sample).toEqual([own(7003).split(',')]);
  });

  it('refuses callers who may not load, and files it cannot read', async () => {
    expect((await probe(OWN, 'p.csv', otherSteward)).statusCode).toBe(403);
    expect((await probe(OWN, 'p.csv', otherMember)).statusCode).toBe(403);
    const unknown = await probe(OWN, 'p.dat');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'ingest_format_unknown' });
  });
});

describe('indexes a steward asks for', () => {
  const putIndexes = (indexes: string[][], headers = steward) =>
    t.app.inject({
      method: 'PUT',
      url: `/api/catalog/entries/${entryId}/dataset/indexes`,
      payload: { indexes },
      headers,
    });
  /** Each kept version table's indexes other than the primary key, as column lists. */
  const indexed = async () => {
    const ds = (await get(`/api/catalog/entries/${entryId}/dataset`)).json<{
      name: string;
      versions: { version: number }[];
    }>();
    const out: Record<number, string[]> = {};
    for (const { version } of ds.versions) {
      const { rows } = await t.pool.query<{ def: string }>(
        `SELECT indexdef AS def FROM pg_indexes
          WHERE schemaname = 'ds' AND tablename = $1 AND indexname NOT LIKE '%pkey' ORDER BY indexdef`,
        [`${ds.name}__v${version}`],
      );
      out[version] = rows.map((r) => /\((.*)\)$/.exec(r.def)![1]!).sort();
    }
    return out;
  };

  it('adds them to every kept version and to the next replace, and drops them when asked', async () => {
    expect(Object.values(await indexed()).flat()).toEqual([]);
    const res = await putIndexes([['qymc'], ['zczb', 'qymc']]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ indexes: [['qymc'], ['zczb', 'qymc']] });
    for (const defs of Object.values(await indexed())) expect(defs).toEqual(['qymc', 'zczb, qymc']);

    const r = await loaded(csv(range(1, 5).map((n) => row(n))));
    expect(r).toMatchObject({ status: 'done' });
    expect((await indexed())[r.version!]).toEqual(['qymc', 'zczb, qymc']);

    expect((await putIndexes([['zczb']])).statusCode).toBe(200);
    for (const defs of Object.values(await indexed())) expect(defs).toEqual(['zczb']);
    expect((await putIndexes([])).statusCode).toBe(200);
    expect(Object.values(await indexed()).flat()).toEqual([]);
  });

  it('refuses unknown fields, repeats, the key itself and other organisations', async () => {
    for (const bad of [[['nosuch']], [['qymc', 'qymc']], [['qymc'], ['qymc']], [['uscc']]]) {
      const res = await putIndexes(bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json()).toMatchObject({ code: 'dataset_index_invalid' });
    }
    expect((await putIndexes([['qymc']], otherSteward)).statusCode).toBe(403);
  });
});
