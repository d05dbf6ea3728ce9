/**
 * The import/export sheet layout of docs/CATALOG.md ("Import format"): one row per 信息项, the
 * entry's columns repeated on each of its rows. Export writes exactly these headers (Chinese) and
 * labels, so an exported file re-imports cleanly.
 */

export type ColumnKey =
  | 'category'
  | 'classification'
  | 'name'
  | 'summary'
  | 'provider_code'
  | 'resource_kind'
  | 'formats'
  | 'update_cycle'
  | 'publish_date'
  | 'related_codes'
  | 'tags'
  | 'licence'
  | 'responsible_person'
  | 'responsible_phone'
  | 'share_type'
  | 'share_condition'
  | 'share_method'
  | 'open_type'
  | 'open_condition'
  | 'grade'
  | 'important'
  | 'core'
  | 'field_name'
  | 'field_code'
  | 'field_type'
  | 'field_length'
  | 'field_required'
  | 'field_key'
  | 'field_validator'
  | 'field_pii'
  | 'field_grade'
  | 'field_description';

export interface ColumnDef {
  key: ColumnKey;
  zh: string;
  /** Required columns must be in the header row; their cells must be filled (field columns: on field rows). */
  required: boolean;
  /** Entry-level columns repeat on every row of an entry and must agree. */
  level: 'entry' | 'field';
  /** What the template's documentation sheet says about the column. */
  hint: { 'zh-CN': string; en: string };
}

const c = (key: ColumnKey, zh: string, required: boolean, hintZh: string, hintEn: string): ColumnDef => ({
  key,
  zh,
  required,
  level: key.startsWith('field_') ? 'field' : 'entry',
  hint: { 'zh-CN': hintZh, en: hintEn },
});

export const COLUMNS: readonly ColumnDef[] = [
  c('category', '资源分类', true, '基础 / 主题 / 部门', 'base / theme / department'),
  c(
    'classification',
    '类目编码',
    true,
    '类.项.目.细目，如 1.02.03',
    'class codes joined by ".", e.g. 1.02.03',
  ),
  c('name', '资源名称', true, '1–200 字', '1–200 characters'),
  c('summary', '资源摘要', false, '不超过 4000 字', 'up to 4000 characters'),
  c('provider_code', '提供方代码', true, '提供方的统一社会信用代码', "the provider's USCC"),
  c('resource_kind', '资源类型', true, '表格 / 文件 / 接口', 'table / file / api'),
  c('formats', '资源格式', false, '小写扩展名，以 ; 分隔，如 xlsx;csv', 'lower-case, ";"-separated'),
  c(
    'update_cycle',
    '更新周期',
    true,
    '实时 / 每日 / 每周 / 每月 / 每季度 / 每半年 / 每年 / 不定期',
    'realtime … irregular',
  ),
  c('publish_date', '发布日期', false, 'YYYY-MM-DD', 'YYYY-MM-DD'),
  c('related_codes', '关联资源代码', false, '其他资源的资源代码，以 ; 分隔', "other entries' resource codes"),
  c('tags', '标签', false, '以 ; 分隔', '";"-separated'),
  c('licence', '许可协议', false, '开放数据的许可，如 CC-BY-4.0', 'for open data, e.g. CC-BY-4.0'),
  c('responsible_person', '责任人', true, '责任清单中的责任人', 'responsible person'),
  c('responsible_phone', '联系电话', true, '责任人联系电话', "the responsible person's phone"),
  c(
    'share_type',
    '共享类型',
    true,
    '无条件共享 / 有条件共享 / 不予共享',
    'unconditional / conditional / none',
  ),
  c(
    'share_condition',
    '共享条件',
    false,
    '有条件共享、不予共享时必填（条件或依据）',
    'required for conditional / none',
  ),
  c('share_method', '共享方式', true, '接口 / 文件 / 数据库 / 其他', 'api / file / database / other'),
  c(
    'open_type',
    '开放类型',
    true,
    '无条件开放 / 有条件开放 / 不予开放',
    'unconditional / conditional / none',
  ),
  c(
    'open_condition',
    '开放条件',
    false,
    '有条件开放、不予开放时必填（条件或依据）',
    'required for conditional / none',
  ),
  c('grade', '分级', true, '1–4，不低于各信息项分级', '1–4, at least every field grade'),
  c('important', '重要数据', false, '是 / 否（默认否）', 'yes / no (default no)'),
  c(
    'core',
    '核心数据',
    false,
    '是 / 否（默认否；核心数据也是重要数据）',
    'yes / no (core implies important)',
  ),
  c('field_name', '信息项名称', true, '每行一个信息项；文件、接口类资源可留空', 'one field per row'),
  c(
    'field_code',
    '信息项代码',
    false,
    '小写字母开头，字母数字下划线，≤63 字节；留空则由名称生成',
    '[a-z][a-z0-9_]*, ≤ 63 bytes',
  ),
  c('field_type', '数据类型', true, '字符串 / 整数 / 小数 / 布尔 / 日期 / 日期时间 / JSON', 'string … json'),
  c(
    'field_length',
    '长度',
    false,
    '字符串长度；小数写 精度,小数位，如 18,2',
    'string length; decimals: precision,scale',
  ),
  c('field_required', '必填', false, '是 / 否', 'yes / no'),
  c('field_key', '主键', false, '是 / 否', 'yes / no'),
  c(
    'field_validator',
    '校验规则',
    false,
    '统一社会信用代码 / 身份证号 / 手机号 / 行政区划代码 / 电子邮箱 / 正则:表达式',
    'uscc / id_number / mobile / region_code / email / regex:pattern',
  ),
  c(
    'field_pii',
    '个人信息类型',
    false,
    '姓名 / 身份证号 / 手机号 / 地址 / 银行卡号 / 电子邮箱 / 其他 / 无',
    'name … none',
  ),
  c('field_grade', '信息项分级', false, '1–4（默认 1）', '1–4 (default 1)'),
  c('field_description', '信息项描述', false, '信息项的含义', "the field's meaning"),
];

