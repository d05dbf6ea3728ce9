import { quickAddJob } from 'graphile-worker';
import type { Pool } from '../../platform/db/pool.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { createRun, executeRun, type Trigger } from './runs.js';

/**
 * The quality jobs (docs/QUALITY.md "Runs"):
 *   quality:run       {datasetId, trigger, batchId?, runId?} — executes a run. A manual run's row
 *                     exists already (runId, made by the route); a load's or the schedule's is
 *                     made here, and skipped when the dataset has no enabled rule.
 *   quality:schedule  every hour: queues a run of each dataset whose quality_hour is the current
 *                     hour in Asia/Shanghai and which has enabled rules.
 * Load and schedule runs of one dataset share the job key `quality:run:<datasetId>`: a burst of
 * loads coalesces into one pending run (graphile-worker replaces the pending job's payload).
 */

export const RUN_TASK = 'quality:run';
export const SCHEDULE_TASK = 'quality:schedule';

export interface RunPayload {
  datasetId: string;
  trigger: Trigger;
  batchId?: number | null;
  runId?: number;
}

export const runJobKey = (datasetId: string) => `quality:run:${datasetId}`;

async function hasEnabledRules(pool: Pool, datasetId: string): Promise<boolean> {
  const { rows } = await pool.query(
    'SELECT 1 FROM datong.quality_rules WHERE dataset_id = $1 AND enabled LIMIT 1',
    [datasetId],
  );
  return rows.length > 0;
}

/**
 * After a successful load: queues a run of the batch's dataset, if it has enabled rules. Never
 * throws — a queue that is down must not fail a load that has committed; it is logged.
 */
export async function queueRunAfterLoad(
  services: Pick<Services, 'pool' | 'log'>,
  batchId: number,
): Promise<void> {
  try {
    const { rows } = await services.pool.query<{ dataset_id: string }>(
      'SELECT dataset_id FROM datong.ingest_batches WHERE id = $1',
      [batchId],
    );
    const datasetId = rows[0]?.dataset_id;
    if (!datasetId || !(await hasEnabledRules(services.pool, datasetId))) return;
    const payload: RunPayload = { datasetId, trigger: 'load', batchId };
    await quickAddJob({ pgPool: services.pool }, RUN_TASK, payload, {
      jobKey: runJobKey(datasetId),
      maxAttempts: 1,
    });
  } catch (err) {
    services.log.warn({ err, batchId }, 'the quality run after a load could not be queued');
  }
}

/** Queues a manual run whose row exists (its own job key: manual runs never coalesce). */
export async function queueManualRun(pool: Pool, datasetId: string, runId: number): Promise<void> {
  const payload: RunPayload = { datasetId, trigger: 'manual', runId };
  await quickAddJob({ pgPool: pool }, RUN_TASK, payload, {
    jobKey: `quality:run:manual:${runId}`,
    maxAttempts: 1,
  });
}

/** The job's work, callable directly (tests): creates the run if need be and executes it. */
export async function runQualityJob(
  services: Services,
  payload: RunPayload,
  now = new Date(),
): Promise<void> {
  let runId = payload.runId;
  if (runId === undefined) {
    if (!(await hasEnabledRules(services.pool, payload.datasetId))) return;
    runId = await createRun(
      services.pool,
      payload.datasetId,
      payload.trigger,
      payload.batchId ?? null,
      'system',
    );
  }
  await executeRun(services, runId, now);
}

/** The current hour (0–23) in Asia/Shanghai (UTC+8, no daylight saving). */
export const shanghaiHour = (now: Date) => (now.getUTCHours() + 8) % 24;

/** The datasets the schedule runs at this hour: quality_hour matches and a rule is enabled. */
export async function scheduledDatasets(pool: Pool, now: Date): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT d.id FROM datong.datasets d
      WHERE d.quality_hour = $1
        AND EXISTS (SELECT 1 FROM datong.quality_rules r WHERE r.dataset_id = d.id AND r.enabled)
      ORDER BY d.id`,
    [shanghaiHour(now)],
  );
  return rows.map((r) => r.id);
}

export function qualityTasks(services: Services): ScheduledTask[] {
  const run: Task = async (payload) => {
    const p = payload as Partial<RunPayload> | null;
    if (typeof p?.datasetId !== 'string' || !['load', 'schedule', 'manual'].includes(String(p.trigger))) {
      throw new Error(`${RUN_TASK} needs {datasetId, trigger}`);
    }
    await runQualityJob(services, p as RunPayload);
  };
  const schedule: Task = async (_payload, helpers) => {
    const ids = await scheduledDatasets(services.pool, new Date());
    for (const datasetId of ids) {
      const payload: RunPayload = { datasetId, trigger: 'schedule' };
      await helpers.addJob(RUN_TASK, payload, { jobKey: runJobKey(datasetId), maxAttempts: 1 });
    }
    if (ids.length) services.log.info({ datasets: ids.length }, 'quality runs scheduled');
  };
  return [
    { name: RUN_TASK, task: run },
    { name: SCHEDULE_TASK, schedule: '0 * * * *', task: schedule },
  ];
}
