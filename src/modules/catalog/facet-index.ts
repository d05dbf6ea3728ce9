import type { Pool } from '../../platform/db/pool.js';
import { DEPARTMENT_STATUSES, type Viewer } from './visibility.js';
import { positiveLeaves, type TsNode } from './tsquery.js';

/**
 * The in-memory index of catalog search (migrations/0007_catalog_facet_index.sql): for every
 * catalog version, its short facet columns and the weighted lexemes of its `search_doc` (the
 * jieba-cut tsvector PostgreSQL stores), as postings. A search evaluates its tsquery, as
 * PostgreSQL normalised it, over the postings, ranks, and counts the total and the eight facets
 * in a few milliseconds however many entries match; PostgreSQL then reads only the page's rows.
 *
 * PostgreSQL stays the one source of truth: before each search the index reads the rows written
 * since its previous read (usually none: one index probe), so a search never sees a state older
 * than its own start. Columns are typed arrays indexed by doc id, which keeps the counting loops
 * tight and the data out of the garbage collector's way.
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

/** Rank of a lexeme hit by its best weight (index 4 = A, the name … 1 = D, the provider). */
export const WEIGHT_RANK = [0, 0.1, 0.2, 0.4, 1.0] as const;

/** Strings ↔ small integers. */
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

/** A growable list of (doc id, weight) pairs: one lexeme's postings. */
class Postings {
  docs = new Int32Array(4);
  weights = new Uint8Array(4);
  length = 0;
  add(doc: number, weight: number): void {
    if (this.length === this.docs.length) {
      const docs = new Int32Array(this.length * 2);
      docs.set(this.docs);
      this.docs = docs;
      const weights = new Uint8Array(this.length * 2);
      weights.set(this.weights);
      this.weights = weights;
    }
    this.docs[this.length] = doc;
    this.weights[this.length++] = weight;
  }
  remove(doc: number): void {
    const at = this.docs.subarray(0, this.length).indexOf(doc);
    if (at < 0) return;
    this.length--;
    this.docs[at] = this.docs[this.length]!;
    this.weights[at] = this.weights[this.length]!;
  }
}

interface SourceRow {
  doc_id: number;
  entry_id: string;
  version: number;
  code: string;
  name: string;
  updated_us: number;
  /** The lexemes of search_doc of weight A, B, C and D, space-separated. */
  la: string | null;
  lb: string | null;
  lc: string | null;
  ld: string | null;
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

const COLUMNS = `v.doc_id, v.entry_id, v.version, e.code, v.name, v.status, v.latest, v.provider_org_id,
  v.category, v.share_type, v.open_type, v.grade, v.update_cycle, v.formats, v.tags,
  (extract(epoch FROM v.updated_at) * 1000000)::float8 AS updated_us,
  array_to_string(tsvector_to_array(ts_filter(v.search_doc, '{a}')), ' ') AS la,
  array_to_string(tsvector_to_array(ts_filter(v.search_doc, '{b}')), ' ') AS lb,
  array_to_string(tsvector_to_array(ts_filter(v.search_doc, '{c}')), ' ') AS lc,
  array_to_string(tsvector_to_array(ts_filter(v.search_doc, '{d}')), ' ') AS ld`;

/** Who may see which rows, and which statuses or provider a search asks for. */
export interface Scope {
  viewer: Viewer;
  status?: readonly string[] | undefined;
  /** `mine`: only this provider's rows (null: the caller has no organisation, so none). */
  mineOrgId?: string | null | undefined;
}

export interface FacetRequest {
  /** The doc ids to count (visibility already applied), or null: every row the scope allows. */
  matches: Int32Array | null;
  scope: Scope;
  /** Active facet filters: any of the values. */
  filters: Partial<Record<FacetName, readonly string[]>>;
}

export interface FacetCounts {
  total: number;
  counts: Record<FacetName, Map<string, number>>;
  /** With `matches`: the positions in it of the rows passing every filter. */
  passing: number[];
}

/** What the words of a search matched: membership by doc id, and each positive lexeme's weights. */
export interface TextMatch {
  mask: Uint8Array;
  leaves: Uint8Array[];
}

/** What identifies and sorts one version row. */
export interface SlotKey {
  entryId: string;
  version: number;
  name: string;
  updatedUs: number;
}

export class FacetIndex {
  /** One past the highest doc id held. */
  private size = 0;
  private present = new Uint8Array(0);
  private status = new Uint8Array(0);
  private latest = new Uint8Array(0);
  /** Dictionary ids in SCALAR_FACETS order, one column each. */
  private scalar: Int32Array[] = SCALAR_FACETS.map(() => new Int32Array(0));
  private updatedUs = new Float64Array(0);
  private readonly formats: (Int32Array | undefined)[] = [];
  private readonly tags: (Int32Array | undefined)[] = [];
  private readonly entryIds: string[] = [];
  private readonly versions: number[] = [];
  private readonly codes: string[] = [];
  private readonly names: string[] = [];
  /** Each row's lexeme ids (ascending) and their best weight (4 = A … 1 = D), for updates. */
  private readonly lex: (Int32Array | undefined)[] = [];
  private readonly lexW: (Uint8Array | undefined)[] = [];

