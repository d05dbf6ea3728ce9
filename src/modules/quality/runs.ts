import { withTx, type Pool, type Queryable, type Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import { localize, type Localized } from '../../platform/i18n/index.js';
import { defaultMask, maskValue } from '../../platform/masking/index.js';
import type { Services } from '../../platform/services.js';
import { RuleError, runRules, type Dimension, type RuleResult, type RunOptions } from './engine.js';
import { listRules, otherDatasets, qualityDataset, type QualityDataset, type Rule } from './rules.js';
import { dimensionScores, overallScore, type Scores } from './scores.js';

/**
 * Quality runs (docs/QUALITY.md "Runs"): every enabled rule of one dataset evaluated set-based
 * (engine.ts) in ONE repeatable-read snapshot, then the run, its per-rule results (the rule
 * copied, samples masked as the catalog's piiKind says) and its scores written in one
 * transaction. A rule that cannot be evaluated (a field gone, a pattern PostgreSQL refuses)
 * gets its error and does not count; the others still run.
 */

export type Trigger = 'load' | 'schedule' | 'manual';
/** Failing samples kept per rule (the column holds up to 20). */
export const SAMPLES = 20;

export async function createRun(
  q: Queryable,
  datasetId: string,
  trigger: Trigger,
  batchId: number | null,
  startedByName: string,
): Promise<number> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO datong.quality_runs (dataset_id, trigger, batch_id, started_by_name)
     VALUES ($1, $2, $3, $4) RETURNING id`,
    [datasetId, trigger, batchId, startedByName],
  );
  return Number(rows[0]!.id);
}

interface Evaluated {
  rule: Rule;
  result: RuleResult | null;
  error: Localized | null;
}

function errorText(err: unknown): Localized {
  if (err instanceof RuleError) return err.text;
  if (err instanceof AppError)
    return { 'zh-CN': localize(err.text, 'zh-CN', err.params), en: localize(err.text, 'en', err.params) };
  const m = (err as { message?: string }).message ?? String(err);
  return { 'zh-CN': `规则无法执行：${m}`, en: `The rule could not be evaluated: ${m}` };
}

/**
 * Evaluates the rules in one read-only repeatable-read snapshot: all together first; if that
 * fails, one by one (each under a savepoint), so that one bad rule costs only itself.
 */
async function evaluate(
  pool: Pool,
  ds: QualityDataset,
  rules: readonly Rule[],
  opts: RunOptions,
): Promise<{ rows: number; evaluated: Evaluated[] }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const input = rules.map((r) => ({ id: r.id, spec: r.spec }));
    await client.query('SAVEPOINT all_rules');
    try {
      const { rows, results } = await runRules(client, ds.view, ds.columns, input, opts);
      const byId = new Map(results.map((r) => [r.id, r]));
      return { rows, evaluated: rules.map((rule) => ({ rule, result: byId.get(rule.id)!, error: null })) };
    } catch {
      await client.query('ROLLBACK TO SAVEPOINT all_rules');
    }
    const { rows: count } = await client.query<{ n: string }>(`SELECT count(*)::int8 AS n FROM ${ds.view}`);
    const evaluated: Evaluated[] = [];
    for (const rule of rules) {
      await client.query('SAVEPOINT one_rule');
      try {
        const { results } = await runRules(
          client,
          ds.view,
          ds.columns,
          [{ id: rule.id, spec: rule.spec }],
          opts,
        );
        evaluated.push({ rule, result: results[0]!, error: null });
        await client.query('RELEASE SAVEPOINT one_rule');
      } catch (err) {
        await client.query('ROLLBACK TO SAVEPOINT one_rule');
        evaluated.push({ rule, result: null, error: errorText(err) });
      }
    }
    return { rows: Number(count[0]!.n), evaluated };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** Masks the samples' field values as the catalog's piiKind says (keys included). */
export function maskSamples(
  ds: Pick<QualityDataset, 'fields'>,
  samples: readonly Record<string, string | null>[],
): Record<string, string | null>[] {
  const pii = new Map(ds.fields.map((f) => [f.code, f.piiKind]));
  return samples.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => {
        const kind = pii.get(k);
        return [k, kind && kind !== 'none' ? maskValue(defaultMask(kind), v) : v];
      }),
    ),
  );
}

/** When the dataset's last successful load (not a rollback) finished. */
export async function lastLoadAt(q: Queryable, datasetId: string): Promise<Date | null> {
  const { rows } = await q.query<{ at: Date | null }>(
    `SELECT max(finished_at) AS at FROM datong.ingest_batches
      WHERE dataset_id = $1 AND status = 'done' AND mode <> 'rollback'`,
    [datasetId],
  );
  return rows[0]?.at ?? null;
}

async function finishFailed(q: Queryable, runId: number, error: Localized): Promise<void> {
  await q.query(
    `UPDATE datong.quality_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
    [runId, JSON.stringify(error)],
  );
}

/**
 * Executes a created run: reads the dataset's enabled rules, resolves the datasets they refer to,
 * evaluates, masks, scores and records. Never throws for a rule's or the dataset's problem: the
 * run is marked failed instead.
 */
