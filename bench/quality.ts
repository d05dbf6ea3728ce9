/**
 * Governance (治理) benchmark, first part: the quality rule engine on a 1M-row dataset with ten
 * mixed rules, against one hand-written SQL statement per rule on the same data in the same run.
 *
 * The table (public.bench_quality, generated in PostgreSQL): a key, an enterprise name, an
 * e-mail, a region code, a registered capital, a sex code and a founding date, with planted
 * defects at known rates. A code table of 3,000 region codes. Ten rules: two not_null, a
 * max_length, a pattern, a code_table, two ranges, two uniqueness rules and a consistency
 * expression.
 *
 * - Anchor: each rule as the obvious single statement (`SELECT count(*) … WHERE <fails>`, or a
 *   GROUP BY … HAVING for uniqueness), run one after the other: ten scans.
 * - Datong: `runRules` (one scan for the row rules, one grouping per uniqueness rule, samples of
 *   every failing rule).
 * Both report the same failing counts (checked). BENCH_QUALITY_ROWS sets the size (1,000,000).
 */
import type { Pool } from '../src/platform/db/pool.js';
import { runRules, type EngineColumn, type RuleInput } from '../src/modules/quality/engine.js';
import { benchCrosscheck } from './quality-crosscheck.js';
import type { BenchContext, BenchResult } from './types.js';

const ROWS = Number(process.env.BENCH_QUALITY_ROWS ?? 1_000_000);
const VIEW = 'public.bench_quality';
const COLUMNS: EngineColumn[] = [
  { code: 'id', pgType: 'text', key: true },
  { code: 'name', pgType: 'text', key: false },
  { code: 'email', pgType: 'text', key: false },
  { code: 'region', pgType: 'text', key: false },
  { code: 'capital', pgType: 'numeric(16,2)', key: false },
  { code: 'sex', pgType: 'text', key: false },
  { code: 'founded', pgType: 'date', key: false },
];

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function setup(pool: Pool): Promise<string> {
  await pool.query(`DROP TABLE IF EXISTS ${VIEW}`);
  // Planted defects by row number: names missing 1 in 50 and too long 1 in 200, e-mails bad 1
  // in 100 and repeated 1 in 1,000, regions unknown 1 in 80, capital negative 1 in 500 and huge
  // 1 in 700, sex unknown 1 in 300, founding dates in the future 1 in 400.
  await pool.query(
    `CREATE TABLE ${VIEW} AS
       SELECT lpad(i::text, 10, '0') AS id,
              CASE WHEN i % 50 = 0 THEN NULL WHEN i % 200 = 1 THEN repeat('名', 60) ELSE '企业' || i END AS name,
              CASE WHEN i % 100 = 0 THEN 'bad-email-' || i WHEN i % 1000 = 7 THEN 'dup@example.cn'
                   ELSE 'u' || i || '@example.cn' END AS email,
              CASE WHEN i % 80 = 0 THEN '999999' ELSE (440000 + i % 3000)::text END AS region,
              CASE WHEN i % 500 = 0 THEN -1 WHEN i % 700 = 0 THEN 1e12 ELSE (i % 100000) * 10 END::numeric(16,2) AS capital,
              CASE WHEN i % 300 = 0 THEN '9' ELSE (1 + i % 2)::text END AS sex,
              CASE WHEN i % 400 = 0 THEN date '2099-01-01' ELSE date '2000-01-01' + (i % 8000) END AS founded
         FROM generate_series(1, $1::int) AS i`,
    [ROWS],
  );
  await pool.query(`ALTER TABLE ${VIEW} ADD PRIMARY KEY (id)`);
  await pool.query(`VACUUM ANALYZE ${VIEW}`);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO datong.code_tables (identifier, name, version)
     VALUES ('BENCH-REGION', '基准区划', to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS')) RETURNING id`,
  );
  const id = rows[0]!.id;
  await pool.query(
    `INSERT INTO datong.code_table_values (table_id, code, label)
     SELECT $1, (440000 + i)::text, '区划' || i FROM generate_series(0, 2999) AS i`,
    [id],
  );
  return id;
}

function rules(codeTableId: string): RuleInput[] {
  return [
    { id: 'name-present', spec: { kind: 'not_null', field: 'name' } },
    { id: 'email-present', spec: { kind: 'not_null', field: 'email' } },
    { id: 'name-length', spec: { kind: 'max_length', field: 'name', max: 50 } },
    { id: 'email-pattern', spec: { kind: 'pattern', field: 'email', pattern: '^[^@ ]+@[^@ ]+\\.[a-z]+$' } },
    { id: 'region-code', spec: { kind: 'code_table', field: 'region', codeTableId } },
    { id: 'capital-range', spec: { kind: 'range', field: 'capital', min: '0', max: '100000000' } },
    { id: 'founded-range', spec: { kind: 'range', field: 'founded', min: '1949-10-01', max: '2026-12-31' } },
    { id: 'id-unique', spec: { kind: 'unique', fields: ['id'] } },
    { id: 'email-unique', spec: { kind: 'unique', fields: ['email'] } },
    {
      id: 'sex-known',
      spec: {
        kind: 'expression',
        condition: {
          or: [
            { field: 'sex', op: 'eq', value: '1' },
            { field: 'sex', op: 'eq', value: '2' },
          ],
        },
      },
    },
  ];
}

