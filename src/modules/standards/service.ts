import type { RequestContext } from '../../platform/context.js';
import type { Ledger } from '../../platform/audit/types.js';
import { eventFor } from '../../platform/audit/types.js';
import type { Queryable, Tx } from '../../platform/db/pool.js';
import { notFound, problem, type FieldError } from '../../platform/http/errors.js';
import { localize, type Lang, type Localized } from '../../platform/i18n/index.js';
import { patternProblem, validate } from '../../platform/validators/index.js';
import { standardsMessages, standardsProblem } from './messages.js';
import type {
  CodeTableDetail,
  CodeTableQueryInput,
  CreateCodeTableInput,
  CreateDataElementInput,
  ListCodeTablesInput,
  ListDataElementsInput,
  PatchDataElementInput,
  ValidateInput,
} from './schemas.js';
import * as store from './store.js';
import type { CodeTableRow, DataElementRow, DataElementValues } from './store.js';
import { presentCodeTable, presentValue } from './presenters.js';

/** Data standards use cases: code tables (versioned), data elements, and value validation. */

export type StandardsContext = RequestContext & { services: { ledger: Ledger } };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID.test(s);

const msg = (lang: Lang, text: Localized, params: Record<string, unknown> = {}) =>
  localize(text, lang, params);

function badCursor(): never {
  throw problem(400, 'validation', {}, [{ path: '/cursor', message: 'invalid cursor' }]);
}

function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    // Not base64url JSON: refused below like any other malformed cursor.
  }
  return badCursor();
}
const encodeCursor = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

// --- code tables ---------------------------------------------------------------------------

export async function listCodeTables(q: Queryable, input: ListCodeTablesInput): Promise<CodeTableRow[]> {
  return store.listCodeTables(q, {
    q: input.q?.trim() || undefined,
    identifier: input.identifier,
    latest: input.latest,
  });
}

/** A table by id or identifier; `version` picks a version of that identifier (else the latest). */
export async function resolveCodeTable(
  q: Queryable,
  idOrIdentifier: string,
  version?: string,
): Promise<CodeTableRow> {
  let table: CodeTableRow | undefined;
  if (isUuid(idOrIdentifier)) {
    table = await store.getCodeTable(q, idOrIdentifier);
    if (table && version !== undefined && table.version !== version) {
      table = await store.findCodeTable(q, table.identifier, version);
    }
  } else {
    table = await store.findCodeTable(q, idOrIdentifier.trim(), version);
  }
  if (!table) throw notFound();
  return table;
}

const isValueCursor = (v: unknown): v is [number, string] =>
  Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string';

export async function getCodeTableDetail(
  q: Queryable,
  idOrIdentifier: string,
  input: CodeTableQueryInput,
): Promise<CodeTableDetail> {
  const table = await resolveCodeTable(q, idOrIdentifier, input.version);
  const limit = input.limit ?? 100;
  const rows = await store.listValues(q, table.id, {
    q: input.q?.trim() || undefined,
    parent: input.parent,
    limit: limit + 1,
    after: input.cursor ? decodeCursor(input.cursor, isValueCursor) : undefined,
  });
  const values = rows.slice(0, limit);
  const last = values[values.length - 1];
  const versions = await store.tableVersions(q, table.identifier);
  return {
    ...presentCodeTable(table),
    versions: versions.map((v) => ({ id: v.id, version: v.version, createdAt: v.createdAt.toISOString() })),
    values: values.map(presentValue),
    nextCursor: rows.length > limit && last ? encodeCursor([last.sort, last.code]) : null,
  };
}

/**
 * Every problem of a table's values: empty or repeated codes, empty labels, parents that are not
 * in the table, and parent chains that loop (A → B → A), which would make the tree endless.
 */
