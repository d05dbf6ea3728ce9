/**
 * E-mail addresses as registers hold them: `local@domain`, with the RFC 5321 limits (local part
 * ≤ 64 octets, address ≤ 254) and the RFC 5322 dot-atom local part. Quoted local parts and IP
 * literals are refused: valid in theory, they are nearly always typing errors in a register.
 * Domains may be internationalised (例子.中国) or punycode; the top-level label is letters
 * (or xn--…). Normalised by trimming and lower-casing the domain; the local part keeps its case,
 * which only the receiving server may interpret.
 */

const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?$/u;
const TOP_LABEL = /^(?:\p{L}{2,}|xn--[a-z0-9-]+)$/u;

export type EmailResult = { ok: true; normalised: string } | { ok: false };

export function checkEmail(value: string): EmailResult {
  const v = value.trim();
  const at = v.lastIndexOf('@');
  if (at <= 0 || at === v.length - 1) return { ok: false };
  const local = v.slice(0, at);
  const domain = v.slice(at + 1).toLowerCase();
  if (Buffer.byteLength(local) > 64 || Buffer.byteLength(v) > 254 || !LOCAL.test(local)) return { ok: false };
  const labels = domain.split('.');
  if (labels.length < 2) return { ok: false };
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || !LABEL.test(label)) return { ok: false };
  }
  if (!TOP_LABEL.test(labels[labels.length - 1] as string)) return { ok: false };
  return { ok: true, normalised: `${local}@${domain}` };
}

export function isEmail(value: string): boolean {
  return checkEmail(value).ok;
}
