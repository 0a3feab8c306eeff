import { ConfigurationError, DataError } from '@autonas/core';
import { describe, expect, it } from 'vitest';
import { classCounts, createDataset, kFold } from './dataset.js';

/** 53 samples, feature = index, imbalanced classes 0 (30), 1 (15), 2 (8). */
const ds = createDataset(
  Array.from({ length: 53 }, (_, i) => [i]),
  Array.from({ length: 53 }, (_, i) => (i < 30 ? 0 : i < 45 ? 1 : 2)),
);
const ids = (x: Float32Array) => Array.from(x);

describe('kFold', () => {
  it.each([true, false])('validation folds are disjoint, cover the data once, and train on the rest (stratify %s)', (stratify) => {
    for (const k of [2, 5, 53]) {
      const folds = kFold(ds, k, { seed: 3, stratify });
      expect(folds).toHaveLength(k);
      const seen = folds.flatMap((f) => ids(f.validation.x));
      expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 53 }, (_, i) => i));
      for (const f of folds) {
        const val = new Set(ids(f.validation.x));
        expect(ids(f.train.x).some((i) => val.has(i))).toBe(false);
        expect(f.train.size + f.validation.size).toBe(53);
        expect(Math.abs(f.validation.size - 53 / k)).toBeLessThan(1);
      }
    }
  });

  it('stratified folds hold each class in proportion', () => {
    for (const f of kFold(ds, 5, { seed: 1 })) {
      const counts = Array.from(classCounts(f.validation));
      expect(counts[0]).toBe(6);
      expect(counts[1]).toBe(3);
      expect([1, 2]).toContain(counts[2]);
    }
  });

  it('is seeded, and refuses impossible k with typed errors', () => {
    expect(ids(kFold(ds, 4, { seed: 9 })[2]!.validation.x)).toEqual(ids(kFold(ds, 4, { seed: 9 })[2]!.validation.x));
    expect(ids(kFold(ds, 4, { seed: 9 })[2]!.validation.x)).not.toEqual(ids(kFold(ds, 4, { seed: 8 })[2]!.validation.x));
    expect(() => kFold(ds, 1)).toThrow(ConfigurationError);
    expect(() => kFold(ds, 2.5)).toThrow(ConfigurationError);
    expect(() => kFold(ds, 54)).toThrow(DataError);
  });
});
