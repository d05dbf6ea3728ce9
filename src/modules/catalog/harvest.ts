import crypto from 'node:crypto';
import N3 from 'n3';
import type { Task } from 'graphile-worker';
import { systemContext } from '../../platform/context.js';
import { withTx, type Pool } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import { localize } from '../../platform/i18n/index.js';
import type { ScheduledTask } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import type { CatalogContext } from './context.js';
import {
  approveEntry,
  createEntry,
  getEntry,
  returnEntry,
  reviseEntry,
  submitEntry,
  updateEntry,
} from './index.js';
import { validateEntryInput } from './validate.js';
import { fromCkanPackage, fromDcatQuads, type RemoteDataset } from './harvest-map.js';
import { lastFiring, parseCron } from './harvest-cron.js';
import * as store from './harvest-store.js';
import type { Rejection, SourceRow } from './harvest-store.js';

/**
 * Harvesting: a remote CKAN (package_search, 100 per page) or DCAT document (Turtle, N-Triples
 * or JSON-LD) becomes catalog entries of the source's provider organisation. Each remote dataset
 * is applied in its own transaction — created, or updated as a new approved version when its
 * content changed — so one bad dataset is rejected with its reason and the rest still land.
 * Every step goes through the catalog core's lifecycle, audited as `system` "harvest:<source>".
 *
 * Outbound requests go only where the source URL says: the URL itself, CKAN pages under the
 * same origin, and DCAT hydra:nextPage links on the same origin. Redirects are refused.
 */

export const HARVEST_TASK = 'catalog:harvest';
export const HARVEST_SCHEDULE_TASK = 'catalog:harvest-schedule';
export interface HarvestPayload {
  sourceId: string;
  runId: string;
}

const PAGE_ROWS = 100;
const MAX_PAGES = 1000;
const MAX_BYTES = 50 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

class Rejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

async function fetchText(url: string, accept: string): Promise<{ text: string; contentType: string }> {
  const res = await fetch(url, {
    redirect: 'error',
    signal: AbortSignal.timeout(TIMEOUT_MS),
    headers: { accept },
  });
  if (!res.ok) throw new Error(`${url} answered HTTP ${res.status}`);
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BYTES) throw new Error(`${url} is larger than ${MAX_BYTES} bytes`);
  const body = await res.arrayBuffer();
  if (body.byteLength > MAX_BYTES) throw new Error(`${url} is larger than ${MAX_BYTES} bytes`);
  return { text: new TextDecoder().decode(body), contentType: res.headers.get('content-type') ?? '' };
}

/** Every package of a CKAN site, page by page. */
async function* ckanDatasets(source: SourceRow): AsyncGenerator<RemoteDataset> {
  const root = source.url.replace(/\/+$/, '');
  let start = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = `${root}/api/3/action/package_search?rows=${PAGE_ROWS}&start=${start}`;
    const { text } = await fetchText(url, 'application/json');
    const body = JSON.parse(text) as { success?: unknown; result?: { count?: unknown; results?: unknown } };
    const results = body.result?.results;
    if (body.success !== true || !Array.isArray(results) || typeof body.result?.count !== 'number') {
      throw new Error(`${url} is not a CKAN package_search answer`);
    }
    for (const pkg of results as Record<string, unknown>[]) yield fromCkanPackage(pkg, source.providerOrgId);
    start += results.length;
    if (results.length === 0 || start >= body.result.count) return;
  }
}

/** A DCAT document's quads, by content type or, failing that, the URL's extension. */
async function dcatQuads(url: string): Promise<N3.Quad[]> {
  const { text, contentType } = await fetchText(
    url,
    'text/turtle, application/ld+json;q=0.9, application/n-triples;q=0.8',
  );
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const path = new URL(url).pathname.toLowerCase();
  if (type === 'application/ld+json' || (type !== 'text/turtle' && /\.(jsonld|json)$/.test(path))) {
    // jsonld is loaded only when a JSON-LD source is harvested. Remote @contexts are refused:
    // they would be requests to places the source URL did not name.
    const jsonld = (await import('jsonld')).default;
    const nquads = (await jsonld.toRDF(JSON.parse(text) as object, {
      format: 'application/n-quads',
      documentLoader: async (ctxUrl: string) => {
        throw new Error(`remote JSON-LD context refused: ${ctxUrl}`);
      },
    })) as unknown as string;
    return new N3.Parser({ format: 'N-Quads' }).parse(nquads);
  }
  const format = type === 'application/n-triples' || path.endsWith('.nt') ? 'N-Triples' : 'text/turtle';
  return new N3.Parser({ format, baseIRI: url }).parse(text);
}

async function* dcatDatasets(source: SourceRow): AsyncGenerator<RemoteDataset> {
  const origin = new URL(source.url).origin;
  let url: string | null = source.url;
  const seen = new Set<string>();
  for (let page = 0; url && page < MAX_PAGES && !seen.has(url); page++) {
    seen.add(url);
    const quads = await dcatQuads(url);
    yield* fromDcatQuads(quads, source.providerOrgId);
    const next = quads.find((q) => q.predicate.value === 'http://www.w3.org/ns/hydra/core#nextPage')?.object
      .value;
    url =
      next && URL.canParse(next, url) && new URL(next, url).origin === origin
        ? new URL(next, url).href
        : null;
  }
}

const hashOf = (ds: RemoteDataset) =>
  crypto.createHash('sha256').update(JSON.stringify(ds.input)).digest('hex');

