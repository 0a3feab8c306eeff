import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

/**
 * Marks a gradient config registered by {@link replaceGradient}, holding what it replaced (a
 * global symbol, as in `replace.ts`).
 */
const REPLACED = Symbol.for('autonas.tfjs.replacedGradient');

interface ReplacementGradConfig extends GradConfig {
  [REPLACED]: { original: GradConfig };
}

type GradFunc = GradConfig['gradFunc'];

function isReplacement(config: GradConfig | undefined): config is ReplacementGradConfig {
  return config !== undefined && REPLACED in config;
}

/**
 * Replaces the gradient of `kernelName` by one that runs `fast` while the `backendName` backend
 * is active and the original gradient otherwise (so other backends compute exactly as before).
 * `fast` returns undefined to fall back to the original. The replacement saves the same tensors
 * as the original. Idempotent; does nothing when there is no gradient to replace.
 *
 * @returns true when it registered a replacement
 */
export function replaceGradient(
  backendName: string,
  kernelName: string,
  fast: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => ReturnType<GradFunc> | undefined,
): boolean {
  const current = tf.getGradient(kernelName);
  if (current === undefined || isReplacement(current)) return false;
  const config: ReplacementGradConfig = {
    ...current,
    gradFunc: (dy, saved, attrs) => (tf.getBackend() === backendName ? fast(dy, saved, attrs) : undefined) ?? current.gradFunc(dy, saved, attrs),
    [REPLACED]: { original: current },
  };
  tf.registerGradient(config);
  return true;
}

/** Undoes {@link replaceGradient}. @returns true when it restored something */
export function restoreGradient(kernelName: string): boolean {
  const current = tf.getGradient(kernelName);
  if (!isReplacement(current)) return false;
  tf.registerGradient(current[REPLACED].original);
  return true;
}

/**
 * The gradient of `Mean`: `dy / n` broadcast to the input's shape. tfjs (4.22) multiplies `dy` by
 * a tensor of ones of the input's shape, built element by element in JavaScript (≈4 ms for
 * 1.6 M floats, four times per training step for two batch-norm layers) and then divides the
 * full-size product. This divides the small `dy` and broadcasts it (`Tile`): the same values.
 */
export function fastMeanGradient(dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): ReturnType<GradFunc> | undefined {
  const [x] = saved;
  if (x === undefined || Array.isArray(dy) || x.dtype !== 'float32') return undefined;
  const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
  const reduceSize = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy, expanded), reduceSize), x.shape) };
}

/**
 * The gradient of `FusedBatchNorm` with per-channel (rank-1) parameters, with 3 full-size
 * element-wise kernels instead of about 12 and a `Tile` (tfjs 4.22's version multiplies the same
 * full-size products again for each parameter). With `x̂ = x − mean`, `r = (variance + ε)^−½`,
 * sums over every axis but the last:
 *
 *   dx = dy·(r·scale)            dmean = −r·scale·Σdy           doffset = Σdy
 *   dscale = r·Σ(dy·x̂)           dvariance = −½·r³·scale·Σ(dy·x̂)
 *
 * Mathematically the same as tfjs's; float32 rounding differs in the last bits.
 */
export function fastBatchNormGradient(dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): ReturnType<GradFunc> | undefined {
  const [x, mean, variance, scale] = saved;
  if (x === undefined || mean === undefined || variance === undefined || Array.isArray(dy)) return undefined;
  const rank1 = (t: Tensor | null | undefined) => t == null || (t.rank === 1 && t.dtype === 'float32');
  if (x.rank < 2 || x.dtype !== 'float32' || dy.dtype !== 'float32' || mean.rank !== 1 || !rank1(variance) || !rank1(scale)) {
    return undefined;
  }
  const eps = (attrs['varianceEpsilon'] as number | undefined) ?? 0.001;
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const r = tf.rsqrt(tf.add(variance, tf.scalar(eps)));
  const rScale = scale == null ? r : tf.mul(r, scale);
  const sumDy = tf.sum(dy, axes);
  const sumDyXhat = tf.sum(tf.mul(dy, tf.sub(x, mean)), axes);
  return {
    x: () => tf.mul(dy, rScale),
    mean: () => tf.mul(sumDy, tf.neg(rScale)),
    variance: () => tf.mul(sumDyXhat, tf.mul(tf.mul(tf.mul(r, r), rScale), tf.scalar(-0.5))),
    scale: () => tf.mul(sumDyXhat, r),
    offset: () => tf.clone(sumDy),
  };
}
