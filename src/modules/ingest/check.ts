import type { FieldInput } from '../catalog/schemas.js';
import {
  MAX_VALUE_LENGTH,
  PATTERN_REASONS,
  REASONS,
  USCC_ALPHABET,
  compilePattern,
  isProvincePrefix,
  isRealDate,
  isRegionCode,
  parseDateTime,
  validate,
  type ValidatorKind,
} from '../../platform/validators/index.js';
import { defaultMask, maskValue } from '../../platform/masking/index.js';

/**
 * The row check of aggregation (docs/INGEST.md, "Row check"): compiled once per batch from the
 * catalog fields, it turns each source record into one line of PostgreSQL COPY text, or into the
 * rejects that say, per bad field, what is wrong.
 *
 * Decisions beyond the contract (all per value, after the value is trimmed):
 * - Surrounding white space never counts (the validators' rule; U+3000 and NBSP included), for
 *   strings too; a value that is empty after trimming is NULL.
 * - A key field is required even when the catalog does not say so: the dataset's key columns are
 *   NOT NULL, and a NULL key could not be checked for uniqueness.
 * - Order per field: validator (normalises) → type → length (strings) → code table → COPY escape.
 *   Length and code-table membership are checked on the normalised value. One reject per field,
 *   the first problem found.
 * - integer: `[+-]digits`, optionally with a zero fraction (`12.0`, as some exports write integer
 *   columns); leading zeros dropped; bigint range.
 * - decimal: `[+-]digits[.digits]` or `.5`, with an optional exponent (`1.5E-7`, as spreadsheets
 *   write small numbers), emitted without exponent. `numeric(p, s)` when precision is given
 *   (`numeric(p)` = scale 0, PostgreSQL's meaning). More fraction digits than the scale are
 *   refused unless they are zeros: PostgreSQL would round them silently, a load must not. A scale
 *   without a precision is enforced by the check only (the column is plain `numeric`).
 *   Thousands separators, NaN and Infinity are refused.
 * - date: also a date-time at midnight (`2024-03-01T00:00:00Z`, as XLSX readers write date
 *   cells) and, with `excelSerialDates`, a spreadsheet serial number (1–2958465; 60, Excel's
 *   fictitious 1900-02-29, is refused).
 * - datetime: ISO 8601 as the validators read it, plus YYYY/MM/DD date parts and a date alone
 *   (midnight). Without a zone, Asia/Shanghai: +08:00, or for a time before 1992 the offset the
 *   time-zone database gives (the summer times of 1986–1991 were +09:00). Z is kept.
 * - json: must parse; emitted with the insignificant white space removed, NOT re-serialised
 *   (JSON.stringify would round numbers beyond 2^53). `\u0000`, which jsonb cannot hold, is refused.
 * - text may not contain U+0000 (PostgreSQL text cannot hold it).
 * - A rejected value is stored masked (PII fields, src/platform/masking) and cut to 1,000 characters.
 * - Uniqueness: the normalised key values of every accepted row are kept for the batch in a
 *   KeyIndex (off the JavaScript heap, ~14 bytes per key plus 2 per character: 1M 18-character
 *   keys ≈ 50–70 MB). A rejected row's key is not remembered, so a later good row may use it.
 *
 * API beyond docs/INGEST.md: `keysSeen` on the checker; `excelSerialDates` in the options (the
 * checker does not know the source format); `CheckerError`; `KeyIndex` (exported for its tests).
 * Fields are the catalog's FieldInput as it is: `codeTableId` names the code table in
 * `opts.codeTables`, `validator: { kind, pattern? }` the validator.
 *
 * Problems of the field definitions themselves (an unusable regex, a code table the caller did
 * not supply) throw a CheckerError at compile time rather than rejecting every row.
 */

export type Message = { 'zh-CN': string; en: string };

export interface Reject {
  row: number;
  field: string | null;
  value: string | null;
  reason: Message;
}

export interface RowChecker {
  /**
   * Checks one record. `values` are the record's cells; the catalog fields take theirs by the
   * `columns` given at compile time (-1: not in the file → NULL).
   */
  check(row: number, values: readonly (string | null)[]): { line: string } | { rejects: Reject[] };
  /** Keys seen so far in this batch (accepted rows of a dataset with key fields; for uniqueness). */
  readonly keysSeen: number;
}

export interface CheckerOptions {
  /** Code table id (a field's codeTableId) → the allowed codes. Every referenced table must be here. */
  codeTables?: Map<string, Set<string>>;
  /** The header's width; a record of another width is rejected as a whole. */
  expectedWidth?: number;
  /** "Today" for the identity numbers' birth-date check (tests); defaults to the clock. */
  now?: Date;
  /** Read bare integers 1–2958465 in date fields as spreadsheet serials (set for XLSX sources). */
  excelSerialDates?: boolean;
  /**
   * Check key uniqueness within the batch here (default true). A replace load turns it off and
   * finds duplicates in the database instead, so its memory does not grow with the file.
   */
  uniqueKeys?: boolean;
}

