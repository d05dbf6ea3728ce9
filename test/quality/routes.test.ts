import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';
import type { Role } from '../../src/platform/policy/permissions.js';
import { systemContext } from '../../src/platform/context.js';
import { maskValue } from '../../src/platform/masking/index.js';
import { idNumberWithCheck } from '../../src/platform/validators/index.js';
import type { EntryInput } from '../../src/modules/catalog/index.js';
import { loadBatch } from '../../src/modules/ingest/load.js';
import { openSource } from '../../src/modules/ingest/read/index.js';
import { runQualityJob, scheduledDatasets, type RunPayload } from '../../src/modules/quality/jobs.js';
import { ENTRY as REGISTRY, uscc } from '../ingest/fixtures/registry.js';

/**
 * Quality rules and runs through the real app: permissions, suggestions, rules, settings, a run
 * queued as a job and executed by the job's function (no worker), its masked results and scores,
 * the history, and the run queued after every load (coalesced per dataset).
 */

type Headers = Record<string, string>;
let t: TestApp;
let steward: Headers;
let otherSteward: Headers;
let otherMember: Headers;
let entryId: string;
let datasetId: string;

const ENTRY: EntryInput = {
  ...REGISTRY,
  name: '企业联系人质量测试表',
  summary: '质量测试',
  fields: [
    REGISTRY.fields[0]!, // uscc: key, required, validator uscc
    REGISTRY.fields[1]!, // qymc: required, 100
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
    // No validators: the load accepts what the rules then find.
    {
      name: '身份证号',
      code: 'sfzh',
      type: 'string',
      length: 18,
      required: false,
      key: false,
      piiKind: 'id_number',
      grade: 2,
    },
    {
      name: '联系电话',
      code: 'lxdh',
      type: 'string',
      length: 20,
      required: false,
      key: false,
      piiKind: 'mobile',
      grade: 2,
    },
  ] as EntryInput['fields'],
};

const N = 10;
const idOf = (n: number) => {
  const good = idNumberWithCheck(`44010619900307${String(100 + n)}`);
  // Rows 3 and 7: a wrong check character.
  return n === 3 || n === 7 ? good.slice(0, 17) + (good[17] === '1' ? '2' : '1') : good;
};
const phoneOf = (n: number) => (n === 5 ? '12345' : `1380000000${n % 10}`);
const csv = (rows: number[]) =>
  [
    'uscc,qymc,fddbr,sfzh,lxdh',
    ...rows.map((n) => `${uscc(n)},质量测试企业${n},张小${n},${idOf(n)},${phoneOf(n)}`),
  ].join('\n');

async function load(rows: number[]) {
  const result = await loadBatch({ ...systemContext('test'), services: t.services }, entryId, {
    mode: 'replace',
    source: await openSource(Readable.from([Buffer.from(csv(rows))]), { format: 'csv' }),
    sourceInfo: { kind: 'test' },
  });
  expect(result.status).toBe('done');
  return result.batchId;
}

const call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  headers: Headers,
  payload?: object,
) => t.app.inject({ method, url: `/api/quality${url}`, headers, ...(payload ? { payload } : {}) });

const jobs = async (key: string) =>
  (
    await t.pool.query<{ task_identifier: string; payload: RunPayload }>(
      `SELECT t.identifier AS task_identifier, j.payload FROM graphile_worker._private_jobs j
         JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.key = $1`,
      [key],
    )
  ).rows;

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
  const sysadmin = await token(['sysadmin']);
  const post = (url: string, h: Headers, p?: object) =>
    t.app.inject({ method: 'POST', url, headers: h, ...(p ? { payload: p } : {}) });
  const made = await post('/api/catalog/entries', steward, ENTRY as object);
  expect(made.statusCode, made.body).toBe(201);
  entryId = made.json<{ id: string }>().id;
  expect((await post(`/api/catalog/entries/${entryId}/submit`, steward)).statusCode).toBe(200);
  expect((await post(`/api/catalog/entries/${entryId}/approve`, sysadmin, {})).statusCode).toBe(200);
}, 60_000);
afterAll(async () => t?.close());

