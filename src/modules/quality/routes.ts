import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import { withTx, type Tx } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { CatalogContext } from '../catalog/context.js';
import { getEntry } from '../catalog/read.js';
import type { Entry } from '../catalog/schemas.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import type { RuleSpec } from './engine.js';
import { queueManualRun } from './jobs.js';
import { qualityProblem } from './messages.js';
import {
  CreateRuleBody,
  DatasetQualitySchema,
  EntryParams,
  PatchRuleBody,
  RuleParams,
  RuleSchema,
  RunDetailSchema,
  RunParams,
  RunsQuery,
  RunSummarySchema,
  SettingsSchema,
  SuggestionSchema,
} from './rule-schemas.js';
import {
  assertRuleRuns,
  deleteRule,
  getRule,
  insertRule,
  listRules,
  qualityDataset,
  referencedEntries,
  setSettings,
  suggestionsFor,
  updateRule,
  type QualityDataset,
} from './rules.js';
import { createRun, getRun, latestRun, listRuns } from './runs.js';

/**
 * The HTTP API of quality rules and runs (docs/QUALITY.md "HTTP API"), under /api/quality:
 *   GET    /datasets/:entryId              dataset.read  settings, rules, the latest run
 *   GET    /datasets/:entryId/suggestions  dataset.load  catalog suggestions with `stored`
 *   POST   /datasets/:entryId/rules        dataset.load  a rule, checked by compiling it
 *   PATCH  /rules/:id, DELETE /rules/:id   dataset.load
 *   PUT    /datasets/:entryId/settings     dataset.load  weights and the daily hour
 *   POST   /datasets/:entryId/runs         dataset.load  202: queued as the job quality:run
 *   GET    /datasets/:entryId/runs         dataset.read  the history, newest first
 *   GET    /runs/:id                       dataset.read  a run with its results
 * Reading needs an entry the caller sees with its fields (a 不予共享 entry of another
 * department: 404); managing needs maintaining the entry's provider organisation (403
 * quality_out_of_scope), as loading does. Every write is audited in its transaction.
 */
