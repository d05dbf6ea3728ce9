import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { seedDemo } from '../../src/cli/seed.js';
import { systemContext } from '../../src/platform/context.js';
import { ensureBuiltinStandards } from '../../src/modules/standards/index.js';
import { seedIngestDemo } from '../../src/modules/ingest/demo.js';
import { seedQualityDemo } from '../../src/modules/quality/demo.js';

/**
 * The demo's governance data: every planted defect is found with its exact count, the
 * cross-check finds exactly the planted conflicts (and none of the values that differ only in
 * width or spaces), and the objections are in the states the demo promises. Seeding again adds
 * nothing.
 */

let t: TestApp;
const ctx = () => ({ ...systemContext('seed'), services: t.services });
let seeded: { rules: number; objections: number };

beforeAll(async () => {
  t = await testApp();
  await ensureBuiltinStandards(t.pool);
  await seedDemo(t.services, { data: false });
  await seedIngestDemo(ctx());
  seeded = await seedQualityDemo(ctx());
}, 180_000);
afterAll(() => t?.close());

/** The latest run's result of a rule, by the entry's and the rule's names. */
async function latest(entry: string, rule: string) {
  const { rows } = await t.pool.query<{ checked: number; failing: number; error: unknown; runs: number }>(
    `SELECT r.checked, r.failing, r.error,
            (SELECT count(*)::int FROM datong.quality_runs x WHERE x.dataset_id = d.id) AS runs
       FROM datong.quality_results r
       JOIN datong.quality_runs q ON q.id = r.run_id
       JOIN datong.datasets d ON d.id = q.dataset_id
       JOIN datong.catalog_entries e ON e.id = d.entry_id
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE v.name = $1 AND r.rule_name = $2
      ORDER BY q.id DESC LIMIT 1`,
    [entry, rule],
  );
  return rows[0];
}

describe('governance demo', () => {
  it('stores the catalog’s suggestions and the stewards’ rules, and finds each planted defect', async () => {
    expect(seeded.rules).toBeGreaterThan(100);
    const expectFailing = async (entry: string, rule: string, failing: number, checked = 120) => {
      const r = await latest(entry, rule);
      expect(r, `${entry} / ${rule}`).toMatchObject({
        failing,
        checked,
        error: null,
      });
      expect(r!.runs).toBe(2);
    };
    await expectFailing('企业登记基本信息', '法定代表人不为空', 2);
    await expectFailing('企业登记基本信息', '登记状态取值规范', 2, 120);
    await expectFailing('企业登记基本信息', '注册资本不为负数', 3);
    await expectFailing('企业登记基本信息', '企业名称唯一', 2);
    await expectFailing('户籍人口基本信息', '出生日期、性别与身份证号一致', 5);
    // Rows whose authority has no 法定代表人 (two planted blanks) are not checked.
    await expectFailing('企业法定代表人信息', '法定代表人与企业登记一致（准确性）', 2, 118);
  });

  it('keeps a trend: yesterday’s run on the clean data scored higher for 企业登记基本信息', async () => {
    const { rows } = await t.pool.query<{ score: string; started_at: Date }>(
      `SELECT q.score, q.started_at FROM datong.quality_runs q
         JOIN datong.datasets d ON d.id = q.dataset_id
         JOIN datong.catalog_versions v ON v.entry_id = d.entry_id AND v.version = d.catalog_version
        WHERE v.name = '企业登记基本信息' ORDER BY q.id`,
    );
    expect(rows).toHaveLength(2);
    expect(Number(rows[0]!.score)).toBeGreaterThan(Number(rows[1]!.score));
    expect(rows[1]!.started_at.getTime() - rows[0]!.started_at.getTime()).toBeGreaterThan(20 * 3600_000);
  });

  it('cross-checks exactly the planted conflicts, width and space differences normalised away', async () => {
    const { rows } = await t.pool.query<{
      item: string;
      entry: string;
      conflicting: string;
      compared: string;
    }>(
      `SELECT i.name AS item, v.name AS entry, s.conflicting, s.compared
         FROM datong.crosscheck_stats s
         JOIN datong.data_items i ON i.id = s.item_id
         JOIN datong.data_item_sources src ON src.id = s.source_id
         JOIN datong.catalog_entries e ON e.id = src.entry_id
         JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
        ORDER BY i.name, v.name`,
    );
    expect(rows.map((r) => [r.item, r.entry, Number(r.conflicting), Number(r.compared)])).toEqual([
      ['企业名称', '企业法定代表人信息', 1, 120],
      ['企业名称', '纳税人状态信息', 3, 120],
      // Two planted names, and the two companies whose authority lacks a 法定代表人.
      ['法定代表人', '企业法定代表人信息', 4, 120],
    ]);
    const { rows: values } = await t.pool.query<{ a: string | null; s: string | null }>(
      `SELECT authoritative_value AS a, source_value AS s FROM datong.crosscheck_conflicts c
         JOIN datong.data_items i ON i.id = c.item_id WHERE i.name = '企业名称' ORDER BY c.id`,
    );
    expect(values.filter((v) => v.s === `${v.a}（筹）`)).toHaveLength(1);
    expect(values.filter((v) => v.s === v.a!.replace('有限公司', '有限责任公司'))).toHaveLength(3);
  });

  it('leaves objections open, overdue and escalated, and one corrected through an upsert batch', async () => {
    expect(seeded.objections).toBe(4);
    const { rows } = await t.pool.query<{
      origin: string;
      status: string;
      escalated: boolean;
      batch_mode: string | null;
    }>(
      `SELECT o.origin, o.status, o.escalated_at IS NOT NULL AS escalated, b.mode AS batch_mode
         FROM datong.objections o LEFT JOIN datong.ingest_batches b ON b.id = o.correction_batch_id
        ORDER BY o.origin, o.status, o.escalated_at IS NULL`,
    );
    expect(rows).toEqual([
      { origin: 'consumer', status: 'open', escalated: true, batch_mode: null },
      { origin: 'consumer', status: 'open', escalated: false, batch_mode: null },
      { origin: 'crosscheck', status: 'corrected', escalated: false, batch_mode: 'upsert' },
      { origin: 'crosscheck', status: 'open', escalated: false, batch_mode: null },
    ]);
  });

  it('adds nothing when seeded again', async () => {
    expect(await seedQualityDemo(ctx())).toEqual({ rules: 0, objections: 0 });
  });
});
