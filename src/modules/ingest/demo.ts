import { Readable } from 'node:stream';
import type { RequestContext } from '../../platform/context.js';
import type { Services } from '../../platform/services.js';
import { idNumberCheckChar, usccWithCheck } from '../../platform/validators/index.js';
import type { FieldInput } from '../catalog/schemas.js';
import type { Content } from '../catalog/store.js';
import { loadBatch, type BatchResult } from './load.js';
import { openSource } from './read/index.js';

/**
 * Demo data for the demo catalog's published table entries (docs/INGEST.md "Demo"): generated but
 * realistic rows (valid 统一社会信用代码 and 公民身份号码, real GB/T 2260 codes, Chinese names and
 * addresses), loaded as CSV through the same reader, checker and COPY path as any upload. The
 * first entry's file carries three bad rows, so its batch shows rejects.
 */

const ROWS = 120;

// Districts of 广东省 in GB/T 2260.
const REGIONS = [
  '440103',
  '440104',
  '440105',
  '440106',
  '440111',
  '440112',
  '440113',
  '440114',
  '440303',
  '440304',
  '440305',
  '440306',
  '440402',
  '440604',
  '441302',
  '441900',
  '442000',
];
const DISTRICT = [
  '广州市荔湾区',
  '广州市越秀区',
  '广州市海珠区',
  '广州市天河区',
  '广州市白云区',
  '广州市黄埔区',
  '广州市番禺区',
  '广州市花都区',
  '深圳市罗湖区',
  '深圳市福田区',
  '深圳市南山区',
  '深圳市宝安区',
  '珠海市香洲区',
  '佛山市禅城区',
  '惠州市惠城区',
  '东莞市',
  '中山市',
];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯邓曹彭曾肖田';
const GIVEN = [
  '伟',
  '芳',
  '娜',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀英',
  '晓燕',
  '志强',
  '建华',
  '海涛',
  '丽娟',
  '国强',
];
const TRADES = [
  '科技',
  '贸易',
  '建设工程',
  '餐饮管理',
  '物流',
  '医药',
  '电子',
  '文化传媒',
  '环保',
  '信息技术',
];
const ROADS = ['天河路', '中山大道', '解放北路', '东风中路', '滨江路', '深南大道', '人民路', '建设路'];

