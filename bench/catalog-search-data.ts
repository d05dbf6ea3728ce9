/**
 * Generated catalog for the search benchmark: 100 000 entries that look like a provincial
 * catalog (real department names, the resources they hold, real field lists), with every facet
 * value present and a realistic skew (most entries published, a third not open, …).
 */
import crypto from 'node:crypto';
import { usccWithCheck } from '../src/platform/validators/index.js';

/** ~40 provincial departments, each with the subjects its resources are about. */
export const DEPARTMENTS: [string, string[]][] = [
  [
    '省市场监督管理局',
    ['企业', '个体工商户', '农民专业合作社', '食品经营', '特种设备', '企业法定代表人', '商标'],
  ],
  ['省税务局', ['纳税人', '增值税发票', '企业所得税', '个人所得税', '欠税', '税收优惠']],
  ['省公安厅', ['户籍人口', '居民身份证', '流动人口', '机动车', '驾驶人', '出入境证件']],
  [
    '省人力资源和社会保障厅',
    ['社会保险参保', '养老保险', '失业保险', '就业登记', '职业技能等级证书', '人才引进'],
  ],
  ['省民政厅', ['社会组织', '婚姻登记', '最低生活保障', '养老机构', '殡葬服务', '地名']],
  ['省教育厅', ['学校', '学籍', '教师资格', '学历证书', '招生考试', '学生资助']],
  ['省卫生健康委员会', ['医疗机构', '执业医师', '出生医学证明', '预防接种', '传染病报告', '护士执业']],
  ['省自然资源厅', ['不动产登记', '国土空间规划', '土地供应', '矿业权', '测绘资质', '地质灾害隐患点']],
  [
    '省生态环境厅',
    ['排污许可', '空气质量监测', '水环境质量', '建设项目环评', '危险废物经营', '环境行政处罚'],
  ],
  [
    '省住房和城乡建设厅',
    ['建筑业企业资质', '商品房预售许可', '施工许可', '住房公积金缴存', '物业服务企业', '建设工程竣工验收'],
  ],
  ['省交通运输厅', ['道路运输经营许可', '营运车辆', '公路桥梁', '港口经营', '网约车平台', '交通建设项目']],
  ['省水利厅', ['取水许可', '水库', '河道采砂', '水土保持', '水文监测', '农村供水工程']],
  ['省农业农村厅', ['农药经营许可', '兽医', '种子生产经营', '农产品质量安全', '高标准农田', '农机购置补贴']],
  ['省商务厅', ['外商投资企业', '对外贸易经营者', '成品油经营', '单用途预付卡', '商业网点', '拍卖企业']],
  ['省文化和旅游厅', ['旅行社', 'A级旅游景区', '文物保护单位', '演出经营', '网吧经营', '星级饭店']],
  [
    '省应急管理厅',
    ['安全生产许可', '危险化学品经营', '应急救援队伍', '自然灾害灾情', '烟花爆竹经营', '应急避难场所'],
  ],
  [
    '省医疗保障局',
    ['医保定点医药机构', '基本医疗保险参保', '医保结算', '药品集中采购', '医疗服务价格', '医保目录'],
  ],
  [
    '省统计局',
    ['国民经济核算', '规模以上工业企业', '固定资产投资', '人口抽样调查', '居民消费价格', '统计年鉴'],
  ],
  ['省司法厅', ['律师执业', '公证机构', '司法鉴定', '法律援助', '人民调解组织', '行政复议']],
  ['省财政厅', ['财政预算', '政府采购', '行政事业性收费', '财政票据', '专项资金', '政府债务']],
  [
    '省发展和改革委员会',
    ['固定资产投资项目', '价格监测', '企业投资项目备案', '重点项目', '社会信用', '招标投标'],
  ],
  [
    '省科学技术厅',
    ['高新技术企业', '科技计划项目', '科技成果登记', '技术合同登记', '科技型中小企业', '新型研发机构'],
  ],
  ['省工业和信息化厅', ['工业企业', '专精特新企业', '电信业务经营', '工业园区', '软件企业', '节能监察']],
  ['省退役军人事务厅', ['退役军人', '优抚对象', '烈士褒扬', '军休干部', '退役士兵安置', '光荣院']],
  ['省林业局', ['林木采伐许可', '自然保护地', '古树名木', '林地征占用', '野生动物保护', '森林资源']],
  [
    '省药品监督管理局',
    ['药品经营许可', '医疗器械注册', '化妆品生产许可', '药品不良反应', '药品生产企业', '执业药师'],
  ],
  ['省政务服务数据管理局', ['政务服务事项', '电子证照', '办件', '好差评', '12345热线工单', '政务数据共享']],
  [
    '省地方金融管理局',
    ['小额贷款公司', '融资担保公司', '典当行', '地方金融组织', '非法集资风险', '融资租赁公司'],
  ],
  [
    '省体育局',
    ['体育场馆', '社会体育指导员', '体育赛事', '高危险性体育项目经营', '运动员注册', '全民健身设施'],
  ],
  [
    '省广播电视局',
    ['广播电视节目制作经营', '有线电视', '卫星地面接收设施', '视听节目服务', '广播电视台', '应急广播'],
  ],
  ['省气象局', ['气象观测', '气象灾害预警', '雷电防护装置检测', '人工影响天气', '气候资源', '天气预报']],
  ['省审计厅', ['审计项目', '审计整改', '经济责任审计', '审计发现问题', '审计结果公告', '审计机关']],
  [
    '省国有资产监督管理委员会',
    ['国有企业', '国有资产产权登记', '国企负责人', '国有资本经营预算', '国有企业投资', '国资监管'],
  ],
  [
    '省住房公积金管理中心',
    ['公积金缴存单位', '公积金个人账户', '公积金贷款', '公积金提取', '公积金缴存证明', '公积金逾期'],
  ],
  ['省残疾人联合会', ['残疾人证', '残疾人就业', '残疾人康复', '残疾人托养', '无障碍设施', '残疾人教育']],
  ['省总工会', ['工会组织', '工会会员', '劳模', '困难职工', '职工服务阵地', '工会经费']],
  ['省档案局', ['档案', '馆藏档案', '档案机构', '开放档案目录', '婚姻登记档案', '档案数字化']],
  ['省粮食和物资储备局', ['粮食收购许可', '储备粮', '粮食库存', '应急物资', '粮油价格', '粮食仓储企业']],
  ['省信访局', ['信访事项', '信访件', '网上信访', '领导接访', '信访督查', '信访满意度']],
  ['省机关事务管理局', ['公务用车', '办公用房', '公共机构节能', '机关资产', '会议服务', '政府集中采购']],
];

