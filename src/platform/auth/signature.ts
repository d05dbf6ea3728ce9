import crypto from 'node:crypto';

/**
 * Request signatures of applications (docs/API.md, "Applications"). Both ends use these
 * functions: the server to verify, clients (tests, other nodes) to sign.
 *
 *   signingKey   = SHA-256(utf8(secret))
 *   stringToSign = METHOD \n PATH \n CANONICAL_QUERY \n hex(SHA-256(body)) \n TIMESTAMP \n NONCE
 *   signature    = hex(HMAC-SHA256(signingKey, stringToSign))
 */
export const SIGNATURE_HEADERS = {
  key: 'x-datong-key',
  timestamp: 'x-datong-timestamp',
  nonce: 'x-datong-nonce',
  signature: 'x-datong-signature',
} as const;

/** Timestamps further than this from the server clock are refused. */
export const MAX_SKEW_SECONDS = 300;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export type QueryInput =
  | URLSearchParams
  | string
  | Record<string, string | number | boolean | readonly (string | number | boolean)[] | undefined>;

/** Name/value pairs of a query given as a raw string, URLSearchParams or a plain object. */
export function queryPairs(query: QueryInput | undefined): [string, string][] {
  if (query === undefined) return [];
  if (typeof query === 'string')
    return [...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)];
  if (query instanceof URLSearchParams) return [...query];
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values as readonly (string | number | boolean)[]) pairs.push([name, String(v)]);
  }
  return pairs;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Pairs sorted by name then value (UTF-16 code units), each encodeURIComponent'ed, joined by &. */
export function canonicalQuery(query: QueryInput | undefined): string {
  return queryPairs(query)
    .sort(([an, av], [bn, bv]) => byCodeUnits(an, bn) || byCodeUnits(av, bv))
    .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
    .join('&');
}

export function sha256Hex(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** The HMAC key derived from a credential's secret (what the server keeps, sealed). */
export function signingKeyOf(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret, 'utf8').digest();
}

export interface SignedParts {
  method: string;
  path: string;
  query?: QueryInput | undefined;
  body?: Uint8Array | string | undefined;
  timestamp: number | string;
  nonce: string;
}

export function stringToSign(p: SignedParts): string {
  return [
    p.method.toUpperCase(),
    p.path,
    canonicalQuery(p.query),
    sha256Hex(p.body ?? ''),
    String(p.timestamp),
    p.nonce,
  ].join('\n');
}

export function signatureHex(signingKey: Uint8Array, parts: SignedParts): string {
  return crypto.createHmac('sha256', signingKey).update(stringToSign(parts), 'utf8').digest('hex');
}

export interface SignRequestInput {
  method: string;
  /** The path exactly as it will be sent, without the query. */
  path: string;
  query?: QueryInput | undefined;
  /** The exact body bytes that will be sent (a string is taken as UTF-8). */
  body?: Uint8Array | string | undefined;
  keyId: string;
  secret: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  /** 16–64 chars of [A-Za-z0-9_-]; random by default. */
  nonce?: string;
}

/** Client side: the four headers that sign one request. */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = input.nonce ?? crypto.randomBytes(18).toString('base64url');
  const signature = signatureHex(signingKeyOf(input.secret), {
    method: input.method,
    path: input.path,
    query: input.query,
    body: input.body,
    timestamp,
    nonce,
  });
  return {
    [SIGNATURE_HEADERS.key]: input.keyId,
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}
