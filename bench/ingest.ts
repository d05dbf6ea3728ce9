/**
 * Aggregation (归集) benchmark: a generated 12-column enterprise register (bench/ingest-data.ts),
 * written once in UTF-8 and once in GB18030, loaded by `loadBatch` in replace mode with every
 * validator on (uscc, id_number, mobile, region_code), read from disk through `openSource`. The
 * anchor, on the same server in the same run: raw `COPY … FROM STDIN (FORMAT csv, HEADER)` of the
 * UTF-8 file, streamed from disk into an unindexed table of the same column types. Also reported:
 * the Node process's RSS (sampled every 50 ms) before and at the peak of each load, and the new
 * version table's size with its key index against the CSV's. A repeat at BENCH_INGEST_BIG rows
 * (UTF-8 only) shows whether memory stays flat. Generating the files is not timed and runs in a
 * child process (no garbage left in this heap); they go to os.tmpdir() and are deleted at the end.
 *
 * Run alone with `npx tsx bench/index.ts ingest`; BENCH_INGEST_ROWS (default 1 000 000) sets the
 * size, BENCH_INGEST_BIG (default 5 000 000, 0 to skip) the memory repeat.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import pino from 'pino';
import { createLedger } from '../src/platform/audit/index.js';
import { loadConfig } from '../src/platform/config.js';
import { systemContext } from '../src/platform/context.js';
import { loadNodeIdentity } from '../src/platform/crypto/index.js';
import { withTx } from '../src/platform/db/pool.js';
import type { Services } from '../src/platform/services.js';
import { approveEntry, createEntry, submitEntry } from '../src/modules/catalog/index.js';
import { createOrg } from '../src/modules/identity/index.js';
import { pgType } from '../src/modules/ingest/check.js';
import { loadBatch, type BatchResult } from '../src/modules/ingest/load.js';
import { openSource } from '../src/modules/ingest/read/index.js';
import { datasetNameOf } from '../src/modules/ingest/tables.js';
import { usccWithCheck } from '../src/platform/validators/index.js';
import { ENTRY, FIELDS, writeCsvInChild } from './ingest-data.js';
import type { BenchContext, BenchResult } from './types.js';

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const BIG = Number(process.env.BENCH_INGEST_BIG ?? 5_000_000);
const SAMPLE_MS = 50;
const MB = 2 ** 20;

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const mb = (bytes: number) => Number((bytes / MB).toFixed(1));
const count = (n: number) => n.toLocaleString('en-US');

/** The RSS of this process before a load and its maximum while the load runs. */
async function withRss<T>(fn: () => Promise<T>): Promise<{ value: T; before: number; peak: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, SAMPLE_MS);
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, before, peak };
  } finally {
    clearInterval(timer);
  }
}

