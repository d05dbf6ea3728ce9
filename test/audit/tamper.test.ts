import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, verifyLedger, type AuditLedger } from '../../src/platform/audit/index.js';
import type { NodeIdentity } from '../../src/platform/crypto/types.js';
import type { Pool } from '../../src/platform/db/pool.js';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { sampleEvent, testIdentity } from './helpers.js';

/** Runs statements with user triggers off, as a superuser attacker could. */
async function asAttacker(pool: Pool, ...sql: string[]): Promise<void> {
  const c = await pool.connect();
  try {
    await c.query('SET session_replication_role = replica');
    for (const s of sql) await c.query(s);
  } finally {
    await c.query('RESET session_replication_role').catch(() => undefined);
    c.release();
  }
}

describe('audit ledger tamper evidence', () => {
  let identity: NodeIdentity;
  let cleanup: () => Promise<void>;
  let db: TestDatabase;
  let ledger: AuditLedger;

  beforeAll(async () => {
    ({ identity, cleanup } = await testIdentity('intl'));
  });
  afterAll(async () => cleanup());

  // A fresh ledger per case: 40 events, checkpoint, 60 more, checkpoint.
  beforeEach(async () => {
    db = await testDatabase();
    ledger = createLedger({ pool: db.pool, identity });
    await Promise.all(Array.from({ length: 40 }, (_, i) => ledger.append(sampleEvent(i))));
    await ledger.flush();
    await Promise.all(Array.from({ length: 60 }, (_, i) => ledger.append(sampleEvent(40 + i))));
    await ledger.flush();
    expect((await verifyLedger(db.pool, identity)).ok).toBe(true);
  });
  afterEach(async () => {
    await ledger.close();
    await db.drop();
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE on ledger tables', async () => {
    for (const sql of [
      `UPDATE audit.event SET entry = replace(entry, 'user.read', 'x') WHERE seq = 3`,
      'DELETE FROM audit.event WHERE seq = 3',
      'TRUNCATE audit.event',
      `UPDATE audit.checkpoint SET signature = '\\x00'`,
      'DELETE FROM audit.checkpoint',
      'TRUNCATE audit.checkpoint',
      'DELETE FROM audit.node',
      'TRUNCATE audit.node CASCADE',
    ]) {
      await expect(db.pool.query(sql), sql).rejects.toThrow(/append-only/);
    }
    expect((await verifyLedger(db.pool, identity)).ok).toBe(true);
  });

  it('the structured columns cannot be changed apart from the entry, even with triggers off', async () => {
    for (const col of ['action', 'actor_id', 'actor_name']) {
      await expect(
        asAttacker(db.pool, `UPDATE audit.event SET ${col} = NULL WHERE seq = 3`),
        col,
      ).rejects.toThrow(/can only be updated to DEFAULT/);
    }
    // Rewriting the entry (triggers off) recomputes them, and verify sees the entry.
    await asAttacker(
      db.pool,
      `UPDATE audit.event SET entry = regexp_replace(entry, '"action":"[^"]*"', '"action":"x"') WHERE seq = 4`,
    );
    const { rows } = await db.pool.query<{ action: string; result: string; detail: { i: number } }>(
      'SELECT action, result, detail FROM audit.events WHERE seq = 4',
    );
    expect(rows[0]).toMatchObject({ action: 'x', result: 'success', detail: { i: expect.any(Number) } });
    expect((await ledger.listEvents({ action: 'x' })).items.map((e) => e.seq)).toEqual([4]);
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'leaf_mismatch', firstBadPosition: 4 });
  });

  it('the writer role may append but not change', async () => {
    const c = await db.pool.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL ROLE datong_audit_writer');
      await expect(c.query(`UPDATE audit.event SET entry = entry WHERE seq = 3`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  });

  it('an altered event is caught at its seq', async () => {
    await asAttacker(
      db.pool,
      `UPDATE audit.event SET entry = regexp_replace(entry, '"i":[0-9]+,', '"i":999,') WHERE seq = 17`,
    );
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'leaf_mismatch', firstBadPosition: 17 });
  });

  it('a deleted event is caught', async () => {
    await asAttacker(db.pool, 'DELETE FROM audit.event WHERE seq = 55');
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'seq_gap', firstBadPosition: 55 });
  });

  it('deleting the newest events is caught by the checkpoint', async () => {
    await asAttacker(db.pool, 'DELETE FROM audit.event WHERE seq >= 90');
    const r = await verifyLedger(db.pool, identity);
    expect(r.ok).toBe(false);
    expect(['truncated', 'node_mismatch']).toContain(r.code);
    expect(r.firstBadPosition).toBeLessThanOrEqual(90);
  });

  it('two events with swapped contents (hashes included) are caught', async () => {
    await asAttacker(
      db.pool,
      `UPDATE audit.event a SET (entry, leaf_hash) =
        (SELECT b.entry, b.leaf_hash FROM audit.event b WHERE b.seq = CASE a.seq WHEN 10 THEN 20 ELSE 10 END)
        WHERE a.seq IN (10, 20)`,
    );
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'leaf_mismatch', firstBadPosition: 10 });
  });

  it('an event rewritten together with a matching leaf hash is caught by the tree', async () => {
    // The attacker recomputes the leaf hash of the altered entry (SHA-256 for the intl suite), so
    // every leaf checks out; the stored level-4 node over events 16–31 (and the signed root) do not.
    await asAttacker(
      db.pool,
      `UPDATE audit.event SET entry = regexp_replace(entry, '"i":[0-9]+,', '"i":999,') WHERE seq = 17`,
      `UPDATE audit.event SET leaf_hash = sha256('\\x00'::bytea || convert_to(entry, 'UTF8')) WHERE seq = 17`,
    );
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'node_mismatch', firstBadPosition: 16 });
  });

  it('a rewritten event, leaf hash and tree nodes are still caught by the signed root', async () => {
    // Beyond the last stored node: events 96–99 are covered only by the checkpoint at 100.
    await asAttacker(
      db.pool,
      `UPDATE audit.event SET entry = regexp_replace(entry, '"i":[0-9]+,', '"i":999,') WHERE seq = 97`,
      `UPDATE audit.event SET leaf_hash = sha256('\\x00'::bytea || convert_to(entry, 'UTF8')) WHERE seq = 97`,
    );
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'root_mismatch', firstBadPosition: 40 });
  });

  it('a forged checkpoint signature is caught, naming its range', async () => {
    await asAttacker(
      db.pool,
      `UPDATE audit.checkpoint SET signature = set_byte(signature, 0, get_byte(signature, 0) # 1) WHERE tree_size = 100`,
    );
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'bad_signature', firstBadPosition: 40 });
  });

  it('a rewritten checkpoint root (re-signed by another key) is caught', async () => {
    await asAttacker(db.pool, `UPDATE audit.checkpoint SET key_id = 'abc' WHERE tree_size = 40`);
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'unknown_key', firstBadPosition: 0 });
  });

  it('an altered internal node is caught', async () => {
    await asAttacker(db.pool, `UPDATE audit.node SET hash = sha256(hash) WHERE level = 4 AND idx = 2`);
    const r = await verifyLedger(db.pool, identity);
    expect(r).toMatchObject({ ok: false, code: 'node_mismatch', firstBadPosition: 32 });
  });
});
