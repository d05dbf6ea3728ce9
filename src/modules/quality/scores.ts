import { DIMENSIONS, type Dimension } from './engine.js';

/**
 * Scores (docs/QUALITY.md "Scores"), 0–100 with two decimals.
 *
 * - A rule's score: 100 × (1 − failing / checked); timeliness brings its own graded score.
 * - A dimension's score: the mean of its rules' scores weighted by the rows each checked — for
 *   row rules that is 100 × (1 − Σ failing / Σ checked), so a rule over more rows counts more
 *   and a rule that checked nothing (an accuracy rule whose authority shares no key, an
 *   irregular cycle, a rule that could not be evaluated) does not count. No such rule: null.
 * - The overall score: the mean of the dimension scores weighted by the dataset's
 *   `quality_weights`; dimensions without a score (or with weight 0) do not count. None: null.
 */

export type Weights = Record<Dimension, number>;
export type Scores = Record<Dimension, number | null>;

export const DEFAULT_WEIGHTS: Weights = {
  completeness: 1,
  validity: 1,
  uniqueness: 1,
  consistency: 1,
  timeliness: 1,
  accuracy: 1,
};

export interface ScoredResult {
  dimension: Dimension;
  checked: number;
  failing: number;
  /** A graded score (timeliness); otherwise derived from the counts. */
  score?: number | null;
  /** A rule that could not be evaluated does not count. */
  error?: unknown;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** A rule's 0–100 score, or null when it checked nothing. */
export function ruleScore(r: ScoredResult): number | null {
  if (r.error || r.checked <= 0) return null;
  if (r.score !== undefined && r.score !== null) return r.score;
  return 100 * (1 - Math.min(r.failing, r.checked) / r.checked);
}

export function dimensionScores(results: readonly ScoredResult[]): Scores {
  const out = Object.fromEntries(DIMENSIONS.map((d) => [d, null])) as Scores;
  for (const d of DIMENSIONS) {
    let weight = 0;
    let sum = 0;
    for (const r of results) {
      if (r.dimension !== d) continue;
      const s = ruleScore(r);
      if (s === null) continue;
      weight += r.checked;
      sum += s * r.checked;
    }
    if (weight > 0) out[d] = round2(sum / weight);
  }
  return out;
}

export function overallScore(scores: Scores, weights: Partial<Weights>): number | null {
  let weight = 0;
  let sum = 0;
  for (const d of DIMENSIONS) {
    const s = scores[d];
    const w = weights[d] ?? DEFAULT_WEIGHTS[d];
    if (s === null || !(w > 0)) continue;
    weight += w;
    sum += s * w;
  }
  return weight > 0 ? round2(sum / weight) : null;
}
