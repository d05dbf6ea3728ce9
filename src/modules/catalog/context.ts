import type { RequestContext } from '../../platform/context.js';
import { eventFor } from '../../platform/audit/types.js';
import type { Tx } from '../../platform/db/pool.js';
import type { Services } from '../../platform/services.js';
import type { EntryRow } from './store.js';
import * as store from './store.js';

/**
 * A request context carrying the platform services. Routes build it as
 * `{ ...req.ctx, services: app.datong }`; the CLI, the seed and jobs use `systemContext()`.
 */
export type CatalogContext = RequestContext & { services: Services };

/** Catalog transition names; the audit action is `catalog.<action>`. */
export type CatalogAction =
  'create' | 'update' | 'submit' | 'approve' | 'return' | 'revise' | 'deprecate' | 'withdraw' | 'import';

/**
 * Writes one lifecycle step twice in the caller's transaction: the history row the UI shows and
 * the audit event that proves it. Both exist if and only if the change commits.
 */
export async function recordTransition(
  ctx: CatalogContext,
  tx: Tx,
  entry: Pick<EntryRow, 'id' | 'code' | 'providerOrgId'>,
  step: {
    action: CatalogAction;
    version: number;
    from: string | null;
    to: string;
    comment?: string | null;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  const a = ctx.actor;
  await store.insertTransition(tx, {
    entryId: entry.id,
    version: step.version,
    action: step.action,
    fromStatus: step.from,
    toStatus: step.to,
    actorId: a.kind === 'anonymous' ? null : a.id,
    actorName: a.kind === 'user' ? a.displayName : a.kind === 'anonymous' ? null : a.name,
    comment: step.comment ?? null,
  });
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: `catalog.${step.action}`,
      objectType: 'catalog_entry',
      objectId: entry.id,
      orgId: entry.providerOrgId,
      detail: {
        code: entry.code,
        version: step.version,
        from: step.from,
        to: step.to,
        ...(step.comment ? { comment: step.comment } : {}),
        ...step.detail,
      },
    }),
  );
}
