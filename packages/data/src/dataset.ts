import { ConfigurationError, DataError } from '@autonas/core';
import { checkClassNames, checkNumClassesOption, checkSampleShapeOption, fmtShape, product, readFeatures, readLabels, toFloat32Checked, toLabels, where } from './input-check.js';
import type { NumericTypedArray, TensorLike } from './tensor-like.js';

/**
 * An in-memory classification dataset: float32 features in row-major order plus integer labels.
 * Datasets are immutable by convention: every helper returns a new dataset and never writes to
 * the arrays of its input.
 *
 * @example
 * ```ts
 * import { createDataset } from '@autonas/data';
 * const ds = createDataset([[0, 1], [1, 0], [1, 1]], [0, 1, 1]);
 * ds.size;        // 3
 * ds.sampleShape; // [2]
 * ds.numClasses;  // 2
 * ds.x;           // Float32Array [0, 1, 1, 0, 1, 1]
 * ```
 */
export interface Dataset {
  /** Sample features, row-major, float32, `length === size * prod(sampleShape)`. */
  readonly x: Float32Array;
  /** Shape of one sample, e.g. [28, 28, 1]. */
  readonly sampleShape: readonly number[];
  /** Integer class labels in [0, numClasses). */
  readonly y: Int32Array;
  /** Number of classes; every label is in `[0, numClasses)`. At least 2. */
  readonly numClasses: number;
  /** Number of samples. At least 1. */
  readonly size: number;
  /** Optional human-readable name, used in error messages (e.g. `mnist/train`). */
  readonly name?: string;
  /**
   * Regression targets, row-major, `length === size * targetUnits`: present only in a regression
   * dataset (see `createRegressionDataset`), whose `y` is then all zeros and `numClasses` 1.
   */
  readonly targets?: Float32Array;
}

/**
 * A (possibly) nested array of numbers, e.g. `number[][][]` images; the innermost level may
 * be a typed array.
 *
 * @example
 * ```ts
 * import type { NestedNumberArray } from '@autonas/data';
 * const images: NestedNumberArray = [[[0, 1], [1, 0]], [[1, 1], [0, 0]]]; // [N=2, H=2, W=2]
 * const rows: NestedNumberArray = [new Float32Array([0, 1]), new Float32Array([1, 0])];
 * ```
 */
export type NestedNumberArray = readonly (number | NumericTypedArray | NestedNumberArray)[];

/**
 * Feature input of {@link createDataset}: a tensor-like, a nested number array (first axis =
 * samples), or a flat typed array / `number[]` together with `options.sampleShape`.
 *
 * @example
 * ```ts
 * import type { FeatureInput } from '@autonas/data';
 * const x: FeatureInput = [[0.1, 0.2], [0.3, 0.4]];
 * ```
 */
export type FeatureInput = TensorLike | NestedNumberArray | NumericTypedArray;

/**
 * Label input of {@link createDataset}: integer labels (`number[]`, typed array, 1-D tensor)
 * or exactly one-hot rows (`number[][]`, 2-D tensor).
 *
 * @example
 * ```ts
 * import type { LabelInput } from '@autonas/data';
 * const labels: LabelInput = [0, 2, 1];
 * const oneHot: LabelInput = [[1, 0, 0], [0, 0, 1], [0, 1, 0]];
 * ```
 */
export type LabelInput =
  | TensorLike
  | readonly number[]
  | NumericTypedArray
  | readonly (readonly number[] | NumericTypedArray)[];

/**
 * Options of {@link createDataset}.
 *
 * @example
 * ```ts
 * import { createDataset, type CreateDatasetOptions } from '@autonas/data';
 * const options: CreateDatasetOptions = { sampleShape: [2, 2, 1], numClasses: 10, name: 'tiny' };
 * const ds = createDataset(new Float32Array(8), [3, 7], options);
 * ```
 */
export interface CreateDatasetOptions {
  /**
   * Shape of one sample. Required when `x` is flat (typed array / `number[]` / 1-D tensor);
   * otherwise it reshapes each sample and must have the same number of elements.
   */
  readonly sampleShape?: readonly number[];
  /**
   * Number of classes, declared: labels may then be any of `[0, numClasses)`, some classes absent.
   * Default: the one-hot width, else inferred from the distinct labels, which must then be
   * exactly `0..K-1` with K >= 2 (see {@link resolveClasses}).
   */
  readonly numClasses?: number;
  /** Names of the classes, label `i` being `classes[i]`: declares `numClasses = classes.length`. */
  readonly classes?: readonly string[];
  /** Name used in error messages and kept on the dataset. */
  readonly name?: string;
}

