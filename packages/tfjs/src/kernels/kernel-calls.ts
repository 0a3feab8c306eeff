import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, KernelFunc, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { RuntimeError } from '@autonas/core';
import { heapSlice } from './memory.js';

/** Explicit NHWC padding as tfjs kernels take it: `[[0,0],[top,bottom],[left,right],[0,0]]`. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Signed spatial padding: a negative amount means "crop that many rows/columns". */
export interface SignedPads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The spatial geometry of a forward NHWC convolution. */
export interface ConvGeometry {
  /** input height and width */
  h: number;
  w: number;
  /** filter height and width */
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  /** padding before the first row / column */
  top: number;
  left: number;
}

/** The {@link ConvGeometry} of a `backend_util.computeConv2DInfo` result. */
export function geometryOf(info: {
  inHeight: number;
  inWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number };
}): ConvGeometry {
  return {
    h: info.inHeight,
    w: info.inWidth,
    kh: info.filterHeight,
    kw: info.filterWidth,
    sh: info.strideHeight,
    sw: info.strideWidth,
    dh: info.dilationHeight,
    dw: info.dilationWidth,
    top: info.padInfo.top,
    left: info.padInfo.left,
  };
}

/**
 * Composes a kernel out of other kernels of one backend, at the TensorInfo level (no engine,
 * no tape): every output of {@link KernelCalls.run} is owned by this object and freed by
 * {@link KernelCalls.dispose} unless it was handed out with {@link KernelCalls.keep}.
 */
