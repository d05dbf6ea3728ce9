import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startNode as start } from '../../src/cli/serve.js';

/**
 * A whole node as `npm start` runs it (embedded PostgreSQL in a temporary home, demo data,
 * the built web UI) on a free port of 127.0.0.1, for browser tests.
 */
export async function startNode(): Promise<{ url: string; stop(): Promise<void> }> {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'datong-e2e-'));
  delete process.env.DATABASE_URL;
  const node = await start({ home, port: 0, host: '127.0.0.1', quiet: true });
  return {
    url: node.url,
    stop: async () => {
      await node.stop();
      await fs.rm(home, { recursive: true, force: true });
    },
  };
}
