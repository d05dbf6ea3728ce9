import crypto from 'node:crypto';
import pg from 'pg';

export type Pool = pg.Pool;
/** A client inside an open transaction. Module stores take one of these. */
export type Tx = pg.PoolClient;
/** Anything that can run a query: a pool or a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

// bigint (int8) columns come back as strings by default; ids and sequence numbers stay well
// inside 2^53, so read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'datong' });
  // An idle or checked-out client losing its server (e.g. at shutdown) must not crash the
  // process; the query in flight, if any, still fails and is handled there.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs `fn` in one transaction: committed if it resolves, rolled back if it throws. */
export async function withTx<T>(pool: Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

/** Quotes an identifier built from user input. Values are always bound parameters instead. */
export function ident(name: string): string {
  if (name.length === 0 || Buffer.byteLength(name) > 63) throw new Error(`invalid identifier "${name}"`);
  return `"${name.replace(/"/g, '""')}"`;
}

/** Distinct statements `prepared` names, per process, at most (each is kept on every connection). */
export const MAX_PREPARED = 500;
const preparedNames = new Map<string, string>();

/**
 * A query config that PostgreSQL parses and plans once per connection and then only executes:
 * for hot statements built at run time whose text repeats (a data service's statement for one
 * grant and one call shape), where planning costs several times the execution. Prepared
 * statements live as long as their connection, so only the first MAX_PREPARED distinct texts
 * are named; later ones run unnamed (parsed each time), which is only slower.
 */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `datong_${crypto.createHash('sha256').update(text).digest('hex').slice(0, 40)}`;
    preparedNames.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}
