import crypto from 'node:crypto';
import type { Queryable } from '../../platform/db/pool.js';
import { AppError } from '../../platform/http/errors.js';
import type { Field } from '../catalog/schemas.js';
import type { Content } from '../catalog/store.js';
import { datasetView, readDataset } from '../ingest/tables.js';
import {
  checkRule,
  DIMENSION_OF,
  RuleError,
  type Dimension,
  type EngineColumn,
  type OtherDataset,
  type RuleSpec,
} from './engine.js';
import { qualityProblem } from './messages.js';
import { DEFAULT_WEIGHTS, type Weights } from './scores.js';
import { suggestRules, type SuggestedRule } from './suggest.js';

/**
 * The store of quality rules and settings (docs/QUALITY.md "Rules and runs"): the only code that
 * writes datong.quality_rules and a dataset's quality_weights / quality_hour. Routes authorise
 * and audit; these functions take the transaction.
 */

/** A dataset as quality sees it: its view and columns, its catalog fields and update cycle. */
export interface QualityDataset {
  id: string;
  entryId: string;
  entryName: string;
  providerOrgId: string;
  /** The view, schema-qualified and quoted. */
  view: string;
  columns: EngineColumn[];
  /** The catalog fields of the version the dataset follows (piiKind, validators, code tables). */
  fields: Field[];
  updateCycle: string;
  weights: Weights;
  hour: number | null;
}

export async function qualityDataset(q: Queryable, entryId: string): Promise<QualityDataset | null> {
  const ds = await readDataset(q, entryId);
  if (!ds) return null;
  const { rows } = await q.query<{
    content: Content;
    provider: string;
    weights: Partial<Weights>;
    hour: number | null;
  }>(
    `SELECT v.content, e.provider_org_id AS provider, d.quality_weights AS weights, d.quality_hour AS hour
       FROM datong.datasets d
       JOIN datong.catalog_entries e ON e.id = d.entry_id
       JOIN datong.catalog_versions v ON v.entry_id = d.entry_id AND v.version = d.catalog_version
      WHERE d.id = $1`,
    [ds.id],
  );
  const r = rows[0]!;
  return {
    id: ds.id,
    entryId,
    entryName: r.content.name,
    providerOrgId: r.provider,
    view: datasetView(ds.name),
    columns: ds.columns.map((c) => ({ code: c.code, pgType: c.pgType, key: c.key })),
    fields: r.content.fields,
    updateCycle: r.content.updateCycle,
    weights: { ...DEFAULT_WEIGHTS, ...r.weights },
    hour: r.hour,
  };
}

/** The other datasets of these specs (referential targets, accuracy authorities) that hold data. */
export async function otherDatasets(
  q: Queryable,
  specs: readonly RuleSpec[],
): Promise<Map<string, OtherDataset>> {
  const out = new Map<string, OtherDataset>();
  for (const id of new Set(specs.flatMap(referencedEntries))) {
    const ds = await readDataset(q, id);
    if (ds) {
      out.set(id, {
        view: datasetView(ds.name),
        columns: ds.columns.map((c) => ({ code: c.code, pgType: c.pgType, key: c.key })),
      });
    }
  }
  return out;
}

/** The catalog entries a rule reads besides its own dataset. */
export function referencedEntries(spec: RuleSpec): string[] {
  if (spec.kind === 'referential') return [spec.entryId];
  if (spec.kind === 'accuracy') return [spec.authority.entryId];
  return [];
}

