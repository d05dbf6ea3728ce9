import Fastify, { type FastifyInstance } from 'fastify';
import ajvFormats from 'ajv-formats';
import { Type, type Static } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConditionSchema,
  FILTER_LIMITS,
  FilterError,
  asFilterError,
  combine,
  compileFilter,
  conditionSchema,
  describeFilter,
  escapeLike,
  type Condition,
} from '../../src/modules/sharing/filter.js';
import { AppError, problemBody } from '../../src/platform/http/errors.js';
import { registerErrorHandling } from '../../src/platform/http/problems.js';
import { testDatabase, type TestDatabase } from '../support/db.js';

// ---------------------------------------------------------------------------------------------
// The table: one column per kind, a column whose name holds a quote, one the caller may not see.

const ALL = new Map<string, { pgType: string }>([
  ['id', { pgType: 'bigint' }],
  ['name', { pgType: 'text' }],
  ['region', { pgType: 'text' }],
  ['n', { pgType: 'bigint' }],
  ['amount', { pgType: 'numeric(12, 2)' }],
  ['born', { pgType: 'date' }],
  ['at', { pgType: 'timestamptz' }],
  ['flag', { pgType: 'boolean' }],
  ['doc', { pgType: 'jsonb' }],
  ['we"ird', { pgType: 'text' }],
  ['secret', { pgType: 'text' }],
]);
/** The caller's whitelist: the granted fields (no `secret`). */
const CALLER = new Map([...ALL].filter(([k]) => k !== 'secret'));

const LONG = '\' OR 1=1 --%_\\"'.repeat(100).slice(0, 1000);

type Row = [
  number,
  string | null,
  string | null,
  number | null,
  string | null,
  string | null,
  string | null,
  boolean | null,
  string | null,
  string | null,
  string | null,
];
// id, name, region, n, amount, born, at, flag, doc, we"ird, secret
const ROWS: Row[] = [
  [1, '张三', '440106', 10, '12.50', '1990-01-15', '2024-03-01T08:00:00+08:00', true, '{"a":1}', 'q', 's1'],
  [
    2,
    "' OR 1=1 --",
    '440103',
    -5,
    '0.01',
    '2000-02-29',
    '2024-03-01T00:00:00Z',
    false,
    '{"a":2}',
    'x"y',
    'hidden',
  ],
  [3, '100%', '440300', 0, '99999.99', '2020-01-01', null, null, null, null, 's3'],
  [4, '%', '4401', null, null, null, '2023-12-31T23:59:59+08:00', true, '[1,2]', 'q', null],
  [5, '_', null, 7, '7.00', '2024-02-29', '2024-02-29T12:00:00+08:00', false, 'null', '', 's5'],
  [
    6,
    'a_b',
    '440104',
    100,
    '-3.25',
    '1985-06-01',
    '1987-07-01T10:00:00+09:00',
    true,
    '{"b":[1]}',
    null,
    's6',
  ],
  [
    7,
    'axb',
    '440105',
    9007199254740991,
    '0.00',
    '2024-03-01',
    '2024-03-01T00:00:00+08:00',
    null,
    null,
    'q',
    'hidden',
  ],
  [8, 'a\\b', '440111', 3, '1.10', '1999-12-31', '2000-01-01T00:00:00+08:00', false, '"s"', 'r', 's8'],
  [9, 'a%b', '110101', 4, '2.20', '1970-01-01', '1970-01-01T00:00:00Z', true, '{}', 'q', 's9'],
  [10, null, '110102', 5, '3.30', '2001-09-09', '2001-09-09T09:46:40+08:00', true, '1', 'r', 's10'],
  [11, 'NULL', '440106', 6, '4.40', '2010-10-10', '2010-10-10T10:10:10+08:00', false, '{"a":1}', 'q', 's11'],
  [12, '\\%', '440107', -1, '5.55', '2015-05-05', '2015-05-05T05:05:05+08:00', true, 'true', null, 's12'],
  [13, LONG, '440108', 2, '6.66', '2016-06-16', '2016-06-16T16:16:16+08:00', false, '{"a":3}', 'q', 's13'],
  [14, 'a"b', '440109', 1, '7.77', '2017-07-17', '2017-07-17T17:17:17+08:00', null, '{"a":1}', 'x"y', 's14'],
  [15, "O'Brien", '4401', 8, '8.88', '2018-08-18', '2018-08-18T18:18:18+08:00', true, '{"a":1}', 'q', 's15'],
  [16, '', '440199', 9, '9.99', '2019-09-19', '2019-09-19T19:19:19+08:00', false, '{"a":4}', 'q', 's16'],
];

let db: TestDatabase;

async function ids(where: string, params: unknown[]): Promise<number[]> {
  const r = await db.pool.query<{ id: number }>(`SELECT id FROM ft WHERE ${where} ORDER BY id`, params);
  return r.rows.map((x) => Number(x.id));
}

/** Compiles c against `columns` and runs it: the ids of the matching rows. */
async function run(
  c: Condition,
  columns: ReadonlyMap<string, { pgType: string }> = CALLER,
  context: Record<string, string> = {},
): Promise<number[]> {
  const params: unknown[] = [];
  const sql = compileFilter(c, columns, params, context);
  return ids(sql, params);
}

