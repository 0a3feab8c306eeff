import * as tf from '@tensorflow/tfjs-core';
import type { AvgPoolGradAttrs, KernelBackend, KernelFunc, MaxPoolGradAttrs, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import { composeKernels, type KernelCalls } from './kernel-calls.js';
import { heapView } from './memory.js';

/** Below this many input elements the original kernel is as fast. */
const MIN_SIZE = 4096;

/**
 * The geometry of a float32 NHWC 2-D pooling, and of the "grid" its gradient is computed on: the
 * input cropped to the rows/columns some window reads (`keptH`×`keptW`), padded by `top`/`left`
 * before and so much after that the grid's size `hp`×`wp` is a multiple of the strides with
 * room for every window (`hp = sh·hb`, window `oh` starts at row `oh·sh`).
 */
interface PoolGeometry {
  batch: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
  keptH: number;
  keptW: number;
  /** grid size in strides */
  hb: number;
  wb: number;
}

function poolGeometry(
  x: TensorInfo,
  dy: TensorInfo,
  a: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown },
): PoolGeometry | undefined {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4 || dy.shape.length !== 4) return undefined;
  let info: tf.backend_util.Conv2DInfo;
  try {
    info = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      a.filterSize,
      a.strides,
      1,
      a.pad as 'valid',
      a.dimRoundingMode as 'floor' | undefined,
    );
  } catch {
    return undefined; // let the original kernel report it
  }
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  if (outHeight <= 0 || outWidth <= 0 || padInfo.top < 0 || padInfo.left < 0) return undefined;
  if (![batchSize, outHeight, outWidth, inChannels].every((d, i) => dy.shape[i] === d)) return undefined;
  if (batchSize * inHeight * inWidth * inChannels < MIN_SIZE) return undefined;
  const keptH = Math.min(inHeight, (outHeight - 1) * strideHeight + filterHeight - padInfo.top);
  const keptW = Math.min(inWidth, (outWidth - 1) * strideWidth + filterWidth - padInfo.left);
  if (keptH <= 0 || keptW <= 0) return undefined;
  return {
    batch: batchSize,
    h: inHeight,
    w: inWidth,
    c: inChannels,
    oh: outHeight,
    ow: outWidth,
    kh: filterHeight,
    kw: filterWidth,
    sh: strideHeight,
    sw: strideWidth,
    top: padInfo.top,
    left: padInfo.left,
    keptH,
    keptW,
    hb: Math.max(Math.ceil((padInfo.top + keptH) / strideHeight), Math.floor((filterHeight - 1) / strideHeight) + outHeight),
    wb: Math.max(Math.ceil((padInfo.left + keptW) / strideWidth), Math.floor((filterWidth - 1) / strideWidth) + outWidth),
  };
}

/** Whether the windows tile the grid: pool size = strides (no overlap, no gap). */
function tiles(g: PoolGeometry): boolean {
  return g.kh === g.sh && g.kw === g.sw;
}

/** `x` cropped and padded with `padValue` to the `[B, hb·sh, wb·sw, C]` grid. */
function toGrid(k: KernelCalls, x: TensorInfo, g: PoolGeometry, padValue: number): TensorInfo {
  const cropped = k.slice(x, [0, 0, 0, 0], [g.batch, g.keptH, g.keptW, g.c]);
  const paddings: Array<[number, number]> = [
    [0, 0],
    [g.top, g.hb * g.sh - g.top - g.keptH],
    [g.left, g.wb * g.sw - g.left - g.keptW],
    [0, 0],
  ];
  if (paddings.every(([p, q]) => p === 0 && q === 0)) return cropped;
  return k.run('PadV2', { x: cropped }, { paddings, constantValue: padValue });
}

/** The inverse of {@link toGrid} for a gradient: drops the padding, zeros where it cropped. */
function fromGrid(k: KernelCalls, dxGrid: TensorInfo, g: PoolGeometry): TensorInfo {
  const inner = k.slice(dxGrid, [0, g.top, g.left, 0], [g.batch, g.keptH, g.keptW, g.c]);
  return k.pad(inner, [
    [0, 0],
    [0, g.h - g.keptH],
    [0, g.w - g.keptW],
    [0, 0],
  ]);
}

/**
 * The grid's values window tap by window tap: `[K, N]` (`K = kh·kw`, `N = B·OH·OW·C`), row
 * `i·kw + j` holding `grid[b, oh·sh + i, ow·sw + j, c]` in the order of `dy`.
 *
 * For tiling windows: two rank-3 transposes of the grid (fast in wasm, unlike one of rank 5),
 * which give the rows in the order `j·kh + i` (see {@link tapRow}). Otherwise one strided slice
 * per tap (contiguous runs of `C` floats) of the `[B, hb, sh, wb, sw, C]` view, stacked.
 */
