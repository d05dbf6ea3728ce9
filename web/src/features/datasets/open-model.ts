import type { Field, FieldType, Grade, PiiKind } from '../catalog/model';
import type { MaskFunction } from '../sharing/model';
import type { DatasetColumn, Localized } from './model';

/**
 * Shapes of the publishing pipeline (docs/OPENING.md "Publishing pipeline"; the server's
 * src/modules/opening/publish-schemas.ts), and the grade rules of publish-config.ts mirrored so
 * that the 开放 tab can disable what the server would refuse. The server stays the authority:
 * whatever it refuses (400 publish_grade_forbids …) is shown as it says it.
 */

export const FIELD_ACTIONS = ['drop', 'keep', 'mask', 'generalise', 'pseudonymise'] as const;
export type FieldAction = (typeof FIELD_ACTIONS)[number];

export const HIERARCHY_KINDS = ['date', 'age', 'region', 'number', 'custom'] as const;
export type HierarchyKind = (typeof HIERARCHY_KINDS)[number];

export const PUBLICATION_STATUSES = ['draft', 'pending', 'published', 'withdrawn'] as const;
export type PublicationStatus = (typeof PUBLICATION_STATUSES)[number];

export type PublicationKind = 'records' | 'aggregate';
export type BuildStatus = 'queued' | 'running' | 'done' | 'failed';

export interface FieldRuleParams {
  kind?: Exclude<MaskFunction, 'none'>;
  hierarchy?: HierarchyKind;
  level?: number;
  widths?: number[];
  width?: number;
  name?: string;
}

export interface FieldRule {
  action: FieldAction;
  params?: FieldRuleParams;
}

export interface Measure {
  fn: 'count' | 'sum';
  field?: string;
}

export interface AggregateSettings {
  groupBy: string[];
  measures?: Measure[];
  minCell?: number;
}

/** The configuration as PUT …/config takes it (a field not listed is dropped). */
export interface PublishConfig {
  kind?: PublicationKind;
  fields: Record<string, FieldRule>;
  quasiIdentifiers?: string[];
  k?: number;
  maxSuppression?: number;
  aggregate?: AggregateSettings;
}

export interface Risk {
  highest: number;
  average: number;
  atRisk: number;
  unique: number;
}

export interface ClassBucket {
  from: number;
  to: number | null;
  classes: number;
  rows: number;
}

export interface ReportField {
  code: string;
  name: string;
  action: FieldAction;
  quasiIdentifier: boolean;
  detail: string;
  level: number | null;
  maxLevel: number | null;
  loss: number;
}

export interface Report {
  kind: PublicationKind;
  feasible: boolean;
  computedAt: string;
  sourceRows: number;
  publishedRows: number;
  suppressedRows: number;
  suppressedShare: number;
  k: number;
  maxSuppression: number;
  fields: ReportField[];
  informationLoss: number;
  classes: {
    classes: number;
    rows: number;
    minSize: number;
    maxSize: number;
    averageSize: number;
    histogram: ClassBucket[];
  };
  risk: { before: Risk; after: Risk };
  lattice: {
    nodes: number;
    evaluated: number;
    tagged: number;
    anonymous: number;
    minimal: number;
    searchMs: number;
  } | null;
  aggregate: { cells: number; suppressedCells: number; minCell: number } | null;
}

export interface Person {
  id: string | null;
  name: string;
  at: string;
}

export interface OpenVersion {
  version: number;
  batchId: number | null;
  rows: number;
  suppressed: number;
  createdAt: string;
}

export interface Publication {
  id: string;
  entryId: string;
  datasetId: string;
  name: string;
  kind: PublicationKind;
  config: PublishConfig;
  status: PublicationStatus;
  requested: Person | null;
  signedOff: Person | null;
  refusal: { by: string; at: string; reason: string } | null;
  currentVersion: number;
  columns: { code: string; name: string; type: string; pgType: string }[];
  rowCount: number;
  publishedAt: string | null;
  refreshedAt: string | null;
  report: Report | null;
  build: { status: BuildStatus | null; error: Localized | null; batchId: number | null };
  versions: OpenVersion[];
  updatedAt: string;
}

