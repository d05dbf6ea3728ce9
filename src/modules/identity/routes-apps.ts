import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withTx } from '../../platform/db/pool.js';
import { invalidateCredential } from '../../platform/auth/index.js';
import type { IdentityContext } from './context.js';
import { createApp, getApp, issueCredential, listApps, listCredentials, revokeCredential } from './apps.js';
import { presentApp, presentCredential } from './presenters.js';
import {
  AppSchema,
  CreateAppBody,
  CredentialParams,
  CredentialSchema,
  IdParams,
  IssueCredentialBody,
  NewCredentialSchema,
  listOf,
} from './schemas.js';

/** Applications (应用) and their signing credentials: the developers' pages. */
export async function appRoutes(app: FastifyInstance, ctxOf: (req: FastifyRequest) => IdentityContext) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  const tags = ['apps'];

  r.get(
    '/api/apps',
    {
      config: { permission: 'app.read' },
      schema: {
        tags,
        summary: 'Apps of the caller’s organisation (all, for sysadmin)',
        response: { 200: listOf(AppSchema) },
      },
    },
    async (req) => ({ items: (await listApps(ctxOf(req), pool)).map(presentApp) }),
  );
  r.post(
    '/api/apps',
    {
      config: { permission: 'app.manage' },
      schema: {
        tags,
        summary: '注册应用 / register an app',
        body: CreateAppBody,
        response: { 201: AppSchema },
      },
    },
    async (req, reply) => {
      const created = await withTx(pool, (tx) => createApp(ctxOf(req), tx, req.body));
      return reply.code(201).send(presentApp(created));
    },
  );
  r.get(
    '/api/apps/:id',
    { config: { permission: 'app.read' }, schema: { tags, params: IdParams, response: { 200: AppSchema } } },
    async (req) => presentApp(await getApp(ctxOf(req), pool, req.params.id)),
  );
  r.get(
    '/api/apps/:id/credentials',
    {
      config: { permission: 'app.read' },
      schema: {
        tags,
        summary: 'Credentials (never the secret)',
        params: IdParams,
        response: { 200: listOf(CredentialSchema) },
      },
    },
    async (req) => ({
      items: (await listCredentials(ctxOf(req), pool, req.params.id)).map(presentCredential),
    }),
  );
  r.post(
    '/api/apps/:id/credentials',
    {
      config: { permission: 'app.manage' },
      schema: {
        tags,
        summary: '签发凭证 / issue a credential: the secret is shown once',
        params: IdParams,
        body: IssueCredentialBody,
        response: { 201: NewCredentialSchema },
      },
    },
    async (req, reply) => {
      const issued = await withTx(pool, (tx) =>
        issueCredential(ctxOf(req), tx, req.params.id, req.body ?? {}),
      );
      // The secret must not linger in any cache between here and the caller.
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        keyId: issued.keyId,
        secret: issued.secret,
        expiresAt: issued.expiresAt?.toISOString() ?? null,
      });
    },
  );
  r.delete(
    '/api/apps/:id/credentials/:keyId',
    {
      config: { permission: 'app.manage' },
      schema: { tags, summary: '吊销凭证 / revoke', params: CredentialParams },
    },
    async (req, reply) => {
      await withTx(pool, (tx) => revokeCredential(ctxOf(req), tx, req.params.id, req.params.keyId));
      // Again after commit: a request between the in-transaction invalidation and the commit
      // could have cached the key as still valid.
      invalidateCredential(req.params.keyId);
      return reply.code(204).send();
    },
  );
}
