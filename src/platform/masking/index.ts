import crypto from 'node:crypto';
import type { NodeIdentity } from '../crypto/types.js';

/**
 * Masking functions, used by every output path: data services, exports, dataset previews and the
 * aggregation reject store (docs/SHARING.md, "Masking").
 *
 * | function   | kept                                         | example                                         |
 * | ---------- | -------------------------------------------- | ----------------------------------------------- |
 * | none       | everything                                   |                                                 |
 * | name       | the first character                          | 张三 → 张*, 张小三 → 张**, 欧阳小明 → 欧***       |
 * | id_number  | the first 6 and the last 4                   | 110101199003071234 → 110101********1234         |
 * | mobile     | the first 3 and the last 4                   | 13812345678 → 138****5678                       |
 * | bank_card  | the first 4 and the last 4                   | 6222021234567890123 → 6222***********0123       |
 * | address    | up to the district/county, then ***          | 广东省广州市天河区体育西路1号 → 广东省广州市天河区*** |
 * | email      | the first character and the domain           | zhangsan@example.com → z***@example.com         |
 * | date_year  | the year of a date or date-time text         | 2024-03-01 12:00:00+08 → 2024; not a date → NULL |
 * | keyed_hash | HMAC (SHA-256 or SM3) with a node key, 32 hex | → 3f2a…(32 hex digits)                          |
 * | nullify    | nothing                                      | → NULL                                          |
 *
 * NULL stays NULL, and an empty string stays empty (except under nullify and date_year, which give
 * NULL). Characters are code points: a name in an extension-B character (𠮷) is one character. A
 * value too short for its rule (an "ID number" of 9 digits, a 6-digit "mobile", a one-character
 * name) is masked entirely, star for star: keeping "the first 6 and the last 4" of a 9-character
 * value would show all of it. Name, ID number, mobile and bank card keep the value's length (one
 * star per hidden character); address and email hide it (`***`).
 *
 * Address: the administrative prefix is read level by level — province (…省, …自治区, …特别行政区,
 * or a municipality 北京/天津/上海/重庆[市]), prefecture (…市, …自治州, …地区, …盟), county (…区, …县,
 * …旗, a county-level …市, …自治县/旗) — each level optional but in order; the prefix ends after
 * the county or after the last level found. A segment holding digits, whitespace or street words
 * (路 街 号 巷 弄 楼 栋 幢 室 村, 镇 after its first character) is not an administrative name, nor is
 * …小区/社区/园区/校区/景区/厂区 or a 市场. Names are at most 8 characters (16 for the ethnic
 * autonomous units, 自治区/州/县/旗, and 特别行政区). Without any level, the first 6 characters
 * are kept (a value of 6 or fewer is starred entirely). A heuristic, erring on the side of hiding.
 *
 * The hot path is `compileMasks`: the functions of a row's columns are looked up once, columns
 * under 'none' are skipped, no regular expressions are involved.
 */

export const MASK_FUNCTIONS = [
  'none',
  'name',
  'id_number',
  'mobile',
  'bank_card',
  'address',
  'email',
  'date_year',
  'keyed_hash',
  'nullify',
] as const;
export type MaskFunction = (typeof MASK_FUNCTIONS)[number];

const MASK_FUNCTION_SET: ReadonlySet<string> = new Set(MASK_FUNCTIONS);
export function isMaskFunction(s: string): s is MaskFunction {
  return MASK_FUNCTION_SET.has(s);
}

/**
 * The key of keyed_hash: HMAC-SHA-256 under the intl suite, HMAC-SM3 under gm. Get it from the
 * node with `maskKeyOf(identity)` (the node's MAC key for the purpose `mask`).
 */
export interface MaskKey {
  key: Buffer;
  algorithm: 'sha256' | 'sm3';
}

export function maskKeyOf(identity: Pick<NodeIdentity, 'suite' | 'macKey'>): MaskKey {
  return { key: identity.macKey('mask'), algorithm: identity.suite === 'gm' ? 'sm3' : 'sha256' };
}

