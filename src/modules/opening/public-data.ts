import { ident, type Queryable } from '../../platform/db/pool.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { Entry } from '../catalog/schemas.js';
import { loadOpenEntry } from '../catalog/open/query.js';
import { compileFilter, escapeLike, FilterError, type Condition } from '../sharing/filter.js';
import { conditionalAccess } from './conditional.js';
import { badParam, publicProblem } from './public-messages.js';

/**
 * What the public reads of a dataset: ONLY the open view `open."<name>"` of a published open
 * version (datong.open_publications, status 'published', current_version > 0) of an entry whose
 * published catalog version is unconditionally open (docs/OPENING.md "Open versions"). Every
 * data route goes through `loadOpenData`; nothing here ever names a table of schema `ds`.
 *
 * Queries are built from the publication's own column list: identifiers come only from it and
 * are quoted by `ident()`, values are bound parameters; filters are the sharing module's
 * condition language (src/modules/sharing/filter.ts), compiled against the same list.
 */

export type Kind = 'text' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime' | 'json';

export interface OpenColumn {
  code: string;
  name: string;
  /** The catalog field type (string, integer, …), as the publication lists it. */
  type: string;
  pgType: string;
  kind: Kind;
}

export interface Publication {
  datasetName: string;
  columns: OpenColumn[];
  rowCount: number;
  version: number;
  publishedAt: Date | null;
  refreshedAt: Date | null;
}

export interface OpenData {
  entry: Entry;
  /** 'conditional': served to the holder of an approved conditional-open application. */
  access: 'open' | 'conditional';
  publication: Publication;
  /**
   * `open."<name>" AS _o`, for FROM. ORDER BY names the columns as `_o."<code>"`: a bare name
   * there would mean the SELECT list's output column, which may be a cast to text.
   */
  from: string;
  byCode: Map<string, OpenColumn>;
}

const KINDS: [RegExp, Kind][] = [
  [/^(text|varchar|character varying|char|character|bpchar)\b/, 'text'],
  [/^(bigint|int8|integer|int|int4|smallint|int2)\b/, 'integer'],
  [/^(numeric|decimal)\b/, 'decimal'],
  [/^(boolean|bool)\b/, 'boolean'],
  [/^date\b/, 'date'],
  [/^(timestamptz|timestamp with time zone)\b/, 'datetime'],
  [/^jsonb?\b/, 'json'],
];

/** The kind of a column type; anything unknown is read (and searched) as its text. */
export function kindOf(pgType: string): Kind {
  const t = pgType.trim().toLowerCase();
  for (const [re, kind] of KINDS) if (re.test(t)) return kind;
  return 'text';
}

interface PublicationRow {
  dataset_name: string;
  columns: { code: string; name?: string; type?: string; pgType?: string }[];
  row_count: string | number | null;
  current_version: number;
  published_at: Date | null;
  refreshed_at: Date | null;
}

