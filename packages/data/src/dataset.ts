import { ConfigurationError, DataError, Random } from '@autonas/core';

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
 * Anything that looks like a TensorFlow.js tensor: a `shape` plus `dataSync()` (preferred,
 * a flat row-major array) and/or `arraySync()` (nested arrays). This package never imports
 * TensorFlow.js; a `tf.Tensor` satisfies this interface structurally.
 *
 * @example
 * ```ts
 * import type { TensorLike } from '@autonas/data';
 * const fake: TensorLike = { shape: [2, 2], dataSync: () => new Float32Array([1, 2, 3, 4]) };
 * ```
 */
export interface TensorLike {
  /** Full shape, the first axis being the sample axis. */
  readonly shape: readonly number[];
  /** Flat row-major values; `length === prod(shape)`. */
  dataSync?(): ArrayLike<unknown>;
  /** Nested arrays of values. Used only when `dataSync` is absent. */
  arraySync?(): unknown;
}

/**
 * Typed arrays accepted as numeric input.
 *
 * @example
 * ```ts
 * import type { NumericTypedArray } from '@autonas/data';
 * const pixels: NumericTypedArray = new Uint8Array(784);
 * ```
 */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

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
  | 'BAD_COLUMN';

/** Largest label allowed, so that `numClasses = label + 1` still fits an int32. */
const MAX_LABEL = 2 ** 31 - 2;

// ---------------------------------------------------------------------------------------------
// small utilities

function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function fmtPath(base: string, path: readonly number[]): string {
  return base + path.map((i) => `[${i}]`).join('');
}

function fmtValue(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v) || isTypedArray(v)) {
    const arr = Array.from(v as ArrayLike<unknown>);
    const head = arr.slice(0, 12).map(fmtValue).join(', ');
    return `[${head}${arr.length > 12 ? `, … (${arr.length} values)` : ''}]`;
  }
  return typeof v;
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (isTypedArray(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function isTypedArray(v: unknown): v is NumericTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isTensorLike(v: unknown): v is TensorLike {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const t = v as Partial<Record<'shape' | 'dataSync' | 'arraySync', unknown>>;
  return Array.isArray(t.shape) && (typeof t.dataSync === 'function' || typeof t.arraySync === 'function');
}

function where(name: string | undefined, fn = 'createDataset'): string {
  return name === undefined ? fn : `${fn}(${JSON.stringify(name)})`;
}

/** Multi-index of flat position `flat` within a sample of shape `shape`. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

function checkSeed(seed: unknown, fn: string): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ConfigurationError('INVALID_OPTION', `${fn}: seed must be a finite number, got ${fmtValue(seed)}`);
  }
  return seed;
}

// ---------------------------------------------------------------------------------------------
// nested arrays

/** Shape of a nested array, following the first element at each level. */
function inferShape(v: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = v;
  for (;;) {
    if (isTypedArray(cur)) {
      shape.push(cur.length);
      return shape;
    }
    if (!Array.isArray(cur)) return shape;
    shape.push(cur.length);
    if (cur.length === 0) return shape;
    cur = cur[0];
  }
}

/**
 * Flattens a nested array of the given (inferred) shape into `out`, checking that it is not
 * ragged and holds only numbers.
 */
function flattenNested(
  root: unknown,
  shape: readonly number[],
  out: { [i: number]: number },
  label: string,
  ctx: string,
): void {
  let pos = 0;
  const path: number[] = [];
  const leafDepth = shape.length; // depth at which numbers live
  const reference = (d: number) => fmtPath(label, new Array<number>(d).fill(0));

  const notNumber = (v: unknown, at: string): never => {
    if (Array.isArray(v) || isTypedArray(v)) {
      throw new DataError(
        'RAGGED_ARRAY',
        `${ctx}: ${at} is ${describeType(v)}, but ${reference(leafDepth)} is a number (ragged array: every sample must have the same shape ${fmtShape(shape.slice(1))})`,
      );
    }
    throw new DataError('NOT_NUMERIC', `${ctx}: ${at} is ${describeType(v)} (${fmtValue(v)}), expected a number`);
  };

  const rec = (v: unknown, d: number): void => {
    const expected = shape[d];
    if (isTypedArray(v)) {
      if (d !== leafDepth - 1) {
        throw new DataError(
          'RAGGED_ARRAY',
          `${ctx}: ${fmtPath(label, path)} is ${describeType(v)} of numbers, but ${reference(d)} holds nested arrays (ragged array)`,
        );
      }
      if (v.length !== expected) {
        throw new DataError(
          'RAGGED_ARRAY',
          `${ctx}: ${fmtPath(label, path)} has length ${v.length}, but ${reference(d)} has length ${expected} (ragged array: every sample must have the same shape ${fmtShape(shape.slice(1))})`,
        );
      }
      for (let i = 0; i < v.length; i++) out[pos++] = v[i];
      return;
    }
    if (!Array.isArray(v)) {
      if (typeof v === 'number') {
        throw new DataError(
          'RAGGED_ARRAY',
          `${ctx}: ${fmtPath(label, path)} is a number, but ${reference(d)} is an array of length ${expected} (ragged array)`,
        );
      }
      throw new DataError(
        'NOT_NUMERIC',
        `${ctx}: ${fmtPath(label, path)} is ${describeType(v)}, expected an array of length ${expected}`,
      );
    }
    if (v.length !== expected) {
      throw new DataError(
        'RAGGED_ARRAY',
        `${ctx}: ${fmtPath(label, path)} has length ${v.length}, but ${reference(d)} has length ${expected} (ragged array: every sample must have the same shape ${fmtShape(shape.slice(1))})`,
      );
    }
    if (d === leafDepth - 1) {
      for (let i = 0; i < v.length; i++) {
        const e: unknown = v[i];
        if (typeof e !== 'number') notNumber(e, fmtPath(label, [...path, i]));
        out[pos++] = e as number;
      }
      return;
    }
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      rec(v[i], d + 1);
      path.pop();
    }
  };
  rec(root, 0);
}

// ---------------------------------------------------------------------------------------------
// features

interface RawFeatures {
  /** Flat values, row-major. */
  readonly values: ArrayLike<unknown>;
  /** `values` is a fresh float32 copy made here (numbers checked), safe to keep without copying. */
  readonly owned?: boolean;
  /** The input value behind flat index `i` (for messages, when `values` is a float32 copy). */
  readonly original?: (i: number) => unknown;
  /** Full shape with the sample axis first, or `undefined` for flat input without shape. */
  readonly shape: readonly number[] | undefined;
}

function checkTensorShape(shape: readonly unknown[], label: string, ctx: string): number[] {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new DataError('INVALID_INPUT', `${ctx}: ${label}.shape[${i}] = ${fmtValue(d)} is not a valid dimension`);
    }
  }
  return shape as number[];
}

