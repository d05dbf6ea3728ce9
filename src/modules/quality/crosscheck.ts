import { quickAddJob } from 'graphile-worker';
import { eventFor } from '../../platform/audit/types.js';
import { systemContext } from '../../platform/context.js';
import { ident, withTx, type Queryable, type Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { datasetView } from '../ingest/tables.js';
import {
  DEFAULT_NORMALISE,
  sourceEntries,
  type Normalise,
  type RegistryContext,
  type SourceEntry,
  type SubjectKind,
} from './registry.js';

/**
 * 多源校核 (docs/QUALITY.md "Registry and cross-checks"): a run compares, for every registered
 * data item, each secondary source with the item's authoritative source, subject by subject.
 *
 * - One statement per item × secondary source, set-based: both sources' views reduced to
 *   (normalised key, value), FULL JOINed on the key; every key is classed as agreeing,
 *   conflicting, missing in the source or missing in the authority. The same statement inserts
 *   the counts (crosscheck_stats) and the first CONFLICT_CAP conflicts in key order
 *   (crosscheck_conflicts, both values raw as stored; they are masked when presented). Nothing
 *   passes through Node row by row.
 * - Keys: upper case, trimmed, full-width to ASCII (datong.q_norm then upper); NULL or blank keys
 *   are left out. A source whose key field is its dataset's only declared key and whose keys are
 *   all already normal ([0-9A-Z]+, checked by one scan) is read as it is; any other is grouped by
 *   the normalised key, and a key held by several rows counts once, with its smallest value.
 * - Values: equal as stored, or equal after datong.q_norm with the item's options (a blank counts
 *   as NULL); two numeric columns are compared as numbers. Both NULL agree; a value against a
 *   NULL conflicts.
 * - One transaction per run: the stats and conflicts of every item and the status `done` commit
 *   together. When any item fails (a source without a dataset, a field its dataset lacks, a
 *   database error), everything of the run rolls back and the run is `failed` with the reason in
 *   zh-CN and en, naming the item. Items and sources are locked (KEY SHARE) for the run, so a
 *   concurrent delete waits instead of breaking it.
 */

export const CROSSCHECK_TASK = 'quality:crosscheck';
/** Conflicts stored per item × source; all are counted. */
export const CONFLICT_CAP = 10_000;

export const crosscheckMessages = {
  quality_crosscheck_not_found: { 'zh-CN': '校核任务 {id} 不存在', en: 'There is no cross-check run {id}' },
  quality_crosscheck_no_items: {
    'zh-CN': '尚未登记任何带次要来源的数据项，无需校核',
    en: 'No data item with a secondary source is registered; there is nothing to cross-check',
  },
  quality_crosscheck_no_dataset: {
    'zh-CN': '数据项「{item}」的来源「{entry}」尚未建立数据表（未归集数据），无法校核',
    en: 'The source "{entry}" of the data item "{item}" has no dataset yet (nothing loaded); it cannot be cross-checked',
  },
  quality_crosscheck_field_missing: {
    'zh-CN': '数据项「{item}」的来源「{entry}」的数据表中没有信息项 {field}',
    en: 'The dataset of the source "{entry}" of the data item "{item}" has no field {field}',
  },
  quality_crosscheck_failed: {
    'zh-CN': '数据项「{item}」校核失败：{detail}',
    en: 'Cross-checking the data item "{item}" failed: {detail}',
  },
  quality_crosscheck_job: {
    'zh-CN': '校核任务未能排队执行',
    en: 'The cross-check could not be queued',
  },
} satisfies Record<string, Localized>;

export const crosscheckProblem = (
  status: number,
  code: keyof typeof crosscheckMessages,
  params: Record<string, unknown> = {},
): AppError => new AppError(status, code, crosscheckMessages[code], params);

/** A run's error as stored: the code, the message in both languages, and which item failed. */
export interface RunError {
  code: string;
  'zh-CN': string;
  en: string;
  itemId?: string;
  sourceId?: string;
}

class ItemFailure extends Error {
  constructor(
    readonly error: RunError,
    cause?: unknown,
  ) {
    super(error.en, { cause });
  }
}

function itemFailure(
  code: keyof typeof crosscheckMessages,
  params: Record<string, unknown>,
  where: { itemId: string; sourceId?: string },
): ItemFailure {
  const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? ''));
  const text = crosscheckMessages[code];
  return new ItemFailure({ code, 'zh-CN': fill(text['zh-CN']), en: fill(text.en), ...where });
}

