import { AppError, type FieldError } from '../../platform/http/errors.js';

/**
 * Problems and field messages of the catalog module. Problem keys double as the stable problem
 * `code`; `field_*` keys are the per-property messages of `validateEntryInput` (also shown per row
 * by the Excel import, so they name the rule, not the JSON path).
 */
export const catalogMessages = {
  entry_invalid: { 'zh-CN': '目录条目不符合要求', en: 'The catalog entry is not valid' },
  illegal_transition: {
    'zh-CN': '当前状态为「{status}」的版本不能执行「{action}」',
    en: 'A version in status "{status}" cannot be {action}',
  },
  revision_pending: {
    'zh-CN': '该条目有尚未发布的新版本 {version}，请先完成或继续编辑该版本',
    en: 'Version {version} of this entry is still being revised; finish it first',
  },
  comment_required: { 'zh-CN': '退回时必须填写审核意见', en: 'A comment is required to return an entry' },
  reason_required: { 'zh-CN': '废止或撤回时必须说明原因', en: 'A reason is required to {action} an entry' },
  provider_out_of_scope: {
    'zh-CN': '只能为本机构（机构管理员：本机构及下级机构）编目',
    en: 'You may only catalogue resources of your own organisation (org admins: and its sub-organisations)',
  },
  entry_out_of_scope: {
    'zh-CN': '只能管理本机构（机构管理员：本机构及下级机构）的目录条目',
    en: 'You may only manage catalog entries of your own organisation (org admins: and its sub-organisations)',
  },
  provider_immutable: {
    'zh-CN': '条目创建后不能更换提供方机构',
    en: 'The provider of an entry cannot change after it is created',
  },
  classification_fixed: {
    'zh-CN': '已发布过的条目不能修改类目编码（资源代码 {code} 已对外公布）',
    en: 'The classification of an entry that has been published cannot change (its code {code} is public)',
  },
  provider_required: {
    'zh-CN': '请指定提供方机构',
    en: 'A provider organisation is required',
  },
  version_unknown: { 'zh-CN': '该条目没有版本 {version}', en: 'This entry has no version {version}' },
  code_space_exhausted: {
    'zh-CN': '类目 {classification} 下的资源顺序码已用尽（999999）',
    en: 'The classification {classification} has used all 999999 sequence numbers',
  },

  field_required: { 'zh-CN': '必填', en: 'Required' },
  field_too_long: { 'zh-CN': '不能超过 {max} 个字符', en: 'At most {max} characters' },
  field_classification: {
    'zh-CN': '类目编码应为 1–4 段，每段 1–3 位数字（类/项/目/细目）',
    en: 'The classification needs 1–4 segments of 1–3 digits each (类/项/目/细目)',
  },
  field_format: {
    'zh-CN': '格式应为小写字母、数字或 . _ - 组成的扩展名，如 xlsx',
    en: 'A format is a lower-case extension of letters, digits, . _ or -, e.g. xlsx',
  },
  field_date: { 'zh-CN': '日期应为 YYYY-MM-DD 格式的真实日期', en: 'A real date as YYYY-MM-DD is required' },
  field_related_code: {
    'zh-CN': '资源代码格式应为 类目编码/6 位顺序码，如 1.02.03/000012',
    en: 'A resource code looks like classification/6-digit sequence, e.g. 1.02.03/000012',
  },
  field_related_unknown: { 'zh-CN': '资源代码 {code} 不存在', en: 'No resource has the code {code}' },
  field_phone: { 'zh-CN': '联系电话格式不正确', en: 'Not a valid phone number' },
  field_email: { 'zh-CN': '电子邮箱格式不正确', en: 'Not a valid e-mail address' },
  field_share_condition: {
    'zh-CN': '有条件共享或不予共享时，必须说明共享条件或不予共享的依据',
    en: 'Conditional or not-shared entries must state the condition or legal basis',
  },
  field_open_condition: {
    'zh-CN': '有条件开放或不予开放时，必须说明开放条件或不予开放的依据',
    en: 'Conditional or not-open entries must state the condition or legal basis',
  },
  field_core_important: {
    'zh-CN': '核心数据必须同时标记为重要数据',
    en: 'Core data must also be marked as important data',
  },
  field_grade_below_fields: {
    'zh-CN': '条目分级 {grade} 低于信息项的最高分级 {max}',
    en: 'The entry grade {grade} is below its highest field grade {max}',
  },
  field_fields_empty: {
    'zh-CN': '库表类资源至少需要一个信息项',
    en: 'A table resource needs at least one field',
  },
  field_code_syntax: {
    'zh-CN': '信息项代码只能由小写字母、数字和下划线组成，且以字母开头',
    en: 'A field code consists of lower-case letters, digits and underscores and starts with a letter',
  },
  field_code_too_long: {
    'zh-CN': '信息项代码不能超过 63 字节',
    en: 'A field code may be at most 63 bytes',
  },
  field_code_duplicate: {
    'zh-CN': '信息项代码 {code} 在本条目中重复',
    en: 'The field code {code} occurs more than once in this entry',
  },
  field_length_type: {
    'zh-CN': '只有字符串类型的信息项可以指定长度',
    en: 'Only string fields have a length',
  },
  field_length_range: { 'zh-CN': '长度应在 1–65535 之间', en: 'The length must be between 1 and 65535' },
  field_precision_type: {
    'zh-CN': '只有小数类型的信息项可以指定精度和小数位',
    en: 'Only decimal fields have a precision and scale',
  },
  field_precision_range: { 'zh-CN': '精度应在 1–38 之间', en: 'The precision must be between 1 and 38' },
  field_scale_range: {
    'zh-CN': '小数位应在 0 与精度之间',
    en: 'The scale must be between 0 and the precision',
  },
  field_pattern_required: {
    'zh-CN': '正则校验必须提供表达式',
    en: 'A regex validator needs a pattern',
  },
  field_pattern_invalid: {
    'zh-CN': '正则表达式无法编译：{error}',
    en: 'The regular expression does not compile: {error}',
  },
  field_pattern_unexpected: {
    'zh-CN': '只有正则校验可以提供表达式',
    en: 'Only a regex validator takes a pattern',
  },
  field_data_element_unknown: { 'zh-CN': '数据元 {id} 不存在', en: 'No data element {id}' },
  field_code_table_unknown: { 'zh-CN': '代码表 {id} 不存在', en: 'No code table {id}' },
  field_provider_unknown: { 'zh-CN': '提供方机构不存在', en: 'No such provider organisation' },
} as const;

export type CatalogMessageKey = keyof typeof catalogMessages;

export function catalogProblem(
  status: number,
  code: CatalogMessageKey,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
): AppError {
  return new AppError(status, code, catalogMessages[code], params, errors);
}
