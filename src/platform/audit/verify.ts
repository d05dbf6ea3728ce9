import type { NodeIdentity } from '../crypto/types.js';
import type { Pool } from '../db/pool.js';
import { checkpointText } from './canonical.js';
import { CompactRange } from './merkle.js';
import { CHECKPOINT_COLUMNS, STRIDE, hasherFor, type CheckpointRow } from './store.js';

/** seq, entry (the exact text the leaf hashes), leaf_hash as PostgreSQL's hex text (`\x…`). */
type VerifyRow = [number, string, string];

/**
 * Type parsers for the verify query: seq as a number, everything else as the raw text received.
 * The leaf hash is compared as hex text instead of being decoded into a Buffer per row.
 */
const RAW_TYPES = {
  getTypeParser: (oid: number) => (oid === 20 ? Number : (v: string) => v),
};

export type VerifyCode =
  | 'ok'
  | 'seq_gap'
  | 'leaf_mismatch'
  | 'node_mismatch'
  | 'root_mismatch'
  | 'bad_signature'
  | 'unknown_key'
  | 'truncated';

export interface VerifyReport {
  ok: boolean;
  /** Code of the first problem found ('ok' when none): lets callers word it in their language. */
  code: VerifyCode;
  treeSize: number;
  checkedEvents: number;
  checkpointsChecked: number;
  firstBadPosition: number | null;
  /** English; see `reportMessage` for zh-CN. */
  message: string;
  verifiedAt: string;
  durationMs: number;
}

const BATCH = 50_000;

interface Failure {
  code: VerifyCode;
  at: number;
  message: string;
}

/**
 * Recomputes the whole ledger from row content and checks it against what is stored and signed:
 * each leaf hash, seq continuity, each stored internal node, the root at every checkpoint and
 * every checkpoint signature. Reads one REPEATABLE READ snapshot, so a sequencer appending
 * meanwhile does not disturb it, in keyset batches with the next batch fetched while the current
 * one is hashed. Stops at the first problem: after a gap or a bad leaf, nothing later can match.
 */
