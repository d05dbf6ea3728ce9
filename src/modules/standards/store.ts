import type { Queryable } from '../../platform/db/pool.js';
import type { FieldType, ValidatorSpec } from './schemas.js';

/** The only code that touches the standards tables (code_tables, code_table_values, data_elements). */

export interface CodeTableRow {
  id: string;
  identifier: string;
  name: string;
  version: string;
  description: string;
  builtin: boolean;
  valueCount: number;
  createdAt: Date;
}

interface CodeTableDb {
  id: string;
  identifier: string;
  name: string;
  version: string;
  description: string;
  builtin: boolean;
  value_count: number;
  created_at: Date;
}

const TABLE_COLUMNS = `t.id, t.identifier, t.name, t.version, t.description, t.builtin, t.created_at,
  (SELECT count(*) FROM datong.code_table_values v WHERE v.table_id = t.id) AS value_count`;
const tableRow = (r: CodeTableDb): CodeTableRow => ({
  id: r.id,
  identifier: r.identifier,
  name: r.name,
  version: r.version,
  description: r.description,
  builtin: r.builtin,
  valueCount: r.value_count,
  createdAt: r.created_at,
});

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const prefix = (s: string) => `${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function listCodeTables(
  q: Queryable,
  f: { q?: string | undefined; identifier?: string | undefined; latest?: boolean | undefined },
): Promise<CodeTableRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.identifier) where.push(`t.identifier = ${p(f.identifier)}`);
  if (f.q) where.push(`(t.identifier ILIKE ${p(like(f.q))} OR t.name ILIKE $${params.length})`);
  if (f.latest) {
    where.push(`NOT EXISTS (SELECT 1 FROM datong.code_tables n
      WHERE n.identifier = t.identifier AND (n.created_at, n.id) > (t.created_at, t.id))`);
  }
  const { rows } = await q.query<CodeTableDb>(
    `SELECT ${TABLE_COLUMNS} FROM datong.code_tables t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.identifier, t.created_at DESC, t.id`,
    params,
  );
  return rows.map(tableRow);
}

export async function getCodeTable(q: Queryable, id: string): Promise<CodeTableRow | undefined> {
  const { rows } = await q.query<CodeTableDb>(
    `SELECT ${TABLE_COLUMNS} FROM datong.code_tables t WHERE t.id = $1`,
    [id],
  );
  return rows[0] && tableRow(rows[0]);
}

/** The given version of an identifier, or its latest (most recently created) version. */
export async function findCodeTable(
  q: Queryable,
  identifier: string,
  version?: string,
): Promise<CodeTableRow | undefined> {
  const { rows } = await q.query<CodeTableDb>(
    `SELECT ${TABLE_COLUMNS} FROM datong.code_tables t
      WHERE t.identifier = $1 AND ($2::text IS NULL OR t.version = $2)
      ORDER BY t.created_at DESC, t.id DESC LIMIT 1`,
    [identifier, version ?? null],
  );
  return rows[0] && tableRow(rows[0]);
}

export async function tableVersions(
  q: Queryable,
  identifier: string,
): Promise<{ id: string; version: string; createdAt: Date }[]> {
  const { rows } = await q.query<{ id: string; version: string; created_at: Date }>(
    `SELECT id, version, created_at FROM datong.code_tables WHERE identifier = $1 ORDER BY created_at DESC, id DESC`,
    [identifier],
  );
  return rows.map((r) => ({ id: r.id, version: r.version, createdAt: r.created_at }));
}

export async function codeTableExists(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM datong.code_tables WHERE id = $1', [id]);
  return rows.length > 0;
}

export interface CodeValueRow {
  code: string;
  label: string;
  parentCode: string | null;
  sort: number;
}

export async function listValues(
  q: Queryable,
  tableId: string,
  f: {
    q?: string | undefined;
    parent?: string | undefined;
    limit?: number;
    after?: [number, string] | undefined;
  },
): Promise<CodeValueRow[]> {
  const where = ['table_id = $1'];
  const params: unknown[] = [tableId];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.q) where.push(`(code LIKE ${p(prefix(f.q))} OR label ILIKE ${p(like(f.q))})`);
  if (f.parent) where.push(`parent_code = ${p(f.parent)}`);
  if (f.after) where.push(`(sort, code) > (${p(f.after[0])}::int, ${p(f.after[1])}::text)`);
  const limit = f.limit === undefined ? '' : `LIMIT ${p(f.limit)}`;
  const { rows } = await q.query<{ code: string; label: string; parent_code: string | null; sort: number }>(
    `SELECT code, label, parent_code, sort FROM datong.code_table_values
      WHERE ${where.join(' AND ')} ORDER BY sort, code ${limit}`,
    params,
  );
  return rows.map((r) => ({ code: r.code, label: r.label, parentCode: r.parent_code, sort: r.sort }));
}

/** Inserts a table; undefined when that identifier + version exists already (nothing written). */
export async function insertCodeTable(
  q: Queryable,
  t: { identifier: string; name: string; version: string; description: string; builtin: boolean },
): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO datong.code_tables (identifier, name, version, description, builtin)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (identifier, version) DO NOTHING RETURNING id`,
    [t.identifier, t.name, t.version, t.description, t.builtin],
  );
  return rows[0]?.id;
}

