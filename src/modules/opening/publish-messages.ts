import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';

/** The problems of the publishing pipeline (publish-routes.ts), in both languages. */
export const publishMessages = {
  publish_not_found: {
    'zh-CN': '目录 {entryId} 还没有开放发布配置',
    en: 'Entry {entryId} has no open publication yet',
  },
  publish_entry_not_found: { 'zh-CN': '目录 {entryId} 不存在', en: 'There is no entry {entryId}' },
  publish_no_dataset: {
    'zh-CN': '该目录还没有加载过数据，无法开放',
    en: 'No data has been loaded for this entry yet, so it cannot be opened',
  },
  publish_out_of_scope: {
    'zh-CN': '只能配置和申请开放本机构（机构管理员：本机构及下级机构）的目录',
    en: 'You may only configure and request the opening of your own organisation’s entries (org admins: and its sub-organisations)',
  },
  publish_not_approver: {
    'zh-CN': '只有提供机构的审核人（或其机构管理员）才能签批开放',
    en: 'Only an approver of the provider organisation (or its org admin) may sign off an opening',
  },
  publish_own_request: {
    'zh-CN': '申请人不能签批自己的开放申请',
    en: 'The requester may not sign off their own request',
  },
  publish_entry_not_open: {
    'zh-CN': '该目录的开放属性为“不予开放”，不能开放',
    en: 'The entry’s open type is "none" (不予开放), so it cannot be opened',
  },
  publish_entry_core: {
    'zh-CN': '核心数据不能开放',
    en: 'Core data (核心数据) cannot be opened',
  },
  publish_grade_forbids: {
    'zh-CN': '分级或个人信息类别不允许按所选方式开放以下信息项：{fields}',
    en: 'The grade or personal-information kind of these fields forbids opening them as configured: {fields}',
  },
  publish_config_invalid: {
    'zh-CN': '开放配置无效：{zh}',
    en: 'The opening configuration is invalid: {en}',
  },
  publish_hierarchy_unknown: {
    'zh-CN': '本机构没有名为“{name}”的泛化层级',
    en: 'The organisation has no generalisation hierarchy named "{name}"',
  },
  publish_hierarchy_invalid: {
    'zh-CN': '泛化层级 CSV 无效：{zh}',
    en: 'The hierarchy CSV is invalid: {en}',
  },
  publish_widths_invalid: {
    'zh-CN': '数值区间宽度 {widths} 无效：应为正数，且每级是上一级的整数倍（至少 2 倍）',
    en: 'The range widths {widths} are invalid: each must be positive and a whole multiple (at least 2×) of the one before',
  },
  publish_status: {
    'zh-CN': '开放发布当前状态为 {status}，不能{actionZh}',
    en: 'The publication is {status}; it cannot be {actionEn}',
  },
  publish_not_anonymous: {
    'zh-CN': '在隐匿不超过 {maxSuppression} 的条件下无法满足 k = {k}：最少需隐匿 {needed} 行（共 {rows} 行）',
    en: 'k = {k} cannot be met with at most {maxSuppression} of the rows suppressed: at least {needed} of {rows} rows would be',
  },
} satisfies Record<string, Localized>;

export type PublishMessageKey = keyof typeof publishMessages;

export function publishProblem(
  status: number,
  code: PublishMessageKey,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, publishMessages[code], params);
}
