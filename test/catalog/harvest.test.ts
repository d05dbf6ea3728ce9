import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import type { Runner } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../../src/platform/jobs/index.js';
import { tasks } from '../../src/modules/index.js';
import { runHarvest } from '../../src/modules/catalog/harvest.js';
import { insertRun } from '../../src/modules/catalog/harvest-store.js';
import { testApp, type TestApp } from '../support/app.js';
import { bearerFor, makeOrg, makeUser } from '../support/factories.js';

/**
 * Harvesting from a local fixture server on 127.0.0.1: a CKAN site whose package_search answers
 * in two pages, and a DCAT Turtle document. Nothing leaves the machine.
 */
const dir = path.join(import.meta.dirname, '..', 'fixtures', 'harvest');
const fixture = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');

let t: TestApp;
let server: http.Server;
let origin: string;
let operator: Record<string, string>;
let providerOrgId: string;
/** Changes the title of the first CKAN package, as a remote edit would. */
let bikeTitle = '城市公共自行车站点';
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url.pathname + url.search);
    if (url.pathname === '/api/3/action/package_search') {
      const start = Number(url.searchParams.get('start') ?? 0);
      const body =
        start === 0
          ? fixture('ckan-page1.json').replace('城市公共自行车站点', bikeTitle)
          : fixture('ckan-page2.json');
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else if (url.pathname === '/dcat.ttl') {
      res.writeHead(200, { 'content-type': 'text/turtle; charset=utf-8' }).end(fixture('dcat.ttl'));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t = await testApp();
  providerOrgId = (await makeOrg(t.pool, { name: '示例市大数据中心' })).id;
  const sysadmin = await makeUser(t.pool, { roles: ['sysadmin'] });
  operator = { authorization: `Bearer ${await bearerFor(t.app, sysadmin.username, sysadmin.password)}` };
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function addSource(body: object): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/catalog/harvest-sources',
    headers: operator,
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

async function runNow(sourceId: string) {
  const run = await insertRun(t.pool, sourceId, 'manual');
  return runHarvest(t.services, run.id);
}

const openCount = async () =>
  (await t.app.inject({ method: 'GET', url: '/api/3/action/package_search' })).json().result.count as number;

describe('CKAN source', () => {
  let sourceId: string;

  it('creates the valid packages across both pages and rejects one with its reason', async () => {
    sourceId = await addSource({ name: '示例市 CKAN', kind: 'ckan', url: origin, providerOrgId });
    const report = await runNow(sourceId);
    expect(report).toMatchObject({ status: 'done', created: 2, updated: 0, unchanged: 0, error: null });
    expect(report.rejected).toHaveLength(1);
    expect(report.rejected[0]!.ref).toBe('4f1c2a7e-0b0e-4a53-9c1b-6a5d1e2f0a02');
    expect(report.rejected[0]!.reason).toContain('/responsible/phone');
    expect(requests.filter((r) => r.startsWith('/api/3/action/package_search'))).toEqual([
      '/api/3/action/package_search?rows=100&start=0',
      '/api/3/action/package_search?rows=100&start=2',
    ]);
    // The harvested entries are published and open, under the source's provider.
    const search = (
      await t.app.inject({ method: 'GET', url: '/api/3/action/package_search?sort=title_string%20asc' })
    ).json();
    expect(search.result.results.map((p: { title: string }) => p.title)).toEqual([
      '城市公共自行车站点',
      '公共图书馆名录',
    ]);
    expect(search.result.results[0].resources.map((r: { format: string }) => r.format)).toEqual([
      'CSV',
      'JSON',
    ]);
    const extras = Object.fromEntries(
      search.result.results[0].extras.map((x: { key: string; value: string }) => [x.key, x.value]),
    );
    expect(extras).toMatchObject({
      update_cycle: 'daily',
      share_type: 'unconditional',
      category: 'department',
    });
  });

  it('is idempotent: a second run changes nothing', async () => {
    const report = await runNow(sourceId);
    expect(report).toMatchObject({ status: 'done', created: 0, updated: 0, unchanged: 2 });
    expect(report.rejected).toHaveLength(1);
    expect(await openCount()).toBe(2);
  });

  it('turns a remote change into a new published version of the same entry', async () => {
    bikeTitle = '城市公共自行车站点（2024 版）';
    const report = await runNow(sourceId);
    expect(report).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
    expect(await openCount()).toBe(2);
    const { rows } = await t.pool.query<{ version: number; status: string; name: string }>(
      `SELECT v.version, v.status, v.name FROM datong.catalog_versions v
       JOIN datong.harvest_items h ON h.entry_id = v.entry_id
       WHERE h.remote_id = '4f1c2a7e-0b0e-4a53-9c1b-6a5d1e2f0a01' ORDER BY v.version`,
    );
    expect(rows).toEqual([
      { version: 1, status: 'superseded', name: '城市公共自行车站点' },
      { version: 2, status: 'published', name: '城市公共自行车站点（2024 版）' },
    ]);
  });
});

describe('DCAT source', () => {
  it('reads dcat:Dataset nodes from Turtle, rejecting the one without a title', async () => {
    const sourceId = await addSource({
      name: '示例市 DCAT',
      kind: 'dcat',
      url: `${origin}/dcat.ttl`,
      providerOrgId,
    });
    const report = await runNow(sourceId);
    expect(report).toMatchObject({ status: 'done', created: 1, updated: 0 });
    expect(report.rejected).toEqual([
      { ref: 'http://127.0.0.1/dataset/untitled', reason: expect.stringContaining('/name') },
    ]);
    const pkg = (
      await t.app.inject({
        method: 'GET',
        url: `/api/3/action/package_search?q=${encodeURIComponent('停车场')}`,
      })
    ).json().result.results[0];
    expect(pkg).toMatchObject({
      title: '公共停车场信息',
      maintainer: '孙工',
      maintainer_email: 'parking@jtj.example.gov.cn',
    });
    expect(pkg.license_id).toBe('CC-BY-4.0');
    expect(pkg.tags.map((x: { name: string }) => x.name).sort()).toEqual(['交通', '停车']);
  });

  it('records a failed run when the source does not answer', async () => {
    const sourceId = await addSource({
      name: '失效的源',
      kind: 'dcat',
      url: `${origin}/missing.ttl`,
      providerOrgId,
    });
    const report = await runNow(sourceId);
    expect(report.status).toBe('failed');
    expect(report.error).toContain('HTTP 404');
  });
});

describe('HTTP and the job queue', () => {
  let runner: Runner | undefined;
  afterAll(async () => runner?.stop());

  it('refuses bad sources with clear errors', async () => {
    const bad = async (payload: object, code: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/catalog/harvest-sources',
        headers: operator,
        payload,
      });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.json().code).toBe(code);
    };
    await bad({ name: 'x', kind: 'ckan', url: 'ftp://127.0.0.1/' }, 'harvest_url_invalid');
    await bad(
      { name: 'x', kind: 'ckan', url: origin, schedule: 'every day', providerOrgId },
      'harvest_schedule_invalid',
    );
    await bad({ name: '示例市 CKAN', kind: 'ckan', url: origin, providerOrgId }, 'harvest_name_taken');
    await bad({ name: 'x', kind: 'soap', url: origin }, 'validation');
  });

  it('queues a run through graphile-worker and reports it', async () => {
    const sourceId = await addSource({
      name: '定时 CKAN',
      kind: 'ckan',
      url: origin,
      schedule: '0 2 * * *',
      providerOrgId,
    });
    runner = await startWorker(t.pool, tasks(t.services), pino({ level: 'silent' }), 1);
    const queued = await t.app.inject({
      method: 'POST',
      url: `/api/catalog/harvest-sources/${sourceId}/run`,
      headers: operator,
    });
    expect(queued.statusCode).toBe(202);
    const runId = queued.json().runId as string;
    const deadline = Date.now() + 20_000;
    let run = { status: 'queued' } as { status: string; created?: number; rejected?: unknown[] };
    while (Date.now() < deadline && (run.status === 'queued' || run.status === 'running')) {
      await new Promise((r) => setTimeout(r, 200));
      run = (
        await t.app.inject({ method: 'GET', url: `/api/catalog/harvest-runs/${runId}`, headers: operator })
      ).json();
    }
    // A different source with the same remote datasets makes its own entries (the key is per source).
    expect(run).toMatchObject({ status: 'done', created: 2, updated: 0 });
    expect(run.rejected).toHaveLength(1);
    const list = (
      await t.app.inject({ method: 'GET', url: '/api/catalog/harvest-sources', headers: operator })
    ).json();
    expect(list.items.map((s: { name: string }) => s.name)).toContain('定时 CKAN');
    const missing = await t.app.inject({
      method: 'GET',
      url: `/api/catalog/harvest-runs/${sourceId}`,
      headers: operator,
    });
    expect(missing.statusCode).toBe(404);
  });
});
