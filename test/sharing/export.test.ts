import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { signRequest } from '../../src/platform/auth/signature.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { systemContext } from '../../src/platform/context.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { shanghaiDay } from '../../src/modules/sharing/calendar.js';
import { addYears } from '../../src/modules/sharing/grants.js';
import { buildExport, exportTasks, EXPORT_TASK } from '../../src/modules/sharing/export.js';
import { DataServices } from '../../src/modules/sharing/services.js';
import { idNo, uscc } from '../ingest/fixtures/registry.js';
import { ENTRY } from './fixtures/world.js';

/**
 * Exports of the data services: queued by a signed call (202), built by the job's function run
 * directly here (no worker), then polled and downloaded by the same application: granted fields
 * only, masked, the row filter applied, formula-like text neutralised, one audit event.
 */

type Headers = Record<string, string>;
let t: TestApp;
let grantId: string;
let appKey: { keyId: string; secret: string };
let otherKey: { keyId: string; secret: string };
let providerApprover: Headers;
let ds: DataServices;

const N = 12;
const region = (n: number) => (n % 2 === 0 ? '440106' : '440304');
const row = (n: number) => ({
  uscc: uscc(n),
  // Row 2's name looks like a formula: it must reach the spreadsheet as text.
  qymc: n === 2 ? '=HYPERLINK("http://x")' : `导出测试企业${n}有限公司`,
  fddbr: `王${n}`,
  fddbrsfzh: idNo(n),
  zczb: `${n}00.00`,
  djjgqh: region(n),
  clrq: '2020-01-02',
});
const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
function signed(method: 'GET' | 'POST', path: string, body?: object, key = appKey) {
  const text = body ? JSON.stringify(body) : undefined;
  const headers = signRequest({ method, path, ...(text ? { body: text } : {}), ...key });
  return t.app.inject({
    method,
    url: path,
    headers: { ...headers, ...(text ? { 'content-type': 'application/json' } : {}) },
    ...(text ? { payload: text } : {}),
  });
}
const hmacOf = (value: string) =>
  crypto.createHmac('sha256', t.services.identity.macKey('subject')).update(value).digest('hex').slice(0, 32);

beforeAll(async () => {
  t = await testApp();
  ds = new DataServices(t.services);
  const provider = await makeOrg(t.pool);
  const consumer = await makeOrg(t.pool, { regionCode: '440300' });
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  const steward = await token(['data_steward'], provider.id);
  providerApprover = await token(['approver'], provider.id);
  const dev = await token(['developer'], consumer.id);
  const sysadmin = await token(['sysadmin']);
  const made = await post('/api/catalog/entries', steward, ENTRY as object);
  const entryId = made.json<{ id: string }>().id;
  await post(`/api/catalog/entries/${entryId}/submit`, steward);
  expect((await post(`/api/catalog/entries/${entryId}/approve`, sysadmin, {})).statusCode).toBe(200);
  const csv = [
    Object.keys(row(1)).join(','),
    ...Array.from({ length: N }, (_, i) =>
      Object.values(row(i + 1))
        .map(csvCell)
        .join(','),
    ),
  ].join('\n');
  const loaded = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(csv)]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  expect(loaded).toMatchObject({ status: 'done', rowsInserted: N });
  const appFor = async (name: string) => {
    const app = await post('/api/apps', dev, { name });
    const appId = app.json<{ id: string }>().id;
    const cred = await post(`/api/apps/${appId}/credentials`, dev, {});
    return { appId, key: cred.json<{ keyId: string; secret: string }>() };
  };
  const mine = await appFor('企业信息导出');
  appKey = mine.key;
  otherKey = (await appFor('另一个应用')).key;
  const today = shanghaiDay(new Date());
  const req = await post('/api/share/requests', dev, {
    entryId,
    appId: mine.appId,
    fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'zczb', 'djjgqh'],
    scenario: { name: '企业信息批量比对', description: '离线比对', basis: '《优化营商环境条例》' },
    expectedVolume: { perDay: 10 },
    validFrom: today,
    validTo: addYears(today, 1),
  });
  expect(req.statusCode, req.body).toBe(201);
  const approved = await post(
    `/api/share/requests/${req.json<{ id: string }>().id}/approve`,
    providerApprover,
    {
      fields: ['uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh'],
      rowFilter: { field: 'djjgqh', op: 'eq', value: '440106' },
    },
  );
  expect(approved.statusCode, approved.body).toBe(200);
  grantId = approved.json<{ grantId: string }>().grantId;
}, 60_000);

afterAll(async () => {
  await t?.close();
});

async function exported(format: 'csv' | 'xlsx') {
  const res = await signed('POST', `/api/services/grants/${grantId}/exports`, { format });
  expect(res.statusCode, res.body).toBe(202);
  const { exportId } = res.json<{ exportId: string }>();
  const queued = await signed('GET', `/api/services/exports/${exportId}`);
  expect(queued.json()).toMatchObject({ status: 'queued', grantId, format });
  // The job was queued for the worker; here its function runs directly.
  const { rows } = await t.pool.query(`SELECT 1 FROM graphile_worker.jobs WHERE key = $1`, [
    `share:export:${exportId}`,
  ]);
  expect(rows.length).toBe(1);
  const outcome = await buildExport(t.services, ds, exportId);
  return { exportId, outcome };
}

