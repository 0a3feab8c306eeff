import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { composeKernels, type KernelCalls } from './kernel-calls.js';

/**
 * Below this many multiply-adds (M·K·N) the wasm kernel's own transposed path is as fast as an
 * explicit `Transpose` plus the XNNPACK path (measured on tfjs-backend-wasm 4.22, Node 20 SIMD:
 * equal at 16³, 2× faster with the explicit transpose at 32³, 6–12× on dense-layer gradients).
 */
export const EXPLICIT_TRANSPOSE_MIN_MACS = 16 * 16 * 16;

/**
 * Rough costs, in ns per float, of the wasm `Transpose` of a matrix (it moves the innermost axis)
 * and of XNNPACK packing the right-hand operand of a product (it does on every call for a new
 * tensor), measured on tfjs-backend-wasm 4.22 in Node 20.
 */
const TRANSPOSE_NS = 3;
const PACK_NS = 6;

/** Sizes of `op(a)·op(b)` for rank ≥ 2 operands: `[m, k, n]`, or undefined when batched. */
function productSizes(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): [number, number, number] | undefined {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return undefined;
  // Batched products take a generic loop in the wasm kernel whether transposed or not.
  const batch = (s: readonly number[]) => s.slice(0, -2).reduce((n, d) => n * d, 1);
  if (batch(a.shape) !== 1 || batch(b.shape) !== 1) return undefined;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  return [m, k, n];
}

/** Whether the explicit transposition pays off for `a`×`b` with these flags. */
function worthTransposing(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  if (!transposeA && !transposeB) return false;
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return false;
  const sizes = productSizes(a, b, transposeA, transposeB);
  return sizes !== undefined && sizes[0] * sizes[1] * sizes[2] >= EXPLICIT_TRANSPOSE_MIN_MACS;
}

/**
 * Whether computing `(op(b)ᵀ·op(a)ᵀ)ᵀ` is cheaper than `op(a)·op(b)`: XNNPACK packs the right-hand
 * operand on every call, so for `dy·wᵀ` with a big `w` (a dense layer's input gradient) it is
 * faster to multiply `w·dyᵀ`, packing only the small `dyᵀ`, and transpose the result.
 */
function swapIsCheaper(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  const [m, , n] = productSizes(a, b, transposeA, transposeB)!;
  const sizeA = a.shape.reduce((p, d) => p * d, 1);
  const sizeB = b.shape.reduce((p, d) => p * d, 1);
  const direct = (transposeA ? TRANSPOSE_NS * sizeA : 0) + (transposeB ? TRANSPOSE_NS * sizeB : 0) + PACK_NS * sizeB;
  const swapped = (transposeB ? 0 : TRANSPOSE_NS * sizeB) + (transposeA ? 0 : TRANSPOSE_NS * sizeA) + PACK_NS * sizeA + TRANSPOSE_NS * m * n;
  return swapped < 0.8 * direct;
}
/**
 * The shape (and transposition) with which each data id was first multiplied as a right-hand
 * operand. tfjs-backend-wasm 4.22 caches XNNPACK's packed right-hand operand by data id, not by
 * shape: a tensor multiplied once as `[128, 1]` and later, through a reshape sharing its data, as
 * `[1, 128]` gets the first packing, and the second product is garbage or NaN (seen in an RL
 * controller's gradients). Such an operand is copied to fresh data first.
 */
const rightOperandShapes = new WeakMap<object, string>();

/** Whether `b`'s data was already packed as a right-hand operand of another shape. */
function packedWithAnotherShape(b: TensorInfo, transposeB: boolean): boolean {
  const signature = `${b.shape.join('x')}${transposeB ? 'T' : ''}`;
  const prior = rightOperandShapes.get(b.dataId);
  if (prior === undefined) rightOperandShapes.set(b.dataId, signature);
  return prior !== undefined && prior !== signature;
}

/** A copy of `x` in fresh data (the wasm `Identity` of our fast paths shares data, a product does not). */
function freshCopy(k: KernelCalls, x: TensorInfo): TensorInfo {
  return k.run('Multiply', { a: x, b: k.fill([], 1) }, {});
}

/** The permutation swapping the last two axes of a tensor of rank `rank`. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 1] = rank - 2;
  perm[rank - 2] = rank - 1;
  return perm;
}

/**
 * Wraps the wasm `BatchMatMul` or `_FusedMatMul` kernel: tfjs-backend-wasm 4.22 multiplies with
 * XNNPACK only when neither operand is transposed and falls back to a plain loop otherwise,
 * about 10 times slower on the shapes of dense-layer gradients (`matMul(dy, w, false, true)`,
 * `matMul(x, dy, true, false)`). This transposes such an operand explicitly with the backend's
 * `Transpose` first and calls the original kernel without transposition (or, for a
 * `BatchMatMul` where that is cheaper, computes the transposed product, see `swapIsCheaper`).
 * Batched products and tiny ones (see {@link EXPLICIT_TRANSPOSE_MIN_MACS}) go to the original
 * unchanged.
 */
export function explicitTransposeMatMul(kernelName: string, backendName: string, original: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const a = inputs['a'] as TensorInfo;
    const b = inputs['b'] as TensorInfo;
    const transposeA = (attrs as { transposeA?: boolean } | undefined)?.transposeA === true;
    const transposeB = (attrs as { transposeB?: boolean } | undefined)?.transposeB === true;
    if (!worthTransposing(a, b, transposeA, transposeB)) {
      if (b.dtype !== 'float32' || !packedWithAnotherShape(b, transposeB)) return original(args);
      return composeKernels(backend, backendName, kernelName, (k) => k.call(original, { ...inputs, b: freshCopy(k, b) }, attrs ?? {}, kernelName));
    }
    const plain = { ...attrs, transposeA: false, transposeB: false };
    // Only a plain product can be swapped (a bias or an activation's weights follow the output).
    const swap = kernelName === 'BatchMatMul' && swapIsCheaper(a, b, transposeA, transposeB);
    return composeKernels(backend, backendName, kernelName, (k) => {
      if (swap) {
        const left = transposeB ? b : k.transpose(b, swapLastTwo(b.shape.length)); // op(b)ᵀ
        let right = transposeA ? a : k.transpose(a, swapLastTwo(a.shape.length)); // op(a)ᵀ
        if (packedWithAnotherShape(right, false)) right = freshCopy(k, right);
        const productT = k.call(original, { a: left, b: right }, plain, kernelName);
        return k.transpose(productT, swapLastTwo(productT.shape.length));
      }
      const a2 = transposeA ? k.transpose(a, swapLastTwo(a.shape.length)) : a;
      let b2 = transposeB ? k.transpose(b, swapLastTwo(b.shape.length)) : b;
      if (packedWithAnotherShape(b2, false)) b2 = freshCopy(k, b2);
      return k.call(original, { ...inputs, a: a2, b: b2 }, plain, kernelName);
    });
  };
}
