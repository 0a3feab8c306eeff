import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { ConfigurationError } from '@autonas/core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { conv2dBackpropInputFor } from './conv2d-backprop-input.js';
import { perChannelBatchNorm } from './batch-norm.js';
import { explicitTransposeMatMul } from './mat-mul.js';
import { heapSlice, sharingCast, sharingIdentity } from './memory.js';
import { firstMaxPoolGrad, tiledAvgPoolGrad } from './pool-grad.js';
import { leadingAxesReduction } from './reduce.js';
import { replaceKernel, restoreKernel } from './replace.js';
import { fastBatchNormGradient, fastMeanGradient, replaceGradient, restoreGradient } from './gradients.js';
import { broadcastTile } from './tile.js';

export { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
export { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
export { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
export { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
export {
  DILATED_CONV_GRADIENTS,
  dilatedConv2DGradient,
  dilatedDepthwiseGradient,
  registerDilatedConvGradients,
  restoreDilatedConvGradients,
  upsampleFilter,
  type DilatedConvGradient,
} from './dilated-conv-grad.js';
export { poolWindowCounts, registerAvgPoolGradientFix, restoreAvgPoolGradient } from './avg-pool-grad.js';

/** The kernels {@link registerWasmTrainingKernels} adds to the `wasm` backend when it lacks them. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
] as const;

const FACTORIES: Record<(typeof WASM_TRAINING_KERNELS)[number], (backendName: string) => KernelConfig> = {
  Conv2DBackpropFilter: conv2dBackpropFilterConfig,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInputConfig,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilterConfig,
};

/**
 * Kernels the `wasm` backend of tfjs-backend-wasm 4.22 has but that are slow on shapes training
 * meets, which {@link registerWasmTrainingKernels} wraps with faster compositions (falling back to
 * the original outside the cases it speeds up):
 *
 * - `BatchMatMul`, `_FusedMatMul`: a transposed operand (dense-layer gradients) is transposed
 *   explicitly first, so that XNNPACK multiplies (≈6–12× faster on dense gradients);
 * - `MaxPoolGrad`: composed of XNNPACK kernels, transposes and slices (≈3× for 2×2 pools). This
 *   also fixes it: the wasm kernel loses the gradient of windows whose maximum is not positive
 *   (but the first such window), e.g. windows of negative values when pooling a linear or
 *   batch-normalised activation (all-zero windows after a ReLU too, harmlessly: the ReLU zeroes
 *   those gradients); this one gives each window's gradient to its first maximum, as cpu does;
 * - `AvgPoolGrad`: pools whose windows do not overlap become a broadcasting product (≈5×);
 * - `Sum`, `Mean`: reductions over leading axes (`[B,H,W,C] → [C]`, batch norm) become one
 *   XNNPACK `AvgPool` window over the reduced rows (≈15×);
 * - `Tile`: becomes a broadcast (the batch-norm gradient tiles per-channel vectors; ≈40×);
 * - `FusedBatchNorm`: per-channel parameters become `x·a + b` (≈3×);
 * - `Identity`: shares its input's data instead of copying it (the engine clones every tensor it
 *   saves for the backward pass); `Cast` likewise when the dtype stays;
 * - `Slice`: copies only the slice from the wasm heap, not first all of the input (≈10–30×).
 */
export const WASM_FAST_PATH_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'MaxPoolGrad',
  'AvgPoolGrad',
  'Sum',
  'Mean',
  'Tile',
  'FusedBatchNorm',
  'Identity',
  'Cast',
  'Slice',
] as const;

/** One of {@link WASM_FAST_PATH_KERNELS}. */
export type WasmFastPathKernel = (typeof WASM_FAST_PATH_KERNELS)[number];

const FAST_PATHS: Record<WasmFastPathKernel, (backendName: string, original: KernelFunc) => KernelFunc> = {
  BatchMatMul: (b, o) => explicitTransposeMatMul('BatchMatMul', b, o),
  _FusedMatMul: (b, o) => explicitTransposeMatMul('_FusedMatMul', b, o),
  MaxPoolGrad: firstMaxPoolGrad,
  AvgPoolGrad: tiledAvgPoolGrad,
  Sum: (b, o) => leadingAxesReduction('Sum', b, o),
  Mean: (b, o) => leadingAxesReduction('Mean', b, o),
  Tile: broadcastTile,
  FusedBatchNorm: perChannelBatchNorm,
  Identity: sharingIdentity,
  Cast: sharingCast,
  Slice: heapSlice,
};

/** Options of {@link registerWasmTrainingKernels}. */
export interface WasmTrainingKernelOptions {
  /**
   * Replace the wasm backend's own `Conv2DBackpropInput` (a plain loop in tfjs-backend-wasm
   * 4.22, ≈115 ms per training step of a small CNN) by one composed of its XNNPACK `Conv2D`
   * (≈20 ms; see `conv2dBackpropInputFor`). Default true: it matches the cpu backend as the
   * original does, and trains the default network of the search space 1.3× faster on its own.
   */
  replaceConv2DBackpropInput?: boolean;
  /**
   * Wrap the slow wasm kernels of {@link WASM_FAST_PATH_KERNELS} with faster compositions:
   * true (the default) for all, false for none, or a list of kernel names.
   */
  fastPaths?: boolean | readonly WasmFastPathKernel[];
  /**
   * Replace the gradients of {@link WASM_FAST_GRADIENTS} by versions that do less full-size work
   * while the wasm backend is active (other backends keep tfjs's): true (the default) for all,
   * false for none, or a list of kernel names. Gradients are registered when tfjs-layers (or
   * tfjs-core's full build) is imported: call this after that, or there is nothing to replace.
   */
  fastGradients?: boolean | readonly WasmFastGradient[];
}

/**
 * Kernels whose gradient {@link registerWasmTrainingKernels} replaces, on the wasm backend only:
 *
 * - `Mean`: broadcasts `dy / n` instead of multiplying it with ones built in JavaScript;
 * - `FusedBatchNorm`: shares the full-size products between the parameter gradients (3 full-size
 *   kernels instead of about 12 and a `Tile`).
 */
export const WASM_FAST_GRADIENTS = ['Mean', 'FusedBatchNorm'] as const;

/** One of {@link WASM_FAST_GRADIENTS}. */
export type WasmFastGradient = (typeof WASM_FAST_GRADIENTS)[number];

const FAST_GRADIENTS: Record<WasmFastGradient, Parameters<typeof replaceGradient>[2]> = {
  Mean: fastMeanGradient,
  FusedBatchNorm: fastBatchNormGradient,
};

/**
 * Registers, for the `wasm` backend of `@tensorflow/tfjs-backend-wasm` 4.x, the kernels that
 * convolutional networks need to train and that it does not ship: `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput` and `DepthwiseConv2dNativeBackpropFilter`. Each is
 * composed of kernels the wasm backend has (mainly its XNNPACK `Conv2D`, `BatchMatMul` and
 * `DepthwiseConv2dNative`, plus `Transpose`/`PadV2`/`Reshape`/`Reverse`/`Sum`). NHWC only;
 * `Conv2DBackpropFilter` supports dilation 1 only (as tfjs' own conv2d gradient does).
 *
 * It also speeds training up (by default; see {@link WasmTrainingKernelOptions}): it replaces the
 * slow `Conv2DBackpropInput`, wraps the kernels of {@link WASM_FAST_PATH_KERNELS}, each keeping
 * the original for the cases it does not speed up, and replaces the gradients of
 * {@link WASM_FAST_GRADIENTS} while wasm is the active backend. Results match the cpu backend
 * within float32 rounding. {@link restoreWasmKernels} undoes these replacements.
 *
 * Idempotent: a kernel it already registered or replaced is left alone. The missing kernels are
 * registered only when missing, so a later tfjs that ships its own wins. Safe to call before or
 * after the wasm backend is initialised; call it after importing `@tensorflow/tfjs-backend-wasm`
 * so that it sees the backend's own kernels (a fast path for a kernel the backend does not have
 * is skipped).
 *
 * @returns the names of the kernels registered or replaced by this call (empty when there was
 *   nothing to do)
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { registerWasmTrainingKernels } from '@autonas/tfjs';
 *
 * registerWasmTrainingKernels();
 * await tf.setBackend('wasm');
 * const x = tf.randomNormal([2, 8, 8, 3]);
 * const f = tf.randomNormal([3, 3, 3, 4]);
 * const df = tf.grad((w) => tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))(f); // works on wasm now
 * ```
 */
export function registerWasmTrainingKernels(options: WasmTrainingKernelOptions = {}): string[] {
  const registered: string[] = [];
  for (const name of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(name, 'wasm') !== undefined) continue;
    tf.registerKernel(FACTORIES[name]('wasm'));
    registered.push(name);
  }
  if (options.replaceConv2DBackpropInput !== false) {
    if (replaceKernel('wasm', 'Conv2DBackpropInput', () => conv2dBackpropInputFor('wasm'))) registered.push('Conv2DBackpropInput');
  }
  const fast = options.fastPaths ?? true;
  const names: readonly WasmFastPathKernel[] = fast === true ? WASM_FAST_PATH_KERNELS : fast === false ? [] : fast;
  for (const name of names) {
    const make = FAST_PATHS[name];
    if (make === undefined) throw new ConfigurationError('UNKNOWN_KERNEL', `fastPaths: no fast path for kernel '${name}'`);
    if (tf.getKernel(name, 'wasm') === undefined) continue; // nothing to wrap
    if (replaceKernel('wasm', name, (original) => make('wasm', original!))) registered.push(name);
  }
  const grads = options.fastGradients ?? true;
  const gradNames: readonly WasmFastGradient[] = grads === true ? WASM_FAST_GRADIENTS : grads === false ? [] : grads;
  for (const name of gradNames) {
    const fast = FAST_GRADIENTS[name];
    if (fast === undefined) throw new ConfigurationError('UNKNOWN_KERNEL', `fastGradients: no fast gradient for kernel '${name}'`);
    if (replaceGradient('wasm', name, fast)) registered.push(`${name} (gradient)`);
  }
  return registered;
}

/**
 * Undoes the replacements of {@link registerWasmTrainingKernels} (`Conv2DBackpropInput`, the
 * fast paths and the fast gradients), registering the wasm backend's own kernels and tfjs's
 * gradients again, e.g. to compare speeds. The kernels it added because wasm lacks them stay.
 *
 * @param names - the kernels to restore, `'<kernel> (gradient)'` for a gradient (default: all it
 *   replaced)
 * @returns the names of the kernels restored
 *
 * @example
 * ```ts
 * import { registerWasmTrainingKernels, restoreWasmKernels } from '@autonas/tfjs';
 * registerWasmTrainingKernels();
 * restoreWasmKernels(['Tile']); // back to tfjs' own Tile
 * ```
 */
export function restoreWasmKernels(
  names: readonly string[] = ['Conv2DBackpropInput', ...WASM_FAST_PATH_KERNELS, ...WASM_FAST_GRADIENTS.map((n) => `${n} (gradient)`)],
): string[] {
  return names.filter((name) => {
    const gradient = /^(.*) \(gradient\)$/.exec(name);
    return gradient !== null ? restoreGradient(gradient[1]!) : restoreKernel('wasm', name);
  });
}

export { isKernelReplaced } from './replace.js';
