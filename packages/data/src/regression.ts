import { DataError } from '@autonas/core';
import { makeDataset, toFeatures, type Dataset, type FeatureInput } from './dataset.js';

/**
 * Regression targets: one number per sample (`number[]`, a typed array, a 1-D tensor-like) or
 * rows of `units` numbers (`number[][]`, a `[N, units]` tensor-like).
 *
 * @example
 * ```ts
 * import type { TargetInput } from '@autonas/data';
 * const angles: TargetInput = [12.5, -30, 4];
 * ```
 */
export type TargetInput = FeatureInput;

/** Options of {@link createRegressionDataset}. */
export interface RegressionDatasetOptions {
  /** Sample shape when `x` is a flat array, e.g. `[28, 28, 1]`. */
  readonly sampleShape?: readonly number[];
  /** Named in error messages. */
  readonly name?: string;
}

/**
 * A validated regression {@link Dataset}: float32 features and float32 `targets`
 * (`size × units`); its `y` is all zeros and `numClasses` is 1, so splits, subsets and folds
 * work unchanged (a split is then a plain seeded random split).
 *
 * @throws DataError `COUNT_MISMATCH` when x and targets differ in length, `TARGET_NOT_FINITE`
 *   naming the first NaN or infinite target, and every error of `createDataset`'s `x`.
 *
 * @example
 * ```ts
 * import { createRegressionDataset } from '@autonas/data';
 * const ds = createRegressionDataset([[0, 1], [1, 0], [1, 1]], [0.5, 1.5, 2]);
 * ds.targets; // Float32Array [0.5, 1.5, 2]
 * ds.numClasses; // 1
 * ```
 */
export function createRegressionDataset(x: FeatureInput, targets: TargetInput, options: RegressionDatasetOptions = {}): Dataset {
  const name = options.name ?? 'data';
  const f = toFeatures(x, { sampleShape: options.sampleShape, name });
  const shape = (targets as { shape?: readonly number[] }).shape;
  const flat = ArrayBuffer.isView(targets) || (Array.isArray(targets) && typeof targets[0] === 'number') || shape?.length === 1;
  const t = toFeatures(targets, { name: `${name} targets`, ...(flat ? { sampleShape: [1] } : {}) });
  if (t.size !== f.size) throw new DataError('COUNT_MISMATCH', `${name}: ${f.size} samples but ${t.size} targets`);
  if (t.sampleShape.length > 1) throw new DataError('SHAPE_MISMATCH', `${name}: targets must be one number or one row of numbers per sample, got samples of shape [${t.sampleShape.join(', ')}]`);
  for (let i = 0; i < t.x.length; i++) {
    if (!Number.isFinite(t.x[i]!)) throw new DataError('TARGET_NOT_FINITE', `${name}: target ${i} is ${t.x[i]}`);
  }
  return makeDataset(f.x, f.sampleShape, new Int32Array(f.size), 1, options.name, t.x);
}

/** Units of a regression dataset's targets (0 for a classification dataset). */
export function targetUnits(ds: Dataset): number {
  return ds.targets ? ds.targets.length / ds.size : 0;
}
