/**
 * Generated enterprise register for the aggregation benchmark (bench/ingest.ts): the 12 fields of
 * a market-regulation 企业登记信息 table and a CSV of it that looks like a real export — valid
 * 统一社会信用代码 (with their 组织机构代码 check character) and 身份证号, real GB/T 2260 county
 * codes of 广东省 with matching addresses, Chinese names, long 经营范围 in quotes (some with ASCII
 * commas), a tenth of the mobiles blank, CRLF line ends. Deterministic: two runs write the same file.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import iconv from 'iconv-lite';
import type { EntryInput, FieldInput } from '../src/modules/catalog/index.js';
import {
  USCC_ALPHABET,
  idNumberCheckChar,
  regionByCode,
  regionDivisions,
  usccWithCheck,
} from '../src/platform/validators/index.js';
import { rng } from './catalog-search-data.js';

type Field = FieldInput & { code: string };

/** The catalog fields, in the CSV's column order. */
export const FIELDS: Field[] = [
  {
    name: '统一社会信用代码',
    code: 'tyshxydm',
    type: 'string',
    length: 18,
    required: true,
    key: true,
    validator: { kind: 'uscc' },
    piiKind: 'none',
    grade: 1,
  },
  {
    name: '企业名称',
    code: 'qymc',
    type: 'string',
    length: 200,
    required: true,
    key: false,
    piiKind: 'none',
    grade: 1,
  },
  {
    name: '法定代表人',
    code: 'fddbr',
    type: 'string',
    length: 50,
    required: true,
    key: false,
    piiKind: 'name',
    grade: 2,
  },
  {
    name: '法定代表人身份证号',
    code: 'fddbrsfzh',
    type: 'string',
    length: 18,
    required: true,
    key: false,
    validator: { kind: 'id_number' },
    piiKind: 'id_number',
    grade: 3,
  },
  {
    name: '联系电话',
    code: 'lxdh',
    type: 'string',
    length: 11,
    required: false,
    key: false,
    validator: { kind: 'mobile' },
    piiKind: 'mobile',
    grade: 2,
  },
  {
    name: '行政区划代码',
    code: 'xzqhdm',
    type: 'string',
    length: 6,
    required: true,
    key: false,
    validator: { kind: 'region_code' },
    piiKind: 'none',
    grade: 1,
  },
  {
    name: '住所',
    code: 'zs',
    type: 'string',
    length: 300,
    required: true,
    key: false,
    piiKind: 'none',
    grade: 1,
  },
  {
    name: '注册资本（万元）',
    code: 'zczb',
    type: 'decimal',
    precision: 18,
    scale: 2,
    required: false,
    key: false,
    piiKind: 'none',
    grade: 1,
  },
  { name: '成立日期', code: 'clrq', type: 'date', required: true, key: false, piiKind: 'none', grade: 1 },
  {
    name: '经营范围',
    code: 'jyfw',
    type: 'string',
    length: 4000,
    required: false,
    key: false,
    piiKind: 'none',
    grade: 1,
  },
  {
    name: '登记状态',
    code: 'djzt',
    type: 'string',
    length: 2,
    required: true,
    key: false,
    piiKind: 'none',
    grade: 1,
  },
  {
    name: '行业代码',
    code: 'hydm',
    type: 'string',
    length: 5,
    required: true,
    key: false,
    piiKind: 'none',
    grade: 1,
  },
];

/** The catalog entry (table kind) the benchmark publishes and loads into. */
export const ENTRY: Omit<EntryInput, 'providerOrgId'> = {
  category: 'base',
  classification: ['1', '09'],
  name: '企业登记基本信息（基准测试）',
  summary: '市场主体登记注册的企业基本信息，归集性能基准测试用生成数据。',
  resourceKind: 'table',
  formats: ['csv'],
  updateCycle: 'daily',
  relatedCodes: [],
  tags: ['企业', '登记'],
  responsible: { person: '林晓', phone: '020-88888888' },
  shareType: 'conditional',
  shareCondition: '用于市场监管、税务、社保等部门履职',
  shareMethod: 'api',
  openType: 'none',
  openCondition: '含法定代表人个人信息，不予开放',
  grade: 3,
  important: false,
  core: false,
  fields: FIELDS,
};

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文';
const GIVEN =
  '伟芳娜秀英敏静丽强磊洋艳勇军杰娟涛明超秀兰霞平刚桂英华建国志强晓东海燕文斌雪梅俊杰嘉怡子轩浩然欣怡梓涵家豪诗琪宇航丽娟振华国强淑珍少华永健锦荣伟明惠芬';
const BRAND =
  '华通达信恒泰鑫盛源鸿兴隆宏远创新联合中天正大金石方圆星辰博雅智汇广业粤海南粤岭南珠江启航德顺嘉和万象云帆瑞祥富安美景长青新达永利宝丰';
