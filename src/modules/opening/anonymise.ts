import type { Hierarchy } from './hierarchies.js';

/**
 * k-anonymity by minimal full-domain generalisation with bounded record suppression
 * (docs/OPENING.md "k-anonymity").
 *
 * Input: the distinct combinations of the quasi-identifiers' values (QIs) with their row counts —
 * the publishing pipeline gets them from one `GROUP BY` of the source — and per QI a hierarchy.
 * A node of the generalisation lattice is one level per QI; at a node, the rows whose
 * equivalence class (the rows sharing every generalised QI value) is smaller than k are
 * suppressed, and the node is k-anonymous when at most ⌊maxSuppression · N⌋ rows are.
 *
 * Search, after Incognito / Flash: every QI's values are dictionary-encoded once, per level, into
 * typed arrays, so a node's classes are a mixed-radix key per combination counted in a dense
 * Int32Array (hashed into dense ids when the key space is large). Nodes are visited bottom-up,
 * by height (the sum of the levels); k-anonymity with bounded suppression is monotone (going up
 * only merges classes, so the rows in small classes never increase), so every successor of a
 * k-anonymous node is tagged k-anonymous without being counted (predictive tagging), and a
 * counted k-anonymous node is a minimal one. Among all k-anonymous nodes the one with the least
 * information loss wins (ties: the lower node, then fewer suppressed rows): the loss's lower bound
 * (its value without suppression, which is monotone) is known per node without a pass, so nodes
 * are scored in the order of their bound and the scoring stops when the bound reaches the best.
 *
 * Information loss of a QI at a level (normalised certainty penalty, Xu et al. 2006, on the
 * observed domain): a generalised value covering u of the QI's D distinct source values costs
 * (u − 1)/(D − 1) per row (0 for NULL and for the value itself); a suppressed row costs 1. The
 * node's loss is the mean over QIs and rows: 0 = the data as is, 1 = nothing left.
 */

export interface QuasiIdentifier {
  code: string;
  hierarchy: Hierarchy;
  /** The lowest level the search may choose (a field that may not be kept in clear: ≥ 1). */
  minLevel: number;
  /** This QI's value in each combination (after the field's own transform); null is NULL. */
  values: readonly (string | null)[];
}

export interface SearchInput {
  qis: readonly QuasiIdentifier[];
  /** The number of rows of each combination. */
  counts: ArrayLike<number>;
  k: number;
  maxSuppression: number;
}

export interface SizeBucket {
  /** Class sizes from … to (inclusive; null: no upper bound). */
  from: number;
  to: number | null;
  classes: number;
  rows: number;
}

export interface ClassStats {
  classes: number;
  rows: number;
  minSize: number;
  maxSize: number;
  averageSize: number;
  histogram: SizeBucket[];
}

/** Prosecutor re-identification risk: a row's risk is 1 / the size of its class. */
export interface Risk {
  highest: number;
  average: number;
  /** Share of rows whose risk exceeds 1/k (in a class smaller than k). */
  atRisk: number;
  /** Share of rows unique on the QIs. */
  unique: number;
}

export interface SearchResult {
  /** Whether some node is k-anonymous within the bound; when not, `levels` is the top node. */
  found: boolean;
  levels: number[];
  rows: number;
  suppressedRows: number;
  /** Per combination: 1 when its rows are suppressed at the chosen node. */
  suppressed: Uint8Array;
  /** Mean loss over QIs (0–1) and per QI. */
  loss: number;
  qiLoss: number[];
  /** The published classes (after suppression), and the risk before any generalisation and after. */
  classes: ClassStats;
  riskBefore: Risk;
  riskAfter: Risk;
  lattice: { nodes: number; evaluated: number; tagged: number; anonymous: number; minimal: number };
  searchMs: number;
}

export const MAX_LATTICE_NODES = 200_000;
const DENSE_LIMIT = 1 << 22;

interface Encoded {
  /** Per combination, the index of its value among the QI's distinct values. */
  code0: Int32Array;
  /** Per level, distinct value index → the code of its generalised value at that level. */
  maps: Int32Array[];
  /** Per level, the number of codes. */
  card: number[];
  /** Per level, per code, the loss (0–1). */
  ncp: Float64Array[];
  /** Per level, Σ over rows of the loss. */
  sum: Float64Array;
}