/** Header text → column, case-, space-, underscore- and asterisk-insensitive. */
export function headerKey(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_*-]+/g, '');
}

const byHeader = new Map<string, ColumnDef>();
for (const col of COLUMNS) {
  byHeader.set(headerKey(col.zh), col);
  byHeader.set(headerKey(col.key), col);
}

export function columnFor(header: string): ColumnDef | undefined {
  return byHeader.get(headerKey(header));
}

/** An enumeration: codes with their Chinese labels (the first label is the one export writes). */
export interface EnumDef<T extends string> {
  name: { 'zh-CN': string; en: string };
  values: Record<T, readonly string[]>;
}

const enumDef = <T extends string>(
  zh: string,
  en: string,
  values: Record<T, readonly string[]>,
): EnumDef<T> => ({
  name: { 'zh-CN': zh, en },
  values,
});

export const CATEGORY = enumDef('资源分类', 'category', {
  base: ['基础', '基础类'],
  theme: ['主题', '主题类'],
  department: ['部门', '部门类'],
});
export const SHARE_TYPE = enumDef('共享类型', 'share type', {
  unconditional: ['无条件共享', '无条件'],
  conditional: ['有条件共享', '有条件'],
  none: ['不予共享'],
});
export const OPEN_TYPE = enumDef('开放类型', 'open type', {
  unconditional: ['无条件开放', '无条件'],
  conditional: ['有条件开放', '有条件'],
  none: ['不予开放'],
});
export const UPDATE_CYCLE = enumDef('更新周期', 'update cycle', {
  realtime: ['实时'],
  daily: ['每日', '每天'],
  weekly: ['每周'],
  monthly: ['每月'],
  quarterly: ['每季度', '每季'],
  half_yearly: ['每半年'],
  yearly: ['每年'],
  irregular: ['不定期'],
});
export const RESOURCE_KIND = enumDef('资源类型', 'resource kind', {
  table: ['表格', '库表'],
  file: ['文件'],
  api: ['接口'],
});
export const SHARE_METHOD = enumDef('共享方式', 'share method', {
  api: ['接口', '接口共享'],
  file: ['文件', '文件下载'],
  database: ['数据库', '库表交换'],
  other: ['其他'],
});
export const FIELD_TYPE = enumDef('数据类型', 'data type', {
  string: ['字符串', '字符型'],
  integer: ['整数', '整型'],
  decimal: ['小数', '数值'],
  boolean: ['布尔', '布尔型'],
  date: ['日期', '日期型'],
  datetime: ['日期时间', '时间戳'],
  json: ['JSON'],
});
export const PII_KIND = enumDef('个人信息类型', 'personal information kind', {
  name: ['姓名'],
  id_number: ['身份证号', '公民身份号码'],
  mobile: ['手机号', '手机号码'],
  address: ['地址'],
  bank_card: ['银行卡号'],
  email: ['电子邮箱', '邮箱'],
  other: ['其他'],
  none: ['无'],
});
export const VALIDATOR_KIND = enumDef('校验规则', 'validator', {
  uscc: ['统一社会信用代码'],
  id_number: ['身份证号', '公民身份号码'],
  mobile: ['手机号', '手机号码'],
  region_code: ['行政区划代码'],
  email: ['电子邮箱', '邮箱'],
  regex: ['正则'],
});
export const YES_NO = enumDef('是/否', 'yes/no', {
  yes: ['是', 'Y', 'true', '1', 'yes'],
  no: ['否', 'N', 'false', '0', 'no'],
});

/** Maps a Chinese label or code (case-insensitive) to its code; undefined when it is neither. */
export function enumValue<T extends string>(def: EnumDef<T>, text: string): T | undefined {
  const wanted = text.trim().toLowerCase();
  for (const [code, labels] of Object.entries(def.values) as [T, readonly string[]][]) {
    if (code.toLowerCase() === wanted) return code;
    if (labels.some((l) => l.toLowerCase() === wanted)) return code;
  }
  return undefined;
}

/** The label export writes for a code. */
export function enumLabel<T extends string>(def: EnumDef<T>, code: T): string {
  return def.values[code][0] ?? code;
}

/** Every accepted value of an enumeration, for error messages and the template's documentation. */
export function enumChoices<T extends string>(def: EnumDef<T>): string {
  return (Object.entries(def.values) as [T, readonly string[]][])
    .map(([code, labels]) => `${labels[0] ?? code}(${code})`)
    .join('、');
}

/** Multi-value cells: `;` or the full-width `；` (docs/CATALOG.md). */
export function splitMulti(text: string): string[] {
  return text
    .split(/[;；]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
