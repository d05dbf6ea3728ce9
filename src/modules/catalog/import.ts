import { withTx, type Queryable } from '../../platform/db/pool.js';
import { eventFor } from '../../platform/audit/types.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import { localize } from '../../platform/i18n/index.js';
import { findOrgByUscc } from '../identity/index.js';
import type { CatalogContext } from './context.js';
import { createEntry } from './lifecycle.js';
import { normaliseEntryInput } from './normalise.js';
import { checkReferences, validateEntryInput } from './validate.js';
import { maintains, viewerOf } from './visibility.js';
import type { EntryInput } from './schemas.js';
import { readSheet } from './import-read.js';
import { parseSheet, type ParsedEntry } from './import-parse.js';
import { importError, type ImportError } from './import-messages.js';
import { COLUMNS, type ColumnKey } from './import-columns.js';

/**
 * Excel/CSV catalog import (docs/CATALOG.md "Import format"). All-or-nothing per file: every
 * row is checked first — cells, enumerations, grouping, providers, the core's entry rules — and
 * if anything is wrong nothing is stored and the whole report comes back. Otherwise every entry is
 * created as a draft in one transaction, with a `catalog.import` summary event beside the
 * per-entry `catalog.create` events.
 */

export interface ImportResult {
  created: { id: string; code: string; name: string }[];
  errors: ImportError[];
}

/** The report is capped: past this many, more lines help nobody fix the file. */
export const MAX_REPORTED_ERRORS = 500;

/** Parses and checks a file without storing anything; entries come back with their provider ids. */
export async function checkCatalogFile(
  ctx: CatalogContext,
  q: Queryable,
  data: Buffer,
  filename: string,
): Promise<{
  entries: (ParsedEntry & { input: EntryInput & { providerOrgId: string } })[];
  errors: ImportError[];
}> {
  const parsed = parseSheet(await readSheet(data, filename));
  const errors = [...parsed.errors];
  const label = (key: ColumnKey) => parsed.headers.get(key) ?? COLUMNS.find((c) => c.key === key)?.zh ?? key;
  const viewer = await viewerOf(q, ctx.actor);
  const providers = new Map<string, string | null>();
  const entries: (ParsedEntry & { input: EntryInput & { providerOrgId: string } })[] = [];

  for (const entry of parsed.entries) {
    const providerRow = entry.entryRows.provider_code ?? entry.rows[0] ?? 0;
    if (!providers.has(entry.providerCode)) {
      providers.set(entry.providerCode, (await findOrgByUscc(q, entry.providerCode))?.id ?? null);
    }
    const providerOrgId = providers.get(entry.providerCode);
    if (!providerOrgId) {
      errors.push(
        importError(providerRow, label('provider_code'), 'provider_unknown', { value: entry.providerCode }),
      );
      continue;
    }
    if (!maintains(viewer, providerOrgId)) {
      errors.push(outOfScope(providerRow, label('provider_code')));
      continue;
    }
    const input = { ...entry.input, providerOrgId };
    const zh = validateEntryInput(input, 'zh-CN');
    const en = validateEntryInput(input, 'en');
    // checkReferences reads normalised input; normalising keeps list and field indices except for
    // dropped blanks and duplicates, which import's own parsing never produces.
    const normal = normaliseEntryInput(input);
    const refsZh = await checkReferences(q, normal, 'zh-CN');
    const refsEn = refsZh.length ? await checkReferences(q, normal, 'en') : [];
    errors.push(...mapCoreErrors(entry, [...zh, ...refsZh], [...en, ...refsEn], label, errors));
    entries.push({ ...entry, input });
  }
  return { entries, errors: capErrors(errors) };
}

export async function importCatalog(
  ctx: CatalogContext,
  data: Buffer,
  filename: string,
): Promise<ImportResult> {
  const pool = ctx.services.pool;
  const { entries, errors } = await checkCatalogFile(ctx, pool, data, filename);
  if (errors.length) return { created: [], errors };

  const created = await withTx(pool, async (tx) => {
    const out: ImportResult['created'] = [];
    for (const entry of entries) {
      try {
        const made = await createEntry(ctx, tx, entry.input, { via: 'import' });
        out.push({ id: made.id, code: made.code, name: made.name });
      } catch (err) {
        // A rule only the database can tell (e.g. a concurrent change): the whole file rolls back.
        if (err instanceof AppError) throw new RowFailure(entry, err);
        throw err;
      }
    }
    await ctx.services.ledger.record(
      tx,
      eventFor(ctx, {
        action: 'catalog.import',
        objectType: 'catalog_import',
        objectId: null,
        detail: {
          filename,
          entries: out.length,
          fields: entries.reduce((n, e) => n + e.input.fields.length, 0),
          codes: out.map((c) => c.code),
        },
      }),
    );
    return out;
  }).catch((err: unknown) => {
    if (err instanceof RowFailure) return err;
    throw err;
  });
  if (created instanceof RowFailure) return { created: [], errors: created.report() };
  return { created, errors: [] };
}