/** A field definition the checker cannot use (thrown by compileChecker). */
export class CheckerError extends Error {
  constructor(
    readonly field: string,
    readonly reason: Message,
  ) {
    super(`${field}: ${reason.en}`);
    this.name = 'CheckerError';
  }
}

/** The PostgreSQL column type of a catalog field. */
export function pgType(field: FieldInput): string {
  switch (field.type) {
    case 'string':
      return 'text';
    case 'integer':
      return 'bigint';
    case 'decimal':
      if (field.precision == null) return 'numeric';
      return `numeric(${field.precision}, ${field.scale ?? 0})`;
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'datetime':
      return 'timestamptz';
    case 'json':
      return 'jsonb';
  }
}

// ---------------------------------------------------------------------------------------------
// Reasons. Constant objects where the text is fixed: a failing cell allocates only its reject.

const m = (zh: string, en: string): Message => Object.freeze({ 'zh-CN': zh, en });

const R = {
  required: m('必填项为空', 'A required value is missing'),
  requiredKey: m('主键项为空', 'A key value is missing'),
  noColumn: m('文件中没有该必填项的列', 'The file has no column for this required field'),
  integer: m('不是整数', 'Not an integer'),
  integerRange: m(
    '整数超出范围（-9223372036854775808 至 9223372036854775807）',
    'The integer is out of range (-9223372036854775808 to 9223372036854775807)',
  ),
  decimal: m('不是数值（如 123.45）', 'Not a number (e.g. 123.45)'),
  decimalRange: m('数值超出范围', 'The number is out of range'),
  boolean: m(
    '不是布尔值（可用 true/false、1/0、是/否、Y/N）',
    'Not a boolean (use true/false, 1/0, 是/否 or Y/N)',
  ),
  json: m('不是有效的 JSON', 'Not valid JSON'),
  jsonNul: m(
    'JSON 含有 \\u0000，数据库无法存储',
    'The JSON contains \\u0000, which the database cannot store',
  ),
  nul: m(
    '含有空字符（U+0000），数据库无法存储',
    'Contains a NUL character (U+0000), which the database cannot store',
  ),
  codeTable: m('值不在代码表中', 'The value is not in the code table'),
  excelSerial: m(
    '电子表格日期序号不是有效日期（1–2958465，不含 60）',
    'Not a spreadsheet date serial (1–2958465, except 60)',
  ),
} as const;

const tooLong = (n: number, max: number): Message => ({
  'zh-CN': `长度 ${n} 超过 ${max}`,
  en: `length ${n} exceeds ${max}`,
});
const scaleExceeded = (n: number, scale: number): Message => ({
  'zh-CN': `小数 ${n} 位，超过 ${scale} 位`,
  en: `${n} decimal places exceed the scale of ${scale}`,
});
const integerDigitsExceeded = (n: number, max: number, p: number, s: number): Message => ({
  'zh-CN': `整数部分 ${n} 位，超过 ${max} 位（精度 ${p}，小数 ${s} 位）`,
  en: `${n} integer digits exceed ${max} (precision ${p}, scale ${s})`,
});
export const duplicateKey = (first: number): Message => ({
  'zh-CN': `主键与第 ${first} 行重复`,
  en: `Duplicate key: the same as row ${first}`,
});
const widthMismatch = (n: number, width: number): Message => ({
  'zh-CN': `该行有 ${n} 列，表头有 ${width} 列`,
  en: `The row has ${n} columns; the header has ${width}`,
});

// ---------------------------------------------------------------------------------------------
// Per-value converters: a trimmed, non-empty value in; its normalised text (not yet COPY-escaped)
// or the reason out. `typeof result === 'string'` tells them apart.

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** COPY text: NUL refused; backslash, tab, newline and carriage return escaped. */
function escapeCopy(s: string): string | Message {
  // One pass over the code units; the common value has none of the five and is returned as is.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c < 14) return escapeSlow(s, i);
  }
  return s;
}

function escapeSlow(s: string, from: number): string | Message {
  let out = s.slice(0, from);
  let start = from;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string;
    if (c === 92) rep = '\\\\';
    else if (c === 9) rep = '\\t';
    else if (c === 10) rep = '\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 0) return R.nul;
    else continue;
    out += s.slice(start, i) + rep;
    start = i + 1;
  }
  return out + s.slice(start);
}

/** Length in code points (PostgreSQL's char_length for UTF-8 text). */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';

