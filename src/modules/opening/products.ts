import type { Queryable, Tx } from '../../platform/db/pool.js';
import type { Actor } from '../../platform/policy/permissions.js';
import * as catalog from '../catalog/store.js';
import { maintains, viewerOf } from '../catalog/visibility.js';
import type { DatasetColumn } from '../ingest/tables.js';
import { shanghaiDay } from '../sharing/calendar.js';
import { actsFor, auditStep } from '../sharing/common.js';
import { scopeOf, type SharingContext } from '../sharing/schemas.js';
import {
  productProblem,
  ruleProblem,
  type CreateProductInput,
  type DataProduct,
  type ListProductsInput,
  type ProductConfig,
  type ProductKind,
  type ProductStatus,
  type Tier,
  type UpdateProductInput,
} from './product-schemas.js';

/**
 * Data products (数据产品 / 服务化, docs/OPENING.md "Data products").
 *
 * A provider's data steward (dataset.load, maintaining the entry's provider organisation) makes a
 * product over one of its entries — query or statistics over the entry's OPEN version
 * (open."<name>", docs/OPENING.md "Open versions"), or verify over the source dataset
 * (ds."<name>", answering match / mismatch / not_found per field, never a value) — with a
 * description, terms of use and quota tiers, and publishes it (draft → published → retired). A
 * public user (a person, or a company by its 统一社会信用代码) applies for a tier, accepting the
 * current terms; the provider's approvers approve (possibly another tier), refuse or later revoke.
 * Subscriptions are product-subscriptions.ts, calls product-calls.ts. Every step is an event row and an audit event in its transaction.
 */

// ---------------------------------------------------------------------------------------------
// What a product reads

export interface OpenColumn {
  code: string;
  name: string;
  type?: string;
  pgType: string;
}

/**
 * The entry's published open version: the view `open."<name>"` and its columns, or null when
 * there is none (not published, no version yet, or the publishing tables not installed).
 */
export async function openVersionOf(
  q: Queryable,
  entryId: string,
): Promise<{ name: string; columns: OpenColumn[] } | null> {
  try {
    const { rows } = await q.query<{ name: string; columns: OpenColumn[] }>(
      `SELECT p.name, p.columns FROM datong.open_publications p
        WHERE p.entry_id = $1 AND p.status = 'published' AND p.current_version > 0`,
      [entryId],
    );
    return rows[0] ?? null;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return null;
    throw err;
  }
}

/** The entry's source dataset: its name (ds."<name>"), columns, and the subject fields' codes. */
export async function sourceOf(
  q: Queryable,
  entryId: string,
): Promise<{ name: string; columns: DatasetColumn[]; subjects: string[] } | null> {
  const { rows } = await q.query<{ name: string; columns: DatasetColumn[]; subjects: string[] | null }>(
    `SELECT d.name, d.columns,
            (SELECT array_agg(f->>'code') FROM jsonb_array_elements(v.content->'fields') f
              WHERE f->'validator'->>'kind' IN ('id_number', 'uscc')) AS subjects
       FROM datong.datasets d
       LEFT JOIN datong.catalog_versions v ON v.entry_id = d.entry_id AND v.version = d.catalog_version
      WHERE d.entry_id = $1`,
    [entryId],
  );
  const r = rows[0];
  return r ? { name: r.name, columns: r.columns, subjects: r.subjects ?? [] } : null;
}

// ---------------------------------------------------------------------------------------------
// Products

interface ProductDbRow {
  id: string;
  entry_id: string;
  entry_code: string;
  entry_name: string;
  provider_org_id: string;
  provider_org_name: string;
  kind: ProductKind;
  name: string;
  description: string;
  terms: string;
  terms_version: number;
  tiers: Tier[];
  config: ProductConfig;
  status: ProductStatus;
  published_at: Date | null;
  retired_at: Date | null;
  created_by_name: string;
  created_at: Date;
  updated_at: Date;
}

const PRODUCT_SELECT = `SELECT p.*, e.code AS entry_code, po.name AS provider_org_name,
    COALESCE(pv.name, wv.name) AS entry_name
  FROM datong.data_products p
  JOIN datong.catalog_entries e ON e.id = p.entry_id
  JOIN datong.orgs po ON po.id = p.provider_org_id
  LEFT JOIN datong.catalog_versions pv ON pv.entry_id = e.id AND pv.version = e.published_version
  LEFT JOIN datong.catalog_versions wv ON wv.entry_id = e.id AND wv.version = e.working_version`;

