import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { withTx } from '../../platform/db/pool.js';
import { notFound } from '../../platform/http/errors.js';
import {
  getAccount,
  listAccounts,
  presentAccount,
  register,
  RegistrationLimiter,
  verifyAccount,
  type AccountContext,
} from './accounts.js';
import { accountProblem } from './accounts-messages.js';
import {
  AccountListSchema,
  ListAccountsQuery,
  PublicAccountSchema,
  RegisterBody,
  VerifyBody,
} from './accounts-schemas.js';

/**
 * Public accounts: self-registration of citizens and companies, their own account, and the
 * administrators' verification (docs/OPENING.md "Public accounts and transparency").
 */
export default async function accountRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const ctxOf = (req: FastifyRequest): AccountContext => ({ ...req.ctx, services });
  // One per app instance: tests, each with its own app, do not share their counts.
  const limiter = new RegistrationLimiter();
  const tags = ['public'];

  r.post(
    '/api/public/register',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '公众注册 / register a public account (a citizen or a company)',
        body: RegisterBody,
        response: { 201: PublicAccountSchema },
      },
    },
    async (req, reply) => {
      const wait = limiter.take(req.ip);
      if (wait > 0) {
        throw accountProblem(429, 'registration_rate_limited', { seconds: wait }, [], {
          'retry-after': String(wait),
        });
      }
      const account = await withTx(services.pool, (tx) => register(ctxOf(req), tx, req.body));
      return reply.code(201).send(presentAccount(account));
    },
  );

  r.get(
    '/api/public/me',
    {
      config: { permission: 'public.self' },
      schema: {
        tags,
        summary: '我的公众账号 / the signed-in public account and its verification',
        response: { 200: PublicAccountSchema },
      },
    },
    async (req) => {
      const a = req.ctx.actor;
      const account = a.kind === 'user' ? await getAccount(services.pool, a.id) : undefined;
      if (!account) throw notFound();
      return presentAccount(account);
    },
  );

  r.get(
    '/api/public/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags,
        summary: '公众账号列表 / public accounts (default: awaiting verification, oldest first)',
        querystring: ListAccountsQuery,
        response: { 200: AccountListSchema },
      },
    },
    async (req) => ({
      items: (await listAccounts(services.pool, req.query.status ?? 'pending', req.query.limit)).map(
        presentAccount,
      ),
    }),
  );

  r.post(
    '/api/public/users/:id/verify',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags,
        summary: '认证公众账号 / verify a public account after checking its documents',
        params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
        body: VerifyBody,
        response: { 200: PublicAccountSchema },
      },
    },
    async (req) =>
      presentAccount(
        await withTx(services.pool, (tx) => verifyAccount(ctxOf(req), tx, req.params.id, req.body.number)),
      ),
  );
}
