import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

/** OpenAPI 3 at /api/openapi.json, generated from the routes' TypeBox schemas; a UI at /api/docs. */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Datong (数通) API',
        version: '0.1.0',
        description: '一体化政务数据平台 — integrated government data platform',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'datong_session' },
          bearer: { type: 'http', scheme: 'bearer' },
          appSignature: { type: 'apiKey', in: 'header', name: 'x-datong-signature' },
        },
      },
    },
  });
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), permission: 'public' };
    });
    await scope.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true });
    scope.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
}