function toTaps(k: KernelCalls, grid: TensorInfo, g: PoolGeometry): TensorInfo {
  const { batch, oh, ow, c, kh, kw, sh, sw, hb, wb } = g;
  const n = batch * oh * ow * c;
  if (tiles(g)) {
    const byRow = k.transpose(k.reshape(grid, [batch * oh, kh, ow * kw * c]), [1, 0, 2]); // [kh, B·OH, OW·kw·C]
    const byCol = k.transpose(k.reshape(byRow, [kh * batch * oh * ow, kw, c]), [1, 0, 2]); // [kw, kh·B·OH·OW, C]
    return k.reshape(byCol, [kh * kw, n]);
  }
  const view = k.reshape(grid, [batch, hb, sh, wb, sw, c]);
  const rows: TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = k.slice(view, [0, Math.floor(i / sh), i % sh, Math.floor(j / sw), j % sw, 0], [batch, oh, 1, ow, 1, c]);
      rows.push(k.reshape(tap, [1, n]));
    }
  }
  return rows.length === 1 ? rows[0]! : k.run('Concat', rows as unknown as NamedTensorInfoMap, { axis: 0 });
}

/** The row of tap `(i, j)` in the result of {@link toTaps}. */
function tapRow(g: PoolGeometry, i: number, j: number): number {
  return tiles(g) ? j * g.kh + i : i * g.kw + j;
}

/**
 * The inverse of {@link toTaps} for a gradient: the sum over taps of each row put back at its
 * place in the `[B, hb·sh, wb·sw, C]` grid (`rows[r]` is row `r`, `[1, N]`). For tiling windows
 * the inverse transposes; otherwise the taps of one phase `(i mod sh, j mod sw)` are padded into
 * place and added on the strided lattice `[B, hb, wb, C]`, and each phase's lattice is spread
 * out with zeros between its pixels (a pad of the `[B, hb, 1, wb, 1, C]` view) and added.
 */
function fromTaps(k: KernelCalls, rows: TensorInfo[], g: PoolGeometry): TensorInfo {
  const { batch, oh, ow, c, kh, kw, sh, sw, hb, wb } = g;
  if (tiles(g)) {
    const taps = rows.length === 1 ? rows[0]! : k.run('Concat', rows as unknown as NamedTensorInfoMap, { axis: 0 });
    const byRow = k.transpose(k.reshape(taps, [kw, kh * batch * oh * ow, c]), [1, 0, 2]); // [kh·B·OH·OW, kw, C]
    const nhwc = k.transpose(k.reshape(byRow, [kh, batch * oh, ow * kw * c]), [1, 0, 2]); // [B·OH, kh, OW·kw·C]
    return k.reshape(nhwc, [batch, oh * kh, ow * kw, c]);
  }
  const phases = new Map<number, TensorInfo>();
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const [bi, bj] = [Math.floor(i / sh), Math.floor(j / sw)];
      const placed = k.pad(k.reshape(rows[tapRow(g, i, j)]!, [batch, oh, ow, c]), [
        [0, 0],
        [bi, hb - oh - bi],
        [bj, wb - ow - bj],
        [0, 0],
      ]);
      const phase = (i % sh) * sw + (j % sw);
      const sum = phases.get(phase);
      phases.set(phase, sum === undefined ? placed : k.binary('Add', sum, placed));
    }
  }
  let grid: TensorInfo | undefined;
  for (const [phase, lattice] of phases) {
    const [a, b] = [Math.floor(phase / sw), phase % sw];
    const spread = k.pad(k.reshape(lattice, [batch, hb, 1, wb, 1, c]), [
      [0, 0],
      [0, 0],
      [a, sh - 1 - a],
      [0, 0],
      [b, sw - 1 - b],
      [0, 0],
    ]);
    grid = grid === undefined ? spread : k.binary('Add', grid, spread);
  }
  return k.reshape(grid!, [batch, hb * sh, wb * sw, c]);
}

