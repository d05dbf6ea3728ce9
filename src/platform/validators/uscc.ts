/**
 * 统一社会信用代码 (unified social credit code), GB 32100-2015: 18 characters over a 31-letter
 * alphabet (digits and capitals without I, O, Z, S, V), the last one a check character.
 */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const BODY = /^[0-9A-HJ-NPQRTUWXY]{17}$/;

/** The check character for the first 17 characters, or undefined when they are not valid. */
export function usccCheckChar(first17: string): string | undefined {
  if (!BODY.test(first17)) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i] as string) * (WEIGHTS[i] as number);
  return USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/** True for an 18-character code whose check character matches. Case-sensitive (codes are upper case). */
export function isUscc(code: string): boolean {
  if (code.length !== 18) return false;
  const check = usccCheckChar(code.slice(0, 17));
  return check !== undefined && check === code[17];
}

/** Completes 17 characters with their check character (test factories, demo seed). */
export function usccWithCheck(first17: string): string {
  const check = usccCheckChar(first17);
  if (check === undefined) throw new Error(`not a valid USCC body: "${first17}"`);
  return first17 + check;
}
