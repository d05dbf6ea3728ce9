import { createHash } from 'node:crypto';
import type { Queryable } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { FieldInput } from '../catalog/schemas.js';
import type { Content } from '../catalog/store.js';
import { pgType } from './check.js';

/**
 * Dataset tables (docs/INGEST.md "Tables"): schema ds holds, per dataset, version tables
 * ds."<name>__v<N>" and the view ds."<name>" that readers use. Columns are the catalog fields'
 * ASCII codes with mapped types, the declared key is the primary key, and there is no other
 * index unless a steward asks for one (`setIndexes`). Only this file writes DDL in schema ds.
 */

export interface DatasetColumn {
  code: string;
  name: string;
  type: FieldInput['type'];
  pgType: string;
  key: boolean;
}

export interface DatasetRow {
  id: string;
  entryId: string;
  name: string;
  catalogVersion: number;
  columns: DatasetColumn[];
  currentVersion: number;
  keepVersions: number;
  mapping: Record<string, string>;
  /** Indexes a steward asked for: the column codes of each B-tree index. */
  indexes: string[][];
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** The view's name in schema ds for a resource code: 1.01.01/000001 → d_1_01_01_000001. */
export function datasetNameOf(code: string): string {
  return `d_${code.replace(/[^0-9a-z]+/gi, '_').toLowerCase()}`;
}

export const versionTable = (name: string, version: number) => `ds.${q(`${name}__v${version}`)}`;
export const datasetView = (name: string) => `ds.${q(name)}`;

export function columnsOf(fields: readonly FieldInput[]): DatasetColumn[] {
  return fields.map((f) => ({
    code: f.code!,
    name: f.name,
    type: f.type,
    pgType: pgType(f),
    key: f.key,
  }));
}

/**
 * CREATE TABLE for one version table: the columns and the key, nothing else. A replace load adds
 * the primary key after COPY (`primaryKey: false`): one index build beats maintaining it per row.
 */
export function createTableSql(
  name: string,
  version: number,
  columns: readonly DatasetColumn[],
  opts: { primaryKey?: boolean } = {},
): string {
  const keys = columns.filter((c) => c.key).map((c) => q(c.code));
  const defs = columns.map((c) => `${q(c.code)} ${c.pgType}${c.key ? ' NOT NULL' : ''}`);
  if (keys.length && opts.primaryKey !== false) defs.push(`PRIMARY KEY (${keys.join(', ')})`);
  return `CREATE TABLE ${versionTable(name, version)} (${defs.join(', ')})`;
}

export async function pointView(tx: Queryable, name: string, version: number): Promise<void> {
  // Dropped and created rather than replaced: a view keeps the column list it was made with.
  await tx.query(`DROP VIEW IF EXISTS ${datasetView(name)}`);
  await tx.query(`CREATE VIEW ${datasetView(name)} AS SELECT * FROM ${versionTable(name, version)}`);
}

const notLoadable = (reason: { 'zh-CN': string; en: string }) =>
  new AppError(409, 'dataset_not_loadable', {
    'zh-CN': `该目录不能建立数据表：${reason['zh-CN']}`,
    en: `No dataset table can be made for this entry: ${reason.en}`,
  });

/**
 * The dataset of a published table-kind catalog entry, created on first use with an empty
 * version 1. When the entry has a newer published version that adds fields, every kept version
 * table gains the new columns (a removed or retyped field is refused: data would be lost).
 */
export async function ensureDataset(tx: Queryable, entryId: string): Promise<DatasetRow> {
  // Two first loads of one entry must not both create its tables.
  await tx.query(`SELECT pg_advisory_xact_lock(4400002, hashtext($1))`, [entryId]);
  const { rows } = await tx.query<{ code: string; content: Content; version: number }>(
    `SELECT e.code, v.content, v.version
       FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE e.id = $1 AND v.status = 'published'`,
    [entryId],
  );
  const entry = rows[0];
  if (!entry) throw notLoadable({ 'zh-CN': '目录未发布', en: 'the entry is not published' });
  if (entry.content.resourceKind !== 'table')
    throw notLoadable({ 'zh-CN': '资源类型不是库表', en: 'its resource kind is not table' });
  const columns = columnsOf(entry.content.fields);

  const existing = await readDataset(tx, entryId, true);
  if (!existing) {
    const name = datasetNameOf(entry.code);
    await tx.query(createTableSql(name, 1, columns));
    await pointView(tx, name, 1);
    const { rows: created } = await tx.query<{ id: string }>(
      `INSERT INTO datong.datasets (entry_id, name, catalog_version, columns, current_version)
       VALUES ($1, $2, $3, $4, 1) RETURNING id`,
      [entryId, name, entry.version, JSON.stringify(columns)],
    );
    await tx.query(`INSERT INTO datong.dataset_versions (dataset_id, version) VALUES ($1, 1)`, [
      created[0]!.id,
    ]);
    return (await readDataset(tx, entryId))!;
  }
  if (existing.catalogVersion === entry.version) return existing;

  // A newer catalog version: only added fields can follow.
  const before = new Map(existing.columns.map((c) => [c.code, c]));
  for (const c of existing.columns) {
    const now = columns.find((n) => n.code === c.code);
    if (!now || now.pgType !== c.pgType || now.key !== c.key) {
      throw notLoadable({
        'zh-CN': `新版本删除或改变了信息项 ${c.code}，已有数据无法沿用`,
        en: `the new version removes or changes field ${c.code}, so the stored data cannot follow`,
      });
    }
  }
  const added = columns.filter((c) => !before.has(c.code));
  const { rows: versions } = await tx.query<{ version: number }>(
    'SELECT version FROM datong.dataset_versions WHERE dataset_id = $1',
    [existing.id],
  );
  for (const { version } of versions) {
    for (const c of added) {
      await tx.query(
        `ALTER TABLE ${versionTable(existing.name, version)} ADD COLUMN ${q(c.code)} ${c.pgType}`,
      );
    }
  }
  // Columns in the new catalog order; the view follows the table's physical order.
  const ordered = [...existing.columns, ...added];
  await pointView(tx, existing.name, existing.currentVersion);
  await tx.query(
    `UPDATE datong.datasets SET catalog_version = $2, columns = $3, updated_at = now() WHERE id = $1`,
    [existing.id, entry.version, JSON.stringify(ordered)],
  );
  return (await readDataset(tx, entryId))!;
}

export async function readDataset(tx: Queryable, entryId: string, lock = false): Promise<DatasetRow | null> {
  const { rows } = await tx.query<DatasetRow>(
    `SELECT id, entry_id AS "entryId", name, catalog_version AS "catalogVersion", columns,
            current_version AS "currentVersion", keep_versions AS "keepVersions", mapping, indexes
       FROM datong.datasets WHERE entry_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [entryId],
  );
  return rows[0] ?? null;
}

/**
 * The name of a steward's index on one version table: stable for the same columns, unique in
 * schema ds, and short (a dataset name may take 51 of PostgreSQL's 63 bytes).
 */
export function indexName(name: string, version: number, columns: readonly string[]): string {
  return `ix_${createHash('sha256')
    .update(`${name}__v${version}:${columns.join(',')}`)
    .digest('hex')
    .slice(0, 20)}`;
}

/** Creates the steward's indexes on one version table (those it already has are kept). */
export async function createIndexes(
  tx: Queryable,
  name: string,
  version: number,
  indexes: readonly (readonly string[])[],
): Promise<void> {
  for (const columns of indexes) {
    await tx.query(
      `CREATE INDEX IF NOT EXISTS ${q(indexName(name, version, columns))}
          ON ${versionTable(name, version)} (${columns.map(q).join(', ')})`,
    );
  }
}

/**
 * Sets the steward's indexes of a dataset: every kept version table gets the new ones and loses
 * those no longer asked for; later replace loads build them too. Call with the dataset row locked.
 */
export async function setIndexes(
  tx: Queryable,
  ds: DatasetRow,
  indexes: readonly (readonly string[])[],
): Promise<void> {
  const { rows: versions } = await tx.query<{ version: number }>(
    'SELECT version FROM datong.dataset_versions WHERE dataset_id = $1',
    [ds.id],
  );
  for (const { version } of versions) {
    const wanted = new Set(indexes.map((cols) => indexName(ds.name, version, cols)));
    const { rows: present } = await tx.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'ds' AND tablename = $1 AND starts_with(indexname, 'ix_')`,
      [`${ds.name}__v${version}`],
    );
    for (const { indexname } of present) {
      if (!wanted.has(indexname)) await tx.query(`DROP INDEX ds.${q(indexname)}`);
    }
    await createIndexes(tx, ds.name, version, indexes);
  }
  await tx.query('UPDATE datong.datasets SET indexes = $2, updated_at = now() WHERE id = $1', [
    ds.id,
    JSON.stringify(indexes),
  ]);
}
