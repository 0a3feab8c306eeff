import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';

/**
 * Marks a gradient config registered by {@link registerDilatedConvGradients}, holding the one it
 * wraps (a global symbol, so two copies of this package agree).
 */
const WRAPPED = Symbol.for('autonas.tfjs.dilatedConvGradient');

interface WrappedGradConfig extends GradConfig {
  [WRAPPED]: { original: GradConfig };
}

/** The kernels whose gradient {@link registerDilatedConvGradients} extends to dilation rates > 1. */
export const DILATED_CONV_GRADIENTS = ['Conv2D', 'DepthwiseConv2dNative'] as const;

/** One of {@link DILATED_CONV_GRADIENTS}. */
export type DilatedConvGradient = (typeof DILATED_CONV_GRADIENTS)[number];

type Pair = [number, number];
const pairOf = (v: unknown): Pair => (Array.isArray(v) ? [Number(v[0]), Number(v[1])] : [Number(v ?? 1), Number(v ?? 1)]);

/**
 * The filter of the undilated convolution equal to a dilated one: `d − 1` zeros inserted between
 * the taps of each spatial axis, `[kh, kw, ...]` → `[(kh−1)·dh+1, (kw−1)·dw+1, ...]`. A
 * convolution with dilation `d` equals the stride-1, dilation-1 convolution with this filter,
 * padding included (tfjs pads a dilated convolution for its effective size, which is this size).
 *
 * @param filter - `[kh, kw, inChannels, outChannels or multiplier]`
 * @param dilations - `[dh, dw]`
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { upsampleFilter } from '@autonas/tfjs';
 * const f = tf.ones([2, 2, 1, 1]) as tf.Tensor4D;
 * console.log(upsampleFilter(f, [2, 2]).shape); // [3, 3, 1, 1], ones at the corners
 * ```
 */
