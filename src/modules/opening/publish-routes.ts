import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import { withTx, type Tx } from '../../platform/db/pool.js';
import type { CatalogContext } from '../catalog/context.js';
import { getEntry } from '../catalog/read.js';
import type { Entry } from '../catalog/schemas.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import { orgSubtree } from '../identity/index.js';
import { listHierarchies, parseHierarchyCsv, saveHierarchy } from './hierarchies.js';
import { dropOpenVersions } from './publish-build.js';
import { normaliseConfig, pseudonymKey, type Config } from './publish-config.js';
import { queueBuild } from './publish-jobs.js';
import { publishProblem } from './publish-messages.js';
import { analyse, planFor, sourceOf } from './publish.js';
import {
  ConfigSchema,
  EntryParams,
  HierarchyBody,
  HierarchyQuery,
  HierarchySchema,
  ListQuery,
  OptionalReasonBody,
  PreviewBody,
  PublicationSchema,
  PublicationSummarySchema,
  ReasonBody,
  ReportSchema,
  type Report,
} from './publish-schemas.js';
import {
  listPublications,
  listVersions,
  presentPublication,
  presentSummary,
  readPublication,
  saveConfig,
  setBuild,
  setRefused,
  setRequested,
  setSignedOff,
  type PublicationRow,
} from './publish-store.js';

/**
 * The HTTP API of the publishing pipeline (docs/OPENING.md "Publishing pipeline"), under
 * /api/opening:
 *   GET  /publications?status=               dataset.read   the caller's organisations' publications
 *   GET  /publications/:entryId              dataset.read   config, status, report, versions
 *   PUT  /publications/:entryId/config       dataset.load   a configuration (→ draft), grade rules checked
 *   POST /publications/:entryId/preview      dataset.load   the report of a configuration (dry run)
 *   POST /publications/:entryId/request      dataset.load   draft|withdrawn → pending, with the report
 *   POST /publications/:entryId/sign-off     share.approve  pending → (job opening:publish) → published
 *   POST /publications/:entryId/refuse       share.approve  pending → draft, with the reason
 *   POST /publications/:entryId/withdraw     dataset.read   (maintainer or approver) → withdrawn
 *   GET  /hierarchies?orgId=                 dataset.read   custom hierarchies of an organisation
 *   POST /hierarchies                        dataset.load   upload a CSV hierarchy (same name: replaced)
 * Configuring and requesting needs maintaining the entry's provider organisation (403
 * publish_out_of_scope); signing off needs an approver of that organisation or its org admin
 * (403 publish_not_approver), who is not the requester. Every write is audited in its transaction.
 */
