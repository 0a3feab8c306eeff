import { ConfigurationError, DataError } from '@autonas/core';
import { describe, expect, it } from 'vitest';
import { classCounts, createDataset, kFold } from './index.js';

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

describe('downsample', () => {
  it('averages factor×factor blocks per channel and refuses what is not an image', async () => {
    const { downsample } = await import('./transforms.js');
    // Two 4×4×2 images; channel 0 counts up, channel 1 is constant 5.
    const x = new Float32Array(2 * 4 * 4 * 2).map((_, i) => (i % 2 === 0 ? Math.floor(i / 2) % 16 : 5));
    const ds = createDataset(x, [0, 1], { sampleShape: [4, 4, 2] });
    const small = downsample(ds, 2);
    expect(small.sampleShape).toEqual([2, 2, 2]);
    // Top-left block of channel 0: pixels 0, 1, 4, 5.
    expect(Array.from(small.x.subarray(0, 8))).toEqual([2.5, 5, 4.5, 5, 10.5, 5, 12.5, 5]);
    expect(Array.from(small.y)).toEqual([0, 1]);
    expect(downsample(ds, 3).sampleShape).toEqual([1, 1, 2]);
    expect(() => downsample(ds, 0)).toThrow(ConfigurationError);
    expect(() => downsample(createDataset([[1, 2]], [0], { numClasses: 2 }), 2)).toThrow(DataError);
  });
});
