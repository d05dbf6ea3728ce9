import { AppError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';

/** The problems of quality rules and runs (routes.ts), in both languages. */
export const qualityMessages = {
  quality_dataset_not_found: {
    'zh-CN': '该目录还没有加载过数据，无法设置质量规则',
    en: 'No data has been loaded for this entry yet, so it has no quality rules',
  },
  quality_out_of_scope: {
    'zh-CN': '只能管理本机构（机构管理员：本机构及下级机构）目录的质量规则和检查',
    en: 'You may only manage the quality rules and runs of your own organisation (org admins: and its sub-organisations)',
  },
  quality_rule_not_found: { 'zh-CN': '质量规则 {id} 不存在', en: 'There is no quality rule {id}' },
  quality_rule_invalid: { 'zh-CN': '规则无效：{zh}', en: 'The rule is invalid: {en}' },
  quality_rule_exists: {
    'zh-CN': '该数据集已有键为“{key}”的规则',
    en: 'The dataset already has a rule with the key "{key}"',
  },
  quality_suggestion_unknown: {
    'zh-CN': '“{key}”不是该数据集的建议规则；自定义规则不必指定 key',
    en: '"{key}" is not one of the dataset\'s suggested rules; a custom rule needs no key',
  },
  quality_entry_not_found: {
    'zh-CN': '规则引用的目录 {id} 不存在、不可见或还没有数据',
    en: 'The entry {id} the rule refers to does not exist, is not visible to you, or has no data',
  },
  quality_no_rules: {
    'zh-CN': '该数据集没有启用的质量规则',
    en: 'The dataset has no enabled quality rules',
  },
  quality_run_not_found: { 'zh-CN': '质量检查 {id} 不存在', en: 'There is no quality run {id}' },
} satisfies Record<string, Localized>;

export type QualityMessageKey = keyof typeof qualityMessages;

export function qualityProblem(
  status: number,
  code: QualityMessageKey,
  params: Record<string, unknown> = {},
): AppError {
  return new AppError(status, code, qualityMessages[code], params);
}
