import { AppError } from '../../../platform/http/errors.js';

/** Problems of the open interfaces and harvesting; keys double as the stable problem `code`. */
export const openMessages = {
  open_entry_not_found: {
    'zh-CN': '没有资源代码或标识为「{ref}」的开放目录条目',
    en: 'No open catalog entry has the code or id "{ref}"',
  },
  open_page_out_of_range: {
    'zh-CN': '第 {page} 页不存在（共 {last} 页）',
    en: 'Page {page} does not exist (there are {last})',
  },
  harvest_source_not_found: { 'zh-CN': '采集源不存在', en: 'No such harvest source' },
  harvest_run_not_found: { 'zh-CN': '采集任务不存在', en: 'No such harvest run' },
  harvest_url_invalid: {
    'zh-CN': '采集源地址必须是 http 或 https 网址：{url}',
    en: 'The harvest source URL must be an http or https URL: {url}',
  },
  harvest_schedule_invalid: {
    'zh-CN': '采集计划须为五段式 cron 表达式（分 时 日 月 周），例如 “0 2 * * *”：{schedule}',
    en: 'The schedule must be a five-field cron expression (minute hour day month weekday), e.g. "0 2 * * *": {schedule}',
  },
  harvest_name_taken: {
    'zh-CN': '已有同名采集源：{name}',
    en: 'A harvest source named "{name}" already exists',
  },
  harvest_provider_required: {
    'zh-CN': '采集来的条目需要一个提供方机构：请指定 providerOrgId',
    en: 'Harvested entries need a provider organisation: give providerOrgId',
  },
  harvest_provider_unknown: { 'zh-CN': '提供方机构不存在', en: 'The provider organisation does not exist' },
} as const;

export type OpenMessageKey = keyof typeof openMessages;

export function openProblem(
  status: number,
  key: OpenMessageKey,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, key, openMessages[key], params);
}
