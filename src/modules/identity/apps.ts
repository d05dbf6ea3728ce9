import type { Queryable, Tx } from '../../platform/db/pool.js';
import { notFound, problem } from '../../platform/http/errors.js';
import {
  issueCredential as issueSigningCredential,
  listCredentials as listCredentialRows,
  revokeCredential as revokeSigningCredential,
  type CredentialRow,
  type IssuedCredential,
} from '../../platform/auth/index.js';
import { audit, depsOf, isUniqueViolation, type IdentityContext } from './context.js';
import { identityProblem } from './messages.js';
import { appScope, assertVisible } from './policy.js';
import type { CreateAppInput } from './schemas.js';
import * as store from './store.js';
import type { AppRow } from './store.js';

/** Applications (应用) and their signing credentials. */

export const DEFAULT_CREDENTIAL_DAYS = 365;

export async function listApps(ctx: IdentityContext, q: Queryable): Promise<AppRow[]> {
  return store.listApps(q, await appScope(q, ctx.actor));
}

/** An app the caller may see (and, with app.manage, manage); others are reported missing. */
export async function getApp(ctx: IdentityContext, q: Queryable, id: string): Promise<AppRow> {
  const app = await store.getApp(q, id);
  if (!app) throw notFound();
  assertVisible(await appScope(q, ctx.actor), app.orgId);
  return app;
}

/** Apps belong to the organisation of the user who registers them. */
export async function createApp(ctx: IdentityContext, tx: Tx, input: CreateAppInput): Promise<AppRow> {
  const a = ctx.actor;
  if (a.kind !== 'user') throw problem(403, 'forbidden');
  const name = input.name.trim();
  if (await store.appNameExists(tx, a.orgId, name)) throw identityProblem(409, 'app_name_taken', { name });
  let id: string;
  try {
    id = await store.insertApp(tx, {
      orgId: a.orgId,
      name,
      description: input.description ?? null,
      createdBy: a.id,
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw identityProblem(409, 'app_name_taken', { name });
    throw e;
  }
  await audit(ctx, tx, { action: 'app.create', objectType: 'app', objectId: id, detail: { name } });
  return (await store.getApp(tx, id)) as AppRow;
}

export async function listCredentials(
  ctx: IdentityContext,
  q: Queryable,
  appId: string,
): Promise<CredentialRow[]> {
  await getApp(ctx, q, appId);
  return listCredentialRows(q, appId);
}

export async function issueCredential(
  ctx: IdentityContext,
  tx: Tx,
  appId: string,
  input: { expiresInDays?: number | undefined },
): Promise<IssuedCredential> {
  const app = await getApp(ctx, tx, appId);
  const days = input.expiresInDays ?? DEFAULT_CREDENTIAL_DAYS;
  const issued = await issueSigningCredential(tx, depsOf(ctx).identity, {
    appId,
    createdBy: ctx.actor.kind === 'user' ? ctx.actor.id : null,
    expiresAt: new Date(Date.now() + days * 86_400_000),
  });
  // The event names the key, never the secret.
  await audit(ctx, tx, {
    action: 'app.credential.issue',
    objectType: 'app',
    objectId: appId,
    orgId: app.orgId,
    detail: { keyId: issued.keyId, expiresAt: issued.expiresAt?.toISOString() ?? null },
  });
  return issued;
}

export async function revokeCredential(
  ctx: IdentityContext,
  tx: Tx,
  appId: string,
  keyId: string,
): Promise<void> {
  const app = await getApp(ctx, tx, appId);
  const row = await revokeSigningCredential(tx, appId, keyId);
  if (!row) throw notFound();
  await audit(ctx, tx, {
    action: 'app.credential.revoke',
    objectType: 'app',
    objectId: appId,
    orgId: app.orgId,
    detail: { keyId },
  });
}
