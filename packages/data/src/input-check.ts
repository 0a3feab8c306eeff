// Input checking for @autonas/data: features and labels read from tensors, typed arrays or nested
// arrays, each bad value reported as a DataError naming its index. Internal: the package index
// exports only resolveClasses from here.
import { ConfigurationError, DataError } from '@autonas/core';
import type { NumericTypedArray, TensorLike } from './tensor-like.js';

/** Largest label allowed, so that `numClasses = label + 1` still fits an int32. */
export const MAX_LABEL = 2 ** 31 - 2;

// ---------------------------------------------------------------------------------------------
// small utilities

export function product(shape: readonly number[]): number {
  let p = 1;
  for (const d of shape) p *= d;
  return p;
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function fmtPath(base: string, path: readonly number[]): string {
  return base + path.map((i) => `[${i}]`).join('');
}

export function fmtValue(v: unknown): string {
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

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (isTypedArray(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

export function isTypedArray(v: unknown): v is NumericTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

export function isTensorLike(v: unknown): v is TensorLike {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return false;
  const t = v as Partial<Record<'shape' | 'dataSync' | 'arraySync', unknown>>;
  return Array.isArray(t.shape) && (typeof t.dataSync === 'function' || typeof t.arraySync === 'function');
}

export function where(name: string | undefined, fn = 'createDataset'): string {
  return name === undefined ? fn : `${fn}(${JSON.stringify(name)})`;
}

/** Multi-index of flat position `flat` within a sample of shape `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return idx;
}

export function checkSeed(seed: unknown, fn: string): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ConfigurationError('INVALID_OPTION', `${fn}: seed must be a finite number, got ${fmtValue(seed)}`);
  }
  return seed;
}

// ---------------------------------------------------------------------------------------------
// nested arrays

/** Shape of a nested array, following the first element at each level. */
export function inferShape(v: unknown): number[] {
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
export function flattenNested(
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

export interface RawFeatures {
  /** Flat values, row-major. */
  readonly values: ArrayLike<unknown>;
  /** `values` is a fresh float32 copy made here (numbers checked), safe to keep without copying. */
  readonly owned?: boolean;
  /** The input value behind flat index `i` (for messages, when `values` is a float32 copy). */
  readonly original?: (i: number) => unknown;
  /** Full shape with the sample axis first, or `undefined` for flat input without shape. */
  readonly shape: readonly number[] | undefined;
}

export function checkTensorShape(shape: readonly unknown[], label: string, ctx: string): number[] {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new DataError('INVALID_INPUT', `${ctx}: ${label}.shape[${i}] = ${fmtValue(d)} is not a valid dimension`);
    }
  }
  return shape as number[];
}

export function readNested(root: readonly unknown[], label: string, ctx: string): RawFeatures {
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

/** A tensor-like's flat values from `dataSync()`, checked against its shape; `undefined` when it has only `arraySync()`. */
function tensorValues(t: TensorLike, shape: readonly number[], label: string, ctx: string): ArrayLike<unknown> | undefined {
  if (typeof t.dataSync !== 'function') return undefined;
  const values = t.dataSync();
  if (values == null || typeof values.length !== 'number') {
    throw new DataError('INVALID_INPUT', `${ctx}: ${label}.dataSync() did not return an array`);
  }
  if (values.length !== product(shape)) {
    throw new DataError('SHAPE_MISMATCH', `${ctx}: ${label}.dataSync() returned ${values.length} values, but ${label}.shape ${fmtShape(shape)} needs ${product(shape)}`);
  }
  return values;
}

export function readFeatures(x: unknown, ctx: string): RawFeatures {
  if (isTypedArray(x)) return { values: x, shape: undefined };
  if (Array.isArray(x)) return readNested(x, 'x', ctx);
  if (isTensorLike(x)) {
    const shape = checkTensorShape(x.shape, 'x', ctx);
    const values = tensorValues(x, shape, 'x', ctx);
    if (values !== undefined) {
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

export function checkSampleShapeOption(sampleShape: unknown, ctx: string): number[] {
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

export function toFloat32Checked(raw: RawFeatures, sampleShape: readonly number[], ctx: string): Float32Array {
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

export function checkFinite(
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

export interface RawLabels {
  readonly labels: ArrayLike<unknown>;
  /** Width of the one-hot rows the labels were decoded from, if any. */
  readonly oneHotWidth: number | undefined;
}

export function decodeOneHot(flat: ArrayLike<unknown>, n: number, width: number, ctx: string): RawLabels {
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

export function fromRows(flat: ArrayLike<unknown>, shape: readonly number[], ctx: string): RawLabels {
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

export function readLabels(y: unknown, ctx: string): RawLabels {
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
    const flat = tensorValues(y, shape, 'y', ctx);
    if (flat !== undefined) {
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

export function checkNumClassesOption(numClasses: unknown, ctx: string): number | undefined {
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
export function inferClasses(labels: ArrayLike<number>, max: number, ctx: string): number {
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
export function checkClassNames(classes: unknown, ctx: string): number {
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string' && c.length > 0) || new Set(classes).size !== classes.length) {
    throw new ConfigurationError('INVALID_OPTION', `${ctx}: options.classes must be a list of distinct non-empty class names, got ${fmtValue(classes)}`);
  }
  return checkNumClassesOption(classes.length, ctx)!;
}

export function toLabels(raw: RawLabels, numClassesOption: number | undefined, ctx: string): { y: Int32Array; numClasses: number } {
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