function readNested(root: readonly unknown[], label: string, ctx: string): RawFeatures {
  if (root.length === 0) throw new DataError('EMPTY_DATA', `${ctx}: ${label} is empty (no samples)`);
  const shape = inferShape(root);
  const out = new Float32Array(product(shape));
  flattenNested(root, shape, out, label, ctx);
  const original = (i: number): unknown => {
    let v: unknown = root;
    for (const k of unravel(i, shape)) v = (v as ArrayLike<unknown>)[k];
    return v;
  };
  return { values: out, owned: true, original, shape: shape.length === 1 ? undefined : shape };
}

function readFeatures(x: unknown, ctx: string): RawFeatures {
  if (isTypedArray(x)) return { values: x, shape: undefined };
  if (Array.isArray(x)) return readNested(x, 'x', ctx);
  if (isTensorLike(x)) {
    const shape = checkTensorShape(x.shape, 'x', ctx);
    if (typeof x.dataSync === 'function') {
      const values = x.dataSync();
      if (values == null || typeof values.length !== 'number') {
        throw new DataError('INVALID_INPUT', `${ctx}: x.dataSync() did not return an array`);
      }
      if (values.length !== product(shape)) {
        throw new DataError(
          'SHAPE_MISMATCH',
          `${ctx}: x.dataSync() returned ${values.length} values, but x.shape ${fmtShape(shape)} needs ${product(shape)}`,
        );
      }
      return { values, shape: shape.length <= 1 ? undefined : shape };
    }
    const nested = x.arraySync!();
    if (!Array.isArray(nested)) {
      throw new DataError('SHAPE_MISMATCH', `${ctx}: x is a scalar tensor; expected at least one axis (samples)`);
    }
    return readNested(nested, 'x', ctx);
  }
  throw new DataError(
    'INVALID_INPUT',
    `${ctx}: x is ${describeType(x)}; expected a tensor-like, a nested number array or a typed array`,
  );
}

