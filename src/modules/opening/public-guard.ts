import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEventInput } from '../../platform/audit/index.js';
import { apiKeysOf } from './keys.js';
import { openLimitsOf, type CallerKey } from './open-limits.js';
import type { OpenData, Reader } from './public-data.js';
import { publicProblem } from './public-messages.js';

/**
 * What every public data route does first: admit the call under its limits (API key → the
 * key's rate and quota; no key → the client IP's rate), and know who reads (for conditional-open
 * data, docs/OPENING.md).
 */

/** Admits a call (or throws 401/429) and answers the caller's key, if any. */
export type CallerGuard = (req: FastifyRequest, opts?: { ckan?: boolean }) => Promise<CallerKey | null>;

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The reader of a call: the API key's owner, else the signed-in user, else nobody. */
export function readerOf(req: FastifyRequest, key: CallerKey | null, now: Date): Reader {
  const actor = req.ctx.actor;
  return { userId: key?.userId ?? (actor.kind === 'user' ? actor.id : null), now };
}

/**
 * A conditional-open dataset read by an approved applicant is audited (the terms of the
 * application bind them), and durable before the data leaves; its answer is never cached by
 * shared caches. Unconditionally open data is public: neither applies.
 */
export async function noteAccess(
  app: FastifyInstance,
  req: FastifyRequest,
  reply: FastifyReply,
  data: OpenData,
  reader: Reader,
  key: CallerKey | null,
  detail: Record<string, unknown>,
): Promise<void> {
  if (data.access !== 'conditional') return;
  reply.header('cache-control', 'private, no-store');
  const actor = req.ctx.actor;
  const event: AuditEventInput = {
    actorType: 'user',
    actorId: reader.userId,
    actorName: actor.kind === 'user' ? actor.username : null,
    orgId: actor.kind === 'user' ? actor.orgId : null,
    action: 'open.conditional.read',
    objectType: 'catalog_entry',
    objectId: data.entry.id,
    result: 'success',
    clientIp: req.ctx.clientIp,
    requestId: req.ctx.requestId,
    detail: { ...detail, ...(key ? { apiKey: key.id } : {}) },
  };
  await app.datong.ledger.append(event);
}

export function callerGuard(app: FastifyInstance): CallerGuard {
  const limits = openLimitsOf(app.datong.pool);
  const keys = apiKeysOf(app.datong);
  return async (req, opts = {}) => {
    let presented = header(req, 'x-api-key');
    if (presented === undefined && opts.ckan) {
      // CKAN clients send their token as `Authorization: <token>` or X-CKAN-API-Key; a bearer
      // token is the node's own sign-in, not an API key.
      const auth = header(req, 'authorization');
      presented = header(req, 'x-ckan-api-key') ?? (auth && !/^Bearer\s/i.test(auth) ? auth : undefined);
    }
    let key: CallerKey | null = null;
    if (presented !== undefined) {
      key = await keys.verify(presented);
      if (!key) {
        limits.chargeIp(req.ip);
        throw publicProblem(401, 'open_key_invalid');
      }
    }
    await limits.admit(key, req.ip);
    return key;
  };
}
