import { pinyin } from 'pinyin-pro';
import type { EntryInput, FieldInput } from './schemas.js';

/**
 * Canonical form of an entry's content: trimmed strings, empty optionals as null, lower-case
 * deduplicated formats, deduplicated tags, and a code on every field. Stored content is always
 * canonical, so a version diff shows real changes only, never whitespace or `undefined` vs null.
 */

export type NormalField = FieldInput & { code: string };
/** An EntryInput after `normaliseEntryInput`: still an EntryInput, with a code on every field. */
export type NormalEntryInput = Omit<EntryInput, 'fields'> & { fields: NormalField[] };

/** PostgreSQL's identifier limit: field codes become column names when data is loaded. */
export const FIELD_CODE_MAX_BYTES = 63;
export const FIELD_CODE_PATTERN = /^[a-z][a-z0-9_]*$/;

/**
 * An ASCII identifier from a (usually Chinese) field name: toneless pinyin syllables joined by
 * '_' (企业名称 → qi_ye_ming_cheng), other characters kept if ASCII alphanumeric, everything else a
 * separator. A leading digit gets an `f_` prefix; a name with nothing usable yields `field`.
 */
export function fieldCodeFromName(name: string): string {
  // 'consecutive' keeps runs of non-Chinese text together, so "ID号" gives "id_hao", not "i_d_hao";
  // v: true spells ü as v (女 → nv), the usual ASCII convention.
  const syllables = pinyin(name, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true });
  const words = syllables.flatMap((s) => s.toLowerCase().split(/[^a-z0-9]+/)).filter((w) => w.length > 0);
  let code = words.join('_');
  if (code === '') code = 'field';
  if (/^[0-9]/.test(code)) code = `f_${code}`;
  return truncateCode(code, FIELD_CODE_MAX_BYTES);
}

/** Cuts an ASCII code to `max` bytes without leaving a trailing underscore. */
function truncateCode(code: string, max: number): string {
  return code.length <= max ? code : code.slice(0, max).replace(/_+$/, '');
}

/**
 * Gives every field without a code one generated from its name, unique within the entry: a code
 * already taken (by a given code or an earlier generated one) gets `_2`, `_3`, … and the base is
 * shortened so that the result still fits in 63 bytes. Given codes are kept as written (trimmed);
 * validation reports them if they break the rules.
 */
export function assignFieldCodes<T extends { code?: string | undefined; name: string }>(
  fields: readonly T[],
): (T & { code: string })[] {
  const given = fields.map((f) => f.code?.trim() ?? '');
  const taken = new Set(given.filter((c) => c !== ''));
  return fields.map((f, i) => {
    const own = given[i] ?? '';
    if (own !== '') return { ...f, code: own };
    const base = fieldCodeFromName(f.name);
    let code = base;
    for (let n = 2; taken.has(code); n++) {
      const suffix = `_${n}`;
      code = truncateCode(base, FIELD_CODE_MAX_BYTES - suffix.length) + suffix;
    }
    taken.add(code);
    return { ...f, code };
  });
}

const trimOrNull = (v: string | null | undefined): string | null => {
  const s = v?.trim() ?? '';
  return s === '' ? null : s;
};

const uniq = (values: readonly string[]): string[] => [...new Set(values)];

/** Splits and trims a list, dropping empties and duplicates (order kept). */
const cleanList = (values: readonly string[], lower = false): string[] =>
  uniq(values.map((v) => (lower ? v.trim().toLowerCase() : v.trim())).filter((v) => v !== ''));

function normaliseField(f: NormalField): NormalField {
  const out: NormalField = {
    code: f.code,
    name: f.name.trim(),
    type: f.type,
    length: f.length ?? null,
    precision: f.precision ?? null,
    scale: f.scale ?? null,
    required: f.required,
    key: f.key,
    dataElementId: f.dataElementId ?? null,
    codeTableId: f.codeTableId ?? null,
    validator: f.validator
      ? f.validator.pattern !== undefined
        ? { kind: f.validator.kind, pattern: f.validator.pattern }
        : { kind: f.validator.kind }
      : null,
    piiKind: f.piiKind,
    grade: f.grade,
  };
  const description = f.description?.trim();
  if (description) out.description = description;
  return out;
}

/** The canonical EntryInput; every field carries a code afterwards. Pure. */
export function normaliseEntryInput(input: EntryInput): NormalEntryInput {
  const fields = assignFieldCodes(input.fields.map((f) => ({ ...f, name: f.name.trim() }))).map(
    normaliseField,
  );
  const out: NormalEntryInput = {
    category: input.category,
    classification: input.classification.map((s) => s.trim()),
    name: input.name.trim(),
    summary: input.summary.trim(),
    resourceKind: input.resourceKind,
    formats: cleanList(input.formats, true).map((f) => f.replace(/^\./, '')),
    updateCycle: input.updateCycle,
    publishDate: trimOrNull(input.publishDate),
    relatedCodes: cleanList(input.relatedCodes),
    tags: cleanList(input.tags),
    licence: trimOrNull(input.licence),
    responsible: {
      person: input.responsible.person.trim(),
      phone: input.responsible.phone.trim(),
      email: trimOrNull(input.responsible.email),
    },
    shareType: input.shareType,
    shareCondition: trimOrNull(input.shareCondition),
    shareMethod: input.shareMethod,
    openType: input.openType,
    openCondition: trimOrNull(input.openCondition),
    grade: input.grade,
    important: input.important,
    core: input.core,
    fields,
  };
  if (input.providerOrgId !== undefined) out.providerOrgId = input.providerOrgId;
  return out;
}