function valueErrors(
  lang: Lang,
  values: readonly { code: string; label: string; parentCode: string | null }[],
): FieldError[] {
  const errors: FieldError[] = [];
  const add = (path: string, text: Localized, params: Record<string, unknown> = {}) =>
    errors.push({ path, message: msg(lang, text, params) });
  const parentOf = new Map<string, string | null>();
  values.forEach((v, i) => {
    if (!v.code) add(`/values/${i}/code`, standardsMessages.code_table_values_invalid);
    else if (parentOf.has(v.code)) add(`/values/${i}/code`, standardsMessages.duplicate_code, v);
    else parentOf.set(v.code, v.parentCode);
    if (!v.label) add(`/values/${i}/label`, standardsMessages.code_table_values_invalid);
  });
  // Codes whose chain up to a root is known to end; each chain is walked once overall.
  const settled = new Set<string>();
  values.forEach((v, i) => {
    if (v.parentCode === null) return;
    if (v.parentCode === v.code) return add(`/values/${i}/parentCode`, standardsMessages.parent_self);
    if (!parentOf.has(v.parentCode))
      return add(`/values/${i}/parentCode`, standardsMessages.parent_unknown, v);
    const path = new Set<string>();
    let at: string | null | undefined = v.code;
    while (at && !settled.has(at) && !path.has(at)) {
      path.add(at);
      at = parentOf.get(at);
    }
    if (at && path.has(at)) add(`/values/${i}/parentCode`, standardsMessages.parent_cycle, v);
    else for (const c of path) settled.add(c);
  });
  return errors;
}

/** Creates a code table, or a new version of an existing identifier (audited either way). */
export async function createCodeTable(
  ctx: StandardsContext,
  tx: Tx,
  input: CreateCodeTableInput,
): Promise<CodeTableRow> {
  const identifier = input.identifier.trim();
  const version = input.version.trim();
  const values = input.values.map((v) => ({
    code: v.code.trim(),
    label: v.label.trim(),
    parentCode: v.parentCode?.trim() || null,
  }));
  const errors = valueErrors(ctx.lang, values);
  if (!identifier || !version) {
    errors.push({
      path: identifier ? '/version' : '/identifier',
      message: msg(ctx.lang, standardsMessages.code_table_values_invalid),
    });
  }
  if (errors.length) throw standardsProblem(400, 'code_table_values_invalid', {}, errors.slice(0, 100));

  const previous = await store.findCodeTable(tx, identifier);
  const id = await store.insertCodeTable(tx, {
    identifier,
    name: input.name.trim(),
    version,
    description: input.description?.trim() ?? '',
    builtin: false,
  });
  if (!id) throw standardsProblem(409, 'code_table_version_taken', { identifier, version });
  await store.insertValues(tx, id, values);
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: previous ? 'standards.code_table.version' : 'standards.code_table.create',
      objectType: 'code_table',
      objectId: id,
      detail: {
        identifier,
        version,
        name: input.name.trim(),
        valueCount: values.length,
        previousVersion: previous?.version ?? null,
      },
    }),
  );
  return (await store.getCodeTable(tx, id)) as CodeTableRow;
}

// --- data elements -------------------------------------------------------------------------

const isElementCursor = (v: unknown): v is [string] =>
  Array.isArray(v) && v.length === 1 && typeof v[0] === 'string';

export async function listDataElements(
  q: Queryable,
  input: ListDataElementsInput,
): Promise<{ items: DataElementRow[]; nextCursor: string | null }> {
  const limit = input.limit ?? 50;
  const rows = await store.listDataElements(q, {
    q: input.q?.trim() || undefined,
    limit,
    after: input.cursor ? decodeCursor(input.cursor, isElementCursor)[0] : undefined,
  });
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.identifier]) : null };
}

export async function getDataElement(q: Queryable, id: string): Promise<DataElementRow> {
  const element = await store.getDataElement(q, id);
  if (!element) throw notFound();
  return element;
}