/**
 * The mask a PII kind gets unless a grant says otherwise. Each named kind has its own function;
 * 'other' (PII of no known shape) and kinds this version does not know are nullified — there is
 * nothing safe to keep of them, and a default must not need a key; 'none' is not masked.
 */
export function defaultMask(piiKind: string): MaskFunction {
  switch (piiKind) {
    case 'none':
    case 'name':
    case 'id_number':
    case 'mobile':
    case 'bank_card':
    case 'address':
    case 'email':
      return piiKind;
    default:
      return 'nullify';
  }
}

type Masker = (value: string) => string | null;

/** One value through one function; `key` is required for keyed_hash (even for NULL). */
export function maskValue(fn: MaskFunction, value: string | null, key?: MaskKey): string | null {
  const m = masker(fn, key);
  return value === null ? null : m(value);
}

/**
 * A compiled mask for a row of columns, `fns[i]` applying to `row[i]`; it masks the row in place.
 * Build it once per column list (e.g. per grant) and call it per row. Throws at once if a column
 * is under keyed_hash and there is no key.
 */
export function compileMasks(fns: readonly MaskFunction[], key?: MaskKey): (row: (string | null)[]) => void {
  const at: number[] = [];
  const ms: Masker[] = [];
  fns.forEach((fn, i) => {
    if (fn === 'none') return;
    at.push(i);
    ms.push(masker(fn, key));
  });
  const n = at.length;
  if (n === 0) return () => {};
  return (row) => {
    for (let j = 0; j < n; j++) {
      const i = at[j]!;
      const v = row[i];
      if (v !== null && v !== undefined) row[i] = ms[j]!(v);
    }
  };
}

function masker(fn: MaskFunction, key: MaskKey | undefined): Masker {
  switch (fn) {
    case 'none':
      return keep;
    case 'name':
      return maskName;
    case 'id_number':
      return maskIdNumber;
    case 'mobile':
      return maskMobile;
    case 'bank_card':
      return maskBankCard;
    case 'address':
      return maskAddress;
    case 'email':
      return maskEmail;
    case 'date_year':
      return dateYear;
    case 'nullify':
      return nullify;
    case 'keyed_hash':
      return keyedHash(key);
    default:
      throw new Error(`unknown mask function ${String(fn)}`);
  }
}

const keep: Masker = (v) => v;
const nullify: Masker = () => null;

function keyedHash(key: MaskKey | undefined): Masker {
  if (!key || key.key.length === 0) throw new Error('keyed_hash needs a key');
  const { key: k, algorithm } = key;
  if (algorithm !== 'sha256' && algorithm !== 'sm3')
    throw new Error(`unknown HMAC algorithm ${String(algorithm)}`);
  return (v) =>
    v === '' ? '' : crypto.createHmac(algorithm, k).update(v, 'utf8').digest('hex').slice(0, 32);
}

// ---- code points -------------------------------------------------------------------------------

const STARS: string[] = [];
for (let i = 0, s = ''; i <= 64; i++, s += '*') STARS.push(s);
const stars = (n: number): string => (n <= 64 ? STARS[n]! : '*'.repeat(n));

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** The number of code points of `s` (a surrogate pair counts once, a lone surrogate once). */
function cpLength(s: string): number {
  const len = s.length;
  let i = 0;
  while (i < len && (s.charCodeAt(i) & 0xf800) !== 0xd800) i++;
  if (i === len) return len; // no surrogates: the common case
  let n = len;
  for (; i < len - 1; i++) {
    if (isHigh(s.charCodeAt(i)) && isLow(s.charCodeAt(i + 1))) {
      n--;
      i++;
    }
  }
  return n;
}

/** Keeps `first` leading and `last` trailing code points, one star per hidden one. */
function keepEnds(v: string, first: number, last: number): string {
  const n = cpLength(v);
  if (n <= first + last) return stars(n);
  if (n === v.length) return v.slice(0, first) + stars(n - first - last) + v.slice(n - last);
  const cs = Array.from(v);
  return cs.slice(0, first).join('') + stars(n - first - last) + cs.slice(n - last).join('');
}

