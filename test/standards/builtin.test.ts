import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../support/db.js';
import { ensureBuiltinStandards } from '../../src/modules/standards/index.js';
import { regionDivisions } from '../../src/platform/validators/index.js';

let db: Awaited<ReturnType<typeof testDatabase>>;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => db?.drop());

describe('ensureBuiltinStandards', () => {
  it('loads what is missing with one insert per table, then skips at once', async () => {
    // The template was loaded by the global set-up; start from an empty standards store.
    await db.pool.query('DELETE FROM datong.data_elements; DELETE FROM datong.code_tables');
    const start = performance.now();
    const report = await ensureBuiltinStandards(db.pool);
    const cold = performance.now() - start;
    expect(report.tables).toEqual(['GB/T 2260 2023', 'GB/T 2261.1 2003']);
    expect(report.elements).toEqual(['DE00001', 'DE00002', 'DE00003', 'DE00004', 'DE00005', 'DE00006']);
    // Thousands of rows in one statement: well under two seconds even on a busy machine.
    expect(cold).toBeLessThan(2000);

    const { rows } = await db.pool.query<{ identifier: string; n: number; orphans: number }>(
      `SELECT t.identifier, count(*)::int AS n,
              count(*) FILTER (WHERE v.parent_code IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM datong.code_table_values p WHERE p.table_id = t.id AND p.code = v.parent_code))::int AS orphans
         FROM datong.code_tables t JOIN datong.code_table_values v ON v.table_id = t.id
        GROUP BY t.identifier ORDER BY t.identifier`,
    );
    expect(rows).toEqual([
      { identifier: 'GB/T 2260', n: regionDivisions().length, orphans: 0 },
      { identifier: 'GB/T 2261.1', n: 4, orphans: 0 },
    ]);

    const again = performance.now();
    expect(await ensureBuiltinStandards(db.pool)).toEqual({ tables: [], elements: [] });
    expect(performance.now() - again).toBeLessThan(200);
  });

  it('is safe when two starts race', async () => {
    await db.pool.query('DELETE FROM datong.data_elements; DELETE FROM datong.code_tables');
    const [a, b] = await Promise.all([ensureBuiltinStandards(db.pool), ensureBuiltinStandards(db.pool)]);
    expect([...a.tables, ...b.tables].sort()).toEqual(['GB/T 2260 2023', 'GB/T 2261.1 2003']);
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM datong.code_tables');
    expect(rows[0]?.n).toBe(2);
  });
});
