import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { uscc } from '../ingest/fixtures/registry.js';
import { crosscheckTasks, CROSSCHECK_TASK, runCrosscheck } from '../../src/modules/quality/crosscheck.js';
import type { Run } from '../../src/modules/quality/crosscheck-read.js';
import {
  decimal,
  fillDataset,
  publishEntry,
  text,
  world,
  type Headers,
  type World,
} from './fixtures/sources.js';

/**
 * 多源校核 on three departments' data about the same 20 companies, with planted differences:
 * some vanish after normalisation (full-width letters and digits, the ideographic space, extra
 * and leading/trailing spaces, a tab, letter case, a blank against NULL, numbers of another
 * scale, keys in lower case, padded or full-width, a key held twice), the others are conflicts.
 * The run finds exactly those conflicts, with both raw values, and the exact missing counts.
 */

let t: TestApp;
let w: World;
let entryA: string; // 市场主体登记 (org a): the authority of every item
let entryB: string; // 纳税人登记 (org b): nsrsbh is its key
let entryC: string; // 社保参保单位 (org c): keyed by a row number; the USCC is an ordinary field
const items: Record<string, string> = {};
const sources: Record<string, string> = {};

const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Headers, payload?: object) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

const name = (n: number) => `广州 Abc${n} 科技有限公司`;
const person = (n: number) => `王${n}号`;
const fullWidth = (s: string) =>
  s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).replace(/ /g, '\u3000');
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const B_NAME: Record<number, string | null> = {
  2: '广州 Ａｂｃ２ 科技有限公司', // full-width: agrees
  3: '  广州 Abc3 科技有限公司 ', // padded: agrees
  4: '广州 ABC4 科技有限公司', // case: agrees
  5: '广州   Abc5\t科技有限公司', // runs of white space: agrees
  6: '广州 Abc6 信息有限公司', // conflict
  7: null, // conflict: a value against NULL
  8: '广州\u3000Abc8\u3000科技有限公司', // ideographic spaces: agrees
};
const B_PERSON: Record<number, string | null> = {
  15: '李15号', // conflict
  16: ' 王16号 ', // agrees
  17: '', // conflict: blank (no value) against 王17号
  18: '  ', // agrees: the authority has NULL
};

