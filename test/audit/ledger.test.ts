import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointText, createLedger, type AuditLedger } from '../../src/platform/audit/index.js';
import type { NodeIdentity } from '../../src/platform/crypto/types.js';
import { withTx } from '../../src/platform/db/pool.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { testIdentity, sampleEvent } from './helpers.js';
import { verifyConsistency, verifyInclusion } from './rfc9162-verifier.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe.each(['intl', 'gm'] as const)('audit ledger (%s)', (suite) => {
  let db: TestDatabase;
  let identity: NodeIdentity;
  let cleanup: () => Promise<void>;
  let ledger: AuditLedger;
  const algo = suite === 'gm' ? 'sm3' : 'sha256';

  beforeAll(async () => {
    db = await testDatabase();
    ({ identity, cleanup } = await testIdentity(suite));
    ledger = createLedger({ pool: db.pool, identity });
  });
  afterAll(async () => {
    await ledger.close();
    await db.drop();
    await cleanup();
  });

  it('record() in a rolled-back transaction leaves no event; a committed one is sequenced', async () => {
    await expect(
      withTx(db.pool, async (tx) => {
        await ledger.record(tx, sampleEvent(0, { action: 'rolled.back' }));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await withTx(db.pool, (tx) => ledger.record(tx, sampleEvent(1, { action: 'committed' })));
    const cp = await ledger.flush();
    expect(cp?.treeSize).toBe(1);
    const page = await ledger.listEvents();
    expect(page.items.map((e) => e.action)).toEqual(['committed']);
    expect(page.items[0]!.seq).toBe(0);
    expect(page.items[0]!.detail).toEqual(sampleEvent(1).detail);
  });

  it('group-commits 2000 concurrent appends into consecutive seqs and a valid tree', async () => {
    const before = await ledger.treeSize();
    await Promise.all(Array.from({ length: 2000 }, (_, i) => ledger.append(sampleEvent(i))));
    const cp = await ledger.flush();
    expect(cp?.treeSize).toBe(before + 2000);
    const { rows } = await db.pool.query<{ n: number; lo: number; hi: number }>(
      'SELECT count(*)::int8 AS n, min(seq) AS lo, max(seq) AS hi FROM audit.event',
    );
    expect(rows[0]).toEqual({ n: before + 2000, lo: 0, hi: before + 1999 });
    const { rows: pending } = await db.pool.query('SELECT 1 FROM audit.pending');
    expect(pending).toHaveLength(0);
    const report = await ledger.verify();
    expect(report).toMatchObject({ ok: true, treeSize: before + 2000, checkedEvents: before + 2000 });
    // The checkpoint is signed by the node key over the documented text.
    const latest = (await ledger.latestCheckpoint())!;
    const text = checkpointText(identity.code, latest.treeSize, latest.rootHash, latest.time);
    expect(identity.verify(text, Buffer.from(latest.signature, 'base64'))).toBe(true);
    expect(latest.algorithm).toBe(identity.algorithm);
  });

  it('proofs for every earlier tree size verify against the independent RFC 9162 verifier', async () => {
    const size = await ledger.treeSize();
    const roots = new Map<number, Buffer>();
    const rootOf = async (n: number) => {
      if (!roots.has(n)) roots.set(n, hex((await ledger.consistencyProof(n, n)).toRoot));
      return roots.get(n)!;
    };
    // Sizes 1..300 (all pairs up to 40), plus the full tree.
    const sizes = [...Array.from({ length: 300 }, (_, i) => i + 1), size];
    for (const n of sizes) {
      const ms = n <= 40 ? [...Array(n).keys()] : [0, n >> 1, n - 1];
      for (const m of ms) {
        const p = await ledger.inclusionProof(m, n);
        expect(hex(p.rootHash).equals(await rootOf(n))).toBe(true);
        const path = p.proof.map(hex);
        expect(verifyInclusion(algo, m, n, hex(p.leafHash), path, hex(p.rootHash))).toBe(true);
        expect(verifyInclusion(algo, m, n, hex(p.leafHash), path.slice(0, -1), hex(p.rootHash))).toBe(
          n === 1,
        );
      }
      const froms = n <= 40 ? [...Array(n).keys()].map((i) => i + 1) : [1, n >> 1, n - 1];
      for (const m of froms) {
        const c = await ledger.consistencyProof(m, n);
        expect(verifyConsistency(algo, m, n, hex(c.fromRoot), hex(c.toRoot), c.proof.map(hex))).toBe(true);
        if (m < n) {
          expect(
            verifyConsistency(algo, m, n, await rootOf(m === 1 ? 2 : 1), hex(c.toRoot), c.proof.map(hex)),
          ).toBe(false);
        }
      }
    }
    // The latest checkpoint's root is the tree root at its size.
    const latest = (await ledger.latestCheckpoint())!;
    expect(latest.rootHash).toBe((await rootOf(latest.treeSize)).toString('hex'));
  });

  it('refuses proofs outside the tree', async () => {
    const size = await ledger.treeSize();
    await expect(ledger.inclusionProof(size, size)).rejects.toMatchObject({ code: 'bad_seq' });
    await expect(ledger.inclusionProof(0, size + 1)).rejects.toMatchObject({ code: 'bad_tree_size' });
    await expect(ledger.consistencyProof(5, 4)).rejects.toMatchObject({ code: 'bad_tree_size' });
  });

  it('lists events newest first with keyset pagination and filters', async () => {
    const size = await ledger.treeSize();
    const first = await ledger.listEvents({ limit: 10 });
    expect(first.items.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => size - 1 - i));
    const second = await ledger.listEvents({ limit: 10, cursor: first.nextCursor });
    expect(second.items[0]!.seq).toBe(size - 11);
    const creates = await ledger.listEvents({ limit: 500, action: 'org.create' });
    expect(creates.items.every((e) => e.action === 'org.create')).toBe(true);
    const byActor = await ledger.listEvents({ limit: 5, actor: '用户3' });
    expect(byActor.items.every((e) => e.actorName === '用户3')).toBe(true);
    await expect(ledger.listEvents({ cursor: 'x' })).rejects.toMatchObject({ code: 'bad_cursor' });
  });

  it('the background sequencer picks up appends and checkpoints without flush()', async () => {
    const bg = createLedger({ pool: db.pool, identity, intervalMs: 20, checkpointSpacingMs: 0 });
    bg.start();
    const before = await bg.treeSize();
    await Promise.all(Array.from({ length: 50 }, (_, i) => bg.append(sampleEvent(i))));
    for (let i = 0; i < 100 && (await bg.treeSize()) < before + 50; i++)
      await new Promise((r) => setTimeout(r, 20));
    await bg.close();
    expect(await bg.treeSize()).toBe(before + 50);
    expect((await bg.latestCheckpoint())!.treeSize).toBe(before + 50);
    expect((await ledger.verify()).ok).toBe(true);
  });
});