export async function executeRun(services: Services, runId: number, now = new Date()): Promise<void> {
  const { pool, log } = services;
  const { rows: runs } = await pool.query<{ dataset_id: string; entry_id: string; status: string }>(
    `SELECT r.dataset_id, d.entry_id, r.status FROM datong.quality_runs r
       JOIN datong.datasets d ON d.id = r.dataset_id WHERE r.id = $1`,
    [runId],
  );
  const run = runs[0];
  if (!run || run.status !== 'running') return;
  try {
    const ds = (await qualityDataset(pool, run.entry_id))!;
    const rules = await listRules(pool, ds.id, { enabledOnly: true });
    const opts: RunOptions = {
      samples: SAMPLES,
      datasets: await otherDatasets(
        pool,
        rules.map((r) => r.spec),
      ),
      timeliness: { lastLoadAt: await lastLoadAt(pool, ds.id), updateCycle: ds.updateCycle, now },
    };
    const { rows, evaluated } = await evaluate(pool, ds, rules, opts);
    const scores: Scores = dimensionScores(
      evaluated.map((e) => ({
        dimension: e.rule.dimension,
        checked: e.result?.checked ?? 0,
        failing: e.result?.failing ?? 0,
        score: e.result?.score ?? null,
        error: e.error,
      })),
    );
    const score = overallScore(scores, ds.weights);
    await withTx(pool, async (tx: Tx) => {
      for (const e of evaluated) {
        await tx.query(
          `INSERT INTO datong.quality_results
             (run_id, rule_id, rule_name, kind, dimension, spec, checked, failing, samples, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            runId,
            e.rule.id,
            e.rule.name,
            e.rule.kind,
            e.rule.dimension,
            JSON.stringify(e.rule.spec),
            e.result?.checked ?? 0,
            e.result?.failing ?? 0,
            JSON.stringify(e.result ? maskSamples(ds, e.result.samples) : []),
            e.error ? JSON.stringify(e.error) : null,
          ],
        );
      }
      await tx.query(
        `UPDATE datong.quality_runs SET status = 'done', rows = $2, scores = $3, score = $4, finished_at = now()
          WHERE id = $1`,
        [runId, rows, JSON.stringify(scores), score],
      );
    });
  } catch (err) {
    log.error({ err, runId }, 'quality run failed');
    await finishFailed(pool, runId, errorText(err)).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading runs

export interface RunSummary {
  id: number;
  trigger: Trigger;
  batchId: number | null;
  status: 'running' | 'done' | 'failed';
  rows: number | null;
  scores: Partial<Record<Dimension, number | null>>;
  score: number | null;
  error: Localized | null;
  startedByName: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunResult {
  ruleId: string;
  ruleName: string;
  kind: string;
  dimension: Dimension;
  spec: unknown;
  checked: number;
  failing: number;
  /** failing / checked × 100, two decimals; null when nothing was checked. */
  percent: number | null;
  samples: Record<string, string | null>[];
  error: Localized | null;
}

export type RunDetail = RunSummary & { entryId: string; results: RunResult[] };

interface RunDbRow {
  id: string;
  trigger: Trigger;
  batch_id: string | null;
  status: RunSummary['status'];
  rows: string | null;
  scores: RunSummary['scores'];
  score: string | null;
  error: Localized | null;
  started_by_name: string;
  started_at: Date;
  finished_at: Date | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));
const presentRun = (r: RunDbRow): RunSummary => ({
  id: Number(r.id),
  trigger: r.trigger,
  batchId: num(r.batch_id),
  status: r.status,
  rows: num(r.rows),
  scores: r.scores,
  score: num(r.score),
  error: r.error,
  startedByName: r.started_by_name,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** The dataset's runs, newest first. */
export async function listRuns(q: Queryable, datasetId: string, limit: number): Promise<RunSummary[]> {
  const { rows } = await q.query<RunDbRow>(
    `SELECT * FROM datong.quality_runs WHERE dataset_id = $1 ORDER BY id DESC LIMIT $2`,
    [datasetId, limit],
  );
  return rows.map(presentRun);
}

export async function latestRun(q: Queryable, datasetId: string): Promise<RunSummary | null> {
  return (await listRuns(q, datasetId, 1))[0] ?? null;
}

/** A run with its results (by dimension, then rule name), or null. */
export async function getRun(q: Queryable, id: number): Promise<RunDetail | null> {
  const { rows } = await q.query<RunDbRow & { entry_id: string }>(
    `SELECT r.*, d.entry_id FROM datong.quality_runs r JOIN datong.datasets d ON d.id = r.dataset_id
      WHERE r.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return null;
  const { rows: results } = await q.query<{
    rule_id: string;
    rule_name: string;
    kind: string;
    dimension: Dimension;
    spec: unknown;
    checked: string;
    failing: string;
    samples: Record<string, string | null>[];
    error: Localized | null;
  }>(
    `SELECT rule_id, rule_name, kind, dimension, spec, checked, failing, samples, error
       FROM datong.quality_results WHERE run_id = $1 ORDER BY dimension, rule_name, rule_id`,
    [id],
  );
  return {
    ...presentRun(r),
    entryId: r.entry_id,
    results: results.map((x) => {
      const checked = Number(x.checked);
      const failing = Number(x.failing);
      return {
        ruleId: x.rule_id,
        ruleName: x.rule_name,
        kind: x.kind,
        dimension: x.dimension,
        spec: x.spec,
        checked,
        failing,
        percent: checked > 0 ? Math.round((failing / checked) * 10000) / 100 : null,
        samples: x.samples,
        error: x.error,
      };
    }),
  };
}