export function upsampleFilter(filter: Tensor4D, dilations: Pair): Tensor4D {
  const [dh, dw] = dilations;
  return tf.tidy(() => {
    let u: Tensor4D = filter;
    const [kh, kw, c, m] = filter.shape;
    if (dh > 1) {
      const rows = tf.pad(tf.reshape(u, [kh, 1, kw * c * m]), [[0, 0], [0, dh - 1], [0, 0]]);
      u = tf.slice(tf.reshape(rows, [kh * dh, kw, c, m]), [0, 0, 0, 0], [(kh - 1) * dh + 1, kw, c, m]) as Tensor4D;
    }
    if (dw > 1) {
      const h = u.shape[0];
      const cols = tf.pad(tf.reshape(u, [h, kw, 1, c * m]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
      u = tf.slice(tf.reshape(cols, [h, kw * dw, c, m]), [0, 0, 0, 0], [h, (kw - 1) * dw + 1, c, m]) as Tensor4D;
    }
    return u === filter ? tf.clone(u) : u;
  });
}

/** Every `d`-th tap of the gradient of an upsampled filter: the gradient of the dilated filter. */
function downsampleGrad(g: Tensor4D, [dh, dw]: Pair): Tensor4D {
  return tf.stridedSlice(g, [0, 0, 0, 0], g.shape, [dh, dw, 1, 1]) as Tensor4D;
}

const run = (name: string, inputs: Record<string, Tensor>, attrs: Record<string, unknown>) =>
  tf.engine().runKernel(name, inputs as never, attrs as never) as Tensor4D;

/**
 * The gradient of `Conv2D` with dilation rates > 1 (tfjs 4.22 asserts they are 1): the gradients
 * of the equal undilated convolution with the {@link upsampleFilter upsampled filter}, the filter
 * gradient then taken at every `d`-th tap. tfjs allows dilation only with stride 1.
 * @returns undefined when the dilation is 1 (the original gradient applies)
 */
export function dilatedConv2DGradient(dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): ReturnType<GradConfig['gradFunc']> | undefined {
  const dil = pairOf(attrs['dilations']);
  if (dil[0] === 1 && dil[1] === 1) return undefined;
  const [x, filter] = saved as [Tensor4D, Tensor4D];
  const g = dy as Tensor4D;
  const common = { strides: attrs['strides'], pad: attrs['pad'], dataFormat: attrs['dataFormat'] ?? 'NHWC', dimRoundingMode: attrs['dimRoundingMode'] };
  return {
    x: () => tf.tidy(() => run('Conv2DBackpropInput', { dy: g, filter: upsampleFilter(filter, dil) }, { ...common, inputShape: x.shape })),
    filter: () =>
      tf.tidy(() => {
        const shape = upsampleShape(filter.shape, dil);
        return downsampleGrad(run('Conv2DBackpropFilter', { x, dy: g }, { ...common, filterShape: shape }), dil);
      }),
  };
}

/**
 * The gradient of `DepthwiseConv2dNative` with dilation rates > 1, built like
 * {@link dilatedConv2DGradient} from the undilated depthwise gradient kernels.
 * @returns undefined when the dilation is 1 (the original gradient applies)
 */
export function dilatedDepthwiseGradient(dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap): ReturnType<GradConfig['gradFunc']> | undefined {
  const dil = pairOf(attrs['dilations']);
  if (dil[0] === 1 && dil[1] === 1) return undefined;
  const [x, filter] = saved as [Tensor4D, Tensor4D];
  const g = dy as Tensor4D;
  const common = { strides: attrs['strides'], pad: attrs['pad'], dilations: [1, 1], dimRoundingMode: attrs['dimRoundingMode'] };
  return {
    x: () => tf.tidy(() => run('DepthwiseConv2dNativeBackpropInput', { dy: g, filter: upsampleFilter(filter, dil) }, { ...common, inputShape: x.shape })),
    filter: () =>
      tf.tidy(() => {
        const shape = upsampleShape(filter.shape, dil);
        return downsampleGrad(run('DepthwiseConv2dNativeBackpropFilter', { x, dy: g }, { ...common, filterShape: shape }), dil);
      }),
  };
}

function upsampleShape([kh, kw, c, m]: readonly number[], [dh, dw]: Pair): [number, number, number, number] {
  return [(kh! - 1) * dh + 1, (kw! - 1) * dw + 1, c!, m!];
}

const DILATED: Record<DilatedConvGradient, typeof dilatedConv2DGradient> = {
  Conv2D: dilatedConv2DGradient,
  DepthwiseConv2dNative: dilatedDepthwiseGradient,
};

/**
 * Extends the gradients of `Conv2D` and `DepthwiseConv2dNative` to dilation rates > 1, which
 * tfjs 4.22 rejects on every backend ("dilation rates greater than 1 are not yet supported in
 * gradients"). A dilated convolution equals the undilated one with a zero-inserted filter
 * ({@link upsampleFilter}); its input gradient is that convolution's input gradient, its filter
 * gradient that convolution's filter gradient at every `d`-th tap. Undilated convolutions keep
 * tfjs's gradient. For all backends (the gradient registry is global); the runtime calls this
 * from `initRuntime`. Idempotent; gradients must be registered first (tfjs-layers does that on
 * import), or there is nothing to extend.
 *
 * Note: a `tf.layers.conv2d` layer with a linear activation runs the fused conv2d op, whose
 * gradient is built in and still rejects dilation; `compileArchitecture` therefore builds dilated
 * `conv2d` nodes with a layer calling `tf.conv2d`, whose gradient this extends.
 *
 * @returns the kernels whose gradient it extended by this call
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-layers';
 * import { registerDilatedConvGradients } from '@autonas/tfjs';
 * registerDilatedConvGradients();
 * const x = tf.randomNormal([1, 8, 8, 2]) as tf.Tensor4D;
 * const w = tf.randomNormal([3, 3, 2, 4]) as tf.Tensor4D;
 * const dw = tf.grad((f) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same', 'NHWC', 2)))(w);
 * console.log(dw.shape); // [3, 3, 2, 4]
 * ```
 */
export function registerDilatedConvGradients(): string[] {
  const done: string[] = [];
  for (const name of DILATED_CONV_GRADIENTS) {
    const current = tf.getGradient(name);
    if (current === undefined || WRAPPED in current) continue;
    const dilated = DILATED[name];
    const config: WrappedGradConfig = {
      ...current,
      gradFunc: (dy, saved, attrs) => dilated(dy, saved, attrs) ?? current.gradFunc(dy, saved, attrs),
      [WRAPPED]: { original: current },
    };
    tf.registerGradient(config);
    done.push(name);
  }
  return done;
}

/**
 * Undoes {@link registerDilatedConvGradients}, registering tfjs's own gradients again.
 * @returns the kernels restored
 *
 * @example
 * ```ts
 * import { restoreDilatedConvGradients } from '@autonas/tfjs';
 * restoreDilatedConvGradients(); // dilated convolutions no longer train
 * ```
 */
export function restoreDilatedConvGradients(): string[] {
  return DILATED_CONV_GRADIENTS.filter((name) => {
    const current = tf.getGradient(name) as WrappedGradConfig | undefined;
    if (current === undefined || !(WRAPPED in current)) return false;
    tf.registerGradient(current[WRAPPED].original);
    return true;
  });
}