export default async function publishRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const { pool, ledger } = services;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['opening'];
  const ctxOf = (req: FastifyRequest): CatalogContext => ({ ...req.ctx, services });
  const base = '/api/opening/publications/:entryId';

  const userOf = (req: FastifyRequest) => {
    const a = req.ctx.actor;
    return a.kind === 'user'
      ? { id: a.id, name: a.displayName || a.username }
      : { id: null, name: a.kind === 'anonymous' ? 'anonymous' : a.name };
  };
  const readable = async (req: FastifyRequest, entryId: string): Promise<Entry> => {
    const entry = await getEntry(ctxOf(req), pool, entryId);
    if (entry.restricted) throw publishProblem(404, 'publish_entry_not_found', { entryId });
    return entry;
  };
  const isMaintainer = async (req: FastifyRequest, entry: Entry) =>
    maintains(await viewerOf(pool, req.ctx.actor), entry.providerOrgId);
  const maintained = async (req: FastifyRequest, entryId: string): Promise<Entry> => {
    const entry = await getEntry(ctxOf(req), pool, entryId);
    if (!(await isMaintainer(req, entry))) throw publishProblem(403, 'publish_out_of_scope');
    return entry;
  };
  /** An approver of the provider organisation, or an org admin above it. */
  const isApprover = async (req: FastifyRequest, entry: Entry): Promise<boolean> => {
    const a = req.ctx.actor;
    if (a.kind !== 'user') return false;
    if (a.roles.includes('approver') && a.orgId === entry.providerOrgId) return true;
    return a.roles.includes('org_admin') && (await orgSubtree(pool, a.orgId)).includes(entry.providerOrgId);
  };
  const publicationOf = async (entryId: string): Promise<PublicationRow> => {
    const p = await readPublication(pool, { entryId });
    if (!p) throw publishProblem(404, 'publish_not_found', { entryId });
    return p;
  };
  const present = async (p: PublicationRow) => presentPublication(p, await listVersions(pool, p.id));
  const wrongStatus = (p: PublicationRow, actionZh: string, actionEn: string) =>
    publishProblem(409, 'publish_status', { status: p.status, actionZh, actionEn });
  const audit = (req: FastifyRequest, tx: Tx, p: PublicationRow, action: string, detail: object) =>
    ledger.record(
      tx,
      eventFor(req.ctx, {
        action: `opening.publication.${action}`,
        objectType: 'open_publication',
        objectId: p.id,
        orgId: p.orgId,
        detail: { entryId: p.entryId, ...detail },
      }),
    );
  /** The report of a configuration on the current data, in one read-only snapshot. */
  const preview = async (
    req: FastifyRequest,
    entryId: string,
    config: Config,
    publicationId: string | null,
  ) => {
    const source = await sourceOf(ctxOf(req), pool, entryId);
    const plan = await planFor(pool, source, config);
    // A preview of a new configuration pseudonymises under a throwaway key: no pseudonym leaks.
    const key = pseudonymKey(services.identity, publicationId ?? randomUUID());
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return (await analyse(client, source, plan, key)).report;
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  };
  const params = { params: EntryParams };

  r.get(
    '/api/opening/publications',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '开放发布列表（本机构） / open publications of the caller’s organisations',
        querystring: ListQuery,
        response: { 200: Type.Array(PublicationSummarySchema) },
      },
    },
    async (req) => {
      const viewer = await viewerOf(pool, req.ctx.actor);
      const a = req.ctx.actor;
      let orgs: string[] | undefined = viewer.maintains;
      if (orgs !== undefined && a.kind === 'user') {
        orgs = [
          ...new Set([
            ...orgs,
            a.orgId,
            ...(a.roles.includes('org_admin') ? await orgSubtree(pool, a.orgId) : []),
          ]),
        ];
      }
      return (await listPublications(pool, orgs, req.query.status)).map(presentSummary);
    },
  );

  r.get(
    base,
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '开放发布：配置、状态、报告、版本 / a publication: config, status, report, versions',
        ...params,
        response: { 200: PublicationSchema },
      },
    },
    async (req) => {
      await readable(req, req.params.entryId);
      return present(await publicationOf(req.params.entryId));
    },
  );

  r.put(
    `${base}/config`,
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '设置开放配置（回到草稿） / set the configuration (back to draft)',
        description:
          'Per field {action: drop|keep|mask|generalise|pseudonymise, params}; fields not listed are dropped. ' +
          'Refused (400 publish_grade_forbids, naming the fields) when a grade or piiKind forbids the action. ' +
          'A published publication must be withdrawn first (409).',
        ...params,
        body: ConfigSchema,
        response: { 200: PublicationSchema },
      },
    },
    async (req) => {
      const entry = await maintained(req, req.params.entryId);
      const config = normaliseConfig(req.body);
      const source = await sourceOf(ctxOf(req), pool, entry.id);
      await planFor(pool, source, config);
      const saved = await withTx(pool, async (tx) => {
        const before = await readPublication(tx, { entryId: entry.id }, true);
        if (before?.status === 'published')
          throw wrongStatus(before, '修改配置（请先撤回）', 'reconfigured (withdraw it first)');
        const p = await saveConfig(tx, {
          entryId: entry.id,
          datasetId: source.dataset.id,
          name: source.dataset.name,
          orgId: entry.providerOrgId,
          config,
        });
        await audit(req, tx, p, 'config', {
          code: entry.code,
          config,
          previousStatus: before?.status ?? null,
        });
        return p;
      });
      return present(saved);
    },
  );

  r.post(
    `${base}/preview`,
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '预览去标识化报告（不写入） / the report of a configuration (dry run)',
        description: 'With `config`, that configuration; without, the stored one. Nothing is written.',
        ...params,
        body: PreviewBody,
        response: { 200: ReportSchema },
      },
    },
    async (req) => {
      const entry = await maintained(req, req.params.entryId);
      const stored = await readPublication(pool, { entryId: entry.id });
      const input = req.body?.config;
      if (!input && !stored) throw publishProblem(404, 'publish_not_found', { entryId: entry.id });
      const config = input ? normaliseConfig(input) : normaliseConfig(stored!.config);
      return preview(req, entry.id, config, stored?.id ?? null);
    },
  );

  r.post(
    `${base}/request`,
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '申请开放（待审核人签批） / request opening (for an approver’s sign-off)',
        description: 'Computes the report; 422 publish_not_anonymous when k cannot be met within the bound.',
        ...params,
        response: { 200: PublicationSchema },
      },
    },
    async (req) => {
      const entry = await maintained(req, req.params.entryId);
      const p = await publicationOf(entry.id);
      if (p.status !== 'draft' && p.status !== 'withdrawn') throw wrongStatus(p, '申请', 'requested');
      const config = normaliseConfig(p.config);
      const report: Report = await preview(req, entry.id, config, p.id);
      if (!report.feasible) {
        throw publishProblem(422, 'publish_not_anonymous', {
          k: config.k,
          maxSuppression: `${config.maxSuppression * 100}%`,
          needed: report.suppressedRows,
          rows: report.sourceRows,
        });
      }
      await withTx(pool, async (tx) => {
        const cur = await readPublication(tx, { id: p.id }, true);
        if (!cur || cur.status !== p.status || cur.updatedAt.getTime() !== p.updatedAt.getTime())
          throw wrongStatus(
            cur ?? p,
            '申请（配置已变化）',
            'requested (its configuration changed meanwhile)',
          );
        await setRequested(tx, p.id, userOf(req), report);
        await audit(req, tx, p, 'request', { code: entry.code, report: summaryOf(report) });
      });
      return present((await readPublication(pool, { id: p.id }))!);
    },
  );

  r.post(
    `${base}/sign-off`,
    {
      config: { permission: 'share.approve' },
      schema: {
        tags,
        summary: '签批开放（生成开放版本） / sign off: the open version is built by a job',
        description: '202; the job opening:publish builds the open version and publishes it.',
        ...params,
        response: { 202: PublicationSchema },
      },
    },
    async (req, reply) => {
      const entry = await readable(req, req.params.entryId);
      if (!(await isApprover(req, entry))) throw publishProblem(403, 'publish_not_approver');
      const p = await publicationOf(entry.id);
      if (p.status !== 'pending') throw wrongStatus(p, '签批', 'signed off');
      const me = userOf(req);
      if (p.requestedBy !== null && p.requestedBy === me.id) throw publishProblem(403, 'publish_own_request');
      // The catalog may have changed since the request: its grade rules are checked again.
      await planFor(pool, await sourceOf(ctxOf(req), pool, entry.id), normaliseConfig(p.config));
      await withTx(pool, async (tx) => {
        const cur = await readPublication(tx, { id: p.id }, true);
        if (cur?.status !== 'pending') throw wrongStatus(cur ?? p, '签批', 'signed off');
        await setSignedOff(tx, p.id, me);
        await audit(req, tx, p, 'signoff', { code: entry.code, config: p.config });
      });
      try {
        await queueBuild(pool, { publicationId: p.id, trigger: 'signoff' });
      } catch (err) {
        await setBuild(
          pool,
          p.id,
          'failed',
          { 'zh-CN': '生成任务未能排队', en: 'The build could not be queued' },
          null,
        );
        throw err;
      }
      return reply.code(202).send(await present((await readPublication(pool, { id: p.id }))!));
    },
  );

  r.post(
    `${base}/refuse`,
    {
      config: { permission: 'share.approve' },
      schema: {
        tags,
        summary: '退回开放申请 / refuse the request (back to draft)',
        ...params,
        body: ReasonBody,
        response: { 200: PublicationSchema },
      },
    },
    async (req) => {
      const entry = await readable(req, req.params.entryId);
      if (!(await isApprover(req, entry))) throw publishProblem(403, 'publish_not_approver');
      const p = await publicationOf(entry.id);
      await withTx(pool, async (tx) => {
        const cur = await readPublication(tx, { id: p.id }, true);
        if (cur?.status !== 'pending') throw wrongStatus(cur ?? p, '退回', 'refused');
        await setRefused(tx, p.id, {
          by: userOf(req).name,
          at: new Date().toISOString(),
          reason: req.body.reason,
        });
        await audit(req, tx, p, 'refuse', { code: entry.code, reason: req.body.reason });
      });
      return present((await readPublication(pool, { id: p.id }))!);
    },
  );

  r.post(
    `${base}/withdraw`,
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '撤回开放（开放表下线） / withdraw: the open tables go offline',
        description: 'By a maintainer of the provider organisation or its approver.',
        ...params,
        body: OptionalReasonBody,
        response: { 200: PublicationSchema },
      },
    },
    async (req) => {
      const entry = await readable(req, req.params.entryId);
      if (!(await isMaintainer(req, entry)) && !(await isApprover(req, entry)))
        throw publishProblem(403, 'publish_out_of_scope');
      const p = await publicationOf(entry.id);
      await withTx(pool, async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(4400020, hashtext($1))', [p.id]);
        const cur = await readPublication(tx, { id: p.id }, true);
        if (!cur || cur.status === 'withdrawn') throw wrongStatus(cur ?? p, '撤回', 'withdrawn');
        await dropOpenVersions(tx, cur);
        await audit(req, tx, p, 'withdraw', {
          code: entry.code,
          previousStatus: cur.status,
          reason: req.body?.reason ?? null,
        });
      });
      return present((await readPublication(pool, { id: p.id }))!);
    },
  );

  r.get(
    '/api/opening/hierarchies',
    {
      config: { permission: 'dataset.read' },
      schema: {
        tags,
        summary: '自定义泛化层级 / custom generalisation hierarchies of an organisation',
        querystring: HierarchyQuery,
        response: { 200: Type.Array(HierarchySchema) },
      },
    },
    async (req) => {
      const a = req.ctx.actor;
      const own = a.kind === 'user' || a.kind === 'app' ? a.orgId : null;
      const orgId = req.query.orgId ?? own;
      if (!orgId) return [];
      if (orgId !== own && !maintains(await viewerOf(pool, a), orgId))
        throw publishProblem(403, 'publish_out_of_scope');
      return listHierarchies(pool, [orgId]);
    },
  );

  r.post(
    '/api/opening/hierarchies',
    {
      config: { permission: 'dataset.load' },
      schema: {
        tags,
        summary: '上传 CSV 泛化层级 / upload a CSV hierarchy (value, level 1, level 2, …)',
        description: 'A hierarchy of the same name in the organisation is replaced (200); a new one is 201.',
        body: HierarchyBody,
        response: { 200: HierarchySchema, 201: HierarchySchema },
      },
    },
    async (req, reply) => {
      const a = req.ctx.actor;
      const orgId = req.body.orgId ?? (a.kind === 'user' ? a.orgId : '');
      if (!orgId || !maintains(await viewerOf(pool, a), orgId))
        throw publishProblem(403, 'publish_out_of_scope');
      const parsed = parseHierarchyCsv(req.body.csv);
      const saved = await withTx(pool, async (tx) => {
        const out = await saveHierarchy(
          tx,
          {
            orgId,
            name: req.body.name,
            description: req.body.description ?? '',
            createdBy: userOf(req).name,
          },
          parsed,
        );
        await ledger.record(
          tx,
          eventFor(req.ctx, {
            action: 'opening.hierarchy.save',
            objectType: 'open_hierarchy',
            objectId: out.hierarchy.id,
            orgId,
            detail: {
              name: req.body.name,
              levels: parsed.levels,
              values: parsed.mapping.size,
              replaced: out.replaced,
            },
          }),
        );
        return out;
      });
      return reply.code(saved.replaced ? 200 : 201).send(saved.hierarchy);
    },
  );
}

/** What the audit ledger keeps of a report: the figures, not the histogram. */
const summaryOf = (r: Report) => ({
  sourceRows: r.sourceRows,
  publishedRows: r.publishedRows,
  suppressedRows: r.suppressedRows,
  informationLoss: r.informationLoss,
  k: r.k,
  riskAfter: r.risk.after,
});