class RowFailure extends Error {
  constructor(
    readonly entry: ParsedEntry,
    readonly failure: AppError,
  ) {
    super(failure.message);
  }
  report(): ImportError[] {
    const row = this.entry.rows[0] ?? 0;
    const { text, params, errors } = this.failure;
    const base = {
      row,
      column: '',
      message: localize(text, 'zh-CN', params),
      messageEn: localize(text, 'en', params),
    };
    // The core's field errors are single-language; they are shown in both slots.
    return [base, ...errors.map((e) => ({ row, column: e.path, message: e.message, messageEn: e.message }))];
  }
}

function outOfScope(row: number, column: string): ImportError {
  const text = {
    'zh-CN': '只能导入本机构（机构管理员：本机构及下级机构）的目录条目',
    en: 'You may only import entries of your own organisation (org admins: and its sub-organisations)',
  };
  return { row, column, message: text['zh-CN'], messageEn: text.en };
}

const ENTRY_PATHS: Record<string, ColumnKey> = {
  category: 'category',
  classification: 'classification',
  name: 'name',
  summary: 'summary',
  providerOrgId: 'provider_code',
  resourceKind: 'resource_kind',
  formats: 'formats',
  updateCycle: 'update_cycle',
  publishDate: 'publish_date',
  relatedCodes: 'related_codes',
  tags: 'tags',
  licence: 'licence',
  shareType: 'share_type',
  shareCondition: 'share_condition',
  shareMethod: 'share_method',
  openType: 'open_type',
  openCondition: 'open_condition',
  grade: 'grade',
  important: 'important',
  core: 'core',
};

const FIELD_PATHS: Record<string, ColumnKey> = {
  name: 'field_name',
  code: 'field_code',
  type: 'field_type',
  length: 'field_length',
  precision: 'field_length',
  scale: 'field_length',
  required: 'field_required',
  key: 'field_key',
  validator: 'field_validator',
  piiKind: 'field_pii',
  grade: 'field_grade',
  description: 'field_description',
};

/**
 * The core reports JSON paths (`/fields/3/code`, `/shareCondition`); the steward needs the
 * spreadsheet row and column. A cell that already has an import error is not reported twice.
 */
function mapCoreErrors(
  entry: ParsedEntry,
  zh: FieldError[],
  en: FieldError[],
  label: (key: ColumnKey) => string,
  existing: ImportError[],
): ImportError[] {
  const firstRow = entry.rows[0] ?? 0;
  const out: ImportError[] = [];
  zh.forEach((err, i) => {
    const parts = err.path.split('/').filter((p) => p !== '');
    let row = firstRow;
    let key: ColumnKey | undefined;
    if (parts[0] === 'fields' && parts[1] !== undefined && /^\d+$/.test(parts[1])) {
      row = entry.fieldRows[Number(parts[1])] ?? firstRow;
      key = FIELD_PATHS[parts[2] ?? 'name'];
    } else if (parts[0] === 'fields') {
      key = 'field_name';
    } else if (parts[0] === 'responsible') {
      key = parts[1] === 'phone' ? 'responsible_phone' : 'responsible_person';
      row = entry.entryRows[key] ?? firstRow;
    } else if (parts[0] !== undefined) {
      key = ENTRY_PATHS[parts[0]];
      row = (key && entry.entryRows[key]) ?? firstRow;
    }
    const column = key ? label(key) : err.path;
    if (existing.some((e) => e.row === row && e.column === column)) return;
    if (out.some((e) => e.row === row && e.column === column && e.message === err.message)) return;
    out.push({ row, column, message: err.message, messageEn: en[i]?.message ?? err.message });
  });
  return out;
}

function capErrors(errors: ImportError[]): ImportError[] {
  const sorted = [...errors].sort((a, b) => a.row - b.row);
  if (sorted.length <= MAX_REPORTED_ERRORS) return sorted;
  const { message, messageEn } = importError(0, '', 'too_many_errors', { max: MAX_REPORTED_ERRORS });
  return [...sorted.slice(0, MAX_REPORTED_ERRORS), { row: 0, column: '', message, messageEn }];
}
