/** The shapes of the conditional-opening and data-product API (docs/OPENING.md). */

export type ApplicationStatus =
  'submitted' | 'provider_approved' | 'approved' | 'refused' | 'withdrawn' | 'expired';
export type ApplicationBox = 'inbox' | 'review';

export interface OpenEvent {
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorName: string | null;
  comment: string | null;
  at: string;
}

export interface OpenApplication {
  id: string;
  status: ApplicationStatus;
  entryId: string;
  entryCode: string;
  entryName: string;
  providerOrgName: string;
  applicantName: string;
  applicantOrgName: string;
  applicantUscc: string;
  purpose: string;
  intendedUse: string;
  securityMeasures: string;
  agreementVersion: string;
  months: number;
  grantedMonths: number | null;
  dueAt: string;
  reviewDueAt: string | null;
  overdue: boolean;
  workingDaysLeft: number | null;
  providerDecision: 'approve' | 'refuse' | null;
  providerReason: string | null;
  platformDecision: 'approve' | 'refuse' | null;
  platformReason: string | null;
  withdrawReason: string | null;
  expiresAt: string | null;
  active: boolean;
  createdAt: string;
  events?: OpenEvent[];
}

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface Agreement {
  version: string;
  text: { 'zh-CN': string; en: string };
}

export interface ApplyInput {
  entryId: string;
  purpose: string;
  applicantOrgName: string;
  applicantUscc: string;
  intendedUse: string;
  securityMeasures: string;
  months: number;
  agreementAccepted: boolean;
  agreementVersion: string;
}

export type ProductKind = 'query' | 'verify' | 'statistics';
export type ProductStatus = 'draft' | 'published' | 'retired';
export type SubscriptionStatus = 'applied' | 'approved' | 'refused' | 'revoked';

export interface Tier {
  name: string;
  callsPerMonth: number;
  ratePerMinute: number;
}

export interface DataProduct {
  id: string;
  entryId: string;
  entryCode: string;
  entryName: string;
  providerOrgName: string;
  kind: ProductKind;
  name: string;
  description: string;
  terms: string;
  termsVersion: number;
  tiers: Tier[];
  config: Record<string, unknown>;
  status: ProductStatus;
  publishedAt: string | null;
  createdAt: string;
}

export interface CreateProductInput {
  entryId: string;
  kind: ProductKind;
  name: string;
  description: string;
  terms: string;
  tiers: Tier[];
  config?: Record<string, unknown>;
}

export interface Subscription {
  id: string;
  productId: string;
  productName: string;
  productKind: ProductKind;
  entryName: string;
  providerOrgName: string;
  subscriberName: string;
  companyName: string | null;
  companyUscc: string | null;
  purpose: string;
  tier: string;
  status: SubscriptionStatus;
  reason: string | null;
  usage: { month: string; calls: number; callsPerMonth: number | null; ratePerMinute: number | null };
  createdAt: string;
}

export interface SubscribeInput {
  tier: string;
  purpose: string;
  companyName?: string;
  companyUscc?: string;
  acceptTerms: boolean;
  termsVersion: number;
}

export interface UsageReport {
  productId: string;
  productName: string;
  month: string;
  total: number;
  consumers: {
    subscriptionId: string;
    subscriberName: string;
    companyName: string | null;
    companyUscc: string | null;
    tier: string;
    status: SubscriptionStatus;
    callsPerMonth: number | null;
    calls: number;
  }[];
}