export interface Rule {
  id: string;
  key: string;
  name: string;
  kind: RuleSpec['kind'];
  dimension: Dimension;
  spec: RuleSpec;
  enabled: boolean;
  suggested: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface RuleDbRow {
  id: string;
  dataset_id: string;
  key: string;
  name: string;
  kind: RuleSpec['kind'];
  dimension: Dimension;
  spec: RuleSpec;
  enabled: boolean;
  suggested: boolean;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

const present = (r: RuleDbRow): Rule => ({
  id: r.id,
  key: r.key,
  name: r.name,
  kind: r.kind,
  dimension: r.dimension,
  spec: r.spec,
  enabled: r.enabled,
  suggested: r.suggested,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function listRules(
  q: Queryable,
  datasetId: string,
  opts: { enabledOnly?: boolean } = {},
): Promise<Rule[]> {
  const { rows } = await q.query<RuleDbRow>(
    `SELECT * FROM datong.quality_rules WHERE dataset_id = $1 ${opts.enabledOnly ? 'AND enabled' : ''}
      ORDER BY created_at, key`,
    [datasetId],
  );
  return rows.map(present);
}

/** A rule and the entry of its dataset; `lock` takes the row for an update. */
export async function getRule(
  q: Queryable,
  id: string,
  lock = false,
): Promise<(Rule & { datasetId: string; entryId: string }) | null> {
  const { rows } = await q.query<RuleDbRow & { entry_id: string }>(
    `SELECT r.*, d.entry_id FROM datong.quality_rules r JOIN datong.datasets d ON d.id = r.dataset_id
      WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
    [id],
  );
  const r = rows[0];
  return r ? { ...present(r), datasetId: r.dataset_id, entryId: r.entry_id } : null;
}

/**
 * Compiles a spec against the dataset (and the datasets it refers to) and plans it once: a rule
 * that cannot run is refused before it is stored (400 quality_rule_invalid).
 */
export async function assertRuleRuns(q: Queryable, ds: QualityDataset, spec: RuleSpec): Promise<void> {
  try {
    await checkRule(
      q,
      ds.view,
      ds.columns,
      { id: 'new', spec },
      { datasets: await otherDatasets(q, [spec]) },
    );
  } catch (err) {
    if (err instanceof RuleError)
      throw qualityProblem(400, 'quality_rule_invalid', { zh: err.text['zh-CN'], en: err.text.en });
    if (err instanceof AppError) throw err;
    // PostgreSQL refused a value (a bound of the wrong type): the caller's input.
    const message = (err as { message?: string }).message ?? String(err);
    if ((err as { code?: string }).code?.startsWith('22'))
      throw qualityProblem(400, 'quality_rule_invalid', { zh: message, en: message });
    throw err;
  }
}

export interface RuleInputValues {
  key?: string | undefined;
  name: string;
  spec: RuleSpec;
  enabled?: boolean | undefined;
  suggested?: boolean;
  createdBy: string;
}

export async function insertRule(q: Queryable, datasetId: string, v: RuleInputValues): Promise<Rule> {
  const key = v.key ?? `custom:${crypto.randomUUID()}`;
  const { rows } = await q.query<RuleDbRow>(
    `INSERT INTO datong.quality_rules (dataset_id, key, name, kind, dimension, spec, enabled, suggested, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (dataset_id, key) DO NOTHING RETURNING *`,
    [
      datasetId,
      key,
      v.name,
      v.spec.kind,
      DIMENSION_OF[v.spec.kind],
      JSON.stringify(v.spec),
      v.enabled ?? true,
      v.suggested ?? false,
      v.createdBy,
    ],
  );
  if (!rows[0]) throw qualityProblem(409, 'quality_rule_exists', { key });
  return present(rows[0]);
}

export async function updateRule(
  q: Queryable,
  id: string,
  patch: { name?: string | undefined; spec?: RuleSpec | undefined; enabled?: boolean | undefined },
): Promise<Rule> {
  const { rows } = await q.query<RuleDbRow>(
    `UPDATE datong.quality_rules
        SET name = coalesce($2, name), kind = coalesce($3, kind), dimension = coalesce($4, dimension),
            spec = coalesce($5, spec), enabled = coalesce($6, enabled), updated_at = now()
      WHERE id = $1 RETURNING *`,
    [
      id,
      patch.name ?? null,
      patch.spec?.kind ?? null,
      patch.spec ? DIMENSION_OF[patch.spec.kind] : null,
      patch.spec ? JSON.stringify(patch.spec) : null,
      patch.enabled ?? null,
    ],
  );
  return present(rows[0]!);
}

export async function deleteRule(q: Queryable, id: string): Promise<void> {
  await q.query('DELETE FROM datong.quality_rules WHERE id = $1', [id]);
}

export interface Suggestion {
  key: string;
  name: string;
  spec: RuleSpec;
  dimension: Dimension;
  /** A rule with this key is stored for the dataset already. */
  stored: boolean;
}

/**
 * What the catalog suggests for the dataset (suggest.ts), plus timeliness when the entry has a
 * regular update cycle, and an accuracy rule per 一数一源 data item for which this entry is a
 * secondary source of a field it holds (against the item's authoritative source).
 */
export async function suggestionsFor(q: Queryable, ds: QualityDataset): Promise<Suggestion[]> {
  const held = new Set(ds.columns.map((c) => c.code));
  const out: SuggestedRule[] = suggestRules(ds.fields, held);
  if (ds.updateCycle !== 'irregular') {
    out.push({ key: 'timeliness', name: '按更新周期及时更新', spec: { kind: 'timeliness' }, from: 'cycle' });
  }
  const { rows: sources } = await q.query<{
    item: string;
    field: string;
    key_field: string;
    a_entry: string;
    a_field: string;
    a_key_field: string;
    normalise: Record<string, boolean>;
  }>(
    `SELECT i.name AS item, s.field, s.key_field, a.entry_id AS a_entry, a.field AS a_field,
            a.key_field AS a_key_field, i.normalise
       FROM datong.data_item_sources s
       JOIN datong.data_items i ON i.id = s.item_id
       JOIN datong.data_item_sources a ON a.item_id = s.item_id AND a.role = 'authoritative'
      WHERE s.entry_id = $1 AND s.role = 'secondary'
      ORDER BY i.name, s.field`,
    [ds.entryId],
  );
  for (const s of sources) {
    if (!held.has(s.field) || !held.has(s.key_field)) continue;
    out.push({
      key: `${s.field}:accuracy`,
      name: `${s.item}与权威来源一致`,
      spec: {
        kind: 'accuracy',
        field: s.field,
        keyField: s.key_field,
        authority: { entryId: s.a_entry, field: s.a_field, keyField: s.a_key_field },
        normalise: {
          trim: s.normalise.trim !== false,
          width: s.normalise.width !== false,
          case: s.normalise.case !== false,
          space: s.normalise.space !== false,
        },
      },
      from: 'registry',
    });
  }
  const { rows } = await q.query<{ key: string }>(
    'SELECT key FROM datong.quality_rules WHERE dataset_id = $1',
    [ds.id],
  );
  const stored = new Set(rows.map((r) => r.key));
  return out.map((s) => ({
    key: s.key,
    name: s.name,
    spec: s.spec,
    dimension: DIMENSION_OF[s.spec.kind],
    stored: stored.has(s.key),
  }));
}

export async function setSettings(
  q: Queryable,
  datasetId: string,
  weights: Weights,
  hour: number | null,
): Promise<void> {
  await q.query('UPDATE datong.datasets SET quality_weights = $2, quality_hour = $3 WHERE id = $1', [
    datasetId,
    JSON.stringify(weights),
    hour,
  ]);
}
