#!/usr/bin/env node
// A minimal client of Datong's data services (docs/SHARING.md "Clients"), for Node ≥ 20 and no
// dependencies: it signs each request as src/platform/auth/signature.ts verifies it.
//
//   signingKey   = SHA-256(utf8(secret))
//   stringToSign = METHOD \n PATH \n CANONICAL_QUERY \n hex(SHA-256(body)) \n TIMESTAMP \n NONCE
//   signature    = hex(HMAC-SHA256(signingKey, stringToSign))
//   headers      x-datong-key, x-datong-timestamp (Unix seconds), x-datong-nonce, x-datong-signature
//
// CANONICAL_QUERY: the query's name/value pairs sorted by name then value, each encodeURIComponent'ed,
// joined by & (empty without a query). The body hashed is exactly the bytes sent. A nonce is used
// once; the timestamp must be within 5 minutes of the server's clock.
//
// As a library:
//   import { createClient } from './node-client.mjs';
//   const datong = createClient({ baseUrl: 'https://datong.example.gov.cn', keyId, secret });
//   const { rows, next } = await datong.query(grantId, { key: { uscc: '91440101MA...' } });
//   const { found, fields } = await datong.verify(grantId, { key: {...}, values: { fddbr: '张三' } });
//
// From a shell (DATONG_URL, DATONG_KEY_ID, DATONG_SECRET in the environment):
//   node examples/node-client.mjs query  <grantId> '{"key":{"uscc":"91440101MA..."}}'
//   node examples/node-client.mjs verify <grantId> '{"key":{...},"values":{...}}'
//   node examples/node-client.mjs changes <grantId> '{"since":0}'

import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';

/** Pairs sorted by name then value (UTF-16 code units), each encodeURIComponent'ed, joined by &. */
export function canonicalQuery(query = {}) {
  const pairs = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, String(v)]);
  }
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  return pairs
    .sort(([an, av], [bn, bv]) => cmp(an, bn) || cmp(av, bv))
    .map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`)
    .join('&');
}

/**
 * The four headers that sign one request.
 * @param {{method: string, path: string, query?: Record<string, string | number | boolean | Array<string | number | boolean>>,
 *          body?: string, keyId: string, secret: string, timestamp?: number, nonce?: string}} r
 */
export function signHeaders(r) {
  const timestamp = r.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = r.nonce ?? crypto.randomBytes(18).toString('base64url');
  const bodyHash = crypto
    .createHash('sha256')
    .update(r.body ?? '', 'utf8')
    .digest('hex');
  const text = [
    r.method.toUpperCase(),
    r.path,
    canonicalQuery(r.query),
    bodyHash,
    String(timestamp),
    nonce,
  ].join('\n');
  const key = crypto.createHash('sha256').update(r.secret, 'utf8').digest();
  return {
    'x-datong-key': r.keyId,
    'x-datong-timestamp': String(timestamp),
    'x-datong-nonce': nonce,
    'x-datong-signature': crypto.createHmac('sha256', key).update(text, 'utf8').digest('hex'),
  };
}

/** A problem answer (RFC 9457) as an Error: status, code and the server's message. */
export class DatongError extends Error {
  constructor(status, problem) {
    super(`${status} ${problem?.code ?? ''}: ${problem?.detail ?? problem?.title ?? 'request failed'}`);
    this.status = status;
    this.code = problem?.code;
    this.problem = problem;
  }
}

/** A client for one application credential. */
export function createClient({ baseUrl, keyId, secret, fetch: doFetch = globalThis.fetch }) {
  const base = baseUrl.replace(/\/+$/, '');
  async function call(method, path, { body, query } = {}) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const qs = canonicalQuery(query);
    const res = await doFetch(`${base}${path}${qs ? `?${qs}` : ''}`, {
      method,
      headers: {
        ...signHeaders({ method, path, query, body: text, keyId, secret }),
        ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(text === undefined ? {} : { body: text }),
    });
    const type = res.headers.get('content-type') ?? '';
    const answer = type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer());
    if (!res.ok) throw new DatongError(res.status, type.includes('json') ? answer : undefined);
    return answer;
  }
  const grant = (id, op) => `/api/services/grants/${encodeURIComponent(id)}/${op}`;
  return {
    call,
    /** {key? | where?, fields?, limit?, after?} → {rows, next} */
    query: (grantId, body) => call('POST', grant(grantId, 'query'), { body }),
    /** {keys, fields?} → {results: [{found, row}]} */
    queryBatch: (grantId, body) => call('POST', grant(grantId, 'query/batch'), { body }),
    /** {key, values} → {found, fields: {code: match | mismatch | not_found}} */
    verify: (grantId, body) => call('POST', grant(grantId, 'verify'), { body }),
    /** {items: [{key, values}]} → {results} */
    verifyBatch: (grantId, body) => call('POST', grant(grantId, 'verify/batch'), { body }),
    /** {since, limit?, after?} → {changes, next, lastBatch, keysGranted} */
    changes: (grantId, body) => call('POST', grant(grantId, 'changes'), { body }),
    /** Every row of a query, page after page (an async iterator). */
    async *queryAll(grantId, body) {
      let after;
      do {
        const page = await call('POST', grant(grantId, 'query'), {
          body: { ...body, ...(after ? { after } : {}) },
        });
        yield* page.rows;
        after = page.next;
      } while (after);
    },
  };
}

// Run from a shell: node examples/node-client.mjs <op> <grantId> '<json body>'
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [op, grantId, json = '{}'] = process.argv.slice(2);
  const { DATONG_URL, DATONG_KEY_ID, DATONG_SECRET } = process.env;
  const ops = ['query', 'queryBatch', 'verify', 'verifyBatch', 'changes'];
  if (!ops.includes(op ?? '') || !grantId || !DATONG_URL || !DATONG_KEY_ID || !DATONG_SECRET) {
    console.error(
      `usage: DATONG_URL=… DATONG_KEY_ID=… DATONG_SECRET=… node node-client.mjs <${ops.join('|')}> <grantId> '<json>'`,
    );
    process.exit(2);
  }
  const client = createClient({ baseUrl: DATONG_URL, keyId: DATONG_KEY_ID, secret: DATONG_SECRET });
  client[op](grantId, JSON.parse(json)).then(
    (answer) => console.log(JSON.stringify(answer, null, 2)),
    (err) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
