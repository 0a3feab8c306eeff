import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { averageRanks, kendallTau, spearman } from './rank-correlation.js';

describe('averageRanks', () => {
  it('ranks from 1 for the smallest, ties sharing the mean of their ranks', () => {
    expect(averageRanks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
    expect(averageRanks([5, 5, 5])).toEqual([2, 2, 2]);
    expect(averageRanks([3, 1, 2])).toEqual([3, 1, 2]);
    expect(averageRanks([])).toEqual([]);
  });
});

describe('spearman', () => {
  it('is 1 for the same order, −1 reversed, and matches hand-computed and scipy values', () => {
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBe(1);
    expect(spearman([1, 2, 3, 4], [8, 6, 4, 2])).toBe(-1);
    // No ties: 1 − 6Σd²/(n(n²−1)); rank differences d = (0, −2, 1, 1) → 1 − 36/60 = 0.4.
    expect(spearman([1, 2, 3, 4], [1, 4, 2, 3])).toBeCloseTo(0.4, 12);
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
  });

  it('gives ties their average rank', () => {
    // a's ranks (1.5, 1.5, 3, 4), b's (1, 2, 3, 4): Σ(dev a · dev b) = 4.5, Σdev a² = 4.5, Σdev b² = 5.
    expect(spearman([7, 7, 8, 9], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    // Ties in both: ranks (1.5, 1.5, 3.5, 3.5) and (1, 2.5, 2.5, 4): 3 / √(4 · 4.5) = 1/√2.
    expect(spearman([1, 1, 2, 2], [1, 2, 2, 3])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('refuses lists of unequal length, of fewer than 2 items, or with non-finite values', () => {
    expect(() => spearman([1, 2], [1])).toThrow(ConfigurationError);
    expect(() => spearman([1], [1])).toThrow(/at least 2/);
    expect(() => spearman([1, 2], [1, NaN])).toThrow(/finite/);
  });
});

describe('kendallTau', () => {
  it('is 1 for the same order, −1 reversed, and matches hand-counted and scipy values', () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    // [1..5] vs [3, 4, 1, 2, 5]: 6 concordant, 4 discordant pairs of 10.
    expect(kendallTau([1, 2, 3, 4, 5], [3, 4, 1, 2, 5])).toBeCloseTo(0.2, 12);
  });

  it('handles ties as tau-b (scipy.stats.kendalltau)', () => {
    expect(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 12);
    // One tie in a: n0 = 6, n1 = 1; 5 concordant pairs: 5 / √(5 · 6).
    expect(kendallTau([1, 1, 2, 3], [1, 2, 3, 4])).toBeCloseTo(5 / Math.sqrt(30), 12);
    // Ties in both: n1 = 2, n2 = 1, 3 concordant, 0 discordant: 3 / √(4 · 5).
    expect(kendallTau([1, 1, 2, 2], [1, 2, 2, 3])).toBeCloseTo(3 / Math.sqrt(20), 12);
    // A pair tied in both lists counts in n1 and n2: 2 concordant of 3 pairs, 2 / √(2 · 2).
    expect(kendallTau([1, 1, 2], [5, 5, 6])).toBe(1);
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('refuses lists of unequal length, of fewer than 2 items, or with non-finite values', () => {
    expect(() => kendallTau([1, 2], [1])).toThrow(ConfigurationError);
    expect(() => kendallTau([1], [1])).toThrow(/at least 2/);
    expect(() => kendallTau([1, Infinity], [1, 2])).toThrow(/finite/);
  });
});
