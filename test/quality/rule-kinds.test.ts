import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import {
  checkRule,
  runRules,
  RuleError,
  type EngineColumn,
  type RuleInput,
} from '../../src/modules/quality/engine.js';
import { timelinessOf } from '../../src/modules/quality/timeliness.js';
import { idNumberWithCheck, usccWithCheck } from '../../src/platform/validators/index.js';

/**
 * The rule kinds beyond the first engine's — validator, id_consistency, referential, accuracy,
 * timeliness — on a 12-row table with planted defects: exact failing counts and samples.
 */

let db: TestDatabase;
const PEOPLE = 'public."q_people"';
const ORGS = 'public."q_orgs"';
const TODAY = '2024-06-15';

const COLUMNS: EngineColumn[] = [
  { code: 'id', pgType: 'text', key: true },
  { code: 'idno', pgType: 'text', key: false },
  { code: 'birth', pgType: 'date', key: false },
  { code: 'birth_text', pgType: 'text', key: false },
  { code: 'sex', pgType: 'text', key: false },
  { code: 'uscc', pgType: 'text', key: false },
  { code: 'mobile', pgType: 'text', key: false },
  { code: 'email', pgType: 'text', key: false },
  { code: 'region', pgType: 'text', key: false },
  { code: 'org', pgType: 'text', key: false },
  { code: 'org_name', pgType: 'text', key: false },
];
const ORG_COLUMNS: EngineColumn[] = [
  { code: 'code', pgType: 'text', key: true },
  { code: 'name', pgType: 'text', key: false },
];

const id = (birth: string, seq: string) => idNumberWithCheck(`440106${birth}${seq}`);
const flip = (v: string) => v.slice(0, 17) + (v[17] === '1' ? '2' : '1');
const goodUscc = usccWithCheck('91440101MA59ABCDE');

type Row = Record<string, string | null>;
const base = (n: number): Row => ({
  id: `P${String(n).padStart(2, '0')}`,
  idno: id('19900307', '121'),
  birth: '1990-03-07',
  birth_text: null,
  sex: '1',
  uscc: goodUscc,
  mobile: `1381234560${n % 10}`,
  email: `u${n}@x.cn`,
  region: '440106',
  org: n <= 4 || n === 12 ? 'O1' : n <= 8 ? 'O2' : n === 9 ? 'O3' : n === 10 ? 'O4' : null,
  org_name: null,
});
const ROWS: Row[] = [
  { ...base(1), birth_text: '1990-03-07', uscc: goodUscc.toLowerCase(), org_name: ' alpha  CO' },
  { ...base(2), idno: flip(id('19900307', '121')), org_name: 'Alpha Co' },
  { ...base(3), idno: id('19900230', '121'), mobile: '12345', org_name: 'Alpha Inc' },
  { ...base(4), idno: null, mobile: '+86 138 1234 5678' },
  { ...base(5), idno: '', email: 'bad@', org_name: 'beta' },
  {
    ...base(6),
    idno: id('19850101', '131'),
    birth: '1985-01-02',
    email: 'x@例子.中国',
    org_name: 'Beta Ltd',
  },
  { ...base(7), birth: null, region: '999999', org_name: 'BETA' },
  { ...base(8), idno: id('19900307', '122'), region: null, org_name: 'Gamma' },
  { ...base(9), sex: '9' },
  { ...base(10), birth_text: '19900307' },
  { ...base(11), birth_text: '1990-03-08' },
  {
    ...base(12),
    uscc: flip(goodUscc).replace(/.$/, goodUscc.endsWith('0') ? '1' : '0'),
    org_name: 'Alpha Co',
  },
];

const datasets = new Map([['00000000-0000-4000-8000-00000000000a', { view: ORGS, columns: ORG_COLUMNS }]]);
const ORG_ENTRY = '00000000-0000-4000-8000-00000000000a';

