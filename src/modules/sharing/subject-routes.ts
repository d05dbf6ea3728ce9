import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import type { Queryable } from '../../platform/db/pool.js';
import { subjectHashOf } from './services.js';

/**
 * Whose data left, and to whom (docs/SHARING.md "Data services"): the data services keep, in each
 * call's audit event, keyed hashes of the 公民身份号码 and 统一社会信用代码 they returned or
 * verified. An auditor gives one such number; the node hashes it as the services did and lists
 * the sequenced events that name it — app, organisation, scenario, entry, fields, time — without
 * the number itself ever being stored. The lookup is itself audited (with the hash only).
 *
 * The search reads the sequenced ledger (audit.events): events still waiting for the sequencer
 * (a few seconds at most) show on the next lookup. It scans the ledger's events of the data
 * service actions; an index on the subjects is future work for ledgers of hundreds of millions.
 */

const Query = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64, description: '公民身份号码 or 统一社会信用代码' }),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
const Access = Type.Object({
  seq: Type.Integer(),
  time: Type.String({ format: 'date-time' }),
  action: Type.String(),
  actorName: Type.Union([Type.String(), Type.Null()]),
  orgId: Type.Union([Type.String(), Type.Null()]),
  grant: Type.Union([Type.String(), Type.Null()]),
  entry: Type.Union([Type.String(), Type.Null()]),
  scenario: Type.Union([Type.String(), Type.Null()]),
  fields: Type.Array(Type.String()),
});
const Answer = Type.Object({
  subject: Type.String({ description: 'the keyed hash' }),
  accesses: Type.Array(Access),
});

/** A sequenced data-service event naming a subject, as the lookups read it. */
export interface SubjectAccessEvent {
  seq: string;
  time: Date;
  action: string;
  actor_type: string;
  actor_id: string | null;
  actor_name: string | null;
  org_id: string | null;
  detail: { grant?: string; entry?: string; scenario?: string; fields?: string[] };
}

/**
 * The data-service events that name a subject hash, newest first: the one lookup behind the
 * auditor's view here and the citizens' and companies' own view (opening/transparency.ts).
 */
export async function subjectAccessEvents(
  q: Queryable,
  subject: string,
  limit: number,
): Promise<SubjectAccessEvent[]> {
  const { rows } = await q.query<SubjectAccessEvent>(
    `SELECT seq, time, action, actor_type, actor_id, actor_name, org_id, detail FROM audit.events
      WHERE action LIKE 'share.service.%' AND detail -> 'subjects' ? $1
      ORDER BY seq DESC LIMIT $2`,
    [subject, limit],
  );
  return rows;
}

export default async function subjectRoutes(app: FastifyInstance): Promise<void> {
  const services = app.datong;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  r.get(
    '/api/audit/subject-accesses',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary:
          '某人或某企业的数据被谁调用过 / the data-service calls that returned or verified one subject',
        querystring: Query,
        response: { 200: Answer },
      },
    },
    async (req) => {
      const subject = subjectHashOf(services.identity, req.query.id);
      await services.ledger.append(
        eventFor(req.ctx, { action: 'audit.subject.lookup', objectType: 'subject', objectId: subject }),
      );
      const rows = await subjectAccessEvents(services.pool, subject, req.query.limit);
      return {
        subject,
        accesses: rows.map((e) => ({
          seq: Number(e.seq),
          time: e.time.toISOString(),
          action: e.action,
          actorName: e.actor_name,
          orgId: e.org_id,
          grant: e.detail.grant ?? null,
          entry: e.detail.entry ?? null,
          scenario: e.detail.scenario ?? null,
          fields: e.detail.fields ?? [],
        })),
      };
    },
  );
}