function convInteger(v: string): string | Message {
  const n = v.length;
  let i = 0;
  let neg = false;
  const c0 = v.charCodeAt(0);
  if (c0 === 45) {
    neg = true;
    i = 1;
  } else if (c0 === 43) i = 1;
  let start = i;
  while (i < n && isDigit(v.charCodeAt(i))) i++;
  const end = i;
  if (end === start) return R.integer;
  if (i < n) {
    // Only a zero fraction: 12.0, 12.
    if (v.charCodeAt(i) !== 46) return R.integer;
    i++;
    while (i < n && v.charCodeAt(i) === 48) i++;
    if (i < n) return R.integer;
  }
  while (start < end - 1 && v.charCodeAt(start) === 48) start++;
  const len = end - start;
  if (len >= 19) {
    if (len > 19) return R.integerRange;
    const digits = v.slice(start, end);
    if (digits > (neg ? INT64_MIN_ABS : INT64_MAX)) return R.integerRange;
  }
  if (start === 0 && end === n) return v; // the common case: plain digits
  const digits = v.slice(start, end);
  return neg && digits !== '0' ? `-${digits}` : digits;
}

/** PostgreSQL numeric's own limits (digits before and after the point). */
const NUMERIC_MAX_INT_DIGITS = 131072;
const NUMERIC_MAX_SCALE = 16383;

/**
 * A decimal against numeric(p, s): `precision` -1 when unconstrained; `scale` -1 when not
 * enforced; `maxInt`/`maxFrac` the digits allowed before and after the point.
 */
