import { ConfigurationError } from '@autonas/core';
import { describe, expect, it } from 'vitest';
import {
  checkCompatible,
  resolveClasses,
  classCounts,
  concat,
  createDataset,
  oneHotLabels,
  scale,
  shuffle,
  splitDataset,
  subset,
  take,
  type Dataset,
  type TensorLike,
} from './index.js';
import { expectDataError } from './expect-data-error.test-util.js';


/** A minimal stand-in for a tf.Tensor. */
function fakeTensor(shape: number[], values: ArrayLike<number>): TensorLike {
  return { shape, dataSync: () => Float32Array.from(values) };
}

/** A dataset whose sample i has the single feature i, with the given labels. */
function indexed(labels: number[], numClasses?: number): Dataset {
  return createDataset(
    labels.map((_, i) => [i]),
    labels,
    numClasses === undefined ? {} : { numClasses },
  );
}

describe('createDataset: inputs', () => {
  it('accepts [N, H, W] images and adds a channel axis', () => {
    const ds = createDataset(
      [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8],
        ],
      ],
      [1, 0],
    );
    expect(ds.size).toBe(2);
    expect(ds.sampleShape).toEqual([2, 2, 1]);
    expect(ds.x).toBeInstanceOf(Float32Array);
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ds.y).toBeInstanceOf(Int32Array);
    expect(Array.from(ds.y)).toEqual([1, 0]);
    expect(ds.numClasses).toBe(2);
  });

  it('keeps [N, H, W, C] and [N, F] shapes', () => {
    const rgb = createDataset([[[[1, 2, 3]], [[4, 5, 6]]]], [0], { numClasses: 2 });
    expect(rgb.sampleShape).toEqual([2, 1, 3]);
    expect(Array.from(rgb.x)).toEqual([1, 2, 3, 4, 5, 6]);
    const tab = createDataset([[0.5, 1.5, 2.5]], [3], { numClasses: 4 });
    expect(tab.sampleShape).toEqual([3]);
    expect(tab.numClasses).toBe(4);
  });

  it('accepts rows of typed arrays', () => {
    const ds = createDataset([new Float64Array([1, 2]), new Uint8Array([3, 4])], new Int32Array([0, 1]));
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4]);
  });

  it('accepts a flat typed array or number[] with sampleShape', () => {
    const ds = createDataset(new Uint8Array([0, 255, 1, 2, 3, 4, 5, 6]), [1, 2], { sampleShape: [2, 2, 1], numClasses: 3 });
    expect(ds.size).toBe(2);
    expect(ds.sampleShape).toEqual([2, 2, 1]);
    expect(Array.from(ds.x)).toEqual([0, 255, 1, 2, 3, 4, 5, 6]);
    expect(ds.numClasses).toBe(3);
    const fromNumbers = createDataset([1, 2, 3, 4, 5, 6], [0, 1, 0], { sampleShape: [2] });
    expect(fromNumbers.size).toBe(3);
  });

  it('reshapes nested samples to an explicit sampleShape of the same size', () => {
    const ds = createDataset([[1, 2, 3, 4]], [0], { sampleShape: [2, 2], numClasses: 2 });
    expect(ds.sampleShape).toEqual([2, 2]);
  });

  it('accepts tensor-likes for x and y (dataSync)', () => {
    const x = fakeTensor([3, 2, 2], Array.from({ length: 12 }, (_, i) => i / 10));
    const y = fakeTensor([3], [2, 0, 1]);
    const ds = createDataset(x, y);
    expect(ds.sampleShape).toEqual([2, 2, 1]);
    expect(ds.size).toBe(3);
    expect(ds.x[11]).toBeCloseTo(1.1);
    expect(Array.from(ds.y)).toEqual([2, 0, 1]);
    expect(ds.numClasses).toBe(3);
  });

  it('refuses a tensor-like whose dataSync() disagrees with its shape or returns no array, for x and for y', () => {
    const x = fakeTensor([3, 2], [0, 1, 2, 3, 4, 5]);
    const y = fakeTensor([3], [0, 1, 2]);
    expectDataError(() => createDataset(fakeTensor([3, 2], [0, 1, 2]), y), 'SHAPE_MISMATCH', 'x.dataSync() returned 3 values, but x.shape [3, 2] needs 6');
    expectDataError(() => createDataset(x, fakeTensor([3], [0, 1])), 'SHAPE_MISMATCH', 'y.dataSync() returned 2 values, but y.shape [3] needs 3');
    const broken = (shape: number[]) => ({ shape, dataSync: () => null as unknown as ArrayLike<number> });
    expectDataError(() => createDataset(broken([3, 2]), y), 'INVALID_INPUT', 'x.dataSync() did not return an array');
    expectDataError(() => createDataset(x, broken([3])), 'INVALID_INPUT', 'y.dataSync() did not return an array');
  });

  it('accepts tensor-likes with only arraySync', () => {
    const x: TensorLike = { shape: [2, 2], arraySync: () => [[1, 2], [3, 4]] };
    const y: TensorLike = { shape: [2, 3], arraySync: () => [[0, 0, 1], [1, 0, 0]] };
    const ds = createDataset(x, y);
    expect(ds.sampleShape).toEqual([2]);
    expect(Array.from(ds.y)).toEqual([2, 0]);
    expect(ds.numClasses).toBe(3);
  });

  it('decodes one-hot labels (arrays and 2-D tensors); [N, 1] is a label column', () => {
    const ds = createDataset([[0], [1], [2]], [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]]);
    expect(Array.from(ds.y)).toEqual([1, 0, 3]);
    expect(ds.numClasses).toBe(4);
    const t = createDataset([[0], [1]], fakeTensor([2, 3], [0, 0, 1, 0, 1, 0]));
    expect(Array.from(t.y)).toEqual([2, 1]);
    expect(t.numClasses).toBe(3);
    const col = createDataset([[0], [1]], fakeTensor([2, 1], [4, 1]), { numClasses: 5 });
    expect(Array.from(col.y)).toEqual([4, 1]);
    expect(col.numClasses).toBe(5);
    expectDataError(() => createDataset([[0], [1]], fakeTensor([2, 1], [4, 1])), 'LABEL_GAPS');
  });

  it('issue 16: infers the classes from the distinct labels (one class or gaps are errors), and honours declared ones', () => {
    expect(createDataset([[0], [1], [2]], [2, 0, 1]).numClasses).toBe(3);
    expectDataError(() => createDataset([[0], [1]], [3, 3]), 'TOO_FEW_CLASSES', /every label is 3/);
    expectDataError(() => createDataset([[0], [1]], [0, 0]), 'TOO_FEW_CLASSES');
    expectDataError(() => createDataset([[0], [1], [2]], [0, 1, 99]), 'LABEL_GAPS', /3 distinct values up to 99/);
    expectDataError(() => createDataset(Array.from({ length: 10 }, (_, i) => [i]), Array.from({ length: 10 }, (_, i) => i + 1)), 'LABEL_GAPS', /e\.g\. 0/);
    expect(createDataset([[0], [1]], [0, 6], { numClasses: 7 }).numClasses).toBe(7);
    expect(createDataset([[0], [1]], [0, 0], { numClasses: 2 }).numClasses).toBe(2);
    expect(createDataset([[0], [1]], [0, 1], { numClasses: 10 }).numClasses).toBe(10);
    expect(createDataset([[0], [1]], [1, 1], { classes: ['cat', 'dog'] }).numClasses).toBe(2);
    expect(() => createDataset([[0]], [0], { classes: ['a', 'a'] })).toThrow(/distinct/);
    expect(() => createDataset([[0]], [0], { classes: ['a', 'b'], numClasses: 3 })).toThrow(/names 2 classes/);
    expect(resolveClasses([0, 1, 2])).toBe(3);
    expect(resolveClasses([1, 3], 4)).toBe(4);
    expect(resolveClasses([1, 0], ['a', 'b'])).toBe(2);
    expectDataError(() => resolveClasses([1, 2, 3]), 'LABEL_GAPS');
    expectDataError(() => resolveClasses([2, 2]), 'TOO_FEW_CLASSES');
    expectDataError(() => resolveClasses([0, 5], 3), 'LABEL_OUT_OF_RANGE');
  });

  it('issue 16: a stratified split refuses to put every sample of a class in validation', () => {
    const one = createDataset(Array.from({ length: 10 }, (_, i) => [i]), Array.from({ length: 10 }, (_, i) => i));
    expectDataError(() => splitDataset(one, { fraction: 0.2, seed: 1 }), 'CLASS_ONLY_IN_VALIDATION', /all of them in validation/);
    const two = createDataset(Array.from({ length: 20 }, (_, i) => [i]), Array.from({ length: 20 }, (_, i) => i % 10));
    expect(splitDataset(two, { fraction: 0.5, seed: 1 }).validation.size).toBe(10);
  });

  it('issue 16: checkCompatible refuses validation images of another size', () => {
    const train = createDataset(new Float32Array(8), [0, 1], { sampleShape: [2, 2, 1] });
    expect(() => checkCompatible(train, createDataset(new Float32Array(8), [1, 0], { sampleShape: [2, 2, 1] }))).not.toThrow();
    expectDataError(() => checkCompatible(train, createDataset(new Float32Array(18), [1, 0], { sampleShape: [3, 3, 1], name: 'validationData' })), 'SHAPE_MISMATCH', /shape \[3, 3, 1\]/);
    expectDataError(() => checkCompatible(train, createDataset(new Float32Array(12), [1, 2, 0], { sampleShape: [2, 2, 1] })), 'NUM_CLASSES_MISMATCH');
  });

  it('copies its input and returns a frozen dataset', () => {
    const xs = new Float32Array([1, 2, 3, 4]);
    const ys = new Int32Array([0, 1]);
    const ds = createDataset(xs, ys, { sampleShape: [2], name: 'tiny' });
    xs[0] = 99;
    ys[0] = 1;
    expect(ds.x[0]).toBe(1);
    expect(ds.y[0]).toBe(0);
    expect(ds.name).toBe('tiny');
    expect(Object.isFrozen(ds)).toBe(true);
    expect(Object.isFrozen(ds.sampleShape)).toBe(true);
  });
});

