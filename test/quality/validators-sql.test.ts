import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../support/db.js';
import {
  idNumberWithCheck,
  regionDivisions,
  usccWithCheck,
  validate,
  type ValidatorKind,
} from '../../src/platform/validators/index.js';

/**
 * The SQL validators of migration 0019 agree with the JavaScript ones (`validate`, what loads
 * run) on the same values: good ones, bad ones and the awkward ones (white space JavaScript trims,
 * case mappings, astral characters, lengths). The Unicode classes of e-mail domains are compared
 * with Node's tables on every code point.
 */

let db: TestDatabase;
const NOW = new Date('2024-06-15T04:00:00Z'); // 12:00 in Shanghai
const TODAY = '2024-06-15';

beforeAll(async () => {
  db = await testDatabase();
}, 60_000);
afterAll(async () => db?.drop());

const uscc = usccWithCheck('91440101MA59ABCDE');
const idNo = idNumberWithCheck('44010619900307123');
const idNoX = (() => {
  for (let i = 0; i < 1000; i++) {
    const v = idNumberWithCheck(`1101051949123${String(i).padStart(3, '0')}0`.slice(0, 17));
    if (v.endsWith('X')) return v;
  }
  throw new Error('no X');
})();

const COMMON = [
  '',
  ' ',
  '\u3000',
  'x'.repeat(1001),
  ' '.repeat(995) + '13812345678',
  '𠮷'.repeat(501),
  'abc',
  '１２３',
];

const VALUES: Record<Exclude<ValidatorKind, 'date' | 'datetime' | 'regex'>, string[]> = {
  uscc: [
    ...COMMON,
    uscc,
    uscc.toLowerCase(),
    ` ${uscc}\t`,
    `\u00a0${uscc}\ufeff`,
    `\u2028${uscc}\u3000`,
    uscc.slice(0, 17) + (uscc[17] === '0' ? '1' : '0'),
    uscc.slice(0, 17),
    uscc + '0',
    usccWithCheck('91440101MA59FFFFF'),
    usccWithCheck('91440101MA59FFFFF').replace('FF', '\ufb00'),
    usccWithCheck('91440101MA59FLFFF').replace('FL', '\ufb02'),
    usccWithCheck('91440101MA59FFLFF').replace('FFL', '\ufb04'),
    '91440101MA59ABCDEI',
    '91440101MA59ABCDEO',
    '91440101MA59ABCDE\u0131',
    uscc.replace('9', '９'),
    usccWithCheck('00000000000000000'),
  ],
  id_number: [
    ...COMMON,
    idNo,
    idNoX,
    idNoX.toLowerCase(),
    ` ${idNo} `,
    idNo.slice(0, 17) + (idNo[17] === '1' ? '2' : '1'),
    idNumberWithCheck('44010619900229123'), // 1990-02-29: no such day
    idNumberWithCheck('44010620000229123'), // 2000-02-29: a leap day
    idNumberWithCheck('44010619000229123'), // 1900 is no leap year
    idNumberWithCheck('44010617991231123'), // before 1800
    idNumberWithCheck('44010618000101123'),
    idNumberWithCheck('44010620240615123'), // today
    idNumberWithCheck('44010620240616123'), // tomorrow
    idNumberWithCheck('99010619900307123'), // no such province
    idNumberWithCheck('83000019900307123'), // Taiwan residents' permit
    idNumberWithCheck('71000019900307123'),
    idNumberWithCheck('44019919900307123'), // unknown county, known province
    idNumberWithCheck('44010619901307123'), // month 13
    idNo.slice(0, 17) + 'Y',
    idNo.replace('4', '４'),
    idNo.slice(0, 15),
  ],
  mobile: [
    ...COMMON,
    '13812345678',
    '+8613812345678',
    '008613812345678',
    '+86 138-1234-5678',
    '0086-138 1234 5678',
    '138 1234 5678',
    '12812345678',
    '1381234567',
    '138123456789',
    '+86  13812345678',
    '\t13812345678\u3000',
    '１3812345678',
    '138-12345678',
    '+85213812345678',
    '19912345678',
  ],
  email: [
    ...COMMON,
    'a@example.com',
    'A.B+c@Example.COM',
    'a@例子.中国',
    'a@例子.xn--fiqs8s',
    'a@XN--FIQS8S.XN--FIQS8S',
    'a@x.xn--k',
    'a@x.xn--\u212a',
    'a@x.\u212a\u212a',
    'a@b',
    '@example.com',
    'a@',
    'a@@example.com',
    'a@b@example.com',
    '.a@example.com',
    'a..b@example.com',
    'a.@example.com',
    '"a"@example.com',
    'a@[127.0.0.1]',
    'a@-x.com',
    'a@x-.com',
    'a@x..com',
    'a@x.c',
    'a@x.c1',
    'a@x.１２',
    'a@①.com',
    'a@x².com',
    'a@\u0130stanbul.com',
    'a@\u0131stanbul.com',
    'a@𠮷.com',
    `a@${'𠮷'.repeat(31)}.com`,
    `a@${'𠮷'.repeat(32)}.com`,
    `a@${'x'.repeat(63)}.com`,
    `a@${'x'.repeat(64)}.com`,
    `${'a'.repeat(64)}@x.com`,
    `${'a'.repeat(65)}@x.com`,
    `a@${Array.from({ length: 5 }, () => 'x'.repeat(60)).join('.')}.com`,
    ` a@example.com\u00a0`,
    'a b@example.com',
    "o'hara!#$%&*+/=?^_`{|}~-@example.com",
    'a@exa_mple.com',
    'a@ex\u0301ample.com',
  ],
  region_code: [
    ...COMMON,
    '440106',
    ' 440106 ',
    '440102',
    '810000',
    '000000',
    '44010',
    '4401066',
    '４40106',
    '130171',
  ],
};

