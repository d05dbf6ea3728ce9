import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { quickAddJob } from 'graphile-worker';
import { eventFor } from '../../platform/audit/types.js';
import { withTx } from '../../platform/db/pool.js';
import { parseCron } from './harvest-cron.js';
import { HARVEST_TASK, queueRun } from './harvest.js';
import * as store from './harvest-store.js';
import type { RunRow, SourceRow } from './harvest-store.js';
import { openProblem } from './open/messages.js';

/** Harvest sources and runs (catalog.harvest: the platform operator). */

const strict = { additionalProperties: false } as const;
const Id = Type.String({ format: 'uuid' });
const IdParams = Type.Object({ id: Id });

const SourceBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: Type.Enum(['ckan', 'dcat']),
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'CKAN site root, or the DCAT document' }),
    schedule: Type.Optional(Type.Union([Type.String({ maxLength: 100 }), Type.Null()])),
    providerOrgId: Type.Optional(Id),
  },
  strict,
);

const Source = Type.Object({
  id: Id,
  name: Type.String(),
  kind: Type.Enum(['ckan', 'dcat']),
  url: Type.String(),
  schedule: Type.Union([Type.String(), Type.Null()]),
  providerOrgId: Id,
  createdAt: Type.String({ format: 'date-time' }),
});

const Run = Type.Object({
  id: Id,
  sourceId: Id,
  status: Type.Enum(['queued', 'running', 'done', 'failed']),
  trigger: Type.Enum(['manual', 'schedule']),
  queuedAt: Type.String({ format: 'date-time' }),
  startedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  finishedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Array(Type.Object({ ref: Type.String(), reason: Type.String() })),
  error: Type.Union([Type.String(), Type.Null()]),
});

const presentSource = (s: SourceRow) => ({
  id: s.id,
  name: s.name,
  kind: s.kind,
  url: s.url,
  schedule: s.schedule,
  providerOrgId: s.providerOrgId,
  createdAt: s.createdAt.toISOString(),
});

const presentRun = (r: RunRow) => ({
  id: r.id,
  sourceId: r.sourceId,
  status: r.status,
  trigger: r.trigger,
  queuedAt: r.queuedAt.toISOString(),
  startedAt: r.startedAt?.toISOString() ?? null,
  finishedAt: r.finishedAt?.toISOString() ?? null,
  created: r.created,
  updated: r.updated,
  unchanged: r.unchanged,
  rejected: r.rejected,
  error: r.error,
});

function validUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password;
  } catch {
    return false;
  }
}

export default async function harvestRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const pool = app.datong.pool;
  const tags = ['catalog-harvest'];
  const config = { permission: 'catalog.harvest' } as const;

  r.get(
    '/api/catalog/harvest-sources',
    {
      config,
      schema: {
        tags,
        summary: '采集源 / harvest sources',
        response: { 200: Type.Object({ items: Type.Array(Source) }) },
      },
    },
    async () => ({ items: (await store.listSources(pool)).map(presentSource) }),
  );

  r.post(
    '/api/catalog/harvest-sources',
    {
      config,
      schema: {
        tags,
        summary: '新建采集源 / add a harvest source',
        body: SourceBody,
        response: { 201: Source },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const actor = req.ctx.actor;
      const name = b.name.trim();
      if (!validUrl(b.url)) throw openProblem(400, 'harvest_url_invalid', { url: b.url });
      const schedule = b.schedule?.trim() || null;
      if (schedule && !parseCron(schedule)) throw openProblem(400, 'harvest_schedule_invalid', { schedule });
      const providerOrgId = b.providerOrgId ?? (actor.kind === 'user' ? actor.orgId : undefined);
      if (!providerOrgId) throw openProblem(400, 'harvest_provider_required');
      const created = await withTx(pool, async (tx) => {
        const org = await tx.query('SELECT 1 FROM datong.orgs WHERE id = $1', [providerOrgId]);
        if (!org.rowCount) throw openProblem(400, 'harvest_provider_unknown');
        if ((await store.listSources(tx)).some((s) => s.name === name))
          throw openProblem(409, 'harvest_name_taken', { name });
        const source = await store.insertSource(tx, {
          name,
          kind: b.kind,
          url: b.url,
          schedule,
          providerOrgId,
          createdBy: actor.kind === 'user' ? actor.id : null,
        });
        await app.datong.ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'catalog.harvest.source.create',
            objectType: 'harvest_source',
            objectId: source.id,
            detail: { name, kind: b.kind, url: b.url, schedule },
          }),
        );
        return source;
      });
      return reply.code(201).send(presentSource(created));
    },
  );

  r.post(
    '/api/catalog/harvest-sources/:id/run',
    {
      config,
      schema: {
        tags,
        summary: '立即采集 / queue a harvest now',
        params: IdParams,
        response: { 202: Type.Object({ runId: Id }) },
      },
    },
    async (req, reply) => {
      const source = await store.getSource(pool, req.params.id);
      if (!source) throw openProblem(404, 'harvest_source_not_found');
      const run = await queueRun(pool, source.id, 'manual', (p) =>
        quickAddJob({ pgPool: pool }, HARVEST_TASK, p),
      );
      await app.datong.ledger.append(
        eventFor(req.ctx, {
          action: 'catalog.harvest.run',
          objectType: 'harvest_source',
          objectId: source.id,
          detail: { runId: run.id },
        }),
      );
      return reply.code(202).send({ runId: run.id });
    },
  );

  r.get(
    '/api/catalog/harvest-runs/:id',
    {
      config,
      schema: {
        tags,
        summary: '采集报告 / a harvest run and its report',
        params: IdParams,
        response: { 200: Run },
      },
    },
    async (req) => {
      const run = await store.getRun(pool, req.params.id);
      if (!run) throw openProblem(404, 'harvest_run_not_found');
      return presentRun(run);
    },
  );
}
