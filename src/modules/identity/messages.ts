import { AppError, type FieldError } from '../../platform/http/errors.js';

/** Problems of the identity module; keys double as the stable problem `code`. */
export const identityMessages = {
  invalid_credentials: { 'zh-CN': '用户名或密码错误', en: 'Wrong username or password' },
  account_locked: {
    'zh-CN': '连续登录失败次数过多，账号已锁定至 {until}',
    en: 'Too many failed sign-ins; the account is locked until {until}',
  },
  password_policy: {
    'zh-CN': '密码不符合要求：至少 10 位，包含大写字母、小写字母、数字、符号中的至少三类，且不得包含用户名',
    en: 'The password does not meet the policy: at least 10 characters, at least three of upper case, lower case, digits and symbols, and not containing the username',
  },
  password_too_short: { 'zh-CN': '密码至少需要 {min} 位', en: 'At least {min} characters are required' },
  password_classes: {
    'zh-CN': '需包含大写字母、小写字母、数字、符号中的至少三类',
    en: 'Use at least three of: upper case, lower case, digits, symbols',
  },
  password_contains_username: {
    'zh-CN': '密码不得包含用户名',
    en: 'The password must not contain the username',
  },
  password_incorrect: { 'zh-CN': '当前密码不正确', en: 'The current password is wrong' },
  officer_conflict: {
    'zh-CN': '三员分立：系统管理员、安全管理员、审计管理员不得由同一账号兼任（{roles}）',
    en: 'Separation of the three officers: one account may not hold {roles} together',
  },
  officer_grant_forbidden: {
    'zh-CN': '只有安全管理员可以授予系统管理员、安全管理员、审计管理员角色',
    en: 'Only the security administrator may grant the sysadmin, secadmin and auditor roles',
  },
  self_role_change: { 'zh-CN': '不能修改自己的角色', en: 'You cannot change your own roles' },
  self_disable: { 'zh-CN': '不能停用自己的账号', en: 'You cannot disable your own account' },
  officer_out_of_scope: {
    'zh-CN': '机构管理员不能管理三员账号',
    en: 'An organisation administrator cannot manage officer accounts',
  },
  org_out_of_scope: {
    'zh-CN': '只能管理本机构及下级机构的资源',
    en: 'You may only manage resources of your own organisation and its sub-organisations',
  },
  org_unknown: { 'zh-CN': '机构不存在：{orgId}', en: 'No such organisation: {orgId}' },
  org_parent_invalid: {
    'zh-CN': '上级机构不存在，或会使机构树形成环',
    en: 'The parent organisation does not exist or would make the tree circular',
  },
  uscc_invalid: {
    'zh-CN': '统一社会信用代码无效（应为 18 位且校验码正确）',
    en: 'Invalid unified social credit code (18 characters with a valid check character)',
  },
  uscc_taken: {
    'zh-CN': '统一社会信用代码 {uscc} 已被其他机构使用',
    en: 'The unified social credit code {uscc} is already used by another organisation',
  },
  region_code_invalid: {
    'zh-CN': '行政区划代码应为 6 位数字',
    en: 'The administrative division code must be 6 digits',
  },
  username_taken: { 'zh-CN': '用户名 {username} 已存在', en: 'The username {username} is taken' },
  app_name_taken: {
    'zh-CN': '本机构已有名为 {name} 的应用',
    en: 'Your organisation already has an application named {name}',
  },
} as const;

export type IdentityMessageKey = keyof typeof identityMessages;

export function identityProblem(
  status: number,
  code: IdentityMessageKey,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
): AppError {
  return new AppError(status, code, identityMessages[code], params, errors);
}
