import * as tf from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropInputAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkDyShape, composeKernels, geometryOf, pair, unsupported } from './kernel-calls.js';

const NAME = 'DepthwiseConv2dNativeBackpropInput';

/**
 * `DepthwiseConv2dNativeBackpropInput` for a backend that has `DepthwiseConv2dNative`,
 * `PadV2`, `Reverse`, `Reshape` and `Sum`. With stride `s`, dilation `d`, multiplier `M`:
 *
 *   dx[b,h,w,c] = Σ_{kh,kw,m} dy[b,oh,ow,c·M+m] · f[kh,kw,c,m]   where h = oh·s + kh·d − top, …
 *
 * `dy` gets `s−1` zeros inserted between its pixels, then a stride-1 depthwise convolution with
 * the spatially flipped filter (dilation `d`, multiplier 1 over the `C·M` channels) gives
 * `[B,H,W,C·M]`, and summing over `m` gives `dx`.
 */
export function depthwiseBackpropInputFor(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const dy = inputs['dy'] as TensorInfo;
    const filter = inputs['filter'] as TensorInfo;
    const a = attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs & { dataFormat?: string };
    if (a.dataFormat === 'NCHW') unsupported(NAME, "dataFormat 'NCHW' is not supported, use 'NHWC'");
    const inputShape = a.inputShape;
    if (filter.shape.length !== 4) unsupported(NAME, `filter must be rank 4, got [${filter.shape.join(',')}]`);
    const [kh, kw, c, m] = filter.shape as [number, number, number, number];
    const [batch, h, w, xc] = inputShape;
    if (xc !== c) unsupported(NAME, `inputShape has ${xc} channels but the filter has ${c}`);
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      a.strides,
      pair(a.dilations),
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const [oh, ow] = [info.outHeight, info.outWidth];
    checkDyShape(NAME, dy, [batch, oh, ow, c * m]);

    return composeKernels(backend, backendName, NAME, (k) => {
      if (batch * oh * ow * c * m === 0 || kh * kw === 0) {
        return k.run('Fill', {}, { shape: [batch, h, w, c], value: 0, dtype: 'float32' });
      }
      const flipped = k.run('Reverse', { x: filter }, { dims: [0, 1] });
      const f = k.reshape(flipped, [kh, kw, c * m, 1]);
      const full = k.backpropInputViaConv('DepthwiseConv2dNative', dy, f, geometryOf(info)); // [B, H, W, C·M]
      if (m === 1) return full;
      const split = k.reshape(full, [batch, h, w, c, m]);
      return k.run('Sum', { x: split }, { axis: [4], keepDims: false });
    });
  };
}

/** The kernel config for `backendName`. */
export function depthwiseBackpropInputConfig(backendName: string): KernelConfig {
  return { kernelName: NAME, backendName, kernelFunc: depthwiseBackpropInputFor(backendName) };
}
