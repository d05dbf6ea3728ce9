import type { Pool } from '../db/pool.js';
import type { ScheduledTask } from '../jobs/index.js';
import { pruneExpired, pruneNonces } from './store.js';

/**
 * Housekeeping on the job queue: expired sessions, tokens and spent nonces leave the tables even
 * when no request comes by to prune them opportunistically.
 */
export function authTasks(pool: Pool): ScheduledTask[] {
  return [
    {
      name: 'auth:prune',
      schedule: '*/15 * * * *',
      task: async () => {
        await pruneExpired(pool);
        await pruneNonces(pool);
      },
    },
  ];
}
