import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { systemContext } from '../../src/platform/context.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { runPublishJob } from '../../src/modules/opening/publish-jobs.js';

/**
 * The publishing pipeline through the real app: grade rules, custom hierarchies, preview,
 * request, sign-off by an approver, the build job (run by its function, no worker), the open
 * table checked cell by cell against the source, k counted with GROUP BY, the refresh after a
 * load (and a refresh that fails and keeps the previous version), withdrawal, and an aggregate
 * with small-cell suppression.
 */

type Headers = Record<string, string>;
let t: TestApp;
let steward: Headers;
let approver: Headers;
let otherApprover: Headers;
let sysadmin: Headers;
let entryId: string;
let publicationId: string;

const f = (code: string, name: string, over: Partial<EntryInput['fields'][number]> = {}) => ({
  code,
  name,
  type: 'string' as const,
  ...(over.type && over.type !== 'string' ? {} : { length: 100 }),
  required: false,
  key: false,
  piiKind: 'none' as const,
  grade: 1 as const,
  ...over,
});

const ENTRY: EntryInput = {
  category: 'theme',
  classification: ['2', '05'],
  name: '居民就业抽样调查',
  summary: '开放测试',
  resourceKind: 'table',
  formats: ['csv'],
  updateCycle: 'monthly',
  relatedCodes: [],
  tags: [],
  responsible: { person: '林晓', phone: '020-88888888' },
  shareType: 'unconditional',
  shareMethod: 'api',
  openType: 'unconditional',
  grade: 4,
  important: false,
  core: false,
  fields: [
    f('xh', '序号', { key: true, required: true }),
    f('xm', '姓名', { piiKind: 'name', grade: 2 }),
    f('sfzh', '身份证号', { piiKind: 'id_number', grade: 3 }),
    f('nl', '年龄', { type: 'integer' }),
    f('xb', '性别'),
    f('qh', '行政区划'),
    f('csrq', '出生日期', { type: 'date', grade: 2 }),
    f('sr', '月收入', { type: 'decimal', precision: 12, scale: 2 }),
    f('zy', '职业'),
    f('sjh', '手机号', { piiKind: 'mobile', grade: 2 }),
    f('bz', '内部备注', { grade: 4 }),
  ],
};

const REGIONS = ['440103', '440104', '440105', '440303', '440304', '450102'];
const JOBS = ['教师', '讲师', '医生', '护士', '工程师'];
const row = (i: number) => ({
  xh: `P${String(i).padStart(4, '0')}`,
  xm: `张${'明华伟芳'[i % 4]}${i}`,
  sfzh: `44010319800101${String(1000 + i).slice(-4)}`,
  nl: String(20 + ((i * 7) % 45)),
  xb: i % 2 ? '男' : '女',
  qh: REGIONS[i % REGIONS.length]!,
  csrq: `19${60 + (i % 40)}-${String(1 + (i % 12)).padStart(2, '0')}-15`,
  sr: `${(i * 137) % 20000}.50`,
  zy: JOBS[i % JOBS.length]!,
  sjh: `139${String(10000000 + i * 37).slice(-8)}`,
  bz: `内部备注${i}`,
});
const HEADER = ['xh', 'xm', 'sfzh', 'nl', 'xb', 'qh', 'csrq', 'sr', 'zy', 'sjh', 'bz'] as const;
const csv = (rows: number[]) =>
  [HEADER.join(','), ...rows.map((i) => HEADER.map((h) => row(i)[h]).join(','))].join('\n');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function load(id: string, text: string) {
  const result = await loadBatch({ ...systemContext('test'), services: t.services }, id, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(text)]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  expect(result.status, JSON.stringify(result.error)).toBe('done');
  return result.batchId;
}

const call = (method: 'GET' | 'POST' | 'PUT', url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method, url: `/api/opening${url}`, headers, ...(payload ? { payload } : {}) });