export const OBJECTS = [
  '基本信息',
  '登记信息',
  '许可信息',
  '变更信息',
  '注销信息',
  '年度报告',
  '行政处罚信息',
  '统计数据',
  '监测数据',
  '名录',
  '信用信息',
  '证书信息',
  '备案信息',
  '年检信息',
  '补贴发放信息',
  '检查结果',
  '投诉举报信息',
  '服务评价信息',
  '地理位置信息',
  '资质信息',
  '办理结果',
  '台账',
];
export const PREFIXES = [
  '',
  '',
  '',
  '全省',
  '广州市',
  '深圳市',
  '珠海市',
  '汕头市',
  '佛山市',
  '东莞市',
  '中山市',
  '江门市',
  '湛江市',
  '茂名市',
  '肇庆市',
  '惠州市',
  '梅州市',
  '清远市',
];
const YEARS = ['', '', '', '2021年', '2022年', '2023年', '2024年'];

/** [name, code, description] of common 信息项. */
export const FIELDS: [string, string, string][] = [
  ['统一社会信用代码', 'uscc', '18 位法人和其他组织统一社会信用代码'],
  ['企业名称', 'qymc', '市场主体登记的名称'],
  ['法定代表人', 'fddbr', '法定代表人或负责人姓名'],
  ['注册资本', 'zczb', '注册资本（万元）'],
  ['成立日期', 'clrq', '营业执照记载的成立日期'],
  ['住所', 'zs', '登记住所'],
  ['经营范围', 'jyfw', '核准的经营范围'],
  ['登记机关', 'djjg', '作出登记的机关名称'],
  ['姓名', 'xm', '自然人姓名'],
  ['公民身份号码', 'gmsfhm', '18 位公民身份号码'],
  ['性别', 'xb', 'GB/T 2261.1 性别代码'],
  ['出生日期', 'csrq', '公历出生日期'],
  ['民族', 'mz', 'GB/T 3304 民族代码'],
  ['联系电话', 'lxdh', '手机号码或固定电话'],
  ['行政区划代码', 'xzqhdm', 'GB/T 2260 行政区划代码'],
  ['详细地址', 'xxdz', '省市县乡村及门牌地址'],
  ['纳税人识别号', 'nsrsbh', '税务登记的纳税人识别号'],
  ['纳税人状态', 'nsrzt', '正常、非正常、注销等'],
  ['主管税务机关', 'zgswjg', '主管税务机关名称'],
  ['参保状态', 'cbzt', '参保缴费状态'],
  ['缴费基数', 'jfjs', '社会保险缴费基数（元）'],
  ['证书编号', 'zsbh', '许可证或资格证书编号'],
  ['发证日期', 'fzrq', '证书核发日期'],
  ['有效期至', 'yxqz', '证书有效期截止日期'],
  ['发证机关', 'fzjg', '核发证书的机关'],
  ['许可事项', 'xksx', '许可的具体事项'],
  ['处罚决定书文号', 'cfjdswh', '行政处罚决定书文号'],
  ['违法行为类型', 'wfxwlx', '违法行为的类型'],
  ['处罚结果', 'cfjg', '警告、罚款、没收违法所得等'],
  ['罚款金额', 'fkje', '罚款金额（万元）'],
  ['项目名称', 'xmmc', '建设或投资项目名称'],
  ['项目代码', 'xmdm', '全国投资项目在线审批监管平台项目代码'],
  ['建设单位', 'jsdw', '项目建设单位名称'],
  ['总投资', 'ztz', '项目总投资（万元）'],
  ['监测点位', 'jcdw', '监测站点名称'],
  ['监测时间', 'jcsj', '监测数据采集时间'],
  ['监测值', 'jcz', '监测指标数值'],
  ['经度', 'jd', 'CGCS2000 经度'],
  ['纬度', 'wd', 'CGCS2000 纬度'],
  ['不动产单元号', 'bdcdyh', '28 位不动产单元代码'],
  ['权利人', 'qlr', '不动产权利人名称'],
  ['面积', 'mj', '面积（平方米）'],
  ['车牌号码', 'cphm', '机动车号牌号码'],
  ['车辆类型', 'cllx', '机动车类型代码'],
  ['学校名称', 'xxmc', '学校标准名称'],
  ['学历层次', 'xlcc', '专科、本科、研究生等'],
  ['医疗机构名称', 'yljgmc', '医疗机构执业许可证登记名称'],
  ['办件编号', 'bjbh', '政务服务办件流水号'],
  ['办理状态', 'blzt', '受理、办结、退件等'],
  ['更新时间', 'gxsj', '记录最后更新时间'],
];

