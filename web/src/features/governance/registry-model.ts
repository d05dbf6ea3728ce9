/**
 * Shapes of the 一数一源 registry and the 多源校核 cross-checks (docs/QUALITY.md "Registry and
 * cross-checks"; src/modules/quality/registry.ts and crosscheck-read.ts).
 */

export const SUBJECT_KINDS = ['uscc', 'id_number'] as const;
/** uscc: the key is an organisation's 统一社会信用代码; id_number: a person's 身份证号码. */
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const NORMALISE_OPTIONS = ['trim', 'width', 'case', 'space'] as const;
export type NormaliseOption = (typeof NORMALISE_OPTIONS)[number];
/** How values are normalised before comparing; each option defaults to true. */
export type Normalise = Record<NormaliseOption, boolean>;
export const DEFAULT_NORMALISE: Normalise = { trim: true, width: true, case: true, space: true };

export type SourceRole = 'authoritative' | 'secondary';

/** A source of a data item: a catalog entry, the field holding the value, the field holding the key. */
export interface SourceInput {
  entryId: string;
  field: string;
  keyField: string;
}

export interface ItemSource extends SourceInput {
  id: string;
  role: SourceRole;
  entryCode: string;
  entryName: string;
  providerOrgId: string;
  providerOrgName: string;
  fieldName: string;
  keyFieldName: string;
  createdAt: string;
}

export interface DataItem {
  id: string;
  name: string;
  description: string;
  subjectKind: SubjectKind;
  normalise: Normalise;
  /** The authoritative source first, then by entry name. */
  sources: ItemSource[];
  createdAt: string;
  updatedAt: string;
}

export interface CreateItemInput {
  name: string;
  description?: string;
  subjectKind: SubjectKind;
  normalise?: Partial<Normalise>;
  authority: SourceInput;
  sources?: SourceInput[];
}

export interface UpdateItemInput {
  name?: string;
  description?: string;
  subjectKind?: SubjectKind;
  normalise?: Partial<Normalise>;
  authority?: SourceInput;
}

export interface AddSourceInput extends SourceInput {
  role: SourceRole;
}

export type RunStatus = 'running' | 'done' | 'failed';

/** A run's failure as stored: the code, the reason in both languages, the item that failed. */
export interface RunError {
  code: string;
  'zh-CN': string;
  en: string;
  itemId?: string;
  sourceId?: string;
}

export interface RunSummary {
  id: number;
  status: RunStatus;
  error: RunError | null;
  startedByName: string;
  startedAt: string;
  finishedAt: string | null;
  /** Items compared. */
  items: number;
  /** Conflicts counted, all items and sources. */
  conflicting: number;
}

export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SourceRef {
  sourceId: string;
  entryId: string;
  entryName: string;
  providerOrgName: string;
  field: string;
  fieldName: string;
}

export interface SourceFigures extends SourceRef {
  /** Keys in both the authority and this source. */
  compared: number;
  agreeing: number;
  conflicting: number;
  /** Keys of the authority this source lacks. */
  missingInSource: number;
  /** Keys of this source the authority lacks. */
  missingInAuthority: number;
  /** agreeing / compared, 4 decimals; null when nothing was compared. */
  agreementRate: number | null;
  /** Conflicts kept for review (at most 10,000). */
  conflictsStored: number;
}

export interface ItemFigures {
  itemId: string;
  itemName: string;
  subjectKind: SubjectKind;
  /** The item's current authority. */
  authority: SourceRef | null;
  compared: number;
  agreeing: number;
  agreementRate: number | null;
  sources: SourceFigures[];
}

export interface Run extends RunSummary {
  results: ItemFigures[];
}

/** A conflict, masked for the viewer as the server answers it. */
export interface Conflict {
  id: number;
  itemId: string;
  itemName: string;
  sourceId: string;
  entryName: string;
  field: string;
  subjectKey: string;
  authoritativeValue: string | null;
  sourceValue: string | null;
  masked: boolean;
  objectionId: string | null;
}

export interface ConflictFilter {
  itemId?: string | undefined;
  sourceId?: string | undefined;
}
