import type { Pool } from '../../platform/db/pool.js';
import { seesVersion, type Viewer } from './visibility.js';

/**
 * The facet index of catalog search (migrations/0007_catalog_facet_index.sql): the short facet
 * columns of every catalog version, held in memory, so that the total and the eight facets of a
 * search are counted in a few milliseconds over any number of matches. PostgreSQL stays the one
 * source of truth: before each search the index reads the rows written since its previous read
 * (usually none, one index probe), so a search never counts a state older than its own start.
 */

export const SCALAR_FACETS = [
  'provider',
  'category',
  'shareType',
  'openType',
  'grade',
  'updateCycle',
] as const;
export const ARRAY_FACETS = ['format', 'tag'] as const;
export type ScalarFacet = (typeof SCALAR_FACETS)[number];
export type ArrayFacet = (typeof ARRAY_FACETS)[number];
export type FacetName = ScalarFacet | ArrayFacet;

/** Strings ↔ small integers, one dictionary per facet. */
class Dict {
  readonly values: string[] = [];
  private readonly ids = new Map<string, number>();
  id(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }
  find(value: string): number | undefined {
    return this.ids.get(value);
  }
}

interface Slot {
  docId: number;
  status: string;
  latest: boolean;
  providerOrgId: string;
  openType: string;
  /** Ids in the dictionaries, in SCALAR_FACETS order. */
  scalar: Int32Array;
  formats: Int32Array;
  tags: Int32Array;
}

interface SourceRow {
  doc_id: number;
  status: string;
  latest: boolean;
  provider_org_id: string;
  category: string;
  share_type: string;
  open_type: string;
  grade: number;
  update_cycle: string;
  formats: string[];
  tags: string[];
}

/** What a search asks the index to count. */
export interface FacetRequest {
  viewer: Viewer;
  /** The doc ids matching the words (visibility, status and mine already applied), or null: every row. */
  matches: Int32Array | null;
  /** Only without words: restrict to these statuses / this provider (`mine`). */
  status?: readonly string[] | undefined;
  mineOrgId?: string | null | undefined;
  /** Active facet filters: any of the values. */
  filters: Partial<Record<FacetName, readonly string[]>>;
}

export interface FacetCounts {
  total: number;
  counts: Record<FacetName, Map<string, number>>;
}

const COLUMNS = `doc_id, status, latest, provider_org_id, category, share_type, open_type, grade, update_cycle,
  formats, tags`;

