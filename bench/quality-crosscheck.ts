/**
 * Governance (治理) benchmark, second part: the 多源校核 cross-check of three departments' data
 * about the same 1M companies, against one hand-written SQL statement per item × source on the
 * same data in the same run.
 *
 * Three published table entries (市场监管 A, 税务 B, 社保 C) through the real catalog services;
 * their datasets filled in PostgreSQL (generate_series):
 *   - A (the authority): uscc (its key), 企业名称, 法定代表人, 注册资本 numeric(18,2);
 *   - B: nsrsbh (its key); 1 key in 200 missing and 5,000 keys A lacks; names 1 in 100 in
 *     conflict, 1 in 100 padded and 1 in 100 in upper case (both agree after normalisation);
 *     法定代表人 1 in 100 in conflict;
 *   - C: keyed by a row number, the USCC an ordinary field (so grouped by the normalised key),
 *     1 key in 1,000 padded with spaces; 1 in 300 missing, 2,000 A lacks; names 1 in 100 in
 *     conflict and 1 in 100 full-width; 法定代表人 1 in 150 in conflict; 注册资本 numeric(16,4)
 *     (compared as numbers) 1 in 100 in conflict.
 * Three items, five comparisons (企业名称: B, C; 法定代表人: B, C; 注册资本: C).
 *
 * - Anchor: for each comparison the statement a DBA would write to get the same figures — a FULL
 *   JOIN on upper(btrim(key)) counting keys in both, conflicting (q_norm of both values only where
 *   they differ as stored) and missing on either side; SELECT only, so PostgreSQL may run it in
 *   parallel; no conflicts written.
 * - Datong: runCrosscheck, the job's work: the same comparisons, plus the checks of the keys,
 *   the grouping of sources not keyed by the USCC, the stats and the first 10,000 conflicts of
 *   each comparison written, in one transaction.
 * Both give the same figures (checked). BENCH_CROSSCHECK_ROWS sets the size (1,000,000).
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createLedger } from '../src/platform/audit/index.js';
import { loadConfig } from '../src/platform/config.js';
import { systemContext } from '../src/platform/context.js';
import { loadNodeIdentity } from '../src/platform/crypto/index.js';
import { withTx, type Pool } from '../src/platform/db/pool.js';
import type { Services } from '../src/platform/services.js';
import { usccWithCheck } from '../src/platform/validators/index.js';
import { approveEntry, createEntry, submitEntry, type EntryInput } from '../src/modules/catalog/index.js';
import { createOrg } from '../src/modules/identity/index.js';
import { ensureDataset, datasetView, versionTable } from '../src/modules/ingest/tables.js';
import { runCrosscheck, type ComparisonStats } from '../src/modules/quality/crosscheck.js';
import { createItem } from '../src/modules/quality/registry.js';
import { ENTRY } from './ingest-data.js';
import type { BenchContext, BenchResult } from './types.js';

const ROWS = Number(process.env.BENCH_CROSSCHECK_ROWS ?? 1_000_000);

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

type Field = EntryInput['fields'][number];
const text = (name: string, code: string, key = false): Field =>
  ({
    name,
    code,
    type: 'string',
    length: 200,
    required: key,
    key,
    piiKind: code === 'fddbr' ? 'name' : 'none',
    grade: 1,
  }) as Field;
const money = (code: string, precision: number, scale: number): Field =>
  ({
    name: '注册资本',
    code,
    type: 'decimal',
    precision,
    scale,
    required: false,
    key: false,
    piiKind: 'none',
    grade: 1,
  }) as Field;

/** The SQL of a generated company's fields for row number i. */
const KEY = `'91440101' || lpad(i::text, 10, '0')`;
const NAME = `'广州Abc' || i || '科技有限公司'`;
const PERSON = `'王' || (i % 9973)`;

async function fill(pool: Pool, entryId: string, select: string): Promise<string> {
  const ds = await withTx(pool, (tx) => ensureDataset(tx, entryId));
  const table = versionTable(ds.name, ds.currentVersion);
  await pool.query(`INSERT INTO ${table} ${select}`, [ROWS]);
  await pool.query(`VACUUM ANALYZE ${table}`);
  return datasetView(ds.name);
}

interface Comparison {
  label: string;
  anchor: string;
}

/** The hand-written statement of one comparison (the anchor). */
function anchorSql(
  a: string,
  aKey: string,
  aField: string,
  s: string,
  sKey: string,
  sField: string,
  numeric: boolean,
) {
  const norm = (v: string) => `nullif(datong.q_norm(${v}, true, true, true, true), '')`;
  const same = numeric
    ? 'a.v IS NOT DISTINCT FROM s.v'
    : `a.v IS NOT DISTINCT FROM s.v OR ${norm('a.v')} IS NOT DISTINCT FROM ${norm('s.v')}`;
  return `SELECT count(*) FILTER (WHERE a.k IS NOT NULL AND s.k IS NOT NULL)::int8 AS compared,
                 count(*) FILTER (WHERE a.k IS NOT NULL AND s.k IS NOT NULL AND NOT (${same}))::int8 AS conflicting,
                 count(*) FILTER (WHERE s.k IS NULL)::int8 AS "missingInSource",
                 count(*) FILTER (WHERE a.k IS NULL)::int8 AS "missingInAuthority"
            FROM (SELECT upper(btrim(${aKey})) AS k, ${aField} AS v FROM ${a}) a
            FULL JOIN (SELECT upper(btrim(${sKey})) AS k, ${sField} AS v FROM ${s} WHERE btrim(${sKey}) <> '') s
              ON s.k = a.k`;
}

