import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError } from '../../platform/http/errors.js';
import type { Lang } from '../../platform/i18n/index.js';
import { eventFor } from '../../platform/audit/types.js';
import {
  LedgerRequestError,
  reportMessageZh,
  type AuditLedger,
  type VerifyReport,
} from '../../platform/audit/index.js';
import * as S from './schemas.js';

/** This module's messages; keys are the problem `code`s. */
const MESSAGES = {
  bad_seq: {
    'zh-CN': '序号 {value} 超出范围（应在 {min} 到 {max} 之间）',
    en: 'seq {value} is out of range ({min} to {max})',
  },
  bad_tree_size: {
    'zh-CN': '树大小 {name}={value} 超出范围（应在 {min} 到 {max} 之间）',
    en: 'tree size {name}={value} is out of range ({min} to {max})',
  },
  bad_range: { 'zh-CN': '证明范围无效', en: 'Invalid proof range' },
  bad_cursor: { 'zh-CN': '分页游标无效', en: 'Invalid page cursor' },
  audit_no_checkpoint: { 'zh-CN': '审计日志尚无检查点', en: 'The audit ledger has no checkpoint yet' },
} as const satisfies Record<string, { 'zh-CN': string; en: string }>;

function badRequest(e: unknown): never {
  if (e instanceof LedgerRequestError) throw new AppError(400, e.code, MESSAGES[e.code], e.params);
  throw e;
}

/** The report with `message` in the caller's language. */
function presentReport(r: VerifyReport, lang: Lang): VerifyReport {
  return lang === 'zh-CN' ? { ...r, message: reportMessageZh(r) } : r;
}

const TAGS = ['audit'];

/** Audit ledger: events, signed checkpoints, RFC 9162 proofs, full verification. Read-only. */
export default async function auditRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  // Resolved per request: the platform may swap its services (tests do) after registration.
  const ledger = (): AuditLedger => app.datong.ledger;

  app.get(
    '/api/audit/events',
    {
      config: { permission: 'audit.read' },
      schema: { tags: TAGS, querystring: S.EventQuery, response: { 200: S.EventPage } },
    },
    async (req) => ledger().listEvents(req.query).catch(badRequest),
  );

  app.get(
    '/api/audit/checkpoints/latest',
    { config: { permission: 'audit.read' }, schema: { tags: TAGS, response: { 200: S.Checkpoint } } },
    async () => {
      const cp = await ledger().latestCheckpoint();
      if (!cp) throw new AppError(404, 'audit_no_checkpoint', MESSAGES.audit_no_checkpoint);
      return cp;
    },
  );

  app.get(
    '/api/audit/proofs/inclusion',
    {
      config: { permission: 'audit.read' },
      schema: { tags: TAGS, querystring: S.InclusionQuery, response: { 200: S.InclusionProof } },
    },
    async (req) => ledger().inclusionProof(req.query.seq, req.query.treeSize).catch(badRequest),
  );

  app.get(
    '/api/audit/proofs/consistency',
    {
      config: { permission: 'audit.read' },
      schema: { tags: TAGS, querystring: S.ConsistencyQuery, response: { 200: S.ConsistencyProof } },
    },
    async (req) => ledger().consistencyProof(req.query.from, req.query.to).catch(badRequest),
  );

  app.get(
    '/api/audit/verify',
    { config: { permission: 'audit.verify' }, schema: { tags: TAGS, response: { 200: S.VerifyReport } } },
    async (req) => {
      const l = ledger();
      const report = await l.verify();
      // Verifying is itself an auditor action worth a trace, and a failed check above all.
      await l.append(
        eventFor(req.ctx, {
          action: 'audit.verify',
          objectType: 'audit_ledger',
          result: report.ok ? 'success' : 'failure',
          detail: { treeSize: report.treeSize, code: report.code, firstBadPosition: report.firstBadPosition },
        }),
      );
      return presentReport(report, req.ctx.lang);
    },
  );
}
