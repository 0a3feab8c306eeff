import { checkGraph, type Architecture, type ArchNode } from './architecture.js';
import { InvalidArchitectureError } from './errors.js';

/**
 * The standard op vocabulary shared by search spaces and runtimes. Shapes exclude the batch
 * axis; images are `[height, width, channels]`.
 *
 * | op | params | output |
 * |---|---|---|
 * | `input` | `shape: number[]` | `shape` |
 * | `conv2d` | `filters, kernelSize, strides = 1, padding = 'same', dilationRate = 1, activation = 'linear', useBias = true` | conv output |
 * | `sepconv2d` | as `conv2d` (depthwise then pointwise) | conv output |
 * | `depthwiseconv2d` | `kernelSize, strides = 1, padding = 'same', dilationRate = 1, depthMultiplier = 1, activation = 'linear', useBias = true` | channels × `depthMultiplier` |
 * | `batchnorm` | `momentum = 0.9` (of the moving statistics), `epsilon = 0.001` | same |
 * | `activation` | `fn: 'relu' \| 'tanh' \| 'sigmoid' \| 'elu' \| 'linear'` | same |
 * | `maxpool2d`, `avgpool2d` | `poolSize = 2, strides = poolSize, padding = 'valid'` | pooled |
 * | `globalavgpool2d` | – | `[channels]` |
 * | `dropout` | `rate` | same |
 * | `flatten` | – | `[prod(shape)]` |
 * | `dense` | `units, activation = 'linear'` | `[units]` |
 * | `add` | – (inputs of equal shape) | same |
 * | `concat` | – (channels last) | channels summed |
 * | `classifier` | `classes` (dense + softmax; flattens its input first if needed) | `[classes]` |
 * | `regressor` | `units = 1`, `scale = 1`, `offset = 0` (dense, linear output times `scale` plus `offset`; flattens its input first if needed) | `[units]` |
 * | `zeros` | `strides = 1` | zeros of shape `[ceil(h/strides), ceil(w/strides), c]` (DARTS' `Zero`: `x[::s, ::s] · 0`) |
 * | `crop2d` | `cropping: [[top, bottom], [left, right]]` | `[h − top − bottom, w − left − right, c]` |
 * | `zeropad2d` | `padding: [[top, bottom], [left, right]]` | `[h + top + bottom, w + left + right, c]` (zeros added) |
 */
export const STANDARD_OPS = [
  'input', 'conv2d', 'sepconv2d', 'depthwiseconv2d', 'batchnorm', 'activation', 'maxpool2d', 'avgpool2d', 'globalavgpool2d',
  'dropout', 'flatten', 'dense', 'add', 'concat', 'classifier', 'regressor', 'zeros', 'crop2d', 'zeropad2d',
] as const;

/** One of {@link STANDARD_OPS}. */
export type StandardOp = (typeof STANDARD_OPS)[number];

/** Shape (without batch) and trainable parameter count of every node. */
export interface ShapeInfo {
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  /** Trainable parameters per node. */
  readonly params: ReadonlyMap<string, number>;
  readonly totalParams: number;
  /** Multiply–accumulate operations of one forward pass of one sample. */
  readonly macs: number;
  readonly outputShape: readonly number[];
}

/**
 * A node's numeric parameter, or `fallback` when absent; throws {@link InvalidArchitectureError}
 * naming the node when it is missing or not a finite number.
 */
export function numberParam(n: ArchNode, key: string, fallback?: number): number {
  const v = n.params[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidArchitectureError('BAD_PARAM', `node "${n.id}" (${n.op}) needs a numeric "${key}", got ${JSON.stringify(v)}`);
  return v;
}
const num = numberParam;

/** A `[[top, bottom], [left, right]]` parameter of non-negative integers. */
function edgesParam(n: ArchNode, key: string): [[number, number], [number, number]] {
  const v = n.params[key];
  const ok = Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every((d) => Number.isInteger(d) && (d as number) >= 0));
  if (!ok) throw new InvalidArchitectureError('BAD_PARAM', `node "${n.id}" (${n.op}) needs "${key}" as [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(v)}`);
  return v as unknown as [[number, number], [number, number]];
}

const convOut = (size: number, k: number, s: number, padding: string) => (padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1);

/**
 * Infers every node's output shape and parameter count for the standard ops, without any ML
 * library. Throws {@link InvalidArchitectureError} for unknown ops, bad parameters, or shapes
 * that collapse (for example pooling a 1×1 map).
 *
 * @example
 * ```ts
 * import { inferShapes } from '@autonas/core';
 * const info = inferShapes({ nodes: [
 *   { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
 *   { id: 'c', op: 'conv2d', params: { filters: 8, kernelSize: 3 }, inputs: ['in'] },
 *   { id: 'o', op: 'classifier', params: { classes: 10 }, inputs: ['c'] },
 * ] });
 * console.log(info.outputShape, info.totalParams); // [10] 62810
 * ```
 */
