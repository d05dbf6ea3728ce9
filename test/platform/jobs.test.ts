import { afterAll, beforeAll, expect, it } from 'vitest';
import pino from 'pino';
import { quickAddJob, type Runner } from 'graphile-worker';
import { startWorker } from '../../src/platform/jobs/index.js';
import { tasks } from '../../src/modules/index.js';
import { testApp, type TestApp } from '../support/app.js';

/** The job queue runs the node's tasks on graphile-worker, in the node's own database. */
let db: TestApp;
let runner: Runner;
beforeAll(async () => {
  db = await testApp();
  runner = await startWorker(db.pool, tasks(db.services), pino({ level: 'silent' }), 1);
});
afterAll(async () => {
  await runner?.stop();
  await db?.close();
});

it('runs a queued housekeeping job that prunes spent nonces', async () => {
  await db.pool.query(
    `INSERT INTO datong.request_nonces (key_id, nonce, seen_at) VALUES
       ('k1', 'old-nonce-0000000001', now() - interval '1 hour'),
       ('k1', 'new-nonce-0000000002', now())`,
  );
  await quickAddJob({ pgPool: db.pool }, 'auth:prune', {});
  const deadline = Date.now() + 15_000;
  let left: string[] = [];
  while (Date.now() < deadline) {
    const { rows } = await db.pool.query<{ nonce: string }>(
      'SELECT nonce FROM datong.request_nonces ORDER BY nonce',
    );
    left = rows.map((r) => r.nonce);
    if (left.length === 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(left).toEqual(['new-nonce-0000000002']);
});
