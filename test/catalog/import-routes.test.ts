import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { OrgRow } from '../../src/modules/identity/index.js';
import { readSheet } from '../../src/modules/catalog/import-read.js';
import { parseSheet } from '../../src/modules/catalog/import-parse.js';
import { IMPORT_MAX_BYTES } from '../../src/modules/catalog/import-routes.js';
import { csvOf, enterpriseRows, xlsxOf, type RowValues } from '../fixtures/catalog/sheets.js';

let t: TestApp;
let org: OrgRow;
let other: OrgRow;
let steward: Record<string, string>;

interface Report {
  created: { id: string; code: string; name: string }[];
  errors: { row: number; column: string; message: string; messageEn: string }[];
}

const BOUNDARY = '----datong-import-test';

function multipart(
  data: Buffer,
  filename: string,
  field = 'file',
): { payload: Buffer; headers: Record<string, string> } {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  return {
    payload: Buffer.concat([head, data, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  };
}

async function upload(data: Buffer, filename: string, headers = steward) {
  const body = multipart(data, filename);
  return t.app.inject({
    method: 'POST',
    url: '/api/catalog/import',
    payload: body.payload,
    headers: { ...headers, ...body.headers },
  });
}

const entryCount = async () =>
  (await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM datong.catalog_entries')).rows[0]?.n ??
  0;

/** A second, file-kind entry without 信息项 (one row, field columns empty). */
function fileEntryRow(providerCode: string): RowValues {
  return {
    category: '部门',
    classification: '2.01',
    name: '年度监管报告',
    provider_code: providerCode,
    resource_kind: '文件',
    formats: 'pdf',
    update_cycle: '每年',
    responsible_person: '王五',
    responsible_phone: '13800138000',
    share_type: '无条件共享',
    share_method: '文件',
    open_type: '无条件开放',
    licence: 'CC-BY-4.0',
    grade: '1',
  };
}

beforeAll(async () => {
  t = await testApp();
  org = await makeOrg(t.pool, { name: '广东省市场监督管理局（测试）' });
  other = await makeOrg(t.pool);
  const u = await makeUser(t.pool, { roles: ['data_steward'], orgId: org.id });
  steward = { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
});
afterAll(() => t.close());

describe('POST /api/catalog/import', () => {
  it('refuses anonymous callers and requests without a file', async () => {
    const anon = await t.app.inject({
      method: 'POST',
      url: '/api/catalog/import',
      ...multipart(Buffer.from('x'), 'a.csv'),
    });
    expect(anon.statusCode).toBe(401);
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/catalog/import',
      payload: {},
      headers: steward,
    });
    expect(json.statusCode).toBe(400);
    expect(json.json<{ code: string }>().code).toBe('import_file_missing');
    const wrongField = multipart(Buffer.from('x'), 'a.csv', 'upload');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/catalog/import',
      payload: wrongField.payload,
      headers: { ...steward, ...wrongField.headers },
    });
    expect(res.statusCode).toBe(400);
  });

  it('stores nothing when any row is wrong, and reports every row', async () => {
    const rows = [...enterpriseRows(org.uscc), fileEntryRow(org.uscc)];
    rows[1] = { ...rows[1], field_code: 'uscc' };
    rows[3] = { ...rows[3], open_type: '半开放' };
    const res = await upload(csvOf(rows), 'catalog.csv');
    expect(res.statusCode).toBe(200);
    const report = res.json<Report>();
    expect(report.created).toEqual([]);
    expect(report.errors.map((e) => [e.row, e.column])).toEqual([
      [3, '信息项代码'],
      [5, '开放类型'],
    ]);
    expect(await entryCount()).toBe(0);
  });

  it("maps the core's entry rules back to rows and columns", async () => {
    const rows = enterpriseRows(org.uscc).map((r) => ({ ...r, share_condition: '', grade: '1' }));
    const res = await upload(csvOf(rows), 'catalog.csv');
    const { errors } = res.json<Report>();
    expect(errors).toContainEqual(expect.objectContaining({ row: 2, column: '共享条件' }));
    expect(errors).toContainEqual(expect.objectContaining({ row: 2, column: '分级' }));
    expect(errors.every((e) => e.message && e.messageEn && e.message !== e.messageEn)).toBe(true);
    expect(await entryCount()).toBe(0);
  });

  it('refuses unknown providers and other organisations', async () => {
    const unknown = '91440300MA5F00000X';
    const rows = [...enterpriseRows(unknown), fileEntryRow(other.uscc)];
    const { errors } = (await upload(csvOf(rows), 'catalog.csv')).json<Report>();
    expect(errors).toEqual([
      expect.objectContaining({
        row: 2,
        column: '提供方代码',
        messageEn: expect.stringContaining('not the USCC'),
      }),
      expect.objectContaining({
        row: 5,
        column: '提供方代码',
        messageEn: expect.stringContaining('own organisation'),
      }),
    ]);
  });

  it('answers a malformed workbook with a file-level error, and an oversized one with 413', async () => {
    const bad = await upload(Buffer.from('PK\u0003\u0004 broken'), 'catalog.xlsx');
    expect(bad.statusCode).toBe(200);
    expect(bad.json<Report>().errors).toEqual([expect.objectContaining({ row: 0, column: '' })]);
    const big = await upload(Buffer.alloc(IMPORT_MAX_BYTES + 1, 0x41), 'big.csv');
    expect(big.statusCode).toBe(413);
    expect(big.json<{ code: string }>().code).toBe('import_file_too_large');
  });

  it('creates every entry of a valid file as drafts in one go, audited', async () => {
    const rows = [...enterpriseRows(org.uscc), fileEntryRow(org.uscc)];
    const res = await upload(await xlsxOf(rows), 'catalog.xlsx');
    expect(res.statusCode).toBe(201);
    const report = res.json<Report>();
    expect(report.errors).toEqual([]);
    expect(report.created.map((c) => c.name)).toEqual(['企业登记基本信息', '年度监管报告']);
    expect(report.created[0]?.code).toMatch(/^1\.02\.03\/\d{6}$/);

    const entry = await t.app.inject({
      url: `/api/catalog/entries/${report.created[0]?.id}`,
      headers: steward,
    });
    expect(entry.json()).toMatchObject({
      status: 'draft',
      providerOrgId: org.id,
      shareType: 'conditional',
      fields: [{ code: 'uscc' }, { code: 'qymc' }, { code: 'zczb', precision: 18, scale: 2 }],
    });
    await t.services.ledger.flush(); // events get their positions (and view rows) when sequenced
    const { rows: events } = await t.pool.query<{
      action: string;
      object_type: string;
      detail: { entries?: number };
    }>("SELECT action, object_type, detail FROM audit.events WHERE action = 'catalog.import' ORDER BY seq");
    expect(events.map((e) => e.object_type)).toEqual(['catalog_entry', 'catalog_entry', 'catalog_import']);
    expect(events[2]?.detail.entries).toBe(2);
  });
});

