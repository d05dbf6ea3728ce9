import type { RequestContext } from '../../platform/context.js';
import { withTx, type Queryable } from '../../platform/db/pool.js';
import type { Actor, Role } from '../../platform/policy/permissions.js';
import type { Services } from '../../platform/services.js';
import type { Content } from '../catalog/store.js';
import { createApp } from '../identity/index.js';
import { shanghaiDay } from './calendar.js';
import { addYears } from './grants.js';
import { approveRequest, createRequest, refuseRequest, withdrawRequest } from './requests.js';
import type { SharingContext } from './schemas.js';

/**
 * Demo sharing data (docs/SHARING.md "Demo"): two applications — one of the developer's
 * organisation (税务局) and one of 人社厅 — and share requests in every state, made through the
 * real use cases (so each has its events and audit events): approved with a grant, approved by
 * the provider and awaiting the platform's review, submitted, refused with a reason, withdrawn,
 * and one submitted 30 days ago, now overdue. Idempotent: an application that exists is reused,
 * a request for an (application, entry) that exists is not made again. Requests whose users or
 * entries the node does not have (a trimmed demo) are skipped.
 */

interface DemoApp {
  name: string;
  description: string;
  /** The demo user who registers the app and makes its requests. */
  user: string;
}

export const DEMO_APPS = {
  tax: {
    name: '电子税务局企业信息核验',
    description: '办税时核验企业登记与法定代表人信息',
    user: 'developer',
  },
  hr: { name: '社保参保单位信息比对', description: '参保登记时比对单位登记信息', user: 'member' },
} satisfies Record<string, DemoApp>;

type Outcome = 'approved' | 'provider_approved' | 'submitted' | 'refused' | 'withdrawn' | 'overdue';

interface DemoRequest {
  app: keyof typeof DEMO_APPS;
  entry: string;
  outcome: Outcome;
  scenario: { name: string; description: string; basis: string };
  perDay: number;
}

export const DEMO_REQUESTS: DemoRequest[] = [
  {
    app: 'tax',
    entry: '企业登记基本信息',
    outcome: 'approved',
    scenario: {
      name: '新办纳税人信息确认',
      description: '新办企业首次办税时，自动带出并核验企业登记信息',
      basis: '《中华人民共和国税收征收管理法》第十五条',
    },
    perDay: 5000,
  },
  {
    app: 'tax',
    entry: '企业法定代表人信息',
    outcome: 'provider_approved',
    scenario: {
      name: '法定代表人实名办税核验',
      description: '法定代表人办理涉税事项时核验其身份',
      basis: '《国家税务总局关于进一步实施实名办税的通知》',
    },
    perDay: 2000,
  },
  {
    app: 'tax',
    entry: '居民身份证签发信息',
    outcome: 'submitted',
    scenario: {
      name: '自然人纳税人身份核验',
      description: '个人所得税汇算时核验证件有效期',
      basis: '《中华人民共和国个人所得税法》第九条',
    },
    perDay: 3000,
  },
  {
    app: 'hr',
    entry: '企业登记基本信息',
    outcome: 'refused',
    scenario: {
      name: '参保单位登记信息比对',
      description: '单位参保登记时比对企业登记信息',
      basis: '《社会保险法》第五十七条',
    },
    perDay: 800,
  },
  {
    app: 'hr',
    entry: '企业法定代表人信息',
    outcome: 'overdue',
    scenario: {
      name: '参保单位负责人核验',
      description: '核验参保单位法定代表人身份',
      basis: '《社会保险法》第五十七条',
    },
    perDay: 500,
  },
  {
    app: 'hr',
    entry: '机动车登记信息',
    outcome: 'withdrawn',
    scenario: {
      name: '灵活就业人员资格核查',
      description: '核查申请人名下机动车情况（已改用其他途径）',
      basis: '《广东省灵活就业人员参加社会保险办法》',
    },
    perDay: 100,
  },
];

const REFUSAL = '申请的用途与企业登记信息的共享条件不符，请改为申请“企业年度报告公示信息”（无条件共享）';
const WITHDRAWAL = '业务调整，改由线下核查';
/** How long ago the overdue request was made (well beyond its 10 working days). */
const OVERDUE_DAYS = 30;

