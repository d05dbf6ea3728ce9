/** Shapes of the HTTP contract (docs/API.md). */

/** Mirrors ROLES in src/platform/policy/permissions.ts; the e2e tests check they agree. */
export const ROLES = [
  'sysadmin',
  'secadmin',
  'auditor',
  'org_admin',
  'data_steward',
  'approver',
  'developer',
  'member',
  'public_user',
] as const;
export type Role = (typeof ROLES)[number];

/** 三员: no account may hold two of these. */
export const OFFICER_ROLES: readonly Role[] = ['sysadmin', 'secadmin', 'auditor'];

export type Lang = 'zh-CN' | 'en';

export interface Me {
  id: string;
  username: string;
  displayName: string;
  orgId: string;
  orgName: string;
  roles: Role[];
  permissions: string[];
  locale: Lang;
}

export interface MeWithCsrf extends Me {
  csrfToken: string;
}

export interface LoginResponse {
  user: Me;
  csrfToken: string;
}

export type OrgKind = 'government' | 'institution' | 'company' | 'other';
export const ORG_KINDS: readonly OrgKind[] = ['government', 'institution', 'company', 'other'];

export interface Org {
  id: string;
  name: string;
  uscc: string;
  regionCode: string;
  kind: OrgKind;
  parentId: string | null;
  createdAt: string;
}

export interface OrgInput {
  name: string;
  uscc: string;
  regionCode: string;
  kind: OrgKind;
  parentId?: string | null;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  orgId: string;
  orgName: string;
  roles: Role[];
  disabled: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  orgId: string;
  roles: Role[];
}

export interface DatongApp {
  id: string;
  name: string;
  description: string | null;
  orgId: string;
  orgName: string;
  createdBy: string;
  createdAt: string;
}

export interface Credential {
  keyId: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewCredential {
  keyId: string;
  secret: string;
  expiresAt: string | null;
}

export interface AuditEvent {
  seq: number;
  time: string;
  actorType: 'user' | 'app' | 'system' | 'anonymous';
  actorId: string | null;
  actorName: string | null;
  orgId: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  result: 'success' | 'failure' | 'denied';
  clientIp: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

export interface Checkpoint {
  treeSize: number;
  rootHash: string;
  time: string;
  signature: string;
  algorithm: 'ed25519' | 'sm2';
  keyId: string;
}

export interface VerifyReport {
  ok: boolean;
  treeSize: number;
  checkedEvents: number;
  checkpointsChecked: number;
  firstBadPosition: number | null;
  message: string;
  verifiedAt: string;
  durationMs: number;
}

export interface NodeInfo {
  code?: string;
  name?: string;
  level?: string;
  suite?: string;
  publicKey?: string;
  [key: string]: unknown;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListOf<T> {
  items: T[];
}
