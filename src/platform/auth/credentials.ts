import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/pool.js';
import type { NodeIdentity } from '../crypto/types.js';
import { signingKeyOf } from './signature.js';
import * as store from './store.js';

/** Issuing and ending credentials: sessions, bearer tokens and application signing keys. */

export const SESSION_COOKIE = 'datong_session';
export const SESSION_IDLE_SECONDS = 8 * 3600;
export const SESSION_MAX_SECONDS = 12 * 3600;
export const TOKEN_SECONDS = 12 * 3600;

/** Random tokens are 32 bytes; only their SHA-256 is stored, so a database leak opens nothing. */
export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): Buffer {
  return crypto.createHash('sha256').update(token, 'utf8').digest();
}

export interface NewSession {
  sessionId: string;
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(q: Queryable, userId: string): Promise<NewSession> {
  const token = newToken();
  const csrfToken = crypto.randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_MAX_SECONDS * 1000);
  const sessionId = await store.insertSession(q, {
    tokenHash: tokenHash(token),
    userId,
    csrfToken,
    expiresAt,
  });
  // Logging in is a good moment to sweep what expired; it keeps the tables small without a job.
  await store.pruneExpired(q);
  return { sessionId, token, csrfToken, expiresAt };
}

export async function createAccessToken(
  q: Queryable,
  userId: string,
): Promise<{ tokenId: string; token: string; expiresAt: Date }> {
  const token = newToken();
  const expiresAt = new Date(Date.now() + TOKEN_SECONDS * 1000);
  const tokenId = await store.insertToken(q, { tokenHash: tokenHash(token), userId, expiresAt });
  return { tokenId, token, expiresAt };
}

export const endSession = store.deleteSession;
export const endAccessToken = store.deleteToken;
export const endUserCredentials = store.endUserCredentials;
export const sessionCsrf = store.sessionCsrf;

/** Sets the session cookie: httpOnly, SameSite=Strict, Secure when the request came over HTTPS. */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, s: NewSession): void {
  reply.setCookie(SESSION_COOKIE, s.token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    path: '/',
    // The server enforces the 12 h limit; the browser forgets the cookie at the same moment.
    expires: s.expiresAt,
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    path: '/',
  });
}

// Every authenticator's cache of opened signing keys registers here, so that a revocation in
// this process takes effect at once (other processes see it when their short TTL runs out).
const credentialCaches = new Set<Map<string, unknown>>();

export function registerCredentialCache(cache: Map<string, unknown>): void {
  credentialCaches.add(cache);
}

export function invalidateCredential(keyId: string): void {
  for (const cache of credentialCaches) cache.delete(keyId);
}

export interface IssuedCredential extends store.CredentialRow {
  /** Shown once to the caller; never stored. */
  secret: string;
}

/**
 * Issues a signing credential for an application. The secret is returned once; the database
 * keeps only seal(SHA-256(secret)), which is all the server needs to check HMACs.
 */
export async function issueCredential(
  q: Queryable,
  identity: NodeIdentity,
  c: { appId: string; createdBy: string | null; expiresAt: Date | null },
): Promise<IssuedCredential> {
  const keyId = `dk_${crypto.randomBytes(12).toString('hex')}`;
  const secret = `dsk_${crypto.randomBytes(32).toString('base64url')}`;
  const signingKeySealed = identity.seal(signingKeyOf(secret));
  const row = await store.insertCredential(q, { ...c, keyId, signingKeySealed });
  return { ...row, secret };
}

export async function revokeCredential(
  q: Queryable,
  appId: string,
  keyId: string,
): Promise<store.CredentialRow | undefined> {
  const row = await store.revokeCredentialRow(q, appId, keyId);
  if (row) invalidateCredential(keyId);
  return row;
}

export const listCredentials = store.listCredentialRows;
export type { CredentialRow } from './store.js';
