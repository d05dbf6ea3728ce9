import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { NodeIdentity } from '../../platform/crypto/types.js';
import type { Message } from './check.js';
import { reasonOf, SourceFailure } from './load.js';
import type { PullRow } from './pull-store.js';
import { openSource, type Encoding, type Format, type RecordSource } from './read/index.js';
import { formatOfName } from './routes.js';

/**
 * Pull sources as record sources (docs/INGEST.md "Pulls"): the body of an HTTP(S) answer, or the
 * rows of a SELECT on an external PostgreSQL database streamed out with COPY … TO STDOUT as CSV.
 * Nothing is buffered whole: bytes go through `openSource` into `loadBatch` as an upload's do.
 *
 * Timeouts (the pull's timeout_seconds): HTTP connecting and the answer's headers, then the
 * longest wait for the next body chunk; PostgreSQL connecting and each statement before the
 * COPY (statement_timeout), then the longest wait for the next COPY chunk. Waits count only while
 * the loader asks for more, so a slow load (back-pressure) never times a source out. The COPY
 * itself runs without a statement timeout: a large table may take longer than one wait.
 */

/** A pull that could not be read, with its reason in both languages. */
export class PullError extends SourceFailure {}

const m = (zh: string, en: string): Message => ({ 'zh-CN': zh, en });

/** Any failure as a reason in both languages. */
export function messageOf(e: unknown): Message {
  const known = reasonOf(e);
  if (known) return known;
  const err = e as { message?: string; code?: string } | null;
  const text = err?.message ?? String(e);
  if (err && typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code)) {
    if (err.code === '57014') {
      return m(`源数据库的语句超时被取消：${text}`, `The source database cancelled a statement: ${text}`);
    }
    return m(`源数据库出错（${err.code}）：${text}`, `The source database failed (${err.code}): ${text}`);
  }
  return m(`拉取失败：${text}`, `The pull failed: ${text}`);
}

// ---------------------------------------------------------------------------------------------
// Checks of a pull's definition (also used by the routes at create time)

/**
 * The query without trailing semicolons when it is a single SELECT (or WITH … SELECT) statement;
 * null when it is anything else: another statement, several statements, an unterminated string,
 * quoted identifier or comment. The database refuses writes anyway (a read-only transaction, and
 * the query becomes a subquery, where data-modifying WITH and SELECT INTO are not allowed).
 */