export const TAGS = [
  '营商环境',
  '市场主体',
  '社会保障',
  '医疗卫生',
  '教育',
  '交通出行',
  '生态环境',
  '自然资源',
  '城乡建设',
  '公共安全',
  '信用',
  '民生服务',
  '政务服务',
  '一网通办',
  '电子证照',
  '财税金融',
  '农业农村',
  '文化旅游',
  '应急管理',
  '人口',
  '法人',
  '空间地理',
  '宏观经济',
  '就业创业',
  '养老服务',
  '住房保障',
  '科技创新',
  '工业经济',
  '对外开放',
  '安全生产',
  '食品药品',
  '双随机一公开',
  '乡村振兴',
  '数字政府',
  '基层治理',
  '疫情防控',
  '公共资源交易',
  '行政执法',
  '社会救助',
  '残疾人服务',
];
export const FORMATS = ['xlsx', 'csv', 'json', 'xml', 'pdf', 'docx', 'shp', 'api', 'xls', 'txt'];
const CYCLES = ['realtime', 'daily', 'weekly', 'monthly', 'quarterly', 'half_yearly', 'yearly', 'irregular'];
const CYCLE_ZH: Record<string, string> = {
  realtime: '实时',
  daily: '每日',
  weekly: '每周',
  monthly: '每月',
  quarterly: '每季度',
  half_yearly: '每半年',
  yearly: '每年',
  irregular: '不定期',
};

