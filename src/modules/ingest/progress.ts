import type { Progress } from './load.js';

/**
 * Live progress of the batches loading in this process (docs/INGEST.md "HTTP"): `loadBatch`
 * registers a batch when its row commits, updates it as rows stream through (every 250 ms at
 * most) and removes it when the batch ends, whatever the outcome. Another process's batches are
 * not here: their rows in `datong.ingest_batches` say `running` until they end.
 */

const live = new Map<number, Progress>();

export function progressStarted(batchId: number): void {
  live.set(batchId, { rowsRead: 0, rowsRejected: 0, bytes: 0, percent: null });
}

export function progressReported(batchId: number, progress: Progress): void {
  if (live.has(batchId)) live.set(batchId, { ...progress });
}

export function progressEnded(batchId: number): void {
  live.delete(batchId);
}

/** The batch's latest progress while it runs in this process; undefined otherwise. */
export function liveProgress(batchId: number): Progress | undefined {
  const p = live.get(batchId);
  return p ? { ...p } : undefined;
}
