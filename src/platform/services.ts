import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { AuditLedger } from './audit/index.js';
import type { NodeIdentity } from './crypto/types.js';

/** What every module gets from the platform, on `app.datong`. */
export interface Services {
  config: Config;
  pool: Pool;
  ledger: AuditLedger;
  identity: NodeIdentity;
  log: Logger;
}
