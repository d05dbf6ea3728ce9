import { Logger as WorkerLogger, run, type Runner, type Task, type TaskList } from 'graphile-worker';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';

export type { Task, TaskList };

export interface ScheduledTask {
  /** Task identifier, e.g. `auth:prune` (graphile-worker allows letters, digits, `_:/-`). */
  name: string;
  /** graphile-worker crontab schedule, e.g. `*\/10 * * * *`. */
  schedule?: string;
  task: Task;
}

/** graphile-worker logs through the node's pino logger. */
function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const fn = level === 'error' ? log.error : level === 'warning' ? log.warn : log.debug;
    fn.call(log, { ...scope, ...meta }, message);
  });
}

/**
 * Runs the PostgreSQL-backed job queue (graphile-worker) with the node's tasks. `serve` runs it
 * in-process; `datong worker` runs it alone, and more workers can join the same queue.
 */
export async function startWorker(
  pool: Pool,
  tasks: ScheduledTask[],
  log: Logger,
  concurrency = 2,
): Promise<Runner> {
  const taskList: TaskList = Object.fromEntries(tasks.map((t) => [t.name, t.task]));
  const crontab = tasks
    .filter((t) => t.schedule)
    .map((t) => `${t.schedule} ${t.name}`)
    .join('\n');
  return run({
    pgPool: pool,
    taskList,
    crontab,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: workerLogger(log),
  });
}
