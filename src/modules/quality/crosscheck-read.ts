import { Type, type Static } from 'typebox';
import type { Queryable } from '../../platform/db/pool.js';
import { defaultMask, maskValue } from '../../platform/masking/index.js';
import type { Actor } from '../../platform/policy/permissions.js';
import { crosscheckProblem, type RunError } from './crosscheck.js';
import { SUBJECT_KINDS, sourceEntries, type SourceEntry } from './registry.js';

/**
 * Reading cross-check runs (docs/QUALITY.md "Registry and cross-checks"): the history, one run's
 * figures per item and source with agreement rates, and its conflicts a keyset page at a time.
 *
 * Conflicts are stored raw and masked here for the viewer, by the piiKind of each value's field
 * (the authority's field for the authoritative value, the source's for the other; the subject
 * key as an ID number for persons): a value is shown as stored only to the organisation that
 * provides its entry, as dataset previews do. The platform (governance.manage) is no provider of
 * the data it checks, so it sees personal data masked like any other department would.
 */

const Uuid = Type.String({ format: 'uuid' });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
  description: 'agreeing / compared, 4 decimals; null when nothing was compared',
});

export const RunIdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });

export const ListRunsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,18}$', description: 'nextCursor of the page before' }),
    ),
  },
  { additionalProperties: false },
);

export const ConflictsQuery = Type.Object(
  {
    itemId: Type.Optional(Uuid),
    sourceId: Type.Optional(Uuid),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  },
  { additionalProperties: false },
);

const RunErrorSchema = Type.Union([
  Type.Object({
    code: Type.String(),
    'zh-CN': Type.String(),
    en: Type.String(),
    itemId: Type.Optional(Uuid),
    sourceId: Type.Optional(Uuid),
  }),
  Type.Null(),
]);

export const RunSummarySchema = Type.Object({
  id: Type.Integer(),
  status: Type.Enum(['running', 'done', 'failed'] as const),
  error: RunErrorSchema,
  startedByName: Type.String(),
  startedAt: Time,
  finishedAt: NullableTime,
  items: Type.Integer({ description: 'items compared' }),
  conflicting: Type.Integer({ description: 'conflicts counted, all items and sources' }),
});
export type RunSummary = Static<typeof RunSummarySchema>;

export const RunPage = Type.Object({ items: Type.Array(RunSummarySchema), nextCursor: NullableString });

const SourceRef = {
  sourceId: Uuid,
  entryId: Uuid,
  entryName: Type.String(),
  providerOrgName: Type.String(),
  field: Type.String(),
  fieldName: Type.String(),
};

export const RunSchema = Type.Object({
  ...RunSummarySchema.properties,
  results: Type.Array(
    Type.Object({
      itemId: Uuid,
      itemName: Type.String(),
      subjectKind: Type.Enum(SUBJECT_KINDS),
      authority: Type.Union([Type.Object(SourceRef), Type.Null()], { description: 'the current authority' }),
      compared: Type.Integer({ description: 'keys compared, all secondary sources' }),
      agreeing: Type.Integer(),
      agreementRate: Rate,
      sources: Type.Array(
        Type.Object({
          ...SourceRef,
          compared: Type.Integer({ description: 'keys in both the authority and this source' }),
          agreeing: Type.Integer(),
          conflicting: Type.Integer(),
          missingInSource: Type.Integer({ description: 'keys of the authority this source lacks' }),
          missingInAuthority: Type.Integer({ description: 'keys of this source the authority lacks' }),
          agreementRate: Rate,
          conflictsStored: Type.Integer({ description: 'conflicts kept for review (at most 10,000)' }),
        }),
      ),
    }),
  ),
});
export type Run = Static<typeof RunSchema>;

export const ConflictSchema = Type.Object({
  id: Type.Integer(),
  itemId: Uuid,
  itemName: Type.String(),
  sourceId: Uuid,
  entryName: Type.String(),
  field: Type.String(),
  subjectKey: Type.String(),
  authoritativeValue: NullableString,
  sourceValue: NullableString,
  masked: Type.Boolean({ description: 'some value (or the key) is shown masked' }),
  objectionId: Type.Union([Uuid, Type.Null()]),
});
export type Conflict = Static<typeof ConflictSchema>;

export const ConflictPage = Type.Object({ items: Type.Array(ConflictSchema), nextCursor: NullableString });

