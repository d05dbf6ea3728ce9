import { performance } from 'node:perf_hooks';
import { eventFor } from '../../platform/audit/types.js';
import type { RequestContext } from '../../platform/context.js';
import type { Queryable, Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { Services } from '../../platform/services.js';
import { shanghaiDay } from './calendar.js';
import { grantCallMessages, grantStateProblem } from './common.js';
import { dailyQuotasOf } from './quota.js';

/**
 * The gateway for department APIs (X-Road-like; docs/SHARING.md "Gateway").
 *
 * A provider registers the upstream HTTP API of one of its api-kind catalog entries
 * (`datong.gateway_upstreams`); an application holding a grant on the entry calls it through the
 * node at /api/gateway/grants/:grantId/<path>. Every call:
 * - is an application's signed request (permission share.use, checked at the choke point);
 * - needs the grant to be the calling application's (else 404), active and valid today (else
 *   403), on an api-kind entry with an upstream (else 404); the grant's row is read on every
 *   call, so a suspension or revocation applies to the very next one;
 * - is limited to the grant's rate (requests/s, token bucket: 429), a node-wide number of calls
 *   in flight (503), the upstream's timeout (504) and its circuit breaker (503 without calling);
 * - goes to base_url + the path suffix + the query string, with the caller's body (≤ 10 MB) and
 *   headers except hop-by-hop headers, the caller's credentials (signature headers,
 *   Authorization, cookies) and anything naming Datong; the upstream's secret header is added;
 * - answers the upstream's status, headers (hop-by-hop, cookies and the node's own security
 *   headers filtered) and body (≤ 10 MB). A secret the upstream reflects is redacted (***) from
 *   the headers and body: it never leaves the node;
 * - is audited (`share.gateway.call`: grant, app, entry, method, path, status, duration,
 *   request/response bytes; bodies only when the upstream says so) with `ledger.append` before
 *   the answer is sent; when the ledger cannot write, the call answers 503 audit_unavailable and
 *   nothing of the upstream's answer.
 *
 * Memory: the request body is read whole (≤ 10 MB) because the application's signature covers
 * its SHA-256 and must hold before anything reaches the upstream; the response body is read whole
 * (≤ 10 MB) because the audit event, durable before the answer, records its exact size. At most
 * `maxInFlight` calls (64) are in flight on a node, so the gateway holds ≤ 64 × 20 MB.
 */

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_BREAKER = { failures: 5, windowMs: 30_000, openMs: 30_000 } as const;
export const DEFAULT_MAX_IN_FLIGHT = 64;
/** What the API shows instead of a secret; sent back, it keeps the stored one. */
export const SECRET_MASK = '******';
/** The body bytes kept in an audit event when the upstream logs bodies. */
export const LOGGED_BODY_BYTES = 64 * 1024;

const messages = {
  ...grantCallMessages,
  grant_inactive: {
    'zh-CN': '授权已{statusZh}，不能调用接口',
    en: 'The grant is {status}; its API cannot be called',
  },
  gateway_not_api: {
    'zh-CN': '目录“{name}”不是接口类资源，不能通过网关调用',
    en: 'The catalog entry "{name}" is not an API resource; it cannot be called through the gateway',
  },
  gateway_no_upstream: {
    'zh-CN': '提供方尚未登记该接口的上游地址',
    en: 'The provider has not registered the upstream of this API',
  },
  gateway_path_invalid: {
    'zh-CN': '接口路径无效（不能含 . 或 .. 路径段、反斜杠或控制字符）',
    en: 'The API path is invalid (no . or .. segments, backslashes or control characters)',
  },
  gateway_request_invalid: {
    'zh-CN': '请求头无法转发给上游接口',
    en: 'The request headers cannot be forwarded to the upstream API',
  },
  gateway_timeout: {
    'zh-CN': '上游接口在 {timeoutMs} 毫秒内未响应',
    en: 'The upstream API did not answer within {timeoutMs} ms',
  },
  gateway_unreachable: {
    'zh-CN': '无法连接上游接口',
    en: 'The upstream API cannot be reached',
  },
  gateway_response_too_large: {
    'zh-CN': '上游接口的响应超过 {limit} 字节',
    en: 'The upstream API answered more than {limit} bytes',
  },
  gateway_circuit_open: {
    'zh-CN': '上游接口连续失败，已暂停调用，请 {retryAfter} 秒后重试',
    en: 'The upstream API kept failing; calls are paused, retry in {retryAfter} s',
  },
  gateway_busy: {
    'zh-CN': '网关繁忙，请稍后重试',
    en: 'The gateway is busy; retry shortly',
  },
  gateway_out_of_scope: {
    'zh-CN': '只有该目录提供机构的目录维护人员可以登记其上游接口',
    en: "Only those who maintain the catalog of the entry's provider may register its upstream",
  },
  gateway_upstream_not_found: {
    'zh-CN': '该目录尚未登记上游接口',
    en: 'No upstream is registered for this entry',
  },
  gateway_base_url_invalid: {
    'zh-CN': '“{url}”不是有效的 http(s) 地址（不能含用户名、密码、查询串或片段）',
    en: '"{url}" is not a valid http(s) URL (no user name, password, query or fragment)',
  },
  gateway_header_invalid: {
    'zh-CN': '“{name}”不能用作认证头',
    en: '"{name}" cannot be used as the authentication header',
  },
  gateway_secret_invalid: {
    'zh-CN': '认证头的值须为 8–4096 个可打印 ASCII 字符，且首尾不能有空白',
    en: 'The secret must be 8–4096 printable ASCII characters without leading or trailing white space',
  },
  gateway_secret_missing: {
    'zh-CN': '设置认证头名称时须同时提供其值',
    en: 'An authentication header name needs a secret',
  },
} satisfies Record<string, Localized>;

export type GatewayMessageKey = keyof typeof messages;

export function gatewayProblem(
  status: number,
  code: GatewayMessageKey,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): AppError {
  return new AppError(status, code, messages[code], params, [], headers);
}

// ---------------------------------------------------------------------------------------------
// Settings and their checks

export interface BreakerSettings {
  failures: number;
  windowMs: number;
  openMs: number;
}

/** An upstream as stored (the secret still sealed). */
export interface UpstreamRow {
  entry_id: string;
  base_url: string;
  auth_header_name: string | null;
  auth_secret_sealed: Buffer | null;
  timeout_ms: number;
  breaker_failures: number;
  breaker_window_ms: number;
  breaker_open_ms: number;
  log_bodies: boolean;
  created_by_name: string;
  updated_by_name: string;
  created_at: Date;
  updated_at: Date;
}

/** The base URL normalised (origin + path without a trailing slash), or null when refused. */
export function normaliseBaseUrl(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password || u.search || u.hash || url.includes('#') || url.includes('?')) return null;
  if (!u.hostname) return null;
  const out = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  return out.length <= 2000 ? out : null;
}

