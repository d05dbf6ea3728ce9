import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { runRules, RuleError, type EngineColumn, type RuleInput } from '../../src/modules/quality/engine.js';

/**
 * The rule engine on a 20-row table with planted defects: every rule's failing count is known
 * from how the rows were made, and so are the keys of the failing samples.
 */

let db: TestDatabase;
let codeTableId: string;
const VIEW = 'public."q_fixture"';
const COLUMNS: EngineColumn[] = [
  { code: 'id', pgType: 'text', key: true },
  { code: 'name', pgType: 'text', key: false },
  { code: 'email', pgType: 'text', key: false },
  { code: 'region', pgType: 'text', key: false },
  { code: 'capital', pgType: 'numeric(14,2)', key: false },
  { code: 'sex', pgType: 'text', key: false },
];

const pad = (i: number) => `K${String(i).padStart(2, '0')}`;
function row(i: number): (string | number | null)[] {
  const name = i <= 2 ? null : i === 3 ? '  ' : i <= 5 ? '很长的企业名称超过十个字符啊' : `企业${i}`;
  const email =
    i >= 6 && i <= 8
      ? 'bad-email'
      : i === 9 || i === 10
        ? null
        : i === 11 || i === 12
          ? 'dup@x.cn'
          : i === 13 || i === 14
            ? 'dup2@x.cn'
            : `u${i}@x.cn`;
  const region = i >= 15 && i <= 18 ? '999999' : i === 19 ? null : i % 2 === 0 ? '440106' : '440304';
  const capital = i === 2 || i === 3 ? -5 : i === 4 ? 2_000_000 : i === 5 ? null : i * 100;
  const sex = i === 7 ? '9' : i === 8 ? null : i % 2 === 0 ? '2' : '1';
  return [pad(i), name, email, region, capital, sex];
}

beforeAll(async () => {
  db = await testDatabase();
  await db.pool.query(
    `CREATE TABLE ${VIEW} (id text PRIMARY KEY, name text, email text, region text, capital numeric(14,2), sex text)`,
  );
  for (let i = 1; i <= 20; i++) {
    await db.pool.query(`INSERT INTO ${VIEW} VALUES ($1, $2, $3, $4, $5, $6)`, row(i));
  }
  const { rows } = await db.pool.query<{ id: string }>(
    `INSERT INTO datong.code_tables (identifier, name, version) VALUES ('TEST-REGION', '测试区划', '1') RETURNING id`,
  );
  codeTableId = rows[0]!.id;
  await db.pool.query(
    `INSERT INTO datong.code_table_values (table_id, code, label) VALUES ($1, '440106', '天河区'), ($1, '440304', '福田区')`,
    [codeTableId],
  );
}, 60_000);

afterAll(async () => {
  await db?.drop();
});

const RULES = (): RuleInput[] => [
  { id: 'name-present', spec: { kind: 'not_null', field: 'name' } },
  { id: 'name-length', spec: { kind: 'max_length', field: 'name', max: 10 } },
  { id: 'email-pattern', spec: { kind: 'pattern', field: 'email', pattern: '^[^@ ]+@[^@ ]+$' } },
  { id: 'email-unique', spec: { kind: 'unique', fields: ['email'] } },
  { id: 'region-code', spec: { kind: 'code_table', field: 'region', codeTableId } },
  { id: 'capital-range', spec: { kind: 'range', field: 'capital', min: '0', max: '1000000' } },
  {
    id: 'sex-known',
    spec: {
      kind: 'expression',
      condition: {
        or: [
          { field: 'sex', op: 'eq', value: '1' },
          { field: 'sex', op: 'eq', value: '2' },
        ],
      },
    },
  },
];

describe('the rule engine', () => {
  it('counts exactly the planted defects of every rule, in one scan plus one grouping', async () => {
    const { rows, results } = await runRules(db.pool, VIEW, COLUMNS, RULES(), { samples: 10 });
    expect(rows).toBe(20);
    const failing = Object.fromEntries(results.map((r) => [r.id, r.failing]));
    expect(failing).toEqual({
      'name-present': 3, // K01, K02 null; K03 blank
      'name-length': 2, // K04, K05 (NULLs are completeness, not validity)
      'email-pattern': 3, // K06–K08
      'email-unique': 7, // bad-email ×3, dup@x.cn ×2, dup2@x.cn ×2 (NULLs skipped)
      'region-code': 4, // K15–K18; K19 NULL skipped
      'capital-range': 3, // K02, K03 below, K04 above; K05 NULL skipped
      'sex-known': 2, // K07 '9', K08 NULL
    });
    expect(results.every((r) => r.checked === 20)).toBe(true);
    expect(Object.fromEntries(results.map((r) => [r.id, r.dimension]))).toMatchObject({
      'name-present': 'completeness',
      'email-pattern': 'validity',
      'email-unique': 'uniqueness',
      'sex-known': 'consistency',
    });
  });

  it('gives the failing rows, in key order, with their keys and the rule’s fields', async () => {
    const { results } = await runRules(db.pool, VIEW, COLUMNS, RULES(), { samples: 2 });
    const sample = (id: string) => results.find((r) => r.id === id)!.samples;
    expect(sample('name-present')).toEqual([
      { id: 'K01', name: null },
      { id: 'K02', name: null },
    ]);
    expect(sample('region-code')).toEqual([
      { id: 'K15', region: '999999' },
      { id: 'K16', region: '999999' },
    ]);
    expect(sample('email-unique')).toEqual([
      { id: 'K06', email: 'bad-email' },
      { id: 'K07', email: 'bad-email' },
    ]);
    expect(sample('capital-range').map((r) => r.id)).toEqual(['K02', 'K03']);
  });

  it('binds hostile values and refuses unknown fields and unsafe patterns', async () => {
    const hostile = "x'); DROP TABLE public.q_fixture; --";
    const { results } = await runRules(db.pool, VIEW, COLUMNS, [
      {
        id: 'hostile',
        spec: { kind: 'expression', condition: { field: 'name', op: 'eq', value: hostile } },
      },
    ]);
    expect(results[0]!.failing).toBe(20); // no name is that text: a value, never SQL
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM ${VIEW}`)).rows[0].n).toBe(20);
    await expect(
      runRules(db.pool, VIEW, COLUMNS, [{ id: 'r', spec: { kind: 'not_null', field: 'nope"; --' } }]),
    ).rejects.toThrow(RuleError);
    await expect(
      runRules(db.pool, VIEW, COLUMNS, [
        { id: 'r', spec: { kind: 'pattern', field: 'email', pattern: '(a+)+$' } },
      ]),
    ).rejects.toThrow(RuleError);
  });
});