const maskName: Masker = (v) => keepEnds(v, 1, 0);
const maskIdNumber: Masker = (v) => keepEnds(v, 6, 4);
const maskMobile: Masker = (v) => keepEnds(v, 3, 4);
const maskBankCard: Masker = (v) => keepEnds(v, 4, 4);

const maskEmail: Masker = (v) => {
  const at = v.lastIndexOf('@');
  const local = at < 0 ? v.length : at; // code units of the local part
  if (local === 0) return v;
  const first = local > 1 && isHigh(v.charCodeAt(0)) && isLow(v.charCodeAt(1)) ? 2 : 1;
  const domain = at < 0 ? '' : v.slice(at);
  return local > first ? `${v.slice(0, first)}***${domain}` : `*${domain}`;
};

// ---- date_year ---------------------------------------------------------------------------------

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const digitAt = (v: string, i: number) => v.charCodeAt(i) - 0x30;

/**
 * The year of YYYY, YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD, YYYY年M月D日, YYYYMMDD (month and day
 * checked) and any date-time text starting with one of them (PostgreSQL's timestamptz text);
 * anything else is NULL.
 */
const dateYear: Masker = (v) => {
  const n = v.length;
  if (n < 4 || !isDigit(v.charCodeAt(0)) || !isDigit(v.charCodeAt(1))) return null;
  if (!isDigit(v.charCodeAt(2)) || !isDigit(v.charCodeAt(3))) return null;
  if (n === 4) return v;
  const c = v.charCodeAt(4);
  if (c === 0x2d /* - */ || c === 0x2f /* / */ || c === 0x2e /* . */ || c === 0x5e74 /* 年 */) {
    return n > 5 && isDigit(v.charCodeAt(5)) ? v.slice(0, 4) : null;
  }
  if (!isDigit(c) || n < 8) return null;
  for (let i = 5; i < 8; i++) if (!isDigit(v.charCodeAt(i))) return null;
  if (n > 8 && isDigit(v.charCodeAt(8))) {
    // YYYYMMDDhhmm[ss]: digits only up to 14, or a separator after them.
    let j = 8;
    while (j < n && isDigit(v.charCodeAt(j))) j++;
    if (j !== 12 && j !== 14) return null;
  }
  const month = digitAt(v, 4) * 10 + digitAt(v, 5);
  const day = digitAt(v, 6) * 10 + digitAt(v, 7);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? v.slice(0, 4) : null;
};

// ---- address -----------------------------------------------------------------------------------

const C = (s: string) => s.charCodeAt(0);
const SHENG = C('省');
const SHI = C('市');
const QU = C('区');
const XIAN = C('县');
const QI = C('旗');
const ZHOU = C('州');
const MENG = C('盟');
const ZHEN = C('镇');
const DI = C('地');
const CHANG = C('场');

/** Character classes of the address parser, one byte per BMP code unit. */
const PLAIN = 0;
const BAD = 1; // never in the name of a province, prefecture or county: digits, spaces, street words
const SPACE = 2; // also BAD inside a name
const SUFFIX = 3; // 省 市 区 县 旗 州 盟, and 镇 (BAD after a name's first character)
const CLASS = new Uint8Array(0x10000);
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = BAD;
for (let c = 0xff10; c <= 0xff19; c++) CLASS[c] = BAD;
for (const ch of '路街号巷弄楼栋幢室村,，、;；:：()（）#/\\-—') CLASS[C(ch)] = BAD;
for (const c of [0x20, 0x09, 0x3000, 0xa0]) CLASS[c] = SPACE;
for (const c of [SHENG, SHI, QU, XIAN, QI, ZHOU, MENG, ZHEN]) CLASS[c] = SUFFIX;
/** Characters that end a name when they come just before 区 (…小区, …社区 are not districts). */
const NOT_BEFORE_QU = new Uint8Array(0x10000);
for (const ch of '小社园校景厂') NOT_BEFORE_QU[C(ch)] = 1;

