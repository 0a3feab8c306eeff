import type { FusedBatchNormAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composeKernels } from './kernel-calls.js';

/** Below this many elements the original kernel is as fast. */
const MIN_SIZE = 4096;

/**
 * Wraps the wasm `FusedBatchNorm` kernel (tfjs-backend-wasm 4.22: a scalar loop, ≈8 ms for
 * 64×28×28×32) for the usual case of per-channel parameters (`mean`, `variance` and the optional
 * `offset`/`scale` of shape `[C]`, `C` the last axis of `x`): the per-channel factor
 * `a = scale / √(variance + ε)` and shift `b = offset − mean·a` are computed on `[C]`, then
 * `y = x·a + b` with two broadcasting XNNPACK kernels (≈2 ms). Anything else goes to the original.
 */
export function perChannelBatchNorm(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs['x'] as TensorInfo;
    const mean = inputs['mean'] as TensorInfo;
    const variance = inputs['variance'] as TensorInfo;
    const offset = inputs['offset'] as TensorInfo | null | undefined;
    const scale = inputs['scale'] as TensorInfo | null | undefined;
    const eps = (attrs as unknown as FusedBatchNormAttrs).varianceEpsilon ?? 0.001;
    const channels = x.shape[x.shape.length - 1];
    const perChannel = (t: TensorInfo | null | undefined) =>
      t == null || (t.dtype === 'float32' && t.shape.length === 1 && t.shape[0] === channels);
    const size = x.shape.reduce((n, d) => n * d, 1);
    if (x.dtype !== 'float32' || x.shape.length < 2 || size < MIN_SIZE || ![mean, variance, offset, scale].every(perChannel)) {
      return original(args);
    }
    return composeKernels(backend, backendName, 'FusedBatchNorm', (k) => {
      const std = k.run('Sqrt', { x: k.binary('Add', variance, k.fill([], eps)) }, {});
      const a = k.binary('RealDiv', scale ?? k.fill([channels!], 1), std);
      const meanA = k.binary('Multiply', mean, a);
      const b = offset != null ? k.binary('Sub', offset, meanA) : k.run('Neg', { x: meanA }, {});
      return k.binary('Add', k.binary('Multiply', x, a), b);
    });
  };
}