function checkSampleShapeOption(sampleShape: unknown, ctx: string): number[] {
  if (
    !Array.isArray(sampleShape) ||
    sampleShape.length === 0 ||
    !sampleShape.every((d) => typeof d === 'number' && Number.isInteger(d) && d > 0)
  ) {
    throw new ConfigurationError(
      'INVALID_OPTION',
      `${ctx}: options.sampleShape must be a non-empty array of positive integers, got ${fmtValue(sampleShape)}`,
    );
  }
  return [...(sampleShape as number[])];
}

function toFloat32Checked(raw: RawFeatures, sampleShape: readonly number[], ctx: string): Float32Array {
  const { values } = raw;
  const n = values.length;
  let out: Float32Array;
  if (raw.owned === true && values instanceof Float32Array) {
    out = values;
  } else if (values instanceof Float32Array) {
    out = new Float32Array(values); // copy: the dataset must not alias caller memory
  } else if (isTypedArray(values)) {
    out = new Float32Array(n);
    out.set(values);
  } else {
    out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number') {
        const sampleSize = product(sampleShape);
        throw new DataError(
          'NOT_NUMERIC',
          `${ctx}: x has ${describeType(v)} (${fmtValue(v)}) at sample ${Math.floor(i / sampleSize)}, element ${fmtShape(unravel(i % sampleSize, sampleShape))} (flat index ${i}); expected a number`,
        );
      }
      out[i] = v;
    }
  }
  checkFinite(out, raw.original ?? ((i) => values[i]), sampleShape, ctx);
  return out;
}

