import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';

/** Problems and field messages of public accounts; keys double as the stable problem `code`. */
export const accountMessages = {
  registration_invalid: {
    'zh-CN': '注册信息有误，请按提示修改',
    en: 'The registration has errors; please correct them',
  },
  registration_rate_limited: {
    'zh-CN': '本地址注册过于频繁，请 {seconds} 秒后再试',
    en: 'Too many registrations from this address; try again in {seconds} seconds',
  },
  subject_registered: {
    'zh-CN': '该证件号码已由另一个账号完成认证',
    en: 'Another account has already been verified with this number',
  },
  subject_mismatch: {
    'zh-CN': '填写的号码与该账号注册时提交的号码不一致',
    en: 'The number given does not match the one the account registered with',
  },
  already_verified: { 'zh-CN': '该账号已完成身份认证', en: 'The account is already verified' },
  not_public_account: {
    'zh-CN': '该用户不是公众账号',
    en: 'The user is not a public account',
  },
  public_org_out_of_scope: {
    'zh-CN': '只有管理“社会公众”机构的管理员可以认证公众账号',
    en: 'Only administrators whose scope covers the public organisation (社会公众) may verify public accounts',
  },
  // Field messages (used inside `errors`).
  username_format: {
    'zh-CN': '用户名为 2–64 位字母、数字、点、下划线或连字符，以字母或数字开头',
    en: 'A username is 2–64 letters, digits, dots, underscores or hyphens, starting with a letter or digit',
  },
  username_taken: { 'zh-CN': '用户名 {username} 已存在', en: 'The username {username} is taken' },
  display_name_required: { 'zh-CN': '请填写姓名或名称', en: 'Give your name' },
  id_number_required: {
    'zh-CN': '个人注册须填写公民身份号码',
    en: 'A person registers with a citizen identity number (公民身份号码)',
  },
  uscc_required: {
    'zh-CN': '企业注册须填写统一社会信用代码',
    en: 'A company registers with its unified social credit code (统一社会信用代码)',
  },
  id_number_not_for_company: {
    'zh-CN': '企业注册不填写公民身份号码',
    en: 'A company does not give a citizen identity number',
  },
  uscc_not_for_person: {
    'zh-CN': '个人注册不填写统一社会信用代码',
    en: 'A person does not give a unified social credit code',
  },
} satisfies Record<string, Localized>;

export type AccountMessageKey = keyof typeof accountMessages;

export function accountProblem(
  status: number,
  code: AccountMessageKey,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
  headers: Record<string, string> = {},
): AppError {
  return new AppError(status, code, accountMessages[code], params, errors, headers);
}
