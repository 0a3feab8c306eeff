import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composeKernels } from './kernel-calls.js';
import { heapView } from './memory.js';

/** Below this many elements the original kernel is as fast (its transpose costs little). */
const MIN_SIZE = 4096;

/**
 * When `axis` reduces only axes that come before every kept axis (size-1 axes aside; e.g.
 * `[0,1,2]` of NHWC, as batch norm and bias gradients do) and keeps some: the sizes `r`, `c` of
 * the `[reduced, kept]` view and the output shape.
 */
function leadingReduction(
  shape: readonly number[],
  axis: number | number[] | undefined,
  keepDims: boolean,
): { r: number; c: number; outShape: number[] } | undefined {
  if (axis === undefined) return undefined;
  const axes = new Set(tf.util.parseAxisParam(axis, shape as number[]));
  let r = 1;
  let c = 1;
  let keptSeen = false;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (axes.has(i)) {
      if (d !== 1 && keptSeen) return undefined;
      r *= d;
    } else {
      if (d !== 1) keptSeen = true;
      c *= d;
    }
  }
  if (r === 1 || !keptSeen) return undefined;
  const outShape = keepDims ? shape.map((d, i) => (axes.has(i) ? 1 : d)) : shape.filter((_, i) => !axes.has(i));
  return { r, c, outShape };
}

/**
 * Wraps the wasm `Sum` or `Mean` kernel: tfjs-backend-wasm 4.22 reduces only over the innermost
 * axes and transposes the input first otherwise, which is slow for the `[B,H,W,C] → [C]`
 * reductions of batch norm and its gradient (≈9 ms for 64×28×28×32). For a reduction over
 * leading axes this averages the `[1, R, 1, C]` view with one XNNPACK `AvgPool` window of
 * `R×1` (≈0.6 ms), times `R` for `Sum`. (A product with a row of ones would be as fast once, but
 * XNNPACK repacks the big operand on every call.) Other reductions, other dtypes, small tensors
 * and non-finite results go to the original.
 */
export function leadingAxesReduction(kernelName: 'Sum' | 'Mean', backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs['x'] as TensorInfo;
    const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims?: boolean };
    const red = x.dtype === 'float32' ? leadingReduction(x.shape, axis, keepDims === true) : undefined;
    if (red === undefined || red.r * red.c < MIN_SIZE) return original(args);
    const { r, c, outShape } = red;
    const result = composeKernels(backend, backendName, kernelName, (k) => {
      const mean = k.run('AvgPool', { x: k.reshape(x, [1, r, 1, c]) }, { filterSize: [r, 1], strides: [r, 1], pad: 'valid' });
      const scaled = kernelName === 'Mean' ? mean : k.binary('Multiply', mean, k.fill([], r));
      return k.reshape(scaled, outShape);
    });
    // XNNPACK's pooling clamps NaN to -Infinity: recompute non-finite results (NaN or
    // overflowing inputs) with the original kernel.
    const values = heapView(backend, result) ?? ((backend as KernelBackend).readSync(result.dataId) as Float32Array);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i]!)) {
        (backend as KernelBackend).disposeData(result.dataId);
        return original(args);
      }
    }
    return result;
  };
}
