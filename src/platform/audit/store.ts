import type { Queryable } from '../db/pool.js';
import type { NodeIdentity } from '../crypto/types.js';
import { treeHasher, type NodeRef, type TreeHasher } from './merkle.js';
import type { AuditEvent, AuditEventInput, Checkpoint } from './types.js';

/** Internal node hashes are stored every STRIDE levels (see migrations/0002_audit.sql). */
export const STRIDE = 4;

/** Times leave the database as the exact ISO string the canonical entry uses: no Date round trip. */
export const ISO_TIME = `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The event list reads the entry itself and parses it in Node: it is the event, keys and all
 * (see canonical.ts), and the generated columns are only its projections for SQL filters.
 */
export const EVENT_COLUMNS = 'seq, entry';

export interface EventRow {
  seq: number;
  entry: string;
}

export function rowToEvent(r: EventRow): AuditEvent {
  const e = JSON.parse(r.entry) as AuditEvent;
  // The row's position is authoritative for paging; verify checks that the two agree.
  e.seq = r.seq;
  return e;
}

/**
 * Inserts events into the staging table with one statement however many there are: column
 * arrays unnested server-side (one round trip, one parse, no per-row statement overhead).
 */
export async function insertPending(q: Queryable, events: readonly AuditEventInput[]): Promise<void> {
  if (events.length === 0) return;
  const col = <K extends keyof AuditEventInput>(k: K) => events.map((e) => e[k]);
  await q.query({
    name: 'datong_audit_pending',
    text: `INSERT INTO audit.pending (actor_type, actor_id, actor_name, org_id, action, object_type, object_id,
       result, client_ip, request_id, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::text[], $10::text[], $11::jsonb[])`,
    values: [
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
  });
}

/** Largest number of stored hashes of each kind kept in memory by a ledger's TreeReader. */
const NODE_CACHE = 131_072;
const LEAF_CACHE = 65_536;
const CHECKPOINT_CACHE = 1024;
/** Stored hashes are fetched in aligned runs of this many siblings (one tile). */
const TILE = 2 ** STRIDE;

/** A bounded map that forgets the least recently used key (Map keeps insertion order). */
class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max: number) {}
  get(k: K): V | undefined {
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }
  set(k: K, v: V): void {
    this.map.delete(k);
    this.map.set(k, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K);
  }
  clear(): void {
    this.map.clear();
  }
}

/** A stored hash: level 0 = leaf hash (audit.event), else a multiple of STRIDE (audit.node). */
const key = (level: number, idx: number): number => idx * 64 + level;

export interface TreeRead {
  /** Hashes of the perfect subtrees asked for, in order; throws if one is not stored. */
  hashes(): Buffer[];
  /** Current tree size, when asked for and not known from an earlier read. */
  size: number | null;
  /** Checkpoint at the size asked for (null: none), when asked for. */
  checkpoint: CheckpointRow | null | undefined;
}

/**
 * Reads perfect-subtree hashes for proofs. Stored hashes never change once committed (the tables
 * are append-only and a position is sequenced once), so they are cached in process: internal
 * nodes (about n/15 of them, so a million-event tree's fit entirely), recently used leaf hashes
 * and checkpoints. Whatever is missing — plus, on request, the tree size and a checkpoint — comes
 * from ONE statement, fetching whole aligned tiles of 16 siblings: an inclusion proof needs 15 of
 * each tile's 16 anyway, and neighbours warm the cache. The cache is filled only from what a read
 * returned (committed rows), never from a sequencing transaction that might still roll back.
 */
export class TreeReader {
  private readonly nodes = new Lru<number, Buffer>(NODE_CACHE);
  private readonly leaves = new Lru<number, Buffer>(LEAF_CACHE);
  private readonly checkpoints = new Lru<number, CheckpointRow>(CHECKPOINT_CACHE);
  /** Largest tree size seen: the ledger only grows, so smaller sizes need no size query. */
  knownSize = 0;

  constructor(private readonly h: TreeHasher) {}

  /** Forgets everything (e.g. when the database might have been replaced). */
  clear(): void {
    this.nodes.clear();
    this.leaves.clear();
    this.checkpoints.clear();
    this.knownSize = 0;
  }

  async read(
    q: Queryable,
    nodes: readonly NodeRef[],
    opts: { sizeAtLeast?: number; checkpointAt?: number } = {},
  ): Promise<TreeRead> {
    const base = nodes.map((n) => {
      const level = n.level - (n.level % STRIDE);
      const width = 2 ** (n.level - level);
      return { level, from: n.idx * width, width };
    });
    const found = new Map<number, Buffer>();
    const leafTiles = new Set<number>();
    const nodeTiles = new Map<number, Set<number>>();
    for (const b of base) {
      for (let i = 0; i < b.width; i++) {
        const idx = b.from + i;
        const k = key(b.level, idx);
        if (found.has(k)) continue;
        const hit = b.level === 0 ? this.leaves.get(idx) : this.nodes.get(k);
        if (hit) found.set(k, hit);
        else if (b.level === 0) leafTiles.add(idx - (idx % TILE));
        else {
          let tiles = nodeTiles.get(b.level);
          if (!tiles) nodeTiles.set(b.level, (tiles = new Set()));
          tiles.add(idx - (idx % TILE));
        }
      }
    }
    const wantSize = opts.sizeAtLeast !== undefined && opts.sizeAtLeast > this.knownSize;
    let checkpoint: CheckpointRow | null | undefined;
    if (opts.checkpointAt !== undefined) checkpoint = this.checkpoints.get(opts.checkpointAt) ?? undefined;
    const wantCheckpoint = opts.checkpointAt !== undefined && checkpoint === undefined;
    let size: number | null = null;

    if (leafTiles.size || nodeTiles.size || wantSize || wantCheckpoint) {
      const leafLo = [...leafTiles];
      const nodeLevel: number[] = [];
      const nodeLo: number[] = [];
      for (const [level, tiles] of nodeTiles) {
        for (const lo of tiles) {
          nodeLevel.push(level);
          nodeLo.push(lo);
        }
      }
      // level -1: the tree size; level -2: the checkpoint, as JSON text in `meta`.
      const { rows } = await q.query<[number, number, Buffer | null, string | null]>({
        name: 'audit-tree-read',
        text: `SELECT 0::int2, e.seq, e.leaf_hash, NULL::text
                 FROM unnest($1::int8[]) AS w(lo) JOIN audit.event e ON e.seq >= w.lo AND e.seq < w.lo + ${TILE}
               UNION ALL
               SELECT n.level, n.idx, n.hash, NULL
                 FROM unnest($2::int2[], $3::int8[]) AS w(level, lo)
                 JOIN audit.node n ON n.level = w.level AND n.idx >= w.lo AND n.idx < w.lo + ${TILE}
               UNION ALL
               SELECT -1::int2, (SELECT coalesce(max(seq) + 1, 0) FROM audit.event), NULL, NULL WHERE $4::bool
               UNION ALL
               SELECT -2::int2, tree_size, NULL, json_build_object('root_hash', encode(root_hash, 'hex'),
                        'time', ${ISO_TIME}, 'node_code', node_code, 'algorithm', algorithm, 'key_id', key_id,
                        'signature', encode(signature, 'hex'))::text
                 FROM audit.checkpoint WHERE $5::bool AND tree_size = $6::int8`,
        values: [leafLo, nodeLevel, nodeLo, wantSize, wantCheckpoint, opts.checkpointAt ?? 0],
        rowMode: 'array',
      });
      if (wantCheckpoint) checkpoint = null;
      for (const [level, idx, hash, meta] of rows) {
        if (level === 0) {
          this.leaves.set(idx, hash!);
          found.set(key(0, idx), hash!);
        } else if (level > 0) {
          const k = key(level, idx);
          this.nodes.set(k, hash!);
          found.set(k, hash!);
        } else if (level === -1) {
          size = idx;
          this.knownSize = Math.max(this.knownSize, idx);
        } else {
          const m = JSON.parse(meta!) as Record<string, string>;
          checkpoint = {
            tree_size: idx,
            root_hash: Buffer.from(m.root_hash!, 'hex'),
            time: m.time!,
            node_code: m.node_code!,
            algorithm: m.algorithm as CheckpointRow['algorithm'],
            key_id: m.key_id!,
            signature: Buffer.from(m.signature!, 'hex'),
          };
          this.checkpoints.set(idx, checkpoint);
        }
      }
    }
    if (opts.sizeAtLeast !== undefined && size === null) size = this.knownSize;

    const h = this.h;
    return {
      size,
      checkpoint,
      hashes: () =>
        base.map((b, i) => {
          let layer: Buffer[] = [];
          for (let j = 0; j < b.width; j++) {
            const hash = found.get(key(b.level, b.from + j));
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
        }),
    };
  }
}

/**
 * Hashes of perfect subtrees, in the order asked, without a cache (the sequencer reloading its
 * compact range inside its own transaction).
 */
export async function fetchPerfect(
  q: Queryable,
  h: TreeHasher,
  nodes: readonly NodeRef[],
): Promise<Buffer[]> {
  return (await new TreeReader(h).read(q, nodes)).hashes();
}

/** The tree hasher of a node's suite, with the one-shot digest fast path. */
export function hasherFor(identity: Pick<NodeIdentity, 'hash' | 'algorithm'>): TreeHasher {
  return treeHasher(identity.hash, identity.algorithm === 'sm2' ? 'sm3' : 'sha256');
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