/** The published open version of an entry, whatever its catalog openType; null when none. */
export async function findPublication(q: Queryable, entryId: string): Promise<Publication | null> {
  const { rows } = await q.query<PublicationRow>(
    `SELECT p.name AS dataset_name, p.columns, p.row_count, p.current_version, p.published_at, p.refreshed_at
       FROM datong.open_publications p
      WHERE p.entry_id = $1 AND p.status = 'published' AND p.current_version > 0`,
    [entryId],
  );
  const r = rows[0];
  if (!r || !Array.isArray(r.columns)) return null;
  const columns = r.columns
    .filter((c) => typeof c?.code === 'string' && c.code !== '')
    .map((c) => {
      const pgType = typeof c.pgType === 'string' ? c.pgType : 'text';
      return {
        code: c.code,
        name: typeof c.name === 'string' ? c.name : c.code,
        type: typeof c.type === 'string' ? c.type : 'string',
        pgType,
        kind: kindOf(pgType),
      };
    });
  return {
    datasetName: r.dataset_name,
    columns,
    rowCount: Number(r.row_count ?? 0),
    version: r.current_version,
    publishedAt: r.published_at,
    refreshedAt: r.refreshed_at,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The open catalog entry (openType ≠ none) or null. */
export async function openEntry(q: Queryable, entryId: string): Promise<Entry | null> {
  if (!UUID.test(entryId)) return null;
  return loadOpenEntry(q, entryId.toLowerCase());
}

/** Who reads: the signed-in user or the owner of the API key presented, if any. */
export interface Reader {
  userId: string | null;
  now: Date;
}

/**
 * How `reader` may read the entry's data: 'open' (unconditional), 'conditional' (an approved,
 * unexpired conditional-open application of theirs, src/modules/opening/conditional.ts), or null.
 */
export async function accessOf(q: Queryable, entry: Entry, reader: Reader | undefined) {
  if (entry.openType === 'unconditional') return 'open' as const;
  if (entry.openType === 'conditional' && reader?.userId) {
    if (await conditionalAccess(q, reader.userId, entry.id, reader.now)) return 'conditional' as const;
  }
  return null;
}

/** The data of an entry as `reader` may read it, or 404 `open_dataset_not_found`. */
export async function loadOpenData(q: Queryable, entryId: string, reader?: Reader): Promise<OpenData> {
  const entry = await openEntry(q, entryId);
  const access = entry ? await accessOf(q, entry, reader) : null;
  const publication = entry && access ? await findPublication(q, entry.id) : null;
  if (!entry || !access || !publication || !publication.columns.length) {
    throw publicProblem(404, 'open_dataset_not_found', { ref: entryId.slice(0, 80) });
  }
  return {
    entry,
    access,
    publication,
    from: `open.${ident(publication.datasetName)} AS _o`,
    byCode: new Map(publication.columns.map((c) => [c.code, c])),
  };
}

// --- the query -------------------------------------------------------------------------------

export const MAX_LIMIT = 1000;
export const MAX_OFFSET = 1_000_000;
const MAX_Q = 200;
const MAX_SORT_KEYS = 5;

export interface RowQuery {
  /** A `{code: value}` map or a condition AST (already parsed from JSON). */
  filters?: unknown;
  /** Free text: words that must each appear in some text column. */
  q?: string | undefined;
  /** Per-column free text (CKAN's `q` as an object). */
  qByField?: Record<string, string> | undefined;
  fields?: string[] | undefined;
  sort?: string | undefined;
}

export interface CompiledQuery {
  columns: OpenColumn[];
  /** `WHERE …` or ''. */
  where: string;
  /** `ORDER BY …` or ''. */
  orderBy: string;
  params: unknown[];
  filtered: boolean;
}

const msg = (zh: string, en: string): Localized => ({ 'zh-CN': zh, en });
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A `filters` query-string value: JSON, or 400. */
export function parseFiltersParam(raw: string | undefined): unknown {
  if (raw === undefined || raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw badParam('filters', msg('不是有效的 JSON', 'not valid JSON'));
  }
}

/** Comma-separated codes (or a list) → codes; undefined for "all". */
export function parseFields(raw: string | string[] | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : raw.split(',')).map((s) => String(s).trim()).filter(Boolean);
  return list.length ? list : undefined;
}

function isCondition(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v);
  if (keys.length === 1 && ['and', 'or', 'not'].includes(keys[0]!) && typeof v[keys[0]!] === 'object')
    return true;
  return typeof v.op === 'string' && typeof v.field === 'string';
}

const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

/** `{code: value}` → a condition: all pairs must hold; a list means "one of"; null "is empty". */
export function conditionOfMap(map: Record<string, unknown>): Condition | null {
  const parts: Condition[] = [];
  for (const [field, v] of Object.entries(map)) {
    if (v === null) {
      parts.push({ field, op: 'is_null' });
      continue;
    }
    if (Array.isArray(v)) {
      const values = v.map(scalar);
      if (!values.length || values.some((x) => x === undefined)) {
        throw new FilterError(`/${field}`, msg('须为非空的值列表', 'must be a non-empty list of values'));
      }
      parts.push({ field, op: 'in', values: values as string[] });
      continue;
    }
    const s = scalar(v);
    if (s === undefined) {
      throw new FilterError(
        `/${field}`,
        msg('值须为字符串、数字或布尔', 'a value must be a string, number or boolean'),
      );
    }
    parts.push({ field, op: 'eq', value: s });
  }
  if (!parts.length) return null;
  return parts.length === 1 ? parts[0]! : { and: parts };
}

