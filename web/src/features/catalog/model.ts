/** Shapes of the catalog contract (docs/CATALOG.md), shared by the console and the public portal. */

export const CATEGORIES = ['base', 'theme', 'department'] as const;
export type Category = (typeof CATEGORIES)[number];

export const SHARE_TYPES = ['unconditional', 'conditional', 'none'] as const;
export type ShareType = (typeof SHARE_TYPES)[number];
export type OpenType = ShareType;

export const UPDATE_CYCLES = [
  'realtime',
  'daily',
  'weekly',
  'monthly',
  'quarterly',
  'half_yearly',
  'yearly',
  'irregular',
] as const;
export type UpdateCycle = (typeof UPDATE_CYCLES)[number];

export const RESOURCE_KINDS = ['table', 'file', 'api'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const SHARE_METHODS = ['api', 'file', 'database', 'other'] as const;
export type ShareMethod = (typeof SHARE_METHODS)[number];

export const ENTRY_STATUSES = [
  'draft',
  'submitted',
  'returned',
  'published',
  'deprecated',
  'withdrawn',
] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

export const FIELD_TYPES = ['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'json'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const VALIDATOR_KINDS = ['uscc', 'id_number', 'mobile', 'region_code', 'email', 'regex'] as const;
export type ValidatorKind = (typeof VALIDATOR_KINDS)[number];

export const PII_KINDS = [
  'none',
  'name',
  'id_number',
  'mobile',
  'address',
  'bank_card',
  'email',
  'other',
] as const;
export type PiiKind = (typeof PII_KINDS)[number];

export const GRADES = [1, 2, 3, 4] as const;
export type Grade = (typeof GRADES)[number];

export interface FieldInput {
  code?: string;
  name: string;
  description?: string;
  type: FieldType;
  length?: number | null;
  precision?: number | null;
  scale?: number | null;
  required: boolean;
  key: boolean;
  dataElementId?: string | null;
  codeTableId?: string | null;
  validator?: { kind: ValidatorKind; pattern?: string } | null;
  piiKind: PiiKind;
  grade: Grade;
}

export interface Field extends FieldInput {
  code: string;
}

export interface EntryInput {
  category: Category;
  classification: string[];
  name: string;
  summary: string;
  providerOrgId?: string;
  resourceKind: ResourceKind;
  formats: string[];
  updateCycle: UpdateCycle;
  publishDate?: string | null;
  relatedCodes: string[];
  tags: string[];
  licence?: string | null;
  responsible: { person: string; phone: string; email?: string | null };
  shareType: ShareType;
  shareCondition?: string | null;
  shareMethod: ShareMethod;
  openType: OpenType;
  openCondition?: string | null;
  grade: Grade;
  important: boolean;
  core: boolean;
  fields: FieldInput[];
}

export interface Entry extends Omit<EntryInput, 'fields'> {
  id: string;
  code: string;
  providerOrgId: string;
  providerOrgName: string;
  providerCode: string;
  status: EntryStatus;
  version: number;
  publishedVersion: number | null;
  fields: Field[];
  reviewComment: string | null;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  publishedAt: string | null;
  restricted?: boolean;
}

/**
 * One search hit. The contract leaves EntrySummary open, so everything beyond id, code and name
 * is optional here and the cards show what the server sends.
 */
export interface EntrySummary {
  id: string;
  code: string;
  name: string;
  summary?: string;
  providerOrgId?: string;
  providerOrgName?: string;
  category?: Category;
  shareType?: ShareType;
  openType?: OpenType;
  grade?: Grade;
  updateCycle?: UpdateCycle;
  formats?: string[];
  tags?: string[];
  status?: EntryStatus;
  version?: number;
  updatedAt?: string;
  restricted?: boolean;
}

/** The facet dimensions, named as the search query parameters. */
export const FACETS = [
  'provider',
  'category',
  'shareType',
  'openType',
  'grade',
  'updateCycle',
  'format',
  'tag',
] as const;
export type FacetName = (typeof FACETS)[number];

export interface FacetBucket {
  value: string;
  count: number;
  label?: string;
}

export interface SearchResult {
  items: EntrySummary[];
  facets: Partial<Record<string, FacetBucket[]>>;
  total: number;
  totalExact?: boolean;
  nextCursor: string | null;
}

export type SortKey = 'relevance' | 'updated' | 'name';

export interface SearchParams {
  q: string;
  sort: SortKey;
  filters: Partial<Record<FacetName, string[]>>;
  status?: EntryStatus | undefined;
  mine?: boolean | undefined;
}

export interface EntryVersion {
  version: number;
  status: EntryStatus | 'superseded';
  createdAt: string;
  publishedAt: string | null;
}

export interface Change {
  property: string;
  before: unknown;
  after: unknown;
}

export interface EntryDiff {
  metadata: { path: string; before: unknown; after: unknown }[];
  fields: { added: Field[]; removed: Field[]; changed: { code: string; changes: Change[] }[] };
}

export interface Transition {
  action: string;
  version: number;
  actorName: string | null;
  comment: string | null;
  at: string;
}

export interface ImportError {
  row: number;
  column: string;
  message: string;
  messageEn: string;
}

export interface ImportResult {
  created: { id: string; code: string; name: string }[];
  errors: ImportError[];
}
