import fs from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { systemContext } from '../platform/context.js';
import type { Runtime } from '../platform/runtime.js';
import { openSource, type Encoding, type Format } from '../modules/ingest/read/index.js';
import { loadBatch, type BatchResult, type LoadMode } from '../modules/ingest/load.js';
import { ingestRemote } from './ingest-remote.js';

export interface IngestOptions {
  dataset: string;
  mode: string;
  encoding?: string;
  format?: string;
  sheet?: string;
  headerRow?: string;
  threshold?: string;
  json?: boolean;
  /** Load through this node's HTTP API instead of the local database. */
  server?: string;
  token?: string;
  user?: string;
}

const MODES: readonly LoadMode[] = ['replace', 'append', 'upsert', 'delete'];
const FORMATS: readonly Format[] = ['csv', 'tsv', 'xlsx', 'json', 'ndjson'];
const ENCODINGS: readonly Encoding[] = ['utf8', 'utf8-bom', 'gb18030'];

function formatOf(file: string, given?: string): Format {
  const f = (given ?? path.extname(file).slice(1).toLowerCase().replace('jsonl', 'ndjson')) as Format;
  if (!FORMATS.includes(f))
    throw new Error(`unknown format ${f || '(none)'}: use --format ${FORMATS.join('|')}`);
  return f;
}

/**
 * `datong ingest FILE --dataset CODE`: loads a file into the dataset of a published catalog entry
 * on the local node, with a progress bar on a terminal (or --json for scripts). Exit status 0 when
 * the batch is done, 1 when it was aborted or failed.
 */
function checkOptions(
  file: string,
  opts: IngestOptions,
): { mode: LoadMode; encoding?: Encoding; format: Format } {
  const mode = opts.mode as LoadMode;
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${opts.mode}: use ${MODES.join('|')}`);
  const encoding = opts.encoding as Encoding | undefined;
  if (encoding && !ENCODINGS.includes(encoding))
    throw new Error(`unknown encoding ${opts.encoding}: use ${ENCODINGS.join('|')}`);
  return { mode, format: formatOf(file, opts.format), ...(encoding ? { encoding } : {}) };
}

/** A progress bar on a terminal (none with --json or when stderr is not one). */
function progressBar(opts: IngestOptions): SingleBar | null {
  const bar =
    !opts.json && process.stderr.isTTY
      ? new SingleBar(
          {
            format: ' {bar} {percentage}% | {rows} 行 rows | {rejected} 拒收 rejected | {eta_formatted}',
            hideCursor: true,
          },
          Presets.shades_classic,
        )
      : null;
  bar?.start(100, 0, { rows: 0, rejected: 0 });
  return bar;
}

/** Prints the batch (a summary in both languages, or JSON) and answers the exit status. */
function report(opts: IngestOptions, entryName: string, mode: LoadMode, result: BatchResult): number {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ dataset: opts.dataset, entry: entryName, ...result })}\n`);
  } else {
    const status = { done: '完成 done', aborted: '中止 aborted', failed: '失败 failed' }[result.status];
    process.stdout.write(
      [
        `${entryName} (${opts.dataset}) · ${mode} · batch ${result.batchId}: ${status}`,
        `  read ${result.rowsRead}, accepted ${result.rowsAccepted}, rejected ${result.rowsRejected}`,
        `  inserted ${result.rowsInserted}, updated ${result.rowsUpdated}, deleted ${result.rowsDeleted}` +
          (result.version ? `, version ${result.version}` : ''),
        ...(result.error ? [`  ${result.error['zh-CN']}`, `  ${result.error.en}`] : []),
        '',
      ].join('\n'),
    );
  }
  return result.status === 'done' ? 0 : 1;
}

/**
 * `datong ingest FILE --dataset CODE`: loads a file into the dataset of a published catalog entry
 * on the local node, with a progress bar on a terminal (or --json for scripts). Exit status 0 when
 * the batch is done, 1 when it was aborted or failed.
 */
export async function ingestCommand(rt: Runtime, file: string, opts: IngestOptions): Promise<number> {
  const { mode, encoding, format } = checkOptions(file, opts);
  const { rows } = await rt.pool.query<{ id: string; name: string }>(
    `SELECT e.id, v.name FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE e.code = $1`,
    [opts.dataset],
  );
  const entry = rows[0];
  if (!entry) throw new Error(`no published catalog entry with resource code ${opts.dataset}`);
  const size = fs.statSync(file).size;
  const source = await openSource(fs.createReadStream(file), {
    format,
    ...(encoding ? { encoding } : {}),
    ...(opts.sheet ? { sheet: /^\d+$/.test(opts.sheet) ? Number(opts.sheet) : opts.sheet } : {}),
    ...(opts.headerRow ? { headerRow: Number(opts.headerRow) } : {}),
  });

  const bar = progressBar(opts);
  const result = await loadBatch({ ...systemContext(), services: rt.services }, entry.id, {
    mode,
    source,
    format,
    sourceInfo: { kind: 'cli', name: path.basename(file), format, encoding: encoding ?? 'auto', bytes: size },
    totalBytes: size,
    rejectThreshold: opts.threshold ? Number(opts.threshold) : undefined,
    onProgress: (p) => bar?.update(p.percent ?? 0, { rows: p.rowsRead, rejected: p.rowsRejected }),
  });
  if (bar) {
    if (result.status === 'done') bar.update(100);
    bar.stop();
  }
  await rt.services.ledger.flush();
  return report(opts, entry.name, mode, result);
}

/** `datong ingest … --server URL`: the same through another node's HTTP API. */
export async function ingestRemoteCommand(file: string, opts: IngestOptions): Promise<number> {
  const { mode, format } = checkOptions(file, opts);
  const bar = progressBar(opts);
  try {
    const { entry, batch } = await ingestRemote({
      server: opts.server!,
      file,
      dataset: opts.dataset,
      mode,
      format,
      encoding: opts.encoding,
      sheet: opts.sheet,
      headerRow: opts.headerRow,
      threshold: opts.threshold,
      token: opts.token ?? process.env.DATONG_TOKEN,
      user: opts.user,
      password: process.env.DATONG_PASSWORD,
      onProgress: (p) =>
        bar?.update(p.total ? Math.floor((p.bytes / p.total) * 100) : 0, {
          rows: p.rowsRead ?? 0,
          rejected: p.rowsRejected ?? 0,
        }),
    });
    if (batch.status === 'done') bar?.update(100);
    bar?.stop();
    return report(opts, entry.name, mode, batch);
  } catch (err) {
    bar?.stop();
    throw err;
  }
}