const TRADES: [string, string][] = [
  ['科技', 'I6510'],
  ['信息技术', 'I6520'],
  ['网络科技', 'I6432'],
  ['贸易', 'F5199'],
  ['商贸', 'F5212'],
  ['电子商务', 'F5292'],
  ['建筑工程', 'E4790'],
  ['装饰工程', 'E5011'],
  ['餐饮管理', 'H6210'],
  ['物流', 'G5990'],
  ['供应链管理', 'L7219'],
  ['文化传播', 'R8890'],
  ['广告', 'L7259'],
  ['教育咨询', 'P8399'],
  ['医疗器械', 'F5174'],
  ['电子', 'C3979'],
  ['机械设备', 'C3499'],
  ['服装', 'C1810'],
  ['食品', 'C1499'],
  ['房地产经纪', 'K7030'],
  ['物业管理', 'K7020'],
  ['投资咨询', 'L7243'],
  ['环保科技', 'M7517'],
  ['新能源', 'D4416'],
];
const FORMS = ['有限公司', '有限公司', '有限公司', '有限责任公司', '股份有限公司', '实业有限公司'];
const ROADS = [
  '中山',
  '解放',
  '人民',
  '东风',
  '建设',
  '黄埔',
  '天河',
  '江南',
  '滨江',
  '沿江',
  '新港',
  '工业',
  '环市',
  '科韵',
  '珠江',
  '花城',
  '华夏',
  '体育',
  '五羊',
  '东湖',
  '朝阳',
  '金融',
  '创业',
];
const ROAD_SUFFIX = ['路', '大道', '街', '大街', '一路', '二路', '中路', '北路', '南路', '东路', '西路'];
const SCOPES = [
  '技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广',
  '软件开发',
  '信息系统集成服务',
  '信息技术咨询服务',
  '数据处理和存储支持服务',
  '计算机软硬件及辅助设备零售',
  '计算机软硬件及辅助设备批发',
  '电子产品销售',
  '通讯设备销售',
  '办公设备销售',
  '五金产品批发',
  '日用百货销售',
  '服装服饰批发',
  '针纺织品销售',
  '食品销售（仅销售预包装食品）',
  '餐饮管理',
  '企业管理咨询',
  '市场营销策划',
  '会议及展览服务',
  '广告设计、代理',
  '广告制作',
  '组织文化艺术交流活动',
  '货物进出口',
  '技术进出口',
  '国内货物运输代理',
  '普通货物仓储服务（不含危险化学品等需许可审批的项目）',
  '装卸搬运',
  '住宅室内装饰装修',
  '建筑材料销售',
  '机械设备租赁',
  '物业管理',
  '房地产经纪',
  '教育咨询服务（不含涉许可审批的教育培训活动）',
  '第二类医疗器械销售',
  '环境保护专用设备销售',
  '太阳能发电技术服务',
  '新能源汽车整车销售',
  '人力资源服务（不含职业中介活动、劳务派遣服务）',
];
const SCOPE_END = '。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）';
const LICENSED =
  '许可项目：第三类医疗器械经营；食品经营；道路货物运输（不含危险货物）。（依法须经批准的项目，经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）';
/** 登记状态: 1 存续（在营、开业、在册）, 2 吊销, 3 注销, 4 迁出, 9 其他 — mostly 1. */
const STATUSES = ['1', '1', '1', '1', '1', '1', '1', '3', '3', '2', '4', '9'];
const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '155',
  '156',
  '157',
  '158',
  '159',
  '166',
  '176',
  '177',
  '180',
  '181',
  '182',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '193',
  '199',
];

interface Region {
  code: string;
  /** 广东省广州市荔湾区, for the address. */
  label: string;
  /** 广州, for company names. */
  city: string;
}

/** Real GB/T 2260 county-level codes of 广东省 (and the two cities without counties). */
export function regions(): Region[] {
  const out: Region[] = [];
  for (const d of regionDivisions()) {
    if (!d.code.startsWith('44')) continue;
    const countyLess = d.code === '441900' || d.code === '442000';
    if (d.level !== 3 && !countyLess) continue;
    const city = d.level === 3 ? regionByCode(d.parentCode!)!.name : d.name;
    out.push({
      code: d.code,
      label: d.level === 3 ? `广东省${city}${d.name}` : `广东省${d.name}`,
      city: city.replace(/市$/, ''),
    });
  }
  return out;
}

/** The check character of a 9-character 组织机构代码 (GB 11714) from its first 8 characters. */
function orgCodeCheck(first8: string): string {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 8; i++) {
    const c = first8.charCodeAt(i);
    sum += (c <= 57 ? c - 48 : c - 55) * weights[i]!;
  }
  const check = 11 - (sum % 11);
  return check === 10 ? 'X' : check === 11 ? '0' : String(check);
}