function encode(qi: QuasiIdentifier, counts: ArrayLike<number>): Encoded {
  const R = qi.values.length;
  const index = new Map<string | null, number>();
  const distinct: (string | null)[] = [];
  const code0 = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    const v = qi.values[r]!;
    let c = index.get(v);
    if (c === undefined) {
      c = distinct.length;
      index.set(v, c);
      distinct.push(v);
    }
    code0[r] = c;
  }
  const D = distinct.filter((v) => v !== null).length;
  const H = qi.hierarchy.height;
  const maps: Int32Array[] = [];
  const card: number[] = [];
  const ncp: Float64Array[] = [];
  const sum = new Float64Array(H + 1);
  for (let l = 0; l <= H; l++) {
    const codes = new Map<string | null, number>();
    const leaves: number[] = [];
    const nulls: boolean[] = [];
    const map = new Int32Array(distinct.length);
    distinct.forEach((v, i) => {
      const g = v === null ? null : qi.hierarchy.at(v, l);
      let c = codes.get(g);
      if (c === undefined) {
        c = leaves.length;
        codes.set(g, c);
        leaves.push(0);
        nulls.push(g === null);
      }
      leaves[c]!++;
      map[i] = c;
    });
    const pen = new Float64Array(leaves.length);
    leaves.forEach((u, c) => {
      pen[c] = nulls[c] || D <= 1 ? 0 : (u - 1) / (D - 1);
    });
    let s = 0;
    for (let r = 0; r < R; r++) s += counts[r]! * pen[map[code0[r]!]!]!;
    maps.push(map);
    card.push(leaves.length);
    ncp.push(pen);
    sum[l] = s;
  }
  return { code0, maps, card, ncp, sum };
}

const BUCKETS: [number, number | null][] = [
  [1, 1],
  [2, 2],
  [3, 3],
  [4, 4],
  [5, 9],
  [10, 19],
  [20, 49],
  [50, 99],
  [100, 999],
  [1000, null],
];

export function searchKAnonymity(input: SearchInput): SearchResult {
  const t0 = performance.now();
  const { qis, counts, k } = input;
  const R = counts.length;
  let N = 0;
  for (let r = 0; r < R; r++) N += counts[r]!;
  const bound = Math.floor(input.maxSuppression * N + 1e-9);
  const m = qis.length;
  const enc = qis.map((qi) => encode(qi, counts));
  const mins = qis.map((qi) => Math.min(qi.minLevel, qi.hierarchy.height));
  const spans = qis.map((qi, i) => qi.hierarchy.height - mins[i]! + 1);
  const strides: number[] = [];
  let size = 1;
  for (const s of spans) {
    strides.push(size);
    size *= s;
  }
  if (size > MAX_LATTICE_NODES) throw new RangeError(`the lattice has ${size} nodes`);

  const ids = new Int32Array(R);
  const tally = new Int32Array(Math.min(DENSE_LIMIT, Math.max(R, 1)) + 1);
  let classCounts = tally;
  /** Classifies the combinations at `levels` into ids[], counts in classCounts; returns #ids. */
  const classify = (levels: readonly number[]): number => {
    let n = 1;
    ids.fill(0);
    for (let i = 0; i < m; i++) {
      const e = enc[i]!;
      const map = e.maps[levels[i]!]!;
      const code0 = e.code0;
      const c = e.card[levels[i]!]!;
      if (n * c <= tally.length) {
        for (let r = 0; r < R; r++) ids[r] = ids[r]! * c + map[code0[r]!]!;
        n *= c;
      } else {
        const dense = new Map<number, number>();
        for (let r = 0; r < R; r++) {
          const key = ids[r]! * c + map[code0[r]!]!;
          let id = dense.get(key);
          if (id === undefined) {
            id = dense.size;
            dense.set(key, id);
          }
          ids[r] = id;
        }
        n = dense.size;
      }
    }
    classCounts = n <= tally.length ? tally : new Int32Array(n);
    classCounts.fill(0, 0, n);
    for (let r = 0; r < R; r++) classCounts[ids[r]!]! += counts[r]!;
    return n;
  };
  const suppressedRowsOf = (): number => {
    let s = 0;
    for (let r = 0; r < R; r++) if (classCounts[ids[r]!]! < k) s += counts[r]!;
    return s;
  };

  // Nodes by height, bottom-up.
  const levelsOf = (node: number): number[] =>
    spans.map((s, i) => mins[i]! + (Math.floor(node / strides[i]!) % s));
  const byHeight: number[][] = [];
  for (let node = 0; node < size; node++) {
    const h = levelsOf(node).reduce((a, l, i) => a + l - mins[i]!, 0);
    (byHeight[h] ??= []).push(node);
  }
  const UNKNOWN = 0;
  const NOT_ANON = 1;
  const MINIMAL = 2;
  const TAGGED = 3;
  const state = new Uint8Array(size);
  let evaluated = 0;
  let tagged = 0;
  const tagSuccessors = (node: number) => {
    const ls = levelsOf(node);
    for (let i = 0; i < m; i++) {
      if (ls[i]! < qis[i]!.hierarchy.height) {
        const succ = node + strides[i]!;
        if (state[succ] === UNKNOWN) {
          state[succ] = TAGGED;
          tagged++;
        }
      }
    }
  };
  for (const nodes of byHeight) {
    for (const node of nodes ?? []) {
      if (state[node] === UNKNOWN) {
        classify(levelsOf(node));
        evaluated++;
        state[node] = suppressedRowsOf() <= bound ? MINIMAL : NOT_ANON;
      }
      if (state[node] !== NOT_ANON) tagSuccessors(node);
    }
  }

  // The least loss among the k-anonymous nodes, scored in the order of their lower bound.
  const lowerBound = (ls: readonly number[]) =>
    m === 0 || N === 0 ? 0 : ls.reduce((a, l, i) => a + enc[i]!.sum[l]!, 0) / (N * m);
  const anonymous: { node: number; ls: number[]; lb: number; h: number }[] = [];
  for (let node = 0; node < size; node++) {
    if (state[node] === MINIMAL || state[node] === TAGGED) {
      const ls = levelsOf(node);
      anonymous.push({ node, ls, lb: lowerBound(ls), h: ls.reduce((a, b) => a + b, 0) });
    }
  }
  anonymous.sort((a, b) => a.lb - b.lb || a.h - b.h || a.node - b.node);
  let best: { ls: number[]; loss: number; qiLoss: number[]; supp: number; h: number } | null = null;
  for (const cand of anonymous) {
    if (best && cand.lb > best.loss + 1e-12) break;
    classify(cand.ls);
    if (state[cand.node] === TAGGED) evaluated++;
    const { qiLoss, supp } = exactLoss(cand.ls);
    const loss = m === 0 ? 0 : qiLoss.reduce((a, b) => a + b, 0) / m;
    const better =
      !best ||
      loss < best.loss - 1e-12 ||
      (Math.abs(loss - best.loss) <= 1e-12 && (cand.h < best.h || (cand.h === best.h && supp < best.supp)));
    if (better) best = { ls: cand.ls, loss, qiLoss, supp, h: cand.h };
  }
  function exactLoss(ls: readonly number[]): { qiLoss: number[]; supp: number } {
    const removed = new Float64Array(m);
    let supp = 0;
    for (let r = 0; r < R; r++) {
      if (classCounts[ids[r]!]! >= k) continue;
      const w = counts[r]!;
      supp += w;
      for (let i = 0; i < m; i++) {
        const e = enc[i]!;
        removed[i]! += w * e.ncp[ls[i]!]![e.maps[ls[i]!]![e.code0[r]!]!]!;
      }
    }
    const qiLoss = ls.map((l, i) => (N === 0 ? 0 : (enc[i]!.sum[l]! - removed[i]! + supp) / N));
    return { qiLoss, supp };
  }

  const found = best !== null;
  const chosen = best ? best.ls : qis.map((qi) => qi.hierarchy.height);
  classify(chosen);
  const suppressed = new Uint8Array(R);
  let suppressedRows = 0;
  for (let r = 0; r < R; r++) {
    if (classCounts[ids[r]!]! < k) {
      suppressed[r] = 1;
      suppressedRows += counts[r]!;
    }
  }
  const after = classStats(classCounts.subarray(0, countIds()), k, true);
  const { qiLoss } = best ?? exactLoss(chosen);
  const loss = m === 0 ? 0 : qiLoss.reduce((a, b) => a + b, 0) / m;
  classify(qis.map(() => 0));
  const before = classStats(classCounts.subarray(0, countIds()), k, false);
  function countIds(): number {
    let n = 0;
    for (let r = 0; r < R; r++) if (ids[r]! + 1 > n) n = ids[r]! + 1;
    return n;
  }
  return {
    found,
    levels: chosen,
    rows: N,
    suppressedRows,
    suppressed,
    loss,
    qiLoss,
    classes: after.stats,
    riskBefore: before.risk,
    riskAfter: after.risk,
    lattice: {
      nodes: size,
      evaluated,
      tagged,
      anonymous: anonymous.length,
      minimal: anonymous.filter((a) => state[a.node] === MINIMAL).length,
    },
    searchMs: performance.now() - t0,
  };
}

