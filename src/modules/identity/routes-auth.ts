import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withTx } from '../../platform/db/pool.js';
import { notFound } from '../../platform/http/errors.js';
import {
  clearSessionCookie,
  credentialOf,
  endAccessToken,
  endSession,
  setSessionCookie,
} from '../../platform/auth/index.js';
import type { IdentityContext } from './context.js';
import { issueToken, login, recordLogout } from './auth.js';
import { changePassword, updateMe } from './users.js';
import { presentMe } from './presenters.js';
import * as store from './store.js';
import {
  ChangePasswordBody,
  LoginBody,
  LoginResponse,
  MeWithCsrfSchema,
  MeSchema,
  PatchMeBody,
  TokenResponse,
  WhoamiSchema,
} from './schemas.js';

/** Sign-in, sign-out and the caller's own account. */
export async function authRoutes(app: FastifyInstance, ctxOf: (req: FastifyRequest) => IdentityContext) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  const tags = ['auth'];

  r.post(
    '/api/auth/login',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: '登录 / sign in (sets the session cookie)',
        body: LoginBody,
        response: { 200: LoginResponse },
      },
    },
    async (req, reply) => {
      const result = await withTx(pool, (tx) => login(ctxOf(req), tx, req.body));
      if (!result.ok) throw result.error;
      setSessionCookie(req, reply, result.grant);
      return { user: presentMe(result.user), csrfToken: result.grant.csrfToken };
    },
  );

  r.post(
    '/api/auth/tokens',
    {
      config: { permission: 'public' },
      schema: {
        tags,
        summary: 'Bearer token for API clients',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (req) => {
      const result = await withTx(pool, (tx) => issueToken(ctxOf(req), tx, req.body));
      if (!result.ok) throw result.error;
      return { accessToken: result.grant.token, expiresAt: result.grant.expiresAt.toISOString() };
    },
  );

  r.post(
    '/api/auth/logout',
    { config: { permission: 'authenticated' }, schema: { tags, summary: '退出 / sign out' } },
    async (req, reply) => {
      const cred = credentialOf(req);
      // Logout ends whatever the caller signed in with: the cookie session, or the bearer token
      // (a client done with a token revokes it rather than leaving it valid for 12 h).
      await withTx(pool, async (tx) => {
        if (cred?.kind === 'session') await endSession(tx, cred.sessionId);
        if (cred?.kind === 'token') await endAccessToken(tx, cred.tokenId);
        await recordLogout(ctxOf(req), tx, cred?.kind ?? 'none');
      });
      if (cred?.kind === 'session') clearSessionCookie(req, reply);
      return reply.code(204).send();
    },
  );

  r.get(
    '/api/me',
    {
      config: { permission: 'user' },
      schema: { tags, summary: 'The signed-in user', response: { 200: MeWithCsrfSchema } },
    },
    async (req) => {
      const actor = req.ctx.actor;
      if (actor.kind !== 'user') throw notFound();
      const user = await store.getUser(pool, actor.id);
      if (!user) throw notFound();
      const cred = credentialOf(req);
      return { ...presentMe(user), csrfToken: cred?.kind === 'session' ? cred.csrfToken : null };
    },
  );

  r.patch(
    '/api/me',
    {
      config: { permission: 'user' },
      schema: {
        tags,
        summary: 'Change display name or language',
        body: PatchMeBody,
        response: { 200: MeSchema },
      },
    },
    async (req) => presentMe(await withTx(pool, (tx) => updateMe(ctxOf(req), tx, req.body))),
  );

  r.post(
    '/api/me/password',
    {
      config: { permission: 'user' },
      schema: { tags, summary: '修改密码 / change password', body: ChangePasswordBody },
    },
    async (req, reply) => {
      const cred = credentialOf(req);
      const keep = {
        sessionId: cred?.kind === 'session' ? cred.sessionId : undefined,
        tokenId: cred?.kind === 'token' ? cred.tokenId : undefined,
      };
      const result = await withTx(pool, (tx) => changePassword(ctxOf(req), tx, req.body, keep));
      if (!result.ok) throw result.error;
      return reply.code(204).send();
    },
  );

  r.get(
    '/api/whoami',
    {
      config: { permission: 'authenticated' },
      schema: { tags, summary: 'The calling actor', response: { 200: WhoamiSchema } },
    },
    async (req) => {
      const a = req.ctx.actor;
      if (a.kind === 'app')
        return { kind: 'app' as const, id: a.id, name: a.name, keyId: a.keyId, orgId: a.orgId };
      if (a.kind !== 'user') throw notFound();
      const { id, username, displayName, orgId, roles, via } = a;
      return { kind: 'user' as const, id, username, displayName, orgId, roles, via };
    },
  );
}
