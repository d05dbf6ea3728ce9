import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';

/** Problems of the public API and API keys; keys double as the stable problem `code`. */
export const publicMessages = {
  open_dataset_not_found: {
    'zh-CN': '没有标识为「{ref}」的开放数据集',
    en: 'There is no open dataset "{ref}"',
  },
  open_field_unknown: {
    'zh-CN': '数据集没有字段「{field}」',
    en: 'The dataset has no field "{field}"',
  },
  open_param_invalid: {
    'zh-CN': '参数 {param} 无效：{reason}',
    en: 'Invalid parameter {param}: {reason}',
  },
  open_rate_limited: {
    'zh-CN': '调用过于频繁：每分钟至多 {limit} 次，请 {retryAfter} 秒后再试',
    en: 'Too many calls: at most {limit} a minute; try again in {retryAfter} s',
  },
  open_quota_exhausted: {
    'zh-CN': '今日调用次数已用完（每日 {quota} 次），北京时间零点后恢复',
    en: "Today's quota of {quota} calls is used up; it resets at midnight (Asia/Shanghai)",
  },
  open_key_invalid: {
    'zh-CN': 'API Key 无效或已吊销',
    en: 'The API key is invalid or revoked',
  },
  open_key_not_found: { 'zh-CN': 'API Key {id} 不存在', en: 'There is no API key {id}' },
  open_key_limit: {
    'zh-CN': '每个用户至多 {max} 个有效的 API Key，请先吊销不用的',
    en: 'A user may hold at most {max} active API keys; revoke one first',
  },
} satisfies Record<string, Localized>;

export type PublicMessageKey = keyof typeof publicMessages;

export function publicProblem(
  status: number,
  key: PublicMessageKey,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): AppError {
  return new AppError(status, key, publicMessages[key], params, [], headers);
}

/** A bad query parameter: 400 naming it, with the reason in both languages. */
export function badParam(param: string, reason: Localized): AppError {
  return new AppError(
    400,
    'open_param_invalid',
    {
      'zh-CN': publicMessages.open_param_invalid['zh-CN'].replace('{reason}', reason['zh-CN']),
      en: publicMessages.open_param_invalid.en.replace('{reason}', reason.en),
    },
    { param },
  );
}