describe('createDataset: errors', () => {
  it('EMPTY_DATA', () => {
    expectDataError(() => createDataset([], []), 'EMPTY_DATA', /x is empty/);
    expectDataError(() => createDataset(new Float32Array(0), [], { sampleShape: [1] }), 'EMPTY_DATA', /x is empty/);
    expectDataError(() => createDataset([[], []], [0, 1]), 'EMPTY_DATA', /samples have no values/);
    expectDataError(() => createDataset([[1]], []), 'EMPTY_DATA', /y is empty/);
    expectDataError(() => createDataset(fakeTensor([0, 3], []), fakeTensor([0], [])), 'EMPTY_DATA', /no samples/);
  });

  it('RAGGED_ARRAY names the index path', () => {
    const images = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8, 9],
      ],
    ];
    expectDataError(() => createDataset(images, [0, 1]), 'RAGGED_ARRAY', /x\[1\]\[1\] has length 3/, /x\[0\]\[0\] has length 2/);
    expectDataError(() => createDataset([[1, 2], [3]], [0, 1]), 'RAGGED_ARRAY', /x\[1\] has length 1/);
    expectDataError(() => createDataset([[1, 2], [3, [4]]] as never, [0, 1]), 'RAGGED_ARRAY', /x\[1\]\[1\] is an array/);
    expectDataError(() => createDataset([[[1]], [2]] as never, [0, 1]), 'RAGGED_ARRAY', /x\[1\]\[0\] is a number/);
    expectDataError(() => createDataset([[1], [2]], [[1, 0], [0, 0, 1]]), 'RAGGED_ARRAY', /y\[1\] has length 3/);
    expectDataError(() => createDataset([[1], [2]], [1, [0, 1]] as never), 'RAGGED_ARRAY', /y\[1\]/);
  });

  it('SHAPE_MISMATCH', () => {
    expectDataError(
      () => createDataset(new Float32Array(10), [0, 1, 0], { sampleShape: [3] }),
      'SHAPE_MISMATCH',
      /10 values/,
      /not a multiple of the sample size 3/,
    );
    expectDataError(
      () => createDataset([[1, 2, 3]], [0], { sampleShape: [2, 2] }),
      'SHAPE_MISMATCH',
      /\[3\]/,
      /sampleShape \[2, 2\]/,
    );
    expectDataError(() => createDataset(fakeTensor([2, 3], [1, 2, 3]), [0, 1]), 'SHAPE_MISMATCH', /returned 3 values/, /\[2, 3\]/);
    expectDataError(() => createDataset([[1]], fakeTensor([1, 1, 2], [0, 1])), 'SHAPE_MISMATCH', /y has shape \[1, 1, 2\]/);
  });

  it('COUNT_MISMATCH', () => {
    expectDataError(() => createDataset([[1], [2], [3]], [0, 1]), 'COUNT_MISMATCH', /x has 3 samples but y has 2 labels/);
  });

  it('NOT_FINITE names the first sample and element', () => {
    const images = [
      [
        [0, 0],
        [0, 0],
      ],
      [
        [0, NaN],
        [Infinity, 0],
      ],
    ];
    expectDataError(() => createDataset(images, [0, 1]), 'NOT_FINITE', /NaN/, /sample 1/, /element \[0, 1, 0\]/, /flat index 5/);
    expectDataError(
      () => createDataset(new Float64Array([1, 2, 3, -Infinity]), [0, 1], { sampleShape: [2] }),
      'NOT_FINITE',
      /-Infinity/,
      /sample 1/,
      /element \[1\]/,
    );
    expectDataError(
      () => createDataset([1e300, 0], [0, 1], { sampleShape: [1] }),
      'NOT_FINITE',
      /1e\+300, which overflows float32/,
      /sample 0/,
    );
  });

  it('NOT_NUMERIC, INVALID_INPUT and SAMPLE_SHAPE_REQUIRED', () => {
    expectDataError(() => createDataset([[1, '2']] as never, [0]), 'NOT_NUMERIC', /x\[0\]\[1\] is a string/);
    expectDataError(() => createDataset({ foo: 1 } as never, [0]), 'INVALID_INPUT', /x is an object/);
    expectDataError(() => createDataset(new Float32Array(4), [0, 1]), 'SAMPLE_SHAPE_REQUIRED', /x is flat \(4 values\)/, /sampleShape/);
    expectDataError(() => createDataset([1, 2], [0, 1]), 'SAMPLE_SHAPE_REQUIRED');
  });

  it('LABEL_NOT_INTEGER', () => {
    expectDataError(() => createDataset([[1], [2], [3]], [0, 1, 1.5]), 'LABEL_NOT_INTEGER', /y\[2\] = 1\.5/);
    expectDataError(() => createDataset([[1], [2]], new Float32Array([0, NaN])), 'LABEL_NOT_INTEGER', /y\[1\] = NaN/);
    expectDataError(() => createDataset([[1], [2]], [0, '1'] as never), 'LABEL_NOT_INTEGER', /y\[1\] = "1"/);
  });

  it('LABEL_NOT_ONE_HOT for probability rows', () => {
    expectDataError(
      () => createDataset([[1], [2]], [[0, 1], [0.3, 0.7]]),
      'LABEL_NOT_ONE_HOT',
      /y\[1\] = \[0\.3, 0\.7\]/,
    );
    expectDataError(() => createDataset([[1]], [[1, 1, 0]]), 'LABEL_NOT_ONE_HOT', /y\[0\]/);
    expectDataError(() => createDataset([[1]], [[0, 0, 0]]), 'LABEL_NOT_ONE_HOT', /y\[0\]/);
  });

  it('LABEL_OUT_OF_RANGE names index and value', () => {
    expectDataError(
      () => createDataset([[1], [2], [3]], [0, 5, 1], { numClasses: 3 }),
      'LABEL_OUT_OF_RANGE',
      /y\[1\] = 5/,
      /\[0, 3\)/,
    );
    expectDataError(() => createDataset([[1], [2]], [0, -1]), 'LABEL_OUT_OF_RANGE', /y\[1\] = -1/);
  });

  it('TOO_FEW_CLASSES and NUM_CLASSES_MISMATCH', () => {
    expectDataError(() => createDataset([[1], [2]], [0, 0], { numClasses: 1 }), 'TOO_FEW_CLASSES', /numClasses is 1/);
    expectDataError(
      () => createDataset([[1]], [[0, 1]], { numClasses: 3 }),
      'NUM_CLASSES_MISMATCH',
      /width 2/,
      /numClasses is 3/,
    );
  });

  it('names the dataset in messages', () => {
    expectDataError(() => createDataset([[1]], [0, 1], { name: 'digits' }), 'COUNT_MISMATCH', /createDataset\("digits"\)/);
  });

  it('rejects malformed options with ConfigurationError', () => {
    expect(() => createDataset([1, 2], [0, 1], { sampleShape: [0] })).toThrow(ConfigurationError);
    expect(() => createDataset([[1], [2]], [0, 1], { numClasses: 2.5 })).toThrow(ConfigurationError);
  });
});