export async function productRow(q: Queryable, id: string, lock = false): Promise<ProductDbRow | undefined> {
  const { rows } = await q.query<ProductDbRow>(
    `${PRODUCT_SELECT} WHERE p.id = $1 ${lock ? 'FOR UPDATE OF p' : ''}`,
    [id],
  );
  return rows[0];
}

export type { ProductDbRow };

const presentProduct = (p: ProductDbRow): DataProduct => ({
  id: p.id,
  entryId: p.entry_id,
  entryCode: p.entry_code,
  entryName: p.entry_name,
  providerOrgId: p.provider_org_id,
  providerOrgName: p.provider_org_name,
  kind: p.kind,
  name: p.name,
  description: p.description,
  terms: p.terms,
  termsVersion: p.terms_version,
  tiers: p.tiers,
  config: p.config as Record<string, unknown>,
  status: p.status,
  publishedAt: p.published_at?.toISOString() ?? null,
  retiredAt: p.retired_at?.toISOString() ?? null,
  createdByName: p.created_by_name,
  createdAt: p.created_at.toISOString(),
  updatedAt: p.updated_at.toISOString(),
});

/** Whether the caller maintains the organisation's data (a steward or org admin of it). */
async function maintainsOrg(q: Queryable, actor: Actor, orgId: string): Promise<boolean> {
  if (actor.kind !== 'user') return false;
  return maintains(await viewerOf(q, actor), orgId);
}

/** Whether the caller sees the product: published or retired for all; drafts for its provider and the platform. */
export async function seesProduct(
  ctx: SharingContext,
  q: Queryable,
  p: ProductDbRow | undefined,
): Promise<boolean> {
  if (!p) return false;
  if (p.status !== 'draft') return true;
  const scope = await scopeOf(q, ctx.actor);
  return (
    scope.platform ||
    actsFor(scope, p.provider_org_id) ||
    (await maintainsOrg(q, ctx.actor, p.provider_org_id))
  );
}

function checkTiers(tiers: Tier[]): void {
  const bad = ruleProblem('product_tiers_invalid');
  const names = new Set<string>();
  for (const t of tiers) {
    const name = t.name.trim();
    if (!name) throw bad('套餐名称不能为空', 'a tier needs a name', '/tiers');
    if (names.has(name)) throw bad(`套餐名称「${name}」重复`, `the tier name "${name}" repeats`, '/tiers');
    names.add(name);
  }
}

/**
 * Checks the configuration against what the product reads (the open version's columns for query
 * and statistics, the dataset's for verify) and fills in the defaults. `strict`: the data must
 * exist (publishing); otherwise a missing open version or dataset is accepted for a draft.
 */