export function singleSelect(query: string): string | null {
  const s = query;
  const n = s.length;
  let i = 0;
  let end = -1; // index of the first top-level semicolon
  let first: string | null = null;
  const isIdent = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_$]/u.test(c);
  while (i < n) {
    const c = s[i]!;
    const next = s[i + 1];
    if (c === '-' && next === '-') {
      const nl = s.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (s[i] === '/' && s[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (s[i] === '*' && s[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) return null;
      continue;
    }
    if (end >= 0) {
      // After the first semicolon only white space, comments and more semicolons may follow.
      if (c === ';' || /\s/.test(c)) {
        i++;
        continue;
      }
      return null;
    }
    if (c === "'") {
      const escapes = (s[i - 1] === 'E' || s[i - 1] === 'e') && !isIdent(s[i - 2]);
      i++;
      for (;;) {
        if (i >= n) return null;
        if (escapes && s[i] === '\\') i += 2;
        else if (s[i] === "'" && s[i + 1] === "'") i += 2;
        else if (s[i] === "'") break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === '"') {
      i++;
      for (;;) {
        if (i >= n) return null;
        if (s[i] === '"' && s[i + 1] === '"') i += 2;
        else if (s[i] === '"') break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === '$' && !isIdent(s[i - 1])) {
      const tag = /^\$([\p{L}_][\p{L}\p{N}_]*)?\$/u.exec(s.slice(i, i + 70));
      if (tag) {
        const close = s.indexOf(tag[0], i + tag[0].length);
        if (close < 0) return null;
        i = close + tag[0].length;
        continue;
      }
    }
    if (c === ';') {
      end = i;
      i++;
      continue;
    }
    if (first === null && /[\p{L}_]/u.test(c)) {
      const word = /^[\p{L}_][\p{L}\p{N}_$]*/u.exec(s.slice(i, i + 64))![0];
      first = word.toLowerCase();
      i += word.length;
      continue;
    }
    if (first === null && !/\s/.test(c)) return null;
    i++;
  }
  if (first !== 'select' && first !== 'with') return null;
  return (end >= 0 ? s.slice(0, end) : s).trim();
}

/** A PostgreSQL connection string the pulls accept: a postgres:// or postgresql:// URL. */
export function parseConnection(connection: string): URL | null {
  if (!URL.canParse(connection)) return null;
  const u = new URL(connection);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return null;
  if (!u.hostname && !u.searchParams.get('host')) return null;
  return u;
}

/** The connection string with its password replaced by ***, for showing. */
export function maskConnection(connection: string): string {
  const u = parseConnection(connection);
  if (!u) return '***';
  if (u.password) u.password = '***';
  for (const key of ['password', 'sslpassword']) if (u.searchParams.has(key)) u.searchParams.set(key, '***');
  return u.toString().replace(/%2A%2A%2A/g, '***');
}

/**
 * A connection string sent back as shown (password ***) keeps the stored password: the UI edits
 * a pull without ever seeing it.
 */
export function keepPassword(next: string, stored: string | null): string {
  const u = parseConnection(next);
  const old = stored === null ? null : parseConnection(stored);
  if (!u || !old) return next;
  if (decodeURIComponent(u.password) === '***') u.password = old.password;
  for (const key of ['password', 'sslpassword']) {
    if (u.searchParams.get(key) === '***') {
      const was = old.searchParams.get(key);
      if (was === null) u.searchParams.delete(key);
      else u.searchParams.set(key, was);
    }
  }
  return u.toString();
}

export const sealConnection = (identity: NodeIdentity, connection: string): Buffer =>
  identity.seal(Buffer.from(connection, 'utf8'));

export const openConnection = (identity: NodeIdentity, sealed: Uint8Array): string =>
  identity.open(sealed).toString('utf8');

/** An http(s) URL fetch accepts (no credentials in it). */
export function validPullUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const u = new URL(url);
  return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
}

const CONTENT_TYPES: Record<string, Format | 'html'> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  'text/tab-separated-values': 'tsv',
  'application/json': 'json',
  'text/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
  'application/jsonlines': 'ndjson',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
};

/** What a Content-Type says: a format, 'html', or nothing known. */
export function formatOfContentType(contentType: string | null): Format | 'html' | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  return CONTENT_TYPES[type];
}

/** The encoding a Content-Type's charset names, when it is one of GB family (else detected). */
function encodingOfContentType(contentType: string | null): Encoding | undefined {
  const charset = /;\s*charset\s*=\s*"?([\w-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  return charset && ['gbk', 'gb2312', 'gb18030', 'cp936', 'x-gbk'].includes(charset) ? 'gb18030' : undefined;
}

// ---------------------------------------------------------------------------------------------
// Opening

export interface OpenedPull {
  source: RecordSource;
  format: Format;
  /** What the batch records as its source (never a password). */
  sourceInfo: Record<string, unknown>;
  totalBytes?: number | undefined;
  /** postgres with a watermark column: the largest value this batch loads (null: no newer rows). */
  watermark: string | null;
  /** Releases the source (idempotent): aborts the request, closes the connection. */
  close(): Promise<void>;
}

/** The batch's source description of a pull, before anything was read. */
export function sourceInfoOf(pull: PullRow, identity?: NodeIdentity): Record<string, unknown> {
  if (pull.kind === 'http') {
    return {
      kind: 'url',
      name: pull.name,
      pull: pull.id,
      url: pull.url,
      format: pull.format ?? 'auto',
      encoding: pull.encoding ?? 'auto',
    };
  }
  let where: Record<string, unknown> = {};
  if (identity && pull.connectionSealed) {
    try {
      const u = parseConnection(openConnection(identity, pull.connectionSealed));
      if (u) where = { host: u.hostname, database: decodeURIComponent(u.pathname.slice(1)) };
    } catch {
      // A connection sealed under another key: the batch records no host.
    }
  }
  return {
    kind: 'postgres',
    name: pull.name,
    pull: pull.id,
    ...where,
    format: 'csv',
    ...(pull.watermarkColumn ? { watermarkColumn: pull.watermarkColumn, after: pull.watermark } : {}),
  };
}

const toBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : chunk instanceof Uint8Array
      ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : Buffer.from(String(chunk), 'utf8');

/**
 * The chunks of a stream, failing with `onIdle()` when the next chunk, once asked for, takes
 * longer than `ms`; `check` sees the first chunk (to refuse a web page). Destroys the stream when
 * it ends, fails or is abandoned.
 */
async function* guarded(
  stream: Readable,
  ms: number,
  onIdle: () => Error,
  check?: (first: Buffer) => void,
): AsyncGenerator<Buffer> {
  const it = stream[Symbol.asyncIterator]();
  let first = true;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onIdle()), ms);
      });
      let next: IteratorResult<unknown>;
      try {
        next = await Promise.race([it.next(), idle]);
      } catch (e) {
        // A dropped transfer, a source database erring on a later row: the batch fails with why.
        throw e instanceof PullError ? e : new PullError(messageOf(e));
      } finally {
        clearTimeout(timer);
      }
      if (next.done) return;
      const chunk = toBuffer(next.value);
      if (first && chunk.length) {
        first = false;
        check?.(chunk);
      }
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
}