const MAX_NAME = 8;
const MAX_LONG_NAME = 16;
const MUNICIPALITIES = ['北京', '天津', '上海', '重庆'];

const PROVINCE = 1;
const PREFECTURE = 2;
const COUNTY = 3;
const CITY = 4; // …市: a prefecture, or a county-level city below a prefecture

function skipSpaces(v: string, pos: number): number {
  while (pos < v.length && CLASS[v.charCodeAt(pos)] === SPACE) pos++;
  return pos;
}

/** `v` has `word` just before index `i`. */
function endsAt(v: string, i: number, word: string): boolean {
  return i >= word.length && v.startsWith(word, i - word.length);
}

/**
 * The administrative unit starting at `pos`, as `end * 8 + level` (`end` exclusive), or 0 when
 * none starts there.
 */
function segment(v: string, pos: number): number {
  if (pos >= v.length) return 0;
  const k0 = CLASS[v.charCodeAt(pos)];
  if (k0 === BAD || k0 === SPACE) return 0;
  const limit = Math.min(v.length, pos + MAX_LONG_NAME);
  for (let i = pos + 1; i < limit; i++) {
    const c = v.charCodeAt(i);
    const k = CLASS[c];
    if (k === PLAIN) continue;
    if (k !== SUFFIX || c === ZHEN) return 0;
    let level = 0;
    let long = false;
    if (c === SHENG) {
      level = PROVINCE;
    } else if (c === QU) {
      if (endsAt(v, i, '自治') || endsAt(v, i, '特别行政')) {
        level = PROVINCE;
        long = true;
      } else if (v.charCodeAt(i - 1) === DI) {
        level = PREFECTURE; // …地区
      } else if (NOT_BEFORE_QU[v.charCodeAt(i - 1)] === 1) {
        continue;
      } else {
        level = COUNTY;
      }
    } else if (c === XIAN || c === QI) {
      level = COUNTY;
      long = endsAt(v, i, '自治');
    } else if (c === ZHOU) {
      if (!endsAt(v, i, '自治')) continue; // 广州, 贵州, 杭州…: part of the name
      level = PREFECTURE;
      long = true;
    } else if (c === MENG) {
      level = PREFECTURE;
    } else if (c === SHI) {
      const next = i + 1 < v.length ? v.charCodeAt(i + 1) : 0;
      if (next === QU || next === CHANG) continue; // 沙市区 is a district, 市场 a market
      level = CITY;
    }
    return i - pos + 1 > (long ? MAX_LONG_NAME : MAX_NAME) ? 0 : (i + 1) * 8 + level;
  }
  return 0;
}

/** The end of the administrative prefix of an address (0 if none). */
function addressPrefixEnd(v: string): number {
  let pos = skipSpaces(v, 0);
  let end = 0;
  let level = 0;
  const c0 = v.charCodeAt(pos);
  for (const m of MUNICIPALITIES) {
    if (c0 === m.charCodeAt(0) && v.startsWith(m, pos)) {
      // 北京市…: province and prefecture at once. 北京… without 市 counts only if a district follows.
      pos += m.length;
      if (v.charCodeAt(pos) === SHI) end = ++pos;
      level = PREFECTURE;
      break;
    }
  }
  while (level < COUNTY) {
    pos = skipSpaces(v, pos);
    const s = segment(v, pos);
    if (s === 0) break;
    const found = s & 7;
    const l = found === CITY ? (level < PREFECTURE ? PREFECTURE : COUNTY) : found;
    if (l <= level) break;
    level = l;
    end = pos = s >> 3;
  }
  return end;
}

const maskAddress: Masker = (v) => {
  const end = addressPrefixEnd(v);
  if (end > 0) return `${v.slice(0, end)}***`;
  const n = cpLength(v);
  if (n <= 6) return stars(n);
  if (n === v.length) return `${v.slice(0, 6)}***`;
  return `${Array.from(v).slice(0, 6).join('')}***`;
};