export class FacetIndex {
  private readonly slots: (Slot | undefined)[] = [];
  private readonly dicts: Record<FacetName, Dict> = {
    provider: new Dict(),
    category: new Dict(),
    shareType: new Dict(),
    openType: new Dict(),
    grade: new Dict(),
    updateCycle: new Dict(),
    format: new Dict(),
    tag: new Dict(),
  };
  /** The xmin of the snapshot of the previous read; null before the first. */
  private horizon: string | null = null;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly pool: Pool) {}

  /**
   * Reads the rows written since the previous read. A caller arriving while a read runs waits for
   * the next one (which started after it arrived); callers arriving together share it.
   */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (this.running) {
      this.queued = this.running
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.start();
        });
      return this.queued;
    }
    return this.start();
  }

  private start(): Promise<void> {
    this.running = this.read().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async read(): Promise<void> {
    // One statement, one snapshot: the rows and the horizon for the next read agree.
    const { rows } = await this.pool.query<SourceRow & { horizon: string }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, r.*
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM datong.catalog_versions
                             WHERE $1::xid8 IS NULL OR write_xid >= $1::xid8) r ON true`,
      [this.horizon],
    );
    for (const row of rows) if (row.doc_id !== null) this.put(row);
    this.horizon = rows[0]?.horizon ?? this.horizon;
  }

  private put(row: SourceRow): void {
    const d = this.dicts;
    const ids = (dict: Dict, values: string[]) => Int32Array.from(values, (v) => dict.id(v));
    this.slots[row.doc_id] = {
      docId: row.doc_id,
      status: row.status,
      latest: row.latest,
      providerOrgId: row.provider_org_id,
      openType: row.open_type,
      scalar: Int32Array.of(
        d.provider.id(row.provider_org_id),
        d.category.id(row.category),
        d.shareType.id(row.share_type),
        d.openType.id(row.open_type),
        d.grade.id(String(row.grade)),
        d.updateCycle.id(row.update_cycle),
      ),
      formats: ids(d.format, row.formats),
      tags: ids(d.tag, row.tags),
    };
  }

  /**
   * The total and every facet's counts, with the usual multi-select semantics: a facet's counts
   * are taken over the rows passing every OTHER active filter; the total over rows passing all.
   */
  count(req: FacetRequest): FacetCounts {
    const d = this.dicts;
    // Each active filter as a set of dictionary ids; a value never seen matches nothing.
    const active: { facet: FacetName; pos: number; wanted: Set<number> }[] = [];
    for (const facet of [...SCALAR_FACETS, ...ARRAY_FACETS]) {
      const values = req.filters[facet];
      if (!values?.length) continue;
      const wanted = new Set<number>();
      for (const v of values) {
        const id = d[facet].find(v);
        if (id !== undefined) wanted.add(id);
      }
      active.push({ facet, pos: (SCALAR_FACETS as readonly string[]).indexOf(facet), wanted });
    }
    const scalarCounts = SCALAR_FACETS.map((f) => new Int32Array(d[f].values.length));
    const formatCounts = new Int32Array(d.format.values.length);
    const tagCounts = new Int32Array(d.tag.values.length);
    const statuses = req.status?.length ? new Set(req.status) : null;
    let total = 0;

    const visit = (s: Slot) => {
      // Which active filter the row fails; rows failing two count nowhere.
      let failed = -1;
      for (let i = 0; i < active.length; i++) {
        const a = active[i]!;
        let ok: boolean;
        if (a.pos >= 0) ok = a.wanted.has(s.scalar[a.pos]!);
        else {
          const list = a.facet === 'format' ? s.formats : s.tags;
          ok = false;
          for (let k = 0; k < list.length && !ok; k++) ok = a.wanted.has(list[k]!);
        }
        if (ok) continue;
        if (failed >= 0) return;
        failed = i;
      }
      const only = failed >= 0 ? active[failed]!.facet : null;
      if (only === null) total++;
      for (let f = 0; f < SCALAR_FACETS.length; f++) {
        if (only === null || only === SCALAR_FACETS[f]) scalarCounts[f]![s.scalar[f]!]!++;
      }
      if (only === null || only === 'format') for (const id of s.formats) formatCounts[id]!++;
      if (only === null || only === 'tag') for (const id of s.tags) tagCounts[id]!++;
    };

    if (req.matches) {
      for (const docId of req.matches) {
        const s = this.slots[docId];
        if (s) visit(s);
      }
    } else {
      for (const s of this.slots) {
        if (!s || !seesVersion(req.viewer, s)) continue;
        if (statuses && !statuses.has(s.status)) continue;
        if (req.mineOrgId !== undefined && s.providerOrgId !== req.mineOrgId) continue;
        visit(s);
      }
    }

    const toMap = (dict: Dict, counts: Int32Array) => {
      const m = new Map<string, number>();
      counts.forEach((n, id) => {
        if (n > 0) m.set(dict.values[id]!, n);
      });
      return m;
    };
    const counts = Object.fromEntries(
      SCALAR_FACETS.map((f, i) => [f, toMap(d[f], scalarCounts[i]!)] as const),
    ) as Record<FacetName, Map<string, number>>;
    counts.format = toMap(d.format, formatCounts);
    counts.tag = toMap(d.tag, tagCounts);
    return { total, counts };
  }
}

const indexes = new WeakMap<Pool, FacetIndex>();

/** The facet index of a pool's database, synchronised with it. */
export async function facetIndexOf(pool: Pool): Promise<FacetIndex> {
  let index = indexes.get(pool);
  if (!index) {
    index = new FacetIndex(pool);
    indexes.set(pool, index);
  }
  await index.sync();
  return index;
}
