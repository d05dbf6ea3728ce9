export { USCC_ALPHABET, isUscc, usccCheckChar, usccWithCheck } from './uscc.js';

/**
 * 行政区划代码 (GB/T 2260) by form only: six digits, not all zero. Whether the code exists is a
 * question for the code table, not for this check.
 */
export function isRegionCodeFormat(code: string): boolean {
  return /^[0-9]{6}$/.test(code) && code !== '000000';
}
