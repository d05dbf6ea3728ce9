import type { EntryInput, FieldInput } from './schemas.js';
import type { RawRow, RawSheet } from './import-read.js';
import { importError, type ImportError, type ImportMessageKey } from './import-messages.js';
import {
  CATEGORY,
  FIELD_TYPE,
  OPEN_TYPE,
  PII_KIND,
  RESOURCE_KIND,
  SHARE_METHOD,
  SHARE_TYPE,
  UPDATE_CYCLE,
  VALIDATOR_KIND,
  columnFor,
  enumChoices,
  enumValue,
  splitMulti,
  type ColumnDef,
  type ColumnKey,
  COLUMNS,
} from './import-columns.js';
import {
  checkCell,
  checkClassification,
  checkDate,
  checkEnum,
  checkFieldCode,
  checkGrade,
  checkLength,
  checkYesNo,
  type Checked,
} from './import-cells.js';

/**
 * From raw rows to entry inputs: header mapping, per-cell checks, grouping rows into entries
 * (资源名称 + 提供方代码) and converting labels to codes. Every problem becomes an ImportError at
 * its spreadsheet row and the column as the file wrote it; the database is not touched here.
 */

export interface ParsedEntry {
  /** The rows the entry came from, in file order; the first one carries entry-level errors. */
  rows: number[];
  providerCode: string;
  /** EntryInput without providerOrgId (resolved from providerCode by the caller). */
  input: EntryInput;
  /** The spreadsheet row of each of input.fields. */
  fieldRows: number[];
  /** Where each entry-level column's value was read from (for mapping later errors back). */
  entryRows: Partial<Record<ColumnKey, number>>;
}

export interface ParseResult {
  entries: ParsedEntry[];
  errors: ImportError[];
  /** The header text of each column as written in the file (for reports). */
  headers: Map<ColumnKey, string>;
}

const GARBLED_HINT = /\uFFFD/;

interface Row {
  row: number;
  values: Map<ColumnKey, string>;
  /** Columns whose cell was refused (formula, too long…): not reported again as missing. */
  refused: Set<ColumnKey>;
}

export function parseSheet(sheet: RawSheet): ParseResult {
  const errors: ImportError[] = sheet.issues.map((i) => importError(i.row, '', i.key, i.params));
  const headers = new Map<ColumnKey, string>();
  const result: ParseResult = { entries: [], errors, headers };
  if (errors.length || sheet.rows.length === 0) return result;

  const [headerRow, ...dataRows] = sheet.rows;
  if (!headerRow) return result;
  const columns = mapHeader(headerRow, dataRows, headers, errors);
  if (!columns) return result;
  if (dataRows.length === 0) {
    errors.push(importError(headerRow.row, '', 'header_only'));
    return result;
  }
  const label = (key: ColumnKey) => headers.get(key) ?? COLUMNS.find((c) => c.key === key)?.zh ?? key;

  const rows: Row[] = [];
  for (const raw of dataRows) {
    const row: Row = { row: raw.row, values: new Map(), refused: new Set() };
    const extra = raw.cells.slice(columns.length).filter((c) => c.text.trim() !== '' || c.formula);
    // A CSV record must have exactly the header's cells; xlsx rows merely end at their last value.
    if (extra.length > 0 || (sheet.kind === 'csv' && raw.cells.length !== columns.length)) {
      // Undecodable bytes often swallow separators; say so rather than just "wrong cell count".
      const garbled = raw.cells.some((c) => GARBLED_HINT.test(c.text));
      errors.push(
        garbled
          ? importError(raw.row, '', 'cell_garbled')
          : importError(raw.row, '', 'row_ragged', { count: raw.cells.length, expected: columns.length }),
      );
      continue;
    }
    columns.forEach((col, i) => {
      const cell = raw.cells[i];
      if (!col || !cell) return;
      const checked = checkCell(cell);
      if (!checked.ok) {
        errors.push(importError(raw.row, label(col.key), checked.key, checked.params));
        row.refused.add(col.key);
      } else if (checked.value !== '') row.values.set(col.key, checked.value);
    });
    rows.push(row);
  }

  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    let keyed = true;
    for (const key of ['name', 'provider_code'] as const) {
      if (!row.values.has(key)) {
        if (!row.refused.has(key))
          errors.push(importError(row.row, label(key), 'required', { column: label(key) }));
        keyed = false;
      }
    }
    if (!keyed) continue;
    const groupKey = `${row.values.get('name')}\u0000${row.values.get('provider_code')?.toUpperCase()}`;
    const group = groups.get(groupKey) ?? [];
    group.push(row);
    groups.set(groupKey, group);
  }
  for (const group of groups.values()) {
    const entry = buildEntry(group, label, errors);
    if (entry) result.entries.push(entry);
  }
  return result;
}