function convDecimal(
  v: string,
  precision: number,
  scale: number,
  maxInt: number,
  maxFrac: number,
): string | Message {
  const n = v.length;
  let i = 0;
  let neg = false;
  const c0 = v.charCodeAt(0);
  if (c0 === 45) {
    neg = true;
    i = 1;
  } else if (c0 === 43) i = 1;
  const intStart = i;
  while (i < n && isDigit(v.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < n && v.charCodeAt(i) === 46) {
    i++;
    fracStart = i;
    while (i < n && isDigit(v.charCodeAt(i))) i++;
    fracEnd = i;
  }
  if (intEnd === intStart && fracEnd === fracStart) return R.decimal;
  let intDigits: string;
  let fracDigits: string;
  if (i < n) {
    // An exponent: [eE][+-]?digits.
    const e = v.charCodeAt(i);
    if (e !== 101 && e !== 69) return R.decimal;
    i++;
    let expNeg = false;
    const s0 = v.charCodeAt(i);
    if (s0 === 45 || s0 === 43) {
      expNeg = s0 === 45;
      i++;
    }
    const expStart = i;
    while (i < n && isDigit(v.charCodeAt(i))) i++;
    if (i === expStart || i < n) return R.decimal;
    if (i - expStart > 6) return R.decimalRange;
    const exp = (expNeg ? -1 : 1) * Number(v.slice(expStart, i));
    const all = v.slice(intStart, intEnd) + v.slice(fracStart, fracEnd);
    const point = intEnd - intStart + exp;
    // Bounds the zeros written out below; beyond these PostgreSQL refuses the value anyway.
    if (point > NUMERIC_MAX_INT_DIGITS + 1 || -point > NUMERIC_MAX_SCALE + 1) return R.decimalRange;
    if (point <= 0) {
      intDigits = '';
      fracDigits = '0'.repeat(-point) + all;
    } else if (point >= all.length) {
      intDigits = all + '0'.repeat(point - all.length);
      fracDigits = '';
    } else {
      intDigits = all.slice(0, point);
      fracDigits = all.slice(point);
    }
  } else {
    if (intStart === 0 && intEnd > 0) {
      // The common case (no sign, no exponent, no leading zero): v itself when it fits.
      const soleZero = intEnd === 1 && v.charCodeAt(0) === 48;
      if (soleZero || v.charCodeAt(0) !== 48) {
        const fracLen = fracEnd - fracStart;
        const hasPoint = intEnd < n;
        if ((soleZero ? 0 : intEnd) <= maxInt && (!hasPoint || (fracLen > 0 && fracLen <= maxFrac))) return v;
      }
    }
    intDigits = v.slice(intStart, intEnd);
    fracDigits = v.slice(fracStart, fracEnd);
  }
  // Canonical form: no leading zeros in the integer part, no zeros beyond the scale.
  let lead = 0;
  while (lead < intDigits.length && intDigits.charCodeAt(lead) === 48) lead++;
  if (lead > 0) intDigits = intDigits.slice(lead);
  if (fracDigits.length > maxFrac) {
    let last = fracDigits.length;
    while (last > maxFrac && fracDigits.charCodeAt(last - 1) === 48) last--;
    if (last > maxFrac) return scale >= 0 ? scaleExceeded(last, scale) : R.decimalRange;
    fracDigits = fracDigits.slice(0, last);
  }
  if (intDigits.length > maxInt) {
    return precision >= 0
      ? integerDigitsExceeded(intDigits.length, maxInt, precision, scale)
      : R.decimalRange;
  }
  const body = (intDigits === '' ? '0' : intDigits) + (fracDigits === '' ? '' : `.${fracDigits}`);
  if (!neg || (intDigits === '' && /^0*$/.test(fracDigits))) return body; // -0 is 0
  return `-${body}`;
}

const BOOLEANS = new Map<string, string>([
  ['true', 'true'],
  ['false', 'false'],
  ['1', 'true'],
  ['0', 'false'],
  ['是', 'true'],
  ['否', 'false'],
  ['y', 'true'],
  ['n', 'false'],
]);

function convBoolean(v: string): string | Message {
  return BOOLEANS.get(v) ?? BOOLEANS.get(v.toLowerCase()) ?? R.boolean;
}

const d2 = (v: string, i: number): number => (v.charCodeAt(i) - 48) * 10 + (v.charCodeAt(i + 1) - 48);
const allDigits = (v: string, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (!isDigit(v.charCodeAt(i))) return false;
  return true;
};

/**
 * YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD at the start of v, as the canonical YYYY-MM-DD; the length
 * of the date part read is `end`. null: no date form there; false: the form but no such day.
 */
function readDate(v: string): { date: string; end: number } | null | false {
  let y: number;
  let mo: number;
  let d: number;
  let end: number;
  let canonical = false;
  const sep = v.charCodeAt(4);
  if (v.length >= 10 && (sep === 45 || sep === 47) && v.charCodeAt(7) === sep) {
    if (!allDigits(v, 0, 4) || !allDigits(v, 5, 7) || !allDigits(v, 8, 10)) return null;
    y = d2(v, 0) * 100 + d2(v, 2);
    mo = d2(v, 5);
    d = d2(v, 8);
    end = 10;
    canonical = sep === 45;
  } else if (v.length >= 8 && allDigits(v, 0, 8) && (v.length === 8 || !isDigit(v.charCodeAt(8)))) {
    y = d2(v, 0) * 100 + d2(v, 2);
    mo = d2(v, 4);
    d = d2(v, 6);
    end = 8;
  } else return null;
  if (!isRealDate(y, mo, d)) return false;
  let date: string;
  if (canonical) date = v.length === 10 ? v : v.slice(0, 10);
  else if (end === 8) date = `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}`;
  else date = `${v.slice(0, 4)}-${v.slice(5, 7)}-${v.slice(8, 10)}`;
  return { date, end };
}

/** What may follow a date in a date field: midnight, optionally with a zone (XLSX readers). */
const MIDNIGHT = /^[T ]00:00(?::00(?:\.0{1,9})?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

const EXCEL_EPOCH = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

function excelSerialDate(v: string): string | Message | null {
  // Bare digits (up to 7) with an optional zero fraction; anything else is not a serial.
  const dot = v.indexOf('.');
  const whole = dot < 0 ? v : v.slice(0, dot);
  if (whole.length === 0 || whole.length > 7 || !allDigits(whole, 0, whole.length)) return null;
  if (dot >= 0 && !/^0*$/.test(v.slice(dot + 1))) return null;
  const serial = Number(whole);
  if (serial < 1 || serial > 2958465 || serial === 60) return R.excelSerial;
  // Excel counts 1900-02-29, which never was: serials before it start one day later.
  const t = serial < 60 ? EXCEL_EPOCH + (serial + 1) * DAY_MS : EXCEL_EPOCH + serial * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

function convDate(v: string, excelSerials: boolean): string | Message {
  // Fast path: already YYYY-MM-DD.
  if (
    v.length === 10 &&
    v.charCodeAt(4) === 45 &&
    v.charCodeAt(7) === 45 &&
    allDigits(v, 0, 4) &&
    allDigits(v, 5, 7) &&
    allDigits(v, 8, 10)
  ) {
    return isRealDate(d2(v, 0) * 100 + d2(v, 2), d2(v, 5), d2(v, 8)) ? v : REASONS.date_calendar;
  }
  if (excelSerials && v.length <= 7) {
    const serial = excelSerialDate(v);
    if (serial !== null) return serial;
  }
  const r = readDate(v);
  if (r === false) return REASONS.date_calendar;
  if (r === null || (r.end !== v.length && !MIDNIGHT.test(v.slice(r.end)))) return REASONS.date_format;
  return r.date;
}

let shanghaiFormat: Intl.DateTimeFormat | undefined;

/** Asia/Shanghai's UTC offset at instant t (ms), from the time-zone database, e.g. "+09:00". */
function shanghaiOffsetAt(t: number): string {
  shanghaiFormat ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'Asia/Shanghai',
    timeZoneName: 'longOffset',
  });
  const name = shanghaiFormat.formatToParts(t).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+08:00';
  return name === 'GMT' ? '+00:00' : name.slice(3);
}

const offsetMs = (offset: string): number => {
  const sign = offset.charCodeAt(0) === 45 ? -1 : 1;
  const [h = 0, m = 0, sec = 0] = offset.slice(1).split(':').map(Number);
  return sign * ((h * 60 + m) * 60 + sec) * 1000;
};

const shanghaiOffsets = new Map<string, string>();

/**
 * A local date-time (YYYY-MM-DDTHH:mm:ss[.fff]) with the offset Asia/Shanghai had then: +08:00
 * since 1992; before, the database knows the summer times of 1919, 1940–1949 and 1986–1991
 * (+09:00) and local mean time before 1901 (+08:05:43), as PostgreSQL reading the value in that
 * zone would.
 */
function inShanghai(local: string): string {
  if (local >= '1992') return `${local}+08:00`;
  // Offsets change on the hour: cache them per local hour (historical data repeats hours a lot).
  const hour = local.slice(0, 13);
  let offset = shanghaiOffsets.get(hour);
  if (offset === undefined) {
    offset = historicalShanghaiOffset(local);
    if (shanghaiOffsets.size >= 50_000) shanghaiOffsets.clear();
    shanghaiOffsets.set(hour, offset);
  }
  return local + offset;
}

function historicalShanghaiOffset(local: string): string {
  const wall = new Date(0);
  wall.setUTCFullYear(Number(local.slice(0, 4)), Number(local.slice(5, 7)) - 1, Number(local.slice(8, 10)));
  wall.setUTCHours(Number(local.slice(11, 13)));
  const guess = shanghaiOffsetAt(wall.getTime() - 8 * 3600_000);
  return shanghaiOffsetAt(wall.getTime() - offsetMs(guess));
}

function convDateTime(v: string): string | Message {
  const n = v.length;
  // Fast path: YYYY-MM-DD[T ]HH:mm:ss without zone.
  if (
    n === 19 &&
    v.charCodeAt(4) === 45 &&
    v.charCodeAt(7) === 45 &&
    (v.charCodeAt(10) === 84 || v.charCodeAt(10) === 32) &&
    v.charCodeAt(13) === 58 &&
    v.charCodeAt(16) === 58 &&
    allDigits(v, 0, 4) &&
    allDigits(v, 5, 7) &&
    allDigits(v, 8, 10) &&
    allDigits(v, 11, 13) &&
    allDigits(v, 14, 16) &&
    allDigits(v, 17, 19)
  ) {
    if (!isRealDate(d2(v, 0) * 100 + d2(v, 2), d2(v, 5), d2(v, 8)) || d2(v, 11) > 23 || d2(v, 14) > 59) {
      return REASONS.datetime_calendar;
    }
    if (d2(v, 17) > 59) return REASONS.datetime_calendar;
    return inShanghai(v.charCodeAt(10) === 84 ? v : `${v.slice(0, 10)}T${v.slice(11)}`);
  }
  // A date alone: midnight in Shanghai.
  if (n === 10 || n === 8) {
    const r = readDate(v);
    if (r === false) return REASONS.datetime_calendar;
    if (r !== null && r.end === n) return inShanghai(`${r.date}T00:00:00`);
  }
  // YYYY/MM/DD date parts are read as YYYY-MM-DD.
  const w =
    n > 10 && v.charCodeAt(4) === 47 && v.charCodeAt(7) === 47
      ? `${v.slice(0, 4)}-${v.slice(5, 7)}-${v.slice(8)}`
      : v;
  const res = parseDateTime(w);
  if (!('normalised' in res)) {
    return res.problem === 'format' ? REASONS.datetime_format : REASONS.datetime_calendar;
  }
  const out = res.normalised;
  const z = out.charCodeAt(out.length - 6);
  const hasZone = out.charCodeAt(out.length - 1) === 90 /* Z */ || z === 43 || z === 45;
  return hasZone ? out : inShanghai(out);
}

/** JSON text without the white space outside strings; PostgreSQL's jsonb reformats it anyway. */
function minifyJson(v: string): string {
  let out = '';
  let start = 0;
  let inString = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 32 || c === 9 || c === 10 || c === 13) {
      out += v.slice(start, i);
      start = i + 1;
    }
  }
  return start === 0 ? v : out + v.slice(start);
}