/** The condition of a `filters` value (map or AST); null for none. */
export function conditionOf(filters: unknown): Condition | null {
  if (filters === undefined || filters === null) return null;
  if (!isPlainObject(filters)) {
    throw new FilterError('', msg('filters 须为对象', 'filters must be an object'));
  }
  if (Object.keys(filters).length === 0) return null;
  return isCondition(filters) ? (filters as Condition) : conditionOfMap(filters);
}

/** Compiles filters, q, fields and sort against the open columns. */
export function compileQuery(data: Pick<OpenData, 'publication' | 'byCode'>, rq: RowQuery): CompiledQuery {
  const params: unknown[] = [];
  const clauses: string[] = [];
  const cond = conditionOf(rq.filters);
  if (cond) {
    clauses.push(compileFilter(cond, filterColumns(data.publication.columns), params, {}));
  }
  const textColumns = data.publication.columns.filter((c) => c.kind === 'text' && knownType(c));
  const q = rq.q?.trim();
  if (q) {
    if ([...q].length > MAX_Q)
      throw badParam('q', msg(`至多 ${MAX_Q} 个字符`, `at most ${MAX_Q} characters`));
    if (q.includes('\u0000')) throw badParam('q', msg('不能包含 NUL 字符', 'may not contain NUL'));
    for (const word of q.split(/\s+/).slice(0, 10)) {
      if (!textColumns.length) {
        clauses.push('FALSE');
        break;
      }
      const p = `$${params.push(`%${escapeLike(word)}%`)}`;
      clauses.push(`(${textColumns.map((c) => `${ident(c.code)} ILIKE ${p} ESCAPE '\\'`).join(' OR ')})`);
    }
  }
  for (const [code, text] of Object.entries(rq.qByField ?? {})) {
    const c = data.byCode.get(code);
    if (!c) throw publicProblem(400, 'open_field_unknown', { field: code.slice(0, 60) });
    if (typeof text !== 'string' || text.includes('\u0000') || [...text].length > MAX_Q) {
      throw badParam('q', msg('每个字段的检索词须为字符串', 'each field’s search text must be a string'));
    }
    const target = c.kind === 'text' ? ident(code) : `${ident(code)}::text`;
    clauses.push(`${target} ILIKE $${params.push(`%${escapeLike(text)}%`)} ESCAPE '\\'`);
  }
  const columns = rq.fields ? rq.fields.map((f) => columnOf(data, f)) : data.publication.columns;
  if (new Set(columns.map((c) => c.code)).size !== columns.length) {
    throw badParam('fields', msg('字段重复', 'a field is named twice'));
  }
  return {
    columns,
    where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '',
    orderBy: orderByOf(data, rq.sort),
    params,
    filtered: clauses.length > 0,
  };
}

const FILTER_TYPES: Record<Kind, string> = {
  text: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
  json: 'jsonb',
};

const knownType = (c: OpenColumn): boolean => KINDS.some(([re]) => re.test(c.pgType.trim().toLowerCase()));

/** Columns a filter may name: those of a type the filter compiler knows (by kind). */
function filterColumns(columns: OpenColumn[]): Map<string, { pgType: string }> {
  return new Map(columns.filter(knownType).map((c) => [c.code, { pgType: FILTER_TYPES[c.kind] }]));
}

export function columnOf(data: Pick<OpenData, 'byCode'>, code: string): OpenColumn {
  const c = data.byCode.get(code);
  if (!c) throw publicProblem(400, 'open_field_unknown', { field: code.slice(0, 60) });
  return c;
}