/** Column of each cell position, or undefined when the header has errors (reported). */
function mapHeader(
  header: RawRow,
  dataRows: RawRow[],
  headers: Map<ColumnKey, string>,
  errors: ImportError[],
): (ColumnDef | undefined)[] | undefined {
  const columns: (ColumnDef | undefined)[] = [];
  const before = errors.length;
  header.cells.forEach((cell, i) => {
    const text = cell.formula ? '' : cell.text.trim();
    if (cell.formula) {
      errors.push(importError(header.row, '', 'cell_formula'));
      columns.push(undefined);
      return;
    }
    if (text === '') {
      // Trailing blank headers are harmless unless data sits under them.
      if (dataRows.some((r) => (r.cells[i]?.text.trim() ?? '') !== '')) {
        errors.push(importError(header.row, '', 'header_blank', { index: i + 1 }));
      }
      columns.push(undefined);
      return;
    }
    const col = columnFor(text);
    if (!col) errors.push(importError(header.row, text, 'header_unknown', { column: text }));
    else if (headers.has(col.key))
      errors.push(importError(header.row, text, 'header_duplicate', { column: text }));
    else headers.set(col.key, text);
    columns.push(col);
  });
  const missing = COLUMNS.filter((c) => c.required && !headers.has(c.key)).map((c) => `${c.zh}(${c.key})`);
  if (missing.length)
    errors.push(importError(header.row, '', 'header_missing', { columns: missing.join('、') }));
  return errors.length > before ? undefined : columns;
}

type Label = (key: ColumnKey) => string;

function buildEntry(group: Row[], label: Label, errors: ImportError[]): ParsedEntry | undefined {
  const before = errors.length;
  const report = (
    row: number,
    key: ColumnKey,
    err: { key: ImportMessageKey; params?: Record<string, unknown> },
  ) => errors.push(importError(row, label(key), err.key, err.params));

  // Entry-level values: the first non-blank value of each column; later rows may leave it blank
  // (as merged cells do) but must not say something else.
  const entryValues = new Map<ColumnKey, { value: string; row: number }>();
  const entryRows: Partial<Record<ColumnKey, number>> = {};
  for (const row of group) {
    for (const col of COLUMNS) {
      if (col.level !== 'entry') continue;
      const value = row.values.get(col.key);
      if (value === undefined) continue;
      const first = entryValues.get(col.key);
      if (!first) {
        entryValues.set(col.key, { value, row: row.row });
        entryRows[col.key] = row.row;
      } else if (normaliseForCompare(col.key, first.value) !== normaliseForCompare(col.key, value)) {
        report(row.row, col.key, { key: 'entry_mismatch', params: { first: first.row } });
      }
    }
  }
  const firstRow = group[0]?.row ?? 0;
  const refused = new Set(group.flatMap((r) => [...r.refused]));

  function get<T>(
    key: ColumnKey,
    check: (text: string) => Checked<T>,
    fallback: T | undefined,
  ): T | undefined {
    const found = entryValues.get(key);
    if (!found) {
      const col = COLUMNS.find((c) => c.key === key);
      if (col?.required && !refused.has(key))
        report(firstRow, key, { key: 'required', params: { column: label(key) } });
      return fallback;
    }
    const checked = check(found.value);
    if (!checked.ok) {
      report(found.row, key, checked);
      return fallback;
    }
    return checked.value;
  }
  const text = (v: string): Checked<string> => ({ ok: true, value: v });

  const category = get('category', (v) => checkEnum(CATEGORY, v), undefined);
  const classification = get('classification', checkClassification, undefined);
  const name = get('name', text, '') ?? '';
  const providerCode = (get('provider_code', text, '') ?? '').toUpperCase();
  const resourceKind = get('resource_kind', (v) => checkEnum(RESOURCE_KIND, v), undefined);
  const updateCycle = get('update_cycle', (v) => checkEnum(UPDATE_CYCLE, v), undefined);
  const publishDate = get('publish_date', checkDate, null) ?? null;
  const person = get('responsible_person', text, '') ?? '';
  const phone = get('responsible_phone', text, '') ?? '';
  const shareType = get('share_type', (v) => checkEnum(SHARE_TYPE, v), undefined);
  const shareMethod = get('share_method', (v) => checkEnum(SHARE_METHOD, v), undefined);
  const openType = get('open_type', (v) => checkEnum(OPEN_TYPE, v), undefined);
  const grade = get('grade', checkGrade, undefined);
  const important = get('important', checkYesNo, false) ?? false;
  const core = get('core', checkYesNo, false) ?? false;

  const fields: FieldInput[] = [];
  const fieldRows: number[] = [];
  const codes = new Map<string, number>();
  for (const row of group) {
    const field = buildField(row, label, errors, codes);
    if (field) {
      fields.push(field);
      fieldRows.push(row.row);
    }
  }
  if (errors.length > before || !category || !classification || !resourceKind || !updateCycle)
    return undefined;
  if (!shareType || !shareMethod || !openType || !grade) return undefined;

  const input: EntryInput = {
    category,
    classification,
    name,
    summary: entryValues.get('summary')?.value ?? '',
    resourceKind,
    formats: splitMulti(entryValues.get('formats')?.value ?? '').map((f) => f.toLowerCase()),
    updateCycle,
    publishDate,
    relatedCodes: splitMulti(entryValues.get('related_codes')?.value ?? ''),
    tags: splitMulti(entryValues.get('tags')?.value ?? ''),
    licence: entryValues.get('licence')?.value ?? null,
    responsible: { person, phone, email: null },
    shareType,
    shareCondition: entryValues.get('share_condition')?.value ?? null,
    shareMethod,
    openType,
    openCondition: entryValues.get('open_condition')?.value ?? null,
    grade,
    important,
    core,
    fields,
  };
  return { rows: group.map((r) => r.row), providerCode, input, fieldRows, entryRows };
}

