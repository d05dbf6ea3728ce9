import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getApp } from '../identity/index.js';
import { shanghaiDay } from './calendar.js';
import { dailyQuotasOf } from './quota.js';
import { strict } from './schemas.js';

/**
 * An application's use of its grants, for the app page's charts:
 *   GET /api/share/apps/:id/usage?days=30   app.read   calls admitted per grant and day
 * The app must be one the caller may see (its organisation's; every app for the sysadmin),
 * else 404. Days are Asia/Shanghai calendar days, the oldest first, today last; the counts are
 * the daily quotas' (datong.grant_usage), this process's latest calls included.
 */

const UsageParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, strict);
const UsageQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 366, default: 30 }) }, strict);
const UsageAnswer = Type.Object({
  days: Type.Array(Type.String({ description: 'YYYY-MM-DD' })),
  grants: Type.Array(
    Type.Object({
      grantId: Type.String(),
      entryName: Type.String(),
      providerOrgName: Type.String(),
      status: Type.String(),
      dailyQuota: Type.Integer(),
      calls: Type.Array(Type.Integer(), { description: 'per day, aligned with days' }),
    }),
  ),
});

export default async function usageRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.datong;
  r.get(
    '/api/share/apps/:id/usage',
    {
      config: { permission: 'app.read' },
      schema: {
        tags: ['sharing'],
        summary: '应用调用量（按授权、按天） / an application’s calls per grant and day',
        params: UsageParams,
        querystring: UsageQuery,
        response: { 200: UsageAnswer },
      },
    },
    async (req) => {
      const appRow = await getApp({ ...req.ctx, services }, services.pool, req.params.id);
      await dailyQuotasOf(services.pool)
        .flush()
        .catch(() => undefined);
      const n = req.query.days;
      const today = Date.parse(`${shanghaiDay(new Date())}T00:00:00Z`);
      const days = Array.from({ length: n }, (_, i) =>
        new Date(today - (n - 1 - i) * 86_400_000).toISOString().slice(0, 10),
      );
      const { rows } = await services.pool.query<{
        grant_id: string;
        entry_name: string;
        provider_org_name: string;
        status: string;
        daily_quota: number;
        usage: Record<string, number> | null;
      }>(
        `SELECT g.id AS grant_id, v.name AS entry_name, po.name AS provider_org_name, g.status, g.daily_quota,
                (SELECT jsonb_object_agg(u.day::text, u.calls) FROM datong.grant_usage u
                  WHERE u.grant_id = g.id AND u.day >= $2::date) AS usage
           FROM datong.grants g
           JOIN datong.catalog_versions v ON v.entry_id = g.entry_id AND v.version = g.catalog_version
           JOIN datong.orgs po ON po.id = g.provider_org_id
          WHERE g.app_id = $1
          ORDER BY g.created_at`,
        [appRow.id, days[0]],
      );
      return {
        days,
        grants: rows.map((g) => ({
          grantId: g.grant_id,
          entryName: g.entry_name,
          providerOrgName: g.provider_org_name,
          status: g.status,
          dailyQuota: g.daily_quota,
          calls: days.map((d) => Number(g.usage?.[d] ?? 0)),
        })),
      };
    },
  );
}
