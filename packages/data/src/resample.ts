// Resampling datasets: subsets, shuffles, concatenation, seeded stratified splits and k-fold.
import { ConfigurationError, DataError, Random } from '@autonas/core';
import { makeDataset, type Dataset } from './dataset.js';
import { checkSeed, fmtShape, fmtValue, product, where } from './input-check.js';

// ---------------------------------------------------------------------------------------------
// helpers

/** Number of float values of one sample. */
export function sampleSizeOf(ds: Dataset): number {
  return product(ds.sampleShape);
}

export function derivedName(ds: Dataset, suffix: string): string | undefined {
  return ds.name === undefined ? undefined : `${ds.name}/${suffix}`;
}

export function gather(ds: Dataset, indices: ArrayLike<number>, name: string | undefined): Dataset {
  const s = sampleSizeOf(ds);
  const n = indices.length;
  const x = new Float32Array(n * s);
  const y = new Int32Array(n);
  const u = ds.targets ? ds.targets.length / ds.size : 0;
  const t = ds.targets ? new Float32Array(n * u) : undefined;
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    if (s === 1) x[k] = ds.x[i];
    else x.set(ds.x.subarray(i * s, i * s + s), k * s);
    y[k] = ds.y[i];
    if (t) t.set(ds.targets!.subarray(i * u, i * u + u), k * u);
  }
  return makeDataset(x, ds.sampleShape, y, ds.numClasses, name, t);
}

/**
 * The samples at `indices`, in that order (duplicates allowed, e.g. for bootstrapping).
 *
 * @throws DataError `EMPTY_DATA` for no indices, `INDEX_OUT_OF_RANGE` naming the bad position.
 *
 * @example
 * ```ts
 * import { createDataset, subset } from '@autonas/data';
 * const ds = createDataset([[0], [1], [2], [3]], [0, 1, 0, 1]);
 * subset(ds, [3, 0]).y; // Int32Array [1, 0]
 * ```
 */
export function subset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  if (indices.length === 0) throw new DataError('EMPTY_DATA', 'subset: indices is empty');
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= ds.size) {
      throw new DataError(
        'INDEX_OUT_OF_RANGE',
        `subset: indices[${k}] = ${fmtValue(i)} is not a sample index in [0, ${ds.size})`,
      );
    }
  }
  return gather(ds, indices, ds.name);
}

/**
 * The first `n` samples, `1 <= n <= ds.size`.
 *
 * @throws ConfigurationError `INVALID_OPTION` when `n` is not an integer in `[1, ds.size]`.
 *
 * @example
 * ```ts
 * import { createDataset, take } from '@autonas/data';
 * const ds = createDataset([[0], [1], [2]], [0, 1, 0]);
 * take(ds, 2).size; // 2
 * ```
 */
export function take(ds: Dataset, n: number): Dataset {
  if (!Number.isInteger(n) || n < 1 || n > ds.size) {
    throw new ConfigurationError(
      'INVALID_OPTION',
      `take: n must be an integer in [1, ${ds.size}], got ${fmtValue(n)}`,
    );
  }
  const s = sampleSizeOf(ds);
  const u = ds.targets ? ds.targets.length / ds.size : 0;
  return makeDataset(ds.x.slice(0, n * s), ds.sampleShape, ds.y.slice(0, n), ds.numClasses, ds.name, ds.targets?.slice(0, n * u));
}

/**
 * Concatenates datasets with the same sample shape. `numClasses` is the largest of them.
 *
 * @throws DataError `SHAPE_MISMATCH` when sample shapes differ.
 *
 * @example
 * ```ts
 * import { concat, createDataset } from '@autonas/data';
 * const a = createDataset([[0], [1]], [0, 1]);
 * const b = createDataset([[2]], [2], { numClasses: 3 });
 * const ab = concat(a, b);
 * ab.size;       // 3
 * ab.numClasses; // 3
 * ```
 */