const HTML_START = /^(?:\uFEFF)?\s*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])/i;

/** Opens a pull: connects, reads ahead as far as the readers need, and hands the records over. */
export async function openPull(identity: NodeIdentity, pull: PullRow): Promise<OpenedPull> {
  return pull.kind === 'http' ? openHttp(pull) : openPostgres(identity, pull);
}

async function openHttp(pull: PullRow): Promise<OpenedPull> {
  const url = pull.url!;
  const secs = pull.timeoutSeconds;
  const ms = secs * 1000;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ms);
  let res: Response;
  try {
    res = await fetch(url, {
      signal: controller.signal,
      redirect: 'follow',
      headers: {
        accept:
          'text/csv, application/x-ndjson, application/json;q=0.9, text/tab-separated-values;q=0.9, */*;q=0.1',
      },
    });
  } catch (e) {
    if (timedOut) {
      throw new PullError(
        m(
          `${url} 在 ${secs} 秒内没有响应（连接或响应头超时）`,
          `${url} did not answer within ${secs} s (connecting or headers)`,
        ),
      );
    }
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new PullError(m(`无法连接 ${url}：${why}`, `Could not reach ${url}: ${why}`));
  } finally {
    clearTimeout(timer);
  }
  const discard = () => {
    controller.abort();
  };
  if (!res.ok) {
    discard();
    throw new PullError(
      m(
        `${url} 返回 HTTP ${res.status}，不是数据文件`,
        `${url} answered HTTP ${res.status}, not a data file`,
      ),
    );
  }
  const contentType = res.headers.get('content-type');
  const typed = formatOfContentType(contentType);
  if (typed === 'html') {
    discard();
    throw new PullError(
      m(
        `${url} 返回的是网页（${contentType}），不是数据文件；请检查地址是否需要登录或已失效`,
        `${url} answered a web page (${contentType}), not a data file; check whether the address needs a login or moved`,
      ),
    );
  }
  const format: Format | undefined =
    pull.format ??
    formatOfName(new URL(res.url || url).pathname) ??
    formatOfName(new URL(url).pathname) ??
    typed;
  if (!format) {
    discard();
    throw new PullError(
      m(
        `无法从地址或 Content-Type（${contentType ?? '无'}）判断 ${url} 的格式，请指定 format`,
        `The format of ${url} cannot be told from the address or the Content-Type (${contentType ?? 'none'}); set format`,
      ),
    );
  }
  const encoding = pull.encoding ?? encodingOfContentType(contentType);
  const coding = res.headers.get('content-encoding');
  const length = Number(res.headers.get('content-length'));
  const totalBytes =
    (!coding || coding === 'identity') && Number.isFinite(length) && length > 0 ? length : undefined;

  const body = res.body
    ? Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>)
    : Readable.from([] as Buffer[]);
  const bytes = Readable.from(
    guarded(
      body,
      ms,
      () => {
        controller.abort();
        return new PullError(
          m(
            `${url} 超过 ${secs} 秒没有发送数据，传输中断`,
            `${url} sent nothing for ${secs} s; the transfer was abandoned`,
          ),
        );
      },
      (first) => {
        if (format !== 'xlsx' && HTML_START.test(first.subarray(0, 512).toString('latin1'))) {
          throw new PullError(
            m(
              `${url} 返回的是网页，不是数据文件；请检查地址是否需要登录或已失效`,
              `${url} answered a web page, not a data file; check whether the address needs a login or moved`,
            ),
          );
        }
      },
    ),
  );
  let source: RecordSource;
  try {
    source = await openSource(bytes, { format, ...(encoding ? { encoding } : {}) });
  } catch (e) {
    discard();
    bytes.destroy();
    throw e;
  }
  return {
    source,
    format,
    sourceInfo: { ...sourceInfoOf(pull), format, encoding: encoding ?? 'auto', contentType },
    totalBytes,
    watermark: null,
    close: async () => {
      bytes.destroy();
      discard();
    },
  };
}

