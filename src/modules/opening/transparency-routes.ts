import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { myAccesses } from './transparency.js';
import { AccessesQuery, MyAccessesSchema } from './transparency-schemas.js';

/** 我的数据访问记录: who accessed records about the signed-in citizen or company. */
export default async function transparencyRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/public/me/accesses',
    {
      config: { permission: 'public.self' },
      schema: {
        tags: ['public'],
        summary:
          '我的数据访问记录 / which departments and apps accessed records about me (verified identity required)',
        querystring: AccessesQuery,
        response: { 200: MyAccessesSchema },
      },
    },
    async (req) => myAccesses({ ...req.ctx, services }, req.query.limit),
  );
}