export async function benchCrosscheck(ctx: BenchContext): Promise<BenchResult[]> {
  const { pool, adminUrl, log } = ctx;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'datong-bench-crosscheck-'));
  const silent = pino({ level: 'silent' });
  const config = loadConfig({ home: dir, databaseUrl: adminUrl });
  const identity = await loadNodeIdentity(config);
  const ledger = createLedger({ pool, identity, log: silent });
  const services: Services = { config, pool, ledger, identity, log: silent };
  const sys = { ...systemContext('bench:crosscheck'), services };
  try {
    const publish = (org: string, uscc: string, name: string, fields: Field[]) =>
      withTx(pool, async (tx) => {
        const o = await createOrg(sys, tx, {
          name: org,
          uscc: usccWithCheck(uscc),
          regionCode: '440000',
          kind: 'government',
        });
        const { id } = await createEntry(sys, tx, { ...ENTRY, name, fields, providerOrgId: o.id });
        await submitEntry(sys, tx, id);
        await approveEntry(sys, tx, id, '基准测试');
        return id;
      });
    const a = await publish('广东省市场监督管理局（校核基准）', '11440000MB2C1111A', '市场主体登记信息', [
      text('统一社会信用代码', 'uscc', true),
      text('企业名称', 'qymc'),
      text('法定代表人', 'fddbr'),
      money('zczb', 18, 2),
    ]);
    const b = await publish('国家税务总局广东省税务局（校核基准）', '11440000MB2C2222B', '纳税人登记信息', [
      text('纳税人识别号', 'nsrsbh', true),
      text('纳税人名称', 'nsrmc'),
      text('法定代表人', 'fddbr'),
    ]);
    const c = await publish('广东省社会保险基金管理局（校核基准）', '11440000MB2C3333C', '参保单位信息', [
      text('序号', 'xh', true),
      text('统一社会信用代码', 'tyshxydm'),
      text('单位名称', 'dwmc'),
      text('法定代表人', 'fddbr'),
      money('zczb', 16, 4),
    ]);

    log(`crosscheck: generating 3 sources × ${ROWS.toLocaleString('en-US')} companies …`);
    const t0 = process.hrtime.bigint();
    const viewA = await fill(
      pool,
      a,
      `SELECT ${KEY}, ${NAME}, ${PERSON}, (i % 100000) * 100 FROM generate_series(1, $1::int) AS i`,
    );
    const viewB = await fill(
      pool,
      b,
      `SELECT ${KEY},
              CASE i % 100 WHEN 1 THEN '深圳Xyz' || i || '贸易有限公司' WHEN 3 THEN '  ' || ${NAME} || ' '
                           WHEN 4 THEN upper(${NAME}) ELSE ${NAME} END,
              CASE WHEN i % 100 = 5 THEN '李' || (i % 9973) ELSE ${PERSON} END
         FROM generate_series(1, $1::int + 5000) AS i WHERE i % 200 <> 0`,
    );
    const viewC = await fill(
      pool,
      c,
      `SELECT 'R' || i, CASE WHEN i % 1000 = 7 THEN ' ' || ${KEY} || ' ' ELSE ${KEY} END,
              CASE i % 100 WHEN 2 THEN '佛山Def' || i || '实业有限公司'
                           WHEN 8 THEN translate(${NAME}, 'Abc0123456789', 'Ａｂｃ０１２３４５６７８９') ELSE ${NAME} END,
              CASE WHEN i % 150 = 9 THEN '赵' || (i % 9973) ELSE ${PERSON} END,
              CASE WHEN i % 100 = 11 THEN 1 ELSE (i % 100000) * 100 END
         FROM generate_series(1, $1::int + 2000) AS i WHERE i % 300 <> 0`,
    );
    log(`crosscheck: data generated in ${seconds(t0).toFixed(1)} s`);

    await withTx(pool, async (tx) => {
      await createItem(sys, tx, {
        name: '企业名称',
        subjectKind: 'uscc',
        authority: { entryId: a, field: 'qymc', keyField: 'uscc' },
        sources: [
          { entryId: b, field: 'nsrmc', keyField: 'nsrsbh' },
          { entryId: c, field: 'dwmc', keyField: 'tyshxydm' },
        ],
      });
      await createItem(sys, tx, {
        name: '法定代表人',
        subjectKind: 'uscc',
        authority: { entryId: a, field: 'fddbr', keyField: 'uscc' },
        sources: [
          { entryId: b, field: 'fddbr', keyField: 'nsrsbh' },
          { entryId: c, field: 'fddbr', keyField: 'tyshxydm' },
        ],
      });
      await createItem(sys, tx, {
        name: '注册资本',
        subjectKind: 'uscc',
        authority: { entryId: a, field: 'zczb', keyField: 'uscc' },
        sources: [{ entryId: c, field: 'zczb', keyField: 'tyshxydm' }],
      });
    });

    const comparisons: Comparison[] = [
      { label: '企业名称:B', anchor: anchorSql(viewA, 'uscc', 'qymc', viewB, 'nsrsbh', 'nsrmc', false) },
      { label: '企业名称:C', anchor: anchorSql(viewA, 'uscc', 'qymc', viewC, 'tyshxydm', 'dwmc', false) },
      { label: '法定代表人:B', anchor: anchorSql(viewA, 'uscc', 'fddbr', viewB, 'nsrsbh', 'fddbr', false) },
      { label: '法定代表人:C', anchor: anchorSql(viewA, 'uscc', 'fddbr', viewC, 'tyshxydm', 'fddbr', false) },
      { label: '注册资本:C', anchor: anchorSql(viewA, 'uscc', 'zczb', viewC, 'tyshxydm', 'zczb', true) },
    ];
    // Warm the three tables into the cache for both sides alike.
    for (const v of [viewA, viewB, viewC]) await pool.query(`SELECT count(*) FROM ${v}`);

    const t1 = process.hrtime.bigint();
    const anchorFigures = new Map<string, Omit<ComparisonStats, 'agreeing'>>();
    for (const cmp of comparisons) {
      const { rows } = await pool.query<Omit<ComparisonStats, 'agreeing'>>(cmp.anchor);
      anchorFigures.set(cmp.label, rows[0]!);
    }
    const anchorS = seconds(t1);
    log(`crosscheck: anchor, ${comparisons.length} hand-written statements: ${anchorS.toFixed(2)} s`);

    const { rows: run } = await pool.query<{ id: number }>(
      `INSERT INTO datong.crosscheck_runs (started_by_name) VALUES ('bench') RETURNING id`,
    );
    const runId = run[0]!.id;
    const rss0 = process.memoryUsage().rss;
    const t2 = process.hrtime.bigint();
    const status = await runCrosscheck(services, runId);
    const datongS = seconds(t2);
    if (status !== 'done') throw new Error('the cross-check run failed');
    const { rows: stats } = await pool.query<ComparisonStats & { label: string; stored: number }>(
      `SELECT i.name || ':' || CASE s.entry_id WHEN $2::uuid THEN 'B' ELSE 'C' END AS label,
              st.compared, st.agreeing, st.conflicting, st.missing_in_source AS "missingInSource",
              st.missing_in_authority AS "missingInAuthority",
              (SELECT count(*) FROM datong.crosscheck_conflicts x
                WHERE x.run_id = st.run_id AND x.source_id = st.source_id)::int AS stored
         FROM datong.crosscheck_stats st JOIN datong.data_items i ON i.id = st.item_id
         JOIN datong.data_item_sources s ON s.id = st.source_id WHERE st.run_id = $1`,
      [runId, b],
    );
    const figures = Object.fromEntries(stats.map(({ label, ...s }) => [label, s]));
    log(
      `crosscheck: runCrosscheck: ${datongS.toFixed(2)} s (RSS +${((process.memoryUsage().rss - rss0) / 2 ** 20).toFixed(0)} MB)`,
    );
    for (const [label, f] of Object.entries(figures)) log(`crosscheck:   ${label} ${JSON.stringify(f)}`);
    const differ = comparisons
      .map((c) => c.label)
      .filter((label) => {
        const x = anchorFigures.get(label)!;
        const y = figures[label];
        return (
          !y ||
          Number(x.compared) !== y.compared ||
          Number(x.conflicting) !== y.conflicting ||
          Number(x.missingInSource) !== y.missingInSource ||
          Number(x.missingInAuthority) !== y.missingInAuthority
        );
      });
    if (differ.length) throw new Error(`cross-check figures differ from the anchor's: ${differ.join(', ')}`);

    const keys = (comparisons.length * ROWS) / 1e6;
    const conflicts = stats.reduce((n, s) => n + s.conflicting, 0);
    return [
      {
        name: `cross-check: 3 sources × ${ROWS.toLocaleString('en-US')} companies, 3 items, ${comparisons.length} comparisons (runCrosscheck)`,
        value: Number(datongS.toFixed(2)),
        unit: 's',
        note: `target < 60 s; ${conflicts.toLocaleString('en-US')} conflicts counted, the first 10,000 per comparison stored; the same figures as the anchor, checked`,
      },
      {
        name: 'cross-check throughput (keys compared per second)',
        value: Number((keys / datongS).toFixed(2)),
        unit: 'M/s',
        anchor: {
          name: 'one hand-written FULL JOIN per item × source, counts only',
          value: Number((keys / anchorS).toFixed(2)),
          unit: 'M/s',
        },
        ratio: anchorS / datongS,
        note: `anchor ${anchorS.toFixed(2)} s, Datong ${datongS.toFixed(2)} s`,
      },
    ];
  } finally {
    await ledger.close().catch(() => undefined);
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