async function resolveConfig(
  q: Queryable,
  entryId: string,
  entryName: string,
  kind: ProductKind,
  config: ProductConfig,
  strict: boolean,
): Promise<ProductConfig> {
  const bad = ruleProblem('product_config_invalid');
  const unknown = (codes: string[] | undefined, known: Set<string>, path: string) => {
    const extra = (codes ?? []).filter((c) => !known.has(c));
    if (extra.length) {
      throw bad(`没有这些信息项：${extra.join(', ')}`, `no such fields: ${extra.join(', ')}`, path);
    }
  };
  if (kind === 'verify') {
    if (config.groupBy || config.minCell !== undefined) {
      throw bad('核验类产品不设分组', 'a verify product has no groupBy or minCell', '/config');
    }
    const src = await sourceOf(q, entryId);
    if (!src) {
      if (strict) throw productProblem(409, 'product_no_dataset', { name: entryName });
      return config;
    }
    const known = new Set(src.columns.map((c) => c.code));
    unknown(config.keyFields, known, '/config/keyFields');
    unknown(config.fields, known, '/config/fields');
    const keyFields = config.keyFields ?? src.columns.filter((c) => c.key).map((c) => c.code);
    if (!keyFields.length) {
      throw bad(
        '数据集没有主键，请指定 keyFields',
        'the dataset has no key; name keyFields',
        '/config/keyFields',
      );
    }
    const keys = new Set(keyFields);
    const fields = config.fields ?? src.columns.map((c) => c.code).filter((c) => !keys.has(c));
    if (!fields.length) throw bad('没有可核验的信息项', 'no field to verify', '/config/fields');
    return { keyFields, fields };
  }
  if (config.keyFields)
    throw bad('只有核验类产品设置 keyFields', 'only a verify product has keyFields', '/config');
  if (kind === 'query' && (config.groupBy || config.minCell !== undefined)) {
    throw bad('查询类产品不设分组', 'a query product has no groupBy or minCell', '/config');
  }
  if (kind === 'statistics' && config.fields) {
    throw bad(
      '统计类产品请用 groupBy 指定可分组的信息项',
      'a statistics product names groupBy, not fields',
      '/config',
    );
  }
  const open = await openVersionOf(q, entryId);
  if (!open) {
    if (strict) throw productProblem(409, 'product_no_open_version', { name: entryName });
    return config;
  }
  const known = new Set(open.columns.map((c) => c.code));
  const all = open.columns.map((c) => c.code);
  if (kind === 'query') {
    unknown(config.fields, known, '/config/fields');
    return { fields: config.fields ?? all };
  }
  unknown(config.groupBy, known, '/config/groupBy');
  return { groupBy: config.groupBy ?? all, minCell: config.minCell ?? 10 };
}

async function auditProduct(
  ctx: SharingContext,
  tx: Tx,
  action: string,
  p: ProductDbRow,
  detail: Record<string, unknown>,
): Promise<void> {
  await auditStep(ctx, tx, action, { type: 'data_product', id: p.id }, p.provider_org_id, {
    entryId: p.entry_id,
    entryCode: p.entry_code,
    kind: p.kind,
    name: p.name,
    ...detail,
  });
}

/** POST /api/products — a draft product over one of the caller's organisation's entries. */
export async function createProduct(
  ctx: SharingContext,
  tx: Tx,
  input: CreateProductInput,
): Promise<DataProduct> {
  const a = ctx.actor;
  if (a.kind !== 'user') throw productProblem(403, 'product_not_provider');
  const entry = await catalog.getEntry(tx, input.entryId);
  if (!entry) throw productProblem(404, 'product_entry_not_found');
  if (!(await maintainsOrg(tx, a, entry.providerOrgId))) throw productProblem(403, 'product_not_provider');
  const version = await catalog.getVersion(tx, entry.id, entry.publishedVersion ?? entry.workingVersion);
  checkTiers(input.tiers);
  const config = await resolveConfig(
    tx,
    entry.id,
    version?.content.name ?? '',
    input.kind,
    input.config ?? {},
    false,
  );
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO datong.data_products (entry_id, provider_org_id, kind, name, description, terms, tiers, config,
       created_by, created_by_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      entry.id,
      entry.providerOrgId,
      input.kind,
      input.name.trim(),
      input.description,
      input.terms,
      JSON.stringify(input.tiers.map((t) => ({ ...t, name: t.name.trim() }))),
      JSON.stringify(config),
      a.id,
      a.displayName,
    ],
  );
  const p = (await productRow(tx, rows[0]!.id))!;
  await auditProduct(ctx, tx, 'product.create', p, { tiers: p.tiers });
  return presentProduct(p);
}

async function lockOwn(ctx: SharingContext, tx: Tx, id: string): Promise<ProductDbRow> {
  const p = await productRow(tx, id, true);
  if (!p || !(await seesProduct(ctx, tx, p))) throw productProblem(404, 'product_not_found', { id });
  if (!(await maintainsOrg(tx, ctx.actor, p.provider_org_id)))
    throw productProblem(403, 'product_not_provider');
  return p;
}

const STATUS_LABEL: Record<string, string> = {
  draft: '草稿 draft',
  published: '已上架 published',
  retired: '已下架 retired',
  applied: '待审批 applied',
  approved: '已开通 approved',
  refused: '已拒绝 refused',
  revoked: '已撤销 revoked',
};
export const illegal = (status: string, action: string) =>
  productProblem(409, 'product_illegal_transition', { status: STATUS_LABEL[status] ?? status, action });

/**
 * PATCH /api/products/:id — edits a draft or a published product. Changed terms of a published
 * product get a new terms version: later subscriptions accept the new text.
 */
