/**
 * `npm run bench`: every benchmark on one fresh database of the embedded PostgreSQL (or
 * DATABASE_URL's server), each compared in the same run with its physical anchor. The figures are
 * printed and written to docs/BENCHMARKS.md between the generated-section markers.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbedded } from '../src/platform/db/embedded.js';
import { createPool } from '../src/platform/db/pool.js';
import { migrate } from '../src/platform/db/migrate.js';
import type { BenchResult } from './types.js';
import { benchAudit } from './audit.js';
import { benchCatalogSearch } from './catalog-search.js';
import { benchIngest } from './ingest.js';
import { benchSharing } from './sharing.js';
import { benchQuality } from './quality.js';
import { benchOpening } from './opening.js';

const BENCHES: Record<string, (ctx: Parameters<typeof benchAudit>[0]) => Promise<BenchResult[]>> = {
  audit: benchAudit,
  'catalog-search': benchCatalogSearch,
  ingest: benchIngest,
  sharing: benchSharing,
  quality: benchQuality,
  opening: benchOpening,
};

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3);
}

function table(results: BenchResult[]): string {
  const rows = results.map((r) => {
    const anchor = r.anchor ? `${r.anchor.name}: ${fmt(r.anchor.value)} ${r.anchor.unit}` : '—';
    const ratio = r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '—';
    return `| ${r.name} | ${fmt(r.value)} ${r.unit} | ${anchor} | ${ratio} | ${r.note ?? ''} |`;
  });
  return ['| benchmark | result | anchor (same run) | ratio | note |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const home = path.join(os.tmpdir(), 'datong-bench-pg');
  const server = process.env.DATABASE_URL
    ? { adminUrl: process.env.DATABASE_URL, stop: async () => {} }
    : await startEmbedded(home);
  const name = `datong_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const u = new URL(server.adminUrl);
  u.pathname = `/${name}`;
  const pool = createPool(u.toString(), 40);
  const sections: string[] = [];
  try {
    await migrate(pool);
    for (const [key, bench] of Object.entries(BENCHES)) {
      if (only.length && !only.includes(key)) continue;
      process.stdout.write(`\n== ${key} ==\n`);
      const results = await bench({
        pool,
        adminUrl: u.toString(),
        log: (m) => process.stdout.write(`  ${m}\n`),
      });
      const md = table(results);
      process.stdout.write(`${md}\n`);
      sections.push(`### ${key}\n\n${md}`);
    }
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    await server.stop();
  }
  await record(sections);
}

/**
 * Writes the sections that ran between the markers; a section that did not run this time (e.g.
 * `npm run bench -- catalog-search`) keeps its previous figures and its own "last run" line.
 */
async function record(sections: string[]): Promise<void> {
  if (!sections.length) return;
  const file = path.resolve(import.meta.dirname, '..', 'docs', 'BENCHMARKS.md');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  let doc = await fs.readFile(file, 'utf8').catch(() => `# Benchmarks\n\n${start}\n${end}\n`);
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  const previous = i >= 0 && j > i ? doc.slice(i + start.length, j) : '';
  const byKey = new Map<string, string>();
  for (const part of previous.split(/\n(?=### )/).filter((p) => p.startsWith('### '))) {
    byKey.set(part.slice(4, part.indexOf('\n')).trim(), part.trim());
  }
  for (const section of sections) {
    const key = section.slice(4, section.indexOf('\n')).trim();
    const [title, ...rest] = section.split('\n');
    byKey.set(key, [title, '', `Last run: ${when} UTC on ${machine}.`, ...rest].join('\n'));
  }
  const generated = `${start}\n\n${[...byKey.values()].join('\n\n')}\n\n${end}`;
  doc = i >= 0 && j > i ? doc.slice(0, i) + generated + doc.slice(j + end.length) : `${doc}\n${generated}\n`;
  await fs.writeFile(file, doc);
  process.stdout.write(`\nrecorded in ${path.relative(process.cwd(), file)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
