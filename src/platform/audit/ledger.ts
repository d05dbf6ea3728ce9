import type { Logger } from 'pino';
import type { Pool, Queryable } from '../db/pool.js';
import type { NodeIdentity } from '../crypto/types.js';
import { checkpointText } from './canonical.js';
import {
  CompactRange,
  compactCover,
  consistencyRanges,
  inclusionRanges,
  rangeHashes,
  type NodeRef,
  type Range,
  type TreeHasher,
} from './merkle.js';
import {
  CHECKPOINT_COLUMNS,
  EVENT_COLUMNS,
  TreeReader,
  fetchPerfect,
  hasherFor,
  insertPending,
  rowToCheckpoint,
  rowToEvent,
  type CheckpointRow,
  type EventRow,
} from './store.js';
import { sequenceBatch } from './sequencer.js';
import type { AuditEvent, AuditEventInput, Checkpoint, Ledger } from './types.js';
import { verifyLedger, type VerifyReport } from './verify.js';

/** Advisory lock held (per transaction) by whichever process is sequencing. */
export const SEQUENCER_LOCK = 7434002;

export type LedgerLog = Pick<Logger, 'error' | 'warn' | 'debug'>;

export interface LedgerOptions {
  pool: Pool;
  identity: NodeIdentity;
  log?: LedgerLog;
  /** Sequencer period. */
  intervalMs?: number;
  /** Pending rows moved per sequencing transaction. */
  batchSize?: number;
  /** Minimum spacing of checkpoints signed by the background sequencer (flush() ignores it). */
  checkpointSpacingMs?: number;
  /** Group-commit: events per INSERT and INSERTs in flight at once. */
  appendBatch?: number;
  appendInFlight?: number;
}

export interface InclusionProof {
  seq: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  /** Hex hashes, RFC 9162 order (the leaf's sibling first). */
  proof: string[];
  checkpoint: Checkpoint | null;
}

export interface ConsistencyProof {
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
}

export interface EventPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

export interface ListEventsQuery {
  limit?: number;
  /** Opaque: events strictly older than this cursor. */
  cursor?: string | null;
  action?: string | null;
  /** Actor id or name. */
  actor?: string | null;
}

/** A bad proof or page request (the routes answer 400). */
export class LedgerRequestError extends Error {
  constructor(
    readonly code: 'bad_seq' | 'bad_tree_size' | 'bad_range' | 'bad_cursor',
    message: string,
    readonly params: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface AuditLedger extends Ledger {
  readonly hasher: TreeHasher;
  /** Number of sequenced events. */
  treeSize(): Promise<number>;
  latestCheckpoint(): Promise<Checkpoint | null>;
  checkpointAt(treeSize: number): Promise<Checkpoint | null>;
  inclusionProof(seq: number, treeSize: number): Promise<InclusionProof>;
  consistencyProof(from: number, to: number): Promise<ConsistencyProof>;
  listEvents(q?: ListEventsQuery): Promise<EventPage>;
  verify(): Promise<VerifyReport>;
}

/**
 * The platform's services carry the ledger as the narrow `Ledger`; routes that read it need the
 * full ledger this module creates.
 */
export function asAuditLedger(ledger: Ledger): AuditLedger {
  if (typeof (ledger as Partial<AuditLedger>).inclusionProof !== 'function') {
    throw new Error('the configured ledger is not the audit ledger (createLedger)');
  }
  return ledger as AuditLedger;
}

interface Waiter {
  event: AuditEventInput;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function createLedger(opts: LedgerOptions): AuditLedger {
  const { pool, identity } = opts;
  const log = opts.log;
  const h = hasherFor(identity);
  // Proof reads: stored hashes cached in process (see TreeReader).
  const reader = new TreeReader(h);
  const intervalMs = opts.intervalMs ?? 100;
  const batchSize = opts.batchSize ?? 10_000;
  const spacingMs = opts.checkpointSpacingMs ?? 1000;
  const appendBatch = opts.appendBatch ?? 10_000;
  const appendInFlight = opts.appendInFlight ?? 2;

  // ---- group commit ------------------------------------------------------------------------
  // Appends queue up while earlier INSERTs are in flight; each INSERT carries everything queued
  // (one statement, one commit), and its callers resolve only after that commit returns.
  const queue: Waiter[] = [];
  let inFlight = 0;
  const idle: (() => void)[] = [];
  const pump = (): void => {
    while (inFlight < appendInFlight && queue.length > 0) {
      const batch = queue.splice(0, appendBatch);
      inFlight += 1;
      insertPending(
        pool,
        batch.map((w) => w.event),
      )
        .then(
          () => batch.forEach((w) => w.resolve()),
          (e: unknown) => batch.forEach((w) => w.reject(e)),
        )
        .finally(() => {
          inFlight -= 1;
          pump();
          if (inFlight === 0 && queue.length === 0) idle.splice(0).forEach((f) => f());
        });
    }
  };
  const appendsDone = (): Promise<void> =>
    inFlight === 0 && queue.length === 0 ? Promise.resolve() : new Promise((r) => idle.push(r));

  // ---- sequencer ---------------------------------------------------------------------------
  // The in-memory compact range of the sequenced tree, trusted only while audit.event still has
  // exactly `tree.size` rows (another process may have sequenced in between).
  let tree: CompactRange | null = null;
  let writerRole: boolean | null = null;
  // Rounds in this process run one after another; across processes the advisory lock decides.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  async function loadTree(q: Queryable, size: number): Promise<CompactRange> {
    const cover = compactCover(size);
    const hashes = cover.length ? await fetchPerfect(q, h, cover) : [];
    return new CompactRange(
      h,
      size,
      cover.map((c, i) => ({ level: c.level, hash: hashes[i]! })),
    );
  }

  /** One sequencing transaction. Returns how many events moved and the checkpoint it signed. */
  async function round(force: boolean): Promise<{ moved: number; checkpoint: Checkpoint | null }> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      if (force) await client.query('SELECT pg_advisory_xact_lock($1)', [SEQUENCER_LOCK]);
      else {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
          SEQUENCER_LOCK,
        ]);
        if (!rows[0]?.ok) {
          await client.query('ROLLBACK');
          return { moved: 0, checkpoint: null };
        }
      }
      if (writerRole === null) {
        const { rows } = await client.query<{ ok: boolean }>(
          `SELECT pg_has_role(current_user, 'datong_audit_writer', 'MEMBER') AS ok`,
        );
        writerRole = rows[0]?.ok ?? false;
      }
      // Least privilege for the writes: from here on this transaction can only append.
      if (writerRole) await client.query('SET LOCAL ROLE datong_audit_writer');
      const { rows: sizeRows } = await client.query<{ n: number }>(
        'SELECT coalesce(max(seq) + 1, 0)::int8 AS n FROM audit.event',
      );
      const size = sizeRows[0]!.n;
      if (!tree || tree.size !== size) tree = await loadTree(client, size);
      const work = tree.clone();
      const moved = await sequenceBatch(client, h, work, batchSize);