/** Refuses definitions whose parts contradict each other, listing every problem at once. */
async function assertDefinition(ctx: StandardsContext, q: Queryable, d: DataElementValues): Promise<void> {
  const errors: FieldError[] = [];
  const add = (path: string, text: Localized) => errors.push({ path, message: msg(ctx.lang, text) });
  if (d.length !== null && d.type !== 'string') add('/length', standardsMessages.length_only_string);
  if ((d.precision !== null || d.scale !== null) && d.type !== 'decimal') {
    add(d.precision !== null ? '/precision' : '/scale', standardsMessages.precision_only_decimal);
  }
  if (d.precision !== null && d.scale !== null && d.scale > d.precision)
    add('/scale', standardsMessages.scale_over_precision);
  if (d.validator) {
    const { kind, pattern } = d.validator;
    if (kind === 'regex' && !pattern) add('/validator/pattern', standardsMessages.pattern_required);
    if (kind !== 'regex' && pattern !== undefined)
      add('/validator/pattern', standardsMessages.pattern_only_regex);
    const bad = kind === 'regex' && pattern ? patternProblem(pattern) : undefined;
    if (bad) add('/validator/pattern', bad);
  }
  if (d.codeTableId !== null && !(await store.codeTableExists(q, d.codeTableId))) {
    throw standardsProblem(400, 'code_table_unknown', { codeTableId: d.codeTableId }, [
      {
        path: '/codeTableId',
        message: msg(ctx.lang, standardsMessages.code_table_unknown, { codeTableId: d.codeTableId }),
      },
    ]);
  }
  if (errors.length) throw standardsProblem(400, 'data_element_invalid', {}, errors);
}

export async function createDataElement(
  ctx: StandardsContext,
  tx: Tx,
  input: CreateDataElementInput,
): Promise<DataElementRow> {
  const values: DataElementValues = {
    name: input.name.trim(),
    type: input.type,
    length: input.length ?? null,
    precision: input.precision ?? null,
    scale: input.scale ?? null,
    validator: input.validator ?? null,
    codeTableId: input.codeTableId ?? null,
    description: input.description?.trim() ?? '',
  };
  await assertDefinition(ctx, tx, values);
  const id = await store.insertDataElement(tx, { ...values, identifier: input.identifier, builtin: false });
  if (!id) throw standardsProblem(409, 'data_element_identifier_taken', { identifier: input.identifier });
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: 'standards.data_element.create',
      objectType: 'data_element',
      objectId: id,
      detail: { identifier: input.identifier, ...values },
    }),
  );
  return getDataElement(tx, id);
}

export async function updateDataElement(
  ctx: StandardsContext,
  tx: Tx,
  id: string,
  input: PatchDataElementInput,
): Promise<DataElementRow> {
  const before = await getDataElement(tx, id);
  if (before.builtin) throw standardsProblem(409, 'builtin_readonly');
  const next: DataElementValues = {
    name: input.name?.trim() ?? before.name,
    type: input.type ?? before.type,
    length: input.length !== undefined ? input.length : before.length,
    precision: input.precision !== undefined ? input.precision : before.precision,
    scale: input.scale !== undefined ? input.scale : before.scale,
    validator: input.validator !== undefined ? input.validator : before.validator,
    codeTableId: input.codeTableId !== undefined ? input.codeTableId : before.codeTableId,
    description: input.description?.trim() ?? before.description,
  };
  await assertDefinition(ctx, tx, next);
  await store.updateDataElement(tx, id, next);
  const changed = Object.fromEntries(
    (Object.keys(next) as (keyof DataElementValues)[])
      .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(before[k]))
      .map((k) => [k, { from: before[k], to: next[k] }]),
  );
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, {
      action: 'standards.data_element.update',
      objectType: 'data_element',
      objectId: id,
      detail: { identifier: before.identifier, changed },
    }),
  );
  return getDataElement(tx, id);
}

// --- validation ----------------------------------------------------------------------------

/** POST /api/standards/validate: one value, answered in the caller's language. */
export function validateValue(
  lang: Lang,
  input: ValidateInput,
): { valid: boolean; normalised?: string; message: string } {
  const result = validate(input.validator, input.value, { pattern: input.pattern });
  const message = msg(lang, result.reason ?? standardsMessages.value_valid);
  return result.normalised === undefined
    ? { valid: result.valid, message }
    : { valid: result.valid, normalised: result.normalised, message };
}