beforeAll(async () => {
  t = await testApp();
  w = await world(t);
  entryA = await publishEntry(t, w, w.orgs.a, '市场主体登记信息', [
    text('统一社会信用代码', 'uscc', { key: true, required: true, length: 18 }),
    text('企业名称', 'qymc'),
    text('法定代表人', 'fddbr', { piiKind: 'name', grade: 2 }),
    decimal('注册资本', 'zczb', 18, 2),
  ]);
  entryB = await publishEntry(t, w, w.orgs.b, '纳税人登记信息', [
    text('纳税人识别号', 'nsrsbh', { key: true, required: true, length: 18 }),
    text('纳税人名称', 'nsrmc'),
    text('法定代表人', 'fddbr', { piiKind: 'name', grade: 2 }),
  ]);
  entryC = await publishEntry(t, w, w.orgs.c, '社保参保单位信息', [
    text('序号', 'xh', { key: true, required: true, length: 10 }),
    text('统一社会信用代码', 'tyshxydm'),
    text('单位名称', 'dwmc'),
    decimal('注册资本', 'zczb', 16, 4),
  ]);
  await fillDataset(
    t,
    entryA,
    range(1, 20).map((n) => ({
      uscc: uscc(n),
      qymc: name(n),
      fddbr: n === 18 ? null : person(n),
      zczb: `${n}00.00`,
    })),
  );
  await fillDataset(
    t,
    entryB,
    [...range(1, 18), 21, 22].map((n) => ({
      nsrsbh: uscc(n),
      nsrmc: n in B_NAME ? B_NAME[n]! : name(n),
      fddbr: n in B_PERSON ? B_PERSON[n]! : person(n),
    })),
  );
  const keyC = (n: number) =>
    n === 9 ? ` ${uscc(9).toLowerCase()} ` : n === 10 ? fullWidth(uscc(10)) : uscc(n);
  const nameC = (n: number) =>
    n === 12
      ? '广州 ABC12 科技有限公司'
      : n === 13
        ? '深圳 Abc13 科技有限公司'
        : n === 14
          ? `${name(14)}。`
          : name(n);
  await fillDataset(t, entryC, [
    ...[...range(2, 20), 30].map((n) => ({
      xh: `R${n}`,
      tyshxydm: keyC(n),
      dwmc: nameC(n),
      zczb: n === 16 ? '99999' : `${n}00`,
    })),
    // The same company twice (values equal after normalisation), and rows without a key.
    { xh: 'R11b', tyshxydm: uscc(11), dwmc: ` ${name(11)}`, zczb: '1100' },
    { xh: 'R98', tyshxydm: null, dwmc: '无代码单位', zczb: '1' },
    { xh: 'R99', tyshxydm: '   ', dwmc: '空白代码单位', zczb: '1' },
  ]);

  const register = async (body: object) => {
    const res = await send('POST', '/api/quality/items', w.sysadmin, body);
    expect(res.statusCode, res.body).toBe(201);
    const item = res.json<{ id: string; name: string; sources: { id: string; entryId: string }[] }>();
    items[item.name] = item.id;
    for (const s of item.sources) {
      sources[`${item.name}:${s.entryId === entryA ? 'A' : s.entryId === entryB ? 'B' : 'C'}`] = s.id;
    }
  };
  await register({
    name: '企业名称',
    subjectKind: 'uscc',
    authority: { entryId: entryA, field: 'qymc', keyField: 'uscc' },
    sources: [{ entryId: entryB, field: 'nsrmc', keyField: 'nsrsbh' }],
  });
  // Added on its own (so compared after B: sources are compared in the order they were added).
  const added = await send('POST', `/api/quality/items/${items['企业名称']}/sources`, w.sysadmin, {
    role: 'secondary',
    entryId: entryC,
    field: 'dwmc',
    keyField: 'tyshxydm',
  });
  expect(added.statusCode, added.body).toBe(201);
  sources['企业名称:C'] = added
    .json<{ sources: { id: string; entryId: string }[] }>()
    .sources.find((s) => s.entryId === entryC)!.id;
  await register({
    name: '法定代表人',
    subjectKind: 'uscc',
    authority: { entryId: entryA, field: 'fddbr', keyField: 'uscc' },
    sources: [{ entryId: entryB, field: 'fddbr', keyField: 'nsrsbh' }],
  });
  await register({
    name: '注册资本',
    subjectKind: 'uscc',
    authority: { entryId: entryA, field: 'zczb', keyField: 'uscc' },
    sources: [{ entryId: entryC, field: 'zczb', keyField: 'tyshxydm' }],
  });
}, 180_000);

afterAll(async () => {
  await t?.close();
});

/** Queues a run through the API (the job is queued, not run), then runs the job's work here. */
async function crosscheck(opts: { cap?: number } = {}): Promise<number> {
  const res = await send('POST', '/api/quality/crosschecks', w.sysadmin);
  expect(res.statusCode, res.body).toBe(202);
  const { runId } = res.json<{ runId: number }>();
  const { rows } = await t.pool.query('SELECT task_identifier FROM graphile_worker.jobs WHERE key = $1', [
    `quality:crosscheck:${runId}`,
  ]);
  expect(rows).toEqual([{ task_identifier: CROSSCHECK_TASK }]);
  const queued = await send('GET', `/api/quality/crosschecks/${runId}`, w.sysadmin);
  expect(queued.json()).toMatchObject({ status: 'running', finishedAt: null, results: [] });
  await runCrosscheck(t.services, runId, opts);
  return runId;
}

const conflictsOf = async (runId: number) =>
  (
    await t.pool.query<{
      item: string;
      source: string;
      subject_key: string;
      a: string | null;
      s: string | null;
    }>(
      `SELECT i.name AS item, e.entry_id AS source, c.subject_key, c.authoritative_value AS a, c.source_value AS s
         FROM datong.crosscheck_conflicts c JOIN datong.data_items i ON i.id = c.item_id
         JOIN datong.data_item_sources e ON e.id = c.source_id
        WHERE c.run_id = $1 ORDER BY c.id`,
      [runId],
    )
  ).rows.map((r) => [r.item, r.source === entryB ? 'B' : 'C', r.subject_key, r.a, r.s]);