function checkFinite(
  out: Float32Array,
  original: (i: number) => unknown,
  sampleShape: readonly number[],
  ctx: string,
): void {
  for (let i = 0; i < out.length; i++) {
    const v = out[i];
    if (v - v !== 0) {
      // NaN or ±Infinity
      const sampleSize = product(sampleShape);
      const orig = original(i);
      const what =
        typeof orig === 'number' && Number.isFinite(orig)
          ? `${fmtValue(orig)}, which overflows float32`
          : fmtValue(orig);
      throw new DataError(
        'NOT_FINITE',
        `${ctx}: x has a non-finite value (${what}) at sample ${Math.floor(i / sampleSize)}, element ${fmtShape(unravel(i % sampleSize, sampleShape))} (flat index ${i})`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// labels

interface RawLabels {
  readonly labels: ArrayLike<unknown>;
  /** Width of the one-hot rows the labels were decoded from, if any. */
  readonly oneHotWidth: number | undefined;
}

function decodeOneHot(flat: ArrayLike<unknown>, n: number, width: number, ctx: string): RawLabels {
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let hot = -1;
    let ok = true;
    for (let c = 0; c < width; c++) {
      const v = flat[r * width + c];
      if (v === 1) {
        if (hot !== -1) ok = false;
        hot = c;
      } else if (v !== 0) {
        ok = false;
      }
      if (!ok) break;
    }
    if (!ok || hot === -1) {
      const row = Array.from({ length: width }, (_, c) => flat[r * width + c]);
      throw new DataError(
        'LABEL_NOT_ONE_HOT',
        `${ctx}: y[${r}] = ${fmtValue(row)} is not a one-hot row (exactly one 1 and zeros elsewhere); pass integer labels instead of probabilities`,
      );
    }
    labels[r] = hot;
  }
  return { labels, oneHotWidth: width };
}

function fromRows(flat: ArrayLike<unknown>, shape: readonly number[], ctx: string): RawLabels {
  if (shape.length === 1) return { labels: flat, oneHotWidth: undefined };
  if (shape.length !== 2) {
    throw new DataError(
      'SHAPE_MISMATCH',
      `${ctx}: y has shape ${fmtShape(shape)}; expected 1-D integer labels or 2-D one-hot rows`,
    );
  }
  const [n, width] = shape;
  if (width === 1) return { labels: flat, oneHotWidth: undefined }; // a column of labels
  if (width === 0) throw new DataError('EMPTY_DATA', `${ctx}: y rows are empty (shape ${fmtShape(shape)})`);
  return decodeOneHot(flat, n, width, ctx);
}

function readLabels(y: unknown, ctx: string): RawLabels {
  if (isTypedArray(y)) return { labels: y, oneHotWidth: undefined };
  if (Array.isArray(y)) {
    if (y.length === 0) throw new DataError('EMPTY_DATA', `${ctx}: y is empty (no labels)`);
    const first: unknown = y[0];
    if (!Array.isArray(first) && !isTypedArray(first)) {
      for (let i = 0; i < y.length; i++) {
        const v: unknown = y[i];
        if (Array.isArray(v) || isTypedArray(v)) {
          throw new DataError('RAGGED_ARRAY', `${ctx}: y[${i}] is ${describeType(v)}, but y[0] is a single label`);
        }
      }
      return { labels: y, oneHotWidth: undefined };
    }
    const shape = inferShape(y);
    if (shape.length > 2) {
      throw new DataError(
        'SHAPE_MISMATCH',
        `${ctx}: y has shape ${fmtShape(shape)}; expected 1-D integer labels or 2-D one-hot rows`,
      );
    }
    const flat = new Float64Array(product(shape));
    flattenNested(y, shape, flat, 'y', ctx);
    return fromRows(flat, shape, ctx);
  }
  if (isTensorLike(y)) {
    const shape = checkTensorShape(y.shape, 'y', ctx);
    if (typeof y.dataSync === 'function') {
      const flat = y.dataSync();
      if (flat == null || typeof flat.length !== 'number') {
        throw new DataError('INVALID_INPUT', `${ctx}: y.dataSync() did not return an array`);
      }
      if (flat.length !== product(shape)) {
        throw new DataError(
          'SHAPE_MISMATCH',
          `${ctx}: y.dataSync() returned ${flat.length} values, but y.shape ${fmtShape(shape)} needs ${product(shape)}`,
        );
      }
      if (flat.length === 0) throw new DataError('EMPTY_DATA', `${ctx}: y is empty (shape ${fmtShape(shape)})`);
      return fromRows(flat, shape, ctx);
    }
    return readLabels(y.arraySync!(), ctx);
  }
  throw new DataError(
    'INVALID_INPUT',
    `${ctx}: y is ${describeType(y)}; expected integer labels (array, typed array, 1-D tensor) or one-hot rows`,
  );
}

function checkNumClassesOption(numClasses: unknown, ctx: string): number | undefined {
  if (numClasses === undefined) return undefined;
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses)) {
    throw new ConfigurationError(
      'INVALID_OPTION',
      `${ctx}: options.numClasses must be an integer, got ${fmtValue(numClasses)}`,
    );
  }
  if (numClasses < 2) {
    throw new DataError(
      'TOO_FEW_CLASSES',
      `${ctx}: numClasses is ${numClasses}; classification needs at least 2 classes`,
    );
  }
  if (numClasses > MAX_LABEL + 1) {
    throw new ConfigurationError('INVALID_OPTION', `${ctx}: options.numClasses ${numClasses} is too large`);
  }
  return numClasses;
}

/** The class count of undeclared labels: their distinct values must be exactly 0..K-1, K >= 2. */
function inferClasses(labels: ArrayLike<number>, max: number, ctx: string): number {
  // Negative or huge labels are reported one by one (LABEL_OUT_OF_RANGE) by the caller.
  if (max < 0 || max > MAX_LABEL || Array.prototype.some.call(labels, (v: number) => v < 0)) return Math.max(2, Math.min(max, MAX_LABEL) + 1);
  const seen = new Uint8Array(max + 1);
  let distinct = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v >= 0 && seen[v] === 0) {
      seen[v] = 1;
      distinct++;
    }
  }
  if (distinct < 2) {
    throw new DataError(
      'TOO_FEW_CLASSES',
      `${ctx}: every label is ${max}: one class cannot be classified (a model would score 100% by answering ${max}); give at least 2 classes, or declare them with options.numClasses`,
    );
  }
  if (distinct !== max + 1) {
    const missing: number[] = [];
    for (let c = 0; c <= max && missing.length < 5; c++) if (!seen[c]) missing.push(c);
    throw new DataError(
      'LABEL_GAPS',
      `${ctx}: the labels have ${distinct} distinct values up to ${max}, so ${max + 1 - distinct} of the classes 0..${max} never occur (e.g. ${missing.join(', ')}); labels must be 0..K-1, or declare the classes with options.numClasses or options.classes`,
    );
  }
  return distinct;
}