// ---------------------------------------------------------------------------------------------
// Starting a run

/** Records a run (status running until the job ends), audits it and queues its job. */
export async function startCrosscheck(ctx: RegistryContext): Promise<number> {
  const { pool } = ctx.services;
  const runId = await withTx(pool, async (tx) => {
    const { rows: items } = await tx.query<{ n: number }>(
      `SELECT count(DISTINCT item_id)::int AS n FROM datong.data_item_sources WHERE role = 'secondary'`,
    );
    if (!items[0]?.n) throw crosscheckProblem(409, 'quality_crosscheck_no_items');
    const a = ctx.actor;
    const by = a.kind === 'user' ? a.displayName : a.kind === 'anonymous' ? '' : a.name;
    const { rows } = await tx.query<{ id: number }>(
      'INSERT INTO datong.crosscheck_runs (started_by_name) VALUES ($1) RETURNING id',
      [by],
    );
    const id = rows[0]!.id;
    await ctx.services.ledger.record(
      tx,
      eventFor(ctx, {
        action: 'quality.crosscheck.start',
        objectType: 'crosscheck_run',
        objectId: String(id),
        detail: { items: items[0].n },
      }),
    );
    return id;
  });
  try {
    await quickAddJob(
      { pgPool: pool },
      CROSSCHECK_TASK,
      { runId },
      { jobKey: `quality:crosscheck:${runId}`, maxAttempts: 1 },
    );
  } catch (err) {
    const e = crosscheckMessages.quality_crosscheck_job;
    await pool.query(
      `UPDATE datong.crosscheck_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
      [runId, JSON.stringify({ code: 'quality_crosscheck_job', ...e })],
    );
    throw err;
  }
  return runId;
}

// ---------------------------------------------------------------------------------------------
// Running

/** One comparison's figures, as crosscheck_stats stores them. */
export interface ComparisonStats {
  compared: number;
  agreeing: number;
  conflicting: number;
  missingInSource: number;
  missingInAuthority: number;
}

interface Side {
  view: string;
  key: string;
  field: string;
  numeric: boolean;
  /** Keys already normal and unique: read as stored. */
  clean: boolean;
}

const NUMERIC = new Set(['integer', 'decimal']);
const lit = (b: boolean) => (b ? 'true' : 'false');

/** The normalised key of a raw key text (cheap for keys already normal). */
const keyExpr = (k: string) =>
  `CASE WHEN ${k} ~ '^[0-9A-Z]+$' THEN ${k} ELSE upper(datong.q_norm(${k}, true, true, false, true)) END`;

function sideSql(s: Side): string {
  const key = `${ident(s.key)}::text`;
  const value = `${ident(s.field)}::text`;
  if (s.clean) return `SELECT ${key} AS k, ${value} AS v FROM ${s.view}`;
  return `SELECT k, min(v) AS v FROM (SELECT ${keyExpr(key)} AS k, ${value} AS v FROM ${s.view}) r
           WHERE k <> '' GROUP BY k`;
}

/**
 * The statement comparing one secondary source with the authority: $1 run, $2 item, $3 source,
 * $4 the cap of stored conflicts. Outcome o: 1 agreeing, 2 conflicting, 3 missing in the
 * source, 4 missing in the authority. Only conflicts carry their key and values into the
 * materialised join, so it stays small.
 */
export function comparisonSql(authority: Side, source: Side, n: Normalise): string {
  const norm = (v: string) =>
    `nullif(datong.q_norm(${v}, ${lit(n.trim)}, ${lit(n.width)}, ${lit(n.case)}, ${lit(n.space)}), '')`;
  const same =
    authority.numeric && source.numeric
      ? 'a.v::numeric IS NOT DISTINCT FROM s.v::numeric'
      : `a.v IS NOT DISTINCT FROM s.v OR ${norm('a.v')} IS NOT DISTINCT FROM ${norm('s.v')}`;
  return `
    WITH a AS (${sideSql(authority)}),
         s AS (${sideSql(source)}),
         j0 AS (SELECT coalesce(a.k, s.k) AS k, a.v AS av, s.v AS sv,
                       CASE WHEN a.k IS NULL THEN 4 WHEN s.k IS NULL THEN 3
                            WHEN ${same} THEN 1 ELSE 2 END AS o
                  FROM a FULL JOIN s ON s.k = a.k),
         j AS MATERIALIZED (SELECT o, CASE WHEN o = 2 THEN k END AS k, CASE WHEN o = 2 THEN av END AS av,
                                   CASE WHEN o = 2 THEN sv END AS sv FROM j0),
         c AS (INSERT INTO datong.crosscheck_conflicts
                 (run_id, item_id, source_id, subject_key, authoritative_value, source_value)
               SELECT $1, $2, $3, k, av, sv FROM j WHERE o = 2 ORDER BY k LIMIT $4 RETURNING 1)
    INSERT INTO datong.crosscheck_stats
      (run_id, item_id, source_id, compared, agreeing, conflicting, missing_in_source, missing_in_authority)
    SELECT $1, $2, $3, count(*) FILTER (WHERE o <= 2), count(*) FILTER (WHERE o = 1),
           count(*) FILTER (WHERE o = 2), count(*) FILTER (WHERE o = 3), count(*) FILTER (WHERE o = 4)
      FROM j
    RETURNING compared, agreeing, conflicting, missing_in_source AS "missingInSource",
              missing_in_authority AS "missingInAuthority"`;
}

/** Whether the key field is the dataset's only declared key and every key is already normal. */
async function isClean(q: Queryable, entry: SourceEntry, keyField: string): Promise<boolean> {
  const keys = entry.dataset!.columns.filter((c) => c.key);
  if (keys.length !== 1 || keys[0]!.code !== keyField) return false;
  const { rows } = await q.query<{ dirty: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${datasetView(entry.dataset!.name)} WHERE ${ident(keyField)}::text !~ '^[0-9A-Z]+$') AS dirty`,
  );
  return !rows[0]!.dirty;
}

interface RunSource {
  id: string;
  entryId: string;
  field: string;
  keyField: string;
}

interface RunItem {
  id: string;
  name: string;
  subjectKind: SubjectKind;
  normalise: Normalise;
  authority: RunSource;
  secondary: RunSource[];
}

/** The registered items with an authority and at least one secondary source, locked for the run. */
async function itemsOfRun(tx: Tx): Promise<RunItem[]> {
  // Locked first: a concurrent delete of an item or source waits for the run.
  await tx.query(
    'SELECT 1 FROM datong.data_items i, datong.data_item_sources s WHERE s.item_id = i.id FOR KEY SHARE',
  );
  const { rows } = await tx.query<{
    id: string;
    name: string;
    subject_kind: SubjectKind;
    normalise: Normalise;
    sources: (RunSource & { role: string })[];
  }>(
    `SELECT i.id, i.name, i.subject_kind, i.normalise,
            json_agg(json_build_object('id', s.id, 'role', s.role, 'entryId', s.entry_id, 'field', s.field,
                                       'keyField', s.key_field) ORDER BY s.created_at, s.id) AS sources
       FROM datong.data_items i JOIN datong.data_item_sources s ON s.item_id = i.id
      GROUP BY i.id ORDER BY i.name`,
  );
  return rows.flatMap((r) => {
    const authority = r.sources.find((s) => s.role === 'authoritative');
    const secondary = r.sources.filter((s) => s.role === 'secondary');
    if (!authority || !secondary.length) return [];
    return [
      {
        id: r.id,
        name: r.name,
        subjectKind: r.subject_kind,
        normalise: { ...DEFAULT_NORMALISE, ...(r.normalise as Partial<Normalise>) },
        authority,
        secondary,
      },
    ];
  });
}

/**
 * Runs cross-check `runId` (the job's work): every item, every secondary source, one transaction.
 * Answers the run's final status. `cap` overrides CONFLICT_CAP (tests).
 */
export async function runCrosscheck(
  services: Pick<Services, 'pool' | 'ledger' | 'log'>,
  runId: number,
  opts: { cap?: number } = {},
): Promise<'done' | 'failed'> {
  const { pool, ledger, log } = services;
  const cap = opts.cap ?? CONFLICT_CAP;
  const ctx = systemContext(`job:${CROSSCHECK_TASK}`);
  const { rows: queued } = await pool.query<{ status: 'running' | 'done' | 'failed' }>(
    'SELECT status FROM datong.crosscheck_runs WHERE id = $1',
    [runId],
  );
  if (!queued[0]) throw new Error(`there is no cross-check run ${runId}`);
  // A run already finished (a job delivered twice) is left as it is.
  if (queued[0].status !== 'running') return queued[0].status;
  try {
    await withTx(pool, async (tx) => {
      // The run's row stays locked: a second delivery of its job waits, then finds it finished.
      const { rows: run } = await tx.query<{ status: string }>(
        'SELECT status FROM datong.crosscheck_runs WHERE id = $1 FOR UPDATE',
        [runId],
      );
      if (run[0]?.status !== 'running') return;
      // The joins' hash tables and the materialised outcomes stay in memory at this size.
      await tx.query(`SET LOCAL work_mem = '64MB'`);
      const items = await itemsOfRun(tx);
      const entries = await sourceEntries(
        tx,
        items.flatMap((i) => [i.authority, ...i.secondary].map((s) => s.entryId)),
      );
      const clean = new Map<string, Promise<boolean>>();
      const sideOf = async (item: { id: string; name: string }, s: RunSource): Promise<Side> => {
        const entry = entries.get(s.entryId);
        const where = { itemId: item.id, sourceId: s.id };
        if (!entry?.dataset) {
          throw itemFailure(
            'quality_crosscheck_no_dataset',
            { item: item.name, entry: entry?.name ?? s.entryId },
            where,
          );
        }
        for (const f of [s.field, s.keyField]) {
          if (!entry.dataset.columns.some((c) => c.code === f)) {
            throw itemFailure(
              'quality_crosscheck_field_missing',
              { item: item.name, entry: entry.name, field: f },
              where,
            );
          }
        }
        const cacheKey = `${s.entryId}\u0000${s.keyField}`;
        if (!clean.has(cacheKey)) clean.set(cacheKey, isClean(tx, entry, s.keyField));
        return {
          view: datasetView(entry.dataset.name),
          key: s.keyField,
          field: s.field,
          numeric: NUMERIC.has(entry.dataset.columns.find((c) => c.code === s.field)!.type),
          clean: await clean.get(cacheKey)!,
        };
      };
      let comparisons = 0;
      let conflicts = 0;
      for (const item of items) {
        const authority = await sideOf(item, item.authority);
        for (const source of item.secondary) {
          const side = await sideOf(item, source);
          const t0 = Date.now();
          await tx.query('SAVEPOINT comparison');
          try {
            const { rows } = await tx.query<ComparisonStats>(comparisonSql(authority, side, item.normalise), [
              runId,
              item.id,
              source.id,
              cap,
            ]);
            await tx.query('RELEASE SAVEPOINT comparison');
            comparisons++;
            conflicts += rows[0]!.conflicting;
            log.debug(
              { runId, itemId: item.id, sourceId: source.id, ms: Date.now() - t0, ...rows[0] },
              'cross-checked',
            );
          } catch (e) {
            await tx.query('ROLLBACK TO SAVEPOINT comparison');
            const detail = e instanceof Error ? e.message : String(e);
            throw itemFailure(
              'quality_crosscheck_failed',
              { item: item.name, detail },
              {
                itemId: item.id,
                sourceId: source.id,
              },
            );
          }
        }
      }
      await tx.query(`UPDATE datong.crosscheck_runs SET status = 'done', finished_at = now() WHERE id = $1`, [
        runId,
      ]);
      await ledger.record(
        tx,
        eventFor(ctx, {
          action: 'quality.crosscheck.finish',
          objectType: 'crosscheck_run',
          objectId: String(runId),
          detail: { items: items.length, comparisons, conflicts },
        }),
      );
    });
    return 'done';
  } catch (e) {
    const error: RunError =
      e instanceof ItemFailure
        ? e.error
        : {
            code: 'quality_crosscheck_error',
            'zh-CN': '校核意外中止',
            en: 'The cross-check stopped unexpectedly',
          };
    log.error({ err: e, runId }, 'cross-check failed');
    await withTx(pool, async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE datong.crosscheck_runs SET status = 'failed', error = $2, finished_at = now()
          WHERE id = $1 AND status = 'running'`,
        [runId, JSON.stringify(error)],
      );
      if (!rowCount) return;
      await ledger.record(
        tx,
        eventFor(ctx, {
          action: 'quality.crosscheck.finish',
          objectType: 'crosscheck_run',
          objectId: String(runId),
          result: 'failure',
          detail: { error },
        }),
      );
    });
    return 'failed';
  }
}

/** The cross-check job for the job queue (src/modules/index.ts). */
export function crosscheckTasks(services: Services): ScheduledTask[] {
  const task: Task = async (payload) => {
    const id = (payload as { runId?: unknown } | null)?.runId;
    if (typeof id !== 'number') throw new Error(`${CROSSCHECK_TASK} needs {runId}`);
    await runCrosscheck(services, id);
  };
  return [{ name: CROSSCHECK_TASK, task }];
}
