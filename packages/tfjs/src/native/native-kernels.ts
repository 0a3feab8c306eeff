import * as tf from '@tensorflow/tfjs-core';
import type { DataId, DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { RuntimeError } from '@autonas/core';
import { loadNativeAddon, type NativeAddon } from './addon.js';

/** The wasm kernels {@link registerNativeKernels} runs natively (falling back to the one it replaces). */
export const NATIVE_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'MaxPool',
  'MaxPoolGrad',
  'BatchMatMul',
  '_FusedMatMul',
] as const;

/** One of {@link NATIVE_KERNELS}. */
export type NativeKernel = (typeof NATIVE_KERNELS)[number];

/** The parts of tfjs-backend-wasm's `BackendWasm` (4.x) the native kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  dataIdMap: { get(dataId: DataId): { memoryOffset: number | null } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

function isWasmBackend(b: unknown): b is WasmBackendLike {
  const x = b as Partial<WasmBackendLike> | null;
  return x != null && typeof x.makeOutput === 'function' && x.dataIdMap !== undefined && x.wasm?.HEAPU8 instanceof Uint8Array;
}

/** Marks a config registered by {@link registerNativeKernels}, holding the one it replaced. */
const NATIVE = Symbol.for('autonas.tfjs.nativeKernel');
interface NativeConfig extends KernelConfig {
  [NATIVE]: { original: KernelConfig | undefined };
}
function isNative(config: KernelConfig | undefined): config is NativeConfig {
  return config !== undefined && NATIVE in config;
}

const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3, elu: 4, sigmoid: 5 };

function offsetOf(backend: WasmBackendLike, t: TensorInfo): number {
  const off = backend.dataIdMap.get(t.dataId)?.memoryOffset;
  if (typeof off !== 'number') throw new RuntimeError('NATIVE_KERNEL_FAILED', 'autonas native: a tensor has no data in the wasm heap');
  return off;
}

const floats = (...ts: Array<TensorInfo | undefined>): boolean => ts.every((t) => t === undefined || t.dtype === 'float32');
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The 15 geometry ints of a convolution, from `computeConv2DInfo`. */
function convInts(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.filterHeight,
    info.filterWidth,
    info.outChannels,
    info.outHeight,
    info.outWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}

function convInfo(
  xShape: readonly number[],
  filterShape: readonly number[],
  a: { strides: unknown; pad: unknown; dataFormat?: unknown; dilations?: unknown; dimRoundingMode?: unknown },
): tf.backend_util.Conv2DInfo | undefined {
  if (xShape.length !== 4 || filterShape.length !== 4) return undefined;
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') return undefined;
  try {
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      a.strides as number,
      (a.dilations ?? 1) as number,
      a.pad as 'same',
      a.dimRoundingMode as 'floor' | undefined,
      false,
      'channelsLast',
    );
    if (info.padInfo.top < 0 || info.padInfo.left < 0 || info.outHeight <= 0 || info.outWidth <= 0) return undefined;
    if (info.batchSize * info.inHeight * info.inWidth * info.inChannels * info.outChannels === 0) return undefined;
    return info;
  } catch {
    return undefined; // the original kernel reports it
  }
}

type Native = (addon: NativeAddon, backend: WasmBackendLike, args: Parameters<KernelFunc>[0]) => TensorInfo | undefined;

/** Forward convolution, plain or fused with a per-channel bias and an activation. */
const conv2d =
  (fused: boolean): Native =>
  (addon, backend, { inputs, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
    const a = attrs as { activation?: string; leakyreluAlpha?: number };
    if (x === undefined || filter === undefined || preluActivationWeights !== undefined || !floats(x, filter, bias)) return undefined;
    const act = fused ? ACTIVATIONS[a.activation ?? 'linear'] : 0;
    if (act === undefined) return undefined;
    const info = convInfo(x.shape, filter.shape, attrs as never);
    if (info === undefined || (bias !== undefined && size(bias.shape) !== info.outChannels)) return undefined;
    const out = backend.makeOutput(info.outShape, 'float32');
    const offsets = Float64Array.of(offsetOf(backend, x), offsetOf(backend, filter), bias ? offsetOf(backend, bias) : -1, offsetOf(backend, out));
    addon.conv2d(backend.wasm.HEAPU8.buffer, Int32Array.from([...convInts(info), act]), offsets, a.leakyreluAlpha ?? 0.2);
    return out;
  };

const conv2dBackpropFilter: Native = (addon, backend, { inputs, attrs }) => {
  const { x, dy } = inputs as Record<string, TensorInfo | undefined>;
  const a = attrs as unknown as { filterShape: number[] };
  if (x === undefined || dy === undefined || !floats(x, dy)) return undefined;
  const info = convInfo(x.shape, a.filterShape, attrs as never);
  if (info === undefined || !info.outShape.every((d, i) => dy.shape[i] === d)) return undefined;
  const out = backend.makeOutput([...a.filterShape], 'float32');
  const offsets = Float64Array.of(offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, out));
  addon.conv2dBackpropFilter(backend.wasm.HEAPU8.buffer, Int32Array.from(convInts(info)), offsets);
  return out;
};

