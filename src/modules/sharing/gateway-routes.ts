import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import { withTx } from '../../platform/db/pool.js';
import { problem } from '../../platform/http/errors.js';
import { sendProblem } from '../../platform/http/problems.js';
import type { ModulePlugin } from '../../platform/http/app.js';
import type { CatalogContext } from '../catalog/context.js';
import { getEntry } from '../catalog/read.js';
import type { Entry } from '../catalog/schemas.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import {
  breakerOf,
  DEFAULT_BREAKER,
  DEFAULT_TIMEOUT_MS,
  deleteUpstream,
  Gateway,
  gatewayProblem,
  getUpstream,
  MAX_BODY_BYTES,
  normaliseBaseUrl,
  putUpstream,
  SECRET_MASK,
  validAuthHeaderName,
  validSecret,
  type GatewayOptions,
  type UpstreamRow,
} from './gateway.js';

/**
 * The gateway's HTTP API (docs/SHARING.md "Gateway"; src/modules/sharing/gateway.ts).
 *
 * Provider side — catalog.write, and maintaining the entry's provider organisation (a steward of
 * it, an org admin of it or a parent; reviewers), as for loading its dataset:
 *   GET    /api/catalog/entries/:id/upstream   the upstream, its secret shown as ******
 *   PUT    /api/catalog/entries/:id/upstream   {baseUrl, authHeaderName?, authSecret?, timeoutMs?,
 *                                               logBodies?, breaker?} → the upstream (masked)
 *   DELETE /api/catalog/entries/:id/upstream   → 204
 * An omitted authSecret (or ****** sent back) keeps the stored one; null or '' removes it.
 * Writes are audited (gateway.upstream.create / update / delete) without the secret.
 *
 * Consumer side — applications' signed requests (share.use):
 *   GET|POST|PUT|PATCH|DELETE /api/gateway/grants/:grantId/<path>?<query>
 * forwarded to the upstream's base URL + <path>?<query>; see Gateway.forward.
 */

const strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const EntryParams = Type.Object({ id: Uuid }, strict);

const Breaker = Type.Object(
  {
    failures: Type.Integer({ minimum: 1, maximum: 100, description: 'consecutive failures that open it' }),
    windowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, description: 'within this many ms' }),
    openMs: Type.Integer({
      minimum: 1000,
      maximum: 3_600_000,
      description: 'open this long, then one trial',
    }),
  },
  strict,
);
const UpstreamInput = Type.Object(
  {
    baseUrl: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s), no credentials or query' }),
    authHeaderName: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
        description: 'default Authorization when a secret is set',
      }),
    ),
    authSecret: Type.Optional(
      Type.Union([Type.String({ maxLength: 4096 }), Type.Null()], {
        description: 'omitted or ****** keeps the stored secret; null or empty removes it',
      }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 60_000, default: DEFAULT_TIMEOUT_MS })),
    logBodies: Type.Optional(Type.Boolean({ default: false })),
    breaker: Type.Optional(Type.Partial(Breaker, strict)),
  },
  strict,
);
type UpstreamInputT = Static<typeof UpstreamInput>;
const Upstream = Type.Object({
  entryId: Uuid,
  baseUrl: Type.String(),
  authHeaderName: Type.Union([Type.String(), Type.Null()]),
  authSecret: Type.Union([Type.Literal(SECRET_MASK), Type.Null()], {
    description: 'never the secret itself',
  }),
  timeoutMs: Type.Integer(),
  logBodies: Type.Boolean(),
  breaker: Breaker,
  circuit: Type.Enum(['closed', 'open', 'half_open'] as const),
  createdByName: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedByName: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
});
type UpstreamT = Static<typeof Upstream>;