describe('quality rules', () => {
  it('has nothing before the first load', async () => {
    const res = await call('GET', `/datasets/${entryId}`, steward);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('quality_dataset_not_found');
  });

  it('suggests rules from the catalog, and lets the provider keep and add rules', async () => {
    await load(Array.from({ length: N }, (_, i) => i + 1));
    const first = await call('GET', `/datasets/${entryId}`, steward);
    expect(first.statusCode, first.body).toBe(200);
    datasetId = first.json().datasetId;
    expect(first.json()).toMatchObject({
      entryId,
      entryName: ENTRY.name,
      hour: null,
      rules: [],
      latestRun: null,
    });

    const sug = await call('GET', `/datasets/${entryId}/suggestions`, steward);
    expect(sug.statusCode, sug.body).toBe(200);
    expect(sug.json().map((s: { key: string; dimension: string }) => [s.key, s.dimension])).toEqual([
      ['uscc:not_null', 'completeness'],
      ['uscc:max_length', 'validity'],
      ['uscc:validator', 'validity'],
      ['qymc:not_null', 'completeness'],
      ['qymc:max_length', 'validity'],
      ['fddbr:max_length', 'validity'],
      ['sfzh:max_length', 'validity'],
      ['lxdh:max_length', 'validity'],
      ['uscc:unique', 'uniqueness'],
      ['timeliness', 'timeliness'],
    ]);
    expect(sug.json().every((s: { stored: boolean }) => !s.stored)).toBe(true);

    for (const key of ['uscc:unique', 'timeliness']) {
      const s = sug.json().find((x: { key: string }) => x.key === key);
      const res = await call('POST', `/datasets/${entryId}/rules`, steward, {
        key,
        name: s.name,
        spec: s.spec,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ key, suggested: true, enabled: true });
    }
    const id = await call('POST', `/datasets/${entryId}/rules`, steward, {
      name: '身份证号有效',
      spec: { kind: 'validator', field: 'sfzh', validator: 'id_number' },
    });
    expect(id.statusCode, id.body).toBe(201);
    expect(id.json()).toMatchObject({ kind: 'validator', dimension: 'validity', suggested: false });
    expect(id.json().key).toMatch(/^custom:[0-9a-f-]{36}$/);
    const phone = await call('POST', `/datasets/${entryId}/rules`, steward, {
      name: '电话为手机',
      spec: { kind: 'pattern', field: 'lxdh', pattern: '^1' },
    });
    expect(phone.statusCode).toBe(201);
    const patched = await call('PATCH', `/rules/${phone.json().id}`, steward, {
      name: '联系电话为有效手机号',
      spec: { kind: 'validator', field: 'lxdh', validator: 'mobile' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      name: '联系电话为有效手机号',
      kind: 'validator',
      dimension: 'validity',
    });

    const again = await call('GET', `/datasets/${entryId}/suggestions`, steward);
    const stored = again
      .json()
      .filter((s: { stored: boolean }) => s.stored)
      .map((s: { key: string }) => s.key);
    expect(stored).toEqual(['uscc:unique', 'timeliness']);
    const dup = await call('POST', `/datasets/${entryId}/rules`, steward, {
      key: 'timeliness',
      name: 'x',
      spec: { kind: 'timeliness' },
    });
    expect([dup.statusCode, dup.json().code]).toEqual([409, 'quality_rule_exists']);

    await t.services.ledger.flush();
    const audit = await t.pool.query<{ action: string }>(
      `SELECT action FROM audit.events WHERE action LIKE 'quality.rule.%' ORDER BY seq`,
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'quality.rule.create',
      'quality.rule.create',
      'quality.rule.create',
      'quality.rule.create',
      'quality.rule.update',
    ]);
  });

  it('refuses rules that cannot run, and unknown suggestion keys', async () => {
    const bad = async (body: object, code: string) => {
      const res = await call('POST', `/datasets/${entryId}/rules`, steward, body);
      expect([res.statusCode, res.json().code], res.body).toEqual([400, code]);
    };
    await bad({ name: 'x', spec: { kind: 'not_null', field: 'nope' } }, 'quality_rule_invalid');
    await bad(
      { name: 'x', spec: { kind: 'pattern', field: 'qymc', pattern: '(a+)+$' } },
      'quality_rule_invalid',
    );
    await bad({ name: 'x', spec: { kind: 'validator', field: 'qymc', validator: 'iban' } }, 'validation');
    await bad(
      { key: 'qymc:nope', name: 'x', spec: { kind: 'not_null', field: 'qymc' } },
      'quality_suggestion_unknown',
    );
    await bad(
      {
        name: 'x',
        spec: {
          kind: 'referential',
          field: 'qymc',
          entryId: '00000000-0000-4000-8000-000000000001',
          targetField: 'a',
        },
      },
      'quality_entry_not_found',
    );
  });

  it('lets other departments read but not manage', async () => {
    const read = await call('GET', `/datasets/${entryId}`, otherSteward);
    expect(read.statusCode).toBe(200);
    expect(read.json().rules).toHaveLength(4);
    const rule = read.json().rules[0];
    const refused = [
      await call('POST', `/datasets/${entryId}/rules`, otherSteward, {
        name: 'x',
        spec: { kind: 'timeliness' },
      }),
      await call('PATCH', `/rules/${rule.id}`, otherSteward, { enabled: false }),
      await call('DELETE', `/rules/${rule.id}`, otherSteward),
      await call('GET', `/datasets/${entryId}/suggestions`, otherSteward),
      await call('PUT', `/datasets/${entryId}/settings`, otherSteward, {
        weights: { completeness: 1, validity: 1, uniqueness: 1, consistency: 1, timeliness: 1, accuracy: 1 },
        hour: 3,
      }),
      await call('POST', `/datasets/${entryId}/runs`, otherSteward),
    ];
    expect(refused.map((r) => [r.statusCode, r.json().code])).toEqual(
      Array(6).fill([403, 'quality_out_of_scope']),
    );
    const member = await call('GET', `/datasets/${entryId}/suggestions`, otherMember);
    expect([member.statusCode, member.json().code]).toEqual([403, 'forbidden']);
  });
});

