import { describe, expect, it } from 'vitest';
import { DataError } from '@autonas/core';
import { TablePreprocessor } from './table.js';
import { createRegressionDataset, targetUnits } from './regression.js';
import { concat, createDataset, splitDataset, splitIndices, subset, take, withFeatures } from './index.js';

describe('TablePreprocessor', () => {
  const rows = [
    { hp: 100, origin: 'USA', note: null },
    { hp: 200, origin: 'Japan', note: 'x' },
    { hp: '300', origin: 'USA', note: '' },
  ];

  it('standardises numeric columns and one-hot encodes categorical ones, learned from the rows it is fitted on', () => {
    const pre = TablePreprocessor.fit(rows);
    expect(pre.columns.map((c) => c.kind)).toEqual(['numeric', 'categorical', 'categorical']);
    expect(pre.width).toBe(1 + 2 + 1);
    const std = Math.sqrt(((100 - 200) ** 2 + 0 + 100 ** 2) / 3);
    const out = pre.transform([{ hp: 250, origin: 'USA', note: 'x' }, { hp: undefined, origin: 'France', note: undefined }]);
    expect(Array.from(out.subarray(0, 4))).toEqual([Math.fround(50 / std), 0, 1, 1]);
    // Missing numeric: the training mean (0); unseen or missing category: all zeros.
    expect(Array.from(out.subarray(4))).toEqual([0, 0, 0, 0]);
  });

  it('round-trips through JSON and refuses what it cannot encode with typed errors', () => {
    const pre = TablePreprocessor.fit(rows, { columns: ['hp', 'origin'] });
    const again = TablePreprocessor.fromJSON(JSON.parse(JSON.stringify(pre.toJSON())));
    expect(Array.from(again.transform(rows))).toEqual(Array.from(pre.transform(rows)));
    expect(() => TablePreprocessor.fit([])).toThrow(DataError);
    expect(() => TablePreprocessor.fit([{ a: null }, { a: undefined }])).toThrow(/no value/);
    expect(() => TablePreprocessor.fit(rows, { kinds: { origin: 'numeric' } })).toThrow(/numeric but holds "USA"/);
    expect(() => pre.transform([{ hp: 'fast', origin: 'USA' }])).toThrow(/row 0: column "hp"/);
    expect(() => TablePreprocessor.fromJSON({ version: 2 } as never)).toThrow(/saved table encoding/);
    expect(() => TablePreprocessor.fromJSON({ version: 1, columns: [{ name: 'a', kind: 'numeric', mean: 0, std: 0 }] })).toThrow(/malformed/);
  });
});

describe('regression datasets', () => {
  it('carry their targets through subsets, splits, concatenation and new features', () => {
    const ds = createRegressionDataset([[0], [1], [2], [3], [4]], [10, 11, 12, 13, 14]);
    expect(ds.numClasses).toBe(1);
    expect(targetUnits(ds)).toBe(1);
    expect(Array.from(subset(ds, [4, 0]).targets!)).toEqual([14, 10]);
    expect(Array.from(take(ds, 2).targets!)).toEqual([10, 11]);
    const { train, validation } = splitDataset(ds, { fraction: 0.4, seed: 1 });
    expect([...train.targets!, ...validation.targets!].sort()).toEqual([10, 11, 12, 13, 14]);
    for (let i = 0; i < train.size; i++) expect(train.targets![i]).toBe(train.x[i]! + 10);
    expect(concat(train, validation).targets!.length).toBe(5);
    expect(Array.from(withFeatures(ds, new Float32Array(10), [2]).targets!)).toEqual([10, 11, 12, 13, 14]);
    const two = createRegressionDataset([[0], [1]], [[1, 2], [3, 4]]);
    expect(targetUnits(two)).toBe(2);
    expect(() => concat(ds, createDataset([[0], [1]], [0, 1]))).toThrow(/regression targets/);
  });

  it('refuses bad targets with typed errors naming them', () => {
    expect(() => createRegressionDataset([[0], [1]], [1])).toThrow(/2 samples but 1 targets/);
    expect(() => createRegressionDataset([[0], [1]], [1, NaN])).toThrow(expect.objectContaining({ code: expect.stringMatching(/NOT_FINITE/) }));
  });

  it('splitIndices gives the indices splitDataset uses', () => {
    const ds = createDataset([[0], [1], [2], [3], [4], [5]], [0, 1, 0, 1, 0, 1]);
    const { trainIndices, validationIndices } = splitIndices(ds, { fraction: 1 / 3, seed: 4 });
    const { train, validation } = splitDataset(ds, { fraction: 1 / 3, seed: 4 });
    expect(Array.from(trainIndices, (i) => ds.x[i])).toEqual(Array.from(train.x));
    expect(Array.from(validationIndices, (i) => ds.x[i])).toEqual(Array.from(validation.x));
  });
});
