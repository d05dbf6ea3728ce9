import type { RequestContext } from '../../platform/context.js';
import type { Ledger } from '../../platform/audit/types.js';
import { eventFor } from '../../platform/audit/types.js';
import type { NodeIdentity } from '../../platform/crypto/types.js';
import type { Queryable } from '../../platform/db/pool.js';

/** What the identity use cases need from the platform besides the transaction. */
export interface IdentityDeps {
  ledger: Ledger;
  identity: NodeIdentity;
}

/**
 * A request context carrying the platform services the use cases need. Routes add the app's
 * services; the CLI and the demo seed add their runtime's. No process-wide default, because tests
 * run several nodes in one process.
 */
export type IdentityContext = RequestContext & { services: IdentityDeps };

export function depsOf(ctx: IdentityContext): IdentityDeps {
  return ctx.services;
}

/** Records an audit event in the caller's transaction: it exists if and only if the change commits. */
export async function audit(
  ctx: IdentityContext,
  tx: Queryable,
  what: Parameters<typeof eventFor>[1],
): Promise<void> {
  await depsOf(ctx).ledger.record(tx, eventFor(ctx, what));
}

/** PostgreSQL unique_violation, raised when a concurrent insert won the race a check lost. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}
