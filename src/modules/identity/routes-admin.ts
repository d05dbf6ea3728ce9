import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withTx } from '../../platform/db/pool.js';
import type { IdentityContext } from './context.js';
import { createOrg, getOrg, listOrgs, updateOrg } from './orgs.js';
import { assignRoles, createUser, getUser, listUsers, unlockUser, updateUser } from './users.js';
import { presentOrg, presentUser } from './presenters.js';
import {
  CreateOrgBody,
  CreateUserBody,
  IdParams,
  ListUsersQuery,
  OrgSchema,
  PatchOrgBody,
  PatchUserBody,
  RolesBody,
  UserSchema,
  listOf,
  pageOf,
} from './schemas.js';

/** Organisations and users: the platform operator's and organisation administrators' pages. */
export async function adminRoutes(app: FastifyInstance, ctxOf: (req: FastifyRequest) => IdentityContext) {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;

  const orgTags = ['orgs'];
  r.get(
    '/api/orgs',
    {
      config: { permission: 'org.read' },
      schema: {
        tags: orgTags,
        summary: 'All organisations (flat tree)',
        response: { 200: listOf(OrgSchema) },
      },
    },
    async () => ({ items: (await listOrgs(pool)).map(presentOrg) }),
  );
  r.post(
    '/api/orgs',
    {
      config: { permission: 'org.manage' },
      schema: {
        tags: orgTags,
        summary: '新建机构 / create an organisation',
        body: CreateOrgBody,
        response: { 201: OrgSchema },
      },
    },
    async (req, reply) => {
      const org = await withTx(pool, (tx) => createOrg(ctxOf(req), tx, req.body));
      return reply.code(201).send(presentOrg(org));
    },
  );
  r.get(
    '/api/orgs/:id',
    {
      config: { permission: 'org.read' },
      schema: { tags: orgTags, params: IdParams, response: { 200: OrgSchema } },
    },
    async (req) => presentOrg(await getOrg(pool, req.params.id)),
  );
  r.patch(
    '/api/orgs/:id',
    {
      config: { permission: 'org.manage' },
      schema: { tags: orgTags, params: IdParams, body: PatchOrgBody, response: { 200: OrgSchema } },
    },
    async (req) => presentOrg(await withTx(pool, (tx) => updateOrg(ctxOf(req), tx, req.params.id, req.body))),
  );

  const userTags = ['users'];
  r.get(
    '/api/users',
    {
      config: { permission: 'user.read' },
      schema: {
        tags: userTags,
        summary: 'Users in the caller’s scope',
        querystring: ListUsersQuery,
        response: { 200: pageOf(UserSchema) },
      },
    },
    async (req) => {
      const page = await listUsers(ctxOf(req), pool, req.query);
      return { items: page.items.map((u) => presentUser(u)), nextCursor: page.nextCursor };
    },
  );
  r.post(
    '/api/users',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: userTags,
        summary: '新建用户 / create a user',
        body: CreateUserBody,
        response: { 201: UserSchema },
      },
    },
    async (req, reply) => {
      const user = await withTx(pool, (tx) => createUser(ctxOf(req), tx, req.body));
      return reply.code(201).send(presentUser(user));
    },
  );
  r.get(
    '/api/users/:id',
    {
      config: { permission: 'user.read' },
      schema: { tags: userTags, params: IdParams, response: { 200: UserSchema } },
    },
    async (req) => presentUser(await getUser(ctxOf(req), pool, req.params.id)),
  );
  r.patch(
    '/api/users/:id',
    {
      config: { permission: 'user.manage' },
      schema: { tags: userTags, params: IdParams, body: PatchUserBody, response: { 200: UserSchema } },
    },
    async (req) =>
      presentUser(await withTx(pool, (tx) => updateUser(ctxOf(req), tx, req.params.id, req.body))),
  );
  r.put(
    '/api/users/:id/roles',
    {
      config: { permission: 'user.roles.assign' },
      schema: {
        tags: userTags,
        summary: '分配角色 / assign roles (三员 exclusive)',
        params: IdParams,
        body: RolesBody,
        response: { 200: UserSchema },
      },
    },
    async (req) =>
      presentUser(await withTx(pool, (tx) => assignRoles(ctxOf(req), tx, req.params.id, req.body.roles))),
  );
  r.post(
    '/api/users/:id/unlock',
    {
      config: { permission: 'user.manage' },
      schema: {
        tags: userTags,
        summary: '解锁 / clear a lockout',
        params: IdParams,
        response: { 200: UserSchema },
      },
    },
    async (req) => presentUser(await withTx(pool, (tx) => unlockUser(ctxOf(req), tx, req.params.id))),
  );
}
