import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Queryable } from '../../platform/db/pool.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { Actor } from '../../platform/policy/permissions.js';
import { routeKit } from './common.js';
import { problemOf, scopeOf, strict, Time, NullableTime } from './schemas.js';

/**
 * In-app notifications and the sharing dashboard counts:
 *   GET  /api/notifications?unread=&limit=   user        the caller's notifications, newest first
 *   POST /api/notifications/:id/read         user        mark one read (404 unless the caller's)
 *   GET  /api/share/summary                  share.read  open and overdue counts for the dashboard
 * A notification is the caller's when addressed to them or to their organisation (the sharing
 * jobs write those: share.overdue, share.review_overdue, demand.overdue; see common.ts notify).
 * One addressed to an organisation is read once for all of it (read_at is the row's).
 */

const notificationMessages = {
  notification_not_found: { 'zh-CN': '通知 {id} 不存在', en: 'There is no notification {id}' },
} satisfies Record<string, Localized>;
const notificationProblem = problemOf(notificationMessages);

const NotificationSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Time,
  readAt: NullableTime,
});
type NotificationOut = Static<typeof NotificationSchema>;

const ListNotificationsQuery = Type.Object(
  {
    unread: Type.Optional(
      Type.Boolean({ description: 'true: unread only; false: read only; left out: both' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 20 }),
  },
  strict,
);

const NotificationList = Type.Object({
  items: Type.Array(NotificationSchema),
  unread: Type.Integer({ description: "all of the caller's unread notifications" }),
});

const NotificationIdParams = Type.Object(
  { id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) },
  strict,
);
const EmptyBody = Type.Object({}, strict);

const Count = Type.Integer({ minimum: 0 });
const ShareSummary = Type.Object({
  inbox: Type.Object({
    open: Type.Integer({ minimum: 0, description: 'awaiting the provider (submitted)' }),
    overdue: Type.Integer({ minimum: 0, description: 'of those, past due_at' }),
  }),
  outbox: Type.Object({
    open: Type.Integer({ minimum: 0, description: 'undecided (submitted or provider_approved)' }),
  }),
  review: Type.Union([Type.Object({ open: Count, overdue: Count }), Type.Null()], {
    description: 'awaiting the platform (provider_approved); null unless the caller holds share.review',
  }),
  demands: Type.Object({
    assigned: Type.Integer({ minimum: 0, description: 'routed to the caller’s organisations, unanswered' }),
    overdue: Type.Integer({ minimum: 0, description: 'of those, past due_at' }),
  }),
});
type ShareSummaryOut = Static<typeof ShareSummary>;

interface NotificationRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

const present = (n: NotificationRow): NotificationOut => ({
  id: Number(n.id),
  kind: n.kind,
  payload: n.payload,
  createdAt: n.created_at.toISOString(),
  readAt: n.read_at?.toISOString() ?? null,
});

/** SQL: the notification is addressed to user $1 or organisation $2. */
const MINE = '(n.recipient_user_id = $1::uuid OR n.recipient_org_id = $2::uuid)';

/** The user's id and organisation ($1, $2 of MINE); only users reach these routes. */
function recipientOf(actor: Actor): [string, string] {
  if (actor.kind !== 'user') throw notificationProblem(404, 'notification_not_found', { id: '' });
  return [actor.id, actor.orgId];
}

