import type {
  Category,
  Entry,
  EntryInput,
  FieldInput,
  FieldType,
  Grade,
  OpenType,
  PiiKind,
  ResourceKind,
  ShareMethod,
  ShareType,
  UpdateCycle,
  ValidatorKind,
} from '../model';

/** One row of the editor's field table (the validator is split into two cells). */
export interface FieldValues {
  code?: string;
  name: string;
  description?: string;
  type: FieldType;
  length?: number | null;
  precision?: number | null;
  scale?: number | null;
  required: boolean;
  key: boolean;
  validatorKind?: ValidatorKind | '';
  pattern?: string;
  piiKind: PiiKind;
  grade: Grade;
  codeTableId?: string | null;
  dataElementId?: string | null;
}

export interface EntryValues {
  name: string;
  category: Category;
  classification: string[];
  summary?: string;
  resourceKind: ResourceKind;
  formats: string[];
  updateCycle: UpdateCycle;
  publishDate?: string;
  relatedCodes: string[];
  tags: string[];
  licence?: string;
  responsible: { person: string; phone: string; email?: string };
  shareType: ShareType;
  shareCondition?: string;
  shareMethod: ShareMethod;
  openType: OpenType;
  openCondition?: string;
  grade: Grade;
  important: boolean;
  core: boolean;
  fields: FieldValues[];
}

export const NEW_FIELD: FieldValues = {
  name: '',
  type: 'string',
  length: 64,
  required: false,
  key: false,
  validatorKind: '',
  piiKind: 'none',
  grade: 1,
};

export const NEW_ENTRY: EntryValues = {
  name: '',
  category: 'department',
  classification: [],
  resourceKind: 'table',
  formats: ['xlsx'],
  updateCycle: 'monthly',
  relatedCodes: [],
  tags: [],
  responsible: { person: '', phone: '' },
  shareType: 'unconditional',
  shareMethod: 'api',
  openType: 'none',
  grade: 1,
  important: false,
  core: false,
  fields: [{ ...NEW_FIELD }],
};

const text = (v: string | undefined | null): string | null => (v && v.trim() ? v.trim() : null);
const num = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);

function sizes(f: FieldValues): Pick<FieldInput, 'length' | 'precision' | 'scale'> {
  const length = num(f.length);
  const precision = num(f.precision);
  const scale = num(f.scale);
  if (f.type === 'string') return length === null ? {} : { length };
  if (f.type !== 'decimal') return {};
  return { ...(precision === null ? {} : { precision }), ...(scale === null ? {} : { scale }) };
}

function fieldInput(f: FieldValues): FieldInput {
  const code = text(f.code);
  const description = text(f.description);
  return {
    ...(code ? { code } : {}),
    name: f.name.trim(),
    ...(description ? { description } : {}),
    type: f.type,
    // Sizes are sent only for the types they belong to (the server refuses them elsewhere).
    ...sizes(f),
    required: f.required,
    key: f.key,
    dataElementId: f.dataElementId ?? null,
    codeTableId: f.codeTableId ?? null,
    validator: f.validatorKind
      ? { kind: f.validatorKind, ...(f.validatorKind === 'regex' ? { pattern: f.pattern ?? '' } : {}) }
      : null,
    piiKind: f.piiKind,
    grade: f.grade,
  };
}

/** The form's values as the POST/PUT body of docs/CATALOG.md. */
export function toInput(v: EntryValues): EntryInput {
  const conditional = (type: ShareType, value?: string) => (type === 'unconditional' ? null : text(value));
  return {
    category: v.category,
    classification: v.classification,
    name: v.name.trim(),
    summary: v.summary?.trim() ?? '',
    resourceKind: v.resourceKind,
    formats: v.formats.map((f) => f.trim().toLowerCase()).filter(Boolean),
    updateCycle: v.updateCycle,
    publishDate: text(v.publishDate),
    relatedCodes: v.relatedCodes,
    tags: v.tags,
    licence: text(v.licence),
    responsible: {
      person: v.responsible.person.trim(),
      phone: v.responsible.phone.trim(),
      email: text(v.responsible.email),
    },
    shareType: v.shareType,
    shareCondition: conditional(v.shareType, v.shareCondition),
    shareMethod: v.shareMethod,
    openType: v.openType,
    openCondition: conditional(v.openType, v.openCondition),
    grade: v.grade,
    important: v.important || v.core,
    core: v.core,
    fields: (v.fields ?? []).map(fieldInput),
  };
}

/** An entry as the editor's starting values. */
export function fromEntry(e: Entry): EntryValues {
  return {
    name: e.name,
    category: e.category,
    classification: e.classification,
    summary: e.summary,
    resourceKind: e.resourceKind,
    formats: e.formats,
    updateCycle: e.updateCycle,
    publishDate: e.publishDate ?? undefined,
    relatedCodes: e.relatedCodes,
    tags: e.tags,
    licence: e.licence ?? undefined,
    responsible: {
      person: e.responsible.person,
      phone: e.responsible.phone,
      email: e.responsible.email ?? undefined,
    },
    shareType: e.shareType,
    shareCondition: e.shareCondition ?? undefined,
    shareMethod: e.shareMethod,
    openType: e.openType,
    openCondition: e.openCondition ?? undefined,
    grade: e.grade,
    important: e.important,
    core: e.core,
    fields: e.fields.map((f) => ({
      code: f.code,
      name: f.name,
      description: f.description,
      type: f.type,
      length: f.length ?? null,
      precision: f.precision ?? null,
      scale: f.scale ?? null,
      required: f.required,
      key: f.key,
      validatorKind: f.validator?.kind ?? '',
      pattern: f.validator?.pattern,
      piiKind: f.piiKind,
      grade: f.grade,
      codeTableId: f.codeTableId ?? null,
      dataElementId: f.dataElementId ?? null,
    })),
  };
}

/**
 * Where a server field error (a JSON pointer such as /fields/3/code or /responsible/phone) belongs
 * in the form, or null when no cell shows it.
 */
export function errorTarget(pointer: string): (string | number)[] | null {
  const parts = pointer.replace(/^\//, '').split('/').filter(Boolean);
  const [head, second, third, fourth] = parts;
  if (!head) return null;
  if (head === 'fields') {
    const index = Number(second);
    if (!Number.isInteger(index)) return ['fields'];
    if (!third) return ['fields', index, 'name'];
    if (third === 'validator') return ['fields', index, fourth === 'pattern' ? 'pattern' : 'validatorKind'];
    // Sizes live in the type cell, whose inputs change with the type.
    if (third === 'length' || third === 'precision' || third === 'scale') return ['fields', index, 'type'];
    return ['fields', index, third];
  }
  if (head === 'responsible') return ['responsible', second ?? 'person'];
  // Array items of a token list (tags/2) show on the list itself.
  return [head];
}