export async function benchIngest(ctx: BenchContext): Promise<BenchResult[]> {
  const { pool, adminUrl, log } = ctx;
  const results: BenchResult[] = [];
  const startRss = process.memoryUsage().rss;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'datong-bench-ingest-'));
  const ledgerLog = pino({ level: 'silent' });
  const config = loadConfig({ home: dir, databaseUrl: adminUrl });
  const identity = await loadNodeIdentity(config);
  const ledger = createLedger({ pool, identity, log: ledgerLog });
  const services: Services = { config, pool, ledger, identity, log: ledgerLog };
  const sys = { ...systemContext('bench:ingest'), services };

  try {
    // The provider and the published table-kind entry, through the real services.
    const entryId = await withTx(pool, async (tx) => {
      const org = await createOrg(sys, tx, {
        name: '广东省市场监督管理局（基准测试）',
        uscc: usccWithCheck('11440000MB2C12345'),
        regionCode: '440000',
        kind: 'government',
      });
      const { id } = await createEntry(sys, tx, { ...ENTRY, providerOrgId: org.id });
      await submitEntry(sys, tx, id);
      await approveEntry(sys, tx, id, '基准测试');
      return id;
    });
    const { rows: codeRow } = await pool.query<{ code: string }>(
      'SELECT code FROM datong.catalog_entries WHERE id = $1',
      [entryId],
    );
    const dsName = datasetNameOf(codeRow[0]!.code);
    // Publishing indexes the entry, which loads the jieba dictionary: part of every load's baseline.
    const publishedRss = process.memoryUsage().rss;
    log(`ingest: RSS ${mb(startRss)} MB at the start, ${mb(publishedRss)} MB after publishing the entry`);

    const utf8File = path.join(dir, 'registry-utf8.csv');
    const gbFile = path.join(dir, 'registry-gb18030.csv');
    log(`ingest: writing ${count(ROWS)} rows as UTF-8 and GB18030 …`);
    let t0 = process.hrtime.bigint();
    const { utf8Bytes, gbBytes } = await writeCsvInChild(ROWS, utf8File, gbFile);
    log(
      `ingest: files written in ${seconds(t0).toFixed(1)} s (UTF-8 ${mb(utf8Bytes)} MB, GB18030 ${mb(gbBytes)} MB)`,
    );

    const checkpoint = () => pool.query('CHECKPOINT').catch(() => undefined);

    // Anchor: raw COPY of the UTF-8 file into an unindexed table of the same types.
    await pool.query('DROP TABLE IF EXISTS public.bench_anchor');
    await pool.query(
      `CREATE TABLE public.bench_anchor (${FIELDS.map((f) => `"${f.code}" ${pgType(f)}`).join(', ')})`,
    );
    await checkpoint();
    log('ingest: raw COPY (anchor) …');
    const anchor = await withRss(async () => {
      const client = await pool.connect();
      try {
        const t = process.hrtime.bigint();
        await pipeline(
          fs.createReadStream(utf8File),
          client.query(copyFrom('COPY public.bench_anchor FROM STDIN (FORMAT csv, HEADER)')),
        );
        return seconds(t);
      } finally {
        client.release();
      }
    });
    const { rows: anchorInfo } = await pool.query<{ n: number; size: number }>(
      `SELECT (SELECT count(*) FROM public.bench_anchor)::int AS n,
              pg_total_relation_size('public.bench_anchor')::bigint AS size`,
    );
    if (anchorInfo[0]!.n !== ROWS) throw new Error(`anchor loaded ${anchorInfo[0]!.n} rows, not ${ROWS}`);
    const anchorSize = anchorInfo[0]!.size;
    await pool.query('DROP TABLE public.bench_anchor');
    const anchorRate = ROWS / anchor.value;
    const anchorRef = {
      name: 'raw COPY FROM STDIN (csv), UTF-8, unindexed',
      value: Math.round(anchorRate),
      unit: 'rows/s',
    };
    log(
      `ingest: anchor ${count(Math.round(anchorRate))} rows/s, RSS ${mb(anchor.before)} MB before, ${mb(anchor.peak)} MB peak`,
    );

    /** One Datong replace load of a file, timed from opening the file to the committed batch. */
    const datong = async (file: string, rows: number, label: string) => {
      await checkpoint();
      log(`ingest: Datong replace load, ${label} …`);
      const totalBytes = (await fsp.stat(file)).size;
      const run = await withRss(async () => {
        const t = process.hrtime.bigint();
        const source = await openSource(fs.createReadStream(file), { format: 'csv' });
        const batch: BatchResult = await loadBatch(sys, entryId, {
          mode: 'replace',
          source,
          sourceInfo: { kind: 'file', name: path.basename(file), format: 'csv' },
          format: 'csv',
          totalBytes,
        });
        return { batch, s: seconds(t) };
      });
      const { batch, s } = run.value;
      if (batch.status !== 'done' || batch.rowsAccepted !== rows || batch.rowsRejected !== 0) {
        throw new Error(
          `${label}: batch ${batch.status}, ${batch.rowsAccepted} accepted, ${batch.rowsRejected} rejected: ${batch.error?.en ?? ''}`,
        );
      }
      const { rows: size } = await pool.query<{ size: number }>(
        'SELECT pg_total_relation_size($1::regclass)::bigint AS size',
        [`ds."${dsName}__v${batch.version}"`],
      );
      const rate = rows / s;
      log(
        `ingest: ${label}: ${count(Math.round(rate))} rows/s in ${s.toFixed(1)} s, peak RSS ${mb(run.peak)} MB`,
      );
      return {
        rate,
        s,
        before: run.before,
        peak: run.peak,
        tableBytes: size[0]!.size,
        fileBytes: totalBytes,
      };
    };

    const utf8 = await datong(utf8File, ROWS, `UTF-8, ${count(ROWS)} rows`);
    const gb = await datong(gbFile, ROWS, `GB18030, ${count(ROWS)} rows`);
    for (const [label, run, target] of [
      ['UTF-8', utf8, 0.5],
      ['GB18030', gb, 0.4],
    ] as const) {
      results.push({
        name: `ingest replace, ${label} CSV, ${count(ROWS)} rows × 12 fields, every validator`,
        value: Math.round(run.rate),
        unit: 'rows/s',
        anchor: anchorRef,
        ratio: run.rate / anchorRate,
        note: `${run.s.toFixed(1)} s incl. key index and commit; target ratio ≥ ${target}`,
      });
    }
    for (const [label, run] of [
      ['UTF-8', utf8],
      ['GB18030', gb],
    ] as const) {
      results.push({
        name: `ingest peak RSS of the Node process, ${label}, ${count(ROWS)} rows`,
        value: mb(run.peak),
        unit: 'MB',
        note: `${mb(run.before)} MB before the load (${mb(startRss)} MB when the benchmark began); raw COPY's peak ${mb(anchor.peak)} MB; target < 300 MB`,
      });
    }
    results.push({
      name: `ingest table + key index size, ${count(ROWS)} rows`,
      value: mb(utf8.tableBytes),
      unit: 'MB',
      anchor: { name: 'the UTF-8 CSV', value: mb(utf8Bytes), unit: 'MB' },
      ratio: utf8.tableBytes / utf8Bytes,
      note: `target ≤ 2×; GB18030 CSV ${mb(gbBytes)} MB; raw COPY's table ${mb(anchorSize)} MB`,
    });
    await fsp.rm(utf8File, { force: true });
    await fsp.rm(gbFile, { force: true });

    // Memory at scale: the same load at BIG rows must stay flat.
    if (BIG > 0) {
      const bigFile = path.join(dir, 'registry-big-utf8.csv');
      log(`ingest: writing ${count(BIG)} rows as UTF-8 …`);
      t0 = process.hrtime.bigint();
      const { utf8Bytes: bigBytes } = await writeCsvInChild(BIG, bigFile);
      log(`ingest: written in ${seconds(t0).toFixed(1)} s (${mb(bigBytes)} MB)`);
      const big = await datong(bigFile, BIG, `UTF-8, ${count(BIG)} rows`);
      await fsp.rm(bigFile, { force: true });
      results.push({
        name: `ingest replace, UTF-8 CSV, ${count(BIG)} rows (memory repeat)`,
        value: Math.round(big.rate),
        unit: 'rows/s',
        note: `${big.s.toFixed(1)} s; ${mb(bigBytes)} MB CSV, table + key index ${mb(big.tableBytes)} MB`,
      });
      results.push({
        name: `ingest peak RSS of the Node process, UTF-8, ${count(BIG)} rows`,
        value: mb(big.peak),
        unit: 'MB',
        note: `${mb(big.before)} MB before the load; ${mb(utf8.peak)} MB at ${count(ROWS)} rows; target < 300 MB and flat`,
      });
    }
  } finally {
    await ledger.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
  return results;
}