describe('helpers', () => {
  const ds = indexed([0, 1, 2, 0, 1, 2, 0, 1]);

  it('subset, take, concat', () => {
    const s = subset(ds, [7, 0, 0]);
    expect(Array.from(s.x)).toEqual([7, 0, 0]);
    expect(Array.from(s.y)).toEqual([1, 0, 0]);
    expectDataError(() => subset(ds, [1, 8]), 'INDEX_OUT_OF_RANGE', /indices\[1\] = 8/);
    expectDataError(() => subset(ds, []), 'EMPTY_DATA');

    const t = take(ds, 3);
    expect(Array.from(t.x)).toEqual([0, 1, 2]);
    expect(() => take(ds, 0)).toThrow(ConfigurationError);
    expect(() => take(ds, 9)).toThrow(ConfigurationError);

    const c = concat(t, indexed([4, 0], 5));
    expect(c.size).toBe(5);
    expect(Array.from(c.y)).toEqual([0, 1, 2, 4, 0]);
    expect(c.numClasses).toBe(5);
    expectDataError(
      () => concat(t, createDataset([[1, 2]], [0], { numClasses: 2 })),
      'SHAPE_MISMATCH',
      /dataset 1 has sampleShape \[2\]/,
    );
  });

  it('shuffle is a seeded permutation', () => {
    const a = shuffle(ds, 42);
    const b = shuffle(ds, 42);
    const c = shuffle(ds, 43);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.x)).not.toEqual(Array.from(c.x));
    expect(Array.from(a.x).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (let i = 0; i < a.size; i++) expect(a.y[i]).toBe(ds.y[a.x[i]]);
    expect(() => shuffle(ds, NaN)).toThrow(ConfigurationError);
  });

  it('scale, classCounts, oneHotLabels', () => {
    expect(Array.from(scale(ds, 0.5).x)).toEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect(Array.from(ds.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // input untouched
    expect(() => scale(ds, Infinity)).toThrow(ConfigurationError);
    expect(classCounts(ds)).toEqual([3, 3, 2]);
    expect(classCounts(indexed([0, 0], 4))).toEqual([2, 0, 0, 0]);
    expect(Array.from(oneHotLabels(take(ds, 2)))).toEqual([1, 0, 0, 0, 1, 0]);
  });
});

describe('splitDataset', () => {
  // imbalanced: 600 of class 0, 300 of class 1, 100 of class 2, interleaved
  const labels = Array.from({ length: 1000 }, (_, i) => (i % 10 < 6 ? 0 : i % 10 < 9 ? 1 : 2));
  const ds = indexed(labels);

  const ids = (d: Dataset) => Array.from(d.x);

  it('is deterministic for a seed and varies with it', () => {
    const a = splitDataset(ds, { fraction: 0.2, seed: 7 });
    const b = splitDataset(ds, { fraction: 0.2, seed: 7 });
    const c = splitDataset(ds, { fraction: 0.2, seed: 8 });
    expect(ids(a.validation)).toEqual(ids(b.validation));
    expect(ids(a.train)).toEqual(ids(b.train));
    expect(ids(a.validation)).not.toEqual(ids(c.validation));
  });

  for (const stratify of [true, false]) {
    it(`gives disjoint parts covering every sample once (stratify: ${stratify})`, () => {
      const { train, validation } = splitDataset(ds, { fraction: 0.25, seed: 3, stratify });
      expect(validation.size).toBe(250);
      expect(train.size).toBe(750);
      const all = [...ids(train), ...ids(validation)].sort((p, q) => p - q);
      expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      for (const part of [train, validation]) {
        for (let i = 0; i < part.size; i++) expect(part.y[i]).toBe(labels[part.x[i]]);
        expect(part.numClasses).toBe(3);
      }
    });
  }

  it('keeps class proportions when stratified', () => {
    const { train, validation } = splitDataset(ds, { fraction: 0.2, seed: 11 });
    expect(classCounts(validation)).toEqual([120, 60, 20]);
    expect(classCounts(train)).toEqual([480, 240, 80]);
  });

  it('distributes rounding by largest remainder', () => {
    // 7 / 2 / 1 samples, 3 for validation: quotas 2.1 / 0.6 / 0.3 → 2 / 1 / 0
    const small = indexed([0, 0, 0, 0, 0, 0, 0, 1, 1, 2]);
    for (let seed = 0; seed < 5; seed++) {
      const { validation } = splitDataset(small, { fraction: 0.3, seed });
      expect(classCounts(validation)).toEqual([2, 1, 0]);
    }
  });

  it('gives validation round(fraction * size) samples', () => {
    const ten = indexed([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(splitDataset(ten, { fraction: 0.15, seed: 1 }).validation.size).toBe(2);
    expect(splitDataset(ten, { fraction: 0.34, seed: 1, stratify: false }).validation.size).toBe(3);
  });

  it('names the parts after the dataset', () => {
    const named = createDataset([[0], [1], [2], [3]], [0, 1, 0, 1], { name: 'toy' });
    const { train, validation } = splitDataset(named, { fraction: 0.5, seed: 0 });
    expect(train.name).toBe('toy/train');
    expect(validation.name).toBe('toy/validation');
  });

  it('rejects a fraction outside (0, 1) and splits leaving a part empty', () => {
    for (const fraction of [0, 1, -0.1, 1.5, NaN]) {
      expect(() => splitDataset(ds, { fraction, seed: 0 })).toThrow(ConfigurationError);
    }
    expectDataError(
      () => splitDataset(indexed([0, 1, 0, 1]), { fraction: 0.1, seed: 0 }),
      'DATASET_TOO_SMALL',
      /0 validation/,
    );
    expectDataError(
      () => splitDataset(indexed([0, 1, 0, 1]), { fraction: 0.9, seed: 0 }),
      'DATASET_TOO_SMALL',
      /0 training/,
    );
  });
});

describe('toFeatures', () => {
  it('converts unlabelled samples with the same checks as createDataset', async () => {
    const { toFeatures } = await import('./dataset.js');
    const f = toFeatures([[[0, 1], [1, 0]], [[1, 1], [0, 0]]]);
    expect(f.size).toBe(2);
    expect(f.sampleShape).toEqual([2, 2, 1]);
    expect(Array.from(f.x)).toEqual([0, 1, 1, 0, 1, 1, 0, 0]);
    expect(() => toFeatures(new Float32Array([1, NaN, 0, 0]), { sampleShape: [2] })).toThrow(/NOT_FINITE|not finite|NaN/i);
    expect(() => toFeatures(new Float32Array(5), { sampleShape: [2] })).toThrow(/multiple/);
  });
});