/** Types whose text form the row checker does not read as written: cast in the SELECT list. */
const BOOL_OID = 16;

async function openPostgres(identity: NodeIdentity, pull: PullRow): Promise<OpenedPull> {
  const query = singleSelect(pull.query ?? '');
  if (query === null) {
    throw new PullError(
      m(
        '查询必须是一条 SELECT（或 WITH … SELECT）语句',
        'The query must be one SELECT (or WITH … SELECT) statement',
      ),
    );
  }
  const secs = pull.timeoutSeconds;
  const ms = secs * 1000;
  const connection = openConnection(identity, pull.connectionSealed!);
  const u = parseConnection(connection);
  const where = u ? `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}` : '?';
  const client = new pg.Client({
    connectionString: connection,
    connectionTimeoutMillis: ms,
    statement_timeout: ms,
    application_name: 'datong-pull',
  });
  // A connection lost later fails the query or stream in flight; the event must not crash the node.
  client.on('error', () => undefined);
  let closed = false;
  let bytes: Readable | undefined;
  const close = async () => {
    if (closed) return;
    closed = true;
    bytes?.destroy();
    // A server that does not answer the goodbye within 2 s gets its socket closed.
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      client.end().then(
        () => false,
        () => false,
      ),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), 2000);
      }),
    ]);
    clearTimeout(timer);
    if (late)
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
  };
  try {
    await client.connect();
  } catch (e) {
    await close();
    const why = (e as Error).message;
    throw new PullError(
      m(`无法连接源数据库 ${where}：${why}`, `Could not connect to the source database ${where}: ${why}`),
    );
  }
  try {
    // Dates and times in the forms the row checker reads (ISO, UTC offsets as +00).
    await client.query(`SET datestyle = 'ISO, YMD'; SET timezone = 'UTC'; SET intervalstyle = 'iso_8601'`);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const inner = `(\n${query}\n) q`;
    const { fields } = await client.query(`SELECT * FROM ${inner} LIMIT 0`);
    const col = pull.watermarkColumn;
    if (col !== null && !fields.some((f) => f.name === col)) {
      throw new PullError(
        m(`查询结果没有增量列 ${col}`, `The query's result has no column ${col} (the watermark column)`),
      );
    }
    const id = (name: string) => client.escapeIdentifier(name);
    // Booleans as true/false (their text output t/f is not a boolean the checker reads).
    const list = fields.some((f) => f.dataTypeID === BOOL_OID)
      ? fields
          .map((f) =>
            f.dataTypeID === BOOL_OID ? `q.${id(f.name)}::text AS ${id(f.name)}` : `q.${id(f.name)}`,
          )
          .join(', ')
      : '*';
    let filter = '';
    let watermark: string | null = null;
    if (col !== null) {
      const last = pull.watermark;
      const above = last === null ? '' : ` WHERE q.${id(col)} > ${client.escapeLiteral(last)}`;
      const { rows } = await client.query<{ w: string | null }>(
        `SELECT max(q.${id(col)})::text AS w FROM ${inner}${above}`,
      );
      watermark = rows[0]?.w ?? null;
      filter =
        watermark === null
          ? ' WHERE false'
          : `${above ? `${above} AND` : ' WHERE'} q.${id(col)} <= ${client.escapeLiteral(watermark)}`;
    }
    // The COPY may take longer than one statement timeout; the wait between chunks is guarded instead.
    await client.query('SET LOCAL statement_timeout = 0');
    const copy = client.query(
      copyTo(`COPY (SELECT ${list} FROM ${inner}${filter}) TO STDOUT WITH (FORMAT csv, HEADER true)`),
    );
    copy.on('error', () => undefined);
    bytes = Readable.from(
      // The connection is closed by close(), after the error has reached the loader.
      guarded(copy, ms, () => {
        return new PullError(
          m(
            `源数据库 ${where} 超过 ${secs} 秒没有发送数据，读取中断`,
            `The source database ${where} sent nothing for ${secs} s; reading was abandoned`,
          ),
        );
      }),
    );
    let source: RecordSource;
    try {
      source = await openSource(bytes, { format: 'csv', encoding: 'utf8', delimiter: ',' });
    } catch (e) {
      bytes.destroy();
      throw e;
    }
    return {
      source,
      format: 'csv',
      sourceInfo: {
        ...sourceInfoOf(pull),
        host: u?.hostname,
        database: u ? decodeURIComponent(u.pathname.slice(1)) : undefined,
        ...(col !== null ? { to: watermark } : {}),
      },
      watermark,
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}
