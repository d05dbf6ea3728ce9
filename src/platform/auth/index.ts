import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Services } from '../services.js';
import type { Actor } from '../policy/permissions.js';
import { SAFE_METHODS, type Authenticator } from '../http/choke-point.js';
import { AppError, problem, unauthenticated } from '../http/errors.js';
import { authMessages } from './messages.js';
import {
  MAX_SKEW_SECONDS,
  NONCE_PATTERN,
  SIGNATURE_HEADERS,
  signatureHex,
  type SignedParts,
} from './signature.js';
import { NonceClaims } from './nonces.js';
import * as store from './store.js';
import { SESSION_COOKIE, SESSION_IDLE_SECONDS, registerCredentialCache, tokenHash } from './credentials.js';

export * from './credentials.js';
export { signRequest, canonicalQuery, signingKeyOf, stringToSign, SIGNATURE_HEADERS } from './signature.js';
export type { SignRequestInput, QueryInput } from './signature.js';

/** How the current request proved who it is; routes need it for logout and GET /api/me. */
export type RequestCredential =
  | { kind: 'session'; sessionId: string; csrfToken: string }
  | { kind: 'token'; tokenId: string }
  | { kind: 'app'; keyId: string };

const credentials = new WeakMap<FastifyRequest, RequestCredential>();

export function credentialOf(req: FastifyRequest): RequestCredential | undefined {
  return credentials.get(req);
}

function authProblem(code: keyof typeof authMessages, params: Record<string, unknown> = {}): AppError {
  return new AppError(401, code, authMessages[code], params);
}

/** Constant-time comparison of two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb) && a.length === b.length;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

interface CachedKey {
  signingKey: Buffer;
  expiresAt: number | null;
  revoked: boolean;
  appId: string;
  appName: string;
  orgId: string;
  until: number;
}

/** Opened signing keys stay in memory this long: one database read per key per 30 s. */
const KEY_CACHE_MS = 30_000;
/** last_used_at / last_seen_at are written at most this often per credential. */
const TOUCH_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 60_000;

/**
 * The node's authenticator: a signed application request, a bearer token, a cookie session, or
 * nobody, in that order of precedence. On a public route, credentials that do not hold (stale
 * cookie, expired token, bad signature, missing CSRF token) leave the caller anonymous instead
 * of failing the request, so that e.g. the login page keeps working with an old cookie.
 */