describe('the SQL validators agree with the JavaScript ones', () => {
  for (const [kind, values] of Object.entries(VALUES) as [keyof typeof VALUES, string[]][]) {
    it(`${kind}: the same verdict on ${values.length} values`, async () => {
      const call =
        kind === 'id_number'
          ? 'datong.q_valid_id_number(v, $2::date)'
          : kind === 'region_code'
            ? 'datong.q_valid_region(v, $2::text[])'
            : `datong.q_valid_${kind}(v)`;
      const extra =
        kind === 'id_number' ? [TODAY] : kind === 'region_code' ? [regionDivisions().map((d) => d.code)] : [];
      const { rows } = await db.pool.query<{ v: string; ok: boolean }>(
        `SELECT v, ${call} AS ok FROM unnest($1::text[]) AS t(v)`,
        [values, ...extra],
      );
      const sql = rows.map((r) => r.ok);
      const js = values.map((v) => validate(kind, v, { now: NOW }).valid);
      const differ = values.filter((_, i) => sql[i] !== js[i]).map((v) => JSON.stringify(v.slice(0, 60)));
      expect(differ).toEqual([]);
      // Both verdicts occur, so the agreement means something.
      expect(js.filter(Boolean).length).toBeGreaterThan(0);
      expect(js.filter((x) => !x).length).toBeGreaterThan(0);
    });
  }

  it('gives NULL for NULL', async () => {
    const { rows } = await db.pool.query(
      `SELECT datong.q_valid_uscc(NULL) a, datong.q_valid_id_number(NULL, $1::date) b, datong.q_valid_mobile(NULL) c,
              datong.q_valid_email(NULL) d, datong.q_valid_region(NULL, ARRAY['440106']) e`,
      [TODAY],
    );
    expect(rows[0]).toEqual({ a: null, b: null, c: null, d: null, e: null });
  });

  it('accepts exactly the JavaScript letters and numbers in e-mail domains, on every code point', async () => {
    // A one-character label before .com: the SQL class against /[\p{L}\p{N}]/u (bar İ, which
    // JavaScript lower-cases into a non-letter), and every valid top label of 2 letters.
    const { rows } = await db.pool.query<{ cp: number }>(
      `SELECT cp FROM generate_series(1, 1114111) AS cp
        WHERE cp NOT BETWEEN 55296 AND 57343 AND datong.q_email_ok('a@' || chr(cp) || '.com')`,
    );
    const sqlOk = new Set(rows.map((r) => r.cp));
    const jsBad: number[] = [];
    for (let cp = 1; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const js = validate('email', `a@${String.fromCodePoint(cp)}.com`).valid;
      if (js !== sqlOk.has(cp)) jsBad.push(cp);
    }
    expect(jsBad.map((cp) => cp.toString(16))).toEqual([]);
    const { rows: top } = await db.pool.query<{ cp: number }>(
      `SELECT cp FROM generate_series(1, 1114111) AS cp
        WHERE cp NOT BETWEEN 55296 AND 57343 AND datong.q_email_ok('a@x.' || chr(cp) || chr(cp))`,
    );
    const sqlTop = new Set(top.map((r) => r.cp));
    const topBad: number[] = [];
    for (let cp = 1; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (validate('email', `a@x.${c}${c}`).valid !== sqlTop.has(cp)) topBad.push(cp);
    }
    expect(topBad.map((cp) => cp.toString(16))).toEqual([]);
  }, 120_000);
});