const inFilter = Array.from({ length: N }, (_, i) => i + 1).filter((n) => region(n) === '440106');

describe('exports', () => {
  it('builds a CSV of the granted rows, masked and neutralised, and audits it once', async () => {
    const { exportId, outcome } = await exported('csv');
    expect(outcome).toMatchObject({ status: 'done', rows: inFilter.length });
    const status = await signed('GET', `/api/services/exports/${exportId}`);
    expect(status.json()).toMatchObject({ status: 'done', rows: inFilter.length, error: null });
    const file = await signed('GET', `/api/services/exports/${exportId}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('text/csv');
    expect(Number(file.headers['content-length'])).toBe(status.json<{ bytes: number }>().bytes);
    const lines = file.body
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('uscc,qymc,fddbr,fddbrsfzh,djjgqh');
    expect(lines.slice(1)).toEqual(
      inFilter.map((n) =>
        [
          uscc(n),
          n === 2 ? `"'=HYPERLINK(""http://x"")"` : `导出测试企业${n}有限公司`,
          `王${'*'.repeat(String(n).length)}`,
          `${idNo(n).slice(0, 6)}********${idNo(n).slice(-4)}`,
          '440106',
        ].join(','),
      ),
    );
    expect(file.body).not.toContain('00.00'); // zczb is not granted
    await t.services.ledger.flush();
    const { rows } = await t.pool.query<{ detail: Record<string, unknown>; actor_type: string }>(
      `SELECT detail, actor_type FROM audit.events WHERE action = 'share.service.export' AND detail->>'export' = $1`,
      [exportId],
    );
    expect(rows.length).toBe(1);
    expect(rows[0]!.detail).toMatchObject({
      grant: grantId,
      rows: inFilter.length,
      subjectCount: inFilter.length * 2,
    });
    expect((rows[0]!.detail.subjects as string[]).sort()).toEqual(
      inFilter.flatMap((n) => [hmacOf(uscc(n)), hmacOf(idNo(n))]).sort(),
    );
    // Built once: running the job again does nothing.
    expect(await buildExport(t.services, ds, exportId)).toEqual({ status: 'skipped' });
  });

  it('builds an XLSX with the same cells', async () => {
    const { exportId, outcome } = await exported('xlsx');
    expect(outcome).toMatchObject({ status: 'done', rows: inFilter.length });
    const file = await signed('GET', `/api/services/exports/${exportId}/file`);
    expect(file.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.rowCount).toBe(inFilter.length + 1);
    expect(sheet.getRow(1).values).toEqual([undefined, 'uscc', 'qymc', 'fddbr', 'fddbrsfzh', 'djjgqh']);
    expect(sheet.getRow(2).getCell(2).value).toBe(`'=HYPERLINK("http://x")`);
    expect(sheet.getRow(2).getCell(3).value).toBe('王*');
  });

  it('serves the export to its application only, and no file before it is built', async () => {
    const res = await signed('POST', `/api/services/grants/${grantId}/exports`, { format: 'csv' });
    const { exportId } = res.json<{ exportId: string }>();
    expect((await signed('GET', `/api/services/exports/${exportId}/file`)).statusCode).toBe(409);
    expect((await signed('GET', `/api/services/exports/${exportId}`, undefined, otherKey)).statusCode).toBe(
      404,
    );
    // The job's task (as registered) builds it.
    const task = exportTasks(t.services).find((x) => x.name === EXPORT_TASK)!;
    await (task.task as (p: unknown, h: unknown) => Promise<void>)({ exportId }, {});
    expect(
      (await signed('GET', `/api/services/exports/${exportId}/file`, undefined, otherKey)).statusCode,
    ).toBe(404);
    expect((await signed('GET', `/api/services/exports/${exportId}/file`)).statusCode).toBe(200);
  });

  it('fails an export whose grant was suspended before it was built, leaving no file', async () => {
    const res = await signed('POST', `/api/services/grants/${grantId}/exports`, { format: 'csv' });
    const { exportId } = res.json<{ exportId: string }>();
    expect(
      (await post(`/api/share/grants/${grantId}/suspend`, providerApprover, { reason: '核查中' })).statusCode,
    ).toBe(200);
    const outcome = await buildExport(t.services, ds, exportId);
    expect(outcome.status).toBe('failed');
    const status = await signed('GET', `/api/services/exports/${exportId}`);
    expect(status.json()).toMatchObject({ status: 'failed' });
    expect(status.json<{ error: string }>().error).toContain('grant_inactive');
    const files = await fs.readdir(`${t.services.config.home}/exports`);
    expect(files.some((f) => f.startsWith(exportId))).toBe(false);
    expect(
      (await signed('POST', `/api/services/grants/${grantId}/exports`, { format: 'csv' })).statusCode,
    ).toBe(403);
  });
});
