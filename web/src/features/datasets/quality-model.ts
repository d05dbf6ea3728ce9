/**
 * Shapes of the quality API (docs/QUALITY.md "Rules", "Rules, runs and scores", "HTTP API"):
 * a dataset's rules, suggestions, settings, runs and their results.
 */
import type { Localized } from './model';

export const DIMENSIONS = [
  'completeness',
  'validity',
  'uniqueness',
  'consistency',
  'timeliness',
  'accuracy',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const RULE_KINDS = [
  'not_null',
  'max_length',
  'pattern',
  'code_table',
  'range',
  'validator',
  'unique',
  'expression',
  'id_consistency',
  'referential',
  'timeliness',
  'accuracy',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** The dimension each kind of rule counts under (the server's DIMENSION_OF). */
export const DIMENSION_OF: Record<RuleKind, Dimension> = {
  not_null: 'completeness',
  max_length: 'validity',
  pattern: 'validity',
  code_table: 'validity',
  range: 'validity',
  validator: 'validity',
  unique: 'uniqueness',
  expression: 'consistency',
  id_consistency: 'consistency',
  referential: 'consistency',
  timeliness: 'timeliness',
  accuracy: 'accuracy',
};

export const RULE_VALIDATORS = ['uscc', 'id_number', 'mobile', 'email', 'region_code'] as const;
export type RuleValidator = (typeof RULE_VALIDATORS)[number];

export const NORMALISE_OPTIONS = ['trim', 'width', 'case', 'space'] as const;
export type NormaliseOption = (typeof NORMALISE_OPTIONS)[number];
export type Normalise = Partial<Record<NormaliseOption, boolean>>;

/** The condition language of row filters (src/modules/sharing/filter.ts). */
export type Condition =
  | { field: string; op: 'eq' | 'ne'; value: string }
  | { field: string; op: 'in'; values: string[] }
  | { field: string; op: 'range'; gte?: string; gt?: string; lte?: string; lt?: string }
  | { field: string; op: 'prefix'; value: string }
  | { field: string; op: 'is_null' | 'not_null' }
  | { and: Condition[] }
  | { or: Condition[] }
  | { not: Condition };

export type RuleSpec =
  | { kind: 'not_null'; field: string }
  | { kind: 'max_length'; field: string; max: number }
  | { kind: 'pattern'; field: string; pattern: string }
  | { kind: 'code_table'; field: string; codeTableId: string }
  | { kind: 'range'; field: string; min?: string; max?: string }
  | { kind: 'unique'; fields: string[] }
  | { kind: 'expression'; condition: Condition }
  | { kind: 'validator'; field: string; validator: RuleValidator }
  | {
      kind: 'id_consistency';
      idField: string;
      birthField?: string;
      sexField?: string;
      maleCode?: string;
      femaleCode?: string;
    }
  | { kind: 'referential'; field: string; entryId: string; targetField: string }
  | { kind: 'timeliness' }
  | {
      kind: 'accuracy';
      field: string;
      keyField: string;
      authority: { entryId: string; field: string; keyField: string };
      normalise?: Normalise;
    };

export interface QualityRule {
  id: string;
  /** A suggestion's key (`<field>:<kind>`) or `custom:<uuid>`. */
  key: string;
  name: string;
  kind: RuleKind;
  dimension: Dimension;
  spec: RuleSpec;
  enabled: boolean;
  suggested: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface Suggestion {
  key: string;
  name: string;
  spec: RuleSpec;
  dimension: Dimension;
  /** A rule with this key is stored already. */
  stored: boolean;
}

export type Weights = Record<Dimension, number>;

export interface QualitySettings {
  weights: Weights;
  /** The daily run hour (Asia/Shanghai); null: after loads and by hand only. */
  hour: number | null;
}

export type Trigger = 'load' | 'schedule' | 'manual';
export const TRIGGERS: readonly Trigger[] = ['load', 'schedule', 'manual'];
export type RunStatus = 'running' | 'done' | 'failed';

export interface RunSummary {
  id: number;
  trigger: Trigger;
  batchId: number | null;
  status: RunStatus;
  rows: number | null;
  /** 0–100 per dimension, null for a dimension without rules. */
  scores: Partial<Record<Dimension, number | null>>;
  score: number | null;
  error: Localized | null;
  startedByName: string;
  startedAt: string;
  finishedAt: string | null;
}

export interface RunResult {
  ruleId: string;
  ruleName: string;
  kind: RuleKind;
  dimension: Dimension;
  spec: RuleSpec;
  checked: number;
  failing: number;
  /** failing / checked × 100, two decimals; null when nothing was checked. */
  percent: number | null;
  /** Failing rows: their keys and the rule's fields, masked for the viewer. */
  samples: Record<string, string | number | null>[];
  error: Localized | null;
}

export interface RunDetail extends RunSummary {
  entryId: string;
  results: RunResult[];
}

export interface DatasetQuality extends QualitySettings {
  entryId: string;
  datasetId: string;
  entryName: string;
  rules: QualityRule[];
  latestRun: RunSummary | null;
}

export interface RuleInput {
  name: string;
  spec: RuleSpec;
  enabled?: boolean;
  /** The key of the suggestion the rule keeps. */
  key?: string;
}

/** The fields a rule reads, for naming them. */
export function specFields(spec: RuleSpec): string[] {
  switch (spec.kind) {
    case 'unique':
      return spec.fields;
    case 'expression':
      return conditionFields(spec.condition);
    case 'id_consistency':
      return [spec.idField, spec.birthField, spec.sexField].filter((f): f is string => !!f);
    case 'accuracy':
      return [spec.field, spec.keyField];
    case 'timeliness':
      return [];
    default:
      return [spec.field];
  }
}

function conditionFields(c: Condition): string[] {
  if ('and' in c) return [...new Set(c.and.flatMap(conditionFields))];
  if ('or' in c) return [...new Set(c.or.flatMap(conditionFields))];
  if ('not' in c) return conditionFields(c.not);
  return [c.field];
}
