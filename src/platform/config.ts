import path from 'node:path';

export type CryptoSuite = 'intl' | 'gm';
export type NodeLevel = 'national' | 'provincial' | 'municipal' | 'county';

export interface Config {
  /** Datong home: embedded PostgreSQL data, node keys, runtime state. */
  home: string;
  /** When set, Datong uses this server instead of the embedded one. */
  databaseUrl: string | undefined;
  port: number;
  host: string;
  cryptoSuite: CryptoSuite;
  node: { code: string; name: string; level: NodeLevel };
  /** Run the graphile-worker queue inside `serve`. */
  inProcessWorker: boolean;
  logLevel: string;
  /** Maximum request body in bytes. */
  bodyLimit: number;
  /** Directory of the built web UI. */
  webDist: string;
}

export interface ConfigOverrides {
  home?: string | undefined;
  port?: number | string | undefined;
  databaseUrl?: string | undefined;
}

const SUITES: readonly CryptoSuite[] = ['intl', 'gm'];
const LEVELS: readonly NodeLevel[] = ['national', 'provincial', 'municipal', 'county'];

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
  name: string,
): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
}

function parsePort(value: number | string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`invalid port "${value}"`);
  return n;
}

/** Reads configuration from flags first, then the environment, then defaults. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const home = path.resolve(overrides.home ?? env.DATONG_HOME ?? '.datong');
  return {
    home,
    databaseUrl: overrides.databaseUrl ?? (env.DATABASE_URL || undefined),
    port: parsePort(overrides.port ?? env.PORT, 8080),
    host: env.HOST ?? '0.0.0.0',
    cryptoSuite: oneOf(env.DATONG_CRYPTO_SUITE, SUITES, 'intl', 'DATONG_CRYPTO_SUITE'),
    node: {
      code: env.DATONG_NODE_CODE ?? '440000',
      name: env.DATONG_NODE_NAME ?? '广东省',
      level: oneOf(env.DATONG_NODE_LEVEL, LEVELS, 'provincial', 'DATONG_NODE_LEVEL'),
    },
    inProcessWorker: env.DATONG_WORKER !== 'off',
    logLevel: env.LOG_LEVEL ?? 'info',
    bodyLimit: Number(env.DATONG_BODY_LIMIT ?? 1024 * 1024),
    webDist: path.resolve(env.DATONG_WEB_DIST ?? path.join(import.meta.dirname, '..', '..', 'web', 'dist')),
  };
}