const compileErr = (
  c: unknown,
  columns: ReadonlyMap<string, { pgType: string }> = CALLER,
  context: Record<string, string> = {},
): FilterError => {
  try {
    compileFilter(c as Condition, columns, [], context);
  } catch (e) {
    expect(e).toBeInstanceOf(FilterError);
    return e as FilterError;
  }
  throw new Error(`compiled: ${JSON.stringify(c).slice(0, 200)}`);
};

beforeAll(async () => {
  db = await testDatabase();
  await db.pool.query(`CREATE TABLE ft (
    id bigint PRIMARY KEY, name text, region text, n bigint, amount numeric(12, 2), born date,
    at timestamptz, flag boolean, doc jsonb, "we""ird" text, secret text)`);
  for (const r of ROWS) {
    await db.pool.query(`INSERT INTO ft VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, r);
  }
  // A canary: hostile SQL reaching the server as text would drop it.
  await db.pool.query('CREATE TABLE canary (x int)');
});

afterAll(async () => {
  const r = await db.pool.query(`SELECT count(*)::int AS n FROM ft`);
  expect(r.rows[0].n).toBe(ROWS.length);
  await db.pool.query('SELECT 1 FROM canary');
  await db.drop();
});

// ---------------------------------------------------------------------------------------------

describe('SQL text and parameters', () => {
  it('quotes identifiers, binds every value with a cast and numbers after existing params', () => {
    const params: unknown[] = ['before'];
    const sql = compileFilter({ field: 'name', op: 'eq', value: 'x' }, CALLER, params, {});
    expect(sql).toBe('"name" = $2::text');
    expect(params).toEqual(['before', 'x']);
  });

  it('compiles each op', () => {
    const c = (cond: Condition, context: Record<string, string> = {}) => {
      const params: unknown[] = [];
      return { sql: compileFilter(cond, CALLER, params, context), params };
    };
    expect(c({ field: 'n', op: 'ne', value: '+007' })).toEqual({
      sql: '"n" IS DISTINCT FROM $1::bigint',
      params: ['7'],
    });
    expect(c({ field: 'born', op: 'in', values: ['2024/03/01', '20240229'] })).toEqual({
      sql: '"born" = ANY($1::date[])',
      params: [['2024-03-01', '2024-02-29']],
    });
    expect(c({ field: 'amount', op: 'range', gte: '1.5E1', lt: '1.005' })).toEqual({
      // numeric(12, 2) casts as plain numeric: 1.005 is not rounded to 1.01.
      sql: '("amount" >= $1::numeric AND "amount" < $2::numeric)',
      params: ['15', '1.005'],
    });
    expect(c({ field: 'at', op: 'range', lte: '2024-03-01 10:00:00' })).toEqual({
      sql: '"at" <= $1::timestamptz',
      params: ['2024-03-01T10:00:00+08:00'],
    });
    expect(
      c({ field: 'region', op: 'prefix', value: '$consumer.regionCode' }, { regionCode: '44_0%1\\' }),
    ).toEqual({
      sql: `"region" LIKE ($1::text || '%') ESCAPE '\\'`,
      params: ['44\\_0\\%1\\\\'],
    });
    expect(c({ field: 'n', op: 'prefix', value: '9' }).sql).toBe(
      `"n"::text LIKE ($1::text || '%') ESCAPE '\\'`,
    );
    expect(c({ field: 'flag', op: 'eq', value: '是' })).toEqual({
      sql: '"flag" = $1::boolean',
      params: ['true'],
    });
    expect(c({ field: 'doc', op: 'is_null' })).toEqual({ sql: '"doc" IS NULL', params: [] });
    expect(c({ field: 'doc', op: 'not_null' })).toEqual({ sql: '"doc" IS NOT NULL', params: [] });
    expect(c({ field: 'we"ird', op: 'eq', value: 'q' }).sql).toBe('"we""ird" = $1::text');
    expect(
      c({
        or: [
          {
            and: [
              { field: 'name', op: 'eq', value: 'a' },
              { field: 'n', op: 'eq', value: '1' },
            ],
          },
          { not: { field: 'flag', op: 'eq', value: 'true' } },
        ],
      }),
    ).toEqual({
      sql: '(("name" = $1::text AND "n" = $2::bigint) OR (("flag" = $3::boolean) IS NOT TRUE))',
      params: ['a', '1', 'true'],
    });
  });

  it('adds nothing to params when it fails', () => {
    const params: unknown[] = ['keep'];
    expect(() =>
      compileFilter(
        {
          and: [
            { field: 'name', op: 'eq', value: 'x' },
            { field: 'born', op: 'eq', value: 'bad' },
          ],
        },
        CALLER,
        params,
        {},
      ),
    ).toThrow(FilterError);
    expect(params).toEqual(['keep']);
  });

  it('escapeLike escapes exactly backslash, percent and underscore', () => {
    expect(escapeLike('a%b_c\\d*e?')).toBe('a\\%b\\_c\\\\d*e?');
  });

  it('combine puts the grant outside the caller and handles empty sides', () => {
    expect(combine('"a" = $1::text', '"b" = $2::text OR TRUE')).toBe(
      '("a" = $1::text) AND ("b" = $2::text OR TRUE)',
    );
    expect(combine('', 'x')).toBe('(x)');
    expect(combine('g', null)).toBe('(g)');
    expect(combine(undefined, '  ')).toBe('TRUE');
  });
});

describe('every op, run against PostgreSQL', () => {
  it('eq and ne (ne matches NULLs)', async () => {
    expect(await run({ field: 'name', op: 'eq', value: '张三' })).toEqual([1]);
    expect(await run({ field: 'name', op: 'eq', value: '' })).toEqual([16]);
    expect(await run({ field: 'name', op: 'eq', value: 'NULL' })).toEqual([11]);
    expect(await run({ field: 'n', op: 'eq', value: '9007199254740991' })).toEqual([7]);
    expect(await run({ field: 'n', op: 'eq', value: '10.0' })).toEqual([1]);
    expect(await run({ field: 'amount', op: 'eq', value: '12.5' })).toEqual([1]);
    expect(await run({ field: 'born', op: 'eq', value: '2000/02/29' })).toEqual([2]);
    expect(await run({ field: 'at', op: 'eq', value: '2024-03-01T00:00:00Z' })).toEqual([1, 2]);
    expect(await run({ field: 'at', op: 'eq', value: '2024-03-01' })).toEqual([7]);
    // Zone-less: Asia/Shanghai, as the aggregation reads it.
    expect(await run({ field: 'at', op: 'eq', value: '2024-03-01 08:00:00' })).toEqual([1, 2]);
    expect(await run({ field: 'flag', op: 'eq', value: 'N' })).toEqual([2, 5, 8, 11, 13, 16]);
    expect(await run({ field: 'doc', op: 'eq', value: '{ "a" : 1 }' })).toEqual([1, 11, 14, 15]);
    expect(await run({ field: 'we"ird', op: 'eq', value: 'x"y' })).toEqual([2, 14]);
    // ne: every row but 张三, the NULL name (10) included.
    expect(await run({ field: 'name', op: 'ne', value: '张三' })).toEqual(
      ROWS.map((r) => r[0]).filter((i) => i !== 1),
    );
    expect(await run({ field: 'flag', op: 'ne', value: 'true' })).toEqual([2, 3, 5, 7, 8, 11, 13, 14, 16]);
  });

  it('in', async () => {
    expect(
      await run({ field: 'name', op: 'in', values: ['%', '_', 'NULL', '{', 'a"b', 'a\\b', "O'Brien"] }),
    ).toEqual([4, 5, 8, 11, 14, 15]);
    expect(await run({ field: 'n', op: 'in', values: ['-5', '0', '100'] })).toEqual([2, 3, 6]);
    expect(await run({ field: 'amount', op: 'in', values: ['0', '7'] })).toEqual([5, 7]);
    expect(await run({ field: 'born', op: 'in', values: ['1970-01-01', '20240301'] })).toEqual([7, 9]);
    expect(await run({ field: 'flag', op: 'in', values: ['false'] })).toEqual([2, 5, 8, 11, 13, 16]);
    expect(await run({ field: 'doc', op: 'in', values: ['[1, 2]', '"s"'] })).toEqual([4, 8]);
    const many = Array.from({ length: FILTER_LIMITS.inValues }, (_, i) => String(i - 10));
    expect(await run({ field: 'n', op: 'in', values: many })).toEqual([
      1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ]);
  });

  it('range, one or two bounds', async () => {
    expect(await run({ field: 'n', op: 'range', gte: '5', lt: '9' })).toEqual([5, 10, 11, 15]);
    expect(await run({ field: 'n', op: 'range', gt: '5', lte: '9' })).toEqual([5, 11, 15, 16]);
    expect(await run({ field: 'amount', op: 'range', lt: '0.01' })).toEqual([6, 7]);
    expect(await run({ field: 'amount', op: 'range', gt: '12.495', lt: '12.505' })).toEqual([1]);
    expect(await run({ field: 'born', op: 'range', gte: '2024-01-01' })).toEqual([5, 7]);
    expect(
      await run({ field: 'at', op: 'range', gte: '2024-03-01', lt: '2024-03-01T09:00:00+08:00' }),
    ).toEqual([1, 2, 7]);
    // 1987-07-01 10:00 +09:00 (summer time) = 1987-07-01T01:00:00Z.
    expect(
      await run({ field: 'at', op: 'range', gte: '1987-07-01T01:00:00Z', lte: '1987-07-01T01:00:00Z' }),
    ).toEqual([6]);
    expect(await run({ field: 'region', op: 'range', gte: '4401', lt: '4402' })).toEqual([
      1, 2, 4, 6, 7, 8, 11, 12, 13, 14, 15, 16,
    ]);
  });

  it('prefix, with LIKE wildcards in the value taken literally', async () => {
    expect(await run({ field: 'region', op: 'prefix', value: '4401' })).toEqual([
      1, 2, 4, 6, 7, 8, 11, 12, 13, 14, 15, 16,
    ]);
    expect(await run({ field: 'name', op: 'prefix', value: '%' })).toEqual([4]);
    expect(await run({ field: 'name', op: 'prefix', value: '_' })).toEqual([5]);
    expect(await run({ field: 'name', op: 'prefix', value: 'a_' })).toEqual([6]);
    expect(await run({ field: 'name', op: 'prefix', value: 'a%' })).toEqual([9]);
    expect(await run({ field: 'name', op: 'prefix', value: 'a\\' })).toEqual([8]);
    expect(await run({ field: 'name', op: 'prefix', value: '\\' })).toEqual([12]);
    expect(await run({ field: 'name', op: 'prefix', value: '\\%' })).toEqual([12]);
    expect(await run({ field: 'name', op: 'prefix', value: '100%' })).toEqual([3]);
    expect(await run({ field: 'n', op: 'prefix', value: '-' })).toEqual([2, 12]);
    expect(await run({ field: 'amount', op: 'prefix', value: '12.5' })).toEqual([1]);
    expect(await run({ field: 'born', op: 'prefix', value: '2024-0' })).toEqual([5, 7]);
  });

  it('is_null and not_null', async () => {
    expect(await run({ field: 'region', op: 'is_null' })).toEqual([5]);
    expect(await run({ field: 'doc', op: 'is_null' })).toEqual([3, 7]);
    expect(await run({ field: 'flag', op: 'not_null' })).toEqual([
      1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16,
    ]);
  });

  it('and, or, not (not is the exact complement, NULLs included)', async () => {
    const all = ROWS.map((r) => r[0]);
    const eqTrue: Condition = { field: 'flag', op: 'eq', value: 'true' };
    const yes = await run(eqTrue);
    expect(yes).toEqual([1, 4, 6, 9, 10, 12, 15]);
    expect(await run({ not: eqTrue })).toEqual(all.filter((i) => !yes.includes(i)));
    expect(await run({ not: { not: eqTrue } })).toEqual(yes);
    expect(await run({ not: { field: 'name', op: 'eq', value: '张三' } })).toEqual(
      await run({ field: 'name', op: 'ne', value: '张三' }),
    );
    expect(
      await run({
        and: [
          { field: 'region', op: 'prefix', value: '4401' },
          { or: [eqTrue, { field: 'n', op: 'range', lt: '0' }] },
        ],
      }),
    ).toEqual([1, 2, 4, 6, 12, 15]);
  });

  it('resolves $consumer values from the context', async () => {
    expect(
      await run({ field: 'region', op: 'prefix', value: '$consumer.regionCode' }, CALLER, {
        regionCode: '1101',
      }),
    ).toEqual([9, 10]);
    expect(
      await run({ field: 'secret', op: 'in', values: ['$consumer.orgId', 's1'] }, ALL, { orgId: 'hidden' }),
    ).toEqual([1, 2, 7]);
    // A resolved value is checked like a literal one.
    expect(
      compileErr({ field: 'n', op: 'eq', value: '$consumer.regionCode' }, CALLER, { regionCode: '44xx' }).text
        .en,
    ).toMatch(/integer/);
    for (const ref of [
      '$consumer.nope',
      '$consumer.constructor',
      '$consumer.__proto__',
      '$consumer.',
      '$consumer.a.b',
    ]) {
      const e = compileErr({ field: 'region', op: 'prefix', value: ref }, CALLER, { regionCode: '4401' });
      expect(e.message).toMatch(/unknown consumer property/);
    }
    // An empty context value would make a prefix match every row.
    expect(
      compileErr({ field: 'region', op: 'prefix', value: '$consumer.regionCode' }, CALLER, { regionCode: '' })
        .message,
    ).toMatch(/is empty/);
  });
});

describe('hostile input', () => {
  it('field names outside the whitelist are FilterErrors, never SQL', async () => {
    const hostile = [
      '"; DROP TABLE canary; --',
      'a" OR "1"="1',
      'name" OR "1"="1',
      '“name”',
      '＂name＂',
      'name\u200b',
      'NAME',
      ' name',
      'name\u0000',
      '__proto__',
      'constructor',
      'toString',
      'ft.name',
      'secret', // a real column, but not granted
      '',
      'x'.repeat(100_000),
    ];
    for (const field of hostile) {
      for (const cond of [
        { field, op: 'eq', value: '1' },
        { field, op: 'is_null' },
        { or: [{ field: 'name', op: 'is_null' }, { not: { field, op: 'in', values: ['1'] } }] },
      ]) {
        const e = compileErr(cond);
        expect(e).toBeInstanceOf(AppError);
        expect(e.status).toBe(400);
        expect(e.code).toBe('filter_invalid');
        expect(e.message.length).toBeLessThan(300);
      }
    }
    const e = compileErr({ field: 'secret', op: 'eq', value: 'x' });
    expect(e.text['zh-CN']).toContain('未知字段');
    const body = problemBody(e, 'zh-CN', '/x', 'r1');
    expect(body.title).toBe('查询条件无效（/）：未知字段“secret”');
    expect(problemBody(e, 'en', '/x', 'r1').title).toBe('Invalid condition at /: unknown field "secret"');
    // The same column is fine in the grant's filter, which may use every column.
    expect(await run({ field: 'secret', op: 'eq', value: 'hidden' }, ALL)).toEqual([2, 7]);
  });

  it('hostile values are literal', async () => {
    expect(await run({ field: 'name', op: 'eq', value: "' OR 1=1 --" })).toEqual([2]);
    expect(await run({ field: 'name', op: 'eq', value: "x' OR '1'='1" })).toEqual([]);
    expect(await run({ field: 'name', op: 'eq', value: '%' })).toEqual([4]);
    expect(await run({ field: 'name', op: 'eq', value: '_' })).toEqual([5]);
    expect(await run({ field: 'name', op: 'eq', value: 'a\\b' })).toEqual([8]);
    expect(await run({ field: 'name', op: 'eq', value: '"; DROP TABLE canary; --' })).toEqual([]);
    expect(await run({ field: 'name', op: 'eq', value: LONG })).toEqual([13]);
    expect(await run({ field: 'name', op: 'prefix', value: LONG.slice(0, 999) })).toEqual([13]);
    expect(await run({ field: 'name', op: 'in', values: [LONG, '{"a","b"}', 'a,b', '}'] })).toEqual([13]);
    expect(await run({ field: 'we"ird', op: 'prefix', value: 'x"' })).toEqual([2, 14]);
    // 1,000 characters is the limit in code points: 1,000 astral characters are 2,000 code units.
    expect(await run({ field: 'name', op: 'eq', value: '😀'.repeat(1000) })).toEqual([]);
  });

  it('refuses NUL and values beyond 1,000 characters', () => {
    expect(compileErr({ field: 'name', op: 'eq', value: 'a\u0000b' }).message).toMatch(/NUL/);
    expect(compileErr({ field: 'name', op: 'prefix', value: '\u0000' }).message).toMatch(/NUL/);
    expect(compileErr({ field: 'name', op: 'in', values: ['ok', 'a\u0000'] }).path).toBe('/values/1');
    expect(compileErr({ field: 'name', op: 'eq', value: 'x'.repeat(100_000) }).message).toMatch(
      /longer than 1000/,
    );
    expect(compileErr({ field: 'name', op: 'eq', value: 'x'.repeat(1001) }).message).toMatch(
      /longer than 1000/,
    );
    expect(compileErr({ field: 'doc', op: 'eq', value: '"\\u0000"' }).message).toMatch(/u0000/);
  });

  it('type errors are FilterErrors naming the field, not database errors', () => {
    const bad: [string, unknown][] = [
      ['born', '2023-02-29'],
      ['born', 'yesterday'],
      ['born', ''],
      ['born', '   '],
      ['born', "2024-01-01' OR '1'='1"],
      ['n', 'abc'],
      ['n', '1.5'],
      ['n', '99999999999999999999'],
      ['n', '1; DROP TABLE canary'],
      ['amount', 'NaN'],
      ['amount', '1,000'],
      ['amount', 'Infinity'],
      ['at', 'noon'],
      ['at', '2024-13-01T00:00:00Z'],
      ['flag', 'maybe'],
      ['doc', '{bad'],
      ['name', 5],
      ['name', null],
      ['name', ['x']],
      ['name', { toString: 'x' }],
    ];
    for (const [field, value] of bad) {
      const e = compileErr({ field, op: 'eq', value });
      expect(e.status).toBe(400);
      expect(e.path).toBe('/value');
      if (field !== 'name') expect(e.text.en).toContain(`field "{field}"`);
      if (field !== 'name') expect(e.params.field).toBe(field);
    }
    expect(compileErr({ field: 'born', op: 'range', gte: '2024-01-01', lt: 'soon' }).path).toBe('/lt');
    expect(compileErr({ field: 'born', op: 'eq', value: '2023-02-29' }).text['zh-CN']).toContain('日期');
  });

  it('ops that do not fit the column type are refused', () => {
    expect(compileErr({ field: 'flag', op: 'range', gte: 'true' }).message).toMatch(
      /does not apply to the boolean/,
    );
    expect(compileErr({ field: 'doc', op: 'range', gte: '1' }).message).toMatch(/JSON/);
    expect(compileErr({ field: 'at', op: 'prefix', value: '2024' }).message).toMatch(/date-time/);
    expect(compileErr({ field: 'flag', op: 'prefix', value: 't' }).message).toMatch(/boolean/);
  });

  it('malformed shapes are FilterErrors', () => {
    const cases: [unknown, RegExp][] = [
      [null, /must be an object/],
      ['x', /must be an object/],
      [[], /must be an object/],
      [{}, /needs field and op/],
      [{ field: 'name' }, /unknown op/],
      [{ field: 'name', op: 'like', value: '%' }, /unknown op "like"/],
      [{ field: 'name', op: 'eq' }, /needs the property "value"/],
      [{ field: 'name', op: 'eq', value: 'x', sql: '1=1' }, /takes no property "sql"/],
      [{ field: 'name', op: 'is_null', value: 'x' }, /takes no property "value"/],
      [{ field: 'name', op: 'in', values: [] }, /1–1000 values/],
      [{ field: 'name', op: 'in', values: 'x' }, /1–1000 values/],
      [{ field: 'name', op: 'range' }, /at least one bound/],
      [{ field: 'n', op: 'range', gte: '1', gt: '2' }, /at most one lower/],
      [{ field: 'n', op: 'range', lte: '1', lt: '2' }, /at most one lower/],
      [{ and: [] }, /and needs at least one/],
      [{ or: {} }, /or needs at least one/],
      [{ and: [{ field: 'name', op: 'is_null' }], field: 'name', op: 'is_null' }, /no other properties/],
      [{ and: [{ field: 'name', op: 'is_null' }], or: [] }, /no other properties/],
      [{ not: [{ field: 'name', op: 'is_null' }] }, /must be an object/],
    ];
    for (const [c, re] of cases) expect(compileErr(c).message).toMatch(re);
    expect(
      compileErr({ or: [{ field: 'name', op: 'is_null' }, { not: { field: 'x', op: 'eq', value: '1' } }] })
        .path,
    ).toBe('/or/1/not');
  });

  it('limits: depth ≤ 8, ≤ 100 conditions, in ≤ 1000 values', () => {
    const leaf: Condition = { field: 'name', op: 'is_null' };
    const nest = (depth: number): Condition => {
      let c: Condition = leaf;
      for (let i = 1; i < depth; i++) c = i % 2 ? { not: c } : { and: [c] };
      return c;
    };
    expect(() => compileFilter(nest(8), CALLER, [], {})).not.toThrow();
    expect(compileErr(nest(9)).message).toMatch(/deeper than 8/);
    // A deep nesting is refused without walking it all (no stack overflow).
    expect(compileErr(nest(200_000)).message).toMatch(/deeper than 8/);
    const list = (n: number): Condition => ({ and: Array.from({ length: n }, () => leaf) });
    expect(() => compileFilter(list(99), CALLER, [], {})).not.toThrow();
    expect(compileErr(list(100)).message).toMatch(/more than 100 conditions/);
    expect(compileErr(list(1_000_000)).message).toMatch(/more than 100 conditions/);
    const vals = (n: number) => Array.from({ length: n }, (_, i) => String(i));
    expect(() => compileFilter({ field: 'n', op: 'in', values: vals(1000) }, CALLER, [], {})).not.toThrow();
    expect(compileErr({ field: 'n', op: 'in', values: vals(1001) }).message).toMatch(/1–1000 values/);
  });

  it('asFilterError turns a PostgreSQL data exception into a 400', async () => {
    const err = await db.pool.query('SELECT $1::date', ['not a date']).catch((e: unknown) => e);
    const fe = asFilterError(err);
    expect(fe).toBeInstanceOf(FilterError);
    expect(fe?.status).toBe(400);
    expect(fe?.params.sqlstate).toBe('22007');
    const other = await db.pool.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(asFilterError(other)).toBeNull();
    expect(asFilterError(new Error('x'))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// Property: a caller's conditions, whatever they are, never return rows outside the grant.

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The rows as PostgreSQL prints them (the text prefix works on) and as comparable JS values. */
interface ModelRow {
  id: number;
  text: Record<string, string | null>;
}

const KINDS: Record<string, 'text' | 'integer' | 'decimal' | 'boolean' | 'date' | 'datetime' | 'json'> = {
  id: 'integer',
  name: 'text',
  region: 'text',
  n: 'integer',
  amount: 'decimal',
  born: 'date',
  at: 'datetime',
  flag: 'boolean',
  doc: 'json',
  'we"ird': 'text',
  secret: 'text',
};

function cmp(kind: string, a: string, b: string): number {
  switch (kind) {
    case 'integer':
    case 'decimal':
      return Number(a) - Number(b);
    case 'datetime':
      return Date.parse(a) - Date.parse(b);
    default:
      return a < b ? -1 : a > b ? 1 : 0;
  }
}

/** Two-valued model of the compiled SQL (not = IS NOT TRUE makes NULL behave as false). */
function holds(c: Condition, row: ModelRow): boolean {
  if ('and' in c) return c.and.every((x) => holds(x, row));
  if ('or' in c) return c.or.some((x) => holds(x, row));
  if ('not' in c) return !holds(c.not, row);
  const kind = KINDS[c.field] as string;
  const v = row.text[c.field] ?? null;
  switch (c.op) {
    case 'is_null':
      return v === null;
    case 'not_null':
      return v !== null;
    case 'eq':
      return v !== null && cmp(kind, v, c.value) === 0;
    case 'ne':
      return v === null || cmp(kind, v, c.value) !== 0;
    case 'in':
      return v !== null && c.values.some((x) => cmp(kind, v, x) === 0);
    case 'prefix':
      return v !== null && v.startsWith(c.value);
    case 'range':
      return (
        v !== null &&
        (c.gte === undefined || cmp(kind, v, c.gte) >= 0) &&
        (c.gt === undefined || cmp(kind, v, c.gt) > 0) &&
        (c.lte === undefined || cmp(kind, v, c.lte) <= 0) &&
        (c.lt === undefined || cmp(kind, v, c.lt) < 0)
      );
  }
}

describe('a caller cannot escape the grant', () => {
  let model: ModelRow[];

  beforeAll(async () => {
    const cols = [...ALL.keys()];
    const r = await db.pool.query(
      `SELECT ${cols
        .map((c, i) =>
          c === 'at'
            ? `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS c${i}`
            : `"${c.replace(/"/g, '""')}"::text AS c${i}`,
        )
        .join(', ')} FROM ft ORDER BY id`,
    );
    model = r.rows.map((row: Record<string, string | null>) => ({
      id: Number(row.c0),
      text: Object.fromEntries(cols.map((c, i) => [c, row[`c${i}`] ?? null])),
    }));
  });

  const grant: Condition = {
    and: [
      { field: 'region', op: 'prefix', value: '$consumer.regionCode' },
      { not: { field: 'secret', op: 'eq', value: 'hidden' } },
    ],
  };
  const context = { regionCode: '4401' };

  it('the grant alone', async () => {
    expect(await run(grant, ALL, context)).toEqual([1, 4, 6, 8, 11, 12, 13, 14, 15, 16]);
    expect(describeFilter(grant, { region: '户籍地行政区划代码', secret: '密级' })).toEqual({
      'zh-CN': '户籍地行政区划代码 以 申请方行政区划代码 开头 且 非（密级 等于 hidden）',
      en: "户籍地行政区划代码 starts with the consumer's region code and not (密级 is hidden)",
    });
  });

  it('random caller conditions (or, not, and) ANDed with the grant stay inside it', async () => {
    const rand = prng(20240601);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const fields = [...CALLER.keys()].filter((f) => f !== 'doc');
    const sample = (field: string): string => {
      const kind = KINDS[field] as string;
      const seen = model
        .map((r) => r.text[field])
        .filter((x): x is string => typeof x === 'string' && x.length <= 1000);
      const v = seen.length && rand() < 0.8 ? pick(seen) : '';
      switch (kind) {
        case 'integer':
          return rand() < 0.7 && v ? v : String(Math.floor(rand() * 40) - 10);
        case 'decimal':
          return rand() < 0.7 && v ? v : (rand() * 20 - 5).toFixed(3);
        case 'boolean':
          return pick(['true', 'false']);
        case 'date':
          return rand() < 0.7 && v
            ? v
            : `${1980 + Math.floor(rand() * 45)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`;
        case 'datetime':
          return v && rand() < 0.7
            ? v
            : new Date(Date.UTC(1985 + Math.floor(rand() * 40), 0, 1)).toISOString();
        default:
          return rand() < 0.15 ? pick(["' OR 1=1 --", '%', '_', '\\', '"', '']) : v;
      }
    };
    const leafOf = (): Condition => {
      const field = pick(fields);
      const kind = KINDS[field] as string;
      const ops = ['eq', 'ne', 'in', 'is_null', 'not_null'];
      // Text ranges follow the database's collation, which the model does not know.
      if (kind !== 'boolean' && kind !== 'text') ops.push('range');
      if (kind === 'text' || kind === 'integer' || kind === 'date') ops.push('prefix');
      const op = pick(ops);
      switch (op) {
        case 'eq':
        case 'ne':
          return { field, op, value: sample(field) };
        case 'in':
          return {
            field,
            op,
            values: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => sample(field)),
          };
        case 'prefix': {
          const v = sample(field);
          return { field, op, value: v.slice(0, Math.floor(rand() * (v.length + 1))) };
        }
        case 'range': {
          const c: Condition = { field, op: 'range' };
          const lo = rand();
          if (lo < 0.4) c.gte = sample(field);
          else if (lo < 0.7) c.gt = sample(field);
          const hi = rand();
          if (hi < 0.4 || (c.gte === undefined && c.gt === undefined)) c.lte = sample(field);
          else if (hi < 0.7) c.lt = sample(field);
          return c;
        }
        default:
          return { field, op: op as 'is_null' | 'not_null' };
      }
    };
    let budget = 0;
    const gen = (depth: number): Condition => {
      budget++;
      const r = rand();
      if (depth >= 5 || budget > 60 || r < 0.35) return leafOf();
      if (r < 0.55) return { not: gen(depth + 1) };
      const list = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => gen(depth + 1));
      return r < 0.8 ? { or: list } : { and: list };
    };

    const grantIds = await run(grant, ALL, context);
    let partial = 0;
    const client = await db.pool.connect();
    try {
      for (let i = 0; i < 400; i++) {
        budget = 0;
        // Often an `or` with a `not` in it: the shape that would widen a naive OR-joined filter.
        const caller: Condition = i % 2 ? { or: [gen(1), { not: gen(2) }] } : gen(1);
        const params: unknown[] = [];
        const g = compileFilter(grant, ALL, params, context);
        const c = compileFilter(caller, CALLER, params, {});
        const combined = (
          await client.query(`SELECT id FROM ft WHERE ${combine(g, c)} ORDER BY id`, params)
        ).rows.map((x: { id: number }) => Number(x.id));
        for (const id of combined) expect(grantIds, JSON.stringify(caller)).toContain(id);
        if (combined.length > 0 && combined.length < grantIds.length) partial++;
        const callerParams: unknown[] = [];
        const callerOnly = (
          await client.query(
            `SELECT id FROM ft WHERE ${compileFilter(caller, CALLER, callerParams, {})} ORDER BY id`,
            callerParams,
          )
        ).rows.map((x: { id: number }) => Number(x.id));
        expect(combined).toEqual(grantIds.filter((id) => callerOnly.includes(id)));
        // And the SQL means what the model says.
        expect(callerOnly, JSON.stringify(caller)).toEqual(
          model.filter((r) => holds(caller, r)).map((r) => r.id),
        );
      }
    } finally {
      client.release();
    }
    // The conditions are not trivially all or nothing.
    expect(partial).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------------

describe('ConditionSchema in a route', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    // The node's Ajv options (src/platform/http/app.ts) and its error handling.
    app = Fastify({
      ajv: {
        customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
        plugins: [(ajvFormats.default ?? ajvFormats) as never],
      },
    });
    app.decorate('datong', { config: { bodyLimit: 4 << 20, webDist: '/nonexistent' } } as never);
    registerErrorHandling(app);
    const Body = Type.Object(
      { where: ConditionSchema, also: Type.Optional(conditionSchema('OtherCondition')) },
      { additionalProperties: false },
    );
    app.post('/q', { schema: { body: Body }, bodyLimit: 4 << 20 }, async (req) => {
      const body = req.body as Static<typeof Body>;
      const params: unknown[] = [];
      const g = compileFilter(grant, ALL, params, { regionCode: '4401' });
      const c = compileFilter(body.where, CALLER, params, {});
      try {
        return { ids: await ids(combine(g, c), params) };
      } catch (e) {
        throw asFilterError(e) ?? e;
      }
    });
    app.post(
      '/echo',
      { schema: { body: ConditionSchema, response: { 200: ConditionSchema } } },
      async (req) => req.body,
    );
    await app.ready();
  });
  afterAll(async () => app.close());

  const grant: Condition = { field: 'region', op: 'prefix', value: '$consumer.regionCode' };
  const post = (payload: unknown, url = '/q') =>
    app.inject({
      method: 'POST',
      url,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers: { 'content-type': 'application/json' },
    });

  it('types the body as a Condition', () => {
    const c: Static<typeof ConditionSchema> = {
      or: [{ field: 'n', op: 'in', values: ['1'] }, { not: { field: 'x', op: 'is_null' } }],
    };
    const asCondition: Condition = c;
    expect(asCondition).toBe(c);
  });

  it('accepts a valid condition and answers rows within the grant', async () => {
    const res = await post({
      where: {
        or: [{ field: 'flag', op: 'eq', value: 'true' }, { not: { field: 'n', op: 'range', gte: '0' } }],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ids: [1, 2, 4, 6, 12, 15] });
    const echo = await post({ and: [{ field: 'a', op: 'prefix', value: '44' }] }, '/echo');
    expect(echo.statusCode).toBe(200);
    expect(echo.json()).toEqual({ and: [{ field: 'a', op: 'prefix', value: '44' }] });
  });

  it('answers 400, never 500, to bad conditions', async () => {
    const deep = (n: number) => {
      let s = '{"field":"name","op":"is_null"}';
      for (let i = 1; i < n; i++) s = `{"not":${s}}`;
      return s;
    };
    const cases: [string, string][] = [
      [JSON.stringify({ where: { field: 'born', op: 'eq', value: '2023-02-29' } }), 'filter_invalid'],
      [JSON.stringify({ where: { field: 'secret', op: 'eq', value: 'hidden' } }), 'filter_invalid'],
      [JSON.stringify({ where: { field: '"; DROP TABLE canary; --', op: 'is_null' } }), 'filter_invalid'],
      [
        JSON.stringify({
          where: { and: Array.from({ length: 100 }, () => ({ field: 'n', op: 'is_null' })) },
        }),
        'filter_invalid',
      ],
      [JSON.stringify({ where: { field: 'name', op: 'eq', value: 'x', or: [] } }), 'validation'],
      [JSON.stringify({ where: { field: 'name', op: 'like', value: 'x' } }), 'validation'],
      [JSON.stringify({ where: { field: 'name', op: 'range' } }), 'validation'],
      [JSON.stringify({ where: { field: 'name', op: 'eq', value: 'x'.repeat(1001) } }), 'validation'],
      [JSON.stringify({ where: { field: 'n', op: 'in', values: [] } }), 'validation'],
      [JSON.stringify({ where: { and: [] } }), 'validation'],
      [`{"where":${deep(8)}}`, 'ok'],
      [`{"where":${deep(9)}}`, 'validation'],
      [`{"where":${deep(100_000)}}`, 'validation'],
    ];
    for (const [payload, code] of cases) {
      const res = await post(payload);
      if (code === 'ok') {
        expect(res.statusCode).toBe(200);
        continue;
      }
      expect(res.statusCode, payload.slice(0, 200)).toBe(400);
      expect(res.json().code).toBe(code);
    }
    const res = await post({ where: { field: 'at', op: 'eq', value: 'noon' } });
    expect(res.json().title).toContain('“at”');
  });
});

describe('describeFilter', () => {
  const names = new Map([
    ['hjd', '户籍地行政区划代码'],
    ['n', '人数'],
  ]);
  it('describes for the console', () => {
    expect(describeFilter({ field: 'hjd', op: 'prefix', value: '4401' }, names)).toEqual({
      'zh-CN': '户籍地行政区划代码 以 4401 开头',
      en: '户籍地行政区划代码 starts with 4401',
    });
    expect(
      describeFilter(
        {
          or: [
            {
              and: [
                { field: 'n', op: 'range', gte: '1', lt: '10' },
                { field: 'x', op: 'is_null' },
              ],
            },
            { field: 'n', op: 'in', values: ['1', '2', '3', '4', '5', '6'] },
            { not: { field: 'hjd', op: 'eq', value: 'a b' } },
          ],
        },
        names,
      ),
    ).toEqual({
      'zh-CN':
        '（人数 ≥ 1 且 < 10 且 x 为空） 或 人数 为 1、2、3、4、5 等 6 个值 之一 或 非（户籍地行政区划代码 等于 “a b”）',
      en: '(人数 ≥ 1 and < 10 and x is empty) or 人数 is one of 1, 2, 3, 4, 5 (6 values) or not (户籍地行政区划代码 is “a b”)',
    });
    expect(describeFilter({ field: 'n', op: 'not_null' }, { n: 'N' }).en).toBe('N is not empty');
    expect(describeFilter({ field: 'n', op: 'ne', value: '$consumer.orgId' }, {})['zh-CN']).toBe(
      'n 不等于 申请方机构',
    );
  });
});
