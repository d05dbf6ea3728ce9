import type { Queryable } from '../db/pool.js';
import { isRole, type Role } from '../policy/permissions.js';

/**
 * SQL of the credential tables (sessions, access tokens, application credentials, request
 * nonces). The identity module owns users and apps; the lookups below only read them to turn a
 * credential into an actor.
 */

export interface UserPrincipal {
  userId: string;
  username: string;
  displayName: string;
  orgId: string;
  roles: Role[];
}

interface PrincipalRow {
  user_id: string;
  username: string;
  display_name: string;
  org_id: string;
  roles: string[];
}

const principal = (r: PrincipalRow): UserPrincipal => ({
  userId: r.user_id,
  username: r.username,
  displayName: r.display_name,
  orgId: r.org_id,
  roles: r.roles.filter(isRole),
});

const PRINCIPAL_COLUMNS = `u.id AS user_id, u.username, u.display_name, u.org_id,
  ARRAY(SELECT role FROM datong.user_roles r WHERE r.user_id = u.id ORDER BY role) AS roles`;

export interface SessionRecord extends UserPrincipal {
  sessionId: string;
  csrfToken: string;
  lastSeenAt: Date;
}

/** A live session (not past its absolute or idle expiry) of an enabled user. */
export async function findLiveSession(
  q: Queryable,
  tokenHash: Buffer,
  idleSeconds: number,
): Promise<SessionRecord | undefined> {
  const { rows } = await q.query<PrincipalRow & { id: string; csrf_token: string; last_seen_at: Date }>(
    `SELECT s.id, s.csrf_token, s.last_seen_at, ${PRINCIPAL_COLUMNS}
       FROM datong.sessions s JOIN datong.users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now()
        AND s.last_seen_at > now() - make_interval(secs => $2) AND NOT u.disabled`,
    [tokenHash, idleSeconds],
  );
  const r = rows[0];
  return r && { ...principal(r), sessionId: r.id, csrfToken: r.csrf_token, lastSeenAt: r.last_seen_at };
}

export async function touchSession(q: Queryable, sessionId: string): Promise<void> {
  await q.query('UPDATE datong.sessions SET last_seen_at = now() WHERE id = $1', [sessionId]);
}

export async function insertSession(
  q: Queryable,
  s: { tokenHash: Buffer; userId: string; csrfToken: string; expiresAt: Date },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO datong.sessions (token_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [s.tokenHash, s.userId, s.csrfToken, s.expiresAt],
  );
  return (rows[0] as { id: string }).id;
}

export async function deleteSession(q: Queryable, sessionId: string): Promise<void> {
  await q.query('DELETE FROM datong.sessions WHERE id = $1', [sessionId]);
}

export async function sessionCsrf(q: Queryable, sessionId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ csrf_token: string }>(
    'SELECT csrf_token FROM datong.sessions WHERE id = $1',
    [sessionId],
  );
  return rows[0]?.csrf_token;
}

export interface TokenRecord extends UserPrincipal {
  tokenId: string;
}

export async function findLiveToken(q: Queryable, tokenHash: Buffer): Promise<TokenRecord | undefined> {
  const { rows } = await q.query<PrincipalRow & { id: string }>(
    `SELECT t.id, ${PRINCIPAL_COLUMNS}
       FROM datong.access_tokens t JOIN datong.users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.expires_at > now() AND NOT u.disabled`,
    [tokenHash],
  );
  const r = rows[0];
  return r && { ...principal(r), tokenId: r.id };
}

export async function insertToken(
  q: Queryable,
  t: { tokenHash: Buffer; userId: string; expiresAt: Date },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    'INSERT INTO datong.access_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, $3) RETURNING id',
    [t.tokenHash, t.userId, t.expiresAt],
  );
  return (rows[0] as { id: string }).id;
}

export async function deleteToken(q: Queryable, tokenId: string): Promise<void> {
  await q.query('DELETE FROM datong.access_tokens WHERE id = $1', [tokenId]);
}

export async function touchToken(q: Queryable, tokenId: string): Promise<void> {
  await q.query('UPDATE datong.access_tokens SET last_used_at = now() WHERE id = $1', [tokenId]);
}

/** Ends every session and bearer token of a user, except the ones named (the caller's own). */
export async function endUserCredentials(
  q: Queryable,
  userId: string,
  keep: { sessionId?: string | undefined; tokenId?: string | undefined } = {},
): Promise<void> {
  await q.query('DELETE FROM datong.sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2', [
    userId,
    keep.sessionId ?? null,
  ]);
  await q.query('DELETE FROM datong.access_tokens WHERE user_id = $1 AND id IS DISTINCT FROM $2', [
    userId,
    keep.tokenId ?? null,
  ]);
}

