import * as tf from '@tensorflow/tfjs-core';
import type { DataId, DataType, KernelFunc, SliceAttrs, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-wasm's `BackendWasm` (4.x) that its own JS kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  incRef(dataId: DataId): void;
}

function isWasmHeapBackend(backend: unknown): backend is WasmHeapBackend {
  const b = backend as Partial<WasmHeapBackend> | null;
  return b != null && typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' && typeof b.incRef === 'function';
}

/** A view (no copy) of the data of `info` in the wasm heap, or undefined on another backend. */
export function heapView(backend: unknown, info: TensorInfo): Float32Array | Int32Array | Uint8Array | undefined {
  return isWasmHeapBackend(backend) ? backend.typedArrayFromHeap(info) : undefined;
}

/**
 * Wraps the wasm `Identity` kernel, which copies its input (tfjs-backend-wasm 4.22), so that it
 * shares the data instead, like the wasm `Reshape` and the cpu and webgl `Identity` do. The
 * engine clones every tensor it saves for the backward pass, so a training step makes about a
 * hundred copies otherwise (≈12 ms for a small CNN). Safe because kernels never write to their
 * inputs (a variable's `assign` replaces its data, it does not overwrite it). Strings go to the
 * original.
 */
export function sharingIdentity(_backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs['x'] as TensorInfo;
    if (x.dtype === 'string' || !isWasmHeapBackend(args.backend)) return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

/**
 * Wraps the wasm `Cast` kernel, which copies its input also when the dtype does not change
 * (tfjs-backend-wasm 4.22; the gradients of ReLU and Square cast float32 to float32): then it
 * shares the data, as {@link sharingIdentity} does. Real conversions go to the original.
 */
export function sharingCast(_backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const dtype = (args.attrs as { dtype?: DataType } | undefined)?.dtype;
    if (dtype !== x.dtype || x.dtype === 'string' || !isWasmHeapBackend(args.backend)) return original(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

/**
 * Wraps the wasm `Slice` kernel: tfjs-backend-wasm 4.22 reads its whole input with `readSync`
 * (a copy of all of it) to slice a part, ≈3 ms to take a quarter of 1.6 M floats. This copies
 * only the part, straight from the wasm heap, in runs as long as the slice allows (the same
 * result). Strings go to the original.
 */
export function heapSlice(_backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const backend = args.backend;
    if (x.dtype === 'string' || x.dtype === 'complex64' || !isWasmHeapBackend(backend)) return original(args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const out = backend.makeOutput(extent, x.dtype);
    const total = extent.reduce((n, d) => n * d, 1);
    if (total === 0) return out;
    // Views taken after makeOutput: allocating may grow (and so replace) the wasm memory.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    copySlice(src, x.shape, dst, start, extent);
    return out;
  };
}

/** Copies the box `start`/`extent` of the row-major array `src` of `shape` into `dst`. */
export function copySlice(
  src: { subarray(a: number, b: number): ArrayLike<number> },
  shape: readonly number[],
  dst: { set(a: ArrayLike<number>, offset: number): void },
  start: readonly number[],
  extent: readonly number[],
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst.set(src.subarray(0, 1), 0);
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  // The innermost axis `inner` from which on every copied run is contiguous in `src`.
  let inner = rank - 1;
  while (inner > 0 && extent[inner] === shape[inner]) inner--;
  const run = extent[inner]! * strides[inner]!;
  const runs = extent.slice(0, inner).reduce((n, d) => n * d, 1);
  const index = new Array<number>(inner).fill(0);
  let base = start[inner]! * strides[inner]!;
  for (let a = 0; a < inner; a++) base += start[a]! * strides[a]!;
  let offset = base;
  for (let r = 0; r < runs; r++) {
    dst.set(src.subarray(offset, offset + run), r * run);
    // Next index of the outer axes (odometer), updating the source offset.
    for (let a = inner - 1; a >= 0; a--) {
      if (++index[a]! < extent[a]!) {
        offset += strides[a]!;
        break;
      }
      offset -= (extent[a]! - 1) * strides[a]!;
      index[a] = 0;
    }
  }
}