  private readonly statuses = new Dict();
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
  private readonly lexemes = new Dict();
  private readonly postings: Postings[] = [];

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
         LEFT JOIN LATERAL (SELECT ${COLUMNS} FROM datong.catalog_versions v
                              JOIN datong.catalog_entries e ON e.id = v.entry_id
                             WHERE $1::xid8 IS NULL OR v.write_xid >= $1::xid8) r ON true`,
      [this.horizon],
    );
    let top = this.size;
    for (const row of rows) if (row.doc_id !== null && row.doc_id >= top) top = row.doc_id + 1;
    this.grow(top);
    for (const row of rows) if (row.doc_id !== null) this.put(row);
    this.horizon = rows[0]?.horizon ?? this.horizon;
  }

  private grow(size: number): void {
    if (size <= this.present.length) {
      this.size = Math.max(this.size, size);
      return;
    }
    const cap = Math.max(size, this.present.length * 2, 1024);
    const resized = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.present = resized(this.present, (n) => new Uint8Array(n));
    this.status = resized(this.status, (n) => new Uint8Array(n));
    this.latest = resized(this.latest, (n) => new Uint8Array(n));
    this.scalar = this.scalar.map((c) => resized(c, (n) => new Int32Array(n)));
    this.updatedUs = resized(this.updatedUs, (n) => new Float64Array(n));
    this.size = size;
  }

  private put(row: SourceRow): void {
    const doc = row.doc_id;
    const d = this.dicts;
    // The lexemes with their best weight; the postings change only where they differ.
    const best = new Map<number, number>();
    const texts = [row.ld, row.lc, row.lb, row.la];
    for (let k = 0; k < 4; k++) {
      const text = texts[k];
      if (!text) continue;
      for (const lexeme of text.split(' ')) if (lexeme) best.set(this.lexemes.id(lexeme), k + 1);
    }
    const lex = Int32Array.from(best.keys()).sort();
    const lexW = Uint8Array.from(lex, (id) => best.get(id)!);
    const oldLex = this.lex[doc];
    const oldW = this.lexW[doc];
    const had = new Map<number, number>();
    if (oldLex && oldW) {
      for (let k = 0; k < oldLex.length; k++) {
        had.set(oldLex[k]!, oldW[k]!);
        if (best.get(oldLex[k]!) !== oldW[k]) this.postings[oldLex[k]!]?.remove(doc);
      }
    }
    for (let k = 0; k < lex.length; k++) {
      if (had.get(lex[k]!) === lexW[k]) continue;
      (this.postings[lex[k]!] ??= new Postings()).add(doc, lexW[k]!);
    }
    this.lex[doc] = lex;
    this.lexW[doc] = lexW;

    this.present[doc] = 1;
    this.status[doc] = this.statuses.id(row.status);
    this.latest[doc] = row.latest ? 1 : 0;
    const values = [
      row.provider_org_id,
      row.category,
      row.share_type,
      row.open_type,
      String(row.grade),
      row.update_cycle,
    ];
    SCALAR_FACETS.forEach((f, k) => (this.scalar[k]![doc] = d[f].id(values[k]!)));
    this.updatedUs[doc] = row.updated_us;
    this.formats[doc] = Int32Array.from(row.formats, (v) => d.format.id(v));
    this.tags[doc] = Int32Array.from(row.tags, (v) => d.tag.id(v));
    this.entryIds[doc] = row.entry_id;
    this.versions[doc] = row.version;
    this.codes[doc] = row.code;
    this.names[doc] = row.name;
  }

  /**
   * The rows a caller may see, as a mask by doc id, with the search's status and `mine`
   * restrictions: the rule of visibility.ts's `visibilityFilter` over the index's columns. The
   * search tests hold the two to the same exact counts for every kind of caller.
   */
  private scopeMask(scope: Scope): Uint8Array {
    const { viewer } = scope;
    const n = this.size;
    const out = new Uint8Array(n);
    // Status dictionary ids the caller's audience sees (and the search asks for).
    const statusIn = (list: readonly string[]) => {
      const t = new Uint8Array(this.statuses.values.length);
      for (const s of list) {
        const id = this.statuses.find(s);
        if (id !== undefined) t[id] = 1;
      }
      return t;
    };
    const asked = scope.status?.length ? statusIn(scope.status) : null;
    const department = statusIn(DEPARTMENT_STATUSES);
    const published = statusIn(['published']);
    const provider = this.scalar[0]!;
    const open = this.scalar[3]!;
    const openNone = this.dicts.openType.find('none') ?? -1;
    const maintained = new Uint8Array(this.dicts.provider.values.length);
    for (const org of viewer.maintains ?? []) {
      const id = this.dicts.provider.find(org);
      if (id !== undefined) maintained[id] = 1;
    }
    let mine = -2;
    if (scope.mineOrgId !== undefined)
      mine = scope.mineOrgId === null ? -1 : (this.dicts.provider.find(scope.mineOrgId) ?? -1);
    const { present, status, latest } = this;
    for (let doc = 0; doc < n; doc++) {
      if (!present[doc]) continue;
      let sees: number;
      if (viewer.reviewer) sees = latest[doc]!;
      else if (viewer.audience === 'public')
        sees = published[status[doc]!]! && open[doc] !== openNone ? 1 : 0;
      else if (maintained[provider[doc]!]) sees = latest[doc]!;
      else sees = department[status[doc]!]!;
      if (!sees) continue;
      if (asked && !asked[status[doc]!]) continue;
      if (mine !== -2 && provider[doc] !== mine) continue;
      out[doc] = 1;
    }
    return out;
  }

  /** The best weight of a lexeme (or of the lexemes with a prefix) in every doc, by doc id. */
  private weightsOf(leaf: { value: string; prefix: boolean }): Uint8Array {
    const out = new Uint8Array(this.size);
    const ids: number[] = [];
    if (leaf.prefix) {
      const { values } = this.lexemes;
      for (let id = 0; id < values.length; id++) if (values[id]!.startsWith(leaf.value)) ids.push(id);
    } else {
      const id = this.lexemes.find(leaf.value);
      if (id !== undefined) ids.push(id);
    }
    for (const id of ids) {
      const p = this.postings[id];
      if (!p) continue;
      for (let k = 0; k < p.length; k++) {
        const doc = p.docs[k]!;
        if (p.weights[k]! > out[doc]!) out[doc] = p.weights[k]!;
      }
    }
    return out;
  }

  /** The docs a tsquery matches, evaluated over the postings, with each positive leaf's weights. */
  matchText(node: TsNode): TextMatch {
    const cache = new Map<string, Uint8Array>();
    const leafWeights = (leaf: { value: string; prefix: boolean }) => {
      const key = `${leaf.prefix ? '*' : '='}${leaf.value}`;
      let w = cache.get(key);
      if (!w) cache.set(key, (w = this.weightsOf(leaf)));
      return w;
    };
    const n = this.size;
    const evaluate = (x: TsNode): Uint8Array => {
      if (x.kind === 'lexeme') return leafWeights(x).map((w) => (w ? 1 : 0));
      if (x.kind === 'not') {
        const a = evaluate(x.operand);
        for (let i = 0; i < n; i++) a[i] = a[i] || !this.present[i] ? 0 : 1;
        return a;
      }
      const a = evaluate(x.left);
      const b = evaluate(x.right);
      if (x.kind === 'and') for (let i = 0; i < n; i++) a[i] = a[i]! & b[i]!;
      else for (let i = 0; i < n; i++) a[i] = a[i]! | b[i]!;
      return a;
    };
    const mask = evaluate(node);
    const leaves = positiveLeaves(node).map((l) => leafWeights(l as { value: string; prefix: boolean }));
    return { mask, leaves };
  }

  /**
   * The rows the words found that the scope allows, with their rank: the full-text match (each
   * positive lexeme by its best weight: name 1.0, summary 0.4, fields, tags and classification
   * 0.2, provider 0.1), plus 1.5 when the name holds the text itself (`holds`, from pg_trgm), plus
   * the word similarity of a near-miss name (`typos`), or a resource-code prefix.
   */
  findText(req: {
    scope: Scope;
    text: TextMatch | null;
    holds: ReadonlySet<number>;
    typos: ReadonlyMap<number, number>;
    codePrefix: string | null;
  }): { docIds: Int32Array; rank: Float64Array } {
    const { text, holds, typos, codePrefix } = req;
    const hit = new Uint8Array(this.size);
    if (text) hit.set(text.mask.subarray(0, this.size));
    for (const doc of holds) if (doc < this.size) hit[doc] = 1;
    for (const doc of typos.keys()) if (doc < this.size) hit[doc] = 1;
    if (codePrefix !== null) {
      for (let doc = 0; doc < this.size; doc++) if (this.codes[doc]?.startsWith(codePrefix)) hit[doc] = 1;
    }
    const allowed = this.scopeMask(req.scope);
    const ids: number[] = [];
    const ranks: number[] = [];
    for (let doc = 0; doc < this.size; doc++) {
      if (!hit[doc] || !allowed[doc]) continue;
      let rank = holds.has(doc) ? 1.5 : 0;
      if (text?.mask[doc]) for (const leaf of text.leaves) rank += WEIGHT_RANK[leaf[doc]!]!;
      rank += typos.get(doc) ?? 0;
      ids.push(doc);
      ranks.push(rank);
    }
    return { docIds: Int32Array.from(ids), rank: Float64Array.from(ranks) };
  }

  /** Sort keys, read without building an object (the page is chosen among many rows). */
  entryIdOf(doc: number): string {
    return this.entryIds[doc]!;
  }
  updatedUsOf(doc: number): number {
    return this.updatedUs[doc]!;
  }
  nameOf(doc: number): string {
    return this.names[doc]!;
  }

  /** The entry, version and sort keys of a doc id. */
  key(doc: number): SlotKey {
    return {
      entryId: this.entryIds[doc]!,
      version: this.versions[doc]!,
      name: this.names[doc]!,
      updatedUs: this.updatedUs[doc]!,
    };
  }

  /**
   * The total and every facet's counts, with the usual multi-select semantics: a facet's counts
   * are taken over the rows passing every OTHER active filter; the total over rows passing all.
   */
  count(req: FacetRequest): FacetCounts {
    const d = this.dicts;
    // Each active filter as a lookup table by dictionary id; a value never seen matches nothing.
    const active: { facet: FacetName; column: Int32Array | null; wanted: Uint8Array }[] = [];
    for (const facet of [...SCALAR_FACETS, ...ARRAY_FACETS]) {
      const values = req.filters[facet];
      if (!values?.length) continue;
      const wanted = new Uint8Array(d[facet].values.length);
      for (const v of values) {
        const id = d[facet].find(v);
        if (id !== undefined) wanted[id] = 1;
      }
      const pos = (SCALAR_FACETS as readonly string[]).indexOf(facet);
      active.push({ facet, column: pos >= 0 ? this.scalar[pos]! : null, wanted });
    }
    const scalarCounts = SCALAR_FACETS.map((f) => new Int32Array(d[f].values.length));
    const formatCounts = new Int32Array(d.format.values.length);
    const tagCounts = new Int32Array(d.tag.values.length);
    const columns = this.scalar;
    const passing: number[] = [];
    let total = 0;

    const [c0, c1, c2, c3, c4, c5] = columns as [
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    const [k0, k1, k2, k3, k4, k5] = scalarCounts as [
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
      Int32Array,
    ];
    const { formats, tags } = this;
    const countAll = (doc: number) => {
      k0[c0[doc]!]!++;
      k1[c1[doc]!]!++;
      k2[c2[doc]!]!++;
      k3[c3[doc]!]!++;
      k4[c4[doc]!]!++;
      k5[c5[doc]!]!++;
      const f = formats[doc]!;
      for (let k = 0; k < f.length; k++) formatCounts[f[k]!]!++;
      const t = tags[doc]!;
      for (let k = 0; k < t.length; k++) tagCounts[t[k]!]!++;
    };
    const visit = (doc: number, position: number) => {
      // Which active filter the row fails; rows failing two count nowhere.
      let failed = -1;
      for (let i = 0; i < active.length; i++) {
        const a = active[i]!;
        let ok = false;
        if (a.column) ok = a.wanted[a.column[doc]!] === 1;
        else {
          const list = (a.facet === 'format' ? formats[doc] : tags[doc])!;
          for (let k = 0; k < list.length && !ok; k++) ok = a.wanted[list[k]!] === 1;
        }
        if (ok) continue;
        if (failed >= 0) return;
        failed = i;
      }
      if (failed < 0) {
        total++;
        if (position >= 0) passing.push(position);
        countAll(doc);
        return;
      }
      const only = active[failed]!;
      if (only.column) {
        const f = columns.indexOf(only.column);
        scalarCounts[f]![only.column[doc]!]!++;
      } else {
        const list = (only.facet === 'format' ? formats[doc] : tags[doc])!;
        const into = only.facet === 'format' ? formatCounts : tagCounts;
        for (let k = 0; k < list.length; k++) into[list[k]!]!++;
      }
    };

    const m = req.matches;
    const allowed = m ? null : this.scopeMask(req.scope);
    if (!active.length) {
      // No filter: every row passes; the common case of browsing, kept tight.
      if (m) {
        for (let k = 0; k < m.length; k++) countAll(m[k]!);
        total = m.length;
        for (let k = 0; k < m.length; k++) passing.push(k);
      } else {
        for (let doc = 0; doc < this.size; doc++) {
          if (!allowed![doc]) continue;
          total++;
          countAll(doc);
        }
      }
    } else if (m) {
      for (let k = 0; k < m.length; k++) visit(m[k]!, k);
    } else {
      for (let doc = 0; doc < this.size; doc++) if (allowed![doc]) visit(doc, -1);
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
    return { total, counts, passing };
  }
}

const indexes = new WeakMap<Pool, FacetIndex>();

/** The search index of a pool's database, synchronised with it. */
export async function facetIndexOf(pool: Pool): Promise<FacetIndex> {
  let index = indexes.get(pool);
  if (!index) {
    index = new FacetIndex(pool);
    indexes.set(pool, index);
  }
  await index.sync();
  return index;
}