const conv2dBackpropInput: Native = (addon, backend, { inputs, attrs }) => {
  const { dy, filter } = inputs as Record<string, TensorInfo | undefined>;
  const a = attrs as unknown as { inputShape: number[] };
  if (dy === undefined || filter === undefined || !floats(dy, filter)) return undefined;
  const info = convInfo(a.inputShape, filter.shape, attrs as never);
  if (info === undefined || !info.outShape.every((d, i) => dy.shape[i] === d)) return undefined;
  const out = backend.makeOutput([...a.inputShape], 'float32');
  const offsets = Float64Array.of(offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, out));
  addon.conv2dBackpropInput(backend.wasm.HEAPU8.buffer, Int32Array.from(convInts(info)), offsets);
  return out;
};

function poolInts(x: TensorInfo, attrs: unknown): number[] | undefined {
  const a = attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown };
  if (x.shape.length !== 4 || size(x.shape) === 0) return undefined;
  let info: tf.backend_util.Conv2DInfo;
  try {
    info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad as 'valid', a.dimRoundingMode as 'floor' | undefined);
  } catch {
    return undefined;
  }
  const p = info.padInfo;
  if (info.outHeight <= 0 || info.outWidth <= 0 || p.top < 0 || p.left < 0) return undefined;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
  ];
}

const maxPool: Native = (addon, backend, { inputs, attrs }) => {
  const x = inputs['x'] as TensorInfo | undefined;
  if (x === undefined || !floats(x)) return undefined;
  const g = poolInts(x, attrs);
  if (g === undefined) return undefined;
  const out = backend.makeOutput([g[0]!, g[4]!, g[5]!, g[3]!], 'float32');
  addon.maxPool(backend.wasm.HEAPU8.buffer, Int32Array.from(g), Float64Array.of(offsetOf(backend, x), offsetOf(backend, out)));
  return out;
};

const maxPoolGrad: Native = (addon, backend, { inputs, attrs }) => {
  const { dy, input } = inputs as Record<string, TensorInfo | undefined>;
  if (dy === undefined || input === undefined || !floats(dy, input)) return undefined;
  const g = poolInts(input, attrs);
  if (g === undefined || ![g[0], g[4], g[5], g[3]].every((d, i) => dy.shape[i] === d)) return undefined;
  const out = backend.makeOutput([...input.shape], 'float32');
  const offsets = Float64Array.of(offsetOf(backend, dy), offsetOf(backend, input), offsetOf(backend, out));
  addon.maxPoolGrad(backend.wasm.HEAPU8.buffer, Int32Array.from(g), offsets);
  return out;
};

/** Batched matrix product (a batch of 1 broadcasts), plain or fused with a bias and an activation. */
const matMul =
  (fused: boolean): Native =>
  (addon, backend, { inputs, attrs }) => {
    const { a, b, bias, preluActivationWeights } = inputs as Record<string, TensorInfo | undefined>;
    const at = attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string; leakyreluAlpha?: number };
    if (a === undefined || b === undefined || preluActivationWeights !== undefined || !floats(a, b, bias)) return undefined;
    if (a.shape.length < 2 || b.shape.length < 2) return undefined;
    const act = fused ? ACTIVATIONS[at.activation ?? 'linear'] : 0;
    if (act === undefined) return undefined;
    const ta = at.transposeA === true;
    const tb = at.transposeB === true;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
    const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
    const k2 = tb ? b.shape[rb - 1]! : b.shape[rb - 2]!;
    const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
    if (k !== k2 || m * n === 0) return undefined;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const ba = size(outerA);
    const bb = size(outerB);
    let outer: number[];
    if (ba === bb && outerA.length === outerB.length && outerA.every((d, i) => outerB[i] === d)) outer = outerA;
    else if (bb === 1) outer = outerA.length >= outerB.length ? outerA : [...outerB.slice(0, outerB.length - outerA.length).map(() => 1), ...outerA];
    else if (ba === 1) outer = outerB.length >= outerA.length ? outerB : [...outerA.slice(0, outerA.length - outerB.length).map(() => 1), ...outerB];
    else return undefined;
    if (bias !== undefined && size(bias.shape) !== n) return undefined;
    const out = backend.makeOutput([...outer, m, n], 'float32');
    const offsets = Float64Array.of(offsetOf(backend, a), offsetOf(backend, b), bias ? offsetOf(backend, bias) : -1, offsetOf(backend, out));
    addon.matMul(backend.wasm.HEAPU8.buffer, Int32Array.of(ba, bb, m, n, k, ta ? 1 : 0, tb ? 1 : 0, act), offsets, at.leakyreluAlpha ?? 0.2);
    return out;
  };

