import type { Localized } from '../i18n/index.js';
import { isUscc, usccCheckChar } from './uscc.js';
import { checkIdNumber, type IdNumberProblem } from './id-number.js';
import { checkMobile } from './mobile.js';
import { isRegionCode } from './region.js';
import { checkEmail } from './email.js';
import { formatDate, parseDate, parseDateTime } from './dates.js';
import { compilePattern, type PatternProblem } from './pattern.js';

/**
 * The platform's value validators, shared by the standards module, catalog fields, loads and
 * quality checks. Everything here is pure and allocation-light: `validate` runs once per cell on
 * files of hundreds of thousands of rows, so reasons are constant objects and caller patterns are
 * compiled once.
 */

export { USCC_ALPHABET, isUscc, usccCheckChar, usccWithCheck } from './uscc.js';
export { checkIdNumber, idNumberCheckChar, idNumberWithCheck, isIdNumber } from './id-number.js';
export { checkMobile, isMobile } from './mobile.js';
export {
  isProvincePrefix,
  isRegionCode,
  regionByCode,
  regionDivisions,
  regionSourceVersion,
  type Division,
} from './region.js';
export { checkEmail, isEmail } from './email.js';
export { isLeapYear, isRealDate, parseDate, parseDateTime } from './dates.js';
export { MAX_PATTERN_LENGTH, compilePattern, hasNestedRepetition } from './pattern.js';

/**
 * 行政区划代码 (GB/T 2260) by form only: six digits, not all zero. Whether the code exists is
 * `isRegionCode` (the current list).
 */
export function isRegionCodeFormat(code: string): boolean {
  return /^[0-9]{6}$/.test(code) && code !== '000000';
}

export const VALIDATOR_KINDS = [
  'uscc',
  'id_number',
  'mobile',
  'region_code',
  'email',
  'date',
  'datetime',
  'regex',
] as const;
export type ValidatorKind = (typeof VALIDATOR_KINDS)[number];

export function isValidatorKind(value: string): value is ValidatorKind {
  return (VALIDATOR_KINDS as readonly string[]).includes(value);
}

/** Longer values are refused before any check runs (bounds the cost of caller patterns). */
export const MAX_VALUE_LENGTH = 1000;

export interface ValidateOptions {
  /** The pattern of a 'regex' validator; the whole value must match. */
  pattern?: string | undefined;
  /** "Today" for birth dates (tests); defaults to the clock. */
  now?: Date | undefined;
}

export interface ValidationResult {
  valid: boolean;
  /** The value in its canonical form, when valid (e.g. upper-case X, a date as YYYY-MM-DD). */
  normalised?: string;
  /** Why the value is refused, in both languages. */
  reason?: Localized;
}

const r = (zh: string, en: string): Localized => Object.freeze({ 'zh-CN': zh, en });

/** Every refusal reason. Constant objects: a failing cell allocates only its result. */
export const REASONS = {
  empty: r('值为空', 'The value is empty'),
  too_long: r(`值超过 ${MAX_VALUE_LENGTH} 个字符`, `The value is longer than ${MAX_VALUE_LENGTH} characters`),
  uscc_length: r('统一社会信用代码应为 18 位', 'A unified social credit code has 18 characters'),
  uscc_charset: r(
    '统一社会信用代码含有不允许的字符（只用数字和除 I、O、Z、S、V 以外的大写字母）',
    'The unified social credit code contains characters outside its alphabet (digits and capitals except I, O, Z, S, V)',
  ),
  uscc_check: r('统一社会信用代码校验码错误', 'Wrong check character in the unified social credit code'),
  id_format: r(
    '公民身份号码应为 17 位数字加 1 位校验码（数字或 X）',
    'A citizen identity number is 17 digits and a check character (a digit or X)',
  ),
  id_region: r(
    '公民身份号码前 6 位不是有效的行政区划代码',
    'The first 6 digits of the identity number are not an administrative division code',
  ),
  id_birth_date: r(
    '公民身份号码中的出生日期不是有效日期',
    'The birth date in the identity number is not a real date',
  ),
  id_birth_future: r(
    '公民身份号码中的出生日期晚于今天',
    'The birth date in the identity number is in the future',
  ),
  id_check: r('公民身份号码校验码错误', 'Wrong check character in the identity number'),
  mobile: r(
    '不是有效的手机号码（中国大陆 11 位，以 13–19 开头，可带 +86）',
    'Not a mobile number (11 digits starting 13–19, optionally with +86)',
  ),
  region_format: r('行政区划代码应为 6 位数字', 'An administrative division code is 6 digits'),
  region_unknown: r(
    '行政区划代码不在 GB/T 2260 现行代码表中',
    'The code is not in the current GB/T 2260 list of administrative divisions',
  ),
  email: r('不是有效的电子邮箱地址', 'Not a valid e-mail address'),
  date_format: r(
    '日期格式应为 YYYY-MM-DD、YYYYMMDD 或 YYYY/MM/DD',
    'A date is written YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD',
  ),
  date_calendar: r('日期不存在（如 2023-02-29）', 'No such day in the calendar (e.g. 2023-02-29)'),
  datetime_format: r(
    '日期时间应为 ISO 8601 格式，如 2024-03-01T08:30:00+08:00',
    'A date-time is written in ISO 8601, e.g. 2024-03-01T08:30:00+08:00',
  ),
  datetime_calendar: r('日期或时间不存在', 'No such date or time'),
  pattern_missing: r('正则校验需要提供 pattern', 'A regex validator needs a pattern'),
  pattern_too_long: r('正则表达式超过 500 个字符', 'The pattern is longer than 500 characters'),
  pattern_syntax: r('正则表达式语法错误', 'The pattern is not a valid regular expression'),
  pattern_unsafe: r(
    '正则表达式含有嵌套重复或反向引用，可能导致回溯灾难，不予使用',
    'The pattern nests repetitions or uses back-references, which can backtrack catastrophically',
  ),
  regex_mismatch: r('值不符合规定的格式', 'The value does not match the required pattern'),
} as const;
export type ReasonKey = keyof typeof REASONS;

