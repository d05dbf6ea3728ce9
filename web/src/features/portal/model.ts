import type { Category, OpenType, UpdateCycle } from '../catalog/model';

/** The public API's shapes (docs/OPENING.md "Public API — shapes and decisions"). */

export interface DatasetCard {
  entryId: string;
  code: string;
  name: string;
  summary: string;
  category: Category;
  providerOrgId: string;
  providerOrgName: string;
  openType: OpenType;
  tags: string[];
  updateCycle: UpdateCycle;
  publishedAt: string | null;
  dataAvailable: boolean;
  rowCount: number | null;
  downloads: number;
}

export interface OpenHome {
  categories: { category: Category; name: string; nameEn: string; count: number }[];
  departments: { orgId: string; name: string; uscc: string; count: number }[];
  newest: DatasetCard[];
  popular: (DatasetCard & { recentDownloads: number })[];
  totals: { entries: number; withData: number };
}

export interface OpenSearchParams {
  q?: string;
  category?: Category;
  org?: string;
  page: number;
  pageSize: number;
}

export interface OpenSearchResult {
  total: number;
  page: number;
  pageSize: number;
  items: DatasetCard[];
}

/** The catalog field type of an open column (string, integer, decimal, boolean, date, datetime, json). */
export interface OpenColumn {
  code: string;
  name: string;
  type: string;
}

export interface OpenDataset extends DatasetCard {
  licence: string | null;
  version: number;
  refreshedAt: string | null;
  columns: (OpenColumn & { description: string | null })[];
  api: { rows: string; aggregate: string; download: string; datastoreSearch: string };
}

export interface OpenRowsQuery {
  q?: string;
  /** JSON `{code: value}`. */
  filters?: string;
  limit: number;
  offset?: number;
}

export interface OpenRows {
  columns: OpenColumn[];
  rows: Record<string, unknown>[];
  total: number;
  limit: number;
  offset: number;
}

export type RegionLevel = 'province' | 'city';

export interface OpenAggregateQuery {
  groupBy: string;
  /** count | sum:<code> | avg:<code> */
  measure: string;
  regionLevel?: RegionLevel;
}

export interface OpenAggregate {
  groupBy: string;
  measure: string;
  regionLevel: RegionLevel | null;
  rows: { key: unknown; value: number }[];
  truncated: boolean;
}

export const DOWNLOAD_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export const isNumeric = (c: OpenColumn) => c.type === 'integer' || c.type === 'decimal';

/** A good default to group by: a non-numeric column whose sampled values repeat the most. */
export function categoryColumn(
  columns: OpenColumn[],
  rows: Record<string, unknown>[] | undefined,
): string | null {
  let best: { code: string; distinct: number } | null = null;
  for (const c of columns) {
    if (isNumeric(c) || c.type === 'json') continue;
    const distinct = new Set((rows ?? []).map((r) => String(r[c.code] ?? ''))).size;
    if (distinct >= 2 && (!best || distinct < best.distinct)) best = { code: c.code, distinct };
  }
  return best?.code ?? columns[0]?.code ?? null;
}