const HEADER_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/** Hop-by-hop headers (RFC 9110 §7.6.1) and others only the connection may set. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
  'content-length',
]);

/** Whether a header name may carry the upstream's secret. */
export function validAuthHeaderName(name: string): boolean {
  const n = name.toLowerCase();
  return (
    HEADER_TOKEN.test(name) &&
    !HOP_BY_HOP.has(n) &&
    !n.startsWith('x-datong-') &&
    !['cookie', 'x-request-id', 'content-type', 'content-encoding', 'accept-encoding'].includes(n)
  );
}

/** A header value we can send: printable ASCII, no leading or trailing white space. */
export const validSecret = (s: string): boolean =>
  s.length >= 8 && s.length <= 4096 && /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(s);

// ---------------------------------------------------------------------------------------------
// The store

const UPSTREAM_COLUMNS = `entry_id, base_url, auth_header_name, auth_secret_sealed, timeout_ms, breaker_failures,
  breaker_window_ms, breaker_open_ms, log_bodies, created_by_name, updated_by_name, created_at, updated_at`;

export async function getUpstream(
  q: Queryable,
  entryId: string,
  lock = false,
): Promise<UpstreamRow | undefined> {
  const { rows } = await q.query<UpstreamRow>(
    `SELECT ${UPSTREAM_COLUMNS} FROM datong.gateway_upstreams WHERE entry_id = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [entryId],
  );
  return rows[0];
}

export interface UpstreamWrite {
  baseUrl: string;
  authHeaderName: string | null;
  authSecretSealed: Buffer | null;
  timeoutMs: number;
  breaker: BreakerSettings;
  logBodies: boolean;
  by: { id: string | null; name: string };
}

export async function putUpstream(tx: Tx, entryId: string, w: UpstreamWrite): Promise<UpstreamRow> {
  const { rows } = await tx.query<UpstreamRow>(
    `INSERT INTO datong.gateway_upstreams (entry_id, base_url, auth_header_name, auth_secret_sealed, timeout_ms,
       breaker_failures, breaker_window_ms, breaker_open_ms, log_bodies, created_by, created_by_name,
       updated_by, updated_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $10, $11)
     ON CONFLICT (entry_id) DO UPDATE SET base_url = EXCLUDED.base_url,
       auth_header_name = EXCLUDED.auth_header_name, auth_secret_sealed = EXCLUDED.auth_secret_sealed,
       timeout_ms = EXCLUDED.timeout_ms, breaker_failures = EXCLUDED.breaker_failures,
       breaker_window_ms = EXCLUDED.breaker_window_ms, breaker_open_ms = EXCLUDED.breaker_open_ms,
       log_bodies = EXCLUDED.log_bodies, updated_by = EXCLUDED.updated_by,
       updated_by_name = EXCLUDED.updated_by_name, updated_at = now()
     RETURNING ${UPSTREAM_COLUMNS}`,
    [
      entryId,
      w.baseUrl,
      w.authHeaderName,
      w.authSecretSealed,
      w.timeoutMs,
      w.breaker.failures,
      w.breaker.windowMs,
      w.breaker.openMs,
      w.logBodies,
      w.by.id,
      w.by.name,
    ],
  );
  return rows[0]!;
}

export async function deleteUpstream(tx: Tx, entryId: string): Promise<boolean> {
  const { rowCount } = await tx.query('DELETE FROM datong.gateway_upstreams WHERE entry_id = $1', [entryId]);
  return (rowCount ?? 0) > 0;
}

export const breakerOf = (u: UpstreamRow): BreakerSettings => ({
  failures: u.breaker_failures,
  windowMs: u.breaker_window_ms,
  openMs: u.breaker_open_ms,
});

// ---------------------------------------------------------------------------------------------
// Circuit breaker and rate limit (in process, per node)

export type CircuitState = 'closed' | 'open' | 'half_open';

interface Circuit {
  /** Times of the current run of consecutive failures (within the window). */
  failures: number[];
  /** While > 0: open until then, half-open after. */
  openUntil: number;
  /** A half-open trial call is in flight. */
  trial: boolean;
}

/**
 * Per upstream: closed → (N consecutive failures within the window) open → (after openMs)
 * half-open, where one trial call is let through: its success closes the circuit, its failure
 * opens it again. Calls started while closed that end while open change nothing.
 */
export class Breakers {
  private readonly circuits = new Map<string, Circuit>();
  constructor(private readonly now: () => number) {}

  private circuit(key: string): Circuit {
    let c = this.circuits.get(key);
    if (!c) {
      c = { failures: [], openUntil: 0, trial: false };
      this.circuits.set(key, c);
    }
    return c;
  }

  state(key: string): CircuitState {
    const c = this.circuits.get(key);
    if (!c || c.openUntil === 0) return 'closed';
    return this.now() < c.openUntil ? 'open' : 'half_open';
  }

  /** Whether a call may go now; `trial` when it is the half-open trial. */
  admit(key: string): { ok: true; trial: boolean } | { ok: false; retryAfterMs: number } {
    const c = this.circuit(key);
    if (c.openUntil === 0) return { ok: true, trial: false };
    const now = this.now();
    if (now < c.openUntil) return { ok: false, retryAfterMs: c.openUntil - now };
    if (c.trial) return { ok: false, retryAfterMs: 1000 };
    c.trial = true;
    return { ok: true, trial: true };
  }

  record(key: string, s: BreakerSettings, failed: boolean, trial: boolean): void {
    const c = this.circuit(key);
    const now = this.now();
    if (trial) {
      c.trial = false;
      c.failures = [];
      c.openUntil = failed ? now + s.openMs : 0;
      return;
    }
    if (c.openUntil !== 0) return;
    if (!failed) {
      c.failures = [];
      return;
    }
    c.failures.push(now);
    c.failures = c.failures.filter((t) => now - t < s.windowMs).slice(-s.failures);
    if (c.failures.length >= s.failures) {
      c.failures = [];
      c.openUntil = now + s.openMs;
    }
  }

  /** Forgets an upstream's circuit (its settings changed). */
  reset(prefix: string): void {
    for (const k of this.circuits.keys()) if (k.startsWith(prefix)) this.circuits.delete(k);
  }
}

/** Token buckets per grant: `rate` per second, bursts of up to `rate`. */
export class RateLimits {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private readonly now: () => number) {}

  /** Takes a token, or answers how many ms until one is there. */
  take(id: string, rate: number): { ok: true } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    if (this.buckets.size > 10_000) {
      for (const [k, b] of this.buckets) if (now - b.at > 60_000) this.buckets.delete(k);
    }
    const b = this.buckets.get(id) ?? { tokens: rate, at: now };
    b.tokens = Math.min(rate, b.tokens + (Math.max(0, now - b.at) / 1000) * rate);
    b.at = now;
    this.buckets.set(id, b);
    if (b.tokens < 1) return { ok: false, retryAfterMs: ((1 - b.tokens) / rate) * 1000 };
    b.tokens -= 1;
    return { ok: true };
  }
}

// ---------------------------------------------------------------------------------------------
// Headers, paths, redaction

/** Request headers the upstream never gets from the caller (beside hop-by-hop ones). */
const CALLER_ONLY = new Set([
  'authorization',
  'cookie',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
  'x-csrf-token',
  // fetch decodes what it asks for; the caller's codings might not be decodable.
  'accept-encoding',
]);

/** Response headers the caller never gets from the upstream (beside hop-by-hop ones). */
const UPSTREAM_ONLY = new Set(['set-cookie', 'set-cookie2', 'content-encoding', 'x-request-id', 'server']);

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(value: string | null | undefined): Set<string> {
  return new Set(
    (value ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

/** The caller's headers as the upstream gets them (without the secret, added by the caller). */
export function requestHeadersFor(
  incoming: Record<string, string | string[] | undefined>,
  authHeaderName: string | null,
): Headers {
  const listed = connectionTokens(
    Array.isArray(incoming.connection) ? incoming.connection.join(',') : incoming.connection,
  );
  const auth = authHeaderName?.toLowerCase();
  const out = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    const n = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(n) || CALLER_ONLY.has(n) || listed.has(n)) continue;
    if (n.startsWith('x-datong-') || n.startsWith('proxy-') || n === auth) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  return out;
}

/** Whether a string holds a control character (or, with `space`, a space). */
function hasControl(s: string, space: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (space && c === 0x20)) return true;
  }
  return false;
}

/**
 * The path suffix (raw, as the caller sent it: '' or '/…') when it is safe to append to the base
 * path: no dot segments (also percent-encoded), backslashes or control characters.
 */
export function safeSuffix(suffix: string): boolean {
  if (suffix !== '' && !suffix.startsWith('/')) return false;
  if (suffix.includes('\\') || hasControl(suffix, true)) return false;
  for (const segment of suffix.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return false;
    }
    if (decoded.includes('\\') || hasControl(decoded, false)) return false;
    // %2F does not split a segment for the URL parser, but the upstream may decode it.
    if (decoded.split('/').some((part) => part === '.' || part === '..')) return false;
  }
  return true;
}

/** The upstream URL of a call, or null when the suffix would leave the base path. */
export function targetUrl(baseUrl: string, suffix: string, rawQuery: string): URL | null {
  if (!safeSuffix(suffix)) return null;
  const base = new URL(baseUrl);
  const u = new URL(`${baseUrl}${suffix}${rawQuery ? `?${rawQuery}` : ''}`);
  const basePath = base.pathname.replace(/\/+$/, '');
  if (u.origin !== base.origin) return null;
  if (u.pathname !== basePath && !u.pathname.startsWith(`${basePath}/`)) return null;
  return u;
}

/** The forms of a secret a reflecting upstream could show: the value, and its token after a scheme. */
export function secretNeedles(secret: string): string[] {
  const out = [secret];
  const token = /\s(\S+)$/.exec(secret)?.[1];
  if (token && token.length >= 8) out.push(token);
  return out;
}

/** The buffer with every occurrence of the needles replaced by ***; `hit` when one was found. */
export function redact(buf: Buffer, needles: readonly string[]): { buf: Buffer; hit: boolean } {
  let out = buf;
  let hit = false;
  for (const needle of needles) {
    const n = Buffer.from(needle, 'utf8');
    let at = out.indexOf(n);
    if (at < 0) continue;
    hit = true;
    const parts: Buffer[] = [];
    let from = 0;
    while (at >= 0) {
      parts.push(out.subarray(from, at), Buffer.from('***'));
      from = at + n.length;
      at = out.indexOf(n, from);
    }
    parts.push(out.subarray(from));
    out = Buffer.concat(parts);
  }
  return { buf: out, hit };
}

const redactText = (s: string, needles: readonly string[]): string =>
  needles.reduce((acc, n) => acc.split(n).join('***'), s);

/** A body as an audit event keeps it: UTF-8 text when it is, else base64; the first 64 KiB. */
function loggedBody(buf: Buffer): Record<string, unknown> | undefined {
  if (!buf.length) return undefined;
  const part = buf.subarray(0, LOGGED_BODY_BYTES);
  const truncated = buf.length > part.length;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(part);
    return { text, ...(truncated ? { truncated } : {}) };
  } catch {
    return { base64: part.toString('base64'), ...(truncated ? { truncated } : {}) };
  }
}

// ---------------------------------------------------------------------------------------------
// The call

interface GatewayDbRow {
  id: string;
  app_id: string;
  consumer_org_id: string;
  provider_org_id: string;
  entry_id: string;
  entry_code: string;
  entry_name: string | null;
  resource_kind: string | null;
  scenario_name: string;
  status: string;
  valid_from: string;
  valid_to: string;
  rate_limit: number;
  daily_quota: number;
  base_url: string | null;
  auth_header_name: string | null;
  auth_secret_sealed: Buffer | null;
  timeout_ms: number | null;
  breaker_failures: number | null;
  breaker_window_ms: number | null;
  breaker_open_ms: number | null;
  log_bodies: boolean | null;
}

// The kind of the version the grant was made on: what the consumer was granted.
const GRANT_SELECT = `
  SELECT g.id, g.app_id, g.consumer_org_id, g.provider_org_id, g.entry_id, e.code AS entry_code,
         v.name AS entry_name, v.resource_kind, g.scenario_name, g.status,
         g.valid_from::text AS valid_from, g.valid_to::text AS valid_to, g.rate_limit, g.daily_quota,
         u.base_url, u.auth_header_name, u.auth_secret_sealed, u.timeout_ms, u.breaker_failures,
         u.breaker_window_ms, u.breaker_open_ms, u.log_bodies
    FROM datong.grants g
    JOIN datong.catalog_entries e ON e.id = g.entry_id
    LEFT JOIN datong.catalog_versions v ON v.entry_id = g.entry_id AND v.version = g.catalog_version
    LEFT JOIN datong.gateway_upstreams u ON u.entry_id = g.entry_id
   WHERE g.id = $1`;

export interface GatewayOptions {
  /** The clock of the breaker and the rate limit (ms); Date.now by default. Tests move it. */
  now?: () => number;
  /** Calls in flight on this node at most (memory: ≤ 20 MB each); 64 by default. */
  maxInFlight?: number;
}

export interface ForwardInput {
  grantId: string;
  method: string;
  /** The raw path after /api/gateway/grants/:grantId ('' or '/…'). */
  suffix: string;
  /** The raw query string without '?'. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface Forwarded {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

class Timeout extends Error {}
class TooLarge extends Error {}

/** Reads a fetch body up to `limit` bytes (TooLarge beyond). */
async function readBody(res: Response, limit: number): Promise<Buffer> {
  if (!res.body) return Buffer.alloc(0);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body.cancel().catch(() => undefined);
    throw new TooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new TooLarge();
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks, total);
}

export class Gateway {
  readonly breakers: Breakers;
  private readonly limits: RateLimits;
  private readonly maxInFlight: number;
  private inFlight = 0;

  constructor(
    private readonly services: Services,
    opts: GatewayOptions = {},
  ) {
    const now = opts.now ?? Date.now;
    this.breakers = new Breakers(now);
    this.limits = new RateLimits(now);
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  }

  /** The circuit key of an upstream: a new base URL starts afresh. */
  static circuitKey(entryId: string, baseUrl: string): string {
    return `${entryId}|${baseUrl}`;
  }

  async forward(ctx: RequestContext, input: ForwardInput): Promise<Forwarded> {
    const { rows } = await this.services.pool.query<GatewayDbRow>(GRANT_SELECT, [input.grantId]);
    const g = rows[0];
    const actor = ctx.actor;
    if (!g || actor.kind !== 'app' || g.app_id !== actor.id) {
      throw gatewayProblem(404, 'grant_not_found', { id: input.grantId });
    }
    const state = { status: g.status, validFrom: g.valid_from, validTo: g.valid_to };
    const refused = grantStateProblem(state, shanghaiDay(new Date()), gatewayProblem);
    if (refused) throw refused;
    if (g.resource_kind !== 'api') throw gatewayProblem(404, 'gateway_not_api', { name: g.entry_name ?? '' });
    if (!g.base_url) throw gatewayProblem(404, 'gateway_no_upstream');
    const target = targetUrl(g.base_url, input.suffix, input.query);
    if (!target) throw gatewayProblem(400, 'gateway_path_invalid');

    const settings: BreakerSettings = {
      failures: g.breaker_failures ?? DEFAULT_BREAKER.failures,
      windowMs: g.breaker_window_ms ?? DEFAULT_BREAKER.windowMs,
      openMs: g.breaker_open_ms ?? DEFAULT_BREAKER.openMs,
    };
    const timeoutMs = g.timeout_ms ?? DEFAULT_TIMEOUT_MS;
    const secret =
      g.auth_header_name && g.auth_secret_sealed
        ? this.services.identity.open(g.auth_secret_sealed).toString('utf8')
        : null;
    const needles = secret ? secretNeedles(secret) : [];

    let headers: Headers;
    try {
      headers = requestHeadersFor(input.headers, g.auth_header_name);
    } catch {
      throw gatewayProblem(400, 'gateway_request_invalid');
    }
    headers.set('x-datong-grant', g.id);
    headers.set('x-datong-app', g.app_id);
    headers.set('x-datong-org', g.consumer_org_id);
    if (ctx.requestId) headers.set('x-request-id', ctx.requestId);
    if (secret && g.auth_header_name) headers.set(g.auth_header_name, secret);

    const method = input.method.toUpperCase();
    const hasBody = input.body.length > 0 && method !== 'GET' && method !== 'HEAD';
    // Built before the limits: a request fetch refuses is the caller's fault, not the upstream's.
    const controller = new AbortController();
    let request: Request;
    try {
      request = new Request(target, {
        method,
        headers,
        redirect: 'manual',
        signal: controller.signal,
        ...(hasBody ? { body: input.body } : {}),
      });
    } catch {
      throw gatewayProblem(400, 'gateway_request_invalid');
    }
    const rate = this.limits.take(g.id, g.rate_limit);
    if (!rate.ok) {
      throw gatewayProblem(
        429,
        'rate_limited',
        { limit: g.rate_limit },
        { 'retry-after': String(Math.max(1, Math.ceil(rate.retryAfterMs / 1000))) },
      );
    }
    const quota = await dailyQuotasOf(this.services.pool).take(g.id, g.daily_quota);
    if (!quota.ok) {
      throw gatewayProblem(
        429,
        'quota_exhausted',
        { quota: g.daily_quota },
        { 'retry-after': String(quota.retryAfterSeconds) },
      );
    }
    if (this.inFlight >= this.maxInFlight) {
      throw gatewayProblem(503, 'gateway_busy', {}, { 'retry-after': '1' });
    }
    const key = Gateway.circuitKey(g.entry_id, g.base_url);
    const admitted = this.breakers.admit(key);
    if (!admitted.ok) {
      const retryAfter = Math.max(1, Math.ceil(admitted.retryAfterMs / 1000));
      throw gatewayProblem(
        503,
        'gateway_circuit_open',
        { retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }

    this.inFlight++;
    const started = performance.now();
    let outcome:
      | { kind: 'answer'; status: number; headers: Headers; body: Buffer }
      | { kind: 'timeout' | 'unreachable' | 'too_large' };
    let failed = true;
    try {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort(new Timeout());
      }, timeoutMs);
      try {
        const res = await fetch(request);
        const body = await readBody(res, MAX_BODY_BYTES);
        outcome = { kind: 'answer', status: res.status, headers: res.headers, body };
        failed = res.status >= 500;
      } catch (err) {
        if (timedOut) outcome = { kind: 'timeout' };
        else if (err instanceof TooLarge) {
          outcome = { kind: 'too_large' };
          failed = false;
        } else {
          this.services.log.warn({ err, grant: g.id, upstream: target.origin }, 'gateway: upstream failed');
          outcome = { kind: 'unreachable' };
        }
      } finally {
        clearTimeout(timer);
      }
    } finally {
      this.inFlight--;
      this.breakers.record(key, settings, failed, admitted.trial);
    }
    const durationMs = Math.round(performance.now() - started);

    let answer: Forwarded | AppError;
    let redacted = false;
    if (outcome.kind === 'answer') {
      const r = redact(outcome.body, needles);
      redacted = r.hit;
      const out = responseHeaders(outcome.headers, g.auth_header_name, needles, g.base_url, input.grantId);
      redacted ||= out.redacted;
      answer = { status: outcome.status, headers: out.headers, body: r.buf };
    } else if (outcome.kind === 'timeout') {
      answer = gatewayProblem(504, 'gateway_timeout', { timeoutMs });
    } else if (outcome.kind === 'too_large') {
      answer = gatewayProblem(502, 'gateway_response_too_large', { limit: MAX_BODY_BYTES });
    } else {
      answer = gatewayProblem(502, 'gateway_unreachable');
    }
    const status = answer.status;

    const detail: Record<string, unknown> = {
      grant: g.id,
      app: g.app_id,
      entry: g.entry_code,
      entryId: g.entry_id,
      scenario: g.scenario_name,
      upstream: target.origin,
      method,
      path: input.suffix || '/',
      status,
      upstreamStatus: outcome.kind === 'answer' ? outcome.status : null,
      ...(outcome.kind !== 'answer' ? { error: outcome.kind } : {}),
      durationMs,
      requestBytes: input.body.length,
      responseBytes: answer instanceof AppError ? 0 : answer.body.length,
      ...(redacted ? { secretRedacted: true } : {}),
    };
    if (g.log_bodies) {
      if (input.query) detail.query = redactText(input.query, needles);
      const reqBody = loggedBody(redact(input.body, needles).buf);
      if (reqBody) detail.requestBody = reqBody;
      const resBody = answer instanceof AppError ? undefined : loggedBody(answer.body);
      if (resBody) detail.responseBody = resBody;
    }
    try {
      await this.services.ledger.append(
        eventFor(ctx, {
          action: 'share.gateway.call',
          objectType: 'grant',
          objectId: g.id,
          result: status >= 500 ? 'failure' : 'success',
          detail,
        }),
      );
    } catch (err) {
      this.services.log.error({ err, grant: g.id }, 'gateway audit failed: answer withheld');
      throw gatewayProblem(503, 'audit_unavailable');
    }
    if (answer instanceof AppError) throw answer;
    return answer;
  }
}

/**
 * The upstream's headers as the caller gets them: no hop-by-hop headers, cookies, codings (fetch
 * decoded the body), the secret's header or Datong's own; a reflected secret redacted; a
 * Location under the base URL rewritten to the gateway's path, any other Location dropped.
 */
function responseHeaders(
  h: Headers,
  authHeaderName: string | null,
  needles: readonly string[],
  baseUrl: string,
  grantId: string,
): { headers: [string, string][]; redacted: boolean } {
  const listed = connectionTokens(h.get('connection'));
  const auth = authHeaderName?.toLowerCase();
  const out: [string, string][] = [];
  let redacted = false;
  for (const [name, value] of h) {
    const n = name.toLowerCase();
    if (HOP_BY_HOP.has(n) || UPSTREAM_ONLY.has(n) || listed.has(n) || n === auth) continue;
    if (n.startsWith('x-datong-') || n.startsWith('proxy-')) continue;
    let v = value;
    if (n === 'location') {
      const rewritten = rewriteLocation(v, baseUrl, grantId);
      if (rewritten === null) continue;
      v = rewritten;
    }
    const clean = redactText(v, needles);
    if (clean !== v) redacted = true;
    out.push([n, clean]);
  }
  return { headers: out, redacted };
}

function rewriteLocation(location: string, baseUrl: string, grantId: string): string | null {
  if (!URL.canParse(location, `${baseUrl}/`)) return null;
  const u = new URL(location, `${baseUrl}/`);
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  if (u.origin !== base.origin) return null;
  if (u.pathname !== basePath && !u.pathname.startsWith(`${basePath}/`)) return null;
  return `/api/gateway/grants/${grantId}${u.pathname.slice(basePath.length)}${u.search}`;
}
