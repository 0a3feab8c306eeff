import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkDyShape, composeKernels, geometryOf, pair, unsupported } from './kernel-calls.js';

const NAME = 'Conv2DBackpropInput';

/**
 * `Conv2DBackpropInput` composed of `Conv2D` (XNNPACK on wasm), `Transpose`, `Reverse` and
 * `PadV2`: `dy` with `s−1` zeros inserted between its pixels, convolved (stride 1) with the
 * filter reversed in space and with its channel axes swapped (`[KH,KW,Co,Ci]`). For one input
 * channel, a `DepthwiseConv2dNative` and a `Sum` over the channels instead (faster).
 *
 * tfjs-backend-wasm 4.22 ships a `Conv2DBackpropInput`, but it is a plain loop, four to seven
 * times slower than this on typical layers; {@link registerWasmTrainingKernels} replaces it by
 * this one unless told not to (`replaceConv2DBackpropInput: false`).
 */
export function conv2dBackpropInputFor(backendName: string, options: { depthwiseForOneChannel?: boolean } = {}): KernelFunc {
  const depthwiseAllowed = options.depthwiseForOneChannel !== false;
  return ({ inputs, backend, attrs }) => {
    const dy = inputs['dy'] as TensorInfo;
    const filter = inputs['filter'] as TensorInfo;
    const a = attrs as unknown as Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
    if (a.dataFormat === 'NCHW') unsupported(NAME, "dataFormat 'NCHW' is not supported, use 'NHWC'");
    const dilations = pair(a.dilations);
    if (dilations[0] !== 1 || dilations[1] !== 1) {
      unsupported(NAME, `dilations [${dilations.join(',')}] are not supported, only 1`);
    }
    if (filter.shape.length !== 4) unsupported(NAME, `filter must be rank 4, got [${filter.shape.join(',')}]`);
    const [kh, kw, ci, co] = filter.shape as [number, number, number, number];
    const [batch, h, w, xc] = a.inputShape;
    if (xc !== ci) unsupported(NAME, `inputShape has ${xc} channels but the filter expects ${ci}`);
    const info = tf.backend_util.computeConv2DInfo(
      a.inputShape,
      filter.shape as [number, number, number, number],
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
      false,
      'channelsLast',
    );
    const [oh, ow] = [info.outHeight, info.outWidth];
    checkDyShape(NAME, dy, [batch, oh, ow, co]);

    return composeKernels(backend, backendName, NAME, (k) => {
      if (batch * oh * ow * co === 0 || kh * kw === 0) {
        return k.run('Fill', {}, { shape: [batch, h, w, ci], value: 0, dtype: 'float32' });
      }
      const swapped = k.transpose(filter, [0, 1, 3, 2]); // [KH, KW, Co, Ci]
      const flipped = k.run('Reverse', { x: swapped }, { dims: [0, 1] });
      if (depthwiseAllowed && ci === 1 && dy.dtype === 'float32') {
        // One input channel (e.g. the gradient of a first layer w.r.t. its grayscale images,
        // which tfjs computes although nobody uses it): a Conv2D with one output channel is
        // slow in XNNPACK; a depthwise correlation per dy channel, summed over them, is ≈2.5×
        // faster.
        const perChannel = k.backpropInputViaConv('DepthwiseConv2dNative', dy, flipped, geometryOf(info)); // [B,H,W,Co]
        return k.reshape(k.run('Sum', { x: perChannel }, { axis: [3], keepDims: false }), [batch, h, w, 1]);
      }
      return k.backpropInputViaConv('Conv2D', dy, flipped, geometryOf(info));
    });
  };
}

/**
 * The kernel config for `backendName`. `options.depthwiseForOneChannel: false` disables the
 * depthwise path for one input channel, to measure what it gains.
 */
export function conv2dBackpropInputConfig(backendName: string, options: { depthwiseForOneChannel?: boolean } = {}): KernelConfig {
  return { kernelName: NAME, backendName, kernelFunc: conv2dBackpropInputFor(backendName, options) };
}