export async function actorOf(q: Queryable, username: string): Promise<Actor | null> {
  const { rows } = await q.query<{
    id: string;
    username: string;
    display_name: string;
    org_id: string;
    roles: Role[];
  }>(
    `SELECT u.id, u.username, u.display_name, u.org_id,
            COALESCE(array_agg(r.role) FILTER (WHERE r.role IS NOT NULL), '{}') AS roles
       FROM datong.users u LEFT JOIN datong.user_roles r ON r.user_id = u.id
      WHERE lower(u.username) = lower($1) AND NOT u.disabled
      GROUP BY u.id`,
    [username],
  );
  const u = rows[0];
  if (!u) return null;
  return {
    kind: 'user',
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    orgId: u.org_id,
    roles: u.roles,
    via: 'token',
  };
}

/** The demo's requests and apps, seeded through the sharing use cases. Answers what it added. */
export async function seedSharingDemo(
  ctx: RequestContext & { services: Services },
): Promise<{ apps: number; requests: number }> {
  const { pool } = ctx.services;
  const as = async (username: string): Promise<SharingContext | null> => {
    const actor = await actorOf(pool, username);
    return actor ? { ...ctx, actor, services: ctx.services } : null;
  };
  const approver = await as('approver');
  let apps = 0;
  let requests = 0;

  const appIds = new Map<string, string>();
  for (const [key, app] of Object.entries(DEMO_APPS)) {
    const user = await as(app.user);
    if (!user || user.actor.kind !== 'user') continue;
    const { rows } = await pool.query<{ id: string }>(
      'SELECT id FROM datong.apps WHERE org_id = $1 AND lower(name) = lower($2)',
      [user.actor.orgId, app.name],
    );
    if (rows[0]) {
      appIds.set(key, rows[0].id);
      continue;
    }
    const made = await withTx(pool, (tx) =>
      createApp(user, tx, { name: app.name, description: app.description }),
    );
    appIds.set(key, made.id);
    apps++;
  }

  const { rows: entries } = await pool.query<{ id: string; content: Content }>(
    `SELECT e.id, v.content FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE v.status = 'published'`,
  );
  const byName = new Map(entries.map((e) => [e.content.name, e]));
  const today = shanghaiDay(new Date());

  for (const d of DEMO_REQUESTS) {
    const appId = appIds.get(d.app);
    const entry = byName.get(d.entry);
    const user = await as(DEMO_APPS[d.app].user);
    if (!appId || !entry || !user) continue;
    const { rowCount } = await pool.query(
      'SELECT 1 FROM datong.share_requests WHERE app_id = $1 AND entry_id = $2',
      [appId, entry.id],
    );
    if (rowCount) continue;
    const fields = entry.content.fields.slice(0, 5).map((f) => f.code ?? '');
    const now = d.outcome === 'overdue' ? new Date(Date.now() - OVERDUE_DAYS * 86_400_000) : new Date();
    const made = await withTx(pool, (tx) =>
      createRequest(
        user,
        tx,
        {
          entryId: entry.id,
          appId,
          fields,
          scenario: d.scenario,
          expectedVolume: { perDay: d.perDay },
          validFrom: today,
          validTo: addYears(today, 1),
        },
        { now },
      ),
    );
    requests++;
    if (d.outcome === 'approved' || d.outcome === 'provider_approved') {
      if (!approver) continue;
      await withTx(pool, (tx) =>
        approveRequest(approver, tx, made.id, {
          // The provider narrows: the first four of the five fields asked for.
          fields: fields.slice(0, 4),
          rateLimit: 20,
          comment: '同意共享，按最小必要原则核减一项信息项',
        }),
      );
    } else if (d.outcome === 'refused') {
      if (!approver) continue;
      await withTx(pool, (tx) => refuseRequest(approver, tx, made.id, REFUSAL));
    } else if (d.outcome === 'withdrawn') {
      await withTx(pool, (tx) => withdrawRequest(user, tx, made.id, WITHDRAWAL));
    }
  }
  return { apps, requests };
}