/** `code asc, code2 desc` → ORDER BY, the remaining columns following as tie-breakers. */
export function orderByOf(data: Pick<OpenData, 'publication' | 'byCode'>, sort: string | undefined): string {
  const s = sort?.trim();
  if (!s) return '';
  const keys = s.split(',').map((k) => k.trim());
  if (keys.length > MAX_SORT_KEYS) {
    throw badParam('sort', msg(`至多 ${MAX_SORT_KEYS} 个排序字段`, `at most ${MAX_SORT_KEYS} sort keys`));
  }
  const used = new Set<string>();
  const parts: string[] = [];
  for (const key of keys) {
    const m = /^([^\s]+)(?:\s+(asc|desc))?$/i.exec(key);
    if (!m) throw badParam('sort', msg('格式为「字段 asc|desc」', 'the form is "field asc|desc"'));
    const c = columnOf(data, m[1]!.replace(/^"(.*)"$/, '$1'));
    if (used.has(c.code)) throw badParam('sort', msg('字段重复', 'a field is named twice'));
    if (c.kind === 'json') throw badParam('sort', msg('JSON 字段不能排序', 'JSON fields cannot be sorted'));
    used.add(c.code);
    const dir = (m[2] ?? 'asc').toLowerCase() === 'desc' ? 'DESC NULLS LAST' : 'ASC NULLS FIRST';
    parts.push(`_o.${ident(c.code)} ${dir}`);
  }
  for (const c of data.publication.columns) {
    if (!used.has(c.code) && c.kind !== 'json') parts.push(`_o.${ident(c.code)} ASC`);
  }
  return `ORDER BY ${parts.join(', ')}`;
}

/** The SELECT list: dates as their text (never shifted by a time zone), the rest as pg reads them. */
export function selectList(columns: OpenColumn[]): string {
  return columns
    .map((c) => {
      const id = ident(c.code);
      if (c.kind === 'date') return `${id}::text AS ${id}`;
      if (c.kind === 'decimal' || c.kind === 'integer') return `${id}::text AS ${id}`;
      return id;
    })
    .join(', ');
}

/** A cell as the JSON answers carry it (see docs/OPENING.md "Values"). */
export function jsonValue(c: OpenColumn, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.kind) {
    case 'integer':
    case 'decimal': {
      const n = Number(v);
      return Number.isFinite(n) ? n : String(v);
    }
    case 'datetime':
      return v instanceof Date ? v.toISOString() : String(v);
    case 'boolean':
    case 'json':
      return v;
    default:
      return v instanceof Date ? v.toISOString() : String(v);
  }
}

export function recordOf(columns: OpenColumn[], row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c.code] = jsonValue(c, row[c.code]);
  return out;
}

/** One page of rows and the total (exact; the publication's count when nothing filters). */
export async function queryRows(
  q: Queryable,
  data: OpenData,
  rq: RowQuery,
  page: { limit: number; offset: number; withTotal: boolean },
): Promise<{ columns: OpenColumn[]; rows: Record<string, unknown>[]; total: number | null }> {
  const cq = compileQuery(data, rq);
  const params = [...cq.params];
  const sql = `SELECT ${selectList(cq.columns)} FROM ${data.from} ${cq.where} ${cq.orderBy}
    LIMIT $${params.push(page.limit)} OFFSET $${params.push(page.offset)}`;
  const { rows } = await runFiltered(() => q.query<Record<string, unknown>>(sql, params));
  let total: number | null = null;
  if (page.withTotal) {
    if (!cq.filtered) total = data.publication.rowCount;
    else {
      const { rows: n } = await runFiltered(() =>
        q.query<{ n: number }>(`SELECT count(*)::int8 AS n FROM ${data.from} ${cq.where}`, cq.params),
      );
      total = Number(n[0]?.n ?? 0);
    }
  }
  return { columns: cq.columns, rows: rows.map((r) => recordOf(cq.columns, r)), total };
}

/** Runs SQL of a compiled filter: a data exception of a bound value is the caller's 400. */
export async function runFiltered<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('22')) {
      throw new FilterError(
        '',
        msg('值与字段类型不符（{sqlstate}）', 'a value does not fit its field ({sqlstate})'),
        {
          sqlstate: code,
        },
      );
    }
    throw err;
  }
}
