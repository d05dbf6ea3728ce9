import { describe, expect, it } from 'vitest';
import { dimensionScores, overallScore, ruleScore } from '../../src/modules/quality/scores.js';

/** Scores from known counts and weights (docs/QUALITY.md "Scores"). */
describe('scores', () => {
  const results = [
    { dimension: 'completeness' as const, checked: 1000, failing: 30 }, // 97
    { dimension: 'completeness' as const, checked: 1000, failing: 10 }, // 99
    { dimension: 'validity' as const, checked: 1000, failing: 250 }, // 75
    { dimension: 'validity' as const, checked: 0, failing: 0 }, // checked nothing: does not count
    { dimension: 'validity' as const, checked: 1000, failing: 0, error: { en: 'x' } }, // errored: does not count
    { dimension: 'accuracy' as const, checked: 200, failing: 50 }, // 75, over 200 rows
    { dimension: 'accuracy' as const, checked: 800, failing: 0 }, // 100, over 800 rows
    { dimension: 'timeliness' as const, checked: 1, failing: 1, score: 66.67 },
  ];

  it('weights rules by the rows they checked within a dimension', () => {
    expect(ruleScore(results[0]!)).toBe(97);
    expect(ruleScore(results[3]!)).toBeNull();
    expect(ruleScore(results[7]!)).toBe(66.67);
    expect(dimensionScores(results)).toEqual({
      completeness: 98,
      validity: 75,
      uniqueness: null,
      consistency: null,
      timeliness: 66.67,
      accuracy: 95, // (75 × 200 + 100 × 800) / 1000
    });
  });

  it('weights the dimensions that have a score by the dataset’s weights', () => {
    const scores = dimensionScores(results);
    // (98 + 75 + 66.67 + 95) / 4
    expect(overallScore(scores, {})).toBe(83.67);
    // (98×2 + 75×1 + 66.67×0 + 95×1) / 4 = 91.5
    expect(
      overallScore(scores, { completeness: 2, validity: 1, timeliness: 0, accuracy: 1, uniqueness: 5 }),
    ).toBe(91.5);
    expect(overallScore(dimensionScores([]), {})).toBeNull();
  });
});