describe('quality runs', () => {
  it('queues a manual run, records exact counts, masked samples and weighted scores', async () => {
    const settings = await call('PUT', `/datasets/${entryId}/settings`, steward, {
      weights: { completeness: 1, validity: 2, uniqueness: 1, consistency: 1, timeliness: 1, accuracy: 1 },
      hour: 2,
    });
    expect(settings.statusCode, settings.body).toBe(200);
    expect(settings.json().hour).toBe(2);
    // 02:30 in Shanghai is 18:30 UTC the day before.
    expect(await scheduledDatasets(t.pool, new Date('2024-06-14T18:30:00Z'))).toEqual([datasetId]);
    expect(await scheduledDatasets(t.pool, new Date('2024-06-14T19:30:00Z'))).toEqual([]);

    const queued = await call('POST', `/datasets/${entryId}/runs`, steward);
    expect(queued.statusCode, queued.body).toBe(202);
    const { runId } = queued.json<{ runId: number }>();
    const job = await jobs(`quality:run:manual:${runId}`);
    expect(job).toEqual([
      { task_identifier: 'quality:run', payload: { datasetId, trigger: 'manual', runId } },
    ]);
    const pending = await call('GET', `/runs/${runId}`, otherSteward);
    expect(pending.json()).toMatchObject({ status: 'running', results: [] });

    await runQualityJob(t.services, job[0]!.payload);
    const run = await call('GET', `/runs/${runId}`, otherSteward);
    expect(run.statusCode, run.body).toBe(200);
    const body = run.json();
    expect(body).toMatchObject({
      id: runId,
      entryId,
      trigger: 'manual',
      status: 'done',
      rows: N,
      // validity: (8 + 9) / 20; overall (85 × 2 + 100 + 100) / 4.
      scores: {
        completeness: null,
        validity: 85,
        uniqueness: 100,
        consistency: null,
        timeliness: 100,
        accuracy: null,
      },
      score: 92.5,
    });
    const byName = Object.fromEntries(
      body.results.map((r: { ruleName: string; checked: number; failing: number; percent: number }) => [
        r.ruleName,
        [r.checked, r.failing, r.percent],
      ]),
    );
    expect(byName).toEqual({
      身份证号有效: [10, 2, 20],
      联系电话为有效手机号: [10, 1, 10],
      统一社会信用代码唯一: [10, 0, 0],
      按更新周期及时更新: [1, 0, 0],
    });
    const idRule = body.results.find((r: { ruleName: string }) => r.ruleName === '身份证号有效');
    expect(idRule.samples).toEqual(
      [3, 7].map((n) => ({ uscc: uscc(n), sfzh: maskValue('id_number', idOf(n)) })),
    );
    expect(idRule.samples[0].sfzh).toMatch(/^440106\*{8}\d{3}[\dX]$/);
    const phone = body.results.find((r: { ruleName: string }) => r.ruleName === '联系电话为有效手机号');
    expect(phone.samples).toEqual([{ uscc: uscc(5), lxdh: maskValue('mobile', '12345') }]);

    const history = await call('GET', `/datasets/${entryId}/runs?limit=5`, steward);
    expect(history.json().map((r: { id: number; score: number }) => [r.id, r.score])).toEqual([
      [runId, 92.5],
    ]);
    const overview = await call('GET', `/datasets/${entryId}`, steward);
    expect(overview.json().latestRun).toMatchObject({ id: runId, score: 92.5 });
  });

  it('queues one run per dataset after loads (a burst coalesces), and runs it as a load run', async () => {
    await t.pool.query('DELETE FROM graphile_worker._private_jobs WHERE key = $1', [
      `quality:run:${datasetId}`,
    ]);
    await load([1, 2, 3]);
    const second = await load([1, 2, 3, 4]);
    const queued = await jobs(`quality:run:${datasetId}`);
    expect(queued).toEqual([
      { task_identifier: 'quality:run', payload: { datasetId, trigger: 'load', batchId: second } },
    ]);
    await runQualityJob(t.services, queued[0]!.payload);
    const history = await call('GET', `/datasets/${entryId}/runs`, steward);
    const latest = history.json()[0];
    expect(latest).toMatchObject({
      trigger: 'load',
      batchId: second,
      status: 'done',
      rows: 4,
      startedByName: 'system',
    });
    // Rows 3 fails the identity number among 4: validity (3 + 3) / 8 = 87.5 (rows 1–4 have good phones).
    expect(latest.scores.validity).toBe(87.5);
  });

  it('queues a run after a rollback too: the view shows other data', async () => {
    await t.pool.query('DELETE FROM graphile_worker._private_jobs WHERE key = $1', [
      `quality:run:${datasetId}`,
    ]);
    const back = await t.app.inject({
      method: 'POST',
      url: `/api/catalog/entries/${entryId}/dataset/rollback`,
      headers: steward,
      payload: {},
    });
    expect(back.statusCode).toBe(200);
    const { rows } = await t.pool.query<{ id: string }>(
      `SELECT id FROM datong.ingest_batches WHERE dataset_id = $1 AND mode = 'rollback'`,
      [datasetId],
    );
    expect(rows).toHaveLength(1);
    expect(await jobs(`quality:run:${datasetId}`)).toEqual([
      {
        task_identifier: 'quality:run',
        payload: { datasetId, trigger: 'load', batchId: Number(rows[0]!.id) },
      },
    ]);
  });

  it('deletes rules; a dataset without enabled rules is not run', async () => {
    const { rules } = (await call('GET', `/datasets/${entryId}`, steward)).json<{
      rules: { id: string }[];
    }>();
    for (const r of rules) expect((await call('DELETE', `/rules/${r.id}`, steward)).statusCode).toBe(204);
    const none = await call('POST', `/datasets/${entryId}/runs`, steward);
    expect([none.statusCode, none.json().code]).toEqual([409, 'quality_no_rules']);
    await t.pool.query('DELETE FROM graphile_worker._private_jobs WHERE key = $1', [
      `quality:run:${datasetId}`,
    ]);
    await load([1]);
    expect(await jobs(`quality:run:${datasetId}`)).toEqual([]);
    const missing = await call('GET', `/runs/999999`, steward);
    expect([missing.statusCode, missing.json().code]).toEqual([404, 'quality_run_not_found']);
    await t.services.ledger.flush();
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit.events WHERE action IN ('quality.rule.delete', 'quality.settings', 'quality.run')`,
    );
    expect(rows[0]!.n).toBe(4 + 1 + 1);
  });
});