export function createAuthenticator(services: Services): Authenticator {
  const { pool, identity } = services;
  const keyCache = new Map<string, CachedKey>();
  registerCredentialCache(keyCache as Map<string, unknown>);
  const touched = new Map<string, number>();
  const nonces = new NonceClaims(pool);
  let lastPrune = 0;

  const dueForTouch = (id: string): boolean => {
    const now = Date.now();
    if ((touched.get(id) ?? 0) > now - TOUCH_EVERY_MS) return false;
    touched.set(id, now);
    if (touched.size > 10_000) touched.clear();
    return true;
  };
  const background = (what: string, p: Promise<unknown>): void => {
    p.catch((err: unknown) => services.log.warn({ err }, `auth: ${what} failed`));
  };

  async function loadKey(keyId: string): Promise<CachedKey | undefined> {
    const hit = keyCache.get(keyId);
    if (hit && hit.until > Date.now()) return hit;
    const row = await store.findCredential(pool, keyId);
    if (!row) {
      keyCache.delete(keyId);
      return undefined;
    }
    const entry: CachedKey = {
      signingKey: identity.open(row.signingKeySealed),
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      revoked: row.revokedAt !== null,
      appId: row.appId,
      appName: row.appName,
      orgId: row.orgId,
      until: Date.now() + KEY_CACHE_MS,
    };
    keyCache.set(keyId, entry);
    return entry;
  }

  async function bySignature(req: FastifyRequest): Promise<Actor> {
    const keyId = header(req, SIGNATURE_HEADERS.key);
    const ts = header(req, SIGNATURE_HEADERS.timestamp);
    const nonce = header(req, SIGNATURE_HEADERS.nonce);
    const signature = header(req, SIGNATURE_HEADERS.signature);
    if (!keyId || !ts || !nonce || !signature || !/^\d{1,12}$/.test(ts) || !NONCE_PATTERN.test(nonce)) {
      throw authProblem('signature_invalid');
    }
    if (Math.abs(Math.floor(Date.now() / 1000) - Number(ts)) > MAX_SKEW_SECONDS) {
      throw authProblem('signature_expired', { maxSkew: MAX_SKEW_SECONDS });
    }
    if (keyId.length > 64) throw authProblem('signature_invalid');
    const key = await loadKey(keyId);
    if (!key || key.revoked || (key.expiresAt !== null && key.expiresAt <= Date.now())) {
      throw authProblem('signature_invalid');
    }
    const [path = '/', rawQuery = ''] = splitUrl(req.url);
    const parts: SignedParts = {
      method: req.method,
      path,
      query: rawQuery,
      body: req.rawBody ?? Buffer.alloc(0),
      timestamp: ts,
      nonce,
    };
    const expected = Buffer.from(signatureHex(key.signingKey, parts), 'hex');
    const given = /^[0-9a-fA-F]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      throw authProblem('signature_invalid');
    }
    // Only a correctly signed request may claim its nonce: otherwise anyone could burn nonces.
    if (!(await nonces.claim(keyId, nonce))) throw authProblem('signature_replayed');
    if (Date.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = Date.now();
      background('nonce prune', store.pruneNonces(pool));
    }
    if (dueForTouch(`k:${keyId}`)) background('credential touch', store.touchCredential(pool, keyId));
    credentials.set(req, { kind: 'app', keyId });
    return { kind: 'app', id: key.appId, name: key.appName, keyId, orgId: key.orgId };
  }

  async function byBearer(req: FastifyRequest, token: string): Promise<Actor> {
    const rec = token ? await store.findLiveToken(pool, tokenHash(token)) : undefined;
    if (!rec) throw unauthenticated();
    if (dueForTouch(`t:${rec.tokenId}`)) background('token touch', store.touchToken(pool, rec.tokenId));
    credentials.set(req, { kind: 'token', tokenId: rec.tokenId });
    return {
      kind: 'user',
      id: rec.userId,
      username: rec.username,
      displayName: rec.displayName,
      orgId: rec.orgId,
      roles: rec.roles,
      sessionId: undefined,
      via: 'token',
    };
  }

  async function bySession(req: FastifyRequest, token: string): Promise<Actor> {
    const rec = await store.findLiveSession(pool, tokenHash(token), SESSION_IDLE_SECONDS);
    if (!rec) throw unauthenticated();
    if (!SAFE_METHODS.has(req.method)) {
      const sent = header(req, 'x-csrf-token');
      if (!sent || !safeEqual(sent, rec.csrfToken)) throw problem(403, 'csrf');
    }
    // Idle expiry counts from the last request; writing it once a minute is precise enough.
    if (Date.now() - rec.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      background('session touch', store.touchSession(pool, rec.sessionId));
    }
    credentials.set(req, { kind: 'session', sessionId: rec.sessionId, csrfToken: rec.csrfToken });
    return {
      kind: 'user',
      id: rec.userId,
      username: rec.username,
      displayName: rec.displayName,
      orgId: rec.orgId,
      roles: rec.roles,
      sessionId: rec.sessionId,
      via: 'session',
    };
  }

  async function identify(req: FastifyRequest): Promise<Actor> {
    if (Object.values(SIGNATURE_HEADERS).some((h) => req.headers[h] !== undefined)) return bySignature(req);
    const authorization = header(req, 'authorization');
    if (authorization !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!m) throw unauthenticated();
      return byBearer(req, m[1] as string);
    }
    const cookie = req.cookies?.[SESSION_COOKIE];
    if (cookie) return bySession(req, cookie);
    return { kind: 'anonymous' };
  }

  return async (req) => {
    try {
      return await identify(req);
    } catch (err) {
      if (err instanceof AppError && req.routeOptions.config.permission === 'public') {
        credentials.delete(req);
        return { kind: 'anonymous' };
      }
      throw err;
    }
  };
}

function splitUrl(url: string): [string, string] {
  const i = url.indexOf('?');
  return i < 0 ? [url, ''] : [url.slice(0, i), url.slice(i + 1)];
}
