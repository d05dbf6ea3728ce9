import { Type, type TSchema, type TUnsafe } from 'typebox';
import { ident } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import { compileChecker, type Message, type RowChecker } from '../ingest/check.js';

/**
 * Row filters and query conditions (docs/SHARING.md, "Row filters and query conditions"): one
 * JSON AST for a grant's row filter and a caller's query conditions, compiled against a whitelist
 * of columns into SQL whose values are all bound parameters. This is a security boundary: the
 * input is treated as untrusted JSON (it is re-checked here whether or not a route's schema ran).
 *
 * Decisions beyond the contract:
 * - Identifiers come only from the `columns` map (a `Map`, so `__proto__` and friends are just
 *   unknown fields) and are double-quoted by `ident()`; a field not in the map is a FilterError.
 * - Values are checked per column type BEFORE binding, with the aggregation checker's own rules
 *   (src/modules/ingest/check.ts: integers `12`/`12.0`, decimals with exponents, booleans
 *   true/false/1/0/是/否/Y/N, dates YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, date-times in ISO 8601 with
 *   a zone-less value read in Asia/Shanghai), so that a condition compares exactly as loaded data
 *   was stored and a bad value is a 400 naming the field, never a 500. Decimal values are checked
 *   against PostgreSQL's own limits, not the column's scale (`amount < 1.005` on numeric(10,2) is
 *   a fair question). Text values are taken as they are (no trimming); NUL is refused everywhere
 *   (PostgreSQL text cannot hold it); strings are ≤ 1,000 characters (code points).
 *   `asFilterError()` additionally maps a PostgreSQL data exception (SQLSTATE class 22) to a
 *   FilterError for whoever runs the SQL, as a fallback.
 * - Casts use the column's base type without modifier (`$3::numeric`, not numeric(10,2), which
 *   would round the bound value; every integer type compares as bigint; varchar as text).
 * - `ne` is `IS DISTINCT FROM`: a NULL is "not equal" to a value, so `ne` matches NULLs.
 *   `not` is `(…) IS NOT TRUE`: exactly the complement of the inner condition, NULLs included
 *   (`not eq` ≡ `ne`). `eq`, `in`, `range` and `prefix` never match NULL.
 * - `prefix` is `LIKE ($n::text || '%') ESCAPE '\'` with `\`, `%` and `_` escaped in the value;
 *   on text, integer, decimal and date columns (the column's text; dates as YYYY-MM-DD under the
 *   default DateStyle ISO). Not on boolean, jsonb or timestamptz (time-zone dependent text).
 * - `range` needs at least one bound, at most one lower (gte|gt) and one upper (lte|lt); not on
 *   boolean or jsonb columns.
 * - `and`/`or` take 1–100 conditions (an empty list is refused rather than read as TRUE/FALSE).
 *   Depth counts condition objects on the longest path (a lone leaf is depth 1), ≤ 8; nodes count
 *   every condition object, ≤ 100; `in` takes 1–1,000 values.
 * - A value that is exactly `$consumer.<name>` is resolved from `context[name]` (`context` is
 *   keyed by the bare name: `{regionCode, orgId}`); an unknown name, or one whose value is empty
 *   (an empty prefix would match every row), is a FilterError. Any other value starting with
 *   `$consumer.` is refused too. The resolved value is checked like a literal one.
 * - On error nothing is appended to `params`.
 */

export type Condition =
  | { field: string; op: 'eq' | 'ne'; value: string }
  | { field: string; op: 'in'; values: string[] } // 1–1000 values
  | { field: string; op: 'range'; gte?: string; gt?: string; lte?: string; lt?: string }
  | { field: string; op: 'prefix'; value: string } // LIKE 'x%' with x escaped
  | { field: string; op: 'is_null' | 'not_null' }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

export const FILTER_LIMITS = Object.freeze({
  depth: 8,
  nodes: 100,
  inValues: 1000,
  valueLength: 1000,
});

// ---------------------------------------------------------------------------------------------
// Schema

const strict = { additionalProperties: false } as const;

