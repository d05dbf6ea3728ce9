import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { BatchResult } from '../modules/ingest/load.js';

/**
 * `datong ingest FILE --dataset CODE --server URL`: the same load against a node elsewhere,
 * through its HTTP API (docs/INGEST.md "HTTP"). The file streams as multipart with its length
 * known, so the server reports a percent and nothing is held whole on either side. Credentials:
 * a bearer token (`--token` or DATONG_TOKEN), or a user name with DATONG_PASSWORD.
 */

export interface RemoteIngest {
  server: string;
  file: string;
  dataset: string;
  mode: string;
  encoding?: string | undefined;
  format?: string | undefined;
  sheet?: string | undefined;
  headerRow?: string | undefined;
  threshold?: string | undefined;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** Bytes sent so far, and the running batch's rows when the server reports them. */
  onProgress?: (p: { bytes: number; total: number; rowsRead?: number; rowsRejected?: number }) => void;
}

export interface RemoteResult {
  entry: { entryId: string; code: string; name: string };
  batch: BatchResult;
}

/** An answer the server refused: its status, problem code and message. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    problem: { title?: string; detail?: string; code?: string },
  ) {
    super(`${status} ${problem.code ?? ''}: ${problem.detail ?? problem.title ?? 'request failed'}`.trim());
  }
}

const POLL_MS = 1000;

async function answer<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { title?: string; detail?: string; code?: string };
  if (!res.ok) throw new RemoteError(res.status, body);
  return body;
}

async function bearer(base: URL, opts: RemoteIngest): Promise<string> {
  if (opts.token) return opts.token;
  if (!opts.user || !opts.password) {
    throw new Error(
      '需要凭据：--token（或 DATONG_TOKEN），或 --user 加 DATONG_PASSWORD / credentials needed: --token (or DATONG_TOKEN), or --user with DATONG_PASSWORD',
    );
  }
  const res = await fetch(new URL('/api/auth/tokens', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: opts.user, password: opts.password }),
  });
  return (await answer<{ accessToken: string }>(res)).accessToken;
}

export async function ingestRemote(opts: RemoteIngest): Promise<RemoteResult> {
  const base = new URL(opts.server);
  const auth = { authorization: `Bearer ${await bearer(base, opts)}` };
  const entry = await answer<RemoteResult['entry']>(
    await fetch(new URL(`/api/ingest/entries?code=${encodeURIComponent(opts.dataset)}`, base), {
      headers: auth,
    }),
  );

  const size = fs.statSync(opts.file).size;
  const boundary = `----datong-${randomBytes(12).toString('hex')}`;
  const name = path.basename(opts.file).replace(/["\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"; ` +
      `filename*=UTF-8''${encodeURIComponent(name)}\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let sent = 0;
  let rows: { rowsRead: number; rowsRejected: number } | undefined;
  const report = () => opts.onProgress?.({ bytes: sent, total: size, ...rows });
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of fs.createReadStream(opts.file)) {
      sent += (chunk as Buffer).length;
      report();
      yield chunk as Buffer;
    }
    yield tail;
  }

  const query = new URLSearchParams({ mode: opts.mode });
  for (const [k, v] of [
    ['encoding', opts.encoding],
    ['format', opts.format],
    ['sheet', opts.sheet],
    ['headerRow', opts.headerRow],
    ['threshold', opts.threshold],
  ] as const) {
    if (v !== undefined) query.set(k, v);
  }
  // While the upload runs, the dataset lists the running batch with its rows so far.
  let polling = true;
  const poll = (async () => {
    while (polling) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!polling) return;
      const res = await fetch(new URL(`/api/catalog/entries/${entry.entryId}/dataset`, base), {
        headers: auth,
      }).catch(() => null);
      if (!res?.ok) continue;
      const ds = (await res.json()) as {
        batches: { status: string; progress?: { rowsRead: number; rowsRejected: number } }[];
      };
      const running = ds.batches.find((b) => b.status === 'running' && b.progress);
      if (running?.progress) {
        rows = { rowsRead: running.progress.rowsRead, rowsRejected: running.progress.rowsRejected };
        report();
      }
    }
  })();
  try {
    const res = await fetch(
      new URL(`/api/catalog/entries/${entry.entryId}/dataset/batches?${query.toString()}`, base),
      {
        method: 'POST',
        headers: {
          ...auth,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
        },
        body: Readable.toWeb(Readable.from(body())) as ReadableStream<Uint8Array>,
        duplex: 'half',
      } as RequestInit & { duplex: 'half' },
    );
    return { entry, batch: await answer<RemoteResult['batch']>(res) };
  } finally {
    polling = false;
    await poll;
  }
}
