import { Type, type Static } from 'typebox';
import { eventFor } from '../../platform/audit/types.js';
import type { RequestContext } from '../../platform/context.js';
import type { Queryable, Tx } from '../../platform/db/pool.js';
import { AppError, type FieldError } from '../../platform/http/errors.js';
import type { Localized } from '../../platform/i18n/index.js';
import type { Services } from '../../platform/services.js';

/**
 * The 一数一源 registry (docs/QUALITY.md "Registry and cross-checks"): a data item (企业名称,
 * 法定代表人 …) names the subject it describes (`uscc`: an organisation; `id_number`: a person),
 * how its values are normalised before comparing, and its sources — catalog entry + field holding
 * the value + field holding the subject's key. Exactly one source is authoritative: an item is
 * created with it, a second one is refused (quality_authority_exists, backed by the unique index
 * data_item_sources_one_authority), it cannot be removed (quality_authority_required), and
 * PATCH `authority` replaces it (promoting a secondary source of the same entry and field, which
 * swaps the two roles). Fields are checked against the entry's dataset columns, or its published
 * catalog fields while it has no dataset yet. Every write is audited in its transaction
 * (quality.item.create, .update, .delete, quality.source.add, .delete).
 */

/** A request context carrying the platform services (routes: `{ ...req.ctx, services }`). */
export type RegistryContext = RequestContext & { services: Services };

// ---------------------------------------------------------------------------------------------
// Problems

export const registryMessages = {
  quality_item_not_found: { 'zh-CN': '数据项 {id} 不存在', en: 'There is no data item {id}' },
  quality_source_not_found: { 'zh-CN': '数据来源 {id} 不存在', en: 'There is no data item source {id}' },
  quality_item_name_taken: {
    'zh-CN': '已有名为「{name}」的数据项',
    en: 'A data item named "{name}" already exists',
  },
  quality_entry_not_found: {
    'zh-CN': '目录条目 {entryId} 不存在',
    en: 'There is no catalog entry {entryId}',
  },
  quality_entry_unusable: {
    'zh-CN': '目录条目「{name}」不能作为数据来源：须为已发布的库表类资源',
    en: 'The catalog entry "{name}" cannot be a source: it must be a published table resource',
  },
  quality_field_unknown: {
    'zh-CN': '目录条目「{name}」没有这些信息项：{codes}',
    en: 'The catalog entry "{name}" has no fields {codes}',
  },
  quality_source_exists: {
    'zh-CN': '数据项「{item}」已登记该来源（目录条目「{name}」的信息项 {field}）',
    en: 'The data item "{item}" already has this source (field {field} of the entry "{name}")',
  },
  quality_authority_exists: {
    'zh-CN':
      '数据项「{item}」已有权威来源（「{name}」的信息项 {field}）；一数一源：每个数据项只能有一个权威来源，如需更换请修改数据项的权威来源',
    en: 'The data item "{item}" already has an authoritative source (field {field} of "{name}"); one item, one source: to change it, update the item\'s authority',
  },
  quality_authority_required: {
    'zh-CN':
      '不能删除数据项「{item}」的权威来源；每个数据项必须有且只有一个权威来源，如需更换请修改数据项的权威来源',
    en: 'The authoritative source of the data item "{item}" cannot be removed: every item has exactly one; to change it, update the item\'s authority',
  },
} satisfies Record<string, Localized>;

export const registryProblem = (
  status: number,
  code: keyof typeof registryMessages,
  params: Record<string, unknown> = {},
  errors: FieldError[] = [],
): AppError => new AppError(status, code, registryMessages[code], params, errors);

const pgCode = (e: unknown) => (e as { code?: unknown }).code;
const pgConstraint = (e: unknown) => (e as { constraint?: unknown }).constraint;

// ---------------------------------------------------------------------------------------------
// Schemas

const strict = { additionalProperties: false } as const;
const Uuid = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const FieldCode = Type.String({ minLength: 1, maxLength: 63 });

