import type { Tx } from '../db/pool.js';
import { entryBytes } from './canonical.js';
import type { CompactRange, TreeHasher } from './merkle.js';
import { ISO_TIME, STRIDE, rowToEvent, type EventRow } from './store.js';

interface PendingRow extends Omit<EventRow, 'seq'> {
  id: number;
}

/**
 * Moves up to `limit` committed pending rows, in id order, into audit.event with the next
 * consecutive seqs, extending `work` (the caller's copy of the compact range) and storing the
 * internal nodes completed at stored levels. Runs inside the caller's transaction, which holds
 * the sequencer lock. Hashing happens here in memory; the database gets three statements.
 */
export async function sequenceBatch(
  tx: Tx,
  h: TreeHasher,
  work: CompactRange,
  limit: number,
): Promise<number> {
  const { rows } = await tx.query<PendingRow>(
    `SELECT id, ${ISO_TIME} AS time, actor_type, actor_id, actor_name, org_id, action, object_type, object_id,
            result, client_ip, request_id, detail
       FROM audit.pending ORDER BY id LIMIT $1`,
    [limit],
  );
  if (rows.length === 0) return 0;

  const n = rows.length;
  const seqs = new Array<number>(n);
  const leafHashes = new Array<Buffer>(n);
  const details = new Array<string>(n);
  const nodeLevels: number[] = [];
  const nodeIdx: number[] = [];
  const nodeHashes: Buffer[] = [];
  const keep = (level: number, idx: number, hash: Buffer): void => {
    if (level % STRIDE !== 0) return;
    nodeLevels.push(level);
    nodeIdx.push(idx);
    nodeHashes.push(hash);
  };
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    const seq = work.size;
    const leaf = h.leaf(entryBytes(rowToEvent({ ...row, seq })));
    seqs[i] = seq;
    leafHashes[i] = leaf;
    details[i] = JSON.stringify(row.detail);
    work.append(leaf, keep);
  }

  const col = <K extends keyof PendingRow>(k: K) => rows.map((r) => r[k]);
  await tx.query(
    `INSERT INTO audit.event (seq, time, actor_type, actor_id, actor_name, org_id, action, object_type, object_id,
       result, client_ip, request_id, detail, leaf_hash)
     SELECT * FROM unnest($1::int8[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::bytea[])`,
    [
      seqs,
      col('time'),
      col('actor_type'),
      col('actor_id'),
      col('actor_name'),
      col('org_id'),
      col('action'),
      col('object_type'),
      col('object_id'),
      col('result'),
      col('client_ip'),
      col('request_id'),
      details,
      leafHashes,
    ],
  );
  if (nodeHashes.length) {
    await tx.query(
      'INSERT INTO audit.node (level, idx, hash) SELECT * FROM unnest($1::int2[], $2::int8[], $3::bytea[])',
      [nodeLevels, nodeIdx, nodeHashes],
    );
  }
  // By id, not by range: a pending row committed after our SELECT may have a lower id than the
  // ones we moved, and must stay for the next round.
  await tx.query('DELETE FROM audit.pending WHERE id = ANY($1::int8[])', [col('id')]);
  return n;
}
