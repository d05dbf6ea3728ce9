import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { createAuthenticator } from '../auth/index.js';
import { modules } from '../../modules/index.js';
import type { Services } from '../services.js';

/** The node's full HTTP application: platform plumbing plus every module. */
export async function createNodeApp(
  services: Services,
  opts: { serveWeb?: boolean } = {},
): Promise<FastifyInstance> {
  return buildApp({
    services,
    authenticate: createAuthenticator(services),
    modules,
    serveWeb: opts.serveWeb ?? true,
  });
}
