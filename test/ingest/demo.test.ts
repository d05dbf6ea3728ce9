import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { seedDemo } from '../../src/cli/seed.js';
import { systemContext } from '../../src/platform/context.js';
import { seedIngestDemo } from '../../src/modules/ingest/demo.js';
import type { BatchResult } from '../../src/modules/ingest/load.js';

/** The demo node's table entries hold data, loaded through the real path, one batch with rejects. */
let t: TestApp;
let results: BatchResult[];

beforeAll(async () => {
  t = await testApp();
  await seedDemo(t.services, { data: false });
  results = await seedIngestDemo({ ...systemContext('seed'), services: t.services });
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('demo data', () => {
  it('loads every published table entry, all batches applied', async () => {
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM datong.catalog_versions v JOIN datong.catalog_entries e
          ON e.id = v.entry_id AND v.version = e.published_version
        WHERE v.status = 'published' AND v.resource_kind = 'table'`,
    );
    expect(results.length).toBe(rows[0]!.n);
    expect(results.length).toBeGreaterThanOrEqual(10);
    for (const r of results)
      expect(r, JSON.stringify(r.error)).toMatchObject({ status: 'done', rowsAccepted: 120 });
  });

  it('shows one batch with exactly three rejects, each with its reason', async () => {
    const withRejects = results.filter((r) => r.rowsRejected > 0);
    expect(withRejects.map((r) => r.rowsRejected)).toEqual([3]);
    const { rows } = await t.pool.query<{ reason_zh: string }>(
      'SELECT reason_zh FROM datong.ingest_rejects WHERE batch_id = $1 ORDER BY row',
      [withRejects[0]!.batchId],
    );
    expect(rows.length).toBe(3);
    for (const r of rows) expect(r.reason_zh).toMatch(/[\u4e00-\u9fff]/);
  });

  it('fills text fields with values of their kind, not "<field name><n>" placeholders', async () => {
    const { rows: sets } = await t.pool.query<{ name: string; columns: { code: string; name: string }[] }>(
      'SELECT name, columns FROM datong.datasets',
    );
    const placeholders: string[] = [];
    for (const ds of sets) {
      for (const c of ds.columns) {
        const { rows } = await t.pool.query<{ v: string }>(
          `SELECT "${c.code}"::text AS v FROM ds."${ds.name}" WHERE "${c.code}"::text LIKE $1 || '%' LIMIT 1`,
          [c.name],
        );
        if (rows[0]) placeholders.push(`${c.name}: ${rows[0].v}`);
      }
    }
    expect(placeholders).toEqual([]);
  });

  it('loads nothing twice when seeded again', async () => {
    expect(await seedIngestDemo({ ...systemContext('seed'), services: t.services })).toEqual([]);
  });
});
