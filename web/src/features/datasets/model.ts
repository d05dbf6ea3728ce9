/**
 * Shapes of the aggregation (归集) API: docs/INGEST.md "HTTP", the probe / mapping / reject-rows
 * endpoints and the pull sources (拉取源) API.
 */

export interface Localized {
  'zh-CN': string;
  en: string;
}

export const LOAD_MODES = ['replace', 'append', 'upsert', 'delete'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];
export type BatchMode = LoadMode | 'rollback';
export type BatchStatus = 'running' | 'done' | 'failed' | 'aborted';

export const FORMATS = ['csv', 'tsv', 'xlsx', 'json', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];
export const ENCODINGS = ['utf8', 'utf8-bom', 'gb18030'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface Progress {
  rowsRead: number;
  rowsRejected: number;
  bytes: number;
  percent: number | null;
}

export interface Batch {
  id: number;
  entryId: string;
  mode: BatchMode;
  status: BatchStatus;
  source: Record<string, unknown>;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
  bytes: number;
  version: number | null;
  error: Localized | null;
  startedByName: string;
  startedAt: string;
  finishedAt: string | null;
  progress?: Progress;
}

export interface DatasetColumn {
  code: string;
  name: string;
  type: string;
  pgType: string;
  key: boolean;
  piiKind: string;
}

export interface DatasetVersion {
  version: number;
  rowCount: number;
  createdAt: string;
  batchId: number | null;
}

export interface Dataset {
  entryId: string;
  name: string;
  catalogVersion: number;
  columns: DatasetColumn[];
  currentVersion: number;
  keepVersions: number;
  versions: DatasetVersion[];
  batches: Batch[];
  /** The saved header mapping: source header → field code. */
  mapping?: Record<string, string>;
  /** Indexes a steward asked for, each a list of column codes. */
  indexes?: string[][];
}

export interface Preview {
  columns: { code: string; name: string; type: string; masked: boolean }[];
  rows: Record<string, string | null>[];
  rowCount: number;
}

export interface Warning {
  row: number;
  message: Localized | string;
}

export interface BatchResult {
  batchId: number;
  status: Exclude<BatchStatus, 'running'>;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsInserted: number;
  rowsUpdated: number;
  rowsDeleted: number;
  bytes: number;
  version: number | null;
  error: Localized | null;
  warnings: Warning[];
}

export interface ProbeMapping {
  header: string;
  code: string | null;
  by: 'saved' | 'code' | 'name' | null;
}

export interface ProbeResult {
  format: Format;
  /** Null for formats without a text encoding (XLSX). */
  encoding: Encoding | null;
  delimiter: string | null;
  sheets: string[];
  header: string[];
  sample: (string | null)[][];
  mapping: ProbeMapping[];
  missing: string[];
  warnings: Warning[];
}

export interface RejectRow {
  row: number;
  field: string | null;
  value: string | null;
  reason: Localized;
}

export interface RejectRows {
  total: number;
  stored: number;
  items: RejectRow[];
}

/** How a file is read: what the upload and the probe take as query parameters. */
export interface ReadOptions {
  format?: Format;
  encoding?: Encoding;
  sheet?: string;
  headerRow?: number;
}

export const PULL_KINDS = ['http', 'postgres'] as const;
export type PullKind = (typeof PULL_KINDS)[number];
export const PULL_FORMATS = ['csv', 'tsv', 'json', 'ndjson'] as const;
export type PullFormat = (typeof PULL_FORMATS)[number];
export type PullStatus = 'queued' | 'running' | 'done' | 'failed' | 'aborted';

export interface Pull {
  id: string;
  entryId: string;
  name: string;
  kind: PullKind;
  mode: LoadMode;
  url: string | null;
  format: PullFormat | null;
  encoding: Encoding | null;
  connection: string | null;
  query: string | null;
  watermarkColumn: string | null;
  watermark: string | null;
  schedule: string | null;
  enabled: boolean;
  timeoutSeconds: number;
  threshold: number;
  lastRunAt: string | null;
  lastBatchId: number | null;
  lastStatus: PullStatus | null;
  lastError: Localized | null;
  createdByName: string;
  createdAt: string;
  updatedAt: string;
}

export interface PullInput {
  name: string;
  kind: PullKind;
  mode: LoadMode;
  url?: string;
  format?: PullFormat | null;
  encoding?: Encoding | null;
  connection?: string;
  query?: string;
  watermarkColumn?: string | null;
  schedule?: string | null;
  enabled?: boolean;
  timeoutSeconds?: number;
  threshold?: number;
}
