import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import { startEmbedded } from './db/embedded.js';
import { createPool, type Pool } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { loadNodeIdentity } from './crypto/index.js';
import { createLedger } from './audit/index.js';
import type { Services } from './services.js';
import { ensureBuiltinStandards } from '../modules/standards/index.js';
import { failInterruptedBatches } from '../modules/ingest/load.js';

export interface Runtime {
  services: Services;
  pool: Pool;
  /** True when this process started the embedded PostgreSQL server. */
  ownsDatabase: boolean;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel, base: { node: config.node.code } });
}

/**
 * Opens the node: finds or starts its PostgreSQL (embedded under the home, or DATABASE_URL),
 * applies pending migrations, loads the node keys and the audit ledger. Every CLI command
 * goes through here, so they all find the node's database the same way.
 */
export async function openRuntime(config: Config, log: Logger = createLogger(config)): Promise<Runtime> {
  const db = config.databaseUrl
    ? { url: config.databaseUrl, owned: false, stop: async () => {} }
    : await startEmbedded(config.home, { log: (m) => log.info(m) });
  const pool = createPool(db.url, Number(process.env.DATONG_POOL_SIZE ?? 20));
  try {
    const { applied } = await migrate(pool);
    if (applied.length) log.info({ applied }, 'migrations applied');
    await ensureBuiltinStandards(pool);
    const interrupted = await failInterruptedBatches(pool);
    if (interrupted) log.warn({ interrupted }, 'load batches interrupted by an earlier crash marked failed');
    const identity = await loadNodeIdentity(config);
    const ledger = createLedger({ pool, identity, log });
    const services: Services = { config, pool, ledger, identity, log };
    let closed = false;
    return {
      services,
      pool,
      ownsDatabase: db.owned,
      close: async () => {
        if (closed) return;
        closed = true;
        await ledger.close().catch((e: unknown) => log.error({ err: e }, 'ledger close failed'));
        await pool.end().catch(() => undefined);
        await db.stop();
      },
    };
  } catch (e) {
    await pool.end().catch(() => undefined);
    await db.stop();
    throw e;
  }
}