export interface CustomHierarchy {
  id: string;
  orgId: string;
  name: string;
  description: string;
  /** Levels of the CSV (value excluded); the top level `*` is levels + 1. */
  levels: number;
  values: number;
  sample: string[][];
  createdBy: string;
  updatedAt: string;
}

export interface HierarchyInput {
  name: string;
  description?: string;
  csv: string;
  orgId?: string;
}

/** k and the suppression bound when the configuration leaves them out (the server's defaults). */
export const DEFAULT_K = 5;
export const DEFAULT_MAX_SUPPRESSION = 0.05;
export const DEFAULT_MIN_CELL = 10;
/** A custom hierarchy's name (POST /hierarchies). */
export const HIERARCHY_NAME = /^[a-z][a-z0-9_-]{0,62}$/;

/** A dataset column with what the catalog (its published version) says of it. */
export interface OpenField {
  code: string;
  name: string;
  type: FieldType;
  /** A column the catalog no longer describes is of the strictest grade, as on the server. */
  grade: Grade;
  piiKind: PiiKind;
}

export function openFieldsOf(columns: readonly DatasetColumn[], catalog: readonly Field[]): OpenField[] {
  const byCode = new Map(catalog.map((f) => [f.code, f]));
  return columns.map((c) => {
    const f = byCode.get(c.code);
    return {
      code: c.code,
      name: c.name,
      type: c.type as FieldType,
      grade: f?.grade ?? 4,
      piiKind: f?.piiKind ?? 'other',
    };
  });
}

/** Grade 3 or 4, or personal information: never published in clear. */
export const isRestricted = (f: Pick<OpenField, 'grade' | 'piiKind'>) => f.grade >= 3 || f.piiKind !== 'none';

/** Why an action is refused for a field (a message key), or null when the grade rules allow it. */
export function actionBlock(
  f: Pick<OpenField, 'grade' | 'piiKind'>,
  action: FieldAction,
): 'publish.rule.grade4' | 'publish.rule.clear' | null {
  if (f.grade === 4 && action !== 'drop') return 'publish.rule.grade4';
  if (action === 'keep' && isRestricted(f)) return 'publish.rule.clear';
  return null;
}

/** The field types each hierarchy reads (publish-config.ts HIERARCHY_TYPES). */
const HIERARCHY_TYPES: Record<HierarchyKind, readonly FieldType[]> = {
  date: ['date', 'datetime', 'string'],
  age: ['integer', 'decimal', 'string'],
  region: ['string', 'integer'],
  number: ['integer', 'decimal'],
  custom: ['string', 'integer', 'decimal', 'date', 'datetime', 'boolean'],
};

export const hierarchiesFor = (type: FieldType): HierarchyKind[] =>
  HIERARCHY_KINDS.filter((h) => HIERARCHY_TYPES[h].includes(type));

/** A hierarchy a field of this type may use, guessed from the type and code, for a new rule. */
export function defaultHierarchy(f: Pick<OpenField, 'type' | 'code' | 'name'>): HierarchyKind {
  const options = hierarchiesFor(f.type);
  if (f.type === 'date' || f.type === 'datetime') return 'date';
  if (/年龄|age|^nl$/i.test(`${f.code} ${f.name}`) && options.includes('age')) return 'age';
  if (/区划|地区|region|qh/i.test(`${f.code} ${f.name}`) && options.includes('region')) return 'region';
  if (options.includes('number')) return 'number';
  return options[0] ?? 'custom';
}

/** The number of levels above the value (the top, `*`, included); null when unknown. */
export function hierarchyHeight(
  params: FieldRuleParams | undefined,
  custom: readonly CustomHierarchy[],
): number | null {
  switch (params?.hierarchy) {
    case 'date':
    case 'region':
      return 3;
    case 'age':
      return 4;
    case 'number': {
      const widths = params.widths ?? (params.width !== undefined ? [params.width, params.width * 10] : []);
      return widths.length ? widths.length + 1 : null;
    }
    case 'custom': {
      const h = custom.find((x) => x.name === params.name);
      return h ? h.levels + 1 : null;
    }
    default:
      return null;
  }
}