/**
 * The `code`s of the {@link DataError}s this package throws.
 *
 * @example
 * ```ts
 * import { DataError } from '@autonas/core';
 * import { createDataset, type DataErrorCode } from '@autonas/data';
 * try {
 *   createDataset([[1], [2]], [0, 5], { numClasses: 3 });
 * } catch (e) {
 *   const code = (e as DataError).code as DataErrorCode; // 'LABEL_OUT_OF_RANGE'
 * }
 * ```
 */
export type DataErrorCode =
  | 'EMPTY_DATA'
  | 'RAGGED_ARRAY'
  | 'SHAPE_MISMATCH'
  | 'COUNT_MISMATCH'
  | 'NOT_FINITE'
  | 'NOT_NUMERIC'
  | 'INVALID_INPUT'
  | 'SAMPLE_SHAPE_REQUIRED'
  | 'LABEL_NOT_INTEGER'
  | 'LABEL_NOT_ONE_HOT'
  | 'LABEL_OUT_OF_RANGE'
  | 'TOO_FEW_CLASSES'
  | 'LABEL_GAPS'
  | 'CLASS_ONLY_IN_VALIDATION'
  | 'NUM_CLASSES_MISMATCH'
  | 'INDEX_OUT_OF_RANGE'
  | 'DATASET_TOO_SMALL'
  | 'IDX_BAD_MAGIC'
  | 'IDX_BAD_TYPE'
  | 'IDX_TRUNCATED'
  | 'IDX_TRAILING_BYTES'
  | 'IDX_VALUE_OUT_OF_RANGE'
  | 'IDX_UNEXPECTED_SHAPE'
  | 'FILE_UNREADABLE'
  | 'TARGET_NOT_FINITE'
  | 'BAD_COLUMN'
  | 'MISSING_TARGET'
  | 'MIXED_IMAGE_SIZES'
  | 'NPY_BAD_HEADER'
  | 'NPY_BAD_DTYPE';

// ---------------------------------------------------------------------------------------------
// construction

/**
 * Builds a dataset from already validated parts without copying. Internal: callers must
 * guarantee the invariants of {@link Dataset}.
 *
 * @internal
 */
export function makeDataset(
  x: Float32Array,
  sampleShape: readonly number[],
  y: Int32Array,
  numClasses: number,
  name?: string,
  targets?: Float32Array,
): Dataset {
  const ds: Dataset = {
    x,
    sampleShape: Object.freeze([...sampleShape]),
    y,
    numClasses,
    size: y.length,
    ...(name === undefined ? {} : { name }),
    ...(targets === undefined ? {} : { targets }),
  };
  return Object.freeze(ds);
}

/**
 * Creates a validated {@link Dataset} from arrays or tensors. Input is copied, so later
 * changes to it do not affect the dataset.
 *
 * - `x`: a tensor-like (`shape` + `dataSync()`/`arraySync()`), a nested number array with the
 *   sample axis first, or a flat typed array / `number[]` together with `options.sampleShape`.
 *   Images given as `[N, H, W]` get a channel axis, so their sample shape is `[H, W, 1]`.
 * - `y`: integer labels (`number[]`, typed array, 1-D or `[N, 1]` tensor) or one-hot rows
 *   (`number[][]`, 2-D tensor), decoded by argmax only when every row is exactly one-hot.
 *
 * @throws DataError with `code` `EMPTY_DATA`, `RAGGED_ARRAY` (names the index path),
 *   `SHAPE_MISMATCH`, `COUNT_MISMATCH`, `NOT_FINITE` (names the first sample and element),
 *   `NOT_NUMERIC`, `INVALID_INPUT`, `SAMPLE_SHAPE_REQUIRED`, `LABEL_NOT_INTEGER`,
 *   `LABEL_NOT_ONE_HOT`, `LABEL_OUT_OF_RANGE` (names the index and value), `TOO_FEW_CLASSES`
 *   (one class), `LABEL_GAPS` (undeclared labels that are not 0..K-1), `NUM_CLASSES_MISMATCH`.
 * @throws ConfigurationError (`INVALID_OPTION`) for a malformed `sampleShape` or `numClasses`.
 *
 * @example
 * ```ts
 * import { createDataset } from '@autonas/data';
 * // two 2×2 grayscale images → sampleShape [2, 2, 1]
 * const images = createDataset([[[0, 1], [1, 0]], [[1, 1], [0, 0]]], [1, 0]);
 * // flat pixels with an explicit sample shape and one-hot labels
 * const flat = createDataset(new Uint8Array(8), [[0, 0, 1], [1, 0, 0]], { sampleShape: [4] });
 * flat.numClasses; // 3
 * // a TensorFlow.js tensor works too: createDataset(tf.zeros([10, 28, 28, 1]), tf.zeros([10]))
 * ```
 */
