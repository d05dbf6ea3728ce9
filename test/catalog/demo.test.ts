import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { DEMO_ORGS, seedDemo } from '../../src/cli/seed.js';
import { DEMO_ENTRIES } from '../../src/modules/catalog/demo-data.js';
import { validateEntryInput } from '../../src/modules/catalog/index.js';
import { ensureBuiltinStandards } from '../../src/modules/standards/index.js';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
  // As at a node's start, so the demo's sex and region fields can link their code tables.
  await ensureBuiltinStandards(t.pool);
});
afterAll(() => t.close());

interface Row {
  name: string;
  status: string;
  share_type: string;
  open_type: string;
  grade: number;
  important: boolean;
  core: boolean;
  update_cycle: string;
  resource_kind: string;
  provider: string;
}

const latest = async () =>
  (
    await t.pool.query<Row>(
      `SELECT v.name, v.status, v.share_type, v.open_type, v.grade, v.important, v.core, v.update_cycle,
              v.resource_kind, o.name AS provider
         FROM datong.catalog_versions v JOIN datong.orgs o ON o.id = v.provider_org_id
        WHERE v.latest`,
    )
  ).rows;

describe('demo catalog', () => {
  it('is valid by the core rules, entry by entry', () => {
    for (const demo of DEMO_ENTRIES) {
      const fields = demo.input.fields.map(({ codeTable: _t, ...f }) => f);
      expect(validateEntryInput({ ...demo.input, fields }, 'en'), demo.input.name).toEqual([]);
    }
  });

  it('seeds about 30 entries covering every share type, open type, grade and update cycle', async () => {
    await seedDemo(t.services);
    const rows = await latest();
    expect(rows.length).toBeGreaterThanOrEqual(28);
    expect(rows.length).toBe(DEMO_ENTRIES.length);
    const values = (k: keyof Row) => new Set(rows.map((r) => r[k]));
    expect(values('share_type')).toEqual(new Set(['unconditional', 'conditional', 'none']));
    expect(values('open_type')).toEqual(new Set(['unconditional', 'conditional', 'none']));
    expect(values('grade')).toEqual(new Set([1, 2, 3, 4]));
    expect(values('resource_kind')).toEqual(new Set(['table', 'file', 'api']));
    expect(values('update_cycle')).toEqual(
      new Set(['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'half_yearly', 'yearly', 'irregular']),
    );
    expect(values('provider')).toEqual(new Set(DEMO_ORGS.map((o) => o.name)));
    expect(rows.filter((r) => r.core).map((r) => r.name)).toEqual(['户籍人口基本信息']);
    expect(rows.filter((r) => r.important).length).toBeGreaterThan(3);

    // Most are published; the review queue and the editors have something to show.
    const byStatus = (s: string) => rows.filter((r) => r.status === s).length;
    expect(byStatus('published')).toBeGreaterThan(20);
    expect(byStatus('submitted')).toBeGreaterThanOrEqual(2);
    expect(byStatus('returned')).toBeGreaterThanOrEqual(1);
    expect(byStatus('draft')).toBeGreaterThanOrEqual(1);
  });

  it('keeps the real field lists and links the built-in code tables', async () => {
    const { rows } = await t.pool.query<{
      content: { fields: { name: string; codeTableId?: string | null }[] };
    }>("SELECT content FROM datong.catalog_versions WHERE name = '户籍人口基本信息' AND latest");
    const fields = rows[0]?.content.fields ?? [];
    expect(fields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['公民身份号码', '姓名', '性别', '出生日期', '民族', '户籍地址']),
    );
    const sexTable = await t.pool.query<{ id: string }>(
      "SELECT id FROM datong.code_tables WHERE identifier = 'GB/T 2261.1'",
    );
    expect(sexTable.rows[0]).toBeDefined();
    expect(fields.find((f) => f.name === '性别')?.codeTableId).toBe(sexTable.rows[0]?.id);
  });

  it('is idempotent: a second seed adds nothing', async () => {
    const before = (await latest()).length;
    await seedDemo(t.services);
    expect((await latest()).length).toBe(before);
  });

  it('shows anonymous visitors only the published open entries', async () => {
    const res = await t.app.inject({ url: '/api/catalog/export.xlsx' });
    expect(res.statusCode).toBe(200);
    const { readSheet } = await import('../../src/modules/catalog/import-read.js');
    const { parseSheet } = await import('../../src/modules/catalog/import-parse.js');
    const names = parseSheet(await readSheet(res.rawPayload, 'e.xlsx')).entries.map((e) => e.input.name);
    const expected = (await latest())
      .filter((r) => r.status === 'published' && r.open_type !== 'none')
      .map((r) => r.name);
    expect(names.sort()).toEqual(expected.sort());
    expect(names).not.toContain('户籍人口基本信息');
  });
});