/** Whether a generalisation's level (explicit, or the default) publishes values in clear. */
export function generaliseInClear(f: OpenField, rule: FieldRule, qi: boolean): boolean {
  const level = rule.params?.level ?? (qi ? (isRestricted(f) ? 1 : 0) : 1);
  return isRestricted(f) && level < 1;
}

/** Fields whose rule the grade rules refuse (publish-config.ts), as the server would name them. */
export function forbiddenFields(fields: readonly OpenField[], config: PublishConfig): string[] {
  const qis = new Set(config.kind === 'aggregate' ? [] : (config.quasiIdentifiers ?? []));
  const out = new Set<string>();
  for (const f of fields) {
    const rule = config.fields[f.code] ?? { action: 'drop' };
    if (actionBlock(f, rule.action)) out.add(f.code);
    if (rule.action === 'generalise' && generaliseInClear(f, rule, qis.has(f.code))) out.add(f.code);
  }
  if (config.kind === 'aggregate') {
    for (const m of config.aggregate?.measures ?? []) {
      const f = fields.find((x) => x.code === m.field);
      if (m.fn === 'sum' && f && (f.grade === 4 || f.piiKind !== 'none')) out.add(f.code);
    }
  }
  return [...out];
}

/** A first configuration: grade 4 and personal information dropped, the rest kept. */
export function defaultConfig(fields: readonly OpenField[]): PublishConfig {
  return {
    kind: 'records',
    fields: Object.fromEntries(
      fields.map((f) => [f.code, { action: isRestricted(f) ? ('drop' as const) : ('keep' as const) }]),
    ),
    quasiIdentifiers: [],
    k: DEFAULT_K,
    maxSuppression: DEFAULT_MAX_SUPPRESSION,
  };
}

/** The configuration sent to the server: only what its kind takes, QIs that are not dropped. */
export function toConfigInput(c: PublishConfig): PublishConfig {
  const kind = c.kind ?? 'records';
  const fields: Record<string, FieldRule> = {};
  for (const [code, rule] of Object.entries(c.fields)) {
    if (rule.action === 'drop') continue;
    fields[code] = rule.params && Object.keys(rule.params).length ? rule : { action: rule.action };
  }
  if (kind === 'aggregate') {
    return {
      kind,
      fields,
      aggregate: {
        groupBy: c.aggregate?.groupBy ?? [],
        measures: c.aggregate?.measures?.length ? c.aggregate.measures : [{ fn: 'count' }],
        minCell: c.aggregate?.minCell ?? DEFAULT_MIN_CELL,
      },
    };
  }
  return {
    kind,
    fields,
    quasiIdentifiers: (c.quasiIdentifiers ?? []).filter((q) => fields[q]),
    k: c.k ?? DEFAULT_K,
    maxSuppression: c.maxSuppression ?? DEFAULT_MAX_SUPPRESSION,
  };
}

/** The rule of a field after a change of action (params that no longer apply are dropped). */
export function ruleForAction(f: OpenField, action: FieldAction, before: FieldRule | undefined): FieldRule {
  if (action === before?.action) return before;
  if (action === 'generalise') {
    const hierarchy = defaultHierarchy(f);
    return {
      action,
      params: {
        hierarchy,
        ...(hierarchy === 'number' ? { widths: [10, 100] } : {}),
      },
    };
  }
  return { action };
}

/** The fields a configuration names in a server refusal (publish_grade_forbids lists codes). */
export function fieldsNamedIn(text: string, fields: readonly OpenField[]): string[] {
  const tail = text.split(/[:：]/).slice(1).join(':');
  const codes = new Set(
    tail
      .split(/[,，\s]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  );
  return fields.filter((f) => codes.has(f.code)).map((f) => f.code);
}

export const percent = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;

/** A stable text of a configuration (keys sorted), to tell whether two configurations agree. */
export function configKey(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}