      let checkpoint: Checkpoint | null = null;
      const { rows: cpRows } = await client.query<{ tree_size: number; ms: number }>(
        `SELECT tree_size, (extract(epoch FROM time) * 1000)::int8 AS ms FROM audit.checkpoint
          ORDER BY tree_size DESC LIMIT 1`,
      );
      const last = cpRows[0];
      const due = !last || force || Date.now() - last.ms >= spacingMs;
      if (work.size > (last?.tree_size ?? 0) && due) checkpoint = await signCheckpoint(client, work);
      await client.query('COMMIT');
      tree = work;
      reader.knownSize = Math.max(reader.knownSize, work.size);
      return { moved, checkpoint };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      tree = null; // the commit may or may not have happened: reload next time
      throw e;
    } finally {
      client.release();
    }
  }

  async function signCheckpoint(q: Queryable, work: CompactRange): Promise<Checkpoint> {
    const time = new Date().toISOString();
    const root = work.root();
    const signature = identity.sign(checkpointText(identity.code, work.size, root.toString('hex'), time));
    await q.query(
      `INSERT INTO audit.checkpoint (tree_size, root_hash, time, node_code, algorithm, key_id, signature)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [work.size, root, time, identity.code, identity.algorithm, identity.keyId, signature],
    );
    return {
      treeSize: work.size,
      rootHash: root.toString('hex'),
      time,
      signature: signature.toString('base64'),
      algorithm: identity.algorithm,
      keyId: identity.keyId,
    };
  }

  /** Rounds until the staging table is drained; the last checkpoint signed, if any. */
  async function drain(force: boolean): Promise<Checkpoint | null> {
    let signed: Checkpoint | null = null;
    for (;;) {
      const { moved, checkpoint } = await round(force);
      signed = checkpoint ?? signed;
      if (moved < batchSize) return signed;
    }
  }

  let timer: NodeJS.Timeout | null = null;
  let running = false;
  const tick = (): void => {
    timer = null;
    serial(() => drain(false))
      .catch((e: unknown) => log?.error({ err: e }, 'audit sequencer round failed'))
      .finally(() => {
        if (running) timer = setTimeout(tick, intervalMs).unref();
      });
  };

  // ---- reads -------------------------------------------------------------------------------
  async function treeSize(): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(
      'SELECT coalesce(max(seq) + 1, 0)::int8 AS n FROM audit.event',
    );
    reader.knownSize = Math.max(reader.knownSize, rows[0]!.n);
    return rows[0]!.n;
  }

  async function checkpointAt(size: number): Promise<Checkpoint | null> {
    const { rows } = await pool.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit.checkpoint WHERE tree_size = $1`,
      [size],
    );
    return rows[0] ? rowToCheckpoint(rows[0]) : null;
  }

  const hex = (bs: Buffer[]) => bs.map((b) => b.toString('hex'));

  /**
   * MTH of each range, with everything a proof needs — stored hashes not yet cached, the current
   * tree size (to refuse sizes beyond it) and, if asked, the checkpoint at `checkpointAt` — read
   * in ONE statement (none at all when the cache holds it all). `check` runs on the current size
   * before any hash is combined, so an out-of-range request fails as such, not as a missing node.
   */
  async function readRanges(
    ranges: Range[],
    maxSize: number,
    check: (current: number) => void,
    checkpointAt?: number,
  ): Promise<{ hashes: Buffer[]; checkpoint: CheckpointRow | null | undefined }> {
    let checkpoint: CheckpointRow | null | undefined;
    const hashes = await rangeHashes(h, ranges, async (nodes: readonly NodeRef[]) => {
      const read = await reader.read(pool, nodes, { sizeAtLeast: maxSize, checkpointAt });
      check(read.size ?? 0);
      checkpoint = read.checkpoint;
      return read.hashes();
    });
    return { hashes, checkpoint };
  }

  function checkSize(name: string, n: number, min: number, max: number): void {
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new LedgerRequestError(
        name === 'seq' ? 'bad_seq' : 'bad_tree_size',
        `${name} ${n} is outside [${min}, ${max}]`,
        {
          name,
          value: n,
          min,
          max,
        },
      );
    }
  }

  return {
    hasher: h,
    record: (tx, event) => insertPending(tx, [event]),
    append: (event) =>
      new Promise<void>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        pump();
      }),
    start() {
      if (running) return;
      running = true;
      timer = setTimeout(tick, intervalMs).unref();
    },
    async flush() {
      await appendsDone();
      return serial(() => drain(true));
    },
    async close() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      await appendsDone();
      await serial(() => drain(true));
    },
    treeSize,
    async latestCheckpoint() {
      const { rows } = await pool.query<CheckpointRow>(
        `SELECT ${CHECKPOINT_COLUMNS} FROM audit.checkpoint ORDER BY tree_size DESC LIMIT 1`,
      );
      return rows[0] ? rowToCheckpoint(rows[0]) : null;
    },
    checkpointAt,
    async inclusionProof(seq, size) {
      const valid = (current: number) => {
        checkSize('treeSize', size, 1, current);
        checkSize('seq', seq, 0, size - 1);
      };
      // Validate what can be validated before touching the database (the size bound needs it).
      valid(Number.MAX_SAFE_INTEGER);
      // The audit path, then the root at `size`, then the leaf itself: one read for all three.
      const path = inclusionRanges(seq, size);
      const { hashes, checkpoint } = await readRanges(
        [...path, [0, size], [seq, seq + 1]],
        size,
        valid,
        size,
      );
      return {
        seq,
        treeSize: size,
        leafHash: hashes[path.length + 1]!.toString('hex'),
        rootHash: hashes[path.length]!.toString('hex'),
        proof: hex(hashes.slice(0, path.length)),
        checkpoint: checkpoint ? rowToCheckpoint(checkpoint) : null,
      };
    },
    async consistencyProof(from, to) {
      const valid = (current: number) => {
        checkSize('to', to, 1, current);
        checkSize('from', from, 1, to);
      };
      valid(Number.MAX_SAFE_INTEGER);
      const path = consistencyRanges(from, to);
      const { hashes } = await readRanges([...path, [0, from], [0, to]], to, valid);
      return {
        from,
        to,
        fromRoot: hashes[path.length]!.toString('hex'),
        toRoot: hashes[path.length + 1]!.toString('hex'),
        proof: hex(hashes.slice(0, path.length)),
      };
    },
    async listEvents(q = {}) {
      const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
      const where: string[] = [];
      const params: unknown[] = [];
      if (q.cursor) {
        if (!/^\d{1,15}$/.test(q.cursor)) throw new LedgerRequestError('bad_cursor', 'malformed cursor');
        params.push(Number(q.cursor));
        where.push(`seq < $${params.length}`);
      }
      if (q.action) {
        params.push(q.action);
        where.push(`action = $${params.length}`);
      }
      if (q.actor) {
        params.push(q.actor);
        where.push(`(actor_id = $${params.length} OR actor_name = $${params.length})`);
      }
      params.push(limit + 1);
      const { rows } = await pool.query<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM audit.event ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY seq DESC LIMIT $${params.length}`,
        params,
      );
      const items = rows.slice(0, limit).map(rowToEvent);
      const nextCursor = rows.length > limit ? String(items[items.length - 1]!.seq) : null;
      return { items, nextCursor };
    },
    verify: () => verifyLedger(pool, identity),
  };
}
