import type { FastifyInstance, FastifyRequest } from 'fastify';
import { allows, type Actor } from '../policy/permissions.js';
import { forbidden, unauthenticated } from './errors.js';
import { eventFor } from '../audit/types.js';

/**
 * Finds out who is calling: a cookie session, a bearer token, a signed application request, or
 * nobody. Throws a 401 AppError when credentials are presented but wrong, and enforces CSRF for
 * cookie sessions on state-changing methods.
 */
export type Authenticator = (req: FastifyRequest) => Promise<Actor>;

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one authorisation choke point: every request passes here after its body is read and before
 * it is validated, so an unauthorised caller learns nothing about the route's schema.
 */
export function installChokePoint(app: FastifyInstance, authenticate: Authenticator): void {
  app.addHook('preValidation', async (req) => {
    if (req.is404) return;
    const permission = req.routeOptions.config.permission;
    // Unreachable while onReady refuses such routes; kept so that a gap still denies.
    if (!permission) throw forbidden();
    const actor = await authenticate(req);
    req.ctx.actor = actor;
    if (allows(actor, permission)) return;
    if (actor.kind === 'anonymous') throw unauthenticated();
    if (!SAFE_METHODS.has(req.method)) {
      await app.datong.ledger.append(
        eventFor(req.ctx, {
          action: 'access.denied',
          objectType: 'route',
          objectId: `${req.method} ${req.routeOptions.url ?? req.url}`,
          result: 'denied',
          detail: { permission },
        }),
      );
    }
    throw forbidden();
  });
}
