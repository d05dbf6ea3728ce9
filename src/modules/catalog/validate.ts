import type { Queryable } from '../../platform/db/pool.js';
import type { FieldError } from '../../platform/http/errors.js';
import { localize, type Lang } from '../../platform/i18n/index.js';
import { catalogMessages, type CatalogMessageKey } from './messages.js';
import { FIELD_CODE_MAX_BYTES, FIELD_CODE_PATTERN, normaliseEntryInput } from './normalise.js';
import type { EntryInput } from './schemas.js';

/**
 * The rules of a catalog entry beyond its JSON shape (docs/CATALOG.md). `validateEntryInput` is
 * pure, so the Excel import runs it per entry and maps `/fields/3/code` back to a spreadsheet row;
 * `checkReferences` needs the database (standards, other entries, organisations).
 */

const CLASSIFICATION_SEGMENT = /^[0-9]{1,3}$/;
export const RESOURCE_CODE_PATTERN = /^[0-9]{1,3}(\.[0-9]{1,3}){0,3}\/[0-9]{6}$/;
const FORMAT_PATTERN = /^[a-z0-9][a-z0-9._-]{0,19}$/;
// Mainland mobiles, landlines with area code and extension, service numbers like 12345.
const PHONE_PATTERN = /^\+?[0-9][0-9 ()-]{3,28}[0-9]$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isRealDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

class Collector {
  readonly errors: FieldError[] = [];
  constructor(private readonly lang: Lang) {}
  add(path: string, key: CatalogMessageKey, params: Record<string, unknown> = {}): void {
    this.errors.push({ path, message: localize(catalogMessages[key], this.lang, params) });
  }
  text(path: string, value: string | null | undefined, opts: { required?: boolean; max: number }): void {
    const v = value ?? '';
    if (opts.required && v === '') this.add(path, 'field_required');
    else if ([...v].length > opts.max) this.add(path, 'field_too_long', { max: opts.max });
  }
}

/** Every rule violation of an entry, in the caller's language; [] when it is valid. Pure. */
export function validateEntryInput(input: EntryInput, lang: Lang): FieldError[] {
  const e = normaliseEntryInput(input);
  const c = new Collector(lang);

  if (
    e.classification.length < 1 ||
    e.classification.length > 4 ||
    !e.classification.every((s) => CLASSIFICATION_SEGMENT.test(s))
  ) {
    c.add('/classification', 'field_classification');
  }
  c.text('/name', e.name, { required: true, max: 200 });
  c.text('/summary', e.summary, { max: 4000 });
  e.formats.forEach((f, i) => {
    if (!FORMAT_PATTERN.test(f)) c.add(`/formats/${i}`, 'field_format');
  });
  if (e.publishDate && !isRealDate(e.publishDate)) c.add('/publishDate', 'field_date');
  e.relatedCodes.forEach((code, i) => {
    if (!RESOURCE_CODE_PATTERN.test(code)) c.add(`/relatedCodes/${i}`, 'field_related_code');
  });
  e.tags.forEach((tag, i) => c.text(`/tags/${i}`, tag, { max: 50 }));
  c.text('/licence', e.licence, { max: 200 });
  c.text('/responsible/person', e.responsible.person, { required: true, max: 100 });
  if (e.responsible.phone === '') c.add('/responsible/phone', 'field_required');
  else if (!PHONE_PATTERN.test(e.responsible.phone)) c.add('/responsible/phone', 'field_phone');
  if (e.responsible.email && !EMAIL_PATTERN.test(e.responsible.email))
    c.add('/responsible/email', 'field_email');

  // 有条件 and 不予 both need words: the condition, or the legal basis for refusing.
  if (e.shareType !== 'unconditional' && !e.shareCondition) c.add('/shareCondition', 'field_share_condition');
  c.text('/shareCondition', e.shareCondition, { max: 4000 });
  if (e.openType !== 'unconditional' && !e.openCondition) c.add('/openCondition', 'field_open_condition');
  c.text('/openCondition', e.openCondition, { max: 4000 });
  if (e.core && !e.important) c.add('/important', 'field_core_important');

  if (e.resourceKind === 'table' && e.fields.length === 0) c.add('/fields', 'field_fields_empty');
  const maxFieldGrade = Math.max(0, ...e.fields.map((f) => f.grade));
  if (e.grade < maxFieldGrade)
    c.add('/grade', 'field_grade_below_fields', { grade: e.grade, max: maxFieldGrade });

  const seen = new Map<string, number>();
  e.fields.forEach((f, i) => {
    const at = `/fields/${i}`;
    c.text(`${at}/name`, f.name, { required: true, max: 200 });
    c.text(`${at}/description`, f.description, { max: 2000 });
    if (Buffer.byteLength(f.code) > FIELD_CODE_MAX_BYTES) c.add(`${at}/code`, 'field_code_too_long');
    else if (!FIELD_CODE_PATTERN.test(f.code)) c.add(`${at}/code`, 'field_code_syntax');
    if (seen.has(f.code)) c.add(`${at}/code`, 'field_code_duplicate', { code: f.code });
    else seen.set(f.code, i);

    if (f.length != null) {
      if (f.type !== 'string') c.add(`${at}/length`, 'field_length_type');
      else if (f.length < 1 || f.length > 65535) c.add(`${at}/length`, 'field_length_range');
    }
    if (f.precision != null || f.scale != null) {
      if (f.type !== 'decimal') c.add(`${at}/precision`, 'field_precision_type');
      else {
        const precision = f.precision ?? 38;
        if (f.precision != null && (f.precision < 1 || f.precision > 38)) {
          c.add(`${at}/precision`, 'field_precision_range');
        } else if (f.scale != null && (f.scale < 0 || f.scale > precision)) {
          c.add(`${at}/scale`, 'field_scale_range');
        }
      }
    }
    const v = f.validator;
    if (v?.kind === 'regex') {
      if (!v.pattern) c.add(`${at}/validator/pattern`, 'field_pattern_required');
      else {
        try {
          new RegExp(v.pattern, 'u');
        } catch (err) {
          c.add(`${at}/validator/pattern`, 'field_pattern_invalid', { error: (err as Error).message });
        }
      }
    } else if (v?.pattern !== undefined) {
      c.add(`${at}/validator/pattern`, 'field_pattern_unexpected');
    }
  });
  return c.errors;
}