export function concat(a: Dataset, ...more: Dataset[]): Dataset {
  const all = [a, ...more];
  for (let k = 1; k < all.length; k++) {
    const d = all[k];
    if (d.sampleShape.length !== a.sampleShape.length || d.sampleShape.some((v, i) => v !== a.sampleShape[i])) {
      throw new DataError(
        'SHAPE_MISMATCH',
        `concat: dataset ${k} has sampleShape ${fmtShape(d.sampleShape)}, but dataset 0 has ${fmtShape(a.sampleShape)}`,
      );
    }
  }
  let size = 0;
  let numClasses = 0;
  for (const d of all) {
    size += d.size;
    numClasses = Math.max(numClasses, d.numClasses);
  }
  if (all.some((d) => (d.targets === undefined) !== (a.targets === undefined) || (d.targets && d.targets.length / d.size !== a.targets!.length / a.size))) {
    throw new DataError('SHAPE_MISMATCH', 'concat: cannot mix datasets with and without (or with other numbers of) regression targets');
  }
  const x = new Float32Array(size * sampleSizeOf(a));
  const y = new Int32Array(size);
  const t = a.targets ? new Float32Array(size * (a.targets.length / a.size)) : undefined;
  let xo = 0;
  let yo = 0;
  let to = 0;
  for (const d of all) {
    x.set(d.x, xo);
    y.set(d.y, yo);
    if (t) {
      t.set(d.targets!, to);
      to += d.targets!.length;
    }
    xo += d.x.length;
    yo += d.y.length;
  }
  return makeDataset(x, a.sampleShape, y, numClasses, undefined, t);
}

/**
 * A seeded random permutation of the samples; the same seed always gives the same order.
 *
 * @throws ConfigurationError `INVALID_OPTION` when `seed` is not a finite number.
 *
 * @example
 * ```ts
 * import { createDataset, shuffle } from '@autonas/data';
 * const ds = createDataset([[0], [1], [2], [3]], [0, 1, 0, 1]);
 * const s1 = shuffle(ds, 42);
 * const s2 = shuffle(ds, 42); // same order as s1
 * ```
 */
export function shuffle(ds: Dataset, seed: number): Dataset {
  const rand = new Random(checkSeed(seed, 'shuffle'));
  return gather(ds, rand.permutation(ds.size), ds.name);
}

/**
 * Options of {@link splitDataset}.
 *
 * @example
 * ```ts
 * import type { SplitOptions } from '@autonas/data';
 * const options: SplitOptions = { fraction: 0.1, seed: 7 };
 * ```
 */
export interface SplitOptions {
  /** Fraction of the samples that go to `validation`, in (0, 1). */
  readonly fraction: number;
  /** Seed of the split; the same seed and data always give the same split. */
  readonly seed: number;
  /** Keep each class's proportion in both parts (default `true`). */
  readonly stratify?: boolean;
}

/**
 * Splits a dataset into `train` and `validation` parts, deterministically for a given seed.
 * `validation` gets `round(fraction * size)` samples. With `stratify` (the default) the
 * validation quota is spread over the classes in proportion to their counts (largest
 * remainder, ties broken by the seed), so each class keeps its proportion in both parts.
 * Both parts are returned in a seeded random order.
 *
 * @throws ConfigurationError `INVALID_OPTION` when `fraction` is not in (0, 1) or the seed is not finite.
 * @throws DataError `DATASET_TOO_SMALL` when one part would be empty; `CLASS_ONLY_IN_VALIDATION`
 *   (stratified) when every sample of a class would go to validation.
 *
 * @example
 * ```ts
 * import { createDataset, splitDataset } from '@autonas/data';
 * const ds = createDataset(
 *   Array.from({ length: 100 }, (_, i) => [i]),
 *   Array.from({ length: 100 }, (_, i) => i % 4),
 * );
 * const { train, validation } = splitDataset(ds, { fraction: 0.2, seed: 1 });
 * train.size;      // 80
 * validation.size; // 20, five of each class
 * ```
 */