const rate = (agreeing: number, compared: number) =>
  compared ? Math.round((agreeing / compared) * 10_000) / 10_000 : null;

interface RunDbRow {
  id: number;
  status: RunSummary['status'];
  error: RunError | null;
  started_by_name: string;
  started_at: Date;
  finished_at: Date | null;
  items: number;
  conflicting: number;
}

const RUN_SELECT = `
  SELECT r.*, coalesce(st.items, 0)::int AS items, coalesce(st.conflicting, 0)::int8 AS conflicting
    FROM datong.crosscheck_runs r
    LEFT JOIN LATERAL (SELECT count(DISTINCT item_id) AS items, sum(conflicting) AS conflicting
                         FROM datong.crosscheck_stats WHERE run_id = r.id) st ON true`;

const presentRun = (r: RunDbRow): RunSummary => ({
  id: r.id,
  status: r.status,
  error: r.error,
  startedByName: r.started_by_name,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  items: r.items,
  conflicting: Number(r.conflicting),
});

/** The runs, newest first. */
export async function listRuns(
  q: Queryable,
  query: { limit: number; cursor?: string | undefined },
): Promise<Static<typeof RunPage>> {
  const params: unknown[] = [query.limit + 1];
  const where = query.cursor ? `WHERE r.id < $${params.push(query.cursor)}::int8` : '';
  const { rows } = await q.query<RunDbRow>(`${RUN_SELECT} ${where} ORDER BY r.id DESC LIMIT $1`, params);
  const page = rows.slice(0, query.limit);
  return {
    items: page.map(presentRun),
    nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null,
  };
}

interface SourceRow {
  id: string;
  item_id: string;
  role: string;
  entry_id: string;
  field: string;
}

const refOf = (s: SourceRow, e: SourceEntry | undefined) => ({
  sourceId: s.id,
  entryId: s.entry_id,
  entryName: e?.name ?? '',
  providerOrgName: e?.providerOrgName ?? '',
  field: s.field,
  fieldName: e?.fields.get(s.field)?.name ?? s.field,
});

/** One run with its figures per item and secondary source. */
export async function getRun(q: Queryable, id: number): Promise<Run> {
  const { rows } = await q.query<RunDbRow>(`${RUN_SELECT} WHERE r.id = $1`, [id]);
  const run = rows[0];
  if (!run) throw crosscheckProblem(404, 'quality_crosscheck_not_found', { id });
  const { rows: stats } = await q.query<{
    item_id: string;
    item_name: string;
    subject_kind: Run['results'][number]['subjectKind'];
    source_id: string;
    compared: number;
    agreeing: number;
    conflicting: number;
    missing_in_source: number;
    missing_in_authority: number;
    stored: number;
  }>(
    `SELECT st.*, i.name AS item_name, i.subject_kind,
            (SELECT count(*) FROM datong.crosscheck_conflicts c
              WHERE c.run_id = st.run_id AND c.item_id = st.item_id AND c.source_id = st.source_id) AS stored
       FROM datong.crosscheck_stats st JOIN datong.data_items i ON i.id = st.item_id
      WHERE st.run_id = $1 ORDER BY i.name`,
    [id],
  );
  const itemIds = [...new Set(stats.map((s) => s.item_id))];
  const { rows: sources } = await q.query<SourceRow>(
    'SELECT id, item_id, role, entry_id, field FROM datong.data_item_sources WHERE item_id = ANY($1::uuid[])',
    [itemIds],
  );
  const entries = await sourceEntries(
    q,
    sources.map((s) => s.entry_id),
  );
  const byId = new Map(sources.map((s) => [s.id, s]));
  const results: Run['results'] = itemIds.map((itemId) => {
    const own = stats.filter((s) => s.item_id === itemId);
    const authority = sources.find((s) => s.item_id === itemId && s.role === 'authoritative');
    const compared = own.reduce((n, s) => n + s.compared, 0);
    const agreeing = own.reduce((n, s) => n + s.agreeing, 0);
    const rows = own.map((s) => {
      const src = byId.get(s.source_id)!;
      return {
        ...refOf(src, entries.get(src.entry_id)),
        compared: s.compared,
        agreeing: s.agreeing,
        conflicting: s.conflicting,
        missingInSource: s.missing_in_source,
        missingInAuthority: s.missing_in_authority,
        agreementRate: rate(s.agreeing, s.compared),
        conflictsStored: s.stored,
      };
    });
    rows.sort((a, b) => a.entryName.localeCompare(b.entryName, 'zh-CN') || a.field.localeCompare(b.field));
    return {
      itemId,
      itemName: own[0]!.item_name,
      subjectKind: own[0]!.subject_kind,
      authority: authority ? refOf(authority, entries.get(authority.entry_id)) : null,
      compared,
      agreeing,
      agreementRate: rate(agreeing, compared),
      sources: rows,
    };
  });
  return { ...presentRun(run), results };
}

