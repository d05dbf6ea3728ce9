import { quickAddJob } from 'graphile-worker';
import type { Pool } from '../../platform/db/pool.js';
import type { ScheduledTask, Task } from '../../platform/jobs/index.js';
import type { Services } from '../../platform/services.js';
import { buildOpenVersion, type BuildOutcome, type BuildTrigger } from './publish-build.js';

/**
 * The publishing job (docs/OPENING.md "Refresh"):
 *   opening:publish  {publicationId, trigger: 'signoff' | 'load', batchId?} — builds a new open
 *                    version of a signed-off publication and publishes it; after a sign-off (the
 *                    first version) and after every successful load of the source (a refresh,
 *                    with the same configuration and the same sign-off).
 * Jobs of one publication share the job key and the queue `opening:publish:<id>`: a burst of
 * loads coalesces into one pending build, and builds of one publication never run at once.
 */

export const PUBLISH_TASK = 'opening:publish';

export interface PublishPayload {
  publicationId: string;
  trigger: BuildTrigger;
  batchId?: number | null;
}

export const publishJobKey = (publicationId: string) => `opening:publish:${publicationId}`;

export async function queueBuild(pool: Pool, payload: PublishPayload): Promise<void> {
  await quickAddJob({ pgPool: pool }, PUBLISH_TASK, payload, {
    jobKey: publishJobKey(payload.publicationId),
    queueName: publishJobKey(payload.publicationId),
    maxAttempts: 1,
  });
}

/**
 * After a successful load: queues a refresh of each published open version of the batch's
 * dataset. Never throws — a queue that is down must not fail a load that has committed; it is
 * logged, and the publication keeps its current open version.
 */
export async function queueRefreshAfterLoad(
  services: Pick<Services, 'pool' | 'log'>,
  batchId: number,
): Promise<void> {
  try {
    const { rows } = await services.pool.query<{ id: string }>(
      `SELECT p.id FROM datong.open_publications p
         JOIN datong.ingest_batches b ON b.dataset_id = p.dataset_id
        WHERE b.id = $1 AND p.status = 'published' AND p.signed_off_at IS NOT NULL`,
      [batchId],
    );
    for (const { id } of rows) {
      await services.pool.query(
        `UPDATE datong.open_publications SET build_status = 'queued', build_batch_id = $2 WHERE id = $1`,
        [id, batchId],
      );
      await queueBuild(services.pool, { publicationId: id, trigger: 'load', batchId });
    }
  } catch (err) {
    services.log.warn({ err, batchId }, 'the open-version refresh after a load could not be queued');
  }
}

/** The job's work, callable directly (tests). */
export async function runPublishJob(services: Services, payload: PublishPayload): Promise<BuildOutcome> {
  return buildOpenVersion(services, payload.publicationId, {
    trigger: payload.trigger,
    batchId: payload.batchId ?? null,
  });
}

export function publishTasks(services: Services): ScheduledTask[] {
  const task: Task = async (payload) => {
    const p = payload as Partial<PublishPayload> | null;
    if (typeof p?.publicationId !== 'string' || !['signoff', 'load'].includes(String(p.trigger))) {
      throw new Error(`${PUBLISH_TASK} needs {publicationId, trigger}`);
    }
    const outcome = await runPublishJob(services, p as PublishPayload);
    if (outcome.status === 'failed') {
      services.log.warn({ publicationId: p.publicationId, error: outcome.error }, 'open version not built');
    }
  };
  return [{ name: PUBLISH_TASK, task }];
}