/** A \u0000 escape (preceded by an even number of backslashes, so that it is an escape). */
const JSON_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

function convJson(v: string): string | Message {
  try {
    JSON.parse(v);
  } catch {
    return R.json;
  }
  const out = minifyJson(v);
  if (out.includes('\\u0000') && JSON_NUL.test(out)) return R.jsonNul;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compiled fields. Every field is the same shape of object and the converters are plain functions
// chosen by a switch on small integers: one closure per field would make the call site in the
// row loop megamorphic (no inlining, ~20 ns a call), which at 12 fields is most of the budget.

const T_STRING = 0;
const T_INTEGER = 1;
const T_DECIMAL = 2;
const T_BOOLEAN = 3;
const T_DATE = 4;
const T_DATETIME = 5;
const T_JSON = 6;
const TYPE_CODES: Record<FieldInput['type'], number> = {
  string: T_STRING,
  integer: T_INTEGER,
  decimal: T_DECIMAL,
  boolean: T_BOOLEAN,
  date: T_DATE,
  datetime: T_DATETIME,
  json: T_JSON,
};

const V_NONE = 0;
const V_USCC = 1;
const V_ID_NUMBER = 2;
const V_MOBILE = 3;
const V_REGION = 4;
const V_EMAIL = 5;
const V_REGEX = 6;
const VALIDATOR_CODES: Record<NonNullable<FieldInput['validator']>['kind'], number> = {
  uscc: V_USCC,
  id_number: V_ID_NUMBER,
  mobile: V_MOBILE,
  region_code: V_REGION,
  email: V_EMAIL,
  regex: V_REGEX,
};

interface CompiledField {
  col: number;
  label: string;
  piiKind: string;
  required: boolean;
  key: boolean;
  type: number;
  validator: number;
  /** Maximum length in characters (strings), -1: none. */
  maxLen: number;
  codes: Set<string> | null;
  /** Decimals: precision and scale (-1: not constrained), digits allowed before and after the point. */
  precision: number;
  scale: number;
  maxInt: number;
  maxFrac: number;
  excelSerials: boolean;
  regex: RegExp | null;
  pattern: string | undefined;
  now: Date | undefined;
  /** Today (China Standard Time) as YYYYMMDD, for birth dates in identity numbers. */
  today: number;
  /** Identity numbers: the address-code verdict per 6-digit prefix (a few thousand at most). */
  regions: Map<number, boolean>;
}

// Validators: fast paths for the valid common case, exactly as strict as the shared validate();
// whatever they do not accept goes through validate(), which gives the reason (or accepts).

function viaValidate(kind: ValidatorKind, v: string, f: CompiledField): string | Message {
  const r = validate(kind, v, { now: f.now, pattern: f.pattern });
  return r.valid ? (r.normalised as string) : (r.reason as Message);
}

const USCC_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < USCC_ALPHABET.length; i++) USCC_INDEX[USCC_ALPHABET.charCodeAt(i)] = i;
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