const GatewayParams = Type.Object({ grantId: Uuid, '*': Type.Optional(Type.String()) }, strict);
type GatewayParamsT = Static<typeof GatewayParams>;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** The gateway's routes, with a clock and limits of one's own (tests); the default export uses none. */
export function createGatewayRoutes(opts: GatewayOptions = {}): ModulePlugin {
  return async function gatewayRoutes(app: FastifyInstance): Promise<void> {
    const services = app.datong;
    const pool = services.pool;
    const gateway = new Gateway(services, opts);
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });

    /** The entry, when the caller maintains its provider organisation (404 unseen, 403 otherwise). */
    const maintainedEntry = async (req: FastifyRequest, id: string): Promise<Entry> => {
      const entry = await getEntry(ctxOf(req), pool, id);
      if (!maintains(await viewerOf(pool, req.ctx.actor), entry.providerOrgId)) {
        throw gatewayProblem(403, 'gateway_out_of_scope');
      }
      return entry;
    };

    const present = (u: UpstreamRow): UpstreamT => ({
      entryId: u.entry_id,
      baseUrl: u.base_url,
      authHeaderName: u.auth_header_name,
      authSecret: u.auth_secret_sealed ? SECRET_MASK : null,
      timeoutMs: u.timeout_ms,
      logBodies: u.log_bodies,
      breaker: breakerOf(u),
      circuit: gateway.breakers.state(Gateway.circuitKey(u.entry_id, u.base_url)),
      createdByName: u.created_by_name,
      createdAt: u.created_at.toISOString(),
      updatedByName: u.updated_by_name,
      updatedAt: u.updated_at.toISOString(),
    });

    const actorOf = (req: FastifyRequest) => {
      const a = req.ctx.actor;
      return a.kind === 'user'
        ? { id: a.id, name: a.displayName }
        : { id: null, name: a.kind === 'anonymous' ? 'anonymous' : a.name };
    };

    const tags = ['gateway'];

    r.get(
      '/api/catalog/entries/:id/upstream',
      {
        config: { permission: 'catalog.write' },
        schema: {
          tags,
          summary:
            '接口类目录的上游接口（密钥不显示） / the upstream API of an api-kind entry (secret masked)',
          params: EntryParams,
          response: { 200: Upstream },
        },
      },
      async (req) => {
        const entry = await maintainedEntry(req, req.params.id);
        const u = await getUpstream(pool, entry.id);
        if (!u) throw gatewayProblem(404, 'gateway_upstream_not_found');
        return present(u);
      },
    );

    r.put(
      '/api/catalog/entries/:id/upstream',
      {
        config: { permission: 'catalog.write' },
        schema: {
          tags,
          summary: '登记或修改上游接口（密钥加密保存） / register or change the upstream API (secret sealed)',
          params: EntryParams,
          body: UpstreamInput,
          response: { 200: Upstream },
        },
      },
      async (req) => {
        const entry = await maintainedEntry(req, req.params.id);
        if (entry.resourceKind !== 'api') throw gatewayProblem(409, 'gateway_not_api', { name: entry.name });
        const input: UpstreamInputT = req.body;
        const baseUrl = normaliseBaseUrl(input.baseUrl.trim());
        if (!baseUrl) throw gatewayProblem(400, 'gateway_base_url_invalid', { url: input.baseUrl });
        const row = await withTx(pool, async (tx) => {
          const stored = await getUpstream(tx, entry.id, true);
          const had = stored?.auth_secret_sealed ?? null;
          let sealed: Buffer | null;
          let secret: 'none' | 'unchanged' | 'set' | 'replaced' | 'removed';
          const given = input.authSecret;
          if (given === undefined || given === SECRET_MASK) {
            sealed = had;
            secret = had ? 'unchanged' : 'none';
          } else if (given === null || given === '') {
            sealed = null;
            secret = had ? 'removed' : 'none';
          } else {
            if (!validSecret(given)) throw gatewayProblem(400, 'gateway_secret_invalid');
            sealed = services.identity.seal(Buffer.from(given, 'utf8'));
            secret = had ? 'replaced' : 'set';
          }
          let authHeaderName: string | null = null;
          if (sealed) {
            authHeaderName = input.authHeaderName ?? stored?.auth_header_name ?? 'Authorization';
            if (!validAuthHeaderName(authHeaderName)) {
              throw gatewayProblem(400, 'gateway_header_invalid', { name: authHeaderName });
            }
          } else if (input.authHeaderName) {
            throw gatewayProblem(400, 'gateway_secret_missing');
          }
          const breaker = { ...DEFAULT_BREAKER, ...input.breaker };
          const saved = await putUpstream(tx, entry.id, {
            baseUrl,
            authHeaderName,
            authSecretSealed: sealed,
            timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            breaker,
            logBodies: input.logBodies ?? false,
            by: actorOf(req),
          });
          await services.ledger.record(
            tx,
            eventFor(req.ctx, {
              action: stored ? 'gateway.upstream.update' : 'gateway.upstream.create',
              objectType: 'catalog_entry',
              objectId: entry.id,
              orgId: entry.providerOrgId,
              detail: {
                code: entry.code,
                baseUrl,
                authHeaderName,
                secret,
                timeoutMs: saved.timeout_ms,
                logBodies: saved.log_bodies,
                breaker,
                ...(stored && stored.base_url !== baseUrl ? { previousBaseUrl: stored.base_url } : {}),
              },
            }),
          );
          return saved;
        });
        // New settings start with a closed circuit.
        gateway.breakers.reset(`${entry.id}|`);
        return present(row);
      },
    );

    r.delete(
      '/api/catalog/entries/:id/upstream',
      {
        config: { permission: 'catalog.write' },
        schema: {
          tags,
          summary: '删除上游接口登记 / remove the upstream API',
          params: EntryParams,
          response: { 204: Type.Null() },
        },
      },
      async (req, reply) => {
        const entry = await maintainedEntry(req, req.params.id);
        await withTx(pool, async (tx) => {
          const stored = await getUpstream(tx, entry.id, true);
          if (!stored || !(await deleteUpstream(tx, entry.id))) {
            throw gatewayProblem(404, 'gateway_upstream_not_found');
          }
          await services.ledger.record(
            tx,
            eventFor(req.ctx, {
              action: 'gateway.upstream.delete',
              objectType: 'catalog_entry',
              objectId: entry.id,
              orgId: entry.providerOrgId,
              detail: { code: entry.code, baseUrl: stored.base_url },
            }),
          );
        });
        gateway.breakers.reset(`${entry.id}|`);
        return reply.code(204).send(null);
      },
    );

    // The calls, in a scope of their own: any body (≤ 10 MB) is read as bytes for the signature
    // and forwarded as it is.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
        (req: FastifyRequest, body: Buffer | string, done: (err: Error | null, body?: unknown) => void) => {
          req.rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
          done(null, undefined);
        },
      );
      scope.setErrorHandler((err: { code?: string }, req, reply) => {
        if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          return sendProblem(req, reply, problem(413, 'payload_too_large', { limit: MAX_BODY_BYTES }));
        }
        throw err; // the node's handler answers everything else
      });

      const s = scope.withTypeProvider<TypeBoxTypeProvider>();
      for (const url of ['/api/gateway/grants/:grantId', '/api/gateway/grants/:grantId/*']) {
        s.route({
          method: METHODS,
          url,
          bodyLimit: MAX_BODY_BYTES,
          exposeHeadRoute: false,
          config: { permission: 'share.use' },
          schema: {
            tags,
            summary: '经网关调用授权接口 / call a granted department API through the gateway',
            params: GatewayParams,
          },
          handler: async (req, reply) => {
            const params = req.params as GatewayParamsT;
            const q = req.url.indexOf('?');
            const path = q < 0 ? req.url : req.url.slice(0, q);
            // ['', 'api', 'gateway', 'grants', ':grantId', ...rest], raw (still percent-encoded).
            const rest = path.split('/').slice(5);
            const out = await gateway.forward(req.ctx, {
              grantId: params.grantId,
              method: req.method,
              suffix: rest.length ? `/${rest.join('/')}` : '',
              query: q < 0 ? '' : req.url.slice(q + 1),
              headers: req.headers,
              body: req.rawBody ?? Buffer.alloc(0),
            });
            reply.code(out.status);
            // The node's own headers (security headers, x-request-id) stay.
            for (const [name, value] of out.headers) if (!reply.hasHeader(name)) reply.header(name, value);
            return reply.send(out.body);
          },
        });
      }
    });
  };
}

/** Registered in src/modules/index.ts as `gatewayRoutes`. */
const gatewayRoutes: ModulePlugin = createGatewayRoutes();
export default gatewayRoutes;