/** Class sizes and risk from per-class row counts (empty ids skipped); `dropSmall`: suppress < k. */
export function classStats(
  sizes: Int32Array,
  k: number,
  dropSmall: boolean,
): { stats: ClassStats; risk: Risk } {
  const histogram: SizeBucket[] = BUCKETS.map(([from, to]) => ({ from, to, classes: 0, rows: 0 }));
  let classes = 0;
  let rows = 0;
  let minSize = 0;
  let maxSize = 0;
  let atRisk = 0;
  let unique = 0;
  for (const s of sizes) {
    if (s === 0 || (dropSmall && s < k)) continue;
    classes++;
    rows += s;
    minSize = minSize === 0 ? s : Math.min(minSize, s);
    maxSize = Math.max(maxSize, s);
    if (s < k) atRisk += s;
    if (s === 1) unique++;
    const b = histogram.find((h) => s >= h.from && (h.to === null || s <= h.to))!;
    b.classes++;
    b.rows += s;
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    stats: {
      classes,
      rows,
      minSize,
      maxSize,
      averageSize: classes ? round(rows / classes) : 0,
      histogram: histogram.filter((h) => h.classes > 0),
    },
    risk: {
      highest: minSize ? round(1 / minSize) : 0,
      average: rows ? round(classes / rows) : 0,
      atRisk: rows ? round(atRisk / rows) : 0,
      unique: rows ? round(unique / rows) : 0,
    },
  };
}
