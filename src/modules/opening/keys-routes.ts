import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { withTx } from '../../platform/db/pool.js';
import { shanghaiDay } from '../sharing/calendar.js';
import { apiKeysOf, type ApiKey } from './keys.js';
import { openLimitsOf } from './open-limits.js';

/** A signed-in user's API keys for the public API (docs/OPENING.md "API keys"). */

const strict = { additionalProperties: false } as const;
const Time = Type.String({ format: 'date-time' });

export const CreateKeyBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) },
  strict,
);
const KeyParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const keyProperties = {
  id: Type.String(),
  name: Type.String(),
  rateLimit: Type.Integer({ description: 'calls per minute' }),
  dailyQuota: Type.Integer({ description: 'calls per day (Asia/Shanghai)' }),
  status: Type.Enum(['active', 'revoked']),
  createdAt: Time,
};
export const NewKeySchema = Type.Object({
  ...keyProperties,
  key: Type.String({ description: '<id>.<secret>: shown this once' }),
});
export const KeySchema = Type.Object({
  ...keyProperties,
  lastUsedAt: Type.Union([Time, Type.Null()]),
  revokedAt: Type.Union([Time, Type.Null()]),
  usedToday: Type.Integer(),
});

const presentKey = (k: ApiKey) => ({
  id: k.id,
  name: k.name,
  rateLimit: k.rateLimit,
  dailyQuota: k.dailyQuota,
  status: k.status,
  createdAt: k.createdAt.toISOString(),
});

export default async function keysRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  const keys = apiKeysOf(app.datong);
  const limits = openLimitsOf(pool);
  const tags = ['open'];

  r.post(
    '/api/open/keys',
    {
      config: { permission: 'user' },
      schema: {
        tags,
        summary: '创建 API Key（只显示一次）/ create an API key (shown once)',
        body: CreateKeyBody,
        response: { 201: NewKeySchema },
      },
    },
    async (req, reply) => {
      const created = await withTx(pool, (tx) => keys.create(req.ctx, tx, req.body.name));
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...presentKey(created), key: created.key });
    },
  );

  r.get(
    '/api/open/keys',
    {
      config: { permission: 'user' },
      schema: {
        tags,
        summary: '我的 API Key / my API keys',
        response: { 200: Type.Object({ items: Type.Array(KeySchema) }) },
      },
    },
    async (req) => {
      // This process's uncounted calls first, so that usedToday includes them.
      await limits.quotas.flush().catch(() => undefined);
      const list = await keys.list(req.ctx, pool);
      const { rows } = await pool.query<{ key_id: string; calls: number }>(
        `SELECT key_id::text, calls FROM datong.open_api_usage WHERE key_id = ANY($1::uuid[]) AND day = $2`,
        [list.map((k) => k.id), shanghaiDay(limits.now())],
      );
      const used = new Map(rows.map((u) => [u.key_id, Number(u.calls)]));
      return {
        items: list.map((k) => ({
          ...presentKey(k),
          lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
          revokedAt: k.revokedAt?.toISOString() ?? null,
          usedToday: used.get(k.id) ?? 0,
        })),
      };
    },
  );

  r.delete(
    '/api/open/keys/:id',
    {
      config: { permission: 'user' },
      schema: { tags, summary: '吊销 API Key / revoke an API key', params: KeyParams },
    },
    async (req, reply) => {
      await withTx(pool, (tx) => keys.revoke(req.ctx, tx, req.params.id));
      // Again after commit: a call between the in-transaction invalidation and the commit could
      // have cached the key as still active.
      keys.invalidate(req.params.id);
      return reply.code(204).send();
    },
  );
}