/**
 * The number of classes of integer labels: the declared count (`numClasses`, or `classes.length`)
 * when given, after checking every label is inside it; otherwise inferred from the distinct
 * labels, which must be exactly `0..K-1` with K >= 2. This is what {@link createDataset} does;
 * a pipeline that reads labels itself calls it instead of taking the largest label + 1 (one stray
 * label 99 must not make a 100-class model, nor labels 1..10 an 11-class one).
 *
 * @param labels - integer class labels
 * @param declared - the class count, or the class names, when the user gives them
 * @returns the number of classes
 * @throws DataError `TOO_FEW_CLASSES` (one class), `LABEL_GAPS` (labels not 0..K-1, undeclared),
 *   `LABEL_NOT_INTEGER`, `LABEL_OUT_OF_RANGE`
 * @throws ConfigurationError `INVALID_OPTION` for a malformed declaration
 * @example
 * ```ts
 * import { resolveClasses } from '@autonas/data';
 * resolveClasses([0, 1, 2, 1]);          // 3
 * resolveClasses([0, 2], 3);              // 3: class 1 is declared, absent here
 * resolveClasses([1, 0], ['cat', 'dog']); // 2
 * // resolveClasses([3, 3, 3]) throws TOO_FEW_CLASSES; resolveClasses([1, 2, 3]) throws LABEL_GAPS
 * ```
 */
export function resolveClasses(labels: ArrayLike<number>, declared?: number | readonly string[]): number {
  const ctx = 'resolveClasses';
  const option = typeof declared === 'number' || declared === undefined ? checkNumClassesOption(declared, ctx) : checkClassNames(declared, ctx);
  return toLabels({ labels: Array.from(labels), oneHotWidth: undefined }, option, ctx).numClasses;
}

/** The class count of `options.classes`, checked. */
function checkClassNames(classes: unknown, ctx: string): number {
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string' && c.length > 0) || new Set(classes).size !== classes.length) {
    throw new ConfigurationError('INVALID_OPTION', `${ctx}: options.classes must be a list of distinct non-empty class names, got ${fmtValue(classes)}`);
  }
  return checkNumClassesOption(classes.length, ctx)!;
}

function toLabels(raw: RawLabels, numClassesOption: number | undefined, ctx: string): { y: Int32Array; numClasses: number } {
  const { labels, oneHotWidth } = raw;
  const n = labels.length;
  let max = -1;
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      throw new DataError(
        'LABEL_NOT_INTEGER',
        `${ctx}: y[${i}] = ${fmtValue(v)} is not an integer class label`,
      );
    }
    if (v > max) max = v;
  }
  let numClasses: number;
  if (oneHotWidth !== undefined) {
    if (numClassesOption !== undefined && numClassesOption !== oneHotWidth) {
      throw new DataError(
        'NUM_CLASSES_MISMATCH',
        `${ctx}: y one-hot rows have width ${oneHotWidth}, but options.numClasses is ${numClassesOption}`,
      );
    }
    numClasses = oneHotWidth;
  } else if (numClassesOption !== undefined) {
    numClasses = numClassesOption;
  } else {
    numClasses = inferClasses(labels as ArrayLike<number>, max, ctx);
  }
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i] as number;
    if (v < 0 || v >= numClasses) {
      const why = numClassesOption === undefined && v >= 0 ? ' (labels above 2^31 - 2 are not supported)' : '';
      throw new DataError(
        'LABEL_OUT_OF_RANGE',
        `${ctx}: y[${i}] = ${fmtValue(v)} is outside [0, ${numClasses})${why}`,
      );
    }
    y[i] = v;
  }
  return { y, numClasses };
}

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

// ---------------------------------------------------------------------------------------------
// helpers

/** Number of float values of one sample. */
function sampleSizeOf(ds: Dataset): number {
  return product(ds.sampleShape);
}

function derivedName(ds: Dataset, suffix: string): string | undefined {
  return ds.name === undefined ? undefined : `${ds.name}/${suffix}`;
}

function gather(ds: Dataset, indices: ArrayLike<number>, name: string | undefined): Dataset {
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
    if (t) (t.set(d.targets!, to), (to += d.targets!.length));
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

/**
 * Multiplies every feature by `factor`, e.g. `1 / 255` to bring bytes into [0, 1].
 *
 * @throws ConfigurationError `INVALID_OPTION` when `factor` is not finite.
 *
 * @example
 * ```ts
 * import { createDataset, scale } from '@autonas/data';
 * const ds = createDataset(new Uint8Array([0, 255, 51, 102]), [0, 1], { sampleShape: [2] });
 * scale(ds, 1 / 255).x; // Float32Array [0, 1, 0.2, 0.4]
 * ```
 */
export function scale(ds: Dataset, factor: number): Dataset {
  if (typeof factor !== 'number' || !Number.isFinite(factor)) {
    throw new ConfigurationError('INVALID_OPTION', `scale: factor must be a finite number, got ${fmtValue(factor)}`);
  }
  const x = new Float32Array(ds.x.length);
  for (let i = 0; i < x.length; i++) x[i] = ds.x[i] * factor;
  return makeDataset(x, ds.sampleShape, ds.y, ds.numClasses, ds.name, ds.targets);
}

/**
 * Number of samples of each class; `result[c]` counts label `c`, `result.length === numClasses`.
 *
 * @example
 * ```ts
 * import { classCounts, createDataset } from '@autonas/data';
 * classCounts(createDataset([[0], [1], [2]], [0, 2, 2], { numClasses: 3 })); // [1, 0, 2]
 * ```
 */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(ds.numClasses).fill(0);
  for (let i = 0; i < ds.size; i++) counts[ds.y[i]]++;
  return counts;
}