function reasonOf(e: unknown): string {
  if (e instanceof Rejected) return e.reason;
  if (e instanceof AppError) {
    const detail = e.errors.map((f) => `${f.path}: ${f.message}`).join('; ');
    return [localize(e.text, 'zh-CN', e.params), detail].filter(Boolean).join(' — ');
  }
  return e instanceof Error ? e.message : String(e);
}

type Outcome = 'created' | 'updated' | 'unchanged';

/** Applies one remote dataset: create, or a new approved version of the entry it became before. */
async function apply(
  ctx: CatalogContext,
  pool: Pool,
  source: SourceRow,
  ds: RemoteDataset,
): Promise<Outcome> {
  if (!ds.ref) throw new Rejected('远程数据集没有标识 / the remote dataset has no identifier');
  const problems = validateEntryInput(ds.input, 'zh-CN');
  if (problems.length) throw new Rejected(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  const hash = hashOf(ds);
  return withTx(pool, async (tx) => {
    const item = await store.getItem(tx, source.id, ds.ref);
    if (item?.contentHash === hash) return 'unchanged';
    let entryId: string;
    if (!item) {
      entryId = (await createEntry(ctx, tx, ds.input)).id;
    } else {
      entryId = item.entryId;
      const current = await getEntry(ctx, tx, entryId);
      if (current.status === 'deprecated' || current.status === 'withdrawn') {
        throw new Rejected(
          `本地条目已${current.status === 'withdrawn' ? '撤回' : '废止'}，不再更新 / the local entry was ${current.status}`,
        );
      }
      if (current.status === 'published') await reviseEntry(ctx, tx, entryId);
      if (current.status === 'submitted')
        await returnEntry(ctx, tx, entryId, '采集源已有更新 / the harvest source changed');
      await updateEntry(ctx, tx, entryId, ds.input);
    }
    await submitEntry(ctx, tx, entryId);
    await approveEntry(ctx, tx, entryId, `采集自 ${source.name}`);
    await store.saveItem(tx, source.id, ds.ref, entryId, hash);
    return item ? 'updated' : 'created';
  });
}

export interface HarvestReport {
  status: 'done' | 'failed';
  created: number;
  updated: number;
  unchanged: number;
  rejected: Rejection[];
  error: string | null;
}

/** Runs one queued harvest run to the end and records its report. */
export async function runHarvest(services: Services, runId: string): Promise<HarvestReport> {
  const pool = services.pool;
  const run = await store.getRun(pool, runId);
  if (!run) throw new Error(`harvest run ${runId} does not exist`);
  const source = await store.getSource(pool, run.sourceId);
  if (!source) throw new Error(`harvest source ${run.sourceId} does not exist`);
  await store.startRun(pool, runId);
  const ctx: CatalogContext = { ...systemContext(`harvest:${source.name}`), services };
  const report: HarvestReport = {
    status: 'done',
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: [],
    error: null,
  };
  try {
    const datasets = source.kind === 'ckan' ? ckanDatasets(source) : dcatDatasets(source);
    for await (const ds of datasets) {
      try {
        report[await apply(ctx, pool, source, ds)]++;
      } catch (e) {
        if (!(e instanceof Rejected) && !(e instanceof AppError)) throw e;
        report.rejected.push({ ref: ds.ref || ds.input.name, reason: reasonOf(e) });
      }
    }
  } catch (e) {
    report.status = 'failed';
    report.error = reasonOf(e);
  }
  await store.finishRun(pool, runId, report);
  return report;
}

/** Queues a run of a source (the API's "run now", and the scheduler). */
export async function queueRun(
  pool: Pool,
  sourceId: string,
  trigger: 'manual' | 'schedule',
  addJob: (payload: HarvestPayload) => Promise<unknown>,
): Promise<store.RunRow> {
  const run = await store.insertRun(pool, sourceId, trigger);
  await addJob({ sourceId, runId: run.id });
  return run;
}

// --- worker ---------------------------------------------------------------------------------

/**
 * The node's services for the worker. `datong serve` runs the worker beside the HTTP app, whose
 * harvest routes register the app's services here under its pool; `datong worker` on its own has
 * no app, so the services are opened from the configuration (the ledger is only written to —
 * the serving process sequences what it records). Keyed by pool: tests run several nodes.
 */
function isPayload(p: unknown): p is HarvestPayload {
  const o = p as Partial<HarvestPayload> | null;
  return typeof o?.sourceId === 'string' && typeof o.runId === 'string';
}

export function harvestTasks(services: Services): ScheduledTask[] {
  const { pool } = services;
  const harvest: Task = async (payload) => {
    if (!isPayload(payload)) throw new Error('catalog:harvest needs {sourceId, runId}');
    await runHarvest(services, payload.runId);
  };
  // Every five minutes: queue each scheduled source whose cron fired since it was last queued.
  const schedule: Task = async (_payload, helpers) => {
    const now = new Date();
    for (const source of await store.listSources(pool)) {
      const cron = source.schedule ? parseCron(source.schedule) : null;
      if (!cron) continue;
      const due = lastFiring(cron, source.lastScheduledAt, now);
      if (!due || !(await store.claimSchedule(pool, source.id, source.lastScheduledAt, due))) continue;
      await queueRun(pool, source.id, 'schedule', (p) => helpers.addJob(HARVEST_TASK, p));
    }
  };
  return [
    { name: HARVEST_TASK, task: harvest },
    { name: HARVEST_SCHEDULE_TASK, schedule: '*/5 * * * *', task: schedule },
  ];
}