export const SUBJECT_KINDS = ['uscc', 'id_number'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export const NormaliseSchema = Type.Object(
  {
    trim: Type.Boolean({ description: 'no leading or trailing white space' }),
    width: Type.Boolean({ description: 'full-width forms (ＡＢＣ１２３, the ideographic space) to ASCII' }),
    case: Type.Boolean({ description: 'letters compared in lower case' }),
    space: Type.Boolean({ description: 'runs of white space as one space' }),
  },
  strict,
);
export type Normalise = Static<typeof NormaliseSchema>;
export const DEFAULT_NORMALISE: Normalise = { trim: true, width: true, case: true, space: true };

export const SourceInputSchema = Type.Object(
  {
    entryId: Uuid,
    field: Type.String({ minLength: 1, maxLength: 63, description: "the field holding the item's value" }),
    keyField: Type.String({
      minLength: 1,
      maxLength: 63,
      description: "the field holding the subject's key (统一社会信用代码 or 身份证号)",
    }),
  },
  strict,
);
export type SourceInput = Static<typeof SourceInputSchema>;

export const CreateItemBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: '数据项名称, e.g. 企业名称' }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    subjectKind: Type.Enum(SUBJECT_KINDS, {
      description: 'uscc: the key is an organisation’s 统一社会信用代码; id_number: a person’s 身份证号',
    }),
    normalise: Type.Optional(
      Type.Partial(NormaliseSchema, { ...strict, description: 'each option defaults to true' }),
    ),
    authority: SourceInputSchema,
    sources: Type.Optional(
      Type.Array(SourceInputSchema, {
        maxItems: 50,
        description: 'secondary sources, checked against the authority',
      }),
    ),
  },
  strict,
);
export type CreateItemInput = Static<typeof CreateItemBody>;

export const UpdateItemBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    subjectKind: Type.Optional(Type.Enum(SUBJECT_KINDS)),
    normalise: Type.Optional(Type.Partial(NormaliseSchema, strict)),
    authority: Type.Optional(SourceInputSchema),
  },
  strict,
);
export type UpdateItemInput = Static<typeof UpdateItemBody>;

export const AddSourceBody = Type.Object(
  {
    role: Type.Enum(['authoritative', 'secondary'] as const),
    entryId: Uuid,
    field: FieldCode,
    keyField: FieldCode,
  },
  strict,
);
export type AddSourceInput = Static<typeof AddSourceBody>;

export const SourceSchema = Type.Object({
  id: Uuid,
  role: Type.Enum(['authoritative', 'secondary'] as const),
  entryId: Uuid,
  entryCode: Type.String(),
  entryName: Type.String(),
  providerOrgId: Uuid,
  providerOrgName: Type.String(),
  field: Type.String(),
  fieldName: Type.String(),
  keyField: Type.String(),
  keyFieldName: Type.String(),
  createdAt: Time,
});
export type Source = Static<typeof SourceSchema>;

export const ItemSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  description: Type.String(),
  subjectKind: Type.Enum(SUBJECT_KINDS),
  normalise: NormaliseSchema,
  sources: Type.Array(SourceSchema, { description: 'the authoritative source first, then by entry name' }),
  createdAt: Time,
  updatedAt: Time,
});
export type Item = Static<typeof ItemSchema>;

export const ItemList = Type.Object({ items: Type.Array(ItemSchema) });

// ---------------------------------------------------------------------------------------------
// Entries as sources

export interface EntryField {
  code: string;
  name: string;
  piiKind: string;
}

/** What the registry and the cross-check need of a catalog entry. */
export interface SourceEntry {
  id: string;
  code: string;
  name: string;
  providerOrgId: string;
  providerOrgName: string;
  published: boolean;
  table: boolean;
  /** The dataset's view name in schema ds, and its columns (null: nothing loaded yet). */
  dataset: { name: string; columns: { code: string; type: string; key: boolean }[] } | null;
  /** Names and PII kinds of the fields (the dataset's catalog version, else the published one). */
  fields: Map<string, EntryField>;
}

