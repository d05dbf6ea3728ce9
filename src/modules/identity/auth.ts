import type { Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import { createAccessToken, createSession, type NewSession } from '../../platform/auth/index.js';
import { audit, type IdentityContext } from './context.js';
import { identityMessages, identityProblem } from './messages.js';
import { verifyAgainstDummy, verifyPassword } from './password.js';
import { userActor } from './presenters.js';
import * as store from './store.js';
import type { UserRow } from './store.js';

/** Sign-in use cases: every attempt, good or bad, leaves an `auth.login` event. */

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;

export type LoginResult<T> = { ok: true; user: UserRow; grant: T } | { ok: false; error: AppError };

export interface LoginInput {
  username: string;
  password: string;
}

/**
 * Checks a username and password and, when they hold, issues what `issue` makes (a session or a
 * token) in the same transaction. Failures are returned, not thrown, so that the caller commits
 * the failure event and the failure counter before answering.
 */
async function attempt<T>(
  ctx: IdentityContext,
  tx: Tx,
  input: LoginInput,
  method: 'session' | 'token',
  issue: (userId: string) => Promise<T>,
): Promise<LoginResult<T>> {
  const attempted = input.username.slice(0, 64);
  const fail = async (
    reason: string,
    error: AppError,
    user?: { id: string; orgId: string },
    extra: Record<string, unknown> = {},
  ): Promise<LoginResult<T>> => {
    await audit(ctx, tx, {
      action: 'auth.login',
      objectType: 'user',
      objectId: user?.id ?? null,
      orgId: user?.orgId ?? null,
      result: 'failure',
      detail: { username: attempted, method, reason, ...extra },
    });
    return { ok: false, error };
  };
  const invalid = () => identityProblem(401, 'invalid_credentials');

  const row = await store.lockUserForLogin(tx, input.username);
  if (!row) {
    await verifyAgainstDummy(input.password);
    return fail('unknown_user', invalid());
  }
  const now = new Date();
  if (row.lockedUntil && row.lockedUntil > now) {
    // No password check while locked: guesses during the lock teach the attacker nothing.
    return fail('locked', lockedError(row.lockedUntil), row);
  }
  if (!(await verifyPassword(row.passwordHash, input.password))) {
    const failed = row.failedLogins + 1;
    if (failed >= MAX_FAILED_LOGINS) {
      const until = new Date(now.getTime() + LOCKOUT_MINUTES * 60_000);
      // The counter restarts, so after the lock the account gets a fresh series of attempts.
      await store.recordLoginFailure(tx, row.id, 0, until);
      return fail('wrong_password', lockedError(until), row, {
        failedLogins: failed,
        lockedUntil: until.toISOString(),
      });
    }
    await store.recordLoginFailure(tx, row.id, failed, null);
    return fail('wrong_password', invalid(), row, { failedLogins: failed });
  }
  // Checked after the password, and answered like a wrong one, so a disabled account is not
  // distinguishable from a wrong guess.
  if (row.disabled) return fail('disabled', invalid(), row);
  await store.recordLoginSuccess(tx, row.id);
  const user = (await store.getUser(tx, row.id)) as UserRow;
  const grant = await issue(user.id);
  await audit({ ...ctx, actor: userActor(user, method) }, tx, {
    action: 'auth.login',
    objectType: 'user',
    objectId: user.id,
    detail: { method },
  });
  return { ok: true, user, grant };
}

/** 423 with the unlock time in the message and, for clients, in Retry-After. */
function lockedError(until: Date): AppError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new AppError(
    423,
    'account_locked',
    identityMessages.account_locked,
    { until: until.toISOString() },
    [],
    {
      'retry-after': String(seconds),
    },
  );
}

/** POST /api/auth/login: a cookie session with its CSRF token. */
export function login(ctx: IdentityContext, tx: Tx, input: LoginInput): Promise<LoginResult<NewSession>> {
  return attempt(ctx, tx, input, 'session', (userId) => createSession(tx, userId));
}

/** POST /api/auth/tokens: a bearer token for API clients. */
export function issueToken(
  ctx: IdentityContext,
  tx: Tx,
  input: LoginInput,
): Promise<LoginResult<{ tokenId: string; token: string; expiresAt: Date }>> {
  return attempt(ctx, tx, input, 'token', (userId) => createAccessToken(tx, userId));
}

export async function recordLogout(ctx: IdentityContext, tx: Tx, via: string): Promise<void> {
  const a = ctx.actor;
  await audit(ctx, tx, {
    action: 'auth.logout',
    objectType: a.kind === 'anonymous' ? null : a.kind,
    objectId: a.kind === 'anonymous' ? null : a.id,
    detail: { via },
  });
}