/**
 * The labels as one-hot rows, row-major `[size, numClasses]` float32 (what
 * `categoricalCrossentropy` training expects).
 *
 * @example
 * ```ts
 * import { createDataset, oneHotLabels } from '@autonas/data';
 * oneHotLabels(createDataset([[0], [1]], [1, 0])); // Float32Array [0, 1, 1, 0]
 * ```
 */
export function oneHotLabels(ds: Dataset): Float32Array {
  const out = new Float32Array(ds.size * ds.numClasses);
  for (let i = 0; i < ds.size; i++) out[i * ds.numClasses + ds.y[i]] = 1;
  return out;
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

/**
 * Shrinks images `[h, w, c]` by averaging `factor × factor` blocks (rows and columns that do not
 * fill a block are dropped): MNIST at 14×14 costs a quarter of the compute of 28×28.
 *
 * @example
 * ```ts
 * import { createDataset, downsample } from '@autonas/data';
 * const ds = createDataset(new Float32Array(2 * 4 * 4).map((_, i) => i), [0, 1], { sampleShape: [4, 4, 1] });
 * console.log(downsample(ds, 2).sampleShape); // [2, 2, 1]
 * ```
 */
export function downsample(ds: Dataset, factor: number): Dataset {
  if (!Number.isInteger(factor) || factor < 1) throw new ConfigurationError('INVALID_OPTION', `downsample: factor must be a positive integer, got ${fmtValue(factor)}`);
  if (ds.sampleShape.length !== 3) throw new DataError('NOT_IMAGES', `downsample: needs image samples [height, width, channels], got [${ds.sampleShape.join(', ')}]`);
  const [h, w, c] = ds.sampleShape as [number, number, number];
  const oh = Math.floor(h / factor);
  const ow = Math.floor(w / factor);
  if (oh < 1 || ow < 1) throw new DataError('NOT_IMAGES', `downsample: ${h}×${w} images are smaller than the factor ${factor}`);
  const x = new Float32Array(ds.size * oh * ow * c);
  const area = factor * factor;
  for (let n = 0; n < ds.size; n++) {
    const src = n * h * w * c;
    const dst = n * oh * ow * c;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (let a = 0; a < factor; a++) for (let b = 0; b < factor; b++) sum += ds.x[src + ((i * factor + a) * w + j * factor + b) * c + k];
          x[dst + (i * ow + j) * c + k] = sum / area;
        }
  }
  return withFeatures(ds, x, [oh, ow, c], `${ds.name}/${oh}x${ow}`);
}

/**
 * The same samples with new features (resized images, say): labels and regression targets are
 * kept. `x` must hold `ds.size` samples of `sampleShape`.
 *
 * @throws DataError `COUNT_MISMATCH` when `x` does not hold `ds.size` samples of `sampleShape`.
 *
 * @example
 * ```ts
 * import { createDataset, withFeatures } from '@autonas/data';
 * const ds = createDataset([[1, 2], [3, 4]], [0, 1]);
 * withFeatures(ds, new Float32Array([1, 3]), [1]).sampleShape; // [1]
 * ```
 */
export function withFeatures(ds: Dataset, x: Float32Array, sampleShape: readonly number[], name?: string): Dataset {
  const per = sampleShape.reduce((a, b) => a * b, 1);
  if (x.length !== ds.size * per) throw new DataError('COUNT_MISMATCH', `withFeatures: ${x.length} values are not ${ds.size} samples of [${sampleShape.join(', ')}]`);
  return makeDataset(x, sampleShape, ds.y, ds.numClasses, name ?? ds.name, ds.targets);
}
