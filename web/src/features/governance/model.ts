/**
 * Shapes of the governance (治理) API used by the objections inbox and the department scorecards
 * (docs/QUALITY.md "Objections" and "Scorecards"; src/modules/quality/objection-schemas.ts and
 * scorecards.ts).
 */

export const OBJECTION_STATUSES = ['open', 'corrected', 'rejected', 'withdrawn'] as const;
export type ObjectionStatus = (typeof OBJECTION_STATUSES)[number];

export const OBJECTION_ORIGINS = ['consumer', 'steward', 'crosscheck', 'citizen'] as const;
export type ObjectionOrigin = (typeof OBJECTION_ORIGINS)[number];

export const OBJECTION_BOXES = ['inbox', 'raised', 'all'] as const;
/** inbox: addressed to my organisation(s); raised: by me or my organisation; all: the platform. */
export type ObjectionBox = (typeof OBJECTION_BOXES)[number];

/** The steps an objection's events record. */
export const OBJECTION_ACTIONS = ['raise', 'correct', 'reject', 'withdraw', 'escalate'] as const;

export interface ObjectionEvent {
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorName: string | null;
  comment: string | null;
  detail: Record<string, unknown>;
  at: string;
}

/** 异议: a record of an entry's dataset (by its key), optionally one field, and its handling. */
export interface Objection {
  id: string;
  status: ObjectionStatus;
  entryId: string;
  entryCode: string;
  entryName: string;
  providerOrgId: string;
  providerOrgName: string;
  /** The department that must answer. */
  orgId: string;
  orgName: string;
  recordKey: Record<string, string>;
  field: string | null;
  fieldName: string | null;
  currentValue: string | null;
  proposedValue: string | null;
  /** Values masked by the field's PII kind: everyone but the provider's staff. */
  masked: boolean;
  reason: string;
  evidence: string;
  origin: ObjectionOrigin;
  conflictId: number | null;
  raisedByName: string;
  raiserOrgId: string | null;
  raiserOrgName: string | null;
  dueAt: string;
  overdue: boolean;
  /** Working days to the deadline (negative once overdue); null once answered. */
  workingDaysLeft: number | null;
  escalatedAt: string | null;
  resolution: string | null;
  correctionBatchId: number | null;
  resolvedByName: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
  events?: ObjectionEvent[];
}

export interface ObjectionPage {
  items: Objection[];
  nextCursor: string | null;
}

export interface ObjectionFilter {
  box: ObjectionBox;
  status?: ObjectionStatus | undefined;
  overdue?: boolean | undefined;
}

export interface RaiseObjectionInput {
  entryId: string;
  key: Record<string, string>;
  field?: string;
  proposedValue?: string;
  reason: string;
  evidence?: string;
  /** Another department to answer (governance.manage only). */
  orgId?: string;
}

export interface CorrectObjectionInput {
  /** The objection's field: the corrected value (null empties it). */
  value?: string | null;
  /** A whole-record objection: the fields to correct. */
  values?: Record<string, string | null>;
  comment: string;
}

// ---- scorecards (部门考核) ------------------------------------------------------------------

/** 0–100 with two decimals; null: nothing to measure. */
export type Percent = number | null;

export interface ScorecardRow {
  orgId: string;
  orgName: string;
  catalog: { published: number; withData: number; percent: Percent };
  timeliness: { expected: number; onTime: number; percent: Percent };
  quality: { datasets: number; score: Percent };
  shareRequests: {
    submitted: number;
    decided: number;
    medianHours: number | null;
    onTime: number;
    overdue: number;
    percent: Percent;
  };
  objections: { due: number; resolvedOnTime: number; openOverdue: number; percent: Percent };
  availability: { calls: number; errors: number; percent: Percent };
  overall: Percent;
}

export interface Scorecard {
  from: string;
  to: string;
  asOf: string;
  weights: Record<string, number>;
  rows: ScorecardRow[];
}

/** The six figures of a scorecard row, in the server's order (WEIGHTS). */
export const FIGURES = [
  'catalog',
  'timeliness',
  'quality',
  'shareRequests',
  'objections',
  'availability',
] as const;
export type Figure = (typeof FIGURES)[number];

/** A figure's percentage of a row. */
export function figurePercent(row: ScorecardRow, figure: Figure): Percent {
  return figure === 'quality' ? row.quality.score : row[figure].percent;
}

export interface Period {
  from: string;
  to: string;
}
