#!/usr/bin/env node
// Builds the server (tsc → dist/) and the web UI (vite → web/dist/).
// With --if-missing, a part is rebuilt only when its output is missing or older than its sources,
// so `npm start` on a fresh clone builds once and later starts are immediate.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const ifMissing = process.argv.includes('--if-missing');

function newest(dir) {
  let max = 0;
  if (!fs.existsSync(dir)) return max;
  if (fs.statSync(dir).isFile()) return fs.statSync(dir).mtimeMs;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const m = fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs;
    if (m > max) max = m;
  }
  return max;
}

function stale(output, sources) {
  if (!fs.existsSync(output)) return true;
  const built = fs.statSync(output).mtimeMs;
  return sources.some(
    (s) =>
      newest(path.join(root, s)) > built ||
      (fs.existsSync(path.join(root, s)) && fs.statSync(path.join(root, s)).mtimeMs > built),
  );
}

function run(label, cmd, args) {
  process.stdout.write(`datong build: ${label} …\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const serverOut = path.join(root, 'dist', 'cli', 'index.js');
if (!ifMissing || stale(serverOut, ['src', 'tsconfig.json', 'tsconfig.build.json'])) {
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  run('server (tsc)', process.execPath, [
    path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  fs.chmodSync(serverOut, 0o755);
}
const webOut = path.join(root, 'web', 'dist', 'index.html');
if (!ifMissing || stale(webOut, ['web/src', 'web/index.html', 'web/vite.config.ts'])) {
  run('web UI (vite)', process.execPath, [
    path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    'web/vite.config.ts',
    '--logLevel',
    'warn',
  ]);
}
