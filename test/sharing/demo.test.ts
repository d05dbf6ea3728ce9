import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.js';
import { seedDemo } from '../../src/cli/seed.js';
import { systemContext } from '../../src/platform/context.js';
import { ensureBuiltinStandards } from '../../src/modules/standards/index.js';
import { DEMO_APPS, DEMO_REQUESTS, seedSharingDemo } from '../../src/modules/sharing/demo.js';
import { listRequests } from '../../src/modules/sharing/requests.js';

/**
 * The demo's sharing data: apps of two organisations and requests in every state, made through
 * the real use cases (events, audit, a grant), one of them overdue; seeding again adds nothing.
 */

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
  await ensureBuiltinStandards(t.pool);
  await seedDemo(t.services, { data: false });
}, 120_000);
afterAll(() => t?.close());

interface Req {
  status: string;
  app: string;
  entry: string;
  reason: string | null;
  grant_id: string | null;
  overdue: boolean;
  events: number;
}

const requests = async () =>
  (
    await t.pool.query<Req>(
      `SELECT r.status, a.name AS app, v.name AS entry, r.reason, g.id AS grant_id,
              (r.status = 'submitted' AND r.due_at < now()) AS overdue,
              (SELECT count(*)::int FROM datong.share_request_events e WHERE e.request_id = r.id) AS events
         FROM datong.share_requests r
         JOIN datong.apps a ON a.id = r.app_id
         JOIN datong.catalog_versions v ON v.entry_id = r.entry_id AND v.version = r.catalog_version
         LEFT JOIN datong.grants g ON g.request_id = r.id
        ORDER BY a.name, v.name`,
    )
  ).rows;

describe('sharing demo', () => {
  it('has requests in every state, one overdue, and a grant for the approved one', async () => {
    const rows = await requests();
    expect(rows.length).toBe(DEMO_REQUESTS.length);
    const statuses = rows.map((r) => r.status).sort();
    expect(statuses).toEqual(
      ['approved', 'provider_approved', 'refused', 'submitted', 'submitted', 'withdrawn'].sort(),
    );
    expect(rows.filter((r) => r.overdue).map((r) => r.entry)).toEqual(['企业法定代表人信息']);
    const approved = rows.find((r) => r.status === 'approved')!;
    expect(approved).toMatchObject({ app: DEMO_APPS.tax.name, entry: '企业登记基本信息' });
    expect(approved.grant_id).toBeTruthy();
    expect(rows.find((r) => r.status === 'refused')!.reason).toContain('不符');
    expect(rows.every((r) => r.events >= 1)).toBe(true);
    const apps = await t.pool.query<{ name: string; org: string }>(
      `SELECT a.name, o.name AS org FROM datong.apps a JOIN datong.orgs o ON o.id = a.org_id`,
    );
    expect(apps.rows.sort((x, y) => (x.name < y.name ? -1 : 1))).toEqual(
      [
        { name: DEMO_APPS.hr.name, org: '广东省人力资源和社会保障厅' },
        { name: DEMO_APPS.tax.name, org: '国家税务总局广东省税务局' },
      ].sort((x, y) => (x.name < y.name ? -1 : 1)),
    );
  });

  it("shows the overdue request in the provider's inbox as overdue", async () => {
    const { rows } = await t.pool.query<{ id: string; org_id: string }>(
      `SELECT u.id, u.org_id FROM datong.users u WHERE u.username = 'approver'`,
    );
    const u = rows[0]!;
    const ctx = {
      ...systemContext('test'),
      actor: {
        kind: 'user' as const,
        id: u.id,
        username: 'approver',
        displayName: 'approver',
        orgId: u.org_id,
        roles: ['approver' as const],
        via: 'token' as const,
      },
      services: t.services,
    };
    const page = await listRequests(ctx, t.pool, { box: 'inbox', overdue: true, limit: 20 });
    expect(page.items.map((r) => [r.status, r.overdue])).toEqual([['submitted', true]]);
  });

  it('adds nothing when seeded again', async () => {
    const before = await requests();
    await t.services.ledger.flush();
    const { rows: audit } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.events');
    expect(await seedSharingDemo({ ...systemContext('seed:demo'), services: t.services })).toEqual({
      apps: 0,
      requests: 0,
    });
    await seedDemo(t.services, { data: false });
    expect(await requests()).toEqual(before);
    await t.services.ledger.flush();
    const { rows: after } = await t.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.events');
    expect(after[0]!.n).toBe(audit[0]!.n);
  });
});