const ID_REASONS: Record<IdNumberProblem, Localized> = {
  format: REASONS.id_format,
  region: REASONS.id_region,
  birth_date: REASONS.id_birth_date,
  birth_future: REASONS.id_birth_future,
  check: REASONS.id_check,
};
export const PATTERN_REASONS: Record<PatternProblem, Localized> = {
  too_long: REASONS.pattern_too_long,
  syntax: REASONS.pattern_syntax,
  unsafe: REASONS.pattern_unsafe,
};

const fail = (reason: Localized): ValidationResult => ({ valid: false, reason });
const pass = (normalised: string): ValidationResult => ({ valid: true, normalised });

/**
 * Validates one value. Surrounding white space never counts (cells often carry it); `normalised`
 * is what should be stored. An empty value is refused: whether a value is required is the
 * caller's rule, so callers skip empty optional cells before calling.
 */
export function validate(kind: ValidatorKind, value: string, opts: ValidateOptions = {}): ValidationResult {
  if (value.length > MAX_VALUE_LENGTH) return fail(REASONS.too_long);
  const v = value.trim();
  if (v === '') return fail(REASONS.empty);
  switch (kind) {
    case 'uscc': {
      const code = v.toUpperCase();
      if (code.length !== 18) return fail(REASONS.uscc_length);
      if (isUscc(code)) return pass(code);
      const charsetOk =
        usccCheckChar(code.slice(0, 17)) !== undefined && /^[0-9A-HJ-NPQRTUWXY]$/.test(code[17] ?? '');
      return fail(charsetOk ? REASONS.uscc_check : REASONS.uscc_charset);
    }
    case 'id_number': {
      const res = checkIdNumber(v, opts.now);
      return res.ok ? pass(res.normalised) : fail(ID_REASONS[res.problem]);
    }
    case 'mobile': {
      const res = checkMobile(v);
      return res.ok ? pass(res.normalised) : fail(REASONS.mobile);
    }
    case 'region_code':
      if (!/^\d{6}$/.test(v)) return fail(REASONS.region_format);
      return isRegionCode(v) ? pass(v) : fail(REASONS.region_unknown);
    case 'email': {
      const res = checkEmail(v);
      return res.ok ? pass(res.normalised) : fail(REASONS.email);
    }
    case 'date': {
      const res = parseDate(v);
      if ('date' in res) return pass(formatDate(res.date));
      return fail(res.problem === 'format' ? REASONS.date_format : REASONS.date_calendar);
    }
    case 'datetime': {
      const res = parseDateTime(v);
      if ('normalised' in res) return pass(res.normalised);
      return fail(res.problem === 'format' ? REASONS.datetime_format : REASONS.datetime_calendar);
    }
    case 'regex': {
      if (opts.pattern === undefined || opts.pattern === '') return fail(REASONS.pattern_missing);
      const compiled = compilePattern(opts.pattern);
      if (!compiled.ok) return fail(PATTERN_REASONS[compiled.problem]);
      // A pattern is about the value as given, so it sees the trimmed value, not a normalised one.
      return compiled.regex.test(v) ? pass(v) : fail(REASONS.regex_mismatch);
    }
  }
}

/** Why a caller's pattern cannot be used, or undefined when it can (data element and field editors). */
export function patternProblem(pattern: string): Localized | undefined {
  const compiled = compilePattern(pattern);
  return compiled.ok ? undefined : PATTERN_REASONS[compiled.problem];
}
