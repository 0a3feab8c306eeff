import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';

/** Marks the gradient config registered by {@link registerAvgPoolGradientFix}, holding the one it wraps. */
const WRAPPED = Symbol.for('autonas.tfjs.avgPoolGradient');

interface WrappedGradConfig extends GradConfig {
  [WRAPPED]: { original: GradConfig };
}

type Pair = [number, number];
const pairOf = (v: unknown): Pair => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v ?? 1), Number(v ?? 1)]);

/**
 * How many input pixels each output window of a 2-D pooling covers, `[1, outH, outW, 1]`: fewer
 * than `kh·kw` at the borders when the padding is not `valid`.
 */
export function poolWindowCounts(inputShape: readonly number[], filterSize: Pair, strides: Pair, pad: 'same' | 'valid' | number): Tensor4D {
  return tf.tidy(() => {
    const ones = tf.ones([1, inputShape[1]!, inputShape[2]!, 1]) as Tensor4D;
    return tf.depthwiseConv2d(ones, tf.ones([filterSize[0], filterSize[1], 1, 1]) as Tensor4D, strides, pad);
  });
}

/**
 * Corrects the gradient of `AvgPool` with `same` (or explicit) padding. tfjs 4.22 averages a
 * border window over the pixels inside the image in the forward pass, but its gradient divides
 * every window by the full `kh·kw` (on cpu and wasm alike), so border pixels get gradients too
 * small by up to `kh·kw / count`. This scales `dy` by `kh·kw / count` before tfjs's gradient, which
 * makes it exact. `valid` padding, which has no partial windows, keeps tfjs's gradient untouched.
 * For all backends (the gradient registry is global); `initRuntime` calls it. Idempotent.
 *
 * @returns `['AvgPool']` when it registered the correction by this call, else `[]`
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-layers';
 * import { registerAvgPoolGradientFix } from '@autonas/tfjs';
 * registerAvgPoolGradientFix();
 * const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
 * const dx = tf.grad((v) => tf.sum(tf.avgPool(v as tf.Tensor4D, 3, 1, 'same')))(x);
 * // Every window's mean has gradient 1 in total, shared by the pixels it covers.
 * console.log(tf.sum(dx).dataSync()[0]); // 16: one per output window
 * ```
 */
export function registerAvgPoolGradientFix(): string[] {
  const current = tf.getGradient('AvgPool');
  if (current === undefined || WRAPPED in current) return [];
  const config: WrappedGradConfig = {
    ...current,
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const pad = attrs['pad'] as 'same' | 'valid' | number;
      if (pad === 'valid' || pad === 0) return current.gradFunc(dy, saved, attrs);
      const filterSize = pairOf(attrs['filterSize']);
      const strides = pairOf(attrs['strides']);
      const x = saved[0]!;
      return {
        x: () => {
          const scale = tf.div(tf.scalar(filterSize[0] * filterSize[1]), poolWindowCounts(x.shape, filterSize, strides, pad));
          const grads = current.gradFunc(tf.mul(dy as Tensor4D, scale), saved, attrs) as Record<string, () => Tensor>;
          return grads['x']!();
        },
      };
    },
    [WRAPPED]: { original: current },
  };
  tf.registerGradient(config);
  return ['AvgPool'];
}

/**
 * Undoes {@link registerAvgPoolGradientFix}.
 * @example
 * ```ts
 * import { restoreAvgPoolGradient } from '@autonas/tfjs';
 * restoreAvgPoolGradient();
 * ```
 */
export function restoreAvgPoolGradient(): string[] {
  const current = tf.getGradient('AvgPool') as WrappedGradConfig | undefined;
  if (current === undefined || !(WRAPPED in current)) return [];
  tf.registerGradient(current[WRAPPED].original);
  return ['AvgPool'];
}