/**
 * Wraps the wasm `MaxPoolGrad` kernel of tfjs-backend-wasm 4.22, which is slow (a scalar loop,
 * ≈40 ms for a 2×2 pool of 64×28×28×32) and wrong: it drops the gradient of every window whose
 * maximum is not positive (all-zero windows after a ReLU, say), as if it started from 0. This
 * computes it as the cpu backend does: each window's gradient goes to its first maximum in
 * row-major order (ties are common: a window of ReLU zeros), padding never takes it. The input
 * is cropped to the rows/columns windows read and padded with -Infinity (the "grid"), its values
 * regrouped tap by tap (`[K, N]`, `K = kh·kw`, see {@link toTaps}), and then
 *
 *   y = max over taps (the wasm `MaxPool` of the grid);  s[k] = step(y − x[k])  (0 where x[k] is the maximum)
 *   g = dy;  for each tap k in row-major order: dx[k] = g − g·s[k];  g = g·s[k]
 *
 * (`g` is the gradient no earlier tap took; it becomes 0 after the first maximum.) The taps are
 * put back in place (summed where windows overlap). All of it is XNNPACK kernels, transposes of
 * rank 3, contiguous-run slices and pads (≈8 ms for the example). Inputs where a window's maximum
 * is not finite (NaN, ±Infinity: `y − x` would be NaN) and tiny ones go to the original.
 */
export function firstMaxPoolGrad(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const dy = inputs['dy'] as TensorInfo;
    const x = inputs['input'] as TensorInfo;
    const g = poolGeometry(x, dy, attrs as unknown as MaxPoolGradAttrs);
    if (g === undefined) return original(args);
    const kk = g.kh * g.kw;
    const n = g.batch * g.oh * g.ow * g.c;
    let fellBack = false;
    const dx = composeKernels(backend, backendName, 'MaxPoolGrad', (k) => {
      const grid = toGrid(k, x, g, -Infinity);
      // The maximum of each window (recomputed: the cpu backend ignores the `output` input too).
      const pooled = k.run('MaxPool', { x: grid }, { filterSize: [g.kh, g.kw], strides: [g.sh, g.sw], pad: 'valid' });
      const y = k.slice(pooled, [0, 0, 0, 0], [g.batch, g.oh, g.ow, g.c]);
      if (!allFinite(k, y)) {
        fellBack = true;
        return y;
      }
      const taps = toTaps(k, grid, g);
      const notMax = k.run('Step', { x: k.binary('Sub', k.reshape(y, [1, n]), taps) }, { alpha: 0 }); // [K, N]
      const rows: TensorInfo[] = new Array<TensorInfo>(kk);
      let rest = k.reshape(dy, [1, n]);
      for (let i = 0; i < g.kh; i++) {
        for (let j = 0; j < g.kw; j++) {
          const row = tapRow(g, i, j);
          const passOn = k.binary('Multiply', rest, k.slice(notMax, [row, 0], [1, n]));
          rows[row] = k.binary('Sub', rest, passOn);
          rest = passOn;
        }
      }
      return fromGrid(k, fromTaps(k, rows, g), g);
    });
    if (!fellBack) return dx;
    (backend as KernelBackend).disposeData(dx.dataId);
    return original(args);
  };
}

/** Whether every value of the float32 `t` is finite. */
function allFinite(k: KernelCalls, t: TensorInfo): boolean {
  const values = heapView(k.backend, t) ?? (k.backend.readSync(t.dataId) as Float32Array);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}

/**
 * Wraps the wasm `AvgPoolGrad` kernel (a scalar loop, ≈21 ms for a 2×2 pool of 64×28×28×32) for
 * pools whose windows do not overlap (pool size = strides, any padding and sizes): every input
 * element of a window gets `dy / (kh·kw)` (as on the cpu backend, also next to padding), a
 * broadcasting `Multiply` of `dy` (seen as `[B·OH, 1, OW, 1, C]`) with a constant (≈4 ms).
 * Overlapping pools and tiny ones go to the original.
 */
export function tiledAvgPoolGrad(backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const dy = inputs['dy'] as TensorInfo;
    const x = inputs['input'] as TensorInfo;
    const g = poolGeometry(x, dy, attrs as unknown as AvgPoolGradAttrs);
    if (g === undefined || !tiles(g)) return original(args);
    return composeKernels(backend, backendName, 'AvgPoolGrad', (k) => {
      const { batch, oh, ow, c, kh, kw } = g;
      const share = k.fill([batch * oh, kh, ow, kw, c], 1 / (kh * kw));
      const dxGrid = k.binary('Multiply', k.reshape(dy, [batch * oh, 1, ow, 1, c]), share);
      return fromGrid(k, k.reshape(dxGrid, [batch, oh * kh, ow * kw, c]), g);
    });
  };
}
