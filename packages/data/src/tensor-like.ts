// The input types that both dataset.ts and input-check.ts read (here so neither imports the other's types).

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
