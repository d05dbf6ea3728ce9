import fs from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from './pool.js';

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'migrations');

export interface MigrationResult {
  applied: string[];
}

/**
 * Forward-only migrations: every `migrations/NNNN_name.sql` file not yet recorded in
 * `datong.schema_migrations` runs once, in name order, each in its own transaction.
 * An advisory lock keeps two processes from migrating at once.
 */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock(7434001)');
    await client.query(`CREATE SCHEMA IF NOT EXISTS datong;
      CREATE TABLE IF NOT EXISTS datong.schema_migrations (
        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string }>('SELECT name FROM datong.schema_migrations');
    const done = new Set(rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await fs.readFile(path.join(dir, file), 'utf8');
      try {
        await client.query('BEGIN');
        await client.query(sql);
        await client.query('INSERT INTO datong.schema_migrations(name) VALUES ($1)', [file]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(file);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock(7434001)').catch(() => undefined);
    client.release();
  }
  return { applied };
}