export default async function qualityRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const { pool, ledger } = services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['quality'];
  const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });

  const readableEntry = async (req: FastifyRequest, id: string): Promise<Entry> => {
    const entry = await getEntry(ctxOf(req), pool, id);
    if (entry.restricted) throw qualityProblem(404, 'quality_dataset_not_found');
    return entry;
  };
  const maintainedEntry = async (req: FastifyRequest, id: string): Promise<Entry> => {
    const entry = await getEntry(ctxOf(req), pool, id);
    if (!maintains(await viewerOf(pool, req.ctx.actor), entry.providerOrgId)) {
      throw qualityProblem(403, 'quality_out_of_scope');
    }
    return entry;
  };
  const datasetOf = async (entryId: string): Promise<QualityDataset> => {
    const ds = await qualityDataset(pool, entryId);
    if (!ds) throw qualityProblem(404, 'quality_dataset_not_found');
    return ds;
  };
  /** A rule of a maintained entry; a rule of an entry the caller does not see is missing too. */
  const maintainedRule = async (req: FastifyRequest, id: string) => {
    const rule = await getRule(pool, id);
    if (!rule) throw qualityProblem(404, 'quality_rule_not_found', { id });
    try {
      await maintainedEntry(req, rule.entryId);
    } catch (err) {
      if (err instanceof AppError && err.status === 404)
        throw qualityProblem(404, 'quality_rule_not_found', { id });
      throw err;
    }
    return { rule, ds: await datasetOf(rule.entryId) };
  };
  /** The entries a rule refers to must be visible to its author with their fields, and hold data. */
  const assertReferences = async (req: FastifyRequest, spec: RuleSpec): Promise<void> => {
    for (const id of referencedEntries(spec)) {
      try {
        await readableEntry(req, id);
      } catch (err) {
        if (err instanceof AppError && err.status === 404)
          throw qualityProblem(400, 'quality_entry_not_found', { id });
        throw err;
      }
      if (!(await qualityDataset(pool, id))) throw qualityProblem(400, 'quality_entry_not_found', { id });
    }
  };
  const audit = (
    req: FastifyRequest,
    tx: Tx,
    entry: { providerOrgId: string },
    action: string,
    objectType: string,
    objectId: string,
    detail: Record<string, unknown>,
  ) =>
    ledger.record(
      tx,
      eventFor(req.ctx, { action, objectType, objectId, orgId: entry.providerOrgId, detail }),
    );
  const actorName = (req: FastifyRequest) => {
    const a = req.ctx.actor;
    return a.kind === 'user' ? a.displayName || a.username : a.kind === 'anonymous' ? 'anonymous' : a.name;
  };

  r.get(
    '/api/quality/datasets/:entryId',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary:
          "数据集质量：设置、规则与最近一次检查 / a dataset's quality: settings, rules, the latest run",
        params: EntryParams,
        response: { 200: DatasetQualitySchema },
      },
    },
    async (req) => {
      await readableEntry(req, req.params.entryId);
      const ds = await datasetOf(req.params.entryId);
      return {
        entryId: ds.entryId,
        datasetId: ds.id,
        entryName: ds.entryName,
        weights: ds.weights,
        hour: ds.hour,
        rules: await listRules(pool, ds.id),
        latestRun: await latestRun(pool, ds.id),
      };
    },
  );

  r.get(
    '/api/quality/datasets/:entryId/suggestions',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '由目录信息项建议的质量规则 / rules the catalog suggests for the dataset',
        description:
          "stored: a rule with the suggestion's key exists already (keep it by POSTing it with its key).",
        params: EntryParams,
        response: { 200: Type.Array(SuggestionSchema) },
      },
    },
    async (req) => {
      await maintainedEntry(req, req.params.entryId);
      return suggestionsFor(pool, await datasetOf(req.params.entryId));
    },
  );

  r.post(
    '/api/quality/datasets/:entryId/rules',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '新增质量规则 / add a quality rule',
        description:
          'The rule is compiled against the dataset (fields, pattern safety, referenced datasets) before it is ' +
          'stored. `key` keeps a suggestion (it must be one of the current suggestions); without it the rule is custom.',
        params: EntryParams,
        body: CreateRuleBody,
        response: { 201: RuleSchema },
      },
    },
    async (req, reply) => {
      const entry = await maintainedEntry(req, req.params.entryId);
      const ds = await datasetOf(entry.id);
      const { name, spec, enabled, key } = req.body;
      if (key !== undefined && !(await suggestionsFor(pool, ds)).some((s) => s.key === key)) {
        throw qualityProblem(400, 'quality_suggestion_unknown', { key });
      }
      await assertReferences(req, spec);
      await assertRuleRuns(pool, ds, spec);
      const rule = await withTx(pool, async (tx) => {
        const made = await insertRule(tx, ds.id, {
          key,
          name,
          spec,
          enabled,
          suggested: key !== undefined,
          createdBy: actorName(req),
        });
        await audit(req, tx, entry, 'quality.rule.create', 'quality_rule', made.id, {
          code: entry.code,
          key: made.key,
          name,
          spec,
          enabled: made.enabled,
        });
        return made;
      });
      return reply.code(201).send(rule);
    },
  );

  r.patch(
    '/api/quality/rules/:id',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '修改质量规则（名称、参数、启用） / change a rule (name, spec, enabled)',
        params: RuleParams,
        body: PatchRuleBody,
        response: { 200: RuleSchema },
      },
    },
    async (req) => {
      const { rule, ds } = await maintainedRule(req, req.params.id);
      const { spec } = req.body;
      if (spec) {
        await assertReferences(req, spec);
        await assertRuleRuns(pool, ds, spec);
      }
      return withTx(pool, async (tx) => {
        const changed = await updateRule(tx, rule.id, req.body);
        await audit(req, tx, ds, 'quality.rule.update', 'quality_rule', rule.id, {
          key: rule.key,
          before: { name: rule.name, spec: rule.spec, enabled: rule.enabled },
          after: { name: changed.name, spec: changed.spec, enabled: changed.enabled },
        });
        return changed;
      });
    },
  );

  r.delete(
    '/api/quality/rules/:id',
    {
      config: { permission: 'dataset.load' },
      schema: { tags, summary: '删除质量规则 / delete a rule', params: RuleParams },
    },
    async (req, reply) => {
      const { rule, ds } = await maintainedRule(req, req.params.id);
      await withTx(pool, async (tx) => {
        await deleteRule(tx, rule.id);
        await audit(req, tx, ds, 'quality.rule.delete', 'quality_rule', rule.id, {
          key: rule.key,
          name: rule.name,
          spec: rule.spec,
        });
      });
      return reply.code(204).send();
    },
  );

  r.put(
    '/api/quality/datasets/:entryId/settings',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '设置维度权重与每日检查时间 / set the dimension weights and the daily run hour',
        params: EntryParams,
        body: SettingsSchema,
        response: { 200: SettingsSchema },
      },
    },
    async (req) => {
      const entry = await maintainedEntry(req, req.params.entryId);
      const ds = await datasetOf(entry.id);
      const { weights, hour } = req.body;
      await withTx(pool, async (tx) => {
        await setSettings(tx, ds.id, weights, hour);
        await audit(req, tx, entry, 'quality.settings', 'dataset', ds.id, {
          code: entry.code,
          before: { weights: ds.weights, hour: ds.hour },
          after: { weights, hour },
        });
      });
      return { weights, hour };
    },
  );

  r.post(
    '/api/quality/datasets/:entryId/runs',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '立即检查数据质量（排队执行） / run the rules now (queued)',
        description: '202 with the run id; the run is `running` until the job quality:run has recorded it.',
        params: EntryParams,
        response: { 202: Type.Object({ runId: Type.Integer() }) },
      },
    },
    async (req, reply) => {
      const entry = await maintainedEntry(req, req.params.entryId);
      const ds = await datasetOf(entry.id);
      if (!(await listRules(pool, ds.id, { enabledOnly: true })).length) {
        throw qualityProblem(409, 'quality_no_rules');
      }
      const runId = await withTx(pool, async (tx) => {
        const id = await createRun(tx, ds.id, 'manual', null, actorName(req));
        await audit(req, tx, entry, 'quality.run', 'quality_run', String(id), { code: entry.code });
        return id;
      });
      try {
        await queueManualRun(pool, ds.id, runId);
      } catch (err) {
        await pool.query(
          `UPDATE datong.quality_runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`,
          [runId, JSON.stringify({ 'zh-CN': '检查任务未能排队', en: 'The run could not be queued' })],
        );
        throw err;
      }
      return reply.code(202).send({ runId });
    },
  );

  r.get(
    '/api/quality/datasets/:entryId/runs',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '质量检查历史（新的在前） / the run history, newest first',
        params: EntryParams,
        querystring: RunsQuery,
        response: { 200: Type.Array(RunSummarySchema) },
      },
    },
    async (req) => {
      await readableEntry(req, req.params.entryId);
      const ds = await datasetOf(req.params.entryId);
      return listRuns(pool, ds.id, req.query.limit);
    },
  );

  r.get(
    '/api/quality/runs/:id',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '一次质量检查及各规则结果（样例已脱敏） / a run with its results (samples masked)',
        params: RunParams,
        response: { 200: RunDetailSchema },
      },
    },
    async (req) => {
      const run = await getRun(pool, req.params.id);
      if (!run) throw qualityProblem(404, 'quality_run_not_found', { id: req.params.id });
      try {
        await readableEntry(req, run.entryId);
      } catch (err) {
        if (err instanceof AppError && err.status === 404)
          throw qualityProblem(404, 'quality_run_not_found', { id: req.params.id });
        throw err;
      }
      return run;
    },
  );
}
