import * as tf from '@tensorflow/tfjs-core';
import type { DepthwiseConv2dNativeBackpropFilterAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { checkDyShape, composeKernels, pair, unsupported } from './kernel-calls.js';

const NAME = 'DepthwiseConv2dNativeBackpropFilter';

/**
 * `DepthwiseConv2dNativeBackpropFilter` for a backend that has `DepthwiseConv2dNative` (with
 * strides, dilations and explicit padding), `PadV2`, `Reshape` and `Slice`:
 *
 *   dW[kh,kw,c,m] = Σ_{b,oh,ow} x[b, oh·s + kh·d − top, ow·s + kw·d − left, c] · dy[b,oh,ow,c·M+m]
 *
 * is a per-channel correlation of `x` with `dy`. A depthwise convolution cannot sum over the
 * batch, so the batch is folded into the height: every image of `x` becomes a block of `P = Q·s`
 * rows (its top padding, its rows, zeros) of one tall image `[1, B·P, W, C]`, every image of
 * `dy` a block of `Q` rows (its rows, zeros) of one tall filter `[B·Q, OW, C, M]` (both are plain
 * reshapes when no padding is needed). Correlating them with dilation `s` (the forward stride)
 * and stride `d` (the forward dilation) sums over `b`, `oh` and `ow` at once and yields
 * `[1, KH, KW, C·M]`. Block `b` of the filter only ever meets block `b` of the image: the rows a
 * valid `dy` row reaches stay inside its block, and only the zero rows reach the next one.
 */
export function depthwiseBackpropFilterFor(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = inputs['x'] as TensorInfo;
    const dy = inputs['dy'] as TensorInfo;
    const a = attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs & { dataFormat?: string };
    if (a.dataFormat === 'NCHW') unsupported(NAME, "dataFormat 'NCHW' is not supported, use 'NHWC'");
    if (x.shape.length !== 4) unsupported(NAME, `x must be rank 4, got shape [${x.shape.join(',')}]`);
    const filterShape = a.filterShape;
    const [kh, kw, c, m] = filterShape;
    const [batch, h, w, xc] = x.shape as [number, number, number, number];
    if (xc !== c) unsupported(NAME, `x has ${xc} channels but the filter shape [${filterShape.join(',')}] expects ${c}`);
    const dilations = pair(a.dilations);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      a.strides,
      dilations,
      a.pad,
      a.dimRoundingMode,
      true,
    );
    const [oh, ow] = [info.outHeight, info.outWidth];
    checkDyShape(NAME, dy, [batch, oh, ow, c * m]);
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const [dh, dw] = [info.dilationHeight, info.dilationWidth];
    const top = info.padInfo.top;
    const left = info.padInfo.left;

    return composeKernels(backend, backendName, NAME, (k) => {
      if (batch * oh * ow === 0 || h * w === 0 || c * m === 0) {
        return k.run('Fill', {}, { shape: [kh, kw, c, m], value: 0, dtype: 'float32' });
      }
      // Rows of one block: the top padding, the image, and every row a valid dy row reaches
      // ((OH−1)·s + (KH−1)·d + 1 padded rows), rounded up to a multiple of s.
      const extent = (oh - 1) * sh + (kh - 1) * dh + 1;
      const q = Math.ceil(Math.max(extent, top + h) / sh);
      const p = q * sh;
      const xTall = k.reshape(
        k.pad(x, [
          [0, 0],
          [top, p - top - h],
          [0, 0],
          [0, 0],
        ]),
        [1, batch * p, w, c],
      );
      // Columns: W + left + right − ((OW'−1)·sw + 1) = (KW−1)·dw gives KW output columns; when the
      // forward convolution left columns unused (right < 0), dy gets zero columns instead of x
      // being cropped.
      let right = (kw - 1) * dw + (ow - 1) * sw + 1 - w - left;
      const extraCols = right < 0 ? Math.ceil(-right / sw) : 0;
      right += extraCols * sw;
      const dyTall = k.reshape(
        k.pad(dy, [
          [0, 0],
          [0, q - oh],
          [0, extraCols],
          [0, 0],
        ]),
        [batch * q, ow + extraCols, c, m],
      );
      // Rows: B·P + bottom − ((B·Q−1)·sh + 1) = (KH−1)·dh gives KH output rows.
      const bottom = Math.max(0, (kh - 1) * dh + 1 - sh);
      const out = k.conv('DepthwiseConv2dNative', xTall, dyTall, [dh, dw], [sh, sw], { top: 0, bottom, left, right });
      // With a 1-tall filter and a large stride the last block can leave spare rows (contiguous slice).
      const cropped = k.slice(out, [0, 0, 0, 0], [1, kh, kw, c * m]);
      return k.reshape(cropped, [kh, kw, c, m]);
    });
  };
}

/** The kernel config for `backendName`. */
export function depthwiseBackpropFilterConfig(backendName: string): KernelConfig {
  return { kernelName: NAME, backendName, kernelFunc: depthwiseBackpropFilterFor(backendName) };
}
