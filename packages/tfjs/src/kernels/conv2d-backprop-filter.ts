import * as tf from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, KernelConfig, KernelFunc, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { checkDyShape, composeKernels, pair, unsupported, type KernelCalls } from './kernel-calls.js';

const NAME = 'Conv2DBackpropFilter';

/**
 * `Conv2DBackpropFilter` for a backend that has `Conv2D` (with dilations and explicit padding)
 * and `Transpose`: the filter gradient of an NHWC convolution with stride `s`
 *
 *   dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s + kh − top, ow·s + kw − left, ci] · dy[b,oh,ow,co]
 *
 * is itself a stride-1 convolution in which the batch is the reduction (channel) axis and `dy`
 * is the filter, dilated by `s`: `conv2d(x → [Ci,H,W,B], dy → [OH,OW,B,Co])` gives
 * `[Ci,KH,KW,Co]`, transposed back to `[KH,KW,Ci,Co]`. For few input channels and stride 1 (a
 * first layer on grayscale or RGB images) a product with the im2col matrix of `x` is used
 * instead (see `im2colFilterGradient`), 2–3 times faster there.
 */
export function conv2dBackpropFilterFor(backendName: string, options: { im2col?: boolean } = {}): KernelFunc {
  const im2colAllowed = options.im2col !== false;
  return ({ inputs, backend, attrs }) => {
    const x = inputs['x'] as TensorInfo;
    const dy = inputs['dy'] as TensorInfo;
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    if (dataFormat === 'NCHW') unsupported(NAME, "dataFormat 'NCHW' is not supported, use 'NHWC'");
    const dilations = pair((attrs as { dilations?: number | [number, number] } | undefined)?.dilations);
    if (dilations[0] !== 1 || dilations[1] !== 1) {
      unsupported(NAME, `dilations [${dilations.join(',')}] are not supported, only 1`);
    }
    if (x.shape.length !== 4) unsupported(NAME, `x must be rank 4, got shape [${x.shape.join(',')}]`);
    const [kh, kw, ci, co] = filterShape;
    const [batch, h, w, xc] = x.shape as [number, number, number, number];
    if (xc !== ci) unsupported(NAME, `x has ${xc} channels but the filter shape [${filterShape.join(',')}] expects ${ci}`);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const oh = info.outHeight;
    const ow = info.outWidth;
    checkDyShape(NAME, dy, [batch, oh, ow, co]);
    const [sh, sw] = [info.strideHeight, info.strideWidth];
    const top = info.padInfo.top;
    const left = info.padInfo.left;

    return composeKernels(backend, backendName, NAME, (k) => {
      if (batch * oh * ow === 0 || h * w === 0) {
        return k.run('Fill', {}, { shape: [kh, kw, ci, co], value: 0, dtype: 'float32' });
      }
      const geometry = { kh, kw, ci, co, oh, ow, sh, sw, top, left };
      if (im2colAllowed && useIm2col(x, dy, geometry)) return im2colFilterGradient(k, x, dy, geometry);
      const xT = k.transpose(x, [3, 1, 2, 0]); // [Ci, H, W, B]
      const dyT = k.transpose(dy, [1, 2, 0, 3]); // [OH, OW, B, Co]
      // Output rows: H + top + bottom − ((OH−1)·sh + 1) + 1 = KH.
      const bottom = kh + (oh - 1) * sh - h - top;
      const right = kw + (ow - 1) * sw - w - left;
      const dwT = k.conv('Conv2D', xT, dyT, [1, 1], [sh, sw], { top, bottom, left, right }); // [Ci, KH, KW, Co]
      return k.transpose(dwT, [1, 2, 0, 3]);
    });
  };
}

/** Geometry of {@link im2colFilterGradient}. */
interface FilterGradGeometry {
  kh: number;
  kw: number;
  ci: number;
  co: number;
  oh: number;
  ow: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
}

/** The im2col matrix may hold this many floats at most (256 MiB); larger problems use the conv. */
const MAX_IM2COL = 64 * 1024 * 1024;
/** {@link im2colFilterGradient} is used up to this many input channels. */
const MAX_IM2COL_CHANNELS = 4;

/**
 * Whether {@link im2colFilterGradient} pays off (measured on tfjs-backend-wasm 4.22): float32,
 * stride 1 (strided taps would be copied float by float), few input channels (its transpose
 * moves `KH·KW·Ci` floats per pixel through the slow innermost-axis transpose, free for one
 * channel) and no more columns than output channels. E.g. a first layer (32 filters of 3×3,
 * batch 64) on 28×28×1 images: ≈6 ms instead of ≈19 ms; on 32×32×3 ≈15 ms instead of ≈30 ms.
 */
function useIm2col(x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): boolean {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return false;
  if (g.sh !== 1 || g.sw !== 1 || g.ci > MAX_IM2COL_CHANNELS || g.kh * g.kw * g.ci > g.co) return false;
  const n = dy.shape[0]! * dy.shape[1]! * dy.shape[2]!;
  return n * g.kh * g.kw * g.ci <= MAX_IM2COL;
}

/**
 * The filter gradient as one matrix product with the (transposed) im2col matrix of `x`:
 *
 *   dW[(kh,kw,ci), co] = Σ_n Pᵀ[(kh,kw,ci), n] · dy[n, co],   n = (b, oh, ow)
 *
 * where the row block `(kh,kw)` of `Pᵀ` is `x` (zero-padded) shifted by `(kh, kw)`: one
 * contiguous-run slice of the padded `x` each, stacked (`[K, N, Ci]`, a concat of whole buffers)
 * and, for `Ci > 1`, transposed to `[K, Ci, N]`. XNNPACK's GEMM packs only `dy`. Far faster
 * than the `Conv2D` with the batch as channels when `Ci` is small (see {@link useIm2col}), whose
 * GEMM has only `Ci·KH·KW` rows and packs a filter as large as `dy`.
 */
function im2colFilterGradient(k: KernelCalls, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): TensorInfo {
  const { kh, kw, ci, co, oh, ow, top, left } = g;
  const [batch, h, w] = x.shape as [number, number, number, number];
  const n = batch * oh * ow;
  const taps = kh * kw;
  // Padded so that every tap's window lies inside (stride 1: rows oh + kh − 1 are read).
  const bottom = Math.max(0, oh + kh - 1 - top - h);
  const right = Math.max(0, ow + kw - 1 - left - w);
  const padded = k.pad(x, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
  const rows: TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) rows.push(k.reshape(k.slice(padded, [0, i, j, 0], [batch, oh, ow, ci]), [1, n * ci]));
  }
  const stacked = taps === 1 ? rows[0]! : k.run('Concat', rows as unknown as NamedTensorInfoMap, { axis: 0 });
  const pT = k.reshape(k.transpose(k.reshape(stacked, [taps, n, ci]), [0, 2, 1]), [taps * ci, n]);
  return k.reshape(k.matMul(pT, k.reshape(dy, [n, co])), [kh, kw, ci, co]);
}

/**
 * The kernel config for `backendName`. `options.im2col: false` disables the im2col product for
 * few input channels (see `useIm2col`), to measure what it gains.
 */
export function conv2dBackpropFilterConfig(backendName: string, options: { im2col?: boolean } = {}): KernelConfig {
  return { kernelName: NAME, backendName, kernelFunc: conv2dBackpropFilterFor(backendName, options) };
}