/** The entries, by id: name, provider, dataset columns and fields (names, PII kinds). */
export async function sourceEntries(q: Queryable, ids: readonly string[]): Promise<Map<string, SourceEntry>> {
  const { rows } = await q.query<{
    id: string;
    code: string;
    provider_org_id: string;
    provider_name: string;
    name: string | null;
    resource_kind: string | null;
    published_version: number | null;
    ds_name: string | null;
    ds_columns: { code: string; type: string; key: boolean }[] | null;
    fields: { code?: string; name: string; piiKind?: string }[] | null;
  }>(
    `SELECT e.id, e.code, e.provider_org_id, o.name AS provider_name, e.published_version,
            coalesce(pv.name, lv.name) AS name, pv.resource_kind,
            d.name AS ds_name, d.columns AS ds_columns,
            coalesce(dv.content, pv.content) -> 'fields' AS fields
       FROM datong.catalog_entries e
       JOIN datong.orgs o ON o.id = e.provider_org_id
       LEFT JOIN datong.catalog_versions pv ON pv.entry_id = e.id AND pv.version = e.published_version
       LEFT JOIN datong.catalog_versions lv ON lv.entry_id = e.id AND lv.latest
       LEFT JOIN datong.datasets d ON d.entry_id = e.id
       LEFT JOIN datong.catalog_versions dv ON dv.entry_id = e.id AND dv.version = d.catalog_version
      WHERE e.id = ANY($1::uuid[])`,
    [[...new Set(ids)]],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        code: r.code,
        name: r.name ?? r.code,
        providerOrgId: r.provider_org_id,
        providerOrgName: r.provider_name,
        published: r.published_version !== null,
        table: r.resource_kind === 'table' || r.ds_name !== null,
        dataset: r.ds_name ? { name: r.ds_name, columns: r.ds_columns ?? [] } : null,
        fields: new Map(
          (r.fields ?? [])
            .filter((f) => f.code)
            .map((f) => [f.code!, { code: f.code!, name: f.name, piiKind: f.piiKind ?? 'none' }]),
        ),
      },
    ]),
  );
}

/** The field codes a source may name: the dataset's columns, or the published fields before any load. */
const knownCodes = (e: SourceEntry): Set<string> =>
  new Set(e.dataset ? e.dataset.columns.map((c) => c.code) : e.fields.keys());

async function checkSource(q: Queryable, input: SourceInput, path: string): Promise<SourceEntry> {
  const entry = (await sourceEntries(q, [input.entryId])).get(input.entryId);
  if (!entry) throw registryProblem(404, 'quality_entry_not_found', { entryId: input.entryId });
  if ((!entry.published && !entry.dataset) || !entry.table) {
    throw registryProblem(409, 'quality_entry_unusable', { name: entry.name });
  }
  const known = knownCodes(entry);
  const unknown = [...new Set([input.field, input.keyField])].filter((c) => !known.has(c));
  if (unknown.length) {
    throw registryProblem(
      400,
      'quality_field_unknown',
      { name: entry.name, codes: unknown.join(', ') },
      unknown.map((c) => ({
        path: `${path}/${c === input.field ? 'field' : 'keyField'}`,
        message: 'unknown field',
      })),
    );
  }
  return entry;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface ItemDbRow {
  id: string;
  name: string;
  description: string;
  subject_kind: SubjectKind;
  normalise: Normalise;
  created_at: Date;
  updated_at: Date;
}

interface SourceDbRow {
  id: string;
  item_id: string;
  role: 'authoritative' | 'secondary';
  entry_id: string;
  field: string;
  key_field: string;
  created_at: Date;
}

/** The items (all, or these ids) with their sources, by name. */
async function readItems(q: Queryable, ids?: readonly string[], lock = false): Promise<Item[]> {
  const { rows: items } = await q.query<ItemDbRow>(
    `SELECT * FROM datong.data_items ${ids ? 'WHERE id = ANY($1::uuid[])' : ''} ORDER BY name
       ${lock ? 'FOR UPDATE' : ''}`,
    ids ? [ids] : [],
  );
  if (!items.length) return [];
  const { rows: sources } = await q.query<SourceDbRow>(
    `SELECT * FROM datong.data_item_sources WHERE item_id = ANY($1::uuid[])`,
    [items.map((i) => i.id)],
  );
  const entries = await sourceEntries(
    q,
    sources.map((s) => s.entry_id),
  );
  return items.map((i) => ({
    id: i.id,
    name: i.name,
    description: i.description,
    subjectKind: i.subject_kind,
    normalise: { ...DEFAULT_NORMALISE, ...i.normalise },
    sources: sources
      .filter((s) => s.item_id === i.id)
      .map((s) => presentSource(s, entries.get(s.entry_id)))
      .sort(
        (a, b) =>
          Number(b.role === 'authoritative') - Number(a.role === 'authoritative') ||
          a.entryName.localeCompare(b.entryName, 'zh-CN') ||
          a.field.localeCompare(b.field),
      ),
    createdAt: i.created_at.toISOString(),
    updatedAt: i.updated_at.toISOString(),
  }));
}

function presentSource(s: SourceDbRow, e: SourceEntry | undefined): Source {
  return {
    id: s.id,
    role: s.role,
    entryId: s.entry_id,
    entryCode: e?.code ?? '',
    entryName: e?.name ?? '',
    providerOrgId: e?.providerOrgId ?? s.entry_id,
    providerOrgName: e?.providerOrgName ?? '',
    field: s.field,
    fieldName: e?.fields.get(s.field)?.name ?? s.field,
    keyField: s.key_field,
    keyFieldName: e?.fields.get(s.key_field)?.name ?? s.key_field,
    createdAt: s.created_at.toISOString(),
  };
}

export const listItems = (q: Queryable): Promise<Item[]> => readItems(q);

export async function getItem(q: Queryable, id: string, lock = false): Promise<Item> {
  const [item] = await readItems(q, [id], lock);
  if (!item) throw registryProblem(404, 'quality_item_not_found', { id });
  return item;
}

// ---------------------------------------------------------------------------------------------
// Writing

async function audit(
  ctx: RegistryContext,
  tx: Tx,
  action: string,
  object: { type: string; id: string },
  detail: Record<string, unknown>,
): Promise<void> {
  await ctx.services.ledger.record(
    tx,
    eventFor(ctx, { action, objectType: object.type, objectId: object.id, detail }),
  );
}

/** Inserts a source, answering the registry's problems for the unique constraints. */
async function insertSource(
  tx: Tx,
  item: { id: string; name: string },
  role: 'authoritative' | 'secondary',
  input: SourceInput,
  entry: SourceEntry,
): Promise<string> {
  await tx.query('SAVEPOINT source_insert');
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO datong.data_item_sources (item_id, role, entry_id, field, key_field)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [item.id, role, input.entryId, input.field, input.keyField],
    );
    await tx.query('RELEASE SAVEPOINT source_insert');
    return rows[0]!.id;
  } catch (e) {
    await tx.query('ROLLBACK TO SAVEPOINT source_insert');
    if (pgCode(e) !== '23505') throw e;
    if (pgConstraint(e) === 'data_item_sources_one_authority') throw await authorityExists(tx, item);
    throw registryProblem(409, 'quality_source_exists', {
      item: item.name,
      name: entry.name,
      field: input.field,
    });
  }
}

