import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IdentityContext } from './context.js';
import { authRoutes } from './routes-auth.js';
import { adminRoutes } from './routes-admin.js';
import { appRoutes } from './routes-apps.js';

/** Identity: sign-in, the caller's account, organisations, users, applications and credentials. */
export default async function identityRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const ctxOf = (req: FastifyRequest): IdentityContext => ({ ...req.ctx, services });
  await authRoutes(app, ctxOf);
  await adminRoutes(app, ctxOf);
  await appRoutes(app, ctxOf);
}
