import type { Queryable } from '../db/pool.js';
import type { NodeRef, TreeHasher } from './merkle.js';
import type { AuditActorType, AuditEvent, AuditEventInput, AuditResult, Checkpoint } from './types.js';

/** Internal node hashes are stored every STRIDE levels (see migrations/0002_audit.sql). */
export const STRIDE = 4;

/** Times leave the database as the exact ISO string the canonical entry uses: no Date round trip. */
export const ISO_TIME = `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export const EVENT_COLUMNS = `seq, ${ISO_TIME} AS time, actor_type, actor_id, actor_name, org_id, action,
  object_type, object_id, result, client_ip, request_id, detail`;

export interface EventRow {
  seq: number;
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

export function rowToEvent(r: EventRow): AuditEvent {
  return {
    seq: r.seq,
    time: r.time,
    actorType: r.actor_type as AuditActorType,
    actorId: r.actor_id,
    actorName: r.actor_name,
    orgId: r.org_id,
    action: r.action,
    objectType: r.object_type,
    objectId: r.object_id,
    result: r.result as AuditResult,
    clientIp: r.client_ip,
    requestId: r.request_id,
    detail: r.detail,
  };
}

/**
 * Inserts events into the staging table with one statement however many there are: column
 * arrays unnested server-side (one round trip, one parse, no per-row statement overhead).
 */
export async function insertPending(q: Queryable, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const col = <K extends keyof AuditEventInput>(k: K) => events.map((e) => e[k]);
  await q.query(
    `INSERT INTO audit.pending (actor_type, actor_id, actor_name, org_id, action, object_type, object_id,
       result, client_ip, request_id, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::jsonb[])`,
    [
      col('actorType'),
      col('actorId'),
      col('actorName'),
      col('orgId'),
      col('action'),
      col('objectType'),
      col('objectId'),
      col('result'),
      col('clientIp'),
      col('requestId'),
      events.map((e) => JSON.stringify(e.detail ?? {})),
    ],
  );
}

/**
 * Hashes of perfect subtrees, in the order asked. A subtree at a stored level (0 = leaf hashes in
 * audit.event, or a multiple of STRIDE in audit.node) is one row; any other is combined from at
 * most 2^(STRIDE-1) rows of the stored level below it. Two queries in all.
 */
export async function fetchPerfect(
  q: Queryable,
  h: TreeHasher,
  nodes: readonly NodeRef[],
): Promise<Buffer[]> {
  const base = nodes.map((n) => {
    const level = n.level - (n.level % STRIDE);
    const width = 2 ** (n.level - level);
    return { level, from: n.idx * width, width };
  });
  const leafSeqs: number[] = [];
  const nodeLevels: number[] = [];
  const nodeIdx: number[] = [];
  for (const b of base) {
    for (let i = 0; i < b.width; i++) {
      if (b.level === 0) leafSeqs.push(b.from + i);
      else {
        nodeLevels.push(b.level);
        nodeIdx.push(b.from + i);
      }
    }
  }
  const [leaves, inner] = await Promise.all([
    leafSeqs.length
      ? q.query<{ k: number; hash: Buffer }>(
          'SELECT seq AS k, leaf_hash AS hash FROM audit.event WHERE seq = ANY($1::bigint[])',
          [leafSeqs],
        )
      : { rows: [] },
    nodeIdx.length
      ? q.query<{ level: number; k: number; hash: Buffer }>(
          `SELECT n.level, n.idx AS k, n.hash FROM audit.node n
             JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx`,
          [nodeLevels, nodeIdx],
        )
      : { rows: [] },
  ]);
  const found = new Map<string, Buffer>();
  for (const r of leaves.rows) found.set(`0:${r.k}`, r.hash);
  for (const r of inner.rows) found.set(`${r.level}:${r.k}`, r.hash);
  return base.map((b, i) => {
    let layer: Buffer[] = [];
    for (let j = 0; j < b.width; j++) {
      const hash = found.get(`${b.level}:${b.from + j}`);
      if (!hash) {
        throw new Error(
          `audit tree node ${b.level}:${b.from + j} is missing (needed for ${nodes[i]!.level}:${nodes[i]!.idx})`,
        );
      }
      layer.push(hash);
    }
    while (layer.length > 1) {
      const next: Buffer[] = [];
      for (let j = 0; j < layer.length; j += 2) next.push(h.node(layer[j]!, layer[j + 1]!));
      layer = next;
    }
    return layer[0]!;
  });
}

export interface CheckpointRow {
  tree_size: number;
  root_hash: Buffer;
  time: string;
  node_code: string;
  algorithm: 'ed25519' | 'sm2';
  key_id: string;
  signature: Buffer;
}

export const CHECKPOINT_COLUMNS = `tree_size, root_hash, ${ISO_TIME} AS time, node_code, algorithm, key_id, signature`;

export function rowToCheckpoint(r: CheckpointRow): Checkpoint {
  return {
    treeSize: r.tree_size,
    rootHash: r.root_hash.toString('hex'),
    time: r.time,
    signature: r.signature.toString('base64'),
    algorithm: r.algorithm,
    keyId: r.key_id,
  };
}