/** A deterministic pseudo-random sequence, so the demo is the same on every machine. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** Values by what a field's Chinese name says it holds, first match wins (demo realism). */
type Gen = (c: { i: number; district: string; pick: <T>(xs: readonly T[]) => T; r: () => number }) => string;
const BY_NAME: readonly [RegExp, Gen][] = [
  [
    /民族/,
    ({ pick }) => pick(['汉族', '汉族', '汉族', '汉族', '汉族', '壮族', '瑶族', '回族', '满族', '畲族']),
  ],
  [/与.*关系/, ({ pick }) => pick(['户主', '配偶', '长子', '长女', '次子', '父亲', '母亲', '孙子'])],
  [/税务机关/, ({ district }) => `国家税务总局${district}税务局`],
  [/登记机关|处罚机关/, ({ district }) => `${district}市场监督管理局`],
  [
    /签发机关/,
    ({ district }) =>
      district.endsWith('区')
        ? `${district.slice(0, 3)}公安局${district.slice(3, -1)}分局`
        : `${district}公安局`,
  ],
  [/签发机构/, ({ district }) => `${district}妇幼保健院`],
  [/业务主管单位/, ({ district }) => `${district}民政局`],
  [/实施主体/, ({ district }) => `${district}政务服务和数据管理局`],
  [/执业机构/, ({ district }) => `${district}人民医院`],
  [/办理地点/, ({ district, i }) => `${district}政务服务中心${(i % 30) + 1}号窗口`],
  [/受让人/, ({ district, pick }) => `${district.slice(0, 3)}${pick(TRADES)}有限公司`],
  [/电话/, ({ r }) => `020-${pad(Math.floor(r() * 1e8), 8)}`],
  [/号牌号码/, ({ pick, r }) => `粤${pick(['A', 'B', 'C', 'E', 'S'])}${pad(Math.floor(r() * 1e5), 5)}`],
  [/车辆识别代号/, ({ i }) => `LSVAU2180N2${pad(100000 + i, 6)}`],
  [/文号/, ({ district, i }) => `${district.slice(0, 2)}市监罚〔2025〕${100 + i}号`],
  [/字号/, ({ i }) => `J440103-2025-${pad(i + 1, 6)}`],
  [/证件号码/, ({ r }) => `E${pad(Math.floor(r() * 1e8), 8)}`],
  [/编号|编码|号码|证书号|登记号|单元号|监管号/, ({ i }) => `GD${2025}${pad(i + 1, 8)}`],
  [/纳税人状态/, ({ pick }) => pick(['正常', '正常', '正常', '非正常', '注销'])],
  [/登记状态/, ({ pick }) => pick(['存续', '存续', '在业', '注销', '吊销'])],
  [/机动车状态/, ({ pick }) => pick(['正常', '正常', '抵押', '查封'])],
  [/参保状态/, ({ pick }) => pick(['参保缴费', '参保缴费', '暂停缴费', '终止参保'])],
  [/经营状态/, ({ pick }) => pick(['开业', '开业', '开业', '歇业', '清算'])],
  [/状态/, ({ pick }) => pick(['正常', '正常', '注销'])],
  [/企业类型/, ({ pick }) => pick(['有限责任公司', '股份有限公司', '个人独资企业', '合伙企业'])],
  [/纳税人类型/, ({ pick }) => pick(['一般纳税人', '小规模纳税人'])],
  [/证件类型/, ({ pick }) => pick(['普通护照', '往来港澳通行证', '往来台湾通行证'])],
  [/组织类型/, ({ pick }) => pick(['社会团体', '民办非企业单位', '基金会'])],
  [/登记类型/, ({ pick }) => pick(['结婚登记', '离婚登记', '补领结婚证'])],
  [/权利类型/, ({ pick }) => pick(['国有建设用地使用权', '房屋所有权', '宅基地使用权'])],
  [/违法行为类型/, ({ pick }) => pick(['虚假广告', '无照经营', '产品质量违法', '价格违法'])],
  [/机构类别/, ({ pick }) => pick(['综合医院', '专科医院', '社区卫生服务中心', '诊所'])],
  [/执业类别/, ({ pick }) => pick(['临床', '中医', '口腔', '公共卫生'])],
  [/执业范围/, ({ pick }) => pick(['内科专业', '外科专业', '儿科专业', '全科医学专业'])],
  [/诊疗科目/, ({ pick }) => pick(['内科；外科；儿科', '预防保健科；全科医疗科', '口腔科'])],
  [
    /技能等级/,
    ({ pick }) => pick(['五级/初级工', '四级/中级工', '三级/高级工', '二级/技师', '一级/高级技师']),
  ],
  [/职业|工种/, ({ pick }) => pick(['电工', '焊工', '育婴员', '中式烹调师', '汽车维修工'])],
  [/税种/, ({ pick }) => pick(['增值税', '企业所得税', '城镇土地使用税', '房产税'])],
  [/险种/, ({ pick }) => pick(['企业职工基本养老保险', '失业保险', '工伤保险', '职工基本医疗保险'])],
  [/用途/, ({ pick }) => pick(['住宅', '商业', '工业', '办公'])],
  [/经营范围/, () => '一般项目：技术服务、技术开发、技术咨询；软件开发；信息系统集成服务。'],
  [/处罚内容/, ({ i }) => `罚款人民币${(i % 9) + 1}万元`],
];

