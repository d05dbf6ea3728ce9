import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import { systemContext } from '../../src/platform/context.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { insertApp } from '../../src/modules/identity/store.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { epochDayOf } from '../../src/modules/sharing/calendar.js';
import {
  EXPORT_COLUMNS,
  expectedPeriods,
  periodOf,
  scorecards,
  type Scorecard,
} from '../../src/modules/quality/scorecards.js';
import { ENTRY, HEADER, row } from '../ingest/fixtures/registry.js';

/**
 * Department scorecards from known fixtures, period 2025-03-01 – 2025-03-31 evaluated on
 * 2025-04-10: every figure and the overall one computed by hand (see the comments), the API's
 * answer, and the CSV and XLSX exports.
 */

type Headers = Record<string, string>;
let t: TestApp;
let orgA: string;
let orgB: string;
let sysadmin: Headers;
let member: Headers;
let publicUser: Headers;

const NOW = new Date('2025-04-10T00:00:00Z');
const PERIOD = { from: '2025-03-01', to: '2025-03-31' };
/** 10:00 in Shanghai on a day of 2025. */
const at = (day: string, hour = 10) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00+08:00`);

const post = (url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });

async function publishedEntry(steward: Headers, name: string, updateCycle: string, firstPublished: Date) {
  const res = await post('/api/catalog/entries', steward, { ...ENTRY, name, updateCycle } as object);
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json<{ id: string }>().id;
  await post(`/api/catalog/entries/${id}/submit`, steward);
  expect((await post(`/api/catalog/entries/${id}/approve`, sysadmin, {})).statusCode).toBe(200);
  await t.pool.query('UPDATE datong.catalog_versions SET published_at = $2 WHERE entry_id = $1', [
    id,
    firstPublished,
  ]);
  return id;
}

/** Loads two rows and dates the batch; answers the dataset id. */
async function loaded(entryId: string, finishedAt: Date): Promise<string> {
  const csv = [HEADER, row(1), row(2)].join('\n');
  const res = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(csv)]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  expect(res.status).toBe('done');
  await t.pool.query('UPDATE datong.ingest_batches SET finished_at = $2 WHERE id = $1', [
    res.batchId,
    finishedAt,
  ]);
  const { rows } = await t.pool.query<{ id: string }>('SELECT id FROM datong.datasets WHERE entry_id = $1', [
    entryId,
  ]);
  return rows[0]!.id;
}

async function batch(datasetId: string, mode: string, status: string, finishedAt: Date) {
  await t.pool.query(
    `INSERT INTO datong.ingest_batches (dataset_id, mode, source, status, started_by_name, started_at, finished_at)
     VALUES ($1, $2, '{"kind": "test"}', $3, 'test', $4, $4)`,
    [datasetId, mode, status, finishedAt],
  );
}

async function run(datasetId: string, status: string, score: number | null, finishedAt: Date) {
  await t.pool.query(
    `INSERT INTO datong.quality_runs (dataset_id, trigger, status, score, started_by_name, started_at, finished_at)
     VALUES ($1, 'manual', $2, $3, 'test', $4, $4)`,
    [datasetId, status, score, finishedAt],
  );
}

beforeAll(async () => {
  t = await testApp();
  orgA = (await makeOrg(t.pool, { name: 'A 市甲局' })).id;
  orgB = (await makeOrg(t.pool, { name: 'B 市乙局' })).id;
  const orgC = (await makeOrg(t.pool, { name: 'C 市丙局' })).id;
  const token = async (roles: Role[], orgId: string) => {
    const u = await makeUser(t.pool, { roles, orgId });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  const stewardA = await token(['data_steward'], orgA);
  const stewardB = await token(['data_steward'], orgB);
  member = await token(['member'], orgC);
  publicUser = await token(['public_user'], orgC);
  sysadmin = await token(['sysadmin'], (await makeOrg(t.pool, { name: 'Z 市大数据中心' })).id);

  // ---- A: three table entries, first published 20 February.
  const feb20 = at('2025-02-20');
  const a1 = await publishedEntry(stewardA, '甲局月报表', 'monthly', feb20);
  const a2 = await publishedEntry(stewardA, '甲局周报表', 'weekly', feb20);
  await publishedEntry(stewardA, '甲局不定期表', 'irregular', feb20); // no data: catalog 2 of 3
  // Monthly: March is expected, loaded on 15 March → 1 of 1.
  const d1 = await loaded(a1, at('2025-03-15'));
  // Weekly: the weeks ending Sundays 2, 9, 16, 23, 30 March are expected; loads on 5, 18 and 19
  // March cover two of them; a rollback (11 March) and a failed load (26 March) do not count → 2 of 5.
  const d2 = await loaded(a2, at('2025-03-05'));
  await batch(d2, 'upsert', 'done', at('2025-03-18'));
  await batch(d2, 'append', 'done', at('2025-03-19'));
  await batch(d2, 'rollback', 'done', at('2025-03-11'));
  await batch(d2, 'upsert', 'failed', at('2025-03-26'));
  // Quality: d1's latest done run in the period scored 90 (a failed run and an April run do not
  // count), d2's 70 → 80.
  await run(d1, 'done', 80, at('2025-03-10'));
  await run(d1, 'done', 90, at('2025-03-20'));
  await run(d1, 'failed', null, at('2025-03-25'));
  await run(d1, 'done', 10, at('2025-04-05'));
  await run(d2, 'done', 70, at('2025-03-12'));

  // Share requests to A from C: decided after 24 h and 48 h (on time), after 384 h (late), one
  // still undecided past its deadline, one withdrawn; an unconditional one and one from February
  // are left out → submitted 5, decided 3, median 48 h, on time 2, overdue 2.
  const appId = await insertApp(t.pool, {
    orgId: orgC,
    name: '丙局应用',
    description: null,
    createdBy: null,
  });
  const request = async (r: {
    created: Date;
    due: Date;
    decided: Date | null;
    status: string;
    shareType?: string;
  }) =>
    t.pool.query(
      `INSERT INTO datong.share_requests (consumer_org_id, app_id, entry_id, catalog_version, provider_org_id, fields,
         scenario, expected_volume, valid_from, valid_to, share_type, needs_review, status, due_at, decided_at,
         reason, created_by_name, created_at, updated_at)
       VALUES ($1, $2, $3, 1, $4, '{uscc}', '{"name": "场景"}', '{"perDay": 10}', '2025-03-01', '2025-12-31', $5,
               false, $6, $7, $8, $9, '丙', $10, $10)`,
      [
        orgC,
        appId,
        a1,
        orgA,
        r.shareType ?? 'conditional',
        r.status,
        r.due,
        r.decided,
        r.status === 'refused' ? '不符合条件' : null,
        r.created,
      ],
    );
  await request({
    created: at('2025-03-03'),
    due: at('2025-03-17', 23),
    decided: at('2025-03-04'),
    status: 'approved',
  });
  await request({
    created: at('2025-03-05'),
    due: at('2025-03-19', 23),
    decided: at('2025-03-07'),
    status: 'refused',
  });
  await request({
    created: at('2025-03-10'),
    due: at('2025-03-24', 23),
    decided: at('2025-03-26'),
    status: 'approved',
  });
  await request({ created: at('2025-03-20'), due: at('2025-04-03', 23), decided: null, status: 'submitted' });
  await request({ created: at('2025-03-25'), due: at('2025-04-08', 23), decided: null, status: 'withdrawn' });
  await request({
    created: at('2025-03-12'),
    due: at('2025-03-12'),
    decided: at('2025-03-12'),
    status: 'approved',
    shareType: 'unconditional',
  });
  await request({
    created: at('2025-02-20'),
    due: at('2025-03-06', 23),
    decided: at('2025-03-10'),
    status: 'approved',
  });

  // Objections addressed to A, due in March: resolved on time (corrected), late (rejected), still
  // open, withdrawn (left out) → 1 of 3; open past their deadline on 10 April: the March one and
  // one due 8 April → 2 (one due 20 April is not).
  const objection = async (due: Date, status: string, resolved: Date | null) =>
    t.pool.query(
      `INSERT INTO datong.objections (entry_id, org_id, record_key, reason, origin, raised_by_name, status, due_at,
         resolved_at)
       VALUES ($1, $2, '{"uscc": "x"}', '有误', 'steward', 'test', $3, $4, $5)`,
      [a1, orgA, status, due, resolved],
    );
  await objection(at('2025-03-10', 23), 'corrected', at('2025-03-07'));
  await objection(at('2025-03-12', 23), 'rejected', at('2025-03-14'));
  await objection(at('2025-03-20', 23), 'open', null);
  await objection(at('2025-03-25', 23), 'withdrawn', at('2025-03-21'));
  await objection(at('2025-04-08', 23), 'open', null);
  await objection(at('2025-04-20', 23), 'open', null);

  // Service availability of A: 2,000 calls and 20 errors in March → 99 %.
  await t.pool.query(
    `INSERT INTO datong.service_availability (org_id, day, calls, errors) VALUES
       ($1, '2025-02-28', 500, 500), ($1, '2025-03-01', 1000, 5), ($1, '2025-03-31', 1000, 15),
       ($1, '2025-04-01', 50, 50)`,
    [orgA],
  );

  // ---- B: one daily entry first published 29 March, loaded on 30 March: 29, 30 and 31 March
  // expected, 1 on time; nothing else measured.
  const b1 = await publishedEntry(stewardB, '乙局日报表', 'daily', at('2025-03-29'));
  await loaded(b1, at('2025-03-30', 13));
}, 60_000);

afterAll(async () => {
  await t?.close();
});

/** A, by hand: overall = (66.667×0.2 + 50×0.2 + 80×0.2 + 50×0.15 + 33.333×0.15 + 99×0.1) / 1 = 61.73. */
const rowA = (openOverdue: number) => ({
  orgId: orgA,
  orgName: 'A 市甲局',
  catalog: { published: 3, withData: 2, percent: 66.67 },
  timeliness: { expected: 6, onTime: 3, percent: 50 },
  quality: { datasets: 2, score: 80 },
  shareRequests: { submitted: 5, decided: 3, medianHours: 48, onTime: 2, overdue: 2, percent: 50 },
  objections: { due: 3, resolvedOnTime: 1, openOverdue, percent: 33.33 },
  availability: { calls: 2000, errors: 20, percent: 99 },
  overall: 61.73,
});

/** B, by hand: overall = (100×0.2 + 33.333×0.2) / 0.4 = 66.67. */
const rowB = () => ({
  orgId: orgB,
  orgName: 'B 市乙局',
  catalog: { published: 1, withData: 1, percent: 100 },
  timeliness: { expected: 3, onTime: 1, percent: 33.33 },
  quality: { datasets: 0, score: null },
  shareRequests: { submitted: 0, decided: 0, medianHours: null, onTime: 0, overdue: 0, percent: null },
  objections: { due: 0, resolvedOnTime: 0, openOverdue: 0, percent: null },
  availability: { calls: 0, errors: 0, percent: null },
  overall: 66.67,
});

describe('periods', () => {
  it('lists the periods of each update cycle that end in the range', () => {
    const march = expectedPeriods(epochDayOf('2025-03-01'), epochDayOf('2025-03-31'));
    const count = (cycle: string) => march.filter((p) => p.cycle === cycle).length;
    expect([
      count('daily'),
      count('realtime'),
      count('weekly'),
      count('monthly'),
      count('quarterly'),
      count('half_yearly'),
      count('yearly'),
    ]).toEqual([31, 31, 5, 1, 1, 0, 0]);
    expect(march.filter((p) => p.cycle === 'weekly')).toEqual([
      { cycle: 'weekly', start: '2025-02-24', end: '2025-03-02' },
      { cycle: 'weekly', start: '2025-03-03', end: '2025-03-09' },
      { cycle: 'weekly', start: '2025-03-10', end: '2025-03-16' },
      { cycle: 'weekly', start: '2025-03-17', end: '2025-03-23' },
      { cycle: 'weekly', start: '2025-03-24', end: '2025-03-30' },
    ]);
    expect(march.filter((p) => p.cycle === 'quarterly')).toEqual([
      { cycle: 'quarterly', start: '2025-01-01', end: '2025-03-31' },
    ]);
    const year = expectedPeriods(epochDayOf('2024-01-01'), epochDayOf('2024-12-31'));
    expect(year.filter((p) => p.cycle === 'half_yearly').map((p) => [p.start, p.end])).toEqual([
      ['2024-01-01', '2024-06-30'],
      ['2024-07-01', '2024-12-31'],
    ]);
    expect(year.filter((p) => p.cycle === 'monthly').find((p) => p.end === '2024-02-29')?.start).toBe(
      '2024-02-01',
    );
  });

  it('counts only periods that are over by the evaluation time', () => {
    const p = periodOf(PERIOD, new Date('2025-03-20T04:00:00Z'));
    expect([p.from, p.to, p.asOf.toISOString(), p.lastOver]).toEqual([
      '2025-03-01',
      '2025-03-31',
      '2025-03-20T04:00:00.000Z',
      epochDayOf('2025-03-19'),
    ]);
    const after = periodOf(PERIOD, NOW);
    expect([after.start.toISOString(), after.end.toISOString(), after.asOf.toISOString()]).toEqual([
      '2025-02-28T16:00:00.000Z',
      '2025-03-31T15:59:59.999Z',
      '2025-03-31T15:59:59.999Z',
    ]);
    expect(() => periodOf({ from: '2025-04-01', to: '2025-03-01' }, NOW)).toThrow();
    expect(() => periodOf({ from: '2020-01-01', to: '2025-03-01' }, NOW)).toThrow();
  });
});

describe('scorecards', () => {
  it('computes every figure from the fixtures', async () => {
    const card = await scorecards(t.pool, PERIOD, NOW);
    expect(card).toEqual({
      from: '2025-03-01',
      to: '2025-03-31',
      asOf: '2025-03-31T15:59:59.999Z',
      weights: {
        catalog: 0.2,
        timeliness: 0.2,
        quality: 0.2,
        shareRequests: 0.15,
        objections: 0.15,
        availability: 0.1,
      },
      rows: [rowA(2), rowB()],
    });
  });

  it('answers over HTTP for dataset.read holders (objections open past their deadline as of now)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/quality/scorecards?from=2025-03-01&to=2025-03-31',
      headers: member,
    });
    expect(res.statusCode, res.body).toBe(200);
    // Today is after 20 April 2025: the objection due then is open past its deadline too.
    expect(res.json<Scorecard>().rows).toEqual([rowA(3), rowB()]);
    const refused = await t.app.inject({
      method: 'GET',
      url: '/api/quality/scorecards',
      headers: publicUser,
    });
    expect(refused.statusCode).toBe(403);
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/quality/scorecards?from=2025-04-01&to=2025-03-01',
      headers: member,
    });
    expect([bad.statusCode, bad.json<{ code: string }>().code]).toEqual([400, 'quality_period_invalid']);
  });

  it('exports CSV with a BOM and Chinese headers', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/quality/scorecards/export?from=2025-03-01&to=2025-03-31&format=csv',
      headers: member,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="scorecards-2025-03-01-2025-03-31.csv"',
    );
    const raw = res.rawPayload;
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = raw.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe(EXPORT_COLUMNS.map(([h]) => h).join(','));
    expect(lines[0]!.startsWith('部门,已发布目录数,已归集数据的目录数,目录完整率(%)')).toBe(true);
    expect(lines.slice(1)).toEqual([
      'A 市甲局,3,2,66.67,6,3,50,2,80,5,3,48,2,2,50,3,1,3,33.33,2000,20,99,61.73',
      'B 市乙局,1,1,100,3,1,33.33,0,,0,0,,0,0,,0,0,0,,0,0,,66.67',
      '',
    ]);
  });

  it('exports XLSX with numbers as numbers', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/quality/scorecards/export?from=2025-03-01&to=2025-03-31&format=xlsx',
      headers: member,
    });
    expect(res.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.name).toBe('部门考核 2025-03-01~2025-03-31');
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(EXPORT_COLUMNS.map(([h]) => h));
    expect((sheet.getRow(2).values as unknown[]).slice(1, 5)).toEqual(['A 市甲局', 3, 2, 66.67]);
    expect(sheet.getRow(3).getCell(23).value).toBe(66.67);
  });
});
