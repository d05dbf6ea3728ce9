import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyRequest, type RouteOptions } from 'fastify';
import cookie from '@fastify/cookie';
import helmet, { type HelmetOptions } from 'helmet';
import fastifyStatic from '@fastify/static';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import ajvFormats from 'ajv-formats';
import type { Services } from '../services.js';
import type { Actor, Permission } from '../policy/permissions.js';
import { langFrom } from '../i18n/index.js';
import type { RequestContext } from '../context.js';
import { registerErrorHandling } from './problems.js';
import { registerDocs } from './docs.js';
import { installChokePoint, type Authenticator } from './choke-point.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The permission this route needs. Every route must declare one (deny by default). */
    permission?: Permission;
  }
  interface FastifyRequest {
    ctx: RequestContext;
    /** The exact body bytes, kept for request signatures. */
    rawBody?: Buffer;
  }
  interface FastifyInstance {
    datong: Services;
    /** Every route registered, with its declared permission (for the route × role matrix). */
    routeTable: RouteInfo[];
  }
}

export interface RouteInfo {
  method: string;
  url: string;
  permission: Permission | undefined;
  options: RouteOptions;
}

export type App = FastifyInstance;

export type ModulePlugin = (app: FastifyInstance) => Promise<void>;

export interface BuildOptions {
  services: Services;
  authenticate: Authenticator;
  modules: ModulePlugin[];
  /** Serve the built web UI (off in most tests). */
  serveWeb?: boolean;
}

const REQUEST_ID = /^[\w.:-]{8,128}$/;

export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { services } = opts;
  const app = Fastify({
    loggerInstance: services.log,
    bodyLimit: services.config.bodyLimit,
    trustProxy: process.env.DATONG_TRUST_PROXY === '1',
    requestIdHeader: false,
    // Accept a sane incoming request id so traces join up across nodes; otherwise make one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    },
    ajv: {
      customOptions: {
        // Unknown properties are refused, not silently dropped.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: true,
      },
      // ajv-formats' typings don't line up with Fastify's plugin type; the runtime shape does.
      plugins: [(ajvFormats.default ?? ajvFormats) as never],
    },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  app.decorate('datong', services);
  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.decorateRequest('ctx', null as unknown as RequestContext);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routeTable.push({
        method,
        url: route.url,
        get permission() {
          return route.config?.permission;
        },
        options: route as RouteOptions,
      });
    }
    assertStrictSchemas(route as RouteOptions);
  });
  // The server refuses to start while any route lacks a permission.
  app.addHook('onReady', async () => {
    const missing = routeTable.filter((r) => !r.permission).map((r) => `${r.method} ${r.url}`);
    if (missing.length) throw new Error(`routes without a declared permission: ${missing.join(', ')}`);
  });

  app.addHook('onRequest', async (req, reply) => {
    const anonymous: Actor = { kind: 'anonymous' };
    req.ctx = {
      actor: anonymous,
      requestId: String(req.id),
      clientIp: req.ip ?? null,
      lang: langFrom(req.headers['accept-language']),
    };
    reply.header('x-request-id', String(req.id));
  });

  // JSON bodies: keep the raw bytes (request signatures hash them) and answer bad JSON clearly.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json', 'application/problem+json'],
    { parseAs: 'buffer' },
    (req: FastifyRequest, body: Buffer, done) => {
      req.rawBody = body;
      if (body.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(body.toString('utf8')));
      } catch {
        const err = Object.assign(new Error('malformed JSON'), { code: 'DATONG_MALFORMED_JSON' });
        done(err, undefined);
      }
    },
  );

  // Helmet's headers do not depend on the request: computed once, set on every reply (running
  // helmet per request, as @fastify/helmet does, cost a tenth of a data-service call's CPU).
  const security = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(security);
    done();
  });
  await app.register(cookie);
  registerErrorHandling(app);
  installChokePoint(app, opts.authenticate);
  await registerDocs(app);

  app.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  app.get('/readyz', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    try {
      await services.pool.query('SELECT 1');
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });

  for (const mod of opts.modules) await app.register(mod);

  if (opts.serveWeb !== false) registerWeb(app, services.config.webDist);
  return app;
}

/** Every object schema of a body or querystring must refuse unknown properties. */
function assertStrictSchemas(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema) return;
  for (const part of ['body', 'querystring'] as const) {
    const s = schema[part];
    if (s) walk(s, `${String(route.method)} ${route.url} ${part}`);
  }
  function walk(node: unknown, where: string): void {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.type === 'object' && n.additionalProperties !== false && n.patternProperties === undefined) {
      throw new Error(`${where}: object schemas must set additionalProperties: false`);
    }
    for (const key of ['properties', 'items', 'anyOf', 'oneOf', 'allOf']) {
      const child = n[key];
      if (Array.isArray(child)) child.forEach((c) => walk(c, where));
      else if (key === 'properties' && child && typeof child === 'object')
        Object.values(child).forEach((c) => walk(c, where));
      else walk(child, where);
    }
  }
}

/** Serves the built React app, with index.html for client-side routes. */
function registerWeb(app: FastifyInstance, webDist: string): void {
  const index = path.join(webDist, 'index.html');
  if (!fs.existsSync(index)) {
    app.log.warn({ webDist }, 'web UI not built; run `npm run build:web`');
    return;
  }
  // Registered in its own scope so that its routes are marked public, as static files are.
  void app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), permission: 'public' };
    });
    await scope.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: true, index: false });
    scope.get('/', { schema: { hide: true } }, (_req, reply) => reply.sendFile('index.html'));
  });
}

/** The headers `helmet(options)` sets, captured from one run of its middleware. */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failed: unknown;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    failed = err;
  });
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  return headers;
}