describe('template and export', () => {
  it('serves a template whose example row imports as it stands', async () => {
    const res = await t.app.inject({ url: '/api/catalog/import/template.xlsx', headers: steward });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const parsed = parseSheet(await readSheet(res.rawPayload, 'template.xlsx'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries[0]?.providerCode).toBe(org.uscc);
    expect((await t.app.inject({ url: '/api/catalog/import/template.xlsx' })).statusCode).toBe(401);
  });

  it('exports what the caller sees, in a form that re-imports to the same content', async () => {
    const before = await entryCount();
    const exported = await t.app.inject({ url: '/api/catalog/export.xlsx?mine=true', headers: steward });
    expect(exported.statusCode).toBe(200);
    const parsed = parseSheet(await readSheet(exported.rawPayload, 'export.xlsx'));
    expect(parsed.errors).toEqual([]);
    expect(parsed.entries.map((e) => e.input.name).sort()).toEqual(['企业登记基本信息', '年度监管报告']);

    const again = await upload(exported.rawPayload, 'export.xlsx');
    expect(again.statusCode).toBe(201);
    const created = again.json<Report>().created;
    expect(await entryCount()).toBe(before + 2);
    const strip = (e: Record<string, unknown>) => {
      const { id: _i, code: _c, createdAt: _a, updatedAt: _u, ...rest } = e;
      return rest;
    };
    const { rows } = await t.pool.query<{ id: string; name: string }>(
      'SELECT e.id, v.name FROM datong.catalog_entries e JOIN datong.catalog_versions v ON v.entry_id = e.id',
    );
    for (const c of created) {
      const original = rows.find((r) => r.name === c.name && r.id !== c.id);
      const a = await t.app.inject({ url: `/api/catalog/entries/${original?.id}`, headers: steward });
      const b = await t.app.inject({ url: `/api/catalog/entries/${c.id}`, headers: steward });
      expect(strip(b.json())).toEqual(strip(a.json()));
    }
  });

  it('shows anonymous callers nothing that is not published and open', async () => {
    const res = await t.app.inject({ url: '/api/catalog/export.xlsx' });
    expect(res.statusCode).toBe(200);
    const parsed = parseSheet(await readSheet(res.rawPayload, 'export.xlsx'));
    // Every entry so far is a draft: only the header row comes back.
    expect(parsed.entries).toEqual([]);
    expect(parsed.errors.map((e) => e.messageEn)).toEqual(['The file has a header row but no data rows']);
  });
});