beforeAll(async () => {
  db = await testDatabase();
  await db.pool.query(
    `CREATE TABLE ${PEOPLE} (${COLUMNS.map((c) => `"${c.code}" ${c.pgType}`).join(', ')}, PRIMARY KEY (id))`,
  );
  for (const r of ROWS) {
    const codes = COLUMNS.map((c) => c.code);
    await db.pool.query(
      `INSERT INTO ${PEOPLE} (${codes.map((c) => `"${c}"`).join(', ')}) VALUES (${codes.map((_, i) => `$${i + 1}`).join(', ')})`,
      codes.map((c) => r[c]),
    );
  }
  await db.pool.query(`CREATE TABLE ${ORGS} (code text PRIMARY KEY, name text)`);
  await db.pool.query(`INSERT INTO ${ORGS} VALUES ('O1', 'Alpha Co'), ('O2', 'Ｂｅｔａ')`);
}, 60_000);
afterAll(async () => db?.drop());

const RULES: RuleInput[] = [
  { id: 'id-valid', spec: { kind: 'validator', field: 'idno', validator: 'id_number' } },
  { id: 'uscc-valid', spec: { kind: 'validator', field: 'uscc', validator: 'uscc' } },
  { id: 'mobile-valid', spec: { kind: 'validator', field: 'mobile', validator: 'mobile' } },
  { id: 'email-valid', spec: { kind: 'validator', field: 'email', validator: 'email' } },
  { id: 'region-valid', spec: { kind: 'validator', field: 'region', validator: 'region_code' } },
  {
    id: 'id-agrees',
    spec: { kind: 'id_consistency', idField: 'idno', birthField: 'birth', sexField: 'sex' },
  },
  { id: 'id-birth-text', spec: { kind: 'id_consistency', idField: 'idno', birthField: 'birth_text' } },
  { id: 'org-exists', spec: { kind: 'referential', field: 'org', entryId: ORG_ENTRY, targetField: 'code' } },
  {
    id: 'org-name-accurate',
    spec: {
      kind: 'accuracy',
      field: 'org_name',
      keyField: 'org',
      authority: { entryId: ORG_ENTRY, field: 'name', keyField: 'code' },
    },
  },
  {
    id: 'org-name-case',
    spec: {
      kind: 'accuracy',
      field: 'org_name',
      keyField: 'org',
      authority: { entryId: ORG_ENTRY, field: 'name', keyField: 'code' },
      normalise: { case: false },
    },
  },
  { id: 'on-time', spec: { kind: 'timeliness' } },
];