const CONFIG = {
  fields: {
    xm: { action: 'mask' },
    sfzh: { action: 'drop' },
    nl: { action: 'generalise', params: { hierarchy: 'age' } },
    xb: { action: 'keep' },
    qh: { action: 'generalise', params: { hierarchy: 'region' } },
    csrq: { action: 'generalise', params: { hierarchy: 'date', level: 2 } },
    sr: { action: 'generalise', params: { hierarchy: 'number', width: 1000 } },
    zy: { action: 'generalise', params: { hierarchy: 'custom', name: 'occupation' } },
    sjh: { action: 'pseudonymise' },
  },
  quasiIdentifiers: ['nl', 'xb', 'qh'],
  k: 5,
  maxSuppression: 0.05,
};

async function makeEntry(input: EntryInput): Promise<string> {
  const post = (url: string, h: Headers, p?: object) =>
    t.app.inject({ method: 'POST', url, headers: h, ...(p ? { payload: p } : {}) });
  const made = await post('/api/catalog/entries', steward, input as object);
  expect(made.statusCode, made.body).toBe(201);
  const id = made.json<{ id: string }>().id;
  expect((await post(`/api/catalog/entries/${id}/submit`, steward)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${id}/approve`, sysadmin, {})).statusCode).toBe(200);
  return id;
}

const openRows = async (name: string) =>
  (await t.pool.query<Record<string, string | null>>(`SELECT * FROM open."${name}"`)).rows;

beforeAll(async () => {
  t = await testApp();
  const org = await makeOrg(t.pool);
  const other = await makeOrg(t.pool);
  const token = async (roles: Role[], orgId?: string) => {
    const u = await makeUser(t.pool, { roles, ...(orgId ? { orgId } : {}) });
    return { authorization: `Bearer ${await bearerFor(t.app, u.username, u.password)}` };
  };
  steward = await token(['data_steward'], org.id);
  approver = await token(['approver'], org.id);
  otherApprover = await token(['approver'], other.id);
  sysadmin = await token(['sysadmin']);
  entryId = await makeEntry(ENTRY);
}, 60_000);
afterAll(async () => t?.close());

describe('configuration', () => {
  it('needs data, and refuses entries that are not opened', async () => {
    const none = await call('PUT', `/publications/${entryId}/config`, steward, CONFIG);
    expect([none.statusCode, none.json().code]).toEqual([409, 'publish_no_dataset']);
    const closed = await makeEntry({
      ...ENTRY,
      name: '不予开放测试',
      openType: 'none',
      openCondition: '含个人信息',
    });
    const res = await call('PUT', `/publications/${closed}/config`, steward, CONFIG);
    expect([res.statusCode, res.json().code]).toEqual([400, 'publish_entry_not_open']);
  });

  it('refuses any field whose grade or piiKind forbids the action, naming them', async () => {
    await load(entryId, csv(range(1, 200)));
    const res = await call(
      'PUT',
      `/publications/${entryId}/config`,
      { ...steward, 'accept-language': 'en' },
      {
        fields: {
          ...CONFIG.fields,
          zy: { action: 'keep' },
          xm: { action: 'keep' },
          sfzh: { action: 'keep' },
          bz: { action: 'mask' },
        },
      },
    );
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'publish_grade_forbids',
      detail:
        'The grade or personal-information kind of these fields forbids opening them as configured: xm, sfzh, bz',
    });
    const zh = await call('PUT', `/publications/${entryId}/config`, steward, {
      fields: { sjh: { action: 'keep' } },
    });
    expect(zh.json().detail).toBe('分级或个人信息类别不允许按所选方式开放以下信息项：sjh');
  });

  it('uploads custom hierarchies from CSV and resolves them in the provider organisation', async () => {
    const missing = await call('PUT', `/publications/${entryId}/config`, steward, CONFIG);
    expect([missing.statusCode, missing.json().code]).toEqual([400, 'publish_hierarchy_unknown']);
    const bad = await call('POST', '/hierarchies', steward, {
      name: 'occupation',
      csv: '教师,教育\n教师,医疗\n',
    });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'publish_hierarchy_invalid']);
    const body = { name: 'occupation', csv: '教师,教育,专业技术\n讲师,教育,专业技术\n医生,医疗,专业技术\n' };
    expect((await call('POST', '/hierarchies', steward, body)).statusCode).toBe(201);
    const again = await call('POST', '/hierarchies', steward, {
      ...body,
      csv: `${body.csv}护士,医疗,专业技术\n工程师,工程,专业技术\n`,
    });
    expect(again.statusCode, again.body).toBe(200);
    const list = await call('GET', '/hierarchies', steward);
    expect(list.json()).toMatchObject([{ name: 'occupation', levels: 2, values: 5 }]);
    expect(list.json()[0].sample).toContainEqual(['教师', '教育', '专业技术']);
  });
});

describe('publishing', () => {
  it('stores a draft, previews its report, and is requested', async () => {
    const put = await call('PUT', `/publications/${entryId}/config`, steward, CONFIG);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ status: 'draft', currentVersion: 0, kind: 'records' });
    publicationId = put.json().id;

    const pre = await call('POST', `/publications/${entryId}/preview`, steward, {});
    expect(pre.statusCode, pre.body).toBe(200);
    const report = pre.json();
    expect(report).toMatchObject({
      kind: 'records',
      feasible: true,
      sourceRows: 200,
      k: 5,
      maxSuppression: 0.05,
    });
    expect(report).toMatchObject({ publishedRows: 190, suppressedRows: 10, suppressedShare: 0.05 });
    // (nl, xb, qh) repeats every 90 rows: 90 classes of 2 or 3 before generalisation.
    expect(report.risk).toEqual({
      before: { highest: 0.5, average: 0.45, atRisk: 1, unique: 0 },
      after: { highest: 0.2, average: 0.115789, atRisk: 0, unique: 0 },
    });
    expect(report.classes).toEqual({
      classes: 22,
      rows: 190,
      minSize: 5,
      maxSize: 16,
      averageSize: 8.636364,
      histogram: [
        { from: 5, to: 9, classes: 18, rows: 130 },
        { from: 10, to: 19, classes: 4, rows: 60 },
      ],
    });
    expect(report.lattice).toMatchObject({ nodes: 40, evaluated: 21, tagged: 19, anonymous: 22, minimal: 3 });
    expect(
      report.fields.map((x: { code: string; detail: string; loss: number }) => [x.code, x.detail, x.loss]),
    ).toEqual([
      ['xh', 'drop', 1],
      ['xm', 'mask:name', 1],
      ['sfzh', 'drop', 1],
      ['nl', 'age (QI) → 10y', 0.2375],
      ['xb', 'keep → value', 0.05],
      ['qh', 'region (QI) → city', 0.312],
      ['csrq', 'date → year', 0.666667],
      ['sr', 'number → width 1000', 0.333333],
      ['zy', 'custom:occupation → level 1', 0.333333],
      ['sjh', 'pseudonymise', 1],
      ['bz', 'drop', 1],
    ]);
    expect(report.informationLoss).toBe(0.199833);
    // Nothing is written by a preview.
    expect((await t.pool.query(`SELECT 1 FROM pg_views WHERE schemaname = 'open'`)).rowCount).toBe(0);

    const signEarly = await call('POST', `/publications/${entryId}/sign-off`, approver);
    expect([signEarly.statusCode, signEarly.json().code]).toEqual([409, 'publish_status']);
    const req = await call('POST', `/publications/${entryId}/request`, steward);
    expect(req.statusCode, req.body).toBe(200);
    expect(req.json()).toMatchObject({ status: 'pending', signedOff: null, report: { feasible: true } });
  });

  it('needs the sign-off of an approver of the provider organisation', async () => {
    expect(await runPublishJob(t.services, { publicationId, trigger: 'signoff' })).toEqual({
      status: 'skipped',
    });
    expect((await call('POST', `/publications/${entryId}/sign-off`, steward)).statusCode).toBe(403);
    const other = await call('POST', `/publications/${entryId}/sign-off`, otherApprover);
    expect([other.statusCode, other.json().code]).toEqual([403, 'publish_not_approver']);
    const ok = await call('POST', `/publications/${entryId}/sign-off`, approver);
    expect(ok.statusCode, ok.body).toBe(202);
    expect(ok.json()).toMatchObject({ status: 'pending', build: { status: 'queued' } });
    const { rows: jobs } = await t.pool.query(
      `SELECT j.payload FROM graphile_worker._private_jobs j WHERE j.key = $1`,
      [`opening:publish:${publicationId}`],
    );
    expect(jobs.map((j) => j.payload)).toEqual([{ publicationId, trigger: 'signoff' }]);
  });

  it('builds an open version that never holds a dropped or masked field in clear', async () => {
    const out = await runPublishJob(t.services, { publicationId, trigger: 'signoff' });
    expect(out).toEqual({ status: 'done', version: 1 });
    const pub = (await call('GET', `/publications/${entryId}`, approver)).json();
    expect(pub).toMatchObject({ status: 'published', currentVersion: 1, build: { status: 'done' } });
    expect(pub.columns.map((c: { code: string; pgType: string }) => `${c.code}:${c.pgType}`)).toEqual([
      'xm:text',
      'nl:text',
      'xb:text',
      'qh:text',
      'csrq:text',
      'sr:text',
      'zy:text',
      'sjh:text',
    ]);
    const name = pub.name as string;
    const rows = await openRows(name);
    expect(rows.length).toBe(pub.rowCount);
    expect(rows.length).toBe(200 - pub.report.suppressedRows);
    expect(Object.keys(rows[0]!)).toEqual(['xm', 'nl', 'xb', 'qh', 'csrq', 'sr', 'zy', 'sjh']);

    // Every cell of the open table against every source value of a dropped, masked or pseudonymised field.
    const secret = new Set<string>();
    for (const i of range(1, 200))
      for (const h of ['xh', 'xm', 'sfzh', 'sjh', 'bz'] as const) secret.add(row(i)[h]);
    for (const r of rows) for (const v of Object.values(r)) expect(v === null || !secret.has(v)).toBe(true);
    for (const r of rows) {
      expect(r.xm).toMatch(/^张\*+$/);
      expect(r.sjh).toMatch(/^[0-9a-f]{32}$/);
      expect(r.csrq).toMatch(/^19\d\d$/);
      expect(r.sr).toMatch(/^\[(0|\d+000),\d+000\)$/);
      expect(['教育', '医疗', '工程']).toContain(r.zy);
    }
    // Pseudonyms are stable per person: 200 distinct phone numbers → distinct pseudonyms.
    expect(new Set(rows.map((r) => r.sjh)).size).toBe(rows.length);

    // Every combination of the quasi-identifiers occurs at least k times.
    const { rows: small } = await t.pool.query(
      `SELECT nl, xb, qh, count(*)::int AS n FROM open."${name}" GROUP BY nl, xb, qh HAVING count(*) < 5`,
    );
    expect(small).toEqual([]);
    const { rows: sizes } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM open."${name}" GROUP BY nl, xb, qh`,
    );
    expect(sizes.length).toBe(pub.report.classes.classes);
    expect(Math.min(...sizes.map((s) => s.n))).toBe(pub.report.classes.minSize);
    // Suppression stays within the bound.
    expect(200 - rows.length).toBeLessThanOrEqual(Math.floor(0.05 * 200));

    await t.services.ledger.flush();
    const { rows: audit } = await t.pool.query(
      `SELECT action, result FROM audit.events WHERE object_id = $1 ORDER BY seq`,
      [publicationId],
    );
    expect(audit.map((a) => `${a.action}:${a.result}`)).toEqual([
      'opening.publication.config:success',
      'opening.publication.request:success',
      'opening.publication.signoff:success',
      'opening.publication.build:success',
    ]);
  });

  it('refreshes the open version after a load, and keeps it when a refresh cannot meet k', async () => {
    const batch = await load(entryId, csv(range(1, 300)));
    const { rows: jobs } = await t.pool.query(
      `SELECT payload FROM graphile_worker._private_jobs WHERE key = $1`,
      [`opening:publish:${publicationId}`],
    );
    expect(jobs.map((j) => j.payload)).toEqual([{ publicationId, trigger: 'load', batchId: batch }]);
    const out = await runPublishJob(t.services, { publicationId, trigger: 'load', batchId: batch });
    expect(out).toEqual({ status: 'done', version: 2 });
    const pub = (await call('GET', `/publications/${entryId}`, steward)).json();
    expect(pub).toMatchObject({ currentVersion: 2, report: { sourceRows: 300 } });
    expect(
      pub.versions.map((v: { version: number; batchId: number | null }) => [v.version, v.batchId]),
    ).toEqual([
      [2, batch],
      [1, null],
    ]);
    expect((await openRows(pub.name)).length).toBe(pub.rowCount);
    expect(pub.rowCount).toBe(300 - pub.report.suppressedRows);

    // Three rows cannot make a class of 5 with at most 5 % suppressed.
    const tiny = await load(entryId, csv([1, 2, 3]));
    const failed = await runPublishJob(t.services, { publicationId, trigger: 'load', batchId: tiny });
    expect(failed.status).toBe('failed');
    expect(failed.error!.en).toBe(
      'k = 5 cannot be met with at most 5% of the rows suppressed: at least 3 of 3 rows would be',
    );
    const kept = (await call('GET', `/publications/${entryId}`, steward)).json();
    expect(kept).toMatchObject({
      status: 'published',
      currentVersion: 2,
      rowCount: pub.rowCount,
      build: { status: 'failed', batchId: tiny, error: { 'zh-CN': expect.stringContaining('k = 5') } },
    });
    expect((await openRows(pub.name)).length).toBe(pub.rowCount);
  });

  it('is withdrawn: the open tables go offline', async () => {
    const res = await call('POST', `/publications/${entryId}/withdraw`, approver, { reason: '数据更正' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'withdrawn', currentVersion: 0, versions: [] });
    const { rows } = await t.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'open'`,
    );
    expect(rows).toEqual([]);
  });
});

describe('aggregate publication', () => {
  it('suppresses cells counting fewer than 10 rows', async () => {
    const id = await makeEntry({ ...ENTRY, name: '就业统计' });
    // City 440100: 男 25, 女 20; city 440300: 男 9, 女 6.
    const rows: number[] = [];
    const people: [string, string, number][] = [
      ['440103', '男', 25],
      ['440104', '女', 20],
      ['440303', '男', 9],
      ['440304', '女', 6],
    ];
    let n = 0;
    const lines = [HEADER.join(',')];
    for (const [qh, xb, count] of people) {
      for (let c = 0; c < count; c++) {
        n++;
        rows.push(n);
        lines.push(
          HEADER.map((h) => (h === 'qh' ? qh : h === 'xb' ? xb : h === 'sr' ? '100.25' : row(n)[h])).join(
            ',',
          ),
        );
      }
    }
    await load(id, lines.join('\n'));
    const put = await call('PUT', `/publications/${id}/config`, steward, {
      kind: 'aggregate',
      fields: { qh: { action: 'generalise', params: { hierarchy: 'region' } }, xb: { action: 'keep' } },
      aggregate: { groupBy: ['qh', 'xb'], measures: [{ fn: 'count' }, { fn: 'sum', field: 'sr' }] },
    });
    expect(put.statusCode, put.body).toBe(200);
    const req = await call('POST', `/publications/${id}/request`, steward);
    expect(req.json().report).toMatchObject({
      kind: 'aggregate',
      sourceRows: 60,
      publishedRows: 45,
      suppressedRows: 15,
      aggregate: { cells: 4, suppressedCells: 2, minCell: 10 },
    });
    expect((await call('POST', `/publications/${id}/sign-off`, approver)).statusCode).toBe(202);
    const pubId = req.json().id as string;
    expect(await runPublishJob(t.services, { publicationId: pubId, trigger: 'signoff' })).toEqual({
      status: 'done',
      version: 1,
    });
    const { rows: cells } = await t.pool.query(`SELECT * FROM open."${req.json().name}"`);
    expect(cells).toEqual([
      { qh: '440100', xb: '女', count: 20, sum_sr: '2005.00', suppressed: false },
      { qh: '440100', xb: '男', count: 25, sum_sr: '2506.25', suppressed: false },
      { qh: '440300', xb: '女', count: null, sum_sr: null, suppressed: true },
      { qh: '440300', xb: '男', count: null, sum_sr: null, suppressed: true },
    ]);
  });
});
