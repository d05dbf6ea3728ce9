/**
 * Mainland China mobile numbers: 11 digits, 1 then 3–9 (every segment allocated so far:
 * 13x–19x), optionally written with the country code (+86, 0086, or +86 / 0086 followed by a space
 * or hyphen) and with the usual 3-4-4 grouping by spaces or hyphens. Normalised to the bare
 * 11 digits, the form systems store and compare. Fixed lines and 10-digit service numbers are not
 * mobiles and are refused.
 */

const MOBILE = /^(?:(?:\+86|0086)[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})$/;

export type MobileResult = { ok: true; normalised: string } | { ok: false };

export function checkMobile(value: string): MobileResult {
  const m = MOBILE.exec(value.trim());
  if (!m) return { ok: false };
  return { ok: true, normalised: `${m[1]}${m[2]}${m[3]}` };
}

export function isMobile(value: string): boolean {
  return MOBILE.test(value.trim());
}
