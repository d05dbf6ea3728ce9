import type { RawCell } from './import-read.js';
import type { ImportMessageKey } from './import-messages.js';
import { YES_NO, enumValue, type EnumDef } from './import-columns.js';

/**
 * Cell-level checks and conversions. Each returns either a value or the message key that says
 * why the cell is refused, so the caller can report it at its row and column.
 */

/** The longest cell accepted (the longest content, a summary, is 4000 characters). */
export const MAX_CELL_CHARS = 4000;

export type Checked<T> =
  { ok: true; value: T } | { ok: false; key: ImportMessageKey; params?: Record<string, unknown> };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(key: ImportMessageKey, params: Record<string, unknown> = {}): Checked<T> => ({
  ok: false,
  key,
  params,
});

/**
 * OWASP's CSV-injection rule: a cell starting with = is always a formula to a spreadsheet; one
 * starting with + - @ is when what follows looks like one (a function call, a cell reference, a
 * DDE `|` or a sheet `!`). Plain numbers and phone numbers (-5, +86 138…) pass.
 */
export function looksLikeFormula(text: string): boolean {
  const t = text.replace(/^[\t\r\n ]+/, '');
  if (t.startsWith('=')) return true;
  if (!/^[+\-@]/.test(t)) return false;
  if (/^[+-]?[\d\s().,-]+$/.test(t)) return false;
  return /[A-Za-z_][\w.]*\s*\(|\$?\b[A-Za-z]{1,3}\$?\d+\b|[|!]/.test(t.slice(1));
}

/** U+FFFD (an undecodable byte) or C0 controls other than tab/newline mean the bytes were not UTF-8/GBK text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const GARBLED = /[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** The trimmed text of a cell, or why it is refused. */
export function checkCell(cell: RawCell): Checked<string> {
  if (cell.formula) return bad('cell_formula');
  if (cell.errorValue) return bad('cell_error_value', { value: cell.text });
  if (cell.text.length > MAX_CELL_CHARS) return bad('cell_too_long', { max: MAX_CELL_CHARS });
  if (GARBLED.test(cell.text)) return bad('cell_garbled');
  if (looksLikeFormula(cell.text)) return bad('cell_injection');
  return ok(cell.text.trim());
}

export function checkEnum<T extends string>(def: EnumDef<T>, text: string): Checked<T> {
  const value = enumValue(def, text);
  if (value !== undefined) return ok(value);
  const choices = (Object.entries(def.values) as [T, readonly string[]][])
    .map(([code, labels]) => `${labels[0] ?? code}(${code})`)
    .join('、');
  return bad('enum_invalid', { value: text, name: def.name['zh-CN'], nameEn: def.name.en, choices });
}

export function checkYesNo(text: string): Checked<boolean> {
  const v = checkEnum(YES_NO, text);
  return v.ok ? ok(v.value === 'yes') : v;
}

const CHINESE_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4 };

/** 1–4, also written 2级, 第二级 or 二级 as agencies do. */
export function checkGrade(text: string): Checked<1 | 2 | 3 | 4> {
  const m = /^第?\s*([1-4一二三四])\s*级?$/.exec(text.trim());
  const digit = m?.[1];
  if (!digit) return bad('grade_invalid', { value: text });
  const n = CHINESE_DIGITS[digit] ?? Number(digit);
  return ok(n as 1 | 2 | 3 | 4);
}

/** YYYY-MM-DD (also YYYY/M/D), a real calendar date. */
export function checkDate(text: string): Checked<string> {
  const m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text.trim());
  if (!m) return bad('date_invalid', { value: text });
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) {
    return bad('date_invalid', { value: text });
  }
  return ok(`${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
}

/** 类.项.目.细目: 1–4 segments of 1–3 digits (the full-width ． and / are accepted as separators). */
export function checkClassification(text: string): Checked<string[]> {
  const parts = text.trim().split(/[.．/]/);
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) {
    return bad('classification_invalid', { value: text });
  }
  return ok(parts);
}

export const FIELD_CODE = /^[a-z][a-z0-9_]*$/;
export const MAX_CODE_BYTES = 63;

export function checkFieldCode(text: string): Checked<string> {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CODE_BYTES) return bad('field_code_too_long', { bytes });
  if (!FIELD_CODE.test(text)) return bad('field_code_invalid', { value: text });
  return ok(text);
}

export interface LengthSpec {
  length: number | null;
  precision: number | null;
  scale: number | null;
}

/** String length as an integer; decimals as "precision,scale" (or just precision). */
export function checkLength(text: string, decimal: boolean): Checked<LengthSpec> {
  const m = /^(\d{1,5})(?:\s*[,，]\s*(\d{1,5}))?$/.exec(text.trim());
  const first = m?.[1];
  if (!first || Number(first) <= 0) return bad('length_invalid', { value: text });
  const second = m?.[2];
  if (decimal) {
    const scale = second === undefined ? null : Number(second);
    if (scale !== null && scale > Number(first)) return bad('length_invalid', { value: text });
    return ok({ length: null, precision: Number(first), scale });
  }
  if (second !== undefined) return bad('length_invalid', { value: text });
  return ok({ length: Number(first), precision: null, scale: null });
}