/** The anchor: the statement a DBA would write for each rule, one after the other. */
function anchorStatements(codeTableId: string): [string, string, unknown[]][] {
  const count = (where: string) => `SELECT count(*)::int8 AS n FROM ${VIEW} WHERE ${where}`;
  const dups = (col: string) =>
    `SELECT coalesce(sum(n), 0)::int8 AS n FROM (SELECT count(*) AS n FROM ${VIEW} WHERE ${col} IS NOT NULL
       GROUP BY ${col} HAVING count(*) > 1) d`;
  return [
    ['name-present', count(`name IS NULL OR btrim(name) = ''`), []],
    ['email-present', count(`email IS NULL OR btrim(email) = ''`), []],
    ['name-length', count('char_length(name) > 50'), []],
    ['email-pattern', count(`email !~ '^[^@ ]+@[^@ ]+\\.[a-z]+$'`), []],
    [
      'region-code',
      count(`region IS NOT NULL AND NOT EXISTS (SELECT 1 FROM datong.code_table_values v
                WHERE v.table_id = $1 AND v.code = region)`),
      [codeTableId],
    ],
    ['capital-range', count('capital < 0 OR capital > 100000000'), []],
    ['founded-range', count(`founded < date '1949-10-01' OR founded > date '2026-12-31'`), []],
    ['id-unique', dups('id'), []],
    ['email-unique', dups('email'), []],
    ['sex-known', count(`(sex = '1' OR sex = '2') IS NOT TRUE`), []],
  ];
}

/** The rule engine, then the cross-check (bench/quality-crosscheck.ts), one after the other. */
export async function benchQuality(ctx: BenchContext): Promise<BenchResult[]> {
  return [...(await benchRules(ctx)), ...(await benchCrosscheck(ctx))];
}

async function benchRules(ctx: BenchContext): Promise<BenchResult[]> {
  const { pool, log } = ctx;
  log(`quality: generating ${ROWS.toLocaleString('en-US')} rows with planted defects …`);
  const codeTableId = await setup(pool);
  try {
    // Warm the table into the cache for both sides alike.
    await pool.query(`SELECT count(*) FROM ${VIEW}`);

    const t0 = process.hrtime.bigint();
    const anchorCounts: Record<string, number> = {};
    for (const [id, sql, params] of anchorStatements(codeTableId)) {
      const { rows } = await pool.query<{ n: number }>(sql, params);
      anchorCounts[id] = Number(rows[0]!.n);
    }
    const anchorS = seconds(t0);
    log(`quality: anchor, 10 hand-written statements: ${anchorS.toFixed(2)} s`);

    const t1 = process.hrtime.bigint();
    const run = await runRules(pool, VIEW, COLUMNS, rules(codeTableId), { samples: 10 });
    const datongS = seconds(t1);
    const counts = Object.fromEntries(run.results.map((r) => [r.id, r.failing]));
    log(`quality: runRules: ${datongS.toFixed(2)} s; failing ${JSON.stringify(counts)}`);
    const differ = Object.keys(anchorCounts).filter((k) => anchorCounts[k] !== counts[k]);
    if (differ.length) throw new Error(`rule counts differ from the anchor's: ${differ.join(', ')}`);

    const ruleRows = (ROWS * 10) / 1e6;
    return [
      {
        name: `quality suite: 10 mixed rules over ${ROWS.toLocaleString('en-US')} rows (runRules, samples included)`,
        value: Number(datongS.toFixed(2)),
        unit: 's',
        note: 'target < 10 s; the same failing counts as the anchor, checked',
      },
      {
        name: 'quality suite throughput (rule × rows per second)',
        value: Number((ruleRows / datongS).toFixed(2)),
        unit: 'M/s',
        anchor: {
          name: 'one hand-written statement per rule, in turn',
          value: Number((ruleRows / anchorS).toFixed(2)),
          unit: 'M/s',
        },
        ratio: anchorS / datongS,
        note: `target ratio ≥ 0.7; anchor ${anchorS.toFixed(2)} s, Datong ${datongS.toFixed(2)} s`,
      },
    ];
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${VIEW}`).catch(() => undefined);
    await pool.query('DELETE FROM datong.code_tables WHERE id = $1', [codeTableId]).catch(() => undefined);
  }
}
