import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

/**
 * The node serves the built UI from web/dist. `npm run test:e2e` builds it first; this covers a
 * bare `vitest run --config vitest.e2e.config.ts` on a fresh tree.
 */
export default async function setup(): Promise<void> {
  const root = path.resolve(import.meta.dirname, '..', '..');
  if (fs.existsSync(path.join(root, 'web', 'dist', 'index.html'))) return;
  await build({ configFile: path.join(root, 'web', 'vite.config.ts'), logLevel: 'warn' });
}
