import * as echarts from 'echarts/core';

/**
 * Map outlines for the chart builder's choropleth, from the npm package china-geojson (AntV, MIT):
 * China by province and each province by city (municipalities by district). Every outline is a
 * lazily loaded chunk of the bundle, so nothing is fetched from outside the node.
 *
 * Its features carry GB/T 2260 codes shortened to their significant digits (`44` 广东, `4418`
 * 清远市, `110105` 朝阳区), as `properties.id` or the feature's `id`; `regionCode` pads them to
 * the 6 digits the data holds.
 */

interface GeoFeature {
  id?: string | number;
  properties: { id?: string | number; name: string };
}
export interface GeoCollection {
  type: 'FeatureCollection';
  features: GeoFeature[];
}

type Loader = () => Promise<{ default: unknown }>;

const CHINA: Loader = () => import('china-geojson/src/geojson/china.json');

/** Province (the first two digits of a region code) → its outline of cities or districts. */
const PROVINCES: Record<string, Loader> = {
  '11': () => import('china-geojson/src/geojson/bei_jing_geo.json'),
  '12': () => import('china-geojson/src/geojson/tian_jin_geo.json'),
  '13': () => import('china-geojson/src/geojson/he_bei_geo.json'),
  '14': () => import('china-geojson/src/geojson/shan_xi_2_geo.json'),
  '15': () => import('china-geojson/src/geojson/nei_meng_gu_geo.json'),
  '21': () => import('china-geojson/src/geojson/liao_ning_geo.json'),
  '22': () => import('china-geojson/src/geojson/ji_lin_geo.json'),
  '23': () => import('china-geojson/src/geojson/hei_long_jiang_geo.json'),
  '31': () => import('china-geojson/src/geojson/shang_hai_geo.json'),
  '32': () => import('china-geojson/src/geojson/jiang_su_geo.json'),
  '33': () => import('china-geojson/src/geojson/zhe_jiang_geo.json'),
  '34': () => import('china-geojson/src/geojson/an_hui_geo.json'),
  '35': () => import('china-geojson/src/geojson/fu_jian_geo.json'),
  '36': () => import('china-geojson/src/geojson/jiang_xi_geo.json'),
  '37': () => import('china-geojson/src/geojson/shan_dong_geo.json'),
  '41': () => import('china-geojson/src/geojson/he_nan_geo.json'),
  '42': () => import('china-geojson/src/geojson/hu_bei_geo.json'),
  '43': () => import('china-geojson/src/geojson/hu_nan_geo.json'),
  '44': () => import('china-geojson/src/geojson/guang_dong_geo.json'),
  '45': () => import('china-geojson/src/geojson/guang_xi_geo.json'),
  '46': () => import('china-geojson/src/geojson/hai_nan_geo.json'),
  '50': () => import('china-geojson/src/geojson/chong_qing_geo.json'),
  '51': () => import('china-geojson/src/geojson/si_chuan_geo.json'),
  '52': () => import('china-geojson/src/geojson/gui_zhou_geo.json'),
  '53': () => import('china-geojson/src/geojson/yun_nan_geo.json'),
  '54': () => import('china-geojson/src/geojson/xi_zang_geo.json'),
  // The package's file names swap the two Shaanxi/Shanxi spellings: _1 is 陕西 (61), _2 山西 (14).
  '61': () => import('china-geojson/src/geojson/shan_xi_1_geo.json'),
  '62': () => import('china-geojson/src/geojson/gan_su_geo.json'),
  '63': () => import('china-geojson/src/geojson/qing_hai_geo.json'),
  '64': () => import('china-geojson/src/geojson/ning_xia_geo.json'),
  '65': () => import('china-geojson/src/geojson/xin_jiang_geo.json'),
  '71': () => import('china-geojson/src/geojson/tai_wan_geo.json'),
  '81': () => import('china-geojson/src/geojson/xiang_gang_geo.json'),
  '82': () => import('china-geojson/src/geojson/ao_men_geo.json'),
};

export const REGION_CODE = /^[1-8]\d{5}$/;

/** Whether a value reads as a 6-digit GB/T 2260 region code. */
export const isRegionCode = (v: unknown): boolean =>
  (typeof v === 'string' || typeof v === 'number') && REGION_CODE.test(String(v));

/** A feature's 6-digit region code, or null (南海诸岛 has none). */
export function regionCode(f: GeoFeature): string | null {
  const raw = String(f.properties.id ?? f.id ?? '');
  if (!/^\d{2}(\d{2}){0,2}$/.test(raw)) return null;
  return raw.padEnd(6, '0');
}

/** One registered ECharts map: its name and its regions by 6-digit code. */
export interface RegionMap {
  /** The ECharts map name ('china' or 'province-44'). */
  name: string;
  /** code → the feature's name (what the map series matches on). */
  regions: Map<string, string>;
  /** Whether its regions are cities (codes ending in 00) rather than districts and counties. */
  cityLevel: boolean;
}

const registered = new Map<string, RegionMap>();

function register(name: string, json: GeoCollection): RegionMap {
  const regions = new Map<string, string>();
  for (const f of json.features) {
    const code = regionCode(f);
    if (code) regions.set(code, f.properties.name);
  }
  echarts.registerMap(name, json as unknown as Parameters<typeof echarts.registerMap>[1]);
  const codes = [...regions.keys()];
  const map: RegionMap = { name, regions, cityLevel: codes.every((c) => c.endsWith('00')) };
  registered.set(name, map);
  return map;
}

/** The map of China by province. */
export async function loadChina(): Promise<RegionMap> {
  const done = registered.get('china');
  if (done) return done;
  return register('china', (await CHINA()).default as GeoCollection);
}

/** A province's map by city (or district), or null when there is no outline for it. */
export async function loadProvince(province: string): Promise<RegionMap | null> {
  const name = `province-${province}`;
  const done = registered.get(name);
  if (done) return done;
  const loader = PROVINCES[province];
  if (!loader) return null;
  return register(name, (await loader()).default as GeoCollection);
}

/** The province part (first two digits) of a 6-digit region code. */
export const provinceOf = (code: string) => code.slice(0, 2);
