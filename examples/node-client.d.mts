// Types of examples/node-client.mjs (for TypeScript callers and the tests).

export type QueryValue = string | number | boolean | (string | number | boolean)[] | undefined;

export function canonicalQuery(query?: Record<string, QueryValue>): string;

export function signHeaders(r: {
  method: string;
  path: string;
  query?: Record<string, QueryValue>;
  body?: string;
  keyId: string;
  secret: string;
  timestamp?: number;
  nonce?: string;
}): Record<'x-datong-key' | 'x-datong-timestamp' | 'x-datong-nonce' | 'x-datong-signature', string>;

export class DatongError extends Error {
  constructor(status: number, problem?: { code?: string; detail?: string; title?: string });
  status: number;
  code: string | undefined;
  problem: unknown;
}

type Row = Record<string, string | null>;
type Values = Record<string, string>;

export interface DatongClient {
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; query?: Record<string, QueryValue> },
  ): Promise<unknown>;
  query(grantId: string, body: object): Promise<{ rows: Row[]; next: string | null }>;
  queryBatch(
    grantId: string,
    body: { keys: Values[]; fields?: string[] },
  ): Promise<{ results: { found: boolean; row: Row | null }[] }>;
  verify(
    grantId: string,
    body: { key: Values; values: Values },
  ): Promise<{ found: boolean; fields: Record<string, 'match' | 'mismatch' | 'not_found'> }>;
  verifyBatch(
    grantId: string,
    body: { items: { key: Values; values: Values }[] },
  ): Promise<{ results: unknown[] }>;
  changes(
    grantId: string,
    body: { since: number; limit?: number; after?: string },
  ): Promise<{
    changes: { batch: number; op: string; key: Row | null; row: Row | null }[];
    next: string | null;
    lastBatch: number;
    keysGranted: boolean;
  }>;
  queryAll(grantId: string, body: object): AsyncGenerator<Row>;
}

export function createClient(opts: {
  baseUrl: string;
  keyId: string;
  secret: string;
  fetch?: typeof globalThis.fetch;
}): DatongClient;