const NATIVES: Record<NativeKernel, Native> = {
  Conv2D: conv2d(false),
  FusedConv2D: conv2d(true),
  Conv2DBackpropFilter: conv2dBackpropFilter,
  Conv2DBackpropInput: conv2dBackpropInput,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  BatchMatMul: matMul(false),
  _FusedMatMul: matMul(true),
};

/** Options of {@link registerNativeKernels}. */
export interface NativeKernelOptions {
  /** The addon (default: {@link loadNativeAddon}'s). */
  addon?: NativeAddon;
  /** Threads of the addon's pool (default: one per core, as `os.availableParallelism()`). */
  threads?: number;
  /** The kernels to run natively (default all of {@link NATIVE_KERNELS}). */
  kernels?: readonly NativeKernel[];
}

/** What {@link registerNativeKernels} did. */
export interface NativeKernelsInfo {
  /** The kernels now run natively. */
  readonly kernels: readonly string[];
  readonly threads: number;
  /** The vector instructions the addon was compiled for: `avx512`, `avx2` or `sse`. */
  readonly isa: string;
}

/**
 * Runs the wasm backend's convolutions, their gradients, max pooling and matrix products in the
 * native addon (C++ on a pool of threads, reading and writing the wasm heap in place), each
 * falling back to the kernel registered before it for what it does not handle (other data
 * formats and dtypes, PReLU fusions, broadcasting batch shapes other than a batch of 1). Call
 * after `registerWasmTrainingKernels`, so that the fallbacks are the fast compositions.
 * Idempotent; {@link restoreNativeKernels} undoes it. `initRuntime` calls this for the wasm
 * backend unless `AUTONAS_NATIVE=0`.
 *
 * @returns what it registered (kernels already native are listed too)
 * @throws RuntimeError `NATIVE_UNAVAILABLE` when no addon is given and none loads (the status's reason)
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { loadNativeAddon, registerNativeKernels, registerWasmTrainingKernels } from '@autonas/tfjs';
 *
 * registerWasmTrainingKernels();
 * if (loadNativeAddon().addon !== undefined) {
 *   const { threads, isa } = registerNativeKernels({ threads: 2 });
 *   console.log(`native kernels on ${threads} threads (${isa})`);
 * }
 * await tf.setBackend('wasm');
 * ```
 */
export function registerNativeKernels(options: NativeKernelOptions = {}): NativeKernelsInfo {
  let addon = options.addon;
  if (addon === undefined) {
    const status = loadNativeAddon();
    if (status.addon === undefined) throw new RuntimeError('NATIVE_UNAVAILABLE', `autonas native kernels: ${status.reason}`);
    addon = status.addon;
  }
  if (options.threads !== undefined) addon.setThreads(Math.max(1, Math.floor(options.threads)));
  const kernels: string[] = [];
  for (const name of options.kernels ?? NATIVE_KERNELS) {
    const native = NATIVES[name];
    if (native === undefined) throw new RuntimeError('NATIVE_UNAVAILABLE', `autonas native kernels: no native kernel '${name}'`);
    const current = tf.getKernel(name, 'wasm');
    if (isNative(current)) {
      kernels.push(name);
      continue;
    }
    if (current === undefined) continue; // nothing to fall back to: leave the kernel unregistered
    const fallback = current.kernelFunc;
    const chosen = addon;
    const kernelFunc: KernelFunc = (args) => {
      if (isWasmBackend(args.backend)) {
        const out = native(chosen, args.backend, args);
        if (out !== undefined) return out;
      }
      return fallback(args);
    };
    // The spread keeps the setupFunc/disposeFunc and the marks of other replacements (so that
    // `registerWasmTrainingKernels` does not wrap this again).
    const config: NativeConfig = { ...current, kernelFunc, [NATIVE]: { original: current } };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
    kernels.push(name);
  }
  const info = addon.info();
  return Object.freeze({ kernels: Object.freeze(kernels), threads: info.threads, isa: info.isa });
}

/**
 * Undoes {@link registerNativeKernels}: registers again the wasm kernels it replaced.
 *
 * @returns the kernels restored
 *
 * @example
 * ```ts
 * import { restoreNativeKernels } from '@autonas/tfjs';
 * restoreNativeKernels(); // the wasm kernels again
 * ```
 */
export function restoreNativeKernels(): string[] {
  const restored: string[] = [];
  for (const name of NATIVE_KERNELS) {
    const current = tf.getKernel(name, 'wasm');
    if (!isNative(current)) continue;
    tf.unregisterKernel(name, 'wasm');
    const original = current[NATIVE].original;
    if (original !== undefined) tf.registerKernel(original);
    restored.push(name);
  }
  return restored;
}

/** Whether `kernelName` of the wasm backend is run by the native addon now. */
export function isNativeKernel(kernelName: string): boolean {
  return isNative(tf.getKernel(kernelName, 'wasm'));
}