export class KernelCalls {
  private readonly owned: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
    readonly caller: string,
  ) {}

  /** Runs the kernel `kernelName` of this backend; the output stays owned by this object. */
  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: object): TensorInfo {
    const config = tf.getKernel(kernelName, this.backendName);
    if (config === undefined) {
      throw new RuntimeError(
        'KERNEL_NOT_REGISTERED',
        `${this.caller} on the '${this.backendName}' backend needs the kernel '${kernelName}', which is not registered`,
      );
    }
    return this.call(config.kernelFunc, inputs, attrs, kernelName);
  }

  /**
   * Runs a kernel function directly (e.g. the original kernel a replacement wraps, which is no
   * longer registered under its name); the output stays owned by this object.
   */
  call(kernelFunc: KernelFunc, inputs: NamedTensorInfoMap, attrs: object, kernelName = 'a kernel'): TensorInfo {
    const out = kernelFunc({ inputs, attrs: attrs as unknown as NamedAttrMap, backend: this.backend });
    if (Array.isArray(out)) {
      for (const o of out) this.backend.disposeData(o.dataId);
      throw new RuntimeError(
        'KERNEL_UNEXPECTED_OUTPUT',
        `kernel '${kernelName}' (called by ${this.caller}) returned several outputs where one was expected`,
      );
    }
    this.owned.push(out);
    return out;
  }

  /** `Reshape` (shares the data; the output is still a separate reference owned here). */
  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /**
   * `Transpose`, or nothing when `perm` is the identity. Axes that stay next to each other are
   * merged first (a plain reshape), because the wasm `Transpose` is fast for low ranks and slow
   * (a generic loop) for rank 5 and more.
   */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    if (perm.every((p, i) => p === i)) return x;
    const merged = mergeTransposeAxes(x.shape, perm);
    const outShape = perm.map((p) => x.shape[p]!);
    if (merged.perm.every((p, i) => p === i)) return this.reshape(x, outShape); // moves only size-1 axes
    if (merged.shape.length === x.shape.length) return this.run('Transpose', { x }, { perm });
    const t = this.run('Transpose', { x: this.reshape(x, merged.shape) }, { perm: merged.perm });
    return this.reshape(t, outShape);
  }

  /** A `float32` tensor of `shape` filled with `value` (`Fill`). */
  fill(shape: number[], value: number): TensorInfo {
    return this.run('Fill', {}, { shape, value, dtype: 'float32' });
  }

  /** `BatchMatMul` of `a` and `b`, neither transposed. */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** An element-wise binary kernel (`Add`, `Sub`, `Multiply`, `RealDiv`...), with broadcasting. */
  binary(kernelName: string, a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run(kernelName, { a, b }, {});
  }

  /** `PadV2` with zeros, or nothing when all paddings are 0. */
  pad(x: TensorInfo, paddings: Array<[number, number]>): TensorInfo {
    if (paddings.every(([a, b]) => a === 0 && b === 0)) return x;
    return this.run('PadV2', { x }, { paddings, constantValue: 0 });
  }

  /** `Slice`, or nothing when it would keep everything. */
  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    if (begin.every((b) => b === 0) && size.every((s, i) => s === x.shape[i])) return x;
    // Straight from the wasm heap when the backend allows (the wasm Slice copies all of x first).
    const registered = tf.getKernel('Slice', this.backendName)?.kernelFunc;
    const fallback: KernelFunc =
      registered ??
      (() => {
        throw new RuntimeError(
          'KERNEL_NOT_REGISTERED',
          `${this.caller} on the '${this.backendName}' backend needs the kernel 'Slice', which is not registered`,
        );
      });
    return this.call(heapSlice(this.backendName, fallback), { x }, { begin, size }, 'Slice');
  }

  /**
   * Convolves NHWC `x` (`Conv2D` or `DepthwiseConv2dNative`) with signed explicit padding:
   * negative amounts crop `x` first, positive ones become the kernel's explicit padding.
   */
  conv(
    kernelName: 'Conv2D' | 'DepthwiseConv2dNative',
    x: TensorInfo,
    filter: TensorInfo,
    strides: [number, number],
    dilations: [number, number],
    pads: SignedPads,
  ): TensorInfo {
    const cropTop = Math.max(0, -pads.top);
    const cropBottom = Math.max(0, -pads.bottom);
    const cropLeft = Math.max(0, -pads.left);
    const cropRight = Math.max(0, -pads.right);
    let input = x;
    if (cropTop + cropBottom + cropLeft + cropRight > 0) {
      const [b, h, w, c] = x.shape as [number, number, number, number];
      if (h - cropTop - cropBottom <= 0 || w - cropLeft - cropRight <= 0) {
        throw new RuntimeError(
          'WASM_KERNEL_UNSUPPORTED',
          `${this.caller}: the padding is so large that the convolution never reads its input`,
        );
      }
      input = this.slice(x, [0, cropTop, cropLeft, 0], [b, h - cropTop - cropBottom, w - cropLeft - cropRight, c]);
    }
    const pad: ExplicitPadding = [
      [0, 0],
      [Math.max(0, pads.top), Math.max(0, pads.bottom)],
      [Math.max(0, pads.left), Math.max(0, pads.right)],
      [0, 0],
    ];
    return this.run(kernelName, { x: input, filter }, { strides, dilations, pad, dataFormat: 'NHWC' });
  }

  /**
   * The input gradient of a strided convolution as a stride-1 convolution: `dy` gets `s−1` zeros
   * inserted between its pixels (one `PadV2` of a rank-6 view), then it is correlated with
   * `flippedFilter` (the forward filter reversed in space, laid out for `kernelName`) with the
   * forward dilation, padded so that the result has the forward input's height and width:
   *
   *   dx[h] = Σ_{oh,kh : oh·s + kh·d − top = h} dy[oh] · f[kh]
   *
   * @param dy - `[B, OH, OW, Cdy]`
   * @param g - geometry of the forward convolution (input size, strides, dilations, kernel size, top/left padding)
   */
  backpropInputViaConv(
    kernelName: 'Conv2D' | 'DepthwiseConv2dNative',
    dy: TensorInfo,
    flippedFilter: TensorInfo,
    g: ConvGeometry,
  ): TensorInfo {
    const [batch, oh, ow, cdy] = dy.shape as [number, number, number, number];
    const padTop = (g.kh - 1) * g.dh - g.top;
    const padBottom = g.h - (oh - 1) * g.sh - 1 + g.top;
    const padLeft = (g.kw - 1) * g.dw - g.left;
    const padRight = g.w - (ow - 1) * g.sw - 1 + g.left;
    // Where inside its block of s the dy pixel goes (uses up to s−1 of the padding either side).
    const ah = Math.max(0, Math.min(g.sh - 1, padTop));
    const aw = Math.max(0, Math.min(g.sw - 1, padLeft));
    let dyZ = dy;
    if (g.sh > 1 || g.sw > 1) {
      const view = this.reshape(dy, [batch, oh, 1, ow, 1, cdy]);
      const padded = this.pad(view, [
        [0, 0],
        [0, 0],
        [ah, g.sh - 1 - ah],
        [0, 0],
        [aw, g.sw - 1 - aw],
        [0, 0],
      ]);
      dyZ = this.reshape(padded, [batch, oh * g.sh, ow * g.sw, cdy]);
    }
    return this.conv(kernelName, dyZ, flippedFilter, [1, 1], [g.dh, g.dw], {
      top: padTop - ah,
      bottom: padBottom - (g.sh - 1 - ah),
      left: padLeft - aw,
      right: padRight - (g.sw - 1 - aw),
    });
  }

  /** Hands `info` to the caller: {@link dispose} will not free it. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(info);
    if (i < 0) {
      // An input passed through unchanged: the caller needs a reference of its own.
      const ref = this.run('Identity', { x: info }, {});
      this.owned.pop();
      return ref;
    }
    this.owned.splice(i, 1);
    return info;
  }

  /** Frees every output not handed out. */
  dispose(): void {
    for (const info of this.owned.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/**
 * Runs `body` with a fresh {@link KernelCalls}; whatever `body` returns is kept, every other
 * intermediate is freed, also when `body` throws.
 */
export function composeKernels(
  backend: object,
  backendName: string,
  caller: string,
  body: (k: KernelCalls) => TensorInfo,
): TensorInfo {
  const k = new KernelCalls(backend as KernelBackend, backendName, caller);
  try {
    const result = body(k);
    return k.keep(result);
  } finally {
    k.dispose();
  }
}

/**
 * The same transposition with runs of axes that stay adjacent (and size-1 axes) merged: e.g.
 * `[B,H,W,C]` with perm `[1,2,0,3]` becomes `[B,H·W,C]` with perm `[1,0,2]`.
 */
export function mergeTransposeAxes(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  // Drop size-1 axes (their position does not matter), keeping the relative order of the rest.
  const kept = perm.filter((p) => shape[p] !== 1);
  if (kept.length === 0) return { shape: [], perm: [] };
  // Group consecutive runs p, p+1, ... in the output order.
  const groups: number[][] = [];
  for (const p of kept) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[last.length - 1]! + nextKeptAfter(shape, last[last.length - 1]!) === p) last.push(p);
    else groups.push([p]);
  }
  // Input order of the groups gives the merged input shape; the output order the merged perm.
  const byInput = groups.slice().sort((a, b) => a[0]! - b[0]!);
  const mergedShape = byInput.map((g) => g.reduce((n, p) => n * shape[p]!, 1));
  const mergedPerm = groups.map((g) => byInput.indexOf(g));
  return { shape: mergedShape, perm: mergedPerm };
}

/** Distance from axis `p` to the next axis of `shape` that is not of size 1. */
function nextKeptAfter(shape: readonly number[], p: number): number {
  let q = p + 1;
  while (q < shape.length && shape[q] === 1) q++;
  return q - p;
}

/** `[a, b]` from a number or a pair, as tfjs kernel attributes give strides and dilations. */
export function pair(v: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? fallback, v[1] ?? v[0] ?? fallback];
}

/** Throws the RuntimeError these kernels use for an input they do not support. */
export function unsupported(kernelName: string, what: string): never {
  throw new RuntimeError('WASM_KERNEL_UNSUPPORTED', `${kernelName} (autonas wasm kernel): ${what}`);
}

/** Checks that `dy` has the shape the forward convolution would have produced. */
export function checkDyShape(kernelName: string, dy: TensorInfo, expected: number[]): void {
  if (dy.shape.length !== 4 || dy.shape.some((d, i) => d !== expected[i])) {
    throw new RuntimeError(
      'WASM_KERNEL_SHAPE_MISMATCH',
      `${kernelName} (autonas wasm kernel): dy has shape [${dy.shape.join(',')}] but the convolution ` +
        `output has shape [${expected.join(',')}]`,
    );
  }
}
