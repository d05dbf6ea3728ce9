/** Shapes of the sharing API (docs/SHARING.md; src/modules/sharing/schemas.ts). */

export const REQUEST_STATUSES = [
  'submitted',
  'provider_approved',
  'approved',
  'refused',
  'withdrawn',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const GRANT_STATUSES = ['active', 'suspended', 'revoked', 'expired'] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

/** The masking functions of src/platform/masking (MASK_FUNCTIONS), in that order. */
export const MASK_FUNCTIONS = [
  'none',
  'name',
  'id_number',
  'mobile',
  'bank_card',
  'address',
  'email',
  'date_year',
  'keyed_hash',
  'nullify',
] as const;
export type MaskFunction = (typeof MASK_FUNCTIONS)[number];

/** The mask a PII kind gets unless the grant says otherwise (the server's defaultMask). */
export function defaultMask(piiKind: string): MaskFunction {
  switch (piiKind) {
    case 'none':
    case 'name':
    case 'id_number':
    case 'mobile':
    case 'bank_card':
    case 'address':
    case 'email':
      return piiKind;
    default:
      return 'nullify';
  }
}

/** A simple row filter condition (filter.ts has and/or/not and more; the console builds one). */
export const FILTER_OPS = ['eq', 'ne', 'prefix', 'is_null', 'not_null'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export type SimpleCondition =
  | { field: string; op: 'eq' | 'ne' | 'prefix'; value: string }
  | { field: string; op: 'is_null' | 'not_null' };

export interface ShareEvent {
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorName: string | null;
  comment: string | null;
  detail: Record<string, unknown>;
  at: string;
}

export interface Scenario {
  name: string;
  description: string;
  basis: string;
}

/** Who shares which entry's fields with which application: common to a request and a grant. */
export interface ShareParties {
  id: string;
  consumerOrgId: string;
  consumerOrgName: string;
  appId: string;
  appName: string;
  entryId: string;
  entryCode: string;
  entryName: string;
  catalogVersion: number;
  providerOrgId: string;
  providerOrgName: string;
  fields: string[];
  validFrom: string;
  validTo: string;
  createdAt: string;
  updatedAt: string;
  events?: ShareEvent[];
}

export interface ShareRequest extends ShareParties {
  status: RequestStatus;
  scenario: Scenario & { appId: string };
  expectedVolume: { perDay: number };
  rowScope: unknown;
  shareType: 'unconditional' | 'conditional';
  needsReview: boolean;
  dueAt: string;
  reviewDueAt: string | null;
  overdue: boolean;
  workingDaysLeft: number | null;
  decidedByName: string | null;
  decidedAt: string | null;
  reviewedByName: string | null;
  reviewedAt: string | null;
  reason: string | null;
  adjustments: Record<string, unknown>;
  grantId: string | null;
  createdByName: string;
}

export interface CreateRequestInput {
  entryId: string;
  appId: string;
  fields: string[];
  scenario: Scenario;
  expectedVolume: { perDay: number };
  validFrom: string;
  validTo: string;
}

export interface ApproveInput {
  fields?: string[];
  masking?: Record<string, MaskFunction>;
  rowFilter?: SimpleCondition;
  validTo?: string;
  rateLimit?: number;
  dailyQuota?: number;
  comment?: string;
}

export interface Grant extends ShareParties {
  requestId: string;
  status: GrantStatus;
  masking: Record<string, MaskFunction>;
  rowFilter: unknown;
  rateLimit: number;
  dailyQuota: number;
  /** Calls admitted today (Asia/Shanghai), as last recorded by the node. */
  usedToday: number;
  statusReason: string | null;
  scenarioName: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type RequestBox = 'inbox' | 'outbox' | 'review';
export type GrantBox = 'consumer' | 'provider';

/** The answer of POST /api/services/grants/:id/query. */
export interface QueryAnswer {
  rows: Record<string, string | null>[];
  next: string | null;
}

/** Today in Asia/Shanghai as YYYY-MM-DD (validity dates are Shanghai days). */
export function shanghaiToday(now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}

/** A YYYY-MM-DD day moved by whole years (29 Feb → 28 Feb). */
export function addYears(day: string, years: number): string {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y + years, m - 1, d));
  if (date.getUTCMonth() !== m - 1) date.setUTCDate(0);
  return date.toISOString().slice(0, 10);
}

/** GET /api/share/apps/:id/usage: calls admitted per grant and day (Asia/Shanghai), oldest first. */
export interface AppUsage {
  days: string[];
  grants: {
    grantId: string;
    entryName: string;
    providerOrgName: string;
    status: GrantStatus;
    dailyQuota: number;
    calls: number[];
  }[];
}

export type DemandBox = 'mine' | 'assigned' | 'all';
export type DemandStatus =
  'open' | 'routed' | 'answered_linked' | 'answered_planned' | 'refused' | 'withdrawn' | 'closed';

/** 数据需求 (供需对接): what a department needs, routed to the department thought to hold it. */
export interface Demand {
  id: string;
  status: DemandStatus;
  requesterOrgId: string;
  requesterOrgName: string;
  title: string;
  description: string;
  purpose: { name: string; description: string; basis: string };
  suggestedOrgId: string | null;
  suggestedOrgName: string | null;
  assignedOrgId: string | null;
  assignedOrgName: string | null;
  dueAt: string | null;
  overdue: boolean;
  workingDaysLeft: number | null;
  answerKind: 'link' | 'plan' | 'refuse' | null;
  linkedEntryId: string | null;
  linkedEntryCode: string | null;
  linkedEntryName: string | null;
  plannedName: string | null;
  plannedDate: string | null;
  reason: string | null;
  answerComment: string | null;
  createdByName: string;
  createdAt: string;
}

export interface CreateDemandInput {
  title: string;
  description: string;
  purpose: { name: string; description: string; basis: string };
  suggestedOrgId?: string;
}

export type AnswerDemandInput =
  | { kind: 'link'; entryId: string; comment?: string }
  | { kind: 'plan'; plannedName: string; plannedDate: string; comment?: string }
  | { kind: 'refuse'; reason: string };
