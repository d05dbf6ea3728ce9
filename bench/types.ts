import type { Pool } from '../src/platform/db/pool.js';

/** One benchmark figure, compared with a physical anchor measured in the same run. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  anchor?: { name: string; value: number; unit: string };
  /** value / anchor.value. */
  ratio?: number;
  note?: string;
}

export interface BenchContext {
  /** A pool on a migrated database the benchmark may fill. */
  pool: Pool;
  adminUrl: string;
  log: (message: string) => void;
}