/**
 * All values of a table in one statement (arrays unnested server-side): thousands of rows cost one
 * round trip, and the parameter count stays at five whatever the size.
 */
export async function insertValues(
  q: Queryable,
  tableId: string,
  values: readonly { code: string; label: string; parentCode: string | null }[],
): Promise<void> {
  if (values.length === 0) return;
  await q.query(
    `INSERT INTO datong.code_table_values (table_id, code, label, parent_code, sort)
     SELECT $1, v.code, v.label, v.parent_code, v.ord::int - 1
       FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS v(code, label, parent_code, ord)`,
    [tableId, values.map((v) => v.code), values.map((v) => v.label), values.map((v) => v.parentCode)],
  );
}

// --- data elements -------------------------------------------------------------------------

export interface DataElementRow {
  id: string;
  identifier: string;
  name: string;
  type: FieldType;
  length: number | null;
  precision: number | null;
  scale: number | null;
  validator: ValidatorSpec | null;
  codeTableId: string | null;
  codeTable: { id: string; identifier: string; name: string; version: string } | null;
  description: string;
  builtin: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface DataElementDb {
  id: string;
  identifier: string;
  name: string;
  type: FieldType;
  length: number | null;
  precision: number | null;
  scale: number | null;
  validator: ValidatorSpec | null;
  code_table_id: string | null;
  ct_identifier: string | null;
  ct_name: string | null;
  ct_version: string | null;
  description: string;
  builtin: boolean;
  created_at: Date;
  updated_at: Date;
}

const ELEMENT_COLUMNS = `e.id, e.identifier, e.name, e.type, e.length, e.precision, e.scale, e.validator,
  e.code_table_id, t.identifier AS ct_identifier, t.name AS ct_name, t.version AS ct_version,
  e.description, e.builtin, e.created_at, e.updated_at`;
const ELEMENT_FROM = 'datong.data_elements e LEFT JOIN datong.code_tables t ON t.id = e.code_table_id';
const elementRow = (r: DataElementDb): DataElementRow => ({
  id: r.id,
  identifier: r.identifier,
  name: r.name,
  type: r.type,
  length: r.length,
  precision: r.precision,
  scale: r.scale,
  validator: r.validator,
  codeTableId: r.code_table_id,
  codeTable:
    r.code_table_id && r.ct_identifier !== null
      ? {
          id: r.code_table_id,
          identifier: r.ct_identifier,
          name: r.ct_name ?? '',
          version: r.ct_version ?? '',
        }
      : null,
  description: r.description,
  builtin: r.builtin,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listDataElements(
  q: Queryable,
  f: { q?: string | undefined; limit: number; after?: string | undefined },
): Promise<DataElementRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (f.q) where.push(`(e.identifier ILIKE ${p(like(f.q))} OR e.name ILIKE $${params.length})`);
  if (f.after) where.push(`e.identifier > ${p(f.after)}`);
  const { rows } = await q.query<DataElementDb>(
    `SELECT ${ELEMENT_COLUMNS} FROM ${ELEMENT_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.identifier LIMIT ${p(f.limit + 1)}`,
    params,
  );
  return rows.map(elementRow);
}

export async function getDataElement(q: Queryable, id: string): Promise<DataElementRow | undefined> {
  const { rows } = await q.query<DataElementDb>(
    `SELECT ${ELEMENT_COLUMNS} FROM ${ELEMENT_FROM} WHERE e.id = $1`,
    [id],
  );
  return rows[0] && elementRow(rows[0]);
}

export async function getDataElementByIdentifier(
  q: Queryable,
  identifier: string,
): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    'SELECT id FROM datong.data_elements WHERE identifier = $1',
    [identifier],
  );
  return rows[0]?.id;
}

export interface DataElementValues {
  name: string;
  type: FieldType;
  length: number | null;
  precision: number | null;
  scale: number | null;
  validator: ValidatorSpec | null;
  codeTableId: string | null;
  description: string;
}

/** Inserts an element; undefined when the identifier is taken (nothing written). */
export async function insertDataElement(
  q: Queryable,
  e: DataElementValues & { identifier: string; builtin: boolean },
): Promise<string | undefined> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO datong.data_elements
       (identifier, name, type, length, precision, scale, validator, code_table_id, description, builtin)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (identifier) DO NOTHING RETURNING id`,
    [
      e.identifier,
      e.name,
      e.type,
      e.length,
      e.precision,
      e.scale,
      e.validator === null ? null : JSON.stringify(e.validator),
      e.codeTableId,
      e.description,
      e.builtin,
    ],
  );
  return rows[0]?.id;
}

export async function updateDataElement(q: Queryable, id: string, e: DataElementValues): Promise<void> {
  await q.query(
    `UPDATE datong.data_elements SET name = $2, type = $3, length = $4, precision = $5, scale = $6,
       validator = $7, code_table_id = $8, description = $9, updated_at = now() WHERE id = $1`,
    [
      id,
      e.name,
      e.type,
      e.length,
      e.precision,
      e.scale,
      e.validator === null ? null : JSON.stringify(e.validator),
      e.codeTableId,
      e.description,
    ],
  );
}

export async function dataElementExists(q: Queryable, id: string): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM datong.data_elements WHERE id = $1', [id]);
  return rows.length > 0;
}