/** Drops expired sessions and tokens; cheap thanks to the expires_at indexes. */
export async function pruneExpired(q: Queryable): Promise<void> {
  await q.query('DELETE FROM datong.sessions WHERE expires_at < now()');
  await q.query('DELETE FROM datong.access_tokens WHERE expires_at < now()');
}

export interface CredentialRecord {
  keyId: string;
  signingKeySealed: Buffer;
  expiresAt: Date | null;
  revokedAt: Date | null;
  appId: string;
  appName: string;
  orgId: string;
}

export async function findCredential(q: Queryable, keyId: string): Promise<CredentialRecord | undefined> {
  const { rows } = await q.query<{
    key_id: string;
    signing_key_sealed: Buffer;
    expires_at: Date | null;
    revoked_at: Date | null;
    app_id: string;
    app_name: string;
    org_id: string;
  }>(
    `SELECT c.key_id, c.signing_key_sealed, c.expires_at, c.revoked_at, a.id AS app_id, a.name AS app_name, a.org_id
       FROM datong.app_credentials c JOIN datong.apps a ON a.id = c.app_id
      WHERE c.key_id = $1`,
    [keyId],
  );
  const r = rows[0];
  return (
    r && {
      keyId: r.key_id,
      signingKeySealed: r.signing_key_sealed,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      appId: r.app_id,
      appName: r.app_name,
      orgId: r.org_id,
    }
  );
}

export interface CredentialRow {
  keyId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

interface CredentialDbRow {
  key_id: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const credentialRow = (r: CredentialDbRow): CredentialRow => ({
  keyId: r.key_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
});

const CREDENTIAL_COLUMNS = 'key_id, created_at, expires_at, revoked_at, last_used_at';

export async function insertCredential(
  q: Queryable,
  c: {
    appId: string;
    keyId: string;
    signingKeySealed: Buffer;
    createdBy: string | null;
    expiresAt: Date | null;
  },
): Promise<CredentialRow> {
  const { rows } = await q.query<CredentialDbRow>(
    `INSERT INTO datong.app_credentials (app_id, key_id, signing_key_sealed, created_by, expires_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${CREDENTIAL_COLUMNS}`,
    [c.appId, c.keyId, c.signingKeySealed, c.createdBy, c.expiresAt],
  );
  return credentialRow(rows[0] as CredentialDbRow);
}

export async function listCredentialRows(q: Queryable, appId: string): Promise<CredentialRow[]> {
  const { rows } = await q.query<CredentialDbRow>(
    `SELECT ${CREDENTIAL_COLUMNS} FROM datong.app_credentials WHERE app_id = $1 ORDER BY created_at DESC, key_id`,
    [appId],
  );
  return rows.map(credentialRow);
}

/** Revokes a credential of an app; undefined when the app has no such credential. Idempotent. */
export async function revokeCredentialRow(
  q: Queryable,
  appId: string,
  keyId: string,
): Promise<CredentialRow | undefined> {
  const { rows } = await q.query<CredentialDbRow>(
    `UPDATE datong.app_credentials SET revoked_at = coalesce(revoked_at, now())
      WHERE app_id = $1 AND key_id = $2 RETURNING ${CREDENTIAL_COLUMNS}`,
    [appId, keyId],
  );
  return rows[0] && credentialRow(rows[0]);
}

export async function touchCredential(q: Queryable, keyId: string): Promise<void> {
  await q.query('UPDATE datong.app_credentials SET last_used_at = now() WHERE key_id = $1', [keyId]);
}

/**
 * Records nonces, many in one statement; returns the `key_id\nnonce` pairs it recorded (a pair
 * missing from the answer was already used: a replay).
 *
 * The statement commits asynchronously (synchronous_commit off, for its own transaction only):
 * a claim needs no flush of its own because whatever the claiming request does next that
 * matters — its audit event, its write — commits durably after it, and flushing the WAL up to a
 * later commit flushes every earlier one. A crash can lose only the claims of requests that had
 * not yet committed anything, and so had not answered.
 */
export async function claimNonces(
  q: Queryable,
  claims: readonly { keyId: string; nonce: string }[],
): Promise<Set<string>> {
  const { rows } = await q.query<{ key_id: string; nonce: string }>({
    name: 'datong_claim_nonces',
    text: `WITH cfg AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
           INSERT INTO datong.request_nonces (key_id, nonce)
           SELECT k, n FROM unnest($1::text[], $2::text[]) AS u(k, n), cfg
           ON CONFLICT DO NOTHING RETURNING key_id, nonce`,
    values: [claims.map((c) => c.keyId), claims.map((c) => c.nonce)],
  });
  return new Set(rows.map((r) => `${r.key_id}\n${r.nonce}`));
}

export async function pruneNonces(q: Queryable): Promise<void> {
  await q.query("DELETE FROM datong.request_nonces WHERE seen_at < now() - interval '10 minutes'");
}