/** Whether the viewer's organisation provides the entry (and so sees its values as stored). */
const provides = (actor: Actor, e: SourceEntry | undefined) =>
  (actor.kind === 'user' || actor.kind === 'app') && e !== undefined && actor.orgId === e.providerOrgId;

/** A keyset page of a run's conflicts (optionally of one item and/or source), masked for the viewer. */
export async function listConflicts(
  q: Queryable,
  actor: Actor,
  runId: number,
  query: Static<typeof ConflictsQuery>,
): Promise<Static<typeof ConflictPage>> {
  const { rows: exists } = await q.query('SELECT 1 FROM datong.crosscheck_runs WHERE id = $1', [runId]);
  if (!exists.length) throw crosscheckProblem(404, 'quality_crosscheck_not_found', { id: runId });
  const params: unknown[] = [runId, query.limit + 1];
  const where = ['c.run_id = $1'];
  if (query.itemId) where.push(`c.item_id = $${params.push(query.itemId)}`);
  if (query.sourceId) where.push(`c.source_id = $${params.push(query.sourceId)}`);
  if (query.cursor) where.push(`c.id > $${params.push(query.cursor)}::int8`);
  const { rows } = await q.query<{
    id: number;
    item_id: string;
    item_name: string;
    subject_kind: string;
    source_id: string;
    source_entry: string;
    source_field: string;
    authority_entry: string | null;
    authority_field: string | null;
    subject_key: string;
    authoritative_value: string | null;
    source_value: string | null;
    objection_id: string | null;
  }>(
    `SELECT c.id, c.item_id, i.name AS item_name, i.subject_kind, c.source_id,
            s.entry_id AS source_entry, s.field AS source_field,
            a.entry_id AS authority_entry, a.field AS authority_field,
            c.subject_key, c.authoritative_value, c.source_value, c.objection_id
       FROM datong.crosscheck_conflicts c
       JOIN datong.data_items i ON i.id = c.item_id
       JOIN datong.data_item_sources s ON s.id = c.source_id
       LEFT JOIN datong.data_item_sources a ON a.item_id = c.item_id AND a.role = 'authoritative'
      WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT $2`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const entries = await sourceEntries(
    q,
    page.flatMap((r) => [r.source_entry, ...(r.authority_entry ? [r.authority_entry] : [])]),
  );
  const items = page.map((r): Conflict => {
    const src = entries.get(r.source_entry);
    const auth = r.authority_entry ? entries.get(r.authority_entry) : undefined;
    const piiOf = (e: SourceEntry | undefined, field: string | null) =>
      (field && e?.fields.get(field)?.piiKind) || 'none';
    const show = (value: string | null, pii: string, own: boolean) =>
      own || pii === 'none' || value === null ? value : maskValue(defaultMask(pii), value);
    const ownSrc = provides(actor, src);
    const ownAuth = provides(actor, auth);
    const keyPii = r.subject_kind === 'id_number' ? 'id_number' : 'none';
    const authPii = piiOf(auth, r.authority_field);
    const srcPii = piiOf(src, r.source_field);
    const subjectKey = show(r.subject_key, keyPii, ownSrc || ownAuth)!;
    const authoritativeValue = show(r.authoritative_value, authPii, ownAuth);
    const sourceValue = show(r.source_value, srcPii, ownSrc);
    return {
      id: r.id,
      itemId: r.item_id,
      itemName: r.item_name,
      sourceId: r.source_id,
      entryName: src?.name ?? '',
      field: r.source_field,
      subjectKey,
      authoritativeValue,
      sourceValue,
      masked:
        subjectKey !== r.subject_key ||
        authoritativeValue !== r.authoritative_value ||
        sourceValue !== r.source_value,
      objectionId: r.objection_id,
    };
  });
  return { items, nextCursor: rows.length > query.limit ? String(page[page.length - 1]!.id) : null };
}