async function authorityExists(q: Queryable, item: { id: string; name: string }): Promise<AppError> {
  const current = (await getItem(q, item.id)).sources.find((s) => s.role === 'authoritative');
  return registryProblem(409, 'quality_authority_exists', {
    item: item.name,
    name: current?.entryName ?? '',
    field: current?.field ?? '',
  });
}

async function insertItem(tx: Tx, input: CreateItemInput): Promise<string> {
  await tx.query('SAVEPOINT item_insert');
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO datong.data_items (name, description, subject_kind, normalise)
       VALUES ($1, $2, $3, $4) RETURNING id`,
      [
        input.name.trim(),
        input.description ?? '',
        input.subjectKind,
        JSON.stringify({ ...DEFAULT_NORMALISE, ...input.normalise }),
      ],
    );
    await tx.query('RELEASE SAVEPOINT item_insert');
    return rows[0]!.id;
  } catch (e) {
    await tx.query('ROLLBACK TO SAVEPOINT item_insert');
    if (pgCode(e) === '23505')
      throw registryProblem(409, 'quality_item_name_taken', { name: input.name.trim() });
    throw e;
  }
}

export async function createItem(ctx: RegistryContext, tx: Tx, input: CreateItemInput): Promise<Item> {
  const authority = await checkSource(tx, input.authority, '/authority');
  const secondaries: [SourceInput, SourceEntry][] = [];
  for (const [i, s] of (input.sources ?? []).entries())
    secondaries.push([s, await checkSource(tx, s, `/sources/${i}`)]);
  const id = await insertItem(tx, input);
  const item = { id, name: input.name.trim() };
  await insertSource(tx, item, 'authoritative', input.authority, authority);
  for (const [s, e] of secondaries) await insertSource(tx, item, 'secondary', s, e);
  const out = await getItem(tx, id);
  await audit(
    ctx,
    tx,
    'quality.item.create',
    { type: 'data_item', id },
    {
      name: out.name,
      subjectKind: out.subjectKind,
      normalise: out.normalise,
      sources: out.sources.map((s) => ({
        role: s.role,
        entryId: s.entryId,
        field: s.field,
        keyField: s.keyField,
      })),
    },
  );
  return out;
}

export async function updateItem(
  ctx: RegistryContext,
  tx: Tx,
  id: string,
  input: UpdateItemInput,
): Promise<Item> {
  const before = await getItem(tx, id, true);
  const name = input.name?.trim() ?? before.name;
  if (name !== before.name) {
    const { rows } = await tx.query('SELECT 1 FROM datong.data_items WHERE name = $1 AND id <> $2', [
      name,
      id,
    ]);
    if (rows.length) throw registryProblem(409, 'quality_item_name_taken', { name });
  }
  await tx.query(
    `UPDATE datong.data_items SET name = $2, description = $3, subject_kind = $4, normalise = $5, updated_at = now()
      WHERE id = $1`,
    [
      id,
      name,
      input.description ?? before.description,
      input.subjectKind ?? before.subjectKind,
      JSON.stringify({ ...before.normalise, ...input.normalise }),
    ],
  );
  if (input.authority) await replaceAuthority(tx, before, input.authority);
  const after = await getItem(tx, id);
  await audit(
    ctx,
    tx,
    'quality.item.update',
    { type: 'data_item', id },
    {
      changes: input,
      before: {
        name: before.name,
        subjectKind: before.subjectKind,
        normalise: before.normalise,
        authority: before.sources.find((s) => s.role === 'authoritative'),
      },
    },
  );
  return after;
}

/**
 * The item's authority becomes `input`: a secondary source of the same entry and field is
 * promoted (the old authority becomes secondary); otherwise the authoritative source changes in
 * place.
 */
async function replaceAuthority(tx: Tx, item: Item, input: SourceInput): Promise<void> {
  await checkSource(tx, input, '/authority');
  const current = item.sources.find((s) => s.role === 'authoritative')!;
  const same = item.sources.find((s) => s.entryId === input.entryId && s.field === input.field);
  if (same?.id === current.id) {
    await tx.query('UPDATE datong.data_item_sources SET key_field = $2 WHERE id = $1', [
      current.id,
      input.keyField,
    ]);
  } else if (same) {
    await tx.query(`UPDATE datong.data_item_sources SET role = 'secondary' WHERE id = $1`, [current.id]);
    await tx.query(
      `UPDATE datong.data_item_sources SET role = 'authoritative', key_field = $2 WHERE id = $1`,
      [same.id, input.keyField],
    );
  } else {
    await tx.query(
      'UPDATE datong.data_item_sources SET entry_id = $2, field = $3, key_field = $4 WHERE id = $1',
      [current.id, input.entryId, input.field, input.keyField],
    );
  }
}

export async function deleteItem(ctx: RegistryContext, tx: Tx, id: string): Promise<void> {
  const item = await getItem(tx, id, true);
  await tx.query('DELETE FROM datong.data_items WHERE id = $1', [id]);
  await audit(
    ctx,
    tx,
    'quality.item.delete',
    { type: 'data_item', id },
    {
      name: item.name,
      sources: item.sources.map((s) => ({
        role: s.role,
        entryId: s.entryId,
        field: s.field,
        keyField: s.keyField,
      })),
    },
  );
}

export async function addSource(
  ctx: RegistryContext,
  tx: Tx,
  itemId: string,
  input: AddSourceInput,
): Promise<Item> {
  const item = await getItem(tx, itemId, true);
  const { role, ...source } = input;
  const entry = await checkSource(tx, source, '');
  if (role === 'authoritative' && item.sources.some((s) => s.role === 'authoritative')) {
    throw await authorityExists(tx, item);
  }
  const id = await insertSource(tx, item, role, source, entry);
  await audit(
    ctx,
    tx,
    'quality.source.add',
    { type: 'data_item_source', id },
    {
      itemId,
      itemName: item.name,
      ...input,
    },
  );
  return getItem(tx, itemId);
}

export async function deleteSource(ctx: RegistryContext, tx: Tx, id: string): Promise<void> {
  const { rows } = await tx.query<SourceDbRow & { item_name: string }>(
    `SELECT s.*, i.name AS item_name FROM datong.data_item_sources s
       JOIN datong.data_items i ON i.id = s.item_id WHERE s.id = $1 FOR UPDATE OF i, s`,
    [id],
  );
  const s = rows[0];
  if (!s) throw registryProblem(404, 'quality_source_not_found', { id });
  if (s.role === 'authoritative')
    throw registryProblem(409, 'quality_authority_required', { item: s.item_name });
  await tx.query('DELETE FROM datong.data_item_sources WHERE id = $1', [id]);
  await audit(
    ctx,
    tx,
    'quality.source.delete',
    { type: 'data_item_source', id },
    {
      itemId: s.item_id,
      itemName: s.item_name,
      entryId: s.entry_id,
      field: s.field,
      keyField: s.key_field,
    },
  );
}
