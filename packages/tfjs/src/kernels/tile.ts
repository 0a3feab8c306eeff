import type { KernelFunc, TensorInfo, TileAttrs } from '@tensorflow/tfjs-core';
import { composeKernels } from './kernel-calls.js';

/** Below this many output elements the original kernel is as fast. */
const MIN_SIZE = 4096;
/** The most axes the XNNPACK binary kernels broadcast over. */
const MAX_BROADCAST_RANK = 6;

/**
 * Wraps the wasm `Tile` kernel (tfjs-backend-wasm 4.22: an element-by-element loop, ≈85 ms to
 * tile `[1,1,1,32]` to `[64,28,28,32]`, which the batch-norm gradient does twice per layer).
 * Tiling is a broadcast: axis `i` of the output is `[reps[i], x.shape[i]]` in row-major order
 * with `x` repeated along `reps[i]`. After merging neighbouring axes of the same kind this is
 * `[R, C]` or `[C, R]` (then a `BatchMatMul` with a vector of ones, ≈1 ms) or a longer pattern
 * (then an `Add` of `x` to zeros of the output shape, broadcasting). `float32` only; other
 * dtypes, small outputs and patterns of more than 6 axes go to the original.
 */
export function broadcastTile(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs['x'] as TensorInfo;
    const reps = (attrs as unknown as TileAttrs).reps;
    if (x.dtype !== 'float32' || reps.length !== x.shape.length) return original(args);
    const outShape = x.shape.map((d, i) => d * reps[i]!);
    if (outShape.reduce((n, d) => n * d, 1) < MIN_SIZE) return original(args);
    // The output as alternating runs of repeated ("tiled") and copied axes.
    const runs: Array<{ size: number; tiled: boolean }> = [];
    const push = (size: number, tiled: boolean) => {
      if (size === 1) return;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.tiled === tiled) last.size *= size;
      else runs.push({ size, tiled });
    };
    x.shape.forEach((d, i) => {
      push(reps[i]!, true);
      push(d, false);
    });
    if (!runs.some((r) => r.tiled) || runs.length > MAX_BROADCAST_RANK) return original(args);
    return composeKernels(backend, backendName, 'Tile', (k) => {
      const view = k.reshape(x, runs.map((r) => (r.tiled ? 1 : r.size)));
      let full: TensorInfo;
      const [first, second] = runs;
      if (runs.length === 1) {
        // x holds one value: ones[R,1] × x[1,1]
        full = k.matMul(k.fill([first!.size, 1], 1), k.reshape(x, [1, 1]));
      } else if (runs.length === 2 && first!.tiled) {
        full = k.matMul(k.fill([first!.size, 1], 1), k.reshape(view, [1, second!.size]));
      } else if (runs.length === 2) {
        full = k.matMul(k.reshape(view, [first!.size, 1]), k.fill([1, second!.size], 1));
      } else {
        full = k.binary('Add', view, k.fill(runs.map((r) => r.size), 0));
      }
      return k.reshape(full, outShape);
    });
  };
}
