/**
 * Application request signatures in the browser, exactly as src/platform/auth/signature.ts signs
 * (docs/API.md "Applications"), with WebCrypto:
 *
 *   signingKey   = SHA-256(utf8(secret))
 *   stringToSign = METHOD \n PATH \n CANONICAL_QUERY \n hex(SHA-256(body)) \n TIMESTAMP \n NONCE
 *   signature    = hex(HMAC-SHA256(signingKey, stringToSign))
 *
 * The secret only passes through here; nothing is stored.
 */

export const SIGNATURE_HEADERS = {
  key: 'x-datong-key',
  timestamp: 'x-datong-timestamp',
  nonce: 'x-datong-nonce',
  signature: 'x-datong-signature',
} as const;

const utf8 = new TextEncoder();

function subtle(): SubtleCrypto {
  // WebCrypto's subtle API exists only in secure contexts (HTTPS, localhost).
  if (!globalThis.crypto?.subtle) throw new Error('WebCrypto (crypto.subtle) is not available here');
  return globalThis.crypto.subtle;
}

const toHex = (buf: ArrayBuffer): string =>
  Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

const bytesOf = (data: Uint8Array | string): Uint8Array<ArrayBuffer> =>
  typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data);

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return toHex(await subtle().digest('SHA-256', bytesOf(data)));
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Pairs sorted by name then value (UTF-16 code units), each encodeURIComponent'ed, joined by &. */
export function canonicalQuery(query: URLSearchParams | string | undefined): string {
  if (query === undefined) return '';
  const params =
    typeof query === 'string' ? new URLSearchParams(query.startsWith('?') ? query.slice(1) : query) : query;
  return [...params]
    .sort(([an, av], [bn, bv]) => byCodeUnits(an, bn) || byCodeUnits(av, bv))
    .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
    .join('&');
}

export interface SignedParts {
  method: string;
  /** The path exactly as it will be sent, without the query. */
  path: string;
  query?: URLSearchParams | string | undefined;
  /** The exact body that will be sent (a string is taken as UTF-8). */
  body?: Uint8Array | string | undefined;
  timestamp: number | string;
  nonce: string;
}

export async function stringToSign(p: SignedParts): Promise<string> {
  return [
    p.method.toUpperCase(),
    p.path,
    canonicalQuery(p.query),
    await sha256Hex(p.body ?? ''),
    String(p.timestamp),
    p.nonce,
  ].join('\n');
}

/** hex(HMAC-SHA256(SHA-256(utf8(secret)), stringToSign)). */
export async function signatureHex(secret: string, parts: SignedParts): Promise<string> {
  const s = subtle();
  const keyBytes = await s.digest('SHA-256', utf8.encode(secret));
  const key = await s.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return toHex(await s.sign('HMAC', key, utf8.encode(await stringToSign(parts))));
}

/** 18 random bytes as base64url: 24 characters of [A-Za-z0-9_-]. */
export function randomNonce(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export interface SignRequestInput {
  method: string;
  path: string;
  query?: URLSearchParams | string | undefined;
  body?: Uint8Array | string | undefined;
  keyId: string;
  secret: string;
  /** Unix seconds; now by default. */
  timestamp?: number;
  /** 16–64 chars of [A-Za-z0-9_-]; random by default. */
  nonce?: string;
}

/** The four headers that sign one request. */
export async function signRequest(input: SignRequestInput): Promise<Record<string, string>> {
  const timestamp = input.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = input.nonce ?? randomNonce();
  const signature = await signatureHex(input.secret, {
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