/** Values compare after the conversions import applies (so 有条件共享 equals conditional). */
function normaliseForCompare(key: ColumnKey, value: string): string {
  const enums: Partial<Record<ColumnKey, (v: string) => string | undefined>> = {
    category: (v) => enumValue(CATEGORY, v),
    resource_kind: (v) => enumValue(RESOURCE_KIND, v),
    update_cycle: (v) => enumValue(UPDATE_CYCLE, v),
    share_type: (v) => enumValue(SHARE_TYPE, v),
    share_method: (v) => enumValue(SHARE_METHOD, v),
    open_type: (v) => enumValue(OPEN_TYPE, v),
  };
  const toCode = enums[key];
  if (toCode) return toCode(value) ?? value;
  if (key === 'grade') {
    const g = checkGrade(value);
    return g.ok ? String(g.value) : value;
  }
  if (key === 'important' || key === 'core') {
    const b = checkYesNo(value);
    return b.ok ? String(b.value) : value;
  }
  if (key === 'formats' || key === 'tags' || key === 'related_codes') {
    return splitMulti(key === 'formats' ? value.toLowerCase() : value).join(';');
  }
  if (key === 'provider_code') return value.toUpperCase();
  return value;
}

const FIELD_KEYS = COLUMNS.filter((c) => c.level === 'field').map((c) => c.key);

function buildField(
  row: Row,
  label: Label,
  errors: ImportError[],
  codes: Map<string, number>,
): FieldInput | undefined {
  const report = (key: ColumnKey, err: { key: ImportMessageKey; params?: Record<string, unknown> }) =>
    errors.push(importError(row.row, label(key), err.key, err.params));
  const name = row.values.get('field_name');
  if (name === undefined) {
    // An entry-only row (file or api resources have no 信息项) unless other field columns say otherwise.
    if (row.refused.has('field_name')) return undefined;
    if (FIELD_KEYS.some((k) => row.values.has(k))) report('field_name', { key: 'field_without_name' });
    return undefined;
  }
  const before = errors.length;
  const value = <T>(key: ColumnKey, check: (t: string) => Checked<T>): T | undefined => {
    const text = row.values.get(key);
    if (text === undefined) return undefined;
    const checked = check(text);
    if (!checked.ok) {
      report(key, checked);
      return undefined;
    }
    return checked.value;
  };

  const code = value('field_code', checkFieldCode);
  if (code !== undefined) {
    const first = codes.get(code);
    if (first !== undefined)
      report('field_code', { key: 'field_code_duplicate', params: { value: code, first } });
    else codes.set(code, row.row);
  }
  const type = value('field_type', (t) => checkEnum(FIELD_TYPE, t));
  if (type === undefined && !row.values.has('field_type') && !row.refused.has('field_type')) {
    report('field_type', { key: 'required', params: { column: label('field_type') } });
  }
  const length = value('field_length', (t) => checkLength(t, type === 'decimal'));
  const validator = value('field_validator', checkValidator);
  const field: FieldInput = {
    name,
    type: type ?? 'string',
    length: length?.length ?? null,
    precision: length?.precision ?? null,
    scale: length?.scale ?? null,
    required: value('field_required', checkYesNo) ?? false,
    key: value('field_key', checkYesNo) ?? false,
    validator: validator ?? null,
    piiKind: value('field_pii', (t) => checkEnum(PII_KIND, t)) ?? 'none',
    grade: value('field_grade', checkGrade) ?? 1,
  };
  if (code !== undefined) field.code = code;
  const description = row.values.get('field_description');
  if (description !== undefined) field.description = description;
  return errors.length > before ? undefined : field;
}

type Validator = NonNullable<FieldInput['validator']>;

/** A validator label or code; a regex is written `正则:pattern` or `regex:pattern`. */
function checkValidator(text: string): Checked<Validator> {
  const m = /^(正则|regex)\s*[:：]\s*(.+)$/is.exec(text);
  if (m?.[2]) {
    try {
      new RegExp(m[2], 'u');
    } catch (err) {
      return { ok: false, key: 'regex_invalid', params: { detail: (err as Error).message } };
    }
    return { ok: true, value: { kind: 'regex', pattern: m[2] } };
  }
  const kind = enumValue(VALIDATOR_KIND, text);
  if (kind && kind !== 'regex') return { ok: true, value: { kind } };
  return {
    ok: false,
    key: 'validator_invalid',
    params: { value: text, choices: enumChoices(VALIDATOR_KIND) },
  };
}