function checkUscc(v: string, f: CompiledField): string | Message {
  if (v.length === 18) {
    let sum = 0;
    let i = 0;
    for (; i < 17; i++) {
      const c = v.charCodeAt(i);
      const x = c < 128 ? (USCC_INDEX[c] as number) : -1;
      if (x < 0) break;
      sum += x * (USCC_WEIGHTS[i] as number);
    }
    if (i === 17 && v.charCodeAt(17) === USCC_ALPHABET.charCodeAt((31 - (sum % 31)) % 31)) return v;
  }
  return viaValidate('uscc', v, f);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

function checkId(v: string, f: CompiledField): string | Message {
  if (v.length === 18) {
    let sum = 0;
    let i = 0;
    for (; i < 17; i++) {
      const d = v.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      sum += d * (ID_WEIGHTS[i] as number);
    }
    const last = v.charCodeAt(17);
    const check = ID_CHECK.charCodeAt(sum % 11);
    if (i === 17 && (last === check || (last === 120 /* x */ && check === 88))) {
      const regionNum = d2(v, 0) * 10000 + d2(v, 2) * 100 + d2(v, 4);
      let region = f.regions.get(regionNum);
      if (region === undefined) {
        const code = v.slice(0, 6);
        region = isRegionCode(code) || isProvincePrefix(code) || code.startsWith('83');
        f.regions.set(regionNum, region);
      }
      const y = d2(v, 6) * 100 + d2(v, 8);
      const mo = d2(v, 10);
      const day = d2(v, 12);
      const key = y * 10000 + mo * 100 + day;
      if (region && isRealDate(y, mo, day) && key >= 18000101 && key <= f.today) {
        return last === 120 ? `${v.slice(0, 17)}X` : v;
      }
    }
  }
  return viaValidate('id_number', v, f);
}

function checkMobile(v: string, f: CompiledField): string | Message {
  if (v.length === 11 && v.charCodeAt(0) === 49) {
    const c1 = v.charCodeAt(1);
    if (c1 >= 51 && c1 <= 57 && allDigits(v, 2, 11)) return v;
  }
  return viaValidate('mobile', v, f);
}

function runValidator(f: CompiledField, v: string): string | Message {
  switch (f.validator) {
    case V_USCC:
      return checkUscc(v, f);
    case V_ID_NUMBER:
      return checkId(v, f);
    case V_MOBILE:
      return checkMobile(v, f);
    case V_REGION:
      return isRegionCode(v) ? v : viaValidate('region_code', v, f);
    case V_EMAIL:
      return viaValidate('email', v, f);
    default: {
      const regex = f.regex as RegExp;
      return v.length <= MAX_VALUE_LENGTH && regex.test(v) ? v : viaValidate('regex', v, f);
    }
  }
}

/** One trimmed, non-empty value: its COPY text, or why it is refused. */
function convert(f: CompiledField, v: string): string | Message {
  let x = v;
  if (f.validator !== V_NONE) {
    const r = runValidator(f, x);
    if (typeof r !== 'string') return r;
    x = r;
  }
  let r: string | Message;
  switch (f.type) {
    case T_STRING:
      r = x;
      break;
    case T_INTEGER:
      r = convInteger(x);
      break;
    case T_DECIMAL:
      r = convDecimal(x, f.precision, f.scale, f.maxInt, f.maxFrac);
      break;
    case T_BOOLEAN:
      r = convBoolean(x);
      break;
    case T_DATE:
      r = convDate(x, f.excelSerials);
      break;
    case T_DATETIME:
      r = convDateTime(x);
      break;
    default:
      r = convJson(x);
  }
  if (typeof r !== 'string') return r;
  if (f.maxLen >= 0 && r.length > f.maxLen) {
    const n = codePointLength(r);
    if (n > f.maxLen) return tooLong(n, f.maxLen);
  }
  if (f.codes !== null && !f.codes.has(r)) return R.codeTable;
  return f.type === T_STRING || f.type === T_JSON ? escapeCopy(r) : r;
}

function compileField(field: FieldInput, col: number, opts: CheckerOptions): CompiledField {
  const label = field.code ?? field.name;
  const spec = field.validator ?? null;
  let regex: RegExp | null = null;
  if (spec?.kind === 'regex') {
    if (spec.pattern === undefined || spec.pattern === '')
      throw new CheckerError(label, REASONS.pattern_missing);
    const compiled = compilePattern(spec.pattern);
    if (!compiled.ok) throw new CheckerError(label, PATTERN_REASONS[compiled.problem]);
    regex = compiled.regex;
  }
  let codes: Set<string> | null = null;
  if (field.codeTableId) {
    const table = opts.codeTables?.get(field.codeTableId);
    if (!table) {
      throw new CheckerError(label, {
        'zh-CN': `缺少代码表 ${field.codeTableId}`,
        en: `The code table ${field.codeTableId} was not supplied`,
      });
    }
    codes = table;
  }
  // numeric(p) is numeric(p, 0); a scale alone is enforced without a precision.
  const precision = field.type === 'decimal' ? (field.precision ?? -1) : -1;
  const scale = field.type === 'decimal' ? (field.scale ?? (precision >= 0 ? 0 : -1)) : -1;
  const t = new Date((opts.now ?? new Date()).getTime() + 8 * 3600_000); // China Standard Time
  return {
    col,
    label,
    piiKind: field.piiKind,
    // Key columns are NOT NULL, and a NULL key could not be checked for uniqueness.
    required: field.required || field.key,
    key: field.key,
    type: TYPE_CODES[field.type],
    validator: spec ? VALIDATOR_CODES[spec.kind] : V_NONE,
    maxLen: field.type === 'string' && field.length != null ? field.length : -1,
    codes,
    precision,
    scale,
    maxInt: precision >= 0 ? precision - Math.max(scale, 0) : NUMERIC_MAX_INT_DIGITS,
    maxFrac: scale >= 0 ? scale : NUMERIC_MAX_SCALE,
    excelSerials: opts.excelSerialDates ?? false,
    regex,
    pattern: spec?.pattern,
    now: opts.now,
    today: t.getUTCFullYear() * 10000 + (t.getUTCMonth() + 1) * 100 + t.getUTCDate(),
    regions: new Map(),
  };
}

/** White space as String.prototype.trim sees it (ECMAScript WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** Whether trim() would change v (calling it costs far more than looking at both ends). */
function needsTrim(v: string): boolean {
  const n = v.length;
  return n === 0 || isSpace(v.charCodeAt(0)) || isSpace(v.charCodeAt(n - 1));
}

const MAX_REJECT_VALUE = 1000;

function rejectValue(piiKind: string, value: string | null): string | null {
  if (value === null) return null;
  const shown = piiKind === 'none' ? value : maskValue(defaultMask(piiKind), value);
  if (shown === null) return null;
  return shown.length > MAX_REJECT_VALUE ? `${shown.slice(0, MAX_REJECT_VALUE)}…` : shown;
}

/**
 * The keys of a batch, for uniqueness: an open-addressing hash table over typed arrays, the keys'
 * UTF-16 code units copied into one growing arena. Exact (a hash match is confirmed by comparing
 * the code units) and outside the JavaScript heap: a Map<string, number> of a million keys costs
 * more than the rest of the row check, mostly in the garbage collector moving the retained strings.
 * About 14 bytes per key plus 2 per key character (1M 18-character keys ≈ 50–70 MB with growth).
 */
export class KeyIndex {
  private slots = new Int32Array(1 << 10); // entry + 1; 0: empty
  private hashes = new Int32Array(1 << 9);
  private rows = new Int32Array(1 << 9);
  private offsets = new Int32Array((1 << 9) + 1); // entry k's units: offsets[k] .. offsets[k + 1]
  private arena = new Uint16Array(1 << 13);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The row that first had this key, or -1 when it is new (it is then remembered with `row`). */
  firstRow(key: string, row: number): number {
    const k = this.count;
    const offsets = this.offsets;
    const start = offsets[k] as number;
    const len = key.length;
    if (start + len > this.arena.length) this.growArena(start + len);
    const arena = this.arena;
    // FNV-1a over the code units, copying them into the arena on the way.
    let h = 0x811c9dc5 | 0;
    for (let i = 0; i < len; i++) {
      const c = key.charCodeAt(i);
      arena[start + i] = c;
      h = Math.imul(h ^ c, 0x01000193);
    }
    h ^= h >>> 15;
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = h & mask;
    for (;;) {
      const e = slots[s] as number;
      if (e === 0) break;
      if (this.hashes[e - 1] === h) {
        const from = offsets[e - 1] as number;
        if ((offsets[e] as number) - from === len) {
          let j = 0;
          while (j < len && arena[from + j] === arena[start + j]) j++;
          if (j === len) return this.rows[e - 1] as number;
        }
      }
      s = (s + 1) & mask;
    }
    if (k + 1 >= this.hashes.length) this.growEntries();
    slots[s] = k + 1;
    this.hashes[k] = h;
    this.rows[k] = row;
    this.offsets[k + 1] = start + len;
    this.count = k + 1;
    if (this.count * 2 > slots.length) this.rehash();
    return -1;
  }

  private growArena(need: number): void {
    let size = this.arena.length * 2;
    while (size < need) size *= 2;
    const next = new Uint16Array(size);
    next.set(this.arena);
    this.arena = next;
  }

  private growEntries(): void {
    const size = this.hashes.length * 2;
    const hashes = new Int32Array(size);
    hashes.set(this.hashes);
    const rows = new Int32Array(size);
    rows.set(this.rows);
    const offsets = new Int32Array(size + 1);
    offsets.set(this.offsets);
    this.hashes = hashes;
    this.rows = rows;
    this.offsets = offsets;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let k = 0; k < this.count; k++) {
      let s = (this.hashes[k] as number) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = k + 1;
    }
    this.slots = slots;
  }
}