/** A deterministic generator, so two runs measure the same catalog. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratedOrg {
  id: string;
  name: string;
  uscc: string;
}

export function orgs(): GeneratedOrg[] {
  return DEPARTMENTS.map(([name], i) => ({
    id: crypto.randomUUID(),
    name,
    uscc: usccWithCheck(`114400000${String(700000 + i * 37).padStart(8, '0')}`),
  }));
}

export interface GeneratedVersion {
  entryId: string;
  code: string;
  providerOrgId: string;
  version: number;
  status: string;
  latest: boolean;
  name: string;
  summary: string;
  category: string;
  classification: string;
  shareType: string;
  openType: string;
  grade: number;
  updateCycle: string;
  formats: string[];
  tags: string[];
  updatedAt: string;
  content: Record<string, unknown>;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const weighted = <T>(r: () => number, xs: readonly [T, number][]): T => {
  let x = r() * xs.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of xs) if ((x -= w) < 0) return v;
  return xs[xs.length - 1]![0];
};
const some = <T>(r: () => number, xs: readonly T[], min: number, max: number): T[] => {
  const n = min + Math.floor(r() * (max - min + 1));
  return [...new Set(Array.from({ length: n }, () => pick(r, xs)))];
};

/** Entry i (and its second version when it is being revised): one or two version rows. */
export function entry(i: number, orgList: GeneratedOrg[], r: () => number): GeneratedVersion[] {
  const d = Math.floor(r() * DEPARTMENTS.length);
  const org = orgList[d]!;
  const subjects = DEPARTMENTS[d]![1];
  const name = `${pick(r, PREFIXES)}${pick(r, YEARS)}${pick(r, subjects)}${pick(r, OBJECTS)}`;
  const fields = some(r, FIELDS, 5, 30).map(([fname, code, description], k) => ({
    code,
    name: fname,
    description,
    type: code.endsWith('rq') ? 'date' : 'string',
    length: 100,
    required: k === 0,
    key: k === 0,
    piiKind: ['xm', 'gmsfhm', 'lxdh', 'xxdz'].includes(code) ? 'other' : 'none',
    grade: 1 + Math.floor(r() * 2),
  }));
  const classification = `${1 + Math.floor(r() * 3)}.${String(d + 1).padStart(2, '0')}.${String(1 + Math.floor(r() * 20)).padStart(2, '0')}`;
  const shareType = weighted(r, [
    ['unconditional', 6],
    ['conditional', 3],
    ['none', 1],
  ] as const);
  const openType = weighted(r, [
    ['unconditional', 4],
    ['conditional', 2.5],
    ['none', 3.5],
  ] as const);
  const updateCycle = pick(r, CYCLES);
  const base = {
    category: weighted(r, [
      ['department', 7],
      ['base', 1.5],
      ['theme', 1.5],
    ] as const),
    name,
    summary: `${org.name}汇集的${name}，包括${fields
      .slice(0, 4)
      .map((f) => f.name)
      .join('、')}等${fields.length}个信息项，${CYCLE_ZH[updateCycle]}更新，供各部门办理业务时共享使用。`,
    shareType,
    openType,
    grade: weighted(r, [
      [2, 5],
      [1, 2],
      [3, 2.5],
      [4, 0.5],
    ] as const),
    updateCycle,
    formats: some(r, FORMATS, 1, 3),
    tags: some(r, TAGS, 1, 4),
  };
  // Whole minutes over three years: a few entries share a time, so keyset ties happen.
  const updatedAt = new Date(Date.UTC(2022, 0, 1) + Math.floor(r() * 3 * 365 * 1440) * 60_000).toISOString();
  const content = {
    ...base,
    classification: classification.split('.'),
    resourceKind: 'table',
    relatedCodes: [],
    responsible: { person: '张敏', phone: '020-83133000' },
    shareCondition: shareType === 'unconditional' ? null : '依据《政务数据资源共享管理办法》第十二条',
    shareMethod: 'api',
    openCondition: openType === 'unconditional' ? null : '涉及个人信息，依法不予开放',
    important: false,
    core: false,
    fields,
  };
  const entryId = crypto.randomUUID();
  const row = (version: number, status: string, latest: boolean): GeneratedVersion => ({
    entryId,
    code: `${classification}/${String(i + 1).padStart(6, '0')}`,
    providerOrgId: org.id,
    version,
    status,
    latest,
    classification,
    updatedAt,
    content,
    ...base,
  });
  const s = r();
  if (s < 0.86) return [row(1, 'published', true)];
  if (s < 0.91) return [row(1, 'published', false), row(2, 'draft', true)];
  if (s < 0.95) return [row(1, 'draft', true)];
  if (s < 0.97) return [row(1, 'submitted', true)];
  if (s < 0.98) return [row(1, 'returned', true)];
  if (s < 0.99) return [row(1, 'deprecated', true)];
  return [row(1, 'superseded', false), row(2, 'published', true)];
}
