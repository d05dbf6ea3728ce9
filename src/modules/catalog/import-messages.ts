import { AppError } from '../../platform/http/errors.js';
import { localize } from '../../platform/i18n/index.js';

/** Messages of catalog import/export: the row-level report and the routes' problems. */
export const importMessages = {
  file_empty: { 'zh-CN': '文件为空', en: 'The file is empty' },
  file_xls: {
    'zh-CN': '不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV 后上传',
    en: 'Legacy .xls files are not supported; save the sheet as .xlsx or CSV',
  },
  file_not_xlsx: {
    'zh-CN': '文件不是有效的 .xlsx 工作簿（可能已损坏）',
    en: 'The file is not a valid .xlsx workbook (it may be damaged)',
  },
  file_not_sheet: {
    'zh-CN': '文件既不是 .xlsx 工作簿，也不是 CSV 文本',
    en: 'The file is neither an .xlsx workbook nor CSV text',
  },
  file_too_many_rows: {
    'zh-CN': '行数超过上限 {max}，请拆分为多个文件',
    en: 'More than {max} rows; split the file',
  },
  csv_malformed: {
    'zh-CN': 'CSV 格式错误（{detail}），请检查引号是否成对',
    en: 'Malformed CSV ({detail}); check that quotes are balanced',
  },
  row_too_large: { 'zh-CN': '该行内容过大', en: 'The row is too large' },
  header_only: {
    'zh-CN': '文件只有表头，没有数据行',
    en: 'The file has a header row but no data rows',
  },
  header_missing: {
    'zh-CN': '表头缺少必填列：{columns}',
    en: 'The header row lacks required columns: {columns}',
  },
  header_unknown: {
    'zh-CN': '无法识别的列名“{column}”（请使用模板中的中文或英文列名）',
    en: 'Unknown column "{column}" (use the Chinese or English names of the template)',
  },
  header_duplicate: { 'zh-CN': '列“{column}”重复出现', en: 'Column "{column}" appears twice' },
  header_blank: {
    'zh-CN': '第 {index} 列的表头为空，但该列有数据',
    en: 'Column {index} has data but no header',
  },
  row_ragged: {
    'zh-CN': '该行有 {count} 列，多于表头的 {expected} 列',
    en: 'The row has {count} cells, more than the {expected} header columns',
  },
  cell_formula: {
    'zh-CN': '单元格含有公式，导入不计算公式，请粘贴为数值或文本',
    en: 'The cell holds a formula; import does not evaluate formulas, paste the value instead',
  },
  cell_injection: {
    'zh-CN': '单元格以 = + - @ 开头且形似公式，为防止公式注入已拒绝',
    en: 'The cell starts with = + - @ and looks like a formula; refused to prevent formula injection',
  },
  cell_error_value: {
    'zh-CN': '单元格是 Excel 错误值 {value}',
    en: 'The cell is the Excel error value {value}',
  },
  cell_too_long: {
    'zh-CN': '单元格内容超过 {max} 个字符',
    en: 'The cell is longer than {max} characters',
  },
  cell_garbled: {
    'zh-CN': '单元格含有无法识别的字符，文件须为 UTF-8 或 GBK 编码',
    en: 'The cell holds unreadable characters; the file must be UTF-8 or GBK encoded',
  },
  required: { 'zh-CN': '“{column}”不能为空', en: '"{column}" is required' },
  enum_invalid: {
    'zh-CN': '“{value}”不是有效的{name}，可选：{choices}',
    en: '"{value}" is not a valid {nameEn}; choose one of: {choices}',
  },
  grade_invalid: {
    'zh-CN': '分级“{value}”无效，应为 1–4 的整数',
    en: 'Grade "{value}" is invalid; use an integer from 1 to 4',
  },
  length_invalid: {
    'zh-CN': '长度“{value}”无效：字符串写正整数，小数写“精度,小数位”（如 18,2）',
    en: 'Length "{value}" is invalid: a positive integer for strings, "precision,scale" for decimals',
  },
  date_invalid: {
    'zh-CN': '日期“{value}”无效，应为 YYYY-MM-DD',
    en: 'Date "{value}" is invalid; use YYYY-MM-DD',
  },
  classification_invalid: {
    'zh-CN': '类目编码“{value}”无效：1–4 段、每段 1–3 位数字，以 . 分隔',
    en: 'Classification "{value}" is invalid: 1–4 segments of 1–3 digits separated by "."',
  },
  provider_unknown: {
    'zh-CN': '提供方代码“{value}”不是本节点已登记机构的统一社会信用代码',
    en: 'Provider code "{value}" is not the USCC of an organisation registered on this node',
  },
  field_code_invalid: {
    'zh-CN': '信息项代码“{value}”无效：须以小写字母开头，只含小写字母、数字和下划线',
    en: 'Field code "{value}" is invalid: start with a lower-case letter; use a–z, 0–9 and _ only',
  },
  field_code_too_long: {
    'zh-CN': '信息项代码长 {bytes} 字节，超过 63 字节上限',
    en: 'The field code is {bytes} bytes long, more than the 63-byte limit',
  },
  field_code_duplicate: {
    'zh-CN': '信息项代码“{value}”在同一资源中重复（第 {first} 行已使用）',
    en: 'Field code "{value}" is used twice in the same entry (first on row {first})',
  },
  field_without_name: {
    'zh-CN': '填写了信息项的其他列，但“信息项名称”为空',
    en: 'Field columns are filled but the field name is empty',
  },
  validator_invalid: {
    'zh-CN': '校验规则“{value}”无效，可选：{choices}；正则写作“正则:表达式”',
    en: 'Validator "{value}" is invalid; choose one of: {choices}; a regex is written "regex:pattern"',
  },
  regex_invalid: {
    'zh-CN': '正则表达式无法编译：{detail}',
    en: 'The regular expression does not compile: {detail}',
  },
  entry_mismatch: {
    'zh-CN': '同一资源（资源名称 + 提供方代码）的各行取值须一致，与第 {first} 行不同',
    en: 'Rows of one entry (name + provider code) must agree; this differs from row {first}',
  },
  too_many_errors: {
    'zh-CN': '错误过多，仅列出前 {max} 条',
    en: 'Too many errors; only the first {max} are listed',
  },
  import_file_missing: {
    'zh-CN': '请以 multipart/form-data 上传字段名为 file 的文件',
    en: 'Upload the file as multipart/form-data in a field named "file"',
  },
  import_file_too_large: {
    'zh-CN': '文件超过 {limit} 字节上限',
    en: 'The file exceeds the {limit}-byte limit',
  },
} as const;

export type ImportMessageKey = keyof typeof importMessages;

/** One line of the row-level report (docs/CATALOG.md: row 0 means the file as a whole). */
export interface ImportError {
  row: number;
  column: string;
  message: string;
  messageEn: string;
}

export function importError(
  row: number,
  column: string,
  key: ImportMessageKey,
  params: Record<string, unknown> = {},
): ImportError {
  const text = importMessages[key];
  return {
    row,
    column,
    message: localize(text, 'zh-CN', params),
    messageEn: localize(text, 'en', params),
  };
}

export function importProblem(
  status: number,
  code: ImportMessageKey,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, importMessages[code], params);
}