describe('the rule kinds on planted defects', () => {
  it('counts exactly the planted defects of every kind', async () => {
    const { rows, results } = await runRules(db.pool, PEOPLE, COLUMNS, RULES, {
      samples: 5,
      datasets,
      today: TODAY,
      timeliness: {
        lastLoadAt: new Date('2024-06-13T12:00:00Z'),
        updateCycle: 'daily',
        now: new Date('2024-06-15T12:00:00Z'),
      },
    });
    expect(rows).toBe(12);
    const got = Object.fromEntries(results.map((r) => [r.id, [r.dimension, r.checked, r.failing]]));
    expect(got).toEqual({
      'id-valid': ['validity', 12, 2], // P02 check digit, P03 1990-02-30; P04 NULL, P05 blank skipped
      'uscc-valid': ['validity', 12, 1], // P12; P01 lower case is valid
      'mobile-valid': ['validity', 12, 1], // P03; P04 +86 with spaces is valid
      'email-valid': ['validity', 12, 1], // P05; P06 an IDN domain is valid
      'region-valid': ['validity', 12, 1], // P07 999999; P08 NULL skipped
      'id-agrees': ['consistency', 12, 3], // P06 birth, P08 sex (female number), P09 sex 9
      'id-birth-text': ['consistency', 12, 1], // P11; P01 1990-03-07 and P10 19900307 agree
      'org-exists': ['consistency', 12, 2], // P09 O3, P10 O4; P11 NULL skipped
      // Compared: O1/O2 rows with a name (P01 P02 P03 P05 P06 P07 P08 P12); differing: P03 P06 P08.
      'org-name-accurate': ['accuracy', 8, 3],
      // Case kept: P01 (alpha CO), P05 (beta), P07 (BETA) differ too.
      'org-name-case': ['accuracy', 8, 6],
      'on-time': ['timeliness', 1, 1],
    });
    const res = (rid: string) => results.find((r) => r.id === rid)!;
    expect(res('on-time').score).toBe(66.67); // one day overdue of a daily cycle: 1 − 1/3
    expect(res('org-exists').samples).toEqual([
      { id: 'P09', org: 'O3' },
      { id: 'P10', org: 'O4' },
    ]);
    expect(res('id-agrees').samples.map((s) => s.id)).toEqual(['P06', 'P08', 'P09']);
    expect(res('id-agrees').samples[0]).toEqual({
      id: 'P06',
      idno: id('19850101', '131'),
      birth: '1985-01-02',
      sex: '1',
    });
    expect(res('org-name-accurate').samples).toEqual([
      { id: 'P03', org: 'O1', org_name: 'Alpha Inc' },
      { id: 'P06', org: 'O2', org_name: 'Beta Ltd' },
      { id: 'P08', org: 'O2', org_name: 'Gamma' },
    ]);
    expect(res('id-valid').samples.map((s) => s.id)).toEqual(['P02', 'P03']);
  });

  it('refuses rules that cannot run before they are stored', async () => {
    const check = (spec: RuleInput['spec']) =>
      checkRule(db.pool, PEOPLE, COLUMNS, { id: 'r', spec }, { datasets });
    await expect(check({ kind: 'validator', field: 'nope', validator: 'uscc' })).rejects.toThrow(RuleError);
    await expect(
      check({
        kind: 'referential',
        field: 'org',
        entryId: '00000000-0000-4000-8000-00000000000b',
        targetField: 'code',
      }),
    ).rejects.toThrow(RuleError);
    await expect(
      check({ kind: 'referential', field: 'org', entryId: ORG_ENTRY, targetField: 'nope' }),
    ).rejects.toThrow(RuleError);
    await expect(check({ kind: 'id_consistency', idField: 'idno' })).rejects.toThrow(RuleError);
    // A bound PostgreSQL cannot read as the column's type fails when planned.
    await expect(
      checkRule(db.pool, PEOPLE, COLUMNS, {
        id: 'r',
        spec: { kind: 'range', field: 'birth', min: 'yesterday-ish' },
      }),
    ).rejects.toThrow();
    await expect(
      check({ kind: 'referential', field: 'org', entryId: ORG_ENTRY, targetField: 'code' }),
    ).resolves.toBe(undefined);
  });
});

describe('timeliness', () => {
  const at = (iso: string) => new Date(iso);
  const now = at('2024-06-15T12:00:00Z');
  it('is 100 within the cycle and falls linearly to 0 at three cycles overdue', () => {
    const of = (last: string | null, cycle = 'daily') =>
      timelinessOf({ lastLoadAt: last ? at(last) : null, updateCycle: cycle, now });
    expect(of('2024-06-14T13:00:00Z')).toMatchObject({ checked: 1, failing: 0, score: 100 });
    expect(of('2024-06-14T12:00:00Z')).toMatchObject({ checked: 1, failing: 0, score: 100 });
    expect(of('2024-06-13T12:00:00Z')).toMatchObject({ checked: 1, failing: 1, score: 66.67 });
    expect(of('2024-06-12T00:00:00Z')).toMatchObject({ failing: 1, score: 16.67 });
    expect(of('2024-06-11T12:00:00Z')).toMatchObject({ failing: 1, score: 0 });
    expect(of('2024-01-01T00:00:00Z')).toMatchObject({ failing: 1, score: 0 });
    expect(of(null)).toMatchObject({ checked: 1, failing: 1, score: 0 });
    // 45.5 days old, 14.5 days overdue of a 31-day month: 100 × (1 − 14.5 / 93).
    expect(of('2024-05-01T00:00:00Z', 'monthly')).toMatchObject({ failing: 1, score: 84.41 });
    expect(of('2020-01-01T00:00:00Z', 'irregular')).toMatchObject({ checked: 0, failing: 0, score: null });
    expect(of('2024-06-13T12:00:00Z').samples).toEqual([
      {
        lastLoadAt: '2024-06-13T12:00:00.000Z',
        updateCycle: 'daily',
        dueAt: '2024-06-14T12:00:00.000Z',
        score: '66.67',
      },
    ]);
  });
});