export function splitDataset(ds: Dataset, options: SplitOptions): { train: Dataset; validation: Dataset } {
  const { trainIndices, validationIndices } = splitIndices(ds, options);
  return {
    train: gather(ds, trainIndices, derivedName(ds, 'train')),
    validation: gather(ds, validationIndices, derivedName(ds, 'validation')),
  };
}

/**
 * The sample indices {@link splitDataset} puts in each part, for data that must be split before
 * it becomes features (a table whose encoding is learned on the training part only).
 *
 * @example
 * ```ts
 * import { createDataset, splitIndices } from '@autonas/data';
 * const ds = createDataset([[0], [1], [2], [3]], [0, 1, 0, 1]);
 * splitIndices(ds, { fraction: 0.5, seed: 1 }).validationIndices.length; // 2
 * ```
 */
export function splitIndices(ds: Dataset, options: SplitOptions): { trainIndices: Int32Array; validationIndices: Int32Array } {
  const { fraction, stratify = true } = options;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new ConfigurationError(
      'INVALID_OPTION',
      `splitDataset: fraction must be a number in (0, 1), got ${fmtValue(fraction)}`,
    );
  }
  const rand = new Random(checkSeed(options.seed, 'splitDataset'));
  const n = ds.size;
  const nVal = Math.round(fraction * n);
  if (nVal < 1 || nVal > n - 1) {
    throw new DataError(
      'DATASET_TOO_SMALL',
      `splitDataset: fraction ${fraction} of ${n} samples gives ${nVal} validation and ${n - nVal} training samples; both parts must be non-empty`,
    );
  }

  let trainIdx: Int32Array;
  let valIdx: Int32Array;
  if (!stratify) {
    const perm = rand.permutation(n);
    valIdx = perm.slice(0, nVal);
    trainIdx = perm.slice(nVal);
  } else {
    const K = ds.numClasses;
    // group sample indices by class (counting sort)
    const counts = new Int32Array(K);
    for (let i = 0; i < n; i++) counts[ds.y[i]]++;
    const start = new Int32Array(K + 1);
    for (let c = 0; c < K; c++) start[c + 1] = start[c] + counts[c];
    const byClass = new Int32Array(n);
    const fill = start.slice(0, K);
    for (let i = 0; i < n; i++) byClass[fill[ds.y[i]]++] = i;

    // validation quota per class: largest remainder of counts[c] * nVal / n
    const quota = new Int32Array(K);
    const rem = new Float64Array(K);
    let assigned = 0;
    for (let c = 0; c < K; c++) {
      const p = counts[c] * nVal; // exact: < 2^53 for any realistic size
      quota[c] = Math.floor(p / n);
      rem[c] = p % n;
      assigned += quota[c];
    }
    const order = Array.from(rand.permutation(K)); // seeded tie-breaking
    const rank = new Int32Array(K);
    order.forEach((c, r) => (rank[c] = r));
    order.sort((a, b) => rem[b] - rem[a] || rank[a] - rank[b]);
    for (let k = 0; assigned < nVal; k++) {
      const c = order[k];
      if (rem[c] > 0) {
        quota[c]++;
        assigned++;
      }
    }
    for (let c = 0; c < K; c++) {
      if (counts[c] > 0 && quota[c] >= counts[c]) {
        throw new DataError(
          'CLASS_ONLY_IN_VALIDATION',
          `splitDataset: class ${c} has ${counts[c]} sample(s), and the split would put all of them in validation, so no model could learn it (its validation accuracy would be 0); give more samples of it, or a smaller fraction`,
        );
      }
    }

    valIdx = new Int32Array(nVal);
    trainIdx = new Int32Array(n - nVal);
    let v = 0;
    let t = 0;
    for (let c = 0; c < K; c++) {
      const members = byClass.subarray(start[c], start[c + 1]);
      rand.shuffleInPlace(members);
      for (let k = 0; k < members.length; k++) {
        if (k < quota[c]) valIdx[v++] = members[k];
        else trainIdx[t++] = members[k];
      }
    }
    rand.shuffleInPlace(valIdx);
    rand.shuffleInPlace(trainIdx);
  }
  return { trainIndices: trainIdx, validationIndices: valIdx };
}

