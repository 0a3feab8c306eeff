import { describe, expect, it } from 'vitest';
import { spearman } from '@autonas/core';
import { FunctionEstimator, GridSpace } from '@autonas/testing';
import { fidelityCorrelation } from './fidelity.js';
import * as reexported from './index.js';

describe('spearman', () => {
  it('is the core one, re-exported (its tests are in @autonas/core)', () => {
    expect(reexported.spearman).toBe(spearman);
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