export function inferShapes(arch: Architecture): ShapeInfo {
  const shapes = new Map<string, number[]>();
  const params = new Map<string, number>();
  let macs = 0;
  const image = (n: ArchNode, s: number[]) => {
    if (s.length !== 3) throw new InvalidArchitectureError('SHAPE', `node "${n.id}" (${n.op}) needs an image input [h, w, c], got [${s}]`);
    return s as [number, number, number];
  };
  let last: ArchNode | undefined;
  for (const n of checkGraph(arch)) {
    last = n;
    const ins = n.inputs.map((i) => shapes.get(i)!);
    const x = ins[0]!;
    let out: number[];
    let p = 0;
    switch (n.op) {
      case 'input': {
        const s = n.params.shape;
        if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && (d as number) > 0)) {
          throw new InvalidArchitectureError('BAD_PARAM', `input "${n.id}" needs a shape of positive integers, got ${JSON.stringify(s)}`);
        }
        out = s as number[];
        break;
      }
      case 'conv2d':
      case 'sepconv2d':
      case 'depthwiseconv2d': {
        const [h, w, c] = image(n, x);
        const k = num(n, 'kernelSize'), st = num(n, 'strides', 1), d = num(n, 'dilationRate', 1);
        if (!(Number.isInteger(d) && d >= 1)) throw new InvalidArchitectureError('BAD_PARAM', `node "${n.id}" (${n.op}) needs an integer dilationRate >= 1, got ${d}`);
        if (d > 1 && st > 1) throw new InvalidArchitectureError('BAD_PARAM', `node "${n.id}" (${n.op}) cannot combine dilationRate ${d} with strides ${st}`);
        const f = n.op === 'depthwiseconv2d' ? c * num(n, 'depthMultiplier', 1) : num(n, 'filters');
        const pad = String(n.params.padding ?? 'same');
        const ke = k + (k - 1) * (d - 1);
        out = [convOut(h, ke, st, pad), convOut(w, ke, st, pad), f];
        const bias = n.params.useBias === false ? 0 : f;
        const weights = n.op === 'conv2d' ? k * k * c * f : n.op === 'sepconv2d' ? k * k * c + c * f : k * k * f;
        p = weights + bias;
        macs += out[0]! * out[1]! * weights;
        break;
      }
      case 'batchnorm':
        out = x;
        p = 2 * x[x.length - 1]!;
        break;
      case 'activation':
      case 'dropout':
        out = x;
        break;
      case 'maxpool2d':
      case 'avgpool2d': {
        const [h, w, c] = image(n, x);
        const k = num(n, 'poolSize', 2), st = num(n, 'strides', k);
        const pad = String(n.params.padding ?? 'valid');
        out = [convOut(h, k, st, pad), convOut(w, k, st, pad), c];
        break;
      }
      case 'globalavgpool2d':
        out = [image(n, x)[2]];
        break;
      case 'flatten':
        out = [x.reduce((a, b) => a * b, 1)];
        break;
      case 'dense':
      case 'classifier':
      case 'regressor': {
        const units = n.op === 'dense' ? num(n, 'units') : n.op === 'regressor' ? num(n, 'units', 1) : num(n, 'classes');
        const fanIn = x.reduce((a, b) => a * b, 1);
        if (n.op === 'dense' && x.length !== 1) throw new InvalidArchitectureError('SHAPE', `dense "${n.id}" needs a flat input, got [${x}]`);
        out = [units];
        p = fanIn * units + units;
        macs += fanIn * units;
        break;
      }
      case 'add':
        if (!ins.every((s) => s.join() === x.join())) throw new InvalidArchitectureError('SHAPE', `add "${n.id}" needs equal input shapes, got ${ins.map((s) => `[${s}]`).join(' ')}`);
        out = x;
        break;
      case 'concat':
        if (!ins.every((s) => s.length === x.length && s.slice(0, -1).join() === x.slice(0, -1).join())) {
          throw new InvalidArchitectureError('SHAPE', `concat "${n.id}" needs inputs equal except the last axis, got ${ins.map((s) => `[${s}]`).join(' ')}`);
        }
        out = [...x.slice(0, -1), ins.reduce((a, s) => a + s[s.length - 1]!, 0)];
        break;
      case 'zeros': {
        const [h, w, c] = image(n, x);
        const st = num(n, 'strides', 1);
        if (!(Number.isInteger(st) && st >= 1)) throw new InvalidArchitectureError('BAD_PARAM', `node "${n.id}" (zeros) needs integer strides >= 1, got ${st}`);
        out = [Math.ceil(h / st), Math.ceil(w / st), c];
        break;
      }
      case 'crop2d':
      case 'zeropad2d': {
        const [h, w, c] = image(n, x);
        const [[t, b], [l, r]] = edgesParam(n, n.op === 'crop2d' ? 'cropping' : 'padding');
        const sign = n.op === 'crop2d' ? -1 : 1;
        out = [h + sign * (t + b), w + sign * (l + r), c];
        break;
      }
      default:
        throw new InvalidArchitectureError('UNKNOWN_OP', `node "${n.id}" has op "${n.op}", which is not a standard op (${STANDARD_OPS.join(', ')})`);
    }
    if (out.some((d) => !(d >= 1))) throw new InvalidArchitectureError('SHAPE_COLLAPSE', `node "${n.id}" (${n.op}) produces shape [${out}] from [${x}]`);
    shapes.set(n.id, out);
    params.set(n.id, p);
  }
  let total = 0;
  for (const v of params.values()) total += v;
  return { shapes, params, totalParams: total, macs, outputShape: shapes.get(last!.id)! };
}