export async function updateProduct(
  ctx: SharingContext,
  tx: Tx,
  id: string,
  input: UpdateProductInput,
): Promise<DataProduct> {
  const p = await lockOwn(ctx, tx, id);
  if (p.status === 'retired') throw illegal(p.status, '修改 edit');
  if (input.tiers) checkTiers(input.tiers);
  const config = input.config
    ? await resolveConfig(tx, p.entry_id, p.entry_name, p.kind, input.config, p.status === 'published')
    : p.config;
  const termsChanged = input.terms !== undefined && input.terms !== p.terms;
  await tx.query(
    `UPDATE datong.data_products SET name = $2, description = $3, terms = $4, tiers = $5, config = $6,
       terms_version = terms_version + $7, updated_at = now()
     WHERE id = $1`,
    [
      id,
      input.name?.trim() ?? p.name,
      input.description ?? p.description,
      input.terms ?? p.terms,
      JSON.stringify(input.tiers?.map((t) => ({ ...t, name: t.name.trim() })) ?? p.tiers),
      JSON.stringify(config),
      termsChanged && p.status === 'published' ? 1 : 0,
    ],
  );
  const after = (await productRow(tx, id))!;
  await auditProduct(ctx, tx, 'product.update', after, {
    changed: Object.keys(input),
    termsVersion: after.terms_version,
  });
  return presentProduct(after);
}

/** POST /api/products/:id/publish — draft → published, once what it reads exists. */
export async function publishProduct(ctx: SharingContext, tx: Tx, id: string): Promise<DataProduct> {
  const p = await lockOwn(ctx, tx, id);
  if (p.status !== 'draft') throw illegal(p.status, '上架 publish');
  const config = await resolveConfig(tx, p.entry_id, p.entry_name, p.kind, p.config, true);
  await tx.query(
    `UPDATE datong.data_products SET status = 'published', config = $2, published_at = now(), updated_at = now()
      WHERE id = $1`,
    [id, JSON.stringify(config)],
  );
  const after = (await productRow(tx, id))!;
  await auditProduct(ctx, tx, 'product.publish', after, { config });
  return presentProduct(after);
}

/** POST /api/products/:id/retire — published → retired: no new subscriptions, no more calls. */
export async function retireProduct(ctx: SharingContext, tx: Tx, id: string): Promise<DataProduct> {
  const p = await lockOwn(ctx, tx, id);
  if (p.status !== 'published') throw illegal(p.status, '下架 retire');
  await tx.query(
    `UPDATE datong.data_products SET status = 'retired', retired_at = now(), updated_at = now() WHERE id = $1`,
    [id],
  );
  const after = (await productRow(tx, id))!;
  await auditProduct(ctx, tx, 'product.retire', after, {});
  return presentProduct(after);
}

export async function getProduct(ctx: SharingContext, q: Queryable, id: string): Promise<DataProduct> {
  const p = await productRow(q, id);
  if (!p || !(await seesProduct(ctx, q, p))) throw productProblem(404, 'product_not_found', { id });
  return presentProduct(p);
}

/** GET /api/products — published products (anyone), or the caller's organisations' (provider). */
export async function listProducts(
  ctx: SharingContext,
  q: Queryable,
  input: ListProductsInput,
): Promise<{ items: DataProduct[] }> {
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (input.scope === 'provider') {
    const scope = await scopeOf(q, ctx.actor);
    if (ctx.actor.kind !== 'user') return { items: [] };
    if (!scope.platform) where.push(`p.provider_org_id = ANY(${p(scope.provides)}::uuid[])`);
  } else {
    where.push(`p.status = 'published'`);
  }
  if (input.entryId) where.push(`p.entry_id = ${p(input.entryId)}::uuid`);
  const { rows } = await q.query<ProductDbRow>(
    `${PRODUCT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY p.created_at DESC, p.id DESC LIMIT ${p(input.limit)}`,
    params,
  );
  return { items: rows.map(presentProduct) };
}

// ---------------------------------------------------------------------------------------------
// Months (Asia/Shanghai)

/** The Asia/Shanghai month (YYYY-MM) of an instant. */
export const monthOf = (at: Date): string => shanghaiDay(at).slice(0, 7);
