import { AppError, type FieldError } from '../../platform/http/errors.js';

/** Problems and texts of the standards module; keys double as the stable problem `code`. */
export const standardsMessages = {
  code_table_version_taken: {
    'zh-CN': '代码表 {identifier} 已有版本 {version}',
    en: 'The code table {identifier} already has a version {version}',
  },
  code_table_values_invalid: {
    'zh-CN': '代码表的代码值有误',
    en: 'Some values of the code table are not valid',
  },
  duplicate_code: { 'zh-CN': '代码 {code} 重复', en: 'The code {code} appears more than once' },
  parent_unknown: {
    'zh-CN': '上级代码 {parentCode} 不在本代码表中',
    en: 'The parent code {parentCode} is not in this table',
  },
  parent_cycle: {
    'zh-CN': '代码 {code} 的上级关系形成了环',
    en: 'The parents of code {code} form a loop',
  },
  parent_self: { 'zh-CN': '代码不能以自身为上级', en: 'A code cannot be its own parent' },
  code_table_unknown: {
    'zh-CN': '代码表不存在：{codeTableId}',
    en: 'No such code table: {codeTableId}',
  },
  data_element_identifier_taken: {
    'zh-CN': '数据元标识符 {identifier} 已存在',
    en: 'The data element identifier {identifier} is taken',
  },
  data_element_invalid: {
    'zh-CN': '数据元定义有误',
    en: 'The data element definition is not valid',
  },
  builtin_readonly: {
    'zh-CN': '内置数据标准不可修改，请新建数据元',
    en: 'Built-in standards cannot be changed; create a new data element instead',
  },
  length_only_string: {
    'zh-CN': '只有字符串类型可以设置长度',
    en: 'Only string data elements have a length',
  },
  precision_only_decimal: {
    'zh-CN': '只有小数类型可以设置精度和小数位数',
    en: 'Only decimal data elements have a precision and scale',
  },
  scale_over_precision: {
    'zh-CN': '小数位数不能大于精度',
    en: 'The scale cannot exceed the precision',
  },
  pattern_required: {
    'zh-CN': '正则校验需要提供 pattern',
    en: 'A regex validator needs a pattern',
  },
  pattern_only_regex: {
    'zh-CN': '只有正则校验（regex）可以设置 pattern',
    en: 'Only a regex validator takes a pattern',
  },
  value_valid: { 'zh-CN': '校验通过', en: 'The value is valid' },
} as const;

export type StandardsMessageKey = keyof typeof standardsMessages;

export function standardsProblem(
  status: number,
  code: StandardsMessageKey,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
): AppError {
  return new AppError(status, code, standardsMessages[code], params, errors);
}
