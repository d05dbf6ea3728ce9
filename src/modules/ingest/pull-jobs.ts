import type { Task, TaskSpec } from 'graphile-worker';
import { systemContext } from '../../platform/context.js';
import type { Pool } from '../../platform/db/pool.js';
import type { ScheduledTask } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { lastFiring, parseCron } from '../catalog/harvest-cron.js';
import { failedResult, loadBatch, recordFailedBatch, type BatchResult } from './load.js';
import { messageOf, openPull, sourceInfoOf, type OpenedPull } from './pull.js';
import * as store from './pull-store.js';

/**
 * The pulls' jobs on graphile-worker (docs/INGEST.md "Pulls"):
 *   ingest:pull           {pullId, trigger} runs one pull as one load batch, audited as the
 *                         system actor "拉取:<name>" (manual) or "定时拉取:<name>" (schedule)
 *   ingest:pull-schedule  every minute: queues the enabled pulls whose cron fired since they were
 *                         last queued
 * A failed batch throws, so that graphile-worker retries it with its exponential backoff, up to
 * PULL_MAX_ATTEMPTS runs; a batch aborted by the reject threshold does not (the data is wrong, a
 * retry would read the same). One job key per pull: a pull queued again while it waits is queued
 * once; queued while it runs, it runs again afterwards (the run holds an advisory lock, and a
 * second job that finds it taken comes back later).
 */

export const PULL_TASK = 'ingest:pull';
export const PULL_SCHEDULE_TASK = 'ingest:pull-schedule';
export const PULL_MAX_ATTEMPTS = 3;
/** Advisory-lock class of running pulls: (class, hashtext(pull id)). */
const PULL_LOCK = 4_400_003;
/** How long a job that finds its pull running waits before it tries again. */
const BUSY_RETRY_MS = 30_000;

export type PullTrigger = 'manual' | 'schedule';
export interface PullPayload {
  pullId: string;
  trigger: PullTrigger;
}

/** graphile-worker's job spec for a pull: its own key (no pile-up), few attempts. */
export const pullJobSpec = (pullId: string, runAt?: Date): TaskSpec => ({
  jobKey: `ingest:pull:${pullId}`,
  maxAttempts: PULL_MAX_ATTEMPTS,
  ...(runAt ? { runAt } : {}),
});

export type AddPullJob = (payload: PullPayload, spec: TaskSpec) => Promise<unknown>;

function isPayload(p: unknown): p is PullPayload {
  const o = p as Partial<PullPayload> | null;
  return typeof o?.pullId === 'string' && (o.trigger === 'manual' || o.trigger === 'schedule');
}

export type PullOutcome =
  { ran: true; result: BatchResult } | { ran: false; why: 'missing' | 'disabled' | 'busy' };

/** Runs one pull to the end: one batch, the pull's last_* columns, the watermark when done. */
export async function runPull(
  services: Services,
  payload: PullPayload,
  addJob: AddPullJob,
): Promise<PullOutcome> {
  const { pool } = services;
  const lock = await pool.connect();
  try {
    const { rows: got } = await lock.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
      [PULL_LOCK, payload.pullId],
    );
    if (!got[0]?.ok) {
      await addJob(payload, pullJobSpec(payload.pullId, new Date(Date.now() + BUSY_RETRY_MS)));
      return { ran: false, why: 'busy' };
    }
    try {
      return await runLocked(services, payload);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1, hashtext($2))', [PULL_LOCK, payload.pullId]);
    }
  } finally {
    lock.release();
  }
}

async function runLocked(services: Services, payload: PullPayload): Promise<PullOutcome> {
  const { pool, identity } = services;
  const pull = await store.getPull(pool, payload.pullId);
  if (!pull) return { ran: false, why: 'missing' };
  if (payload.trigger === 'schedule' && (!pull.enabled || !pull.schedule)) {
    // Disabled after it was queued: the pull shows its last batch's outcome again.
    await store.restoreStatus(pool, pull.id);
    return { ran: false, why: 'disabled' };
  }
  await store.markRunning(pool, pull.id);
  const ctx = {
    ...systemContext(`${payload.trigger === 'schedule' ? '定时拉取' : '拉取'}:${pull.name}`),
    services,
  };
  let result: BatchResult;
  let opened: OpenedPull | undefined;
  try {
    opened = await openPull(identity, pull);
  } catch (e) {
    const reason = messageOf(e);
    result = await recordFailedBatch(
      ctx,
      pull.entryId,
      pull.mode,
      sourceInfoOf(pull, identity),
      reason,
    ).catch(() => failedResult(reason));
  }
  if (opened) {
    try {
      result = await loadBatch(ctx, pull.entryId, {
        mode: pull.mode,
        source: opened.source,
        sourceInfo: opened.sourceInfo,
        format: opened.format,
        totalBytes: opened.totalBytes,
        rejectThreshold: pull.threshold,
        onStart: (batchId) => {
          services.log.info({ batchId, pullId: pull.id }, 'ingest pull started');
          void store
            .setRunningBatch(pool, pull.id, batchId)
            .catch((err: unknown) => services.log.warn({ err, pullId: pull.id }, 'pull batch not noted'));
        },
      });
    } finally {
      await opened.close();
    }
  }
  result = result!;
  await store.finishPull(pool, pull.id, {
    batchId: result.batchId || null,
    status: result.status,
    error: result.error,
    ...(result.status === 'done' && opened?.watermark != null ? { watermark: opened.watermark } : {}),
  });
  return { ran: true, result };
}

/** Queues the enabled pulls whose cron fired since they were last queued; returns their ids. */
export async function schedulePulls(pool: Pool, addJob: AddPullJob, now = new Date()): Promise<string[]> {
  const queued: string[] = [];
  for (const pull of await store.listScheduled(pool)) {
    const cron = pull.schedule ? parseCron(pull.schedule) : null;
    if (!cron) continue;
    const due = lastFiring(cron, pull.lastScheduledAt, now);
    if (!due || !(await store.claimSchedule(pool, pull.id, pull.lastScheduledAt, due))) continue;
    await addJob({ pullId: pull.id, trigger: 'schedule' }, pullJobSpec(pull.id));
    queued.push(pull.id);
  }
  return queued;
}

/** The pulls' tasks for the job queue (src/modules/index.ts). */
export function ingestPullTasks(services: Services): ScheduledTask[] {
  const pull: Task = async (payload, helpers) => {
    if (!isPayload(payload)) throw new Error(`${PULL_TASK} needs {pullId, trigger: 'manual' | 'schedule'}`);
    const outcome = await runPull(services, payload, (p, spec) => helpers.addJob(PULL_TASK, p, spec));
    // A failed batch is retried by graphile-worker (with backoff); an aborted one is not.
    if (outcome.ran && outcome.result.status === 'failed') {
      throw new Error(`pull ${payload.pullId} failed: ${outcome.result.error?.en ?? 'unknown'}`);
    }
  };
  const schedule: Task = async (_payload, helpers) => {
    await schedulePulls(services.pool, (p, spec) => helpers.addJob(PULL_TASK, p, spec));
  };
  return [
    { name: PULL_TASK, task: pull },
    { name: PULL_SCHEDULE_TASK, schedule: '* * * * *', task: schedule },
  ];
}