async function shareSummary(q: Queryable, actor: Actor, now: Date): Promise<ShareSummaryOut> {
  const scope = await scopeOf(q, actor);
  // The boxes of listRequests / listDemands: inbox and assigned are the organisations the caller
  // provides for (org admins: with sub-organisations), outbox the caller's organisation.
  const { rows } = await q.query<Record<string, number>>(
    `SELECT
       count(*) FILTER (WHERE r.provider_org_id = ANY($1::uuid[]) AND r.status = 'submitted')::int
         AS inbox_open,
       count(*) FILTER (WHERE r.provider_org_id = ANY($1::uuid[]) AND r.status = 'submitted'
         AND r.due_at < $3)::int AS inbox_overdue,
       count(*) FILTER (WHERE r.consumer_org_id = $2::uuid
         AND r.status IN ('submitted', 'provider_approved'))::int AS outbox_open,
       count(*) FILTER (WHERE r.status = 'provider_approved' AND r.review_due_at IS NOT NULL)::int
         AS review_open,
       count(*) FILTER (WHERE r.status = 'provider_approved' AND r.review_due_at < $3)::int
         AS review_overdue,
       (SELECT count(*) FROM datong.demands d WHERE d.assigned_org_id = ANY($1::uuid[])
         AND d.due_at IS NOT NULL AND d.status = 'routed')::int AS demands_assigned,
       (SELECT count(*) FROM datong.demands d WHERE d.assigned_org_id = ANY($1::uuid[])
         AND d.status = 'routed' AND d.due_at < $3)::int AS demands_overdue
     FROM datong.share_requests r
     WHERE r.provider_org_id = ANY($1::uuid[]) OR r.consumer_org_id = $2::uuid
        OR ($4::boolean AND r.status = 'provider_approved')`,
    [scope.provides, scope.orgId, now, scope.platform],
  );
  const c = rows[0]!;
  return {
    inbox: { open: c.inbox_open!, overdue: c.inbox_overdue! },
    outbox: { open: c.outbox_open! },
    review: scope.platform ? { open: c.review_open!, overdue: c.review_overdue! } : null,
    demands: { assigned: c.demands_assigned!, overdue: c.demands_overdue! },
  };
}

export default async function notificationRoutes(app: FastifyInstance): Promise<void> {
  const { pool, r, optionalBody } = routeKit(app);
  const tags = ['notifications'];

  r.get(
    '/api/notifications',
    {
      config: { permission: 'user' },
      schema: {
        tags,
        summary: '我的通知 / the caller’s notifications, newest first',
        description:
          "Addressed to the caller or to the caller's organisation; `unread` counts all of them not yet read.",
        querystring: ListNotificationsQuery,
        response: { 200: NotificationList },
      },
    },
    async (req) => {
      const params: unknown[] = recipientOf(req.ctx.actor);
      const where = [MINE];
      if (req.query.unread !== undefined) {
        where.push(`n.read_at IS ${req.query.unread ? '' : 'NOT '}NULL`);
      }
      params.push(req.query.limit);
      const { rows } = await pool.query<NotificationRow>(
        `SELECT n.id, n.kind, n.payload, n.created_at, n.read_at FROM datong.notifications n
          WHERE ${where.join(' AND ')} ORDER BY n.created_at DESC, n.id DESC LIMIT $3`,
        params,
      );
      const { rows: count } = await pool.query<{ unread: number }>(
        `SELECT count(*)::int AS unread FROM datong.notifications n WHERE ${MINE} AND n.read_at IS NULL`,
        params.slice(0, 2),
      );
      return { items: rows.map(present), unread: count[0]!.unread };
    },
  );

  r.post(
    '/api/notifications/:id/read',
    {
      config: { permission: 'user' },
      preValidation: optionalBody,
      schema: {
        tags,
        summary: '标为已读 / mark one of the caller’s notifications read',
        description: 'Already read: unchanged. Not addressed to the caller or their organisation: 404.',
        params: NotificationIdParams,
        body: EmptyBody,
        response: { 200: NotificationSchema },
      },
    },
    async (req) => {
      const [userId, orgId] = recipientOf(req.ctx.actor);
      const { rows } = await pool.query<NotificationRow>(
        `UPDATE datong.notifications n SET read_at = COALESCE(n.read_at, now())
          WHERE ${MINE} AND n.id = $3
          RETURNING n.id, n.kind, n.payload, n.created_at, n.read_at`,
        [userId, orgId, req.params.id],
      );
      const row = rows[0];
      if (!row) throw notificationProblem(404, 'notification_not_found', { id: req.params.id });
      return present(row);
    },
  );

  r.get(
    '/api/share/summary',
    {
      config: { permission: 'share.read' },
      schema: {
        tags,
        summary: '共享待办统计 / open and overdue counts for the dashboard',
        description:
          'inbox: requests awaiting the organisations the caller provides for (org admins: with ' +
          'sub-organisations); outbox: undecided requests of the caller’s organisation; review: awaiting ' +
          'the platform (share.review only, else null); demands: routed to the caller’s organisations.',
        response: { 200: ShareSummary },
      },
    },
    async (req) => shareSummary(pool, req.ctx.actor, new Date()),
  );
}