/**
 * Compiles the checker of one batch. `columns[i]` is the index in a record of the value of
 * `fields[i]` (-1: the file has no such column, the value is NULL).
 */
export function compileChecker(
  fields: readonly FieldInput[],
  columns: readonly number[],
  opts: CheckerOptions = {},
): RowChecker {
  if (columns.length !== fields.length) {
    throw new Error(`compileChecker: ${fields.length} fields but ${columns.length} column indexes`);
  }
  const compiled = fields.map((f, i) => compileField(f, columns[i] as number, opts));
  const count = compiled.length;
  const keyFields = compiled.filter((f) => f.key);
  const keyCount = keyFields.length;
  const keyLabel = keyFields.map((f) => f.label).join(',');
  const width = opts.expectedWidth;
  const seen = new KeyIndex();
  const uniqueKeys = opts.uniqueKeys !== false;

  function check(row: number, values: readonly (string | null)[]): { line: string } | { rejects: Reject[] } {
    if (width !== undefined && values.length !== width) {
      return { rejects: [{ row, field: null, value: null, reason: widthMismatch(values.length, width) }] };
    }
    let line = '';
    let key = '';
    let rejects: Reject[] | null = null;
    for (let i = 0; i < count; i++) {
      const f = compiled[i] as CompiledField;
      const raw = f.col < 0 ? null : (values[f.col] ?? null);
      let out: string;
      const v = raw === null ? '' : needsTrim(raw) ? raw.trim() : raw;
      if (v.length === 0) {
        if (f.required) {
          const reason = f.col < 0 ? R.noColumn : f.key ? R.requiredKey : R.required;
          (rejects ??= []).push({ row, field: f.label, value: raw, reason });
          continue;
        }
        out = '\\N';
      } else {
        const r =
          f.type === T_STRING && f.validator === V_NONE && f.codes === null ? plainText(f, v) : convert(f, v);
        if (typeof r !== 'string') {
          (rejects ??= []).push({ row, field: f.label, value: rejectValue(f.piiKind, raw), reason: r });
          continue;
        }
        out = r;
      }
      if (rejects !== null) continue;
      line = i === 0 ? out : `${line}\t${out}`;
      if (f.key) key = key === '' ? out : `${key}\t${out}`;
    }
    if (rejects !== null) return { rejects };
    if (keyCount > 0 && uniqueKeys) {
      const first = seen.firstRow(key, row);
      if (first >= 0) {
        const shown = keyFields.map((f) => {
          const raw = f.col < 0 ? null : (values[f.col] ?? null);
          return rejectValue(f.piiKind, raw) ?? '';
        });
        return { rejects: [{ row, field: keyLabel, value: shown.join(','), reason: duplicateKey(first) }] };
      }
    }
    return { line: `${line}\n` };
  }

  return {
    check,
    get keysSeen() {
      return seen.size;
    },
  };
}

/** The most common field, a string without validator or code table: length and escaping only. */
function plainText(f: CompiledField, v: string): string | Message {
  if (f.maxLen >= 0 && v.length > f.maxLen) {
    const n = codePointLength(v);
    if (n > f.maxLen) return tooLong(n, f.maxLen);
  }
  return escapeCopy(v);
}