/** Whether a table exists yet: the standards tables arrive in another migration (0003). */
async function tableExists(q: Queryable, name: string): Promise<boolean> {
  const { rows } = await q.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name]);
  return rows[0]?.t != null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids among `ids` that exist in `table`; malformed ids (e.g. from a spreadsheet) never do. */
async function existingIds(q: Queryable, table: string, all: string[]): Promise<Set<string>> {
  const ids = all.filter((id) => UUID.test(id));
  if (ids.length === 0) return new Set();
  if (!(await tableExists(q, table))) return new Set(all);
  // `table` is one of two constants below, never input.
  const { rows } = await q.query<{ id: string }>(
    `SELECT id::text AS id FROM ${table} WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * The rules that need the database: referenced data elements, code tables and resource codes
 * exist, and so does the provider. Expects normalised input (every field has its code).
 */
export async function checkReferences(
  q: Queryable,
  input: EntryInput,
  lang: Lang,
  opts: { providerOrgId?: string } = {},
): Promise<FieldError[]> {
  const c = new Collector(lang);
  const elementIds = input.fields.flatMap((f) => (f.dataElementId ? [f.dataElementId] : []));
  const tableIds = input.fields.flatMap((f) => (f.codeTableId ? [f.codeTableId] : []));
  const elements = await existingIds(q, 'datong.data_elements', [...new Set(elementIds)]);
  const tables = await existingIds(q, 'datong.code_tables', [...new Set(tableIds)]);
  input.fields.forEach((f, i) => {
    if (f.dataElementId && !elements.has(f.dataElementId)) {
      c.add(`/fields/${i}/dataElementId`, 'field_data_element_unknown', { id: f.dataElementId });
    }
    if (f.codeTableId && !tables.has(f.codeTableId)) {
      c.add(`/fields/${i}/codeTableId`, 'field_code_table_unknown', { id: f.codeTableId });
    }
  });
  const wellFormed = input.relatedCodes.filter((code) => RESOURCE_CODE_PATTERN.test(code));
  if (wellFormed.length > 0) {
    const { rows } = await q.query<{ code: string }>(
      'SELECT code FROM datong.catalog_entries WHERE code = ANY($1::text[])',
      [wellFormed],
    );
    const found = new Set(rows.map((r) => r.code));
    input.relatedCodes.forEach((code, i) => {
      if (RESOURCE_CODE_PATTERN.test(code) && !found.has(code)) {
        c.add(`/relatedCodes/${i}`, 'field_related_unknown', { code });
      }
    });
  }
  if (opts.providerOrgId) {
    const { rowCount } = await q.query('SELECT 1 FROM datong.orgs WHERE id = $1', [opts.providerOrgId]);
    if (!rowCount) c.add('/providerOrgId', 'field_provider_unknown');
  }
  return c.errors;
}
