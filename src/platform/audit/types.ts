import type { RequestContext } from '../context.js';
import type { Queryable } from '../db/pool.js';

export type AuditActorType = 'user' | 'app' | 'system' | 'anonymous';
export type AuditResult = 'success' | 'failure' | 'denied';

/** One ledger event as a caller describes it; the ledger adds sequence and time. */
export interface AuditEventInput {
  actorType: AuditActorType;
  actorId: string | null;
  actorName: string | null;
  orgId: string | null;
  /** Dotted verb, e.g. `auth.login`, `org.create`, `user.roles.assign`. */
  action: string;
  objectType: string | null;
  objectId: string | null;
  result: AuditResult;
  clientIp: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

export interface AuditEvent extends AuditEventInput {
  seq: number;
  time: string;
}

/** Builds an event from a request context, so callers state only what happened. */
export function eventFor(
  ctx: RequestContext,
  what: {
    action: string;
    objectType?: string | null;
    objectId?: string | null;
    result?: AuditResult;
    detail?: Record<string, unknown>;
    orgId?: string | null;
  },
): AuditEventInput {
  const a = ctx.actor;
  return {
    actorType: a.kind === 'anonymous' ? 'anonymous' : a.kind,
    actorId: a.kind === 'anonymous' ? null : a.id,
    actorName: a.kind === 'user' ? a.username : a.kind === 'anonymous' ? null : a.name,
    orgId: what.orgId !== undefined ? what.orgId : a.kind === 'user' || a.kind === 'app' ? a.orgId : null,
    action: what.action,
    objectType: what.objectType ?? null,
    objectId: what.objectId ?? null,
    result: what.result ?? 'success',
    clientIp: ctx.clientIp,
    requestId: ctx.requestId,
    detail: what.detail ?? {},
  };
}

export interface Checkpoint {
  treeSize: number;
  /** Hex. */
  rootHash: string;
  time: string;
  /** Base64 signature by the node key over the checkpoint's canonical bytes. */
  signature: string;
  algorithm: 'ed25519' | 'sm2';
  keyId: string;
}

/** The audit ledger as the rest of the node uses it. */
export interface Ledger {
  /** Appends an event inside the caller's transaction: it exists if and only if the change commits. */
  record(tx: Queryable, event: AuditEventInput): Promise<void>;
  /** Appends an event on its own, group-committed; resolves once it is durable. */
  append(event: AuditEventInput): Promise<void>;
  /** Starts the background sequencer and checkpoint signer. */
  start(): void;
  /** Sequences everything committed so far and signs a checkpoint if the tree grew. */
  flush(): Promise<Checkpoint | null>;
  /** Flushes and stops the background work. */
  close(): Promise<void>;
}