/** Row i's 统一社会信用代码: 91 (企业) + region + MA + six characters unique per i + checks. */
function uscc(i: number, region: string): string {
  // A bijection of i over 31^6 codes, so keys are unique but not sequential.
  let n = (i * 387_420_489 + 12_345) % 887_503_681;
  let body = '';
  for (let k = 0; k < 6; k++) {
    body = USCC_ALPHABET[n % 31] + body;
    n = Math.floor(n / 31);
  }
  const org8 = `MA${body}`;
  return usccWithCheck(`91${region}${org8}${orgCodeCheck(org8)}`);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The CSV's header: the fields' Chinese names (mapped to field codes by the loader). */
export const HEADER = FIELDS.map((f) => f.name).join(',');

/** Rows [from, to) as CSV text, CRLF-terminated. */
export function csvRows(from: number, to: number, regionList: readonly Region[], seed = 20_240_601): string {
  const r = rng(seed + from);
  const pick = <T>(list: ArrayLike<T>): T => list[Math.floor(r() * list.length)]!;
  let out = '';
  for (let i = from; i < to; i++) {
    const region = pick(regionList);
    const [trade, industry] = pick(TRADES);
    const brand = pick(BRAND) + pick(BRAND) + (r() < 0.3 ? pick(BRAND) : '');
    const name = `${region.city}市${brand}${trade}${pick(FORMS)}`;
    const person = pick(SURNAMES) + pick(GIVEN) + (r() < 0.7 ? pick(GIVEN) : '');
    const by = 1950 + Math.floor(r() * 55);
    const bm = 1 + Math.floor(r() * 12);
    const bd = 1 + Math.floor(r() * DAYS[bm - 1]!);
    const idBody = `${pick(regionList).code}${by}${pad(bm)}${pad(bd)}${pad(Math.floor(r() * 1000), 3)}`;
    const mobile = r() < 0.1 ? '' : `${pick(MOBILE_PREFIXES)}${pad(Math.floor(r() * 1e8), 8)}`;
    const address = `${region.label}${pick(ROADS)}${pick(ROAD_SUFFIX)}${1 + Math.floor(r() * 999)}号${
      r() < 0.5
        ? `${1 + Math.floor(r() * 30)}${pad(1 + Math.floor(r() * 20))}房`
        : `自编${1 + Math.floor(r() * 9)}栋`
    }`;
    const capital =
      r() < 0.05 ? '' : r() < 0.6 ? String(10 * (1 + Math.floor(r() * 500))) : (r() * 100_000).toFixed(2);
    const ey = 1992 + Math.floor(r() * 33);
    const em = 1 + Math.floor(r() * 12);
    const established = `${ey}-${pad(em)}-${pad(1 + Math.floor(r() * DAYS[em - 1]!))}`;
    // 一般项目: distinct items, mostly separated by '；', sometimes by an ASCII comma (in quotes).
    let scope = '一般项目：';
    const items = 3 + Math.floor(r() * 10);
    const start = Math.floor(r() * SCOPES.length);
    const step = 1 + Math.floor(r() * 5);
    for (let k = 0; k < items; k++) {
      scope += (k ? (r() < 0.1 ? ',' : '；') : '') + SCOPES[(start + k * step) % SCOPES.length]!;
    }
    scope += SCOPE_END;
    if (r() < 0.2) scope += LICENSED;
    out += `${uscc(i, region.code)},${name},${person},${idBody}${idNumberCheckChar(idBody)!},${mobile},${region.code},"${address}",${capital},${established},"${scope}",${pick(STATUSES)},${industry}\r\n`;
  }
  return out;
}

/**
 * Writes `rows` generated rows to `utf8File` and, when given, the same text in GB18030 to
 * `gbFile`, streaming (a few MB in memory whatever the size). Returns the byte sizes.
 */
export async function writeCsv(
  rows: number,
  utf8File: string,
  gbFile?: string,
): Promise<{ utf8Bytes: number; gbBytes: number }> {
  const regionList = regions();
  const outs = [fs.createWriteStream(utf8File), ...(gbFile ? [fs.createWriteStream(gbFile)] : [])];
  const sizes = [0, 0];
  const write = async (text: string) => {
    const bufs = [Buffer.from(text, 'utf8'), ...(gbFile ? [iconv.encode(text, 'gb18030')] : [])];
    await Promise.all(
      outs.map(async (o, k) => {
        sizes[k]! += bufs[k]!.length;
        if (!o.write(bufs[k]!)) await once(o, 'drain');
      }),
    );
  };
  await write(`${HEADER}\r\n`);
  const STEP = 5000;
  for (let i = 0; i < rows; i += STEP) await write(csvRows(i, Math.min(rows, i + STEP), regionList));
  await Promise.all(
    outs.map(
      (o) =>
        new Promise<void>((resolve, reject) => {
          o.on('error', reject);
          o.end(resolve);
        }),
    ),
  );
  return { utf8Bytes: sizes[0]!, gbBytes: sizes[1]! };
}

/**
 * Writes the files in a child process (`writeCsv` there), so that generating them leaves no
 * garbage in the benchmark's own heap: its RSS before each load is the loader's baseline.
 */
export async function writeCsvInChild(
  rows: number,
  utf8File: string,
  gbFile?: string,
): Promise<{ utf8Bytes: number; gbBytes: number }> {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(import.meta.url),
      String(rows),
      utf8File,
      ...(gbFile ? [gbFile] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`the CSV generator exited with ${code}`);
  return JSON.parse(out) as { utf8Bytes: number; gbBytes: number };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [rows, utf8File, gbFile] = process.argv.slice(2);
  const sizes = await writeCsv(Number(rows), utf8File!, gbFile);
  process.stdout.write(JSON.stringify(sizes));
}
