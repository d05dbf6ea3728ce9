import { dateKey, isRealDate, todayKeyCst } from './dates.js';
import { isProvincePrefix, isRegionCode } from './region.js';

/**
 * 公民身份号码 (citizen identity number), GB 11643-1999: 6-digit address code (GB/T 2260),
 * 8-digit birth date, 3-digit sequence, and a check character computed with ISO 7064 MOD 11-2.
 * Only the 18-character form: the 15-digit first-generation numbers stopped being valid in 2013.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
const FORM = /^\d{17}[\dX]$/;
/** Nobody alive was born before this; earlier "dates" are typing errors. */
const EARLIEST_BIRTH = 18000101;

/** The check character for 17 digits (ISO 7064 MOD 11-2), or undefined when they are not 17 digits. */
export function idNumberCheckChar(first17: string): string | undefined {
  if (!/^\d{17}$/.test(first17)) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11];
}

/** Completes 17 digits with their check character (test factories, demo data). */
export function idNumberWithCheck(first17: string): string {
  const check = idNumberCheckChar(first17);
  if (check === undefined) throw new Error(`not 17 digits: "${first17}"`);
  return first17 + check;
}

export type IdNumberProblem = 'format' | 'region' | 'birth_date' | 'birth_future' | 'check';

export type IdNumberResult =
  | { ok: true; normalised: string; birthDate: string; region: string }
  | { ok: false; problem: IdNumberProblem };

/**
 * Checks an identity number. Surrounding white space is ignored and a lower-case check 'x' is
 * accepted and normalised to 'X' (people type it both ways). The address code must be a code of
 * the current GB/T 2260 list or, since numbers keep the code of the place they were first issued
 * and codes get retired, at least begin with a real province (11–82; 83 is the prefix of the
 * residence permits of Taiwan residents, GA/T 2018). The birth date must be a real day, from 1800
 * on and not after today (China Standard Time).
 */
export function checkIdNumber(value: string, now: Date = new Date()): IdNumberResult {
  const v = value.trim().toUpperCase();
  if (!FORM.test(v)) return { ok: false, problem: 'format' };
  const region = v.slice(0, 6);
  if (!isRegionCode(region) && !isProvincePrefix(region) && !region.startsWith('83')) {
    return { ok: false, problem: 'region' };
  }
  const birth = {
    year: Number(v.slice(6, 10)),
    month: Number(v.slice(10, 12)),
    day: Number(v.slice(12, 14)),
  };
  if (!isRealDate(birth.year, birth.month, birth.day) || dateKey(birth) < EARLIEST_BIRTH) {
    return { ok: false, problem: 'birth_date' };
  }
  if (dateKey(birth) > todayKeyCst(now)) return { ok: false, problem: 'birth_future' };
  if (idNumberCheckChar(v.slice(0, 17)) !== v[17]) return { ok: false, problem: 'check' };
  return {
    ok: true,
    normalised: v,
    birthDate: `${v.slice(6, 10)}-${v.slice(10, 12)}-${v.slice(12, 14)}`,
    region,
  };
}

/** True for a valid identity number (see checkIdNumber). */
export function isIdNumber(value: string, now?: Date): boolean {
  return checkIdNumber(value, now).ok;
}
