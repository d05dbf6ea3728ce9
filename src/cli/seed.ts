import type { Pool } from '../platform/db/pool.js';
import { withTx } from '../platform/db/pool.js';
import type { Services } from '../platform/services.js';
import type { Role } from '../platform/policy/permissions.js';
import { systemContext } from '../platform/context.js';
import { usccWithCheck } from '../platform/validators/index.js';
import { createOrg, createUser, findOrgByUscc } from '../modules/identity/index.js';
import { seedCatalogDemo } from '../modules/catalog/demo.js';
import { seedIngestDemo } from '../modules/ingest/demo.js';
import { seedSharingDemo } from '../modules/sharing/demo.js';
import { seedQualityDemo } from '../modules/quality/demo.js';
import { seedOpeningDemo } from '../modules/opening/demo.js';
import { ensurePublicOrg, PUBLIC_ORG_NAME } from '../modules/opening/accounts.js';
import { seedPublicAccountsDemo } from '../modules/opening/accounts-demo.js';

export const DEMO_PASSWORD = 'Datong@2026';

interface DemoOrg {
  key: string;
  name: string;
  /** 9-character organisation code inside the 统一社会信用代码. */
  orgCode: string;
  parent?: string;
}

/** 广东省 (440000): the data bureau runs the platform; departments share data through it. */
export const DEMO_ORGS: DemoOrg[] = [
  { key: 'zsj', name: '广东省政务服务和数据管理局', orgCode: 'MB2C90001' },
  { key: 'gat', name: '广东省公安厅', orgCode: '006939001', parent: 'zsj' },
  { key: 'scjg', name: '广东省市场监督管理局', orgCode: '006940002', parent: 'zsj' },
  { key: 'sw', name: '国家税务总局广东省税务局', orgCode: '006941003', parent: 'zsj' },
  { key: 'rst', name: '广东省人力资源和社会保障厅', orgCode: '006942004', parent: 'zsj' },
  { key: 'mzt', name: '广东省民政厅', orgCode: '006943005', parent: 'zsj' },
  { key: 'wjw', name: '广东省卫生健康委员会', orgCode: '006944006', parent: 'zsj' },
  { key: 'zrzyt', name: '广东省自然资源厅', orgCode: '006945007', parent: 'zsj' },
];

interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  roleLabel: string;
  org: string;
  orgName: string;
}

// 'public': the platform organisation of public users (社会公众), made by the opening module.
const orgName = (key: string) =>
  key === 'public' ? PUBLIC_ORG_NAME : (DEMO_ORGS.find((o) => o.key === key)?.name ?? key);
const user = (
  username: string,
  displayName: string,
  role: Role,
  roleLabel: string,
  org: string,
): DemoUser => ({
  username,
  displayName,
  role,
  roleLabel,
  org,
  orgName: orgName(org),
});

export const DEMO_USERS: DemoUser[] = [
  user('sysadmin', '系统管理员（演示）', 'sysadmin', '系统管理员', 'zsj'),
  user('secadmin', '安全管理员（演示）', 'secadmin', '安全管理员', 'zsj'),
  user('auditor', '审计管理员（演示）', 'auditor', '审计管理员', 'zsj'),
  user('orgadmin', '市场监管局机构管理员', 'org_admin', '机构管理员', 'scjg'),
  user('steward', '公安厅数据管理员', 'data_steward', '数据管理员', 'gat'),
  user('approver', '市场监管局审核人', 'approver', '审核人', 'scjg'),
  user('developer', '税务局开发者', 'developer', '开发者', 'sw'),
  user('member', '人社厅工作人员', 'member', '成员', 'rst'),
  user('citizen', '公众用户', 'public_user', '公众用户', 'public'),
  user('company', '企业用户（演示）', 'public_user', '公众用户', 'public'),
];

export function demoUscc(org: DemoOrg): string {
  // 1 = 机关 (government body), 1 = 机关 category; then the region code and organisation code.
  return usccWithCheck(`11440000${org.orgCode}`);
}

/** A node with no organisations has never been seeded. */
export async function isEmptyNode(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM datong.orgs');
  return (rows[0]?.n ?? 0) === 0;
}

/** `datong seed --demo`: the 广东省 demo node. Idempotent: what exists is left alone. */
/**
 * The demo node: organisations, users, the catalog and (unless `data: false`) generated data in
 * the catalog's table entries. Idempotent: what exists already is left alone.
 */
export async function seedDemo(
  services: Services,
  opts: { data?: boolean } = {},
): Promise<{ orgs: number; users: number; datasets: number }> {
  const ctx = { ...systemContext('seed:demo'), services };
  let orgs = 0;
  let users = 0;
  await withTx(services.pool, async (tx) => {
    const ids = new Map<string, string>();
    for (const o of DEMO_ORGS) {
      const uscc = demoUscc(o);
      const existing = await findOrgByUscc(tx, uscc);
      if (existing) {
        ids.set(o.key, existing.id);
        continue;
      }
      const created = await createOrg(ctx, tx, {
        name: o.name,
        uscc,
        regionCode: '440000',
        kind: 'government',
        parentId: o.parent ? (ids.get(o.parent) ?? null) : null,
      });
      ids.set(o.key, created.id);
      orgs++;
    }
    ids.set('public', await ensurePublicOrg(services, tx));
    for (const u of DEMO_USERS) {
      const { rowCount } = await tx.query('SELECT 1 FROM datong.users WHERE lower(username) = $1', [
        u.username,
      ]);
      if (rowCount) continue;
      await createUser(
        ctx,
        tx,
        {
          username: u.username,
          displayName: u.displayName,
          password: DEMO_PASSWORD,
          orgId: ids.get(u.org) ?? '',
          roles: [u.role],
        },
        { bypassScope: true },
      );
      users++;
    }
    // The demo catalog (about 30 entries); skipped when the catalog has entries already.
    await seedCatalogDemo(ctx, tx, new Map(DEMO_ORGS.map((o) => [o.name, ids.get(o.key) ?? ''])));
  });
  // Data for the published table entries, loaded like any upload once the catalog has committed.
  const datasets = opts.data === false ? 0 : (await seedIngestDemo(ctx)).length;
  await seedSharingDemo(ctx);
  // Verified identities of the demo's citizen and company, numbers taken from the loaded data.
  await seedPublicAccountsDemo(ctx);
  // Governance needs the data: rules, runs, the registry, a cross-check and objections.
  if (opts.data !== false) await seedQualityDemo(ctx);
  // Opening needs the data too: open versions in the portal and a data product.
  if (opts.data !== false) await seedOpeningDemo(ctx);
  return { orgs, users, datasets };
}
