import { describe, expect, it } from 'vitest';
import { parseTsQuery, positiveLeaves } from '../../src/modules/catalog/tsquery.js';
import { microsOf } from '../../src/modules/catalog/search.js';

const lex = (value: string, prefix = false) => ({ kind: 'lexeme', value, prefix });

describe('tsquery text', () => {
  it('parses what to_tsquery prints, with precedence ! > <-> > & > |', () => {
    expect(parseTsQuery(`'企业' & ( '法定代表' | '法定' & '代表' ) & '人'`)).toEqual({
      kind: 'and',
      left: {
        kind: 'and',
        left: lex('企业'),
        right: {
          kind: 'or',
          left: lex('法定代表'),
          right: { kind: 'and', left: lex('法定'), right: lex('代表') },
        },
      },
      right: lex('人'),
    });
    expect(parseTsQuery(`'a' | 'b' & !'c'`)).toEqual({
      kind: 'or',
      left: lex('a'),
      right: { kind: 'and', left: lex('b'), right: { kind: 'not', operand: lex('c') } },
    });
  });

  it('reads prefixes, weights, phrases (as and) and doubled quotes', () => {
    expect(parseTsQuery(`'uscc':*`)).toEqual(lex('uscc', true));
    expect(parseTsQuery(`'legal':*AB`)).toEqual(lex('legal', true));
    expect(parseTsQuery(`'a':B`)).toEqual(lex('a'));
    expect(parseTsQuery(`'a' <-> 'b' <2> 'c'`)).toEqual({
      kind: 'and',
      left: { kind: 'and', left: lex('a'), right: lex('b') },
      right: lex('c'),
    });
    expect(parseTsQuery(`'it''s'`)).toEqual(lex("it's"));
    expect(parseTsQuery('')).toBeNull();
  });

  it('refuses malformed text', () => {
    for (const bad of [`'a`, `'a' &`, `( 'a'`, `'a' 'b'`, `'a' <- 'b'`, `a`]) {
      expect(() => parseTsQuery(bad), bad).toThrow();
    }
  });

  it('lists the positive leaves once each', () => {
    const node = parseTsQuery(`'a' & ( 'b' | 'a' ) & !'c' & 'd':*`)!;
    expect(positiveLeaves(node)).toEqual([lex('a'), lex('b'), lex('d', true)]);
  });
});

describe('timestamps at PostgreSQL precision', () => {
  it('reads microseconds from JSON timestamptz text in any zone', () => {
    const base = Date.parse('2026-11-30T07:13:00Z') * 1000;
    expect(microsOf('2026-11-30T07:13:00.123456+00:00')).toBe(base + 123456);
    expect(microsOf('2026-11-30T15:13:00.1+08:00')).toBe(base + 100000);
    expect(microsOf('2026-11-30T07:13:00Z')).toBe(base);
    expect(microsOf('2026-11-30T07:13:00.000042Z')).toBe(base + 42);
  });
});
