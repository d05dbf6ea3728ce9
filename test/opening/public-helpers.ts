import crypto from 'node:crypto';
import { ident } from '../../src/platform/db/pool.js';
import type { Entry, EntryInput } from '../../src/modules/catalog/index.js';
import { openLimitsOf } from '../../src/modules/opening/open-limits.js';
import { openInput, publish } from '../catalog/open-helpers.js';
import type { TestApp } from '../support/app.js';
import { makeOrg } from '../support/factories.js';

/**
 * An open dataset made directly in the database, the shape the publishing pipeline leaves
 * (migration 0020): a catalog entry, a datong.datasets row, the version table
 * open."<name>__v1", the view open."<name>" and a datong.open_publications row.
 */

export interface OpenColumnSpec {
  code: string;
  name: string;
  type: string;
  pgType: string;
}

/** The companies table of most public-API tests. */
export const COMPANY_COLUMNS: OpenColumnSpec[] = [
  { code: 'uscc', name: '统一社会信用代码', type: 'string', pgType: 'varchar(18)' },
  { code: 'company', name: '企业名称', type: 'string', pgType: 'text' },
  { code: 'region', name: '行政区划代码', type: 'string', pgType: 'varchar(6)' },
  { code: 'capital', name: '注册资本（万元）', type: 'decimal', pgType: 'numeric(14,2)' },
  { code: 'staff', name: '从业人数', type: 'integer', pgType: 'integer' },
  { code: 'founded', name: '成立日期', type: 'date', pgType: 'date' },
  { code: 'active', name: '存续', type: 'boolean', pgType: 'boolean' },
];

export const COMPANY_ROWS: (string | number | boolean | null)[][] = [
  ['91440101MA5C000001', '广州甲科技有限公司', '440106', '100.50', 12, '2019-03-01', true],
  ['91440101MA5C000002', '广州乙贸易有限公司', '440104', '50.00', 5, '2020-07-15', true],
  ['91440300MA5C000003', '深圳丙电子有限公司', '440305', '1000.00', 120, '2015-01-20', false],
  ['91440300MA5C000004', '=1+2', '440305', null, 3, '2021-11-11', true],
  ['91440600MA5C000005', '佛山丁_陶瓷 100%有限公司', '440604', '300.00', 45, '2018-05-05', true],
  ['91440400MA5C000006', '珠海戊, "海洋"有限公司', '440402', '20.00', 2, '2022-02-02', null],
];

export interface MadeOpenDataset {
  entry: Entry;
  name: string;
  orgId: string;
}

export interface OpenDatasetOptions {
  entry?: Partial<EntryInput>;
  orgId?: string;
  columns?: OpenColumnSpec[];
  rows?: (string | number | boolean | null)[][];
  status?: 'draft' | 'pending' | 'published' | 'withdrawn';
  currentVersion?: number;
  publishedAt?: string;
}

export async function makeOpenDataset(t: TestApp, opts: OpenDatasetOptions = {}): Promise<MadeOpenDataset> {
  const orgId = opts.orgId ?? (await makeOrg(t.pool, { name: '广东省市场监督管理局' })).id;
  const columns = opts.columns ?? COMPANY_COLUMNS;
  const rows = opts.rows ?? COMPANY_ROWS;
  const entry = await publish(t, openInput(orgId, { name: '企业登记基本信息', ...opts.entry }));
  const name = `d_${crypto.randomBytes(5).toString('hex')}`;
  const { rows: ds } = await t.pool.query<{ id: string }>(
    `INSERT INTO datong.datasets (entry_id, name, catalog_version, columns) VALUES ($1, $2, 1, $3) RETURNING id`,
    [entry.id, name, JSON.stringify(columns)],
  );
  const table = `open.${ident(`${name}__v1`)}`;
  await t.pool.query(
    `CREATE TABLE ${table} (${columns.map((c) => `${ident(c.code)} ${c.pgType}`).join(', ')})`,
  );
  for (const r of rows) {
    await t.pool.query(`INSERT INTO ${table} VALUES (${r.map((_, i) => `$${i + 1}`).join(', ')})`, r);
  }
  await t.pool.query(`CREATE VIEW open.${ident(name)} AS SELECT * FROM ${table}`);
  await t.pool.query(
    `INSERT INTO datong.open_publications
       (entry_id, dataset_id, name, config, status, current_version, columns, row_count, published_at, refreshed_at, org_id)
     VALUES ($1, $2, $3, '{}', $4, $5, $6, $7, $8, $8, $9)`,
    [
      entry.id,
      ds[0]!.id,
      name,
      opts.status ?? 'published',
      opts.currentVersion ?? 1,
      JSON.stringify(columns),
      rows.length,
      opts.publishedAt ?? '2026-03-01T08:00:00Z',
      orgId,
    ],
  );
  return { entry, name, orgId };
}

/** Lifts the per-IP limit of anonymous calls for tests that are not about it. */
export function relaxLimits(t: TestApp): void {
  openLimitsOf(t.pool).ipRatePerMinute = 1_000_000;
}
