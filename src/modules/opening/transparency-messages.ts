import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';

/** Problems of the transparency view; keys double as the stable problem `code`. */
export const transparencyMessages = {
  identity_unverified: {
    'zh-CN':
      '您的身份尚未认证，暂不能查看数据访问记录。访问记录按公民身份号码或统一社会信用代码归属，只有认证后的本人或本企业才能查看；请等待管理员核验您的证件后再试。',
    en: 'Your identity has not been verified yet, so your access records cannot be shown. Records are tied to a citizen identity number or a unified social credit code, and only the verified person or company may see them; please wait until an administrator has checked your documents.',
  },
} satisfies Record<string, Localized>;

export function transparencyProblem(status: number, code: keyof typeof transparencyMessages): AppError {
  return new AppError(status, code, transparencyMessages[code]);
}
