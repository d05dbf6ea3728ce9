import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { seedDemo } from '../../src/cli/seed.js';
import { systemContext } from '../../src/platform/context.js';
import { ensureBuiltinStandards } from '../../src/modules/standards/index.js';
import { seedIngestDemo } from '../../src/modules/ingest/demo.js';
import { seedOpeningDemo } from '../../src/modules/opening/demo.js';

/**
 * The demo's open data: every open table entry with data has a published open version the public
 * API serves, personal data never in clear, one conditional entry's data only for approved
 * applicants, and one published data product. Seeding again adds nothing.
 */

let t: TestApp;
const ctx = () => ({ ...systemContext('seed'), services: t.services });
let seeded: { publications: number; products: number };

beforeAll(async () => {
  t = await testApp();
  await ensureBuiltinStandards(t.pool);
  await seedDemo(t.services, { data: false });
  await seedIngestDemo(ctx());
  seeded = await seedOpeningDemo(ctx());
}, 180_000);
afterAll(() => t?.close());

const entryId = async (name: string) =>
  (
    await t.pool.query<{ id: string }>(
      `SELECT e.id FROM datong.catalog_entries e
         JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
        WHERE v.name = $1`,
      [name],
    )
  ).rows[0]!.id;

describe('opening demo', () => {
  it('publishes an open version of every open table entry that holds data', async () => {
    const { rows } = await t.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM datong.catalog_entries e
         JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
         JOIN datong.datasets d ON d.entry_id = e.id AND d.current_version > 0
        WHERE v.status = 'published' AND v.open_type IN ('unconditional', 'conditional')`,
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(10);
    expect(seeded.publications).toBe(rows[0]!.n);
    const { rows: pubs } = await t.pool.query<{ status: string; current_version: number; row_count: string }>(
      'SELECT status, current_version, row_count FROM datong.open_publications',
    );
    expect(pubs.every((p) => p.status === 'published' && p.current_version === 1)).toBe(true);
  });

  it('serves 企业登记基本信息 to anyone, with the 法定代表人 masked and never in clear', async () => {
    const id = await entryId('企业登记基本信息');
    const res = await t.app.inject({ method: 'GET', url: `/api/open/datasets/${id}/rows?limit=1000` });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ columns: { code: string }[]; rows: Record<string, unknown>[]; total: number }>();
    expect(body.total).toBe(120);
    expect(body.columns.map((c) => c.code)).toContain('zsxzqh');
    const { rows: source } = await t.pool.query<{ fddbr: string }>(
      `SELECT fddbr FROM ds.${(await t.pool.query<{ name: string }>('SELECT name FROM datong.datasets WHERE entry_id = $1', [id])).rows[0]!.name} WHERE fddbr IS NOT NULL`,
    );
    // The other fields are kept as they are: every row has its company's name and code.
    expect(body.rows.every((r) => typeof r.qymc === 'string' && typeof r.tyshxydm === 'string')).toBe(true);
    const open = new Set(body.rows.map((r) => r.fddbr));
    for (const s of source) expect(open.has(s.fddbr)).toBe(false);
    expect([...open].every((v) => typeof v === 'string' && v.includes('*'))).toBe(true);
  });

  it('keeps a conditional entry’s data from anonymous callers', async () => {
    const id = await entryId('市场监管行政处罚信息');
    const res = await t.app.inject({ method: 'GET', url: `/api/open/datasets/${id}/rows` });
    expect(res.statusCode).toBe(404);
    const { rows } = await t.pool.query<{ status: string }>(
      'SELECT status FROM datong.open_publications WHERE entry_id = $1',
      [id],
    );
    expect(rows[0]?.status).toBe('published');
  });

  it('publishes one data product, and adds nothing when seeded again', async () => {
    expect(seeded.products).toBe(1);
    const res = await t.app.inject({ method: 'GET', url: '/api/products' });
    expect(res.statusCode).toBe(200);
    const list = res.json<{ items: { name: string; kind: string; status: string }[] }>();
    expect(list.items.map((p) => [p.name, p.kind, p.status])).toEqual([
      ['市场主体统计服务', 'statistics', 'published'],
    ]);
    expect(await seedOpeningDemo(ctx())).toEqual({ publications: 0, products: 0 });
  });
});