/**
 * The TypeBox schema of a Condition for routes, `additionalProperties: false` on every object.
 * The recursion is unrolled into one definition per level (`<id>` is depth 8, `<id>_7` … `<id>_1`
 * below it): the depth limit is part of the schema, so Ajv never recurses into a deeply nested
 * body (a plain self-reference overflows Ajv's stack at ~100k levels: a 500, not a 400).
 *
 * Ajv refuses one `$id` twice within one schema: a route taking two conditions in one body uses
 * `conditionSchema('OtherName')` for the second. The same id in different routes is fine.
 */
export function conditionSchema(id = 'ShareCondition'): TUnsafe<Condition> {
  const field = Type.String({ minLength: 1, maxLength: 200, description: 'field (column) code' });
  const value = Type.String({
    maxLength: FILTER_LIMITS.valueLength,
    description: "a value, or the consumer's context: $consumer.regionCode, $consumer.orgId",
  });
  const leaves = [
    Type.Object({ field, op: Type.Enum(['eq', 'ne']), value }, strict),
    Type.Object(
      {
        field,
        op: Type.Enum(['in']),
        values: Type.Array(value, { minItems: 1, maxItems: FILTER_LIMITS.inValues }),
      },
      strict,
    ),
    Type.Object(
      {
        field,
        op: Type.Enum(['range']),
        gte: Type.Optional(value),
        gt: Type.Optional(value),
        lte: Type.Optional(value),
        lt: Type.Optional(value),
      },
      // field, op and at least one bound
      { ...strict, minProperties: 3 },
    ),
    Type.Object({ field, op: Type.Enum(['prefix']), value }, strict),
    Type.Object({ field, op: Type.Enum(['is_null', 'not_null']) }, strict),
  ];
  const name = (depth: number) => (depth === FILTER_LIMITS.depth ? id : `${id}_${depth}`);
  const defs: Record<string, TSchema> = { [name(1)]: Type.Union(leaves) };
  for (let d = 2; d <= FILTER_LIMITS.depth; d++) {
    const below = Type.Ref(name(d - 1));
    const list = Type.Array(below, { minItems: 1, maxItems: FILTER_LIMITS.nodes });
    defs[name(d)] = Type.Union([
      ...leaves,
      Type.Object({ and: list }, strict),
      Type.Object({ or: list }, strict),
      Type.Object({ not: below }, strict),
    ]);
  }
  return Type.Unsafe<Condition>(
    Type.Cyclic(defs, id, {
      description: 'a row filter / query condition (docs/SHARING.md); depth ≤ 8, ≤ 100 conditions',
    }),
  );
}

export const ConditionSchema = conditionSchema();

// ---------------------------------------------------------------------------------------------
// Errors

/** A condition that cannot be compiled: 400 `filter_invalid`, naming the place and the problem. */
export class FilterError extends AppError {
  constructor(
    readonly path: string,
    problemText: Localized,
    params: Record<string, unknown> = {},
  ) {
    super(
      400,
      'filter_invalid',
      {
        'zh-CN': `查询条件无效（{path}）：${problemText['zh-CN']}`,
        en: `Invalid condition at {path}: ${problemText.en}`,
      },
      { ...params, path: path === '' ? '/' : path },
    );
    this.name = 'FilterError';
  }
}

const msg = (zh: string, en: string): Localized => ({ 'zh-CN': zh, en });

/** User text in a message: cut, so that a 100k-character name does not become the message. */
const shown = (s: string): string => (s.length > 60 ? `${s.slice(0, 60)}…` : s);

/**
 * The FilterError a PostgreSQL data exception (SQLSTATE class 22: bad value for a type, out of
 * range, …) raised while running a compiled filter stands for; null for anything else. Values are
 * checked before binding, so this is a fallback for whoever runs the SQL.
 */
