import { describe, expect, it } from 'vitest';
import {
  isRegionCodeFormat,
  isUscc,
  usccCheckChar,
  usccWithCheck,
} from '../../src/platform/validators/index.js';
import { passwordIssues } from '../../src/modules/identity/password.js';

describe('统一社会信用代码 (GB 32100-2015)', () => {
  it('accepts real and computed codes', () => {
    expect(isUscc('91350100M000100Y43')).toBe(true);
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
    const made = usccWithCheck('11440000MB2C90001');
    expect(made).toHaveLength(18);
    expect(isUscc(made)).toBe(true);
  });

  it('computes the check as (31 − Σ mod 31) mod 31 over the 31-letter alphabet', () => {
    // Body of zeros: Σ = 0, so the check is (31 − 0) mod 31 = 0.
    expect(usccWithCheck('00000000000000000')).toBe('000000000000000000');
    // '1' then zeros: Σ = 1 × 1, check = 30 → 'Y', the alphabet's last character.
    expect(usccWithCheck('10000000000000000')).toBe('10000000000000000Y');
  });

  it('refuses a wrong check character, wrong length and letters outside the alphabet', () => {
    expect(isUscc('91350100M000100Y44')).toBe(false);
    expect(isUscc('91350100M000100Y4')).toBe(false);
    expect(isUscc('91350100M000100Y433')).toBe(false);
    // I, O, S, V, Z are not in the alphabet; lower case is not accepted either.
    for (const bad of ['I', 'O', 'S', 'V', 'Z'])
      expect(usccCheckChar(`9135010${bad}M000100Y4`)).toBeUndefined();
    expect(isUscc('91350100m000100y43')).toBe(false);
    expect(() => usccWithCheck('short')).toThrow();
  });

  it('checks region codes by form', () => {
    expect(isRegionCodeFormat('440000')).toBe(true);
    expect(isRegionCodeFormat('000000')).toBe(false);
    expect(isRegionCodeFormat('44000')).toBe(false);
    expect(isRegionCodeFormat('44000A')).toBe(false);
  });
});

describe('password policy', () => {
  const ok = (pw: string, user = 'zhangsan') => passwordIssues(pw, user, 'en').length === 0;

  it('needs 10 characters and three of four classes', () => {
    expect(ok('Abcdefgh12')).toBe(true);
    expect(ok('abcdefgh1!')).toBe(true);
    expect(ok('Abcdef1!')).toBe(false); // too short
    expect(ok('abcdefghijkl')).toBe(false); // one class
    expect(ok('abcdefghij12')).toBe(false); // two classes
    expect(ok('ABCDEFGH12!')).toBe(true);
  });

  it('refuses passwords containing the username, whatever the case', () => {
    expect(ok('ZhangSan-2026!', 'zhangsan')).toBe(false);
    expect(passwordIssues('ZhangSan-2026!', 'zhangsan', 'zh-CN')[0]?.message).toContain('用户名');
  });
});
