import type { RequestContext } from '../../platform/context.js';
import { withTx, type Queryable } from '../../platform/db/pool.js';
import type { Services } from '../../platform/services.js';
import type { Field } from '../catalog/schemas.js';
import { actorOf } from '../sharing/demo.js';
import { createProduct, publishProduct } from './products.js';
import { buildOpenVersion } from './publish-build.js';
import { normaliseConfig, pseudonymKey } from './publish-config.js';
import type { ConfigInput, FieldRule } from './publish-schemas.js';
import { saveConfig, setRequested, setSignedOff } from './publish-store.js';
import { analyse, planFor, sourceOf } from './publish.js';

/**
 * The opening part of `datong seed --demo` (docs/OPENING.md "Demo"): every open table entry of the
 * demo catalog (无条件开放, and 有条件开放 for approved applicants) gets an open version through the
 * publishing pipeline — each field kept, masked or dropped as its grade and personal-data kind
 * allow, requested and signed off, built like the job builds it — and 市场监管局 offers one data
 * product over its enterprise register. A visitor finds data, charts and downloads in the portal
 * at first start. Skipped once any publication exists.
 */

type Ctx = RequestContext & { services: Services };

const SEEDER = { id: null, name: '演示数据' };

/** The most a field's grade and personal-data kind allow in the open (docs/OPENING.md grade rules). */
function ruleFor(f: Field): FieldRule | null {
  if (f.grade >= 4) return null;
  const personal = f.piiKind !== 'none';
  if (personal || f.grade >= 3) return personal ? { action: 'mask' } : null;
  return { action: 'keep' };
}

export function demoConfig(fields: readonly Field[]): ConfigInput {
  const out: Record<string, FieldRule> = {};
  for (const f of fields) {
    const rule = f.code ? ruleFor(f) : null;
    if (rule) out[f.code!] = rule;
  }
  return { kind: 'records', fields: out };
}

/** Publishes one entry's open version as a steward and an approver would; answers whether it did. */
async function publish(ctx: Ctx, q: Queryable, entryId: string): Promise<boolean> {
  const { pool, identity } = ctx.services;
  const source = await sourceOf(ctx, q, entryId);
  const config = normaliseConfig(demoConfig(source.entry.fields));
  const plan = await planFor(pool, source, config);
  const p = await saveConfig(pool, {
    entryId,
    datasetId: source.dataset.id,
    name: source.dataset.name,
    orgId: source.entry.providerOrgId,
    config,
  });
  const client = await pool.connect();
  let report;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    report = (await analyse(client, source, plan, pseudonymKey(identity, p.id))).report;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
  if (!report.feasible) return false;
  await setRequested(pool, p.id, SEEDER, report);
  await setSignedOff(pool, p.id, SEEDER);
  const outcome = await buildOpenVersion(ctx.services, p.id, { trigger: 'signoff', batchId: null });
  return outcome.status === 'done';
}

export async function seedOpeningDemo(ctx: Ctx): Promise<{ publications: number; products: number }> {
  const { pool } = ctx.services;
  const { rows: any } = await pool.query('SELECT 1 FROM datong.open_publications LIMIT 1');
  if (any.length) return { publications: 0, products: 0 };
  const { rows: entries } = await pool.query<{ id: string; name: string }>(
    `SELECT e.id, v.name FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
       JOIN datong.datasets d ON d.entry_id = e.id AND d.current_version > 0
      WHERE v.status = 'published' AND v.open_type IN ('unconditional', 'conditional')
      ORDER BY e.code`,
  );
  let publications = 0;
  for (const e of entries) {
    try {
      if (await publish(ctx, pool, e.id)) publications++;
    } catch (err) {
      // An entry the rules refuse (core data, say) stays unpublished; the demo goes on.
      ctx.services.log.warn({ err, entry: e.name }, 'demo: entry not opened');
    }
  }

  // 市场监管局's data product: statistics over its open enterprise register, in two tiers.
  let products = 0;
  const enterprise = entries.find((e) => e.name === '企业登记基本信息');
  const orgadmin = await actorOf(pool, 'orgadmin');
  if (enterprise && orgadmin) {
    const asProvider = { ...ctx, actor: orgadmin };
    await withTx(pool, async (tx) => {
      const product = await createProduct(asProvider, tx, {
        entryId: enterprise.id,
        kind: 'statistics',
        name: '市场主体统计服务',
        description: '按登记状态、企业类型或住所行政区划统计全省市场主体数量，用于招商分析、营商环境研究等。',
        terms:
          '一、仅限申请时声明的用途使用；二、不得转售或向第三方提供原始统计结果；三、引用时注明数据来源“广东省市场监督管理局”；' +
          '四、调用量超出所选档位时服务暂停至下月。',
        tiers: [
          { name: '基础版', callsPerMonth: 1000, ratePerMinute: 30 },
          { name: '专业版', callsPerMonth: 50000, ratePerMinute: 300 },
        ],
        config: { groupBy: ['djzt', 'qylx', 'zsxzqh'] },
      });
      await publishProduct(asProvider, tx, product.id);
    });
    products++;
  }
  return { publications, products };
}