export function createDataset(x: FeatureInput, y: LabelInput, options: CreateDatasetOptions = {}): Dataset {
  const ctx = where(options.name);
  const sampleShapeOption =
    options.sampleShape === undefined ? undefined : checkSampleShapeOption(options.sampleShape, ctx);
  let numClassesOption = checkNumClassesOption(options.numClasses, ctx);
  if (options.classes !== undefined) {
    const named = checkClassNames(options.classes, ctx);
    if (numClassesOption !== undefined && numClassesOption !== named) {
      throw new ConfigurationError('INVALID_OPTION', `${ctx}: options.classes names ${named} classes but options.numClasses is ${numClassesOption}`);
    }
    numClassesOption = named;
  }

  const features = readFeatureBlock(x, sampleShapeOption, ctx);
  const count = features.size;
  const sampleShape = features.sampleShape;

  // ---- y structure and counts
  const rawLabels = readLabels(y, ctx);
  if (rawLabels.labels.length !== count) {
    throw new DataError(
      'COUNT_MISMATCH',
      `${ctx}: x has ${count} samples but y has ${rawLabels.labels.length} labels`,
    );
  }

  // ---- values
  const xs = features.values();
  const { y: ys, numClasses } = toLabels(rawLabels, numClassesOption, ctx);
  return makeDataset(xs, sampleShape, ys, numClasses, options.name);
}


/** Reads the structure of `x`; values are converted (and checked) only when asked for. */
function readFeatureBlock(x: FeatureInput, sampleShapeOption: number[] | undefined, ctx: string): { size: number; sampleShape: number[]; values: () => Float32Array } {
  const raw = readFeatures(x, ctx);
  let count: number;
  let sampleShape: number[];
  if (raw.shape === undefined) {
    const total = raw.values.length;
    if (total === 0) throw new DataError('EMPTY_DATA', `${ctx}: x is empty (no values)`);
    if (sampleShapeOption === undefined) {
      throw new DataError(
        'SAMPLE_SHAPE_REQUIRED',
        `${ctx}: x is flat (${total} values); pass options.sampleShape (e.g. [28, 28, 1]) or a nested array / tensor with the sample axis first`,
      );
    }
    const sampleSize = product(sampleShapeOption);
    if (total % sampleSize !== 0) {
      throw new DataError(
        'SHAPE_MISMATCH',
        `${ctx}: x has ${total} values, which is not a multiple of the sample size ${sampleSize} (sampleShape ${fmtShape(sampleShapeOption)})`,
      );
    }
    count = total / sampleSize;
    sampleShape = sampleShapeOption;
  } else {
    const shape = raw.shape;
    count = shape[0];
    if (count === 0) throw new DataError('EMPTY_DATA', `${ctx}: x has no samples (shape ${fmtShape(shape)})`);
    const inner = shape.slice(1);
    if (product(inner) === 0) {
      throw new DataError('EMPTY_DATA', `${ctx}: x samples have no values (shape ${fmtShape(shape)})`);
    }
    if (sampleShapeOption !== undefined) {
      if (product(sampleShapeOption) !== product(inner)) {
        throw new DataError(
          'SHAPE_MISMATCH',
          `${ctx}: x samples have shape ${fmtShape(inner)} (${product(inner)} values), but options.sampleShape ${fmtShape(sampleShapeOption)} has ${product(sampleShapeOption)} values`,
        );
      }
      sampleShape = sampleShapeOption;
    } else {
      sampleShape = inner.length === 2 ? [...inner, 1] : inner;
    }
  }

  return { size: count, sampleShape, values: () => toFloat32Checked(raw, sampleShape, ctx) };
}

/** Unlabelled samples: what {@link toFeatures} returns. */
export interface Features {
  readonly x: Float32Array;
  readonly sampleShape: readonly number[];
  readonly size: number;
}

/**
 * Converts unlabelled samples (for prediction) with the same rules and checks as
 * {@link createDataset}'s `x`.
 *
 * @throws DataError `EMPTY_DATA`, `RAGGED_ARRAY`, `SHAPE_MISMATCH`, `NOT_FINITE`, ...
 * @example
 * ```ts
 * import { toFeatures } from '@autonas/data';
 * const f = toFeatures(new Float32Array(8), { sampleShape: [2, 2, 1] });
 * f.size; // 2
 * ```
 */
export function toFeatures(x: FeatureInput, options: { sampleShape?: readonly number[]; name?: string } = {}): Features {
  const ctx = where(options.name, 'toFeatures');
  const sampleShapeOption = options.sampleShape === undefined ? undefined : checkSampleShapeOption(options.sampleShape, ctx);
  const block = readFeatureBlock(x, sampleShapeOption, ctx);
  return Object.freeze({ x: block.values(), sampleShape: Object.freeze([...block.sampleShape]), size: block.size });
}
