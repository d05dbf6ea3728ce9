import type { Tx } from '../db/pool.js';
import { entryText } from './canonical.js';
import type { CompactRange, TreeHasher } from './merkle.js';
import { ISO_TIME, STRIDE } from './store.js';
import type { AuditActorType, AuditResult } from './types.js';

interface PendingRow {
  id: number;
  time: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  result: string;
  client_ip: string | null;
  request_id: string | null;
  detail: Record<string, unknown>;
}

/**
 * Moves up to `limit` committed pending rows, in id order, into audit.event with the next
 * consecutive seqs, extending `work` (the caller's copy of the compact range) and storing the
 * internal nodes completed at stored levels. Runs inside the caller's transaction, which holds
 * the sequencer lock. Hashing happens here in memory; the database gets three statements. Each
 * event is stored as its canonical entry text, the bytes its leaf hashes; audit.event derives
 * every other column from it.
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
  const entries = new Array<string>(n);
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
    const entry = entryText({
      seq,
      time: row.time,
      actorType: row.actor_type as AuditActorType,
      actorId: row.actor_id,
      actorName: row.actor_name,
      orgId: row.org_id,
      action: row.action,
      objectType: row.object_type,
      objectId: row.object_id,
      result: row.result as AuditResult,
      clientIp: row.client_ip,
      requestId: row.request_id,
      detail: row.detail,
    });
    const leaf = h.leaf(entry);
    seqs[i] = seq;
    leafHashes[i] = leaf;
    entries[i] = entry;
    work.append(leaf, keep);
  }

  await tx.query(
    'INSERT INTO audit.event (seq, entry, leaf_hash) SELECT * FROM unnest($1::int8[], $2::text[], $3::bytea[])',
    [seqs, entries, leafHashes],
  );
  if (nodeHashes.length) {
    await tx.query(
      'INSERT INTO audit.node (level, idx, hash) SELECT * FROM unnest($1::int2[], $2::int8[], $3::bytea[])',
      [nodeLevels, nodeIdx, nodeHashes],
    );
  }
  // By id, not by range: a pending row committed after our SELECT may have a lower id than the
  // ones we moved, and must stay for the next round.
  await tx.query('DELETE FROM audit.pending WHERE id = ANY($1::int8[])', [rows.map((r) => r.id)]);
  return n;
}