export function asFilterError(err: unknown): FilterError | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('22')) return null;
  return new FilterError(
    '',
    msg('值与字段类型不符（{sqlstate}）', 'a value does not fit its field ({sqlstate})'),
    {
      sqlstate: code,
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Column types

type Kind = 'text' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime' | 'json';

/** The cast of a bound value per kind: fixed strings, never the map's pgType text itself. */
const CAST: Record<Kind, string> = {
  text: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  boolean: 'boolean',
  date: 'date',
  datetime: 'timestamptz',
  json: 'jsonb',
};

const KIND_LABEL: Record<Kind, Localized> = {
  text: msg('文本', 'text'),
  integer: msg('整数', 'integer'),
  decimal: msg('数值', 'decimal'),
  boolean: msg('布尔', 'boolean'),
  date: msg('日期', 'date'),
  datetime: msg('日期时间', 'date-time'),
  json: msg('JSON', 'JSON'),
};

const KINDS = new Map<string, Kind>([
  ['text', 'text'],
  ['varchar', 'text'],
  ['character varying', 'text'],
  ['char', 'text'],
  ['character', 'text'],
  ['bpchar', 'text'],
  ['bigint', 'integer'],
  ['int8', 'integer'],
  ['integer', 'integer'],
  ['int', 'integer'],
  ['int4', 'integer'],
  ['smallint', 'integer'],
  ['int2', 'integer'],
  ['numeric', 'decimal'],
  ['decimal', 'decimal'],
  ['boolean', 'boolean'],
  ['bool', 'boolean'],
  ['date', 'date'],
  ['timestamptz', 'datetime'],
  ['timestamp with time zone', 'datetime'],
  ['jsonb', 'json'],
]);

/** The kind of a column type as `pgType()` of check.ts writes it (typmods ignored). */
function kindOf(pgType: string): Kind {
  const base = pgType
    .trim()
    .toLowerCase()
    .replace(/\s*\([\d\s,]*\)\s*$/, '');
  const kind = KINDS.get(base);
  // The map is the server's: a type nobody taught this module is a bug, not a caller's error.
  if (!kind) throw new Error(`compileFilter: column type "${pgType}" is not supported`);
  return kind;
}

const RANGE_KINDS = new Set<Kind>(['text', 'integer', 'decimal', 'date', 'datetime']);
const PREFIX_KINDS = new Set<Kind>(['text', 'integer', 'decimal', 'date']);

// The aggregation checker, one compiled single-field checker per kind (stateless without keys).
const FIELD_TYPE = {
  integer: 'integer',
  decimal: 'decimal',
  boolean: 'boolean',
  date: 'date',
  datetime: 'datetime',
} as const;
type CheckedKind = keyof typeof FIELD_TYPE;
const checkers = new Map<CheckedKind, RowChecker>();

function checkerFor(kind: CheckedKind): RowChecker {
  let c = checkers.get(kind);
  if (!c) {
    c = compileChecker(
      [{ name: 'value', type: FIELD_TYPE[kind], required: false, key: false, piiKind: 'none', grade: 1 }],
      [0],
      { uniqueKeys: false },
    );
    checkers.set(kind, c);
  }
  return c;
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Compiler

const LEAF_OPS = new Set(['eq', 'ne', 'in', 'range', 'prefix', 'is_null', 'not_null']);
const LEAF_KEYS: Record<string, { required: string[]; optional: string[] }> = {
  eq: { required: ['value'], optional: [] },
  ne: { required: ['value'], optional: [] },
  in: { required: ['values'], optional: [] },
  range: { required: [], optional: ['gte', 'gt', 'lte', 'lt'] },
  prefix: { required: ['value'], optional: [] },
  is_null: { required: [], optional: [] },
  not_null: { required: [], optional: [] },
};
const RANGE_OPS: [string, string][] = [
  ['gte', '>='],
  ['gt', '>'],
  ['lte', '<='],
  ['lt', '<'],
];
const CONSUMER = '$consumer.';
const CONSUMER_REF = /^\$consumer\.([A-Za-z][A-Za-z0-9_]*)$/;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Compiles `c` against the whitelist `columns` (column name → its PostgreSQL type) into SQL text
 * whose values are `$n::<type>` placeholders appended to `params` (numbered after what `params`
 * already holds). `context` resolves `$consumer.<name>` values. Throws FilterError (400).
 */
export function compileFilter(
  c: Condition,
  columns: ReadonlyMap<string, { pgType: string }>,
  params: unknown[],
  context: Record<string, string>,
): string {
  const local: unknown[] = [];
  const base = params.length;
  let nodes = 0;

  const bind = (value: unknown, cast: string): string => {
    local.push(value);
    return `$${base + local.length}::${cast}`;
  };

  /** A value as the column's kind wants it bound, or a FilterError. */
  const value = (raw: unknown, kind: Kind, field: string, path: string, forPrefix = false): string => {
    if (typeof raw !== 'string')
      throw new FilterError(path, msg('值必须是字符串', 'a value must be a string'));
    let v = raw;
    if (v.startsWith(CONSUMER)) {
      const m = CONSUMER_REF.exec(v);
      const name = m?.[1];
      if (name === undefined || !Object.hasOwn(context, name) || typeof context[name] !== 'string') {
        throw new FilterError(path, msg('未知的申请方属性“{ref}”', 'unknown consumer property "{ref}"'), {
          ref: shown(v),
        });
      }
      v = context[name];
      if (v === '') {
        throw new FilterError(path, msg('申请方属性“{ref}”为空', 'the consumer property "{ref}" is empty'), {
          ref: shown(raw),
        });
      }
    }
    if (v.length > FILTER_LIMITS.valueLength && codePoints(v) > FILTER_LIMITS.valueLength) {
      throw new FilterError(path, msg('值超过 {max} 个字符', 'a value is longer than {max} characters'), {
        max: FILTER_LIMITS.valueLength,
      });
    }
    if (v.includes('\u0000')) {
      throw new FilterError(path, msg('值不能包含 NUL 字符', 'a value may not contain the NUL character'));
    }
    if (forPrefix || kind === 'text') return v;
    const bad = (reason: Message) =>
      new FilterError(
        path,
        msg(
          `字段“{field}”（${KIND_LABEL[kind]['zh-CN']}）的值无效：${reason['zh-CN']}`,
          `bad value for the ${KIND_LABEL[kind].en} field "{field}": ${reason.en}`,
        ),
        { field: shown(field) },
      );
    if (kind === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(v);
      } catch {
        throw bad(msg('不是有效的 JSON', 'not valid JSON'));
      }
      if (JSON.stringify(parsed).includes('\\u0000')) throw bad(msg('包含 \\u0000', 'contains \\u0000'));
      return v;
    }
    const r = checkerFor(kind).check(0, [v]);
    if ('rejects' in r) throw bad(r.rejects[0]?.reason ?? msg('格式错误', 'malformed'));
    const out = r.line.slice(0, -1); // the checker's COPY line ends in a newline
    if (out === '\\N') throw bad(msg('值为空', 'the value is empty'));
    return out;
  };

  const leaf = (node: Record<string, unknown>, path: string): string => {
    const { field, op } = node;
    if (typeof op !== 'string' || !LEAF_OPS.has(op)) {
      throw new FilterError(
        path,
        msg(
          '未知的运算“{op}”（可用 eq、ne、in、range、prefix、is_null、not_null）',
          'unknown op "{op}" (eq, ne, in, range, prefix, is_null, not_null)',
        ),
        { op: shown(String(op)) },
      );
    }
    const keys = LEAF_KEYS[op] as { required: string[]; optional: string[] };
    for (const k of Object.keys(node)) {
      if (k !== 'field' && k !== 'op' && !keys.required.includes(k) && !keys.optional.includes(k)) {
        throw new FilterError(
          path,
          msg('运算 {op} 不接受属性“{key}”', 'the op {op} takes no property "{key}"'),
          {
            op,
            key: shown(k),
          },
        );
      }
    }
    for (const k of keys.required) {
      if (!Object.hasOwn(node, k)) {
        throw new FilterError(
          path,
          msg('运算 {op} 缺少属性“{key}”', 'the op {op} needs the property "{key}"'),
          {
            op,
            key: k,
          },
        );
      }
    }
    if (typeof field !== 'string') {
      throw new FilterError(path, msg('缺少字段名', 'the field name is missing'));
    }
    const column = columns.get(field);
    if (column === undefined) {
      throw new FilterError(path, msg('未知字段“{field}”', 'unknown field "{field}"'), {
        field: shown(field),
      });
    }
    const kind = kindOf(column.pgType);
    const id = ident(field);
    const cast = CAST[kind];
    const notFor = () =>
      new FilterError(
        path,
        msg(
          `运算 {op} 不适用于${KIND_LABEL[kind]['zh-CN']}字段“{field}”`,
          `the op {op} does not apply to the ${KIND_LABEL[kind].en} field "{field}"`,
        ),
        { op, field: shown(field) },
      );
    switch (op) {
      case 'eq':
        return `${id} = ${bind(value(node.value, kind, field, `${path}/value`), cast)}`;
      case 'ne':
        return `${id} IS DISTINCT FROM ${bind(value(node.value, kind, field, `${path}/value`), cast)}`;
      case 'in': {
        const values = node.values;
        if (!Array.isArray(values) || values.length === 0 || values.length > FILTER_LIMITS.inValues) {
          throw new FilterError(`${path}/values`, msg('in 需要 1–{max} 个值', 'in takes 1–{max} values'), {
            max: FILTER_LIMITS.inValues,
          });
        }
        const out = values.map((v, i) => value(v, kind, field, `${path}/values/${i}`));
        return `${id} = ANY(${bind(out, cast)}[])`;
      }
      case 'range': {
        if (!RANGE_KINDS.has(kind)) throw notFor();
        const has = (k: string) => Object.hasOwn(node, k);
        if (!has('gte') && !has('gt') && !has('lte') && !has('lt')) {
          throw new FilterError(path, msg('range 至少需要一个边界', 'range needs at least one bound'));
        }
        if ((has('gte') && has('gt')) || (has('lte') && has('lt'))) {
          throw new FilterError(
            path,
            msg('range 的上、下界各至多一个', 'range takes at most one lower and one upper bound'),
          );
        }
        const parts: string[] = [];
        for (const [k, sqlOp] of RANGE_OPS) {
          if (has(k)) parts.push(`${id} ${sqlOp} ${bind(value(node[k], kind, field, `${path}/${k}`), cast)}`);
        }
        return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' AND ')})`;
      }
      case 'prefix': {
        if (!PREFIX_KINDS.has(kind)) throw notFor();
        const v = value(node.value, kind, field, `${path}/value`, true);
        const pattern = bind(escapeLike(v), 'text');
        const target = kind === 'text' ? id : `${id}::text`;
        return `${target} LIKE (${pattern} || '%') ESCAPE '\\'`;
      }
      case 'is_null':
        return `${id} IS NULL`;
      default:
        return `${id} IS NOT NULL`;
    }
  };

  const compile = (node: unknown, path: string, depth: number): string => {
    if (depth > FILTER_LIMITS.depth) {
      throw new FilterError(
        path,
        msg('条件嵌套超过 {max} 层', 'conditions are nested deeper than {max} levels'),
        {
          max: FILTER_LIMITS.depth,
        },
      );
    }
    if (++nodes > FILTER_LIMITS.nodes) {
      throw new FilterError(path, msg('条件超过 {max} 个', 'more than {max} conditions'), {
        max: FILTER_LIMITS.nodes,
      });
    }
    if (!isPlainObject(node))
      throw new FilterError(path, msg('条件必须是对象', 'a condition must be an object'));
    const keys = Object.keys(node);
    const combinator = keys.find((k) => k === 'and' || k === 'or' || k === 'not');
    if (combinator === undefined) {
      if (!Object.hasOwn(node, 'field') && !Object.hasOwn(node, 'op')) {
        throw new FilterError(
          path,
          msg(
            '条件需要 field 与 op，或 and、or、not 之一',
            'a condition needs field and op, or one of and, or, not',
          ),
        );
      }
      return leaf(node, path);
    }
    if (keys.length !== 1) {
      throw new FilterError(
        path,
        msg('{key} 条件不能有其他属性', 'an {key} condition has no other properties'),
        { key: combinator },
      );
    }
    if (combinator === 'not') return `((${compile(node.not, `${path}/not`, depth + 1)}) IS NOT TRUE)`;
    const list = node[combinator];
    if (!Array.isArray(list) || list.length === 0) {
      throw new FilterError(path, msg('{key} 需要至少一个条件', '{key} needs at least one condition'), {
        key: combinator,
      });
    }
    const parts = list.map((x, i) => compile(x, `${path}/${combinator}/${i}`, depth + 1));
    return `(${parts.join(combinator === 'and' ? ' AND ' : ' OR ')})`;
  };

  const sql = compile(c, '', 1);
  params.push(...local);
  return sql;
}

/** A LIKE pattern matching `s` literally (ESCAPE '\'). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

/**
 * The WHERE condition of a data service: the grant's filter outside the caller's conditions, so
 * a caller can never widen it. Either side may be empty (no filter); both empty → `TRUE`.
 */
export function combine(grantSql: string | null | undefined, callerSql: string | null | undefined): string {
  const g = grantSql?.trim() ?? '';
  const c = callerSql?.trim() ?? '';
  if (g === '' && c === '') return 'TRUE';
  if (g === '') return `(${c})`;
  if (c === '') return `(${g})`;
  return `(${g}) AND (${c})`;
}

// ---------------------------------------------------------------------------------------------
// Description

const CONTEXT_LABELS: Record<string, Localized> = {
  regionCode: msg('申请方行政区划代码', "the consumer's region code"),
  orgId: msg('申请方机构', "the consumer's organisation"),
};

/**
 * A short description of a condition for people (the console), e.g. "户籍地行政区划代码 以 4401
 * 开头". `names` maps field codes to their names (the code is shown when absent). Tolerant: it
 * describes what it is given and does not validate (compileFilter does).
 */
export function describeFilter(
  c: Condition,
  names: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): Localized {
  const nameOf = (field: unknown): string => {
    const f = String(field);
    const n =
      names instanceof Map
        ? names.get(f)
        : Object.hasOwn(names, f)
          ? (names as Record<string, string>)[f]
          : undefined;
    return shown(n ?? f);
  };
  const val = (v: unknown, lang: 'zh-CN' | 'en'): string => {
    const s = String(v);
    const ref = CONSUMER_REF.exec(s)?.[1];
    if (ref !== undefined && Object.hasOwn(CONTEXT_LABELS, ref))
      return (CONTEXT_LABELS[ref] as Localized)[lang];
    const cut = shown(s);
    return cut === '' || /\s/.test(cut) ? `“${cut}”` : cut;
  };

  const describe = (node: unknown, lang: 'zh-CN' | 'en', depth: number, nested: boolean): string => {
    const zh = lang === 'zh-CN';
    if (depth > FILTER_LIMITS.depth + 2 || !isPlainObject(node)) return '…';
    if (Array.isArray(node.and) || Array.isArray(node.or)) {
      const isAnd = Array.isArray(node.and);
      const list = (isAnd ? node.and : node.or) as unknown[];
      const sep = isAnd ? (zh ? ' 且 ' : ' and ') : zh ? ' 或 ' : ' or ';
      const text = list.map((x) => describe(x, lang, depth + 1, true)).join(sep);
      if (!nested || list.length < 2) return text;
      return zh ? `（${text}）` : `(${text})`;
    }
    if (Object.hasOwn(node, 'not')) {
      const inner = describe(node.not, lang, depth + 1, false);
      return zh ? `非（${inner}）` : `not (${inner})`;
    }
    const f = nameOf(node.field);
    switch (node.op) {
      case 'eq':
        return zh ? `${f} 等于 ${val(node.value, lang)}` : `${f} is ${val(node.value, lang)}`;
      case 'ne':
        return zh ? `${f} 不等于 ${val(node.value, lang)}` : `${f} is not ${val(node.value, lang)}`;
      case 'in': {
        const values = Array.isArray(node.values) ? node.values : [];
        const head = values.slice(0, 5).map((v) => val(v, lang));
        const more = values.length > 5;
        return zh
          ? `${f} 为 ${head.join('、')}${more ? ` 等 ${values.length} 个值` : ''} 之一`
          : `${f} is one of ${head.join(', ')}${more ? ` (${values.length} values)` : ''}`;
      }
      case 'range': {
        const parts: string[] = [];
        for (const [k, sym] of [
          ['gte', '≥'],
          ['gt', '>'],
          ['lte', '≤'],
          ['lt', '<'],
        ] as const) {
          if (node[k] !== undefined) parts.push(`${sym} ${val(node[k], lang)}`);
        }
        return `${f} ${parts.join(zh ? ' 且 ' : ' and ')}`;
      }
      case 'prefix':
        return zh ? `${f} 以 ${val(node.value, lang)} 开头` : `${f} starts with ${val(node.value, lang)}`;
      case 'is_null':
        return zh ? `${f} 为空` : `${f} is empty`;
      case 'not_null':
        return zh ? `${f} 不为空` : `${f} is not empty`;
      default:
        return '…';
    }
  };
  return { 'zh-CN': describe(c, 'zh-CN', 1, false), en: describe(c, 'en', 1, false) };
}
