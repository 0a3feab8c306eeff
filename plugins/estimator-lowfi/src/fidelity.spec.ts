import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@autonas/core';
import { FunctionEstimator, GridSpace } from '@autonas/testing';
import { fidelityCorrelation, spearman } from './fidelity.js';

describe('spearman', () => {
  it('is 1 for the same order, −1 reversed, and matches scipy.stats.spearmanr', () => {
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBe(1);
    expect(spearman([1, 2, 3, 4], [8, 6, 4, 2])).toBe(-1);
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 12);
    // No ties: 1 − 6Σd²/(n(n²−1)); ranks d = (0, 2, −1, −1) → 1 − 36/60 = 0.4.
    expect(spearman([1, 2, 3, 4], [1, 4, 2, 3])).toBeCloseTo(0.4, 12);
  });

  it('gives ties their average rank', () => {
    // a's ranks (1.5, 1.5, 3, 4), b's (1, 2, 3, 4): Pearson of the ranks.
    expect(spearman([7, 7, 8, 9], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => spearman([1], [1])).toThrow(ConfigurationError);
    expect(() => spearman([1, 2], [1, NaN])).toThrow(/finite/);
  });
});

describe('fidelityCorrelation', () => {
  it('scores a sample at both fidelities and reports Spearman ρ between them', async () => {
    const space = new GridSpace({ w: [1, 2, 3, 4, 5] });
    const sample = [1, 2, 3, 4, 5].map((w) => space.build({ 'grid/w': w }));
    const low = new FunctionEstimator((d) => [5, 6, 7, 8, 7][Number(d['grid/w']) - 1]!);
    const high = new FunctionEstimator((d) => Number(d['grid/w']));
    const r = await fidelityCorrelation(sample, low, high);
    expect(r.low).toEqual([5, 6, 7, 8, 7]);
    expect(r.high).toEqual([1, 2, 3, 4, 5]);
    expect(r.rho).toBeCloseTo(0.8207826816681233, 12);
    expect(low.calls).toHaveLength(5);
    expect(r.lowSeconds).toBeGreaterThanOrEqual(0);
  });
});