describe('the cross-check', () => {
  let runId: number;

  it('finds exactly the planted conflicts, with both raw values', async () => {
    runId = await crosscheck();
    expect(await conflictsOf(runId)).toEqual([
      ['企业名称', 'B', uscc(6), name(6), '广州 Abc6 信息有限公司'],
      ['企业名称', 'B', uscc(7), name(7), null],
      ['企业名称', 'C', uscc(13), name(13), '深圳 Abc13 科技有限公司'],
      ['企业名称', 'C', uscc(14), name(14), `${name(14)}。`],
      ['法定代表人', 'B', uscc(15), '王15号', '李15号'],
      ['法定代表人', 'B', uscc(17), '王17号', ''],
      ['注册资本', 'C', uscc(16), '1600.00', '99999.0000'],
    ]);
  });

  it('counts keys compared, agreeing, conflicting and missing on either side, per item and source', async () => {
    const res = await send('GET', `/api/quality/crosschecks/${runId}`, w.sysadmin);
    expect(res.statusCode, res.body).toBe(200);
    const run = res.json<Run>();
    expect(run).toMatchObject({ id: runId, status: 'done', error: null, items: 3, conflicting: 7 });
    const figures = run.results.map((r: Run['results'][number]) => [
      r.itemName,
      r.authority?.entryName,
      r.authority?.fieldName,
      r.compared,
      r.agreeing,
      r.agreementRate,
      r.sources.map((s: Record<string, unknown>) => [
        s.entryName,
        s.fieldName,
        s.compared,
        s.agreeing,
        s.conflicting,
        s.missingInSource,
        s.missingInAuthority,
        s.agreementRate,
        s.conflictsStored,
      ]),
    ]);
    expect(figures).toEqual([
      [
        '企业名称',
        '市场主体登记信息',
        '企业名称',
        37,
        33,
        0.8919,
        [
          ['纳税人登记信息', '纳税人名称', 18, 16, 2, 2, 2, 0.8889, 2],
          ['社保参保单位信息', '单位名称', 19, 17, 2, 1, 1, 0.8947, 2],
        ],
      ],
      [
        '法定代表人',
        '市场主体登记信息',
        '法定代表人',
        18,
        16,
        0.8889,
        [['纳税人登记信息', '法定代表人', 18, 16, 2, 2, 2, 0.8889, 2]],
      ],
      [
        '注册资本',
        '市场主体登记信息',
        '注册资本',
        19,
        18,
        0.9474,
        [['社保参保单位信息', '注册资本', 19, 18, 1, 1, 1, 0.9474, 1]],
      ],
    ]);
  });

  it('pages the conflicts, masks personal data for the platform, and shows raised objections', async () => {
    const url = `/api/quality/crosschecks/${runId}/conflicts`;
    const first = await send('GET', `${url}?limit=4`, w.sysadmin);
    expect(first.statusCode, first.body).toBe(200);
    const page1 = first.json();
    expect(page1.items.map((c: { subjectKey: string }) => c.subjectKey)).toEqual([
      uscc(6),
      uscc(7),
      uscc(13),
      uscc(14),
    ]);
    const second = (await send('GET', `${url}?limit=4&cursor=${page1.nextCursor}`, w.sysadmin)).json();
    expect(second.nextCursor).toBeNull();
    expect(
      second.items.map((c: Record<string, unknown>) => [
        c.itemName,
        c.entryName,
        c.field,
        c.subjectKey,
        c.authoritativeValue,
        c.sourceValue,
        c.masked,
      ]),
    ).toEqual([
      ['法定代表人', '纳税人登记信息', 'fddbr', uscc(15), '王***', '李***', true],
      ['法定代表人', '纳税人登记信息', 'fddbr', uscc(17), '王***', '', true],
      ['注册资本', '社保参保单位信息', 'zczb', uscc(16), '1600.00', '99999.0000', false],
    ]);
    // One item and source only.
    const bOnly = (
      await send('GET', `${url}?itemId=${items['企业名称']}&sourceId=${sources['企业名称:B']}`, w.sysadmin)
    ).json();
    expect(bOnly.items.map((c: { subjectKey: string }) => c.subjectKey)).toEqual([uscc(6), uscc(7)]);
    expect(bOnly.items[0]).toMatchObject({ authoritativeValue: name(6), masked: false, objectionId: null });

    // A platform account of the authority's own department sees the authority's values as stored.
    const own = await w.token(['sysadmin'], w.orgs.a);
    const person15 = (await send('GET', `${url}?itemId=${items['法定代表人']}`, own)).json().items[0];
    expect(person15).toMatchObject({ authoritativeValue: '王15号', sourceValue: '李***', masked: true });

    // An objection raised from a conflict (objections.ts sets objection_id) shows on it.
    const { rows: conflict } = await t.pool.query<{ id: number }>(
      'SELECT id FROM datong.crosscheck_conflicts WHERE run_id = $1 AND subject_key = $2 AND source_id = $3',
      [runId, uscc(6), sources['企业名称:B']],
    );
    const { rows: objection } = await t.pool.query<{ id: string }>(
      `INSERT INTO datong.objections (entry_id, org_id, record_key, field, reason, origin, conflict_id, raised_by_name, due_at)
       VALUES ($1, $2, $3, 'nsrmc', '名称与登记机关不一致', 'crosscheck', $4, '平台', now() + interval '7 days') RETURNING id`,
      [entryB, w.orgs.b, JSON.stringify({ nsrsbh: uscc(6) }), conflict[0]!.id],
    );
    await t.pool.query('UPDATE datong.crosscheck_conflicts SET objection_id = $1 WHERE id = $2', [
      objection[0]!.id,
      conflict[0]!.id,
    ]);
    const again = (await send('GET', `${url}?limit=1`, w.sysadmin)).json();
    expect(again.items[0]).toMatchObject({ id: conflict[0]!.id, objectionId: objection[0]!.id });

    const missing = await send('GET', '/api/quality/crosschecks/999999/conflicts', w.sysadmin);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('quality_crosscheck_not_found');
  });

  it('follows the item’s normalisation options: case-sensitive, two more conflicts', async () => {
    const patched = await send('PATCH', `/api/quality/items/${items['企业名称']}`, w.sysadmin, {
      normalise: { case: false },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const run = await crosscheck();
    expect(
      (await conflictsOf(run)).filter((c) => c[0] === '企业名称').map((c) => [c[1], c[2], c[4]]),
    ).toEqual([
      ['B', uscc(4), '广州 ABC4 科技有限公司'],
      ['B', uscc(6), '广州 Abc6 信息有限公司'],
      ['B', uscc(7), null],
      ['C', uscc(12), '广州 ABC12 科技有限公司'],
      ['C', uscc(13), '深圳 Abc13 科技有限公司'],
      ['C', uscc(14), `${name(14)}。`],
    ]);
    await send('PATCH', `/api/quality/items/${items['企业名称']}`, w.sysadmin, { normalise: { case: true } });
  });

  it('stores at most the cap of conflicts per item and source, and counts them all', async () => {
    const run = await crosscheck({ cap: 1 });
    const { rows } = await t.pool.query<{ source_id: string; n: number }>(
      `SELECT source_id, count(*)::int AS n FROM datong.crosscheck_conflicts WHERE run_id = $1 GROUP BY 1`,
      [run],
    );
    expect(rows.map((r) => r.n)).toEqual([1, 1, 1, 1]);
    const body = (await send('GET', `/api/quality/crosschecks/${run}`, w.sysadmin)).json();
    expect(body.conflicting).toBe(7);
    const b = body.results[0].sources[1];
    expect([b.conflicting, b.conflictsStored]).toEqual([2, 1]);
  });

  it('fails the whole run, keeping nothing of it, when an item cannot be compared', async () => {
    const entryD = await publishEntry(t, w, w.orgs.b, '未归集的登记表', [
      text('统一社会信用代码', 'uscc', { key: true, required: true, length: 18 }),
      text('企业名称', 'qymc'),
    ]);
    const res = await send('POST', '/api/quality/items', w.sysadmin, {
      name: '企业名称（备用）',
      subjectKind: 'uscc',
      authority: { entryId: entryA, field: 'qymc', keyField: 'uscc' },
      sources: [{ entryId: entryD, field: 'qymc', keyField: 'uscc' }],
    });
    expect(res.statusCode, res.body).toBe(201);
    const itemId = res.json<{ id: string }>().id;
    const [task] = crosscheckTasks(t.services);
    const queued = await send('POST', '/api/quality/crosschecks', w.sysadmin);
    const failedRun = queued.json<{ runId: number }>().runId;
    // The job's own handler this time.
    await task!.task({ runId: failedRun }, {} as never);
    const run = (await send('GET', `/api/quality/crosschecks/${failedRun}`, w.sysadmin)).json();
    expect(run).toMatchObject({
      status: 'failed',
      items: 0,
      conflicting: 0,
      results: [],
      error: {
        code: 'quality_crosscheck_no_dataset',
        'zh-CN': '数据项「企业名称（备用）」的来源「未归集的登记表」尚未建立数据表（未归集数据），无法校核',
        en: 'The source "未归集的登记表" of the data item "企业名称（备用）" has no dataset yet (nothing loaded); it cannot be cross-checked',
        itemId,
      },
    });
    expect(run.finishedAt).not.toBeNull();
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM datong.crosscheck_stats WHERE run_id = $1)
            + (SELECT count(*) FROM datong.crosscheck_conflicts WHERE run_id = $1) AS n`,
      [failedRun],
    );
    expect(rows[0]!.n).toBe(0);
    // A second delivery of the same job leaves the run as it is.
    expect(await runCrosscheck(t.services, failedRun)).toBe('failed');
    await t.services.ledger.flush();
    const { rows: audit } = await t.pool.query<{ action: string; result: string }>(
      `SELECT action, result FROM audit.events WHERE object_id = $1 ORDER BY seq`,
      [String(failedRun)],
    );
    expect(audit).toEqual([
      { action: 'quality.crosscheck.start', result: 'success' },
      { action: 'quality.crosscheck.finish', result: 'failure' },
    ]);
    expect((await send('DELETE', `/api/quality/items/${itemId}`, w.sysadmin)).statusCode).toBe(204);
  });

  it('lists the runs newest first, a keyset page at a time', async () => {
    const page = (await send('GET', '/api/quality/crosschecks?limit=2', w.sysadmin)).json();
    expect(page.items.map((r: { status: string }) => r.status)).toEqual(['failed', 'done']);
    const ids = page.items.map((r: { id: number }) => r.id);
    expect(ids[0]).toBeGreaterThan(ids[1]);
    const rest = (
      await send('GET', `/api/quality/crosschecks?limit=2&cursor=${page.nextCursor}`, w.sysadmin)
    ).json();
    expect(rest.items.map((r: { id: number }) => r.id)).toEqual([ids[1] - 1, runId]);
    expect(rest.nextCursor).toBeNull();
  });

  it('refuses to start when nothing is registered, and is the platform’s', async () => {
    const steward = await w.token(['data_steward'], w.orgs.a);
    expect((await send('GET', `/api/quality/crosschecks/${runId}`, steward)).statusCode).toBe(403);
    expect((await send('GET', `/api/quality/crosschecks/${runId}/conflicts`, steward)).statusCode).toBe(403);
    for (const id of Object.values(items)) await send('DELETE', `/api/quality/items/${id}`, w.sysadmin);
    const none = await send('POST', '/api/quality/crosschecks', { ...w.sysadmin, 'accept-language': 'en' });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({
      code: 'quality_crosscheck_no_items',
      title: 'No data item with a secondary source is registered; there is nothing to cross-check',
    });
  });
});
