import crypto from 'node:crypto';
import type { RequestContext } from '../../platform/context.js';
import type { Pool, Queryable, Tx } from '../../platform/db/pool.js';
import type { AuditLedger } from '../../platform/audit/index.js';
import { eventFor } from '../../platform/audit/types.js';
import type { NodeIdentity } from '../../platform/crypto/types.js';
import { forbidden } from '../../platform/http/errors.js';
import { DEFAULT_KEY_DAILY_QUOTA, DEFAULT_KEY_RATE_PER_MINUTE, type CallerKey } from './open-limits.js';
import { publicProblem } from './public-messages.js';

/**
 * API keys of the public API (docs/OPENING.md "API keys"). A key is `<id>.<secret>`: the id is
 * the row's uuid, the secret 32 random bytes (base64url). The database keeps only
 * HMAC-SHA256(macKey('open-api-key'), secret): the secret carries 256 bits of entropy, so there is
 * nothing for a slow password hash (argon2, as for passwords) to protect against, and a keyed
 * hash still makes a leaked table useless without the node's data key. Verification costs one
 * HMAC per call; the key's row is cached for KEY_CACHE_MS.
 */

export const MAX_ACTIVE_KEYS = 10;
const KEY_CACHE_MS = 30_000;
const KEY_PATTERN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

export interface ApiKey {
  id: string;
  userId: string;
  name: string;
  rateLimit: number;
  dailyQuota: number;
  status: 'active' | 'revoked';
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: Buffer;
  rate_limit: number;
  daily_quota: number;
  status: 'active' | 'revoked';
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const present = (r: KeyRow): ApiKey => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  rateLimit: r.rate_limit,
  dailyQuota: r.daily_quota,
  status: r.status,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

function userOf(ctx: RequestContext): string {
  if (ctx.actor.kind !== 'user') throw forbidden();
  return ctx.actor.id;
}

export interface Services {
  pool: Pool;
  ledger: AuditLedger;
  identity: NodeIdentity;
}

/** Verifies keys and issues them; one per process (the cache lives here). */
export class ApiKeys {
  private readonly hmacKey: Buffer;
  private readonly cache = new Map<string, { row: (KeyRow & { disabled: boolean }) | null; until: number }>();

  constructor(private readonly services: Services) {
    this.hmacKey = services.identity.macKey('open-api-key');
  }

  secretHash(secret: string): Buffer {
    return crypto.createHmac('sha256', this.hmacKey).update(secret, 'utf8').digest();
  }

  /** Issues a key for the calling user: the full key is in the answer and nowhere else. */
  async create(ctx: RequestContext, tx: Tx, name: string): Promise<ApiKey & { key: string }> {
    const userId = userOf(ctx);
    // Serialises one user's concurrent creations so that the cap holds.
    await tx.query('SELECT pg_advisory_xact_lock(7434021, hashtext($1))', [userId]);
    const { rows: count } = await tx.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM datong.open_api_keys WHERE user_id = $1 AND status = 'active'`,
      [userId],
    );
    if ((count[0]?.n ?? 0) >= MAX_ACTIVE_KEYS) {
      throw publicProblem(409, 'open_key_limit', { max: MAX_ACTIVE_KEYS });
    }
    const secret = crypto.randomBytes(32).toString('base64url');
    const { rows } = await tx.query<KeyRow>(
      `INSERT INTO datong.open_api_keys (user_id, name, secret_hash, rate_limit, daily_quota)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [userId, name.trim(), this.secretHash(secret), DEFAULT_KEY_RATE_PER_MINUTE, DEFAULT_KEY_DAILY_QUOTA],
    );
    const row = rows[0]!;
    await this.services.ledger.record(
      tx,
      eventFor(ctx, {
        action: 'open.key.create',
        objectType: 'open_api_key',
        objectId: row.id,
        detail: { name: row.name, rateLimit: row.rate_limit, dailyQuota: row.daily_quota },
      }),
    );
    return { ...present(row), key: `${row.id}.${secret}` };
  }

  async list(ctx: RequestContext, q: Queryable): Promise<ApiKey[]> {
    const { rows } = await q.query<KeyRow>(
      `SELECT * FROM datong.open_api_keys WHERE user_id = $1 ORDER BY created_at DESC, id`,
      [userOf(ctx)],
    );
    return rows.map(present);
  }

  /** Revokes one of the caller's keys (again is fine); any other key is missing (404). */
  async revoke(ctx: RequestContext, tx: Tx, id: string): Promise<void> {
    const { rows } = await tx.query<KeyRow>(
      `SELECT * FROM datong.open_api_keys WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, userOf(ctx)],
    );
    const row = rows[0];
    if (!row) throw publicProblem(404, 'open_key_not_found', { id });
    if (row.status === 'active') {
      await tx.query(`UPDATE datong.open_api_keys SET status = 'revoked', revoked_at = now() WHERE id = $1`, [
        id,
      ]);
      await this.services.ledger.record(
        tx,
        eventFor(ctx, {
          action: 'open.key.revoke',
          objectType: 'open_api_key',
          objectId: id,
          detail: { name: row.name },
        }),
      );
    }
    this.cache.delete(id);
  }

  /** Forgets a cached key (after its revocation commits). */
  invalidate(id: string): void {
    this.cache.delete(id);
  }

  /**
   * The key a presented `<id>.<secret>` stands for, or null when it is malformed, unknown,
   * revoked, its user disabled or its secret wrong. Unknown ids are cached too, briefly, so that a stream of
   * made-up keys does not become a stream of queries.
   */
  async verify(presented: string): Promise<CallerKey | null> {
    const m = KEY_PATTERN.exec(presented.trim());
    if (!m) return null;
    const id = m[1]!;
    const secret = m[2]!;
    const now = Date.now();
    let hit = this.cache.get(id);
    if (!hit || hit.until <= now) {
      const { rows } = await this.services.pool.query<KeyRow & { disabled: boolean }>(
        `SELECT k.*, u.disabled FROM datong.open_api_keys k JOIN datong.users u ON u.id = k.user_id
          WHERE k.id = $1`,
        [id],
      );
      if (this.cache.size > 50_000) this.cache.clear();
      hit = { row: rows[0] ?? null, until: now + KEY_CACHE_MS };
      this.cache.set(id, hit);
    }
    const row = hit.row;
    // A disabled user's keys stop working with the account.
    if (!row || row.status !== 'active' || row.disabled) return null;
    if (!crypto.timingSafeEqual(this.secretHash(secret), row.secret_hash)) return null;
    return { id: row.id, userId: row.user_id, rateLimit: row.rate_limit, dailyQuota: row.daily_quota };
  }
}

const shared = new WeakMap<Pool, ApiKeys>();

/** The one ApiKeys of a node process's pool. */
export function apiKeysOf(services: Services): ApiKeys {
  let k = shared.get(services.pool);
  if (!k) {
    k = new ApiKeys(services);
    shared.set(services.pool, k);
  }
  return k;
}