export async function verifyLedger(pool: Pool, identity: NodeIdentity): Promise<VerifyReport> {
  const started = Date.now();
  const h = hasherFor(identity);
  const client = await pool.connect();
  let checked = 0;
  let checkpointsChecked = 0;
  let failure: Failure | null = null;
  let treeSize: number;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Leaf hashes are compared as the server's hex text, whatever the server's default output.
    await client.query("SET LOCAL bytea_output = 'hex'");
    const { rows: cps } = await client.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit.checkpoint ORDER BY tree_size`,
    );
    const { rows: sizeRows } = await client.query<{ n: number }>(
      'SELECT coalesce(max(seq) + 1, 0)::int8 AS n FROM audit.event',
    );
    treeSize = sizeRows[0]!.n;
    // Stored internal nodes, by level then index; about n/15 of them, so they fit in memory.
    const stored = new Map<number, Map<number, Buffer>>();
    const { rows: nodeRows } = await client.query<[number, number, Buffer]>({
      text: 'SELECT level, idx, hash FROM audit.node',
      rowMode: 'array',
    });
    for (const [level, idx, hash] of nodeRows) {
      let m = stored.get(level);
      if (!m) stored.set(level, (m = new Map()));
      m.set(idx, hash);
    }
    let nodesMatched = 0;

    const tree = new CompactRange(h);
    let cpIndex = 0;
    let lastGoodCheckpoint = 0;
    const onNode = (level: number, idx: number, hash: Buffer): void => {
      if (failure || level % STRIDE !== 0) return;
      const s = stored.get(level)?.get(idx);
      if (s && s.equals(hash)) {
        nodesMatched += 1;
        return;
      }
      failure = {
        code: 'node_mismatch',
        at: idx * 2 ** level,
        message: `tree node ${level}:${idx} (events ${idx * 2 ** level}–${(idx + 1) * 2 ** level - 1}) is ${s ? 'altered' : 'missing'}`,
      };
    };
    const checkCheckpoint = (cp: CheckpointRow): void => {
      checkpointsChecked += 1;
      const root = tree.root();
      const range = `events ${lastGoodCheckpoint}–${cp.tree_size - 1}`;
      if (cp.key_id !== identity.keyId || cp.algorithm !== identity.algorithm) {
        failure = {
          code: 'unknown_key',
          at: lastGoodCheckpoint,
          message: `checkpoint ${cp.tree_size} is signed by unknown key ${cp.key_id}`,
        };
      } else if (
        !identity.verify(
          checkpointText(cp.node_code, cp.tree_size, cp.root_hash.toString('hex'), cp.time),
          cp.signature,
        )
      ) {
        failure = {
          code: 'bad_signature',
          at: lastGoodCheckpoint,
          message: `checkpoint ${cp.tree_size} has an invalid signature (${range})`,
        };
      } else if (!root.equals(cp.root_hash)) {
        failure = {
          code: 'root_mismatch',
          at: lastGoodCheckpoint,
          message: `the tree of ${cp.tree_size} events does not match its signed checkpoint (${range})`,
        };
      } else lastGoodCheckpoint = cp.tree_size;
    };

    // Only (seq, entry, leaf_hash) per row, as arrays with raw text fields: the entry is the
    // exact text the leaf hashes, so nothing is rebuilt from columns (that, and reading rows as
    // objects, was most of verify's time). The next batch is in flight while this one is hashed.
    const fetchFrom = (from: number) =>
      client.query<VerifyRow>({
        text: `SELECT seq, entry, leaf_hash FROM audit.event WHERE seq >= $1 ORDER BY seq LIMIT ${BATCH}`,
        values: [from],
        rowMode: 'array',
        types: RAW_TYPES,
      });
    let next = treeSize > 0 ? fetchFrom(0) : null;
    let nextCp = cps[0]?.tree_size ?? -1;
    while (next && !failure) {
      const { rows } = await next;
      const last = rows[rows.length - 1];
      next = rows.length === BATCH && last ? fetchFrom(last[0] + 1) : null;
      for (const row of rows) {
        const seq = row[0];
        if (seq !== tree.size) {
          failure = {
            code: 'seq_gap',
            at: tree.size,
            message: `event ${tree.size} is missing (next stored is ${seq})`,
          };
          break;
        }
        const entry = row[1];
        // The entry names its own position (canonical.ts puts seq first): a row moved to another
        // seq, hashes and all, is caught here rather than only by the next checkpoint's root.
        if (!entry.startsWith(`{"seq":${seq},`)) {
          failure = {
            code: 'leaf_mismatch',
            at: seq,
            message: `event ${seq} holds an entry that is not for position ${seq} (rows moved)`,
          };
          break;
        }
        const leaf = h.leaf(entry);
        // row[2] is `\x` followed by the hex of the stored leaf hash.
        if (row[2].length !== 2 + 2 * leaf.length || row[2].slice(2) !== leaf.toString('hex')) {
          failure = { code: 'leaf_mismatch', at: seq, message: `event ${seq} does not match its leaf hash` };
          break;
        }
        tree.append(leaf, onNode);
        checked += 1;
        if (failure) break;
        if (tree.size === nextCp) {
          while (cpIndex < cps.length && cps[cpIndex]!.tree_size === tree.size && !failure)
            checkCheckpoint(cps[cpIndex++]!);
          nextCp = cps[cpIndex]?.tree_size ?? -1;
          if (failure) break;
        }
      }
    }
    if (next) await next.catch(() => undefined); // do not leave a query running on the client
    const f = failure as Failure | null;
    if (!f && cpIndex < cps.length) {
      const cp = cps[cpIndex]!;
      failure = {
        code: 'truncated',
        at: tree.size,
        message: `checkpoint ${cp.tree_size} covers events beyond the ${tree.size} stored`,
      };
    } else if (!f && nodesMatched !== nodeRows.length) {
      failure = {
        code: 'node_mismatch',
        at: tree.size,
        message: `${nodeRows.length - nodesMatched} stored tree nodes belong to no event`,
      };
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  const f = failure as Failure | null;
  return {
    ok: !f,
    code: f?.code ?? 'ok',
    treeSize,
    checkedEvents: checked,
    checkpointsChecked,
    firstBadPosition: f?.at ?? null,
    message: f?.message ?? `all ${checked} events and ${checkpointsChecked} checkpoints verified`,
    verifiedAt: new Date().toISOString(),
    durationMs: Date.now() - started,
  };
}

const ZH: Record<VerifyCode, string> = {
  ok: '审计日志校验通过',
  seq_gap: '审计日志缺失事件（序号不连续）',
  leaf_mismatch: '审计事件内容与其叶哈希不符（疑被篡改）',
  node_mismatch: '审计树内部节点不符（疑被篡改）',
  root_mismatch: '审计树根与已签名检查点不符（疑被篡改或重排）',
  bad_signature: '检查点签名无效',
  unknown_key: '检查点由未知密钥签名',
  truncated: '审计日志被截断：检查点覆盖的事件已不存在',
};

/** The report's first line in zh-CN (the English one is `report.message`). */
export function reportMessageZh(r: VerifyReport): string {
  const where = r.firstBadPosition === null ? '' : `，首个异常位置：${r.firstBadPosition}`;
  return `${ZH[r.code]}（已校验 ${r.checkedEvents} 条事件、${r.checkpointsChecked} 个检查点${where}）`;
}

/** `datong audit verify`: prints the report (zh-CN line, then English, or JSON); exit code 0 or 1. */
export async function runAuditVerify(
  opts: { json: boolean },
  pool: Pool,
  identity: NodeIdentity,
): Promise<number> {
  const report = await verifyLedger(pool, identity);
  if (opts.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(`${reportMessageZh(report)}\n`);
    process.stdout.write(
      `${report.ok ? 'OK' : 'FAILED'}: ${report.message}. tree size ${report.treeSize}, ` +
        `${report.checkedEvents} events, ${report.checkpointsChecked} checkpoints, ${report.durationMs} ms` +
        (report.firstBadPosition === null ? '' : `, first bad position ${report.firstBadPosition}`) +
        '\n',
    );
  }
  return report.ok ? 0 : 1;
}