function valueFor(f: FieldInput, i: number, r: () => number, codeTables: Map<string, string[]>): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const region = REGIONS[i % REGIONS.length]!;
  const cut = (s: string) => (f.length ? [...s].slice(0, f.length).join('') : s);
  if (f.codeTableId && codeTables.get(f.codeTableId)?.length) {
    const codes = codeTables.get(f.codeTableId)!;
    if (f.validator?.kind === 'region_code') return region;
    return pick(
      codes.filter((c) => c !== '0' && c !== '9').length
        ? codes.filter((c) => c !== '0' && c !== '9')
        : codes,
    );
  }
  switch (f.validator?.kind) {
    case 'uscc':
      return usccWithCheck(
        `91${region}MA${pad(1000 + i, 4)}${'ABCDEFGHJK'[i % 10]}${pad(i % 100, 2)}`.slice(0, 17),
      );
    case 'id_number': {
      const body = `${region}${1960 + Math.floor(r() * 45)}${pad(1 + Math.floor(r() * 12), 2)}${pad(1 + Math.floor(r() * 28), 2)}${pad(i % 1000, 3)}`;
      return body + idNumberCheckChar(body);
    }
    case 'mobile':
      return `1${pick(['35', '36', '37', '38', '39', '58', '86', '88'])}${pad(Math.floor(r() * 1e8), 8)}`;
    case 'region_code':
      return region;
    case 'email':
      return `demo${i}@example.cn`;
    default:
  }
  switch (f.type) {
    case 'integer':
      return String(Math.floor(r() * 1000));
    case 'decimal': {
      const scale = f.scale ?? 2;
      const digits = Math.max(1, Math.min(8, (f.precision ?? 10) - scale - 1));
      return (r() * 10 ** digits).toFixed(scale);
    }
    case 'boolean':
      return r() < 0.5 ? 'true' : 'false';
    case 'date':
      return `${2000 + Math.floor(r() * 25)}-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 28), 2)}`;
    case 'datetime':
      return `2024-${pad(1 + Math.floor(r() * 12), 2)}-${pad(1 + Math.floor(r() * 28), 2)}T${pad(Math.floor(r() * 24), 2)}:00:00+08:00`;
    case 'json':
      return '{}';
    default:
  }
  if (f.piiKind === 'name') return cut(pick([...SURNAMES]) + pick(GIVEN));
  if (f.piiKind === 'address' || /地址|住所/.test(f.name))
    return cut(`${DISTRICT[i % DISTRICT.length]}${pick(ROADS)}${1 + Math.floor(r() * 300)}号`);
  if (/名称/.test(f.name)) return cut(`${DISTRICT[i % DISTRICT.length]}${pick(TRADES)}有限公司${i}`);
  const rule = BY_NAME.find(([re]) => re.test(f.name));
  if (rule) return cut(rule[1]({ i, district: DISTRICT[i % DISTRICT.length]!, pick, r }));
  return cut(`${f.name}${i + 1}`);
}

const csvCell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Loads generated rows into every published table-kind entry that has no dataset yet. */
export async function seedIngestDemo(ctx: RequestContext & { services: Services }): Promise<BatchResult[]> {
  const { pool } = ctx.services;
  const { rows: entries } = await pool.query<{ id: string; content: Content }>(
    `SELECT e.id, v.content FROM datong.catalog_entries e
       JOIN datong.catalog_versions v ON v.entry_id = e.id AND v.version = e.published_version
      WHERE v.status = 'published' AND v.resource_kind = 'table'
        AND NOT EXISTS (SELECT 1 FROM datong.datasets d WHERE d.entry_id = e.id)
      ORDER BY e.code`,
  );
  const { rows: codes } = await pool.query<{ id: string; codes: string[] }>(
    `SELECT table_id AS id, array_agg(code ORDER BY code) AS codes FROM datong.code_table_values GROUP BY table_id`,
  );
  const codeTables = new Map(codes.map((c) => [c.id, c.codes]));
  const results: BatchResult[] = [];
  for (const [n, entry] of entries.entries()) {
    const fields = entry.content.fields;
    const r = rng(20260101 + n);
    const lines = [fields.map((f) => csvCell(f.name)).join(',')];
    for (let i = 0; i < ROWS; i++)
      lines.push(fields.map((f) => csvCell(valueFor(f, i, r, codeTables))).join(','));
    if (n === 0) {
      // Three rows a steward would have to fix: a wrong check character, a blank required
      // value, a date that does not exist.
      const good = (i: number) => fields.map((f) => valueFor(f, ROWS + i, r, codeTables));
      const bad = [good(0), good(1), good(2)];
      const at = (kind: (f: FieldInput) => boolean) => fields.findIndex(kind);
      const usccAt = at((f) => f.validator?.kind === 'uscc');
      const requiredAt = at((f) => f.required && !f.key && f.validator?.kind !== 'uscc');
      const dateAt = at((f) => f.type === 'date');
      if (usccAt >= 0)
        bad[0]![usccAt] = `${bad[0]![usccAt]!.slice(0, 17)}${bad[0]![usccAt]!.endsWith('0') ? '1' : '0'}`;
      if (requiredAt >= 0) bad[1]![requiredAt] = '';
      if (dateAt >= 0) bad[2]![dateAt] = '2023-02-30';
      for (const b of bad) lines.push(b.map(csvCell).join(','));
    }
    const text = `${lines.join('\r\n')}\r\n`;
    const source = await openSource(Readable.from([Buffer.from(text, 'utf8')]), { format: 'csv' });
    results.push(
      await loadBatch(ctx, entry.id, {
        mode: 'replace',
        source,
        format: 'csv',
        sourceInfo: { kind: 'demo', name: `${entry.content.name}.csv`, format: 'csv', encoding: 'utf8' },
        totalBytes: Buffer.byteLength(text),
      }),
    );
  }
  return results;
}
