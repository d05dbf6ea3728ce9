/**
 * Audit ledger benchmark: durable group-committed appends, sequencing, full verification at
 * 1M events, and inclusion-proof latency, each beside a physical anchor measured on the same
 * server in the same run. Run alone with `npx tsx bench/audit.ts`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createLedger, verifyLedger } from '../src/platform/audit/index.js';
import type { AuditEventInput } from '../src/platform/audit/types.js';
import { loadNodeIdentity } from '../src/platform/crypto/index.js';
import { startEmbedded } from '../src/platform/db/embedded.js';
import { migrate } from '../src/platform/db/migrate.js';
import { createPool } from '../src/platform/db/pool.js';
import type { BenchContext, BenchResult } from './types.js';

const APPENDS = Number(process.env.BENCH_AUDIT_APPENDS ?? 200_000);
const APPENDERS = Number(process.env.BENCH_AUDIT_CONCURRENCY ?? 128);
const VERIFY_SIZE = Number(process.env.BENCH_AUDIT_VERIFY_SIZE ?? 1_000_000);
const PROOFS = 2000;

function event(i: number): AuditEventInput {
  return {
    actorType: 'user',
    actorId: `7d1c9e0a-0000-4000-8000-${String(i % 5000).padStart(12, '0')}`,
    actorName: `user${i % 5000}`,
    orgId: '3f2b8c1e-0000-4000-8000-000000000001',
    action: i % 4 === 0 ? 'data.query' : 'catalog.read',
    objectType: 'catalog_entry',
    objectId: `entry-${i % 100_000}`,
    result: 'success',
    clientIp: '10.20.30.40',
    requestId: `req-${i}`,
    detail: { rows: i % 1000, fields: ['name', 'id_no'], masked: true },
  };
}

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function benchAudit(ctx: BenchContext): Promise<BenchResult[]> {
  const { pool, log } = ctx;
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-bench-keys-'));
  const identity = await loadNodeIdentity({
    home,
    cryptoSuite: 'intl',
    node: { code: '440000', name: '广东省', level: 'provincial' },
  });
  const ledger = createLedger({ pool, identity });
  const results: BenchResult[] = [];
  const events = Array.from({ length: APPENDS }, (_, i) => event(i));

  // 1. Durable appends: APPENDERS callers, each awaiting its append before the next, as request
  //    handlers do. Anchor: the same rows inserted by one multi-row INSERT per 10 000 (each its
  //    own durable commit) into a plain table of the same shape: the floor of what PG can take.
  log(`audit: ${APPENDS} appends from ${APPENDERS} concurrent appenders …`);
  let next = 0;
  let t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: APPENDERS }, async () => {
      while (next < APPENDS) await ledger.append(events[next++]!);
    }),
  );
  const appendRate = APPENDS / seconds(t0);

  await pool.query('DROP TABLE IF EXISTS public.bench_audit_anchor');
  await pool.query('CREATE TABLE public.bench_audit_anchor (LIKE audit.pending INCLUDING ALL)');
  t0 = process.hrtime.bigint();
  for (let i = 0; i < APPENDS; i += 10_000) {
    const batch = events.slice(i, i + 10_000);
    const col = <K extends keyof AuditEventInput>(k: K) => batch.map((e) => e[k]);
    await pool.query(
      `INSERT INTO public.bench_audit_anchor (actor_type, actor_id, actor_name, org_id, action, object_type,
         object_id, result, client_ip, request_id, detail)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::jsonb[])`,
      [
        col('actorType'),
        col('actorId'),
        col('actorName'),
        col('orgId'),
        col('action'),
        col('objectType'),
        col('objectId'),
        col('result'),
        col('clientIp'),
        col('requestId'),
        batch.map((e) => JSON.stringify(e.detail)),
      ],
    );
  }
  const anchorRate = APPENDS / seconds(t0);
  await pool.query('DROP TABLE public.bench_audit_anchor');
  results.push({
    name: `audit append, durable, group-committed (${APPENDERS} concurrent)`,
    value: Math.round(appendRate),
    unit: 'events/s',
    anchor: {
      name: 'multi-row INSERT of the same rows, 10k per commit',
      value: Math.round(anchorRate),
      unit: 'rows/s',
    },
    ratio: appendRate / anchorRate,
    note: 'target ≥ 20 000 events/s',
  });

  // 2. Sequencing: pending → event + leaf/node hashes + signed checkpoint.
  t0 = process.hrtime.bigint();
  await ledger.flush();
  const seqRate = APPENDS / seconds(t0);
  results.push({
    name: 'audit sequencing (hash, tree nodes, move, checkpoint)',
    value: Math.round(seqRate),
    unit: 'events/s',
  });

  // Top up to VERIFY_SIZE events: generated server-side, sequenced by the real sequencer.
  const have = await ledger.treeSize();
  if (have < VERIFY_SIZE) {
    log(`audit: filling the ledger to ${VERIFY_SIZE} events …`);
    await pool.query(
      `INSERT INTO audit.pending (actor_type, actor_id, actor_name, org_id, action, object_type, object_id, result,
         client_ip, request_id, detail)
       SELECT 'user', 'u-' || (g % 5000), 'user' || (g % 5000), 'org-1', 'catalog.read', 'catalog_entry',
              'entry-' || g, 'success', '10.0.0.1', 'req-' || g, jsonb_build_object('rows', g % 1000, 'masked', true)
         FROM generate_series(1, $1::int) g`,
      [VERIFY_SIZE - have],
    );
    await ledger.flush();
  }
  await ledger.close();
  await pool.query('VACUUM ANALYZE audit.event');
  await pool.query('VACUUM ANALYZE audit.node');
  const size = await ledger.treeSize();

  // 3. Full verification vs reading the same rows in the same batches with no hashing (what
  //    verify reads: seq, the entry text and the leaf hash, as arrays).
  log(`audit: verifying ${size} events …`);
  t0 = process.hrtime.bigint();
  const report = await verifyLedger(pool, identity);
  const verifyS = seconds(t0);
  if (!report.ok) throw new Error(`verification failed: ${report.message}`);
  t0 = process.hrtime.bigint();
  for (let from = 0; from < size; from += 50_000) {
    await pool.query({
      text: 'SELECT seq, entry, leaf_hash FROM audit.event WHERE seq >= $1 ORDER BY seq LIMIT 50000',
      values: [from],
      rowMode: 'array',
    });
  }
  const readS = seconds(t0);
  t0 = process.hrtime.bigint();
  await pool.query('SELECT count(*) FROM audit.event');
  const countS = seconds(t0);
  results.push({
    name: `audit verify, ${size} events`,
    value: Number(verifyS.toFixed(2)),
    unit: 's',
    anchor: { name: 'reading the same rows, no hashing', value: Number(readS.toFixed(2)), unit: 's' },
    ratio: verifyS / readS,
    note: `target < 10 s; SELECT count(*) alone: ${countS.toFixed(2)} s`,
  });

  // 4. Inclusion proof latency at full size vs a primary-key lookup of one event. Cold: a fresh
  //    ledger per proof, so nothing is cached and every stored hash comes from the database (one
  //    statement). Warm: one ledger whose cache has seen PROOFS earlier random proofs (internal
  //    nodes mostly cached; leaf hashes still fetched, one indexed range per proof).
  const timeProofs = async (fresh: boolean) => {
    const proofMs: number[] = [];
    const pkMs: number[] = [];
    const warm = createLedger({ pool, identity });
    if (!fresh) {
      for (let i = 0; i < PROOFS; i++) await warm.inclusionProof(Math.floor(Math.random() * size), size);
    }
    for (let i = 0; i < PROOFS; i++) {
      const seq = Math.floor(Math.random() * size);
      const l = fresh ? createLedger({ pool, identity }) : warm;
      let t = process.hrtime.bigint();
      await l.inclusionProof(seq, size);
      proofMs.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      await pool.query('SELECT seq, leaf_hash, action FROM audit.event WHERE seq = $1', [seq]);
      pkMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    proofMs.sort((a, b) => a - b);
    pkMs.sort((a, b) => a - b);
    for (const p of [50, 99]) {
      results.push({
        name: `audit inclusion proof p${p} at ${size}, ${fresh ? 'cold cache' : 'warm cache'}`,
        value: Number(percentile(proofMs, p).toFixed(3)),
        unit: 'ms',
        anchor: {
          name: `primary-key lookup p${p}`,
          value: Number(percentile(pkMs, p).toFixed(3)),
          unit: 'ms',
        },
        ratio: percentile(proofMs, p) / percentile(pkMs, p),
        note: 'target < 5 ms; one statement: missing stored hashes (16-sibling tiles), tree size, checkpoint',
      });
    }
  };
  await timeProofs(true);
  await timeProofs(false);
  await fs.rm(home, { recursive: true, force: true });
  return results;
}

export function formatResults(results: BenchResult[]): string {
  return results
    .map((r) => {
      const anchor = r.anchor
        ? `  | anchor ${r.anchor.name}: ${r.anchor.value} ${r.anchor.unit}, ratio ${r.ratio?.toFixed(2)}`
        : '';
      return `${r.name}: ${r.value} ${r.unit}${anchor}${r.note ? `  (${r.note})` : ''}`;
    })
    .join('\n');
}

async function main(): Promise<void> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-bench-audit-'));
  const server = await startEmbedded(home, { log: console.log });
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS bench_audit');
  await admin.query('CREATE DATABASE bench_audit');
  await admin.end();
  const url = new URL(server.adminUrl);
  url.pathname = '/bench_audit';
  const pool = createPool(url.toString(), 8);
  try {
    await migrate(pool);
    const results = await benchAudit({ pool, adminUrl: server.adminUrl, log: console.log });
    console.log(formatResults(results));
  } finally {
    await pool.end();
    await server.stop();
    await fs.rm(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