/**
 * Checks that a validation set fits the training set it scores: the same sample shape (image
 * size and channels) and labels inside the training set's classes. A pipeline calls it on
 * user-given validation data before anything is trained, instead of letting a tensor library fail
 * on the first batch.
 *
 * @param train - the training set
 * @param validation - the validation set
 * @throws DataError `SHAPE_MISMATCH` (sample shapes differ), `NUM_CLASSES_MISMATCH`
 * @example
 * ```ts
 * import { checkCompatible, createDataset } from '@autonas/data';
 * const train = createDataset(new Float32Array(8), [0, 1], { sampleShape: [2, 2, 1] });
 * const validation = createDataset(new Float32Array(8), [1, 0], { sampleShape: [2, 2, 1] });
 * checkCompatible(train, validation); // fine; a [3, 3, 1] validation set throws SHAPE_MISMATCH
 * ```
 */
export function checkCompatible(train: Dataset, validation: Dataset): void {
  const a = train.sampleShape;
  const b = validation.sampleShape;
  if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
    throw new DataError('SHAPE_MISMATCH', `${where(validation.name)}: samples have shape [${b.join(', ')}], but the training samples have shape [${a.join(', ')}]`);
  }
  if (validation.numClasses > train.numClasses) {
    throw new DataError('NUM_CLASSES_MISMATCH', `${where(validation.name)}: ${validation.numClasses} classes, but the training set has ${train.numClasses}`);
  }
}

/** Options of {@link kFold}. */
export interface KFoldOptions {
  /** Seed of the shuffle. */
  readonly seed?: number;
  /** Keep each class's share equal across folds (default true). */
  readonly stratify?: boolean;
}

/**
 * Splits a dataset into `k` folds for cross-validation: fold i validates on the i-th part and
 * trains on the rest. The validation parts are disjoint and together cover every sample once;
 * with `stratify` (the default) each class is dealt round-robin over the folds, so every fold
 * holds its share of each class.
 *
 * @example
 * ```ts
 * import { createDataset, kFold } from '@autonas/data';
 * const ds = createDataset(Array.from({ length: 30 }, (_, i) => [i]), Array.from({ length: 30 }, (_, i) => i % 3));
 * const folds = kFold(ds, 3, { seed: 1 });
 * console.log(folds.map((f) => [f.train.size, f.validation.size])); // [[20, 10], [20, 10], [20, 10]]
 * ```
 */
export function kFold(ds: Dataset, k: number, options: KFoldOptions = {}): { train: Dataset; validation: Dataset }[] {
  if (!Number.isInteger(k) || k < 2) throw new ConfigurationError('INVALID_OPTION', `kFold: k must be an integer of at least 2, got ${fmtValue(k)}`);
  if (k > ds.size) throw new DataError('DATASET_TOO_SMALL', `kFold: ${k} folds need at least ${k} samples, got ${ds.size}`);
  const rand = new Random(checkSeed(options.seed, 'kFold'));
  const fold = new Int32Array(ds.size);
  if (options.stratify === false) {
    const perm = rand.permutation(ds.size);
    for (let j = 0; j < perm.length; j++) fold[perm[j]] = j % k;
  } else {
    // Deal each class's shuffled members round-robin, continuing where the previous class stopped.
    const byClass: number[][] = Array.from({ length: ds.numClasses }, () => []);
    for (let i = 0; i < ds.size; i++) byClass[ds.y[i]].push(i);
    let next = 0;
    for (const members of byClass) {
      rand.shuffleInPlace(members);
      for (const i of members) fold[i] = next++ % k;
    }
  }
  return Array.from({ length: k }, (_, f) => {
    const val: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < ds.size; i++) (fold[i] === f ? val : train).push(i);
    return { train: subset(ds, train), validation: subset(ds, val) };
  });
}
