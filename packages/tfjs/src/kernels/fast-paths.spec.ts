import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the gradients (the node build of tfjs-core has none)
import { ConfigurationError } from '@autonas/core';
import {
  isKernelReplaced,
  registerWasmTrainingKernels,
  restoreWasmKernels,
  WASM_FAST_GRADIENTS,
  WASM_FAST_PATH_KERNELS,
} from './index.js';
import { compileArchitecture } from '../compile.js';
import { mergeTransposeAxes } from './kernel-calls.js';
import { copySlice } from './memory.js';
import { worstViolation } from './tolerance.test-util.js';
import { defaultArchitecture } from '../default-architecture.js';

/** |a − e| ≤ ABS + REL·|e| elementwise. */

type Values = { values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype: string };

/**
 * Runs `fn` on `backend` and returns its outputs' values, checking that it leaves no tensor and
 * no backend data behind.
 */
async function valuesOn(backend: string, fn: () => tf.Tensor[]): Promise<Values[]> {
  await tf.setBackend(backend);
  // A first run moves the inputs' data to this backend (tfjs moves data on first use).
  tf.dispose(tf.tidy(fn));
  const tensors = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const outs = tf.tidy(fn);
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array | Int32Array | Uint8Array));
  const result = outs.map((t, i) => ({ values: values[i]!, shape: t.shape, dtype: t.dtype }));
  tf.dispose(outs);
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(tensors);
  expect(tf.backend().numDataIds(), `backend data leaked on ${backend}`).toBe(dataIds);
  return result;
}

/** Runs `fn` on wasm and on cpu and expects the same shapes, dtypes and values (within 1e-4). */
async function expectSameOnWasmAndCpu(label: string, fn: () => tf.Tensor[]): Promise<void> {
  const wasm = await valuesOn('wasm', fn);
  const cpu = await valuesOn('cpu', fn);
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((w, i) => {
    const c = cpu[i]!;
    expect(w.shape, `${label} output ${i} shape`).toEqual(c.shape);
    expect(w.dtype, `${label} output ${i} dtype`).toBe(c.dtype);
    expect(worstViolation(w.values, c.values), `${label} output ${i}`).toBeLessThanOrEqual(1);
  });
}

/**
 * Runs `body` with the original wasm kernel `name` wrapped in a call counter (re-registering the
 * fast path on top of it), so that a test can tell the fast path from the fallback.
 */
async function countingFallbacks(name: (typeof WASM_FAST_PATH_KERNELS)[number], body: (calls: () => number) => Promise<void>): Promise<void> {
  expect(restoreWasmKernels([name])).toEqual([name]);
  const original = tf.getKernel(name, 'wasm')!;
  let calls = 0;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: (args) => (calls++, original.kernelFunc(args)) });
  try {
    expect(registerWasmTrainingKernels({ fastPaths: [name] })).toEqual([name]);
    await body(() => calls);
  } finally {
    restoreWasmKernels([name]);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
    registerWasmTrainingKernels({ fastPaths: [name] });
  }
}

/** Random values with many exact ties: ReLU of normals (about half are 0), or small integers. */
function tieHeavy(shape: number[], seed: number, kind: 'relu' | 'integers'): tf.Tensor {
  return tf.tidy(() =>
    kind === 'relu' ? tf.relu(tf.randomNormal(shape, 0, 1, 'float32', seed)) : tf.floor(tf.randomUniform(shape, 0, 3, 'float32', seed)),
  );
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

afterAll(() => {
  tf.disposeVariables();
});

describe('registration', () => {
  it('wraps every fast-path kernel and gradient, keeps the setupFunc, and is idempotent', () => {
    for (const name of WASM_FAST_PATH_KERNELS) expect(isKernelReplaced('wasm', name), name).toBe(true);
    expect(isKernelReplaced('wasm', 'Conv2DBackpropInput')).toBe(true);
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(registerWasmTrainingKernels({ replaceConv2DBackpropInput: true, fastPaths: true, fastGradients: true })).toEqual([]);
    // The wasm kernels bind their wasm functions in setupFunc: a wrapper must keep it.
    const wrapped = tf.getKernel('BatchMatMul', 'wasm')!;
    restoreWasmKernels(['BatchMatMul']);
    const original = tf.getKernel('BatchMatMul', 'wasm')!;
    expect(isKernelReplaced('wasm', 'BatchMatMul')).toBe(false);
    expect(original.setupFunc).toBeDefined();
    expect(wrapped.setupFunc).toBe(original.setupFunc);
    expect(registerWasmTrainingKernels()).toEqual(['BatchMatMul']);
    expect(tf.getKernel('BatchMatMul', 'wasm')!.setupFunc).toBe(original.setupFunc);
  });

  it('restores exactly the originals (never a wrapper of a wrapper), and wraps them again', () => {
    const originals = new Map<string, tf.KernelConfig>();
    const restored = restoreWasmKernels();
    expect(restored).toEqual(['Conv2DBackpropInput', ...WASM_FAST_PATH_KERNELS, ...WASM_FAST_GRADIENTS.map((n) => `${n} (gradient)`)]);
    for (const name of WASM_FAST_PATH_KERNELS) originals.set(name, tf.getKernel(name, 'wasm')!);
    expect(restoreWasmKernels()).toEqual([]);
    expect(registerWasmTrainingKernels().sort()).toEqual(restored.slice().sort());
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(restoreWasmKernels().length).toBe(restored.length);
    for (const name of WASM_FAST_PATH_KERNELS) expect(tf.getKernel(name, 'wasm')).toBe(originals.get(name));
    registerWasmTrainingKernels();
  });

  it('takes a list of fast paths, and rejects unknown names', () => {
    restoreWasmKernels(['Tile', 'Sum']);
    expect(registerWasmTrainingKernels({ fastPaths: ['Tile'] })).toEqual(['Tile']);
    expect(isKernelReplaced('wasm', 'Sum')).toBe(false);
    expect(registerWasmTrainingKernels({ fastPaths: false })).toEqual([]);
    expect(registerWasmTrainingKernels()).toEqual(['Sum']);
    expect(() => registerWasmTrainingKernels({ fastPaths: ['Nope' as 'Tile'] })).toThrow(ConfigurationError);
    expect(() => registerWasmTrainingKernels({ fastGradients: ['Nope' as 'Mean'] })).toThrow(ConfigurationError);
  });

  it('replaces gradients for the wasm backend only: cpu runs the original gradient', async () => {
    const x = tf.randomNormal([4, 6, 6, 3], 0, 1, 'float32', 1);
    const grad = () => [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, [0, 1, 2]), tf.tensor1d([1, -2, 3]))))(x)];
    const withFast = await valuesOn('cpu', grad);
    restoreWasmKernels(['Mean (gradient)']);
    const original = await valuesOn('cpu', grad);
    registerWasmTrainingKernels();
    expect(Array.from(withFast[0]!.values)).toEqual(Array.from(original[0]!.values)); // bitwise
    x.dispose();
  });
});

describe('helpers', () => {
  it('mergeTransposeAxes merges axes that stay together and drops size-1 axes', () => {
    expect(mergeTransposeAxes([64, 28, 28, 32], [1, 2, 0, 3])).toEqual({ shape: [64, 784, 32], perm: [1, 0, 2] });
    expect(mergeTransposeAxes([64, 28, 28, 32], [3, 1, 2, 0])).toEqual({ shape: [64, 784, 32], perm: [2, 1, 0] });
    expect(mergeTransposeAxes([2, 1, 3], [2, 1, 0])).toEqual({ shape: [2, 3], perm: [1, 0] });
    expect(mergeTransposeAxes([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
    expect(mergeTransposeAxes([1, 1], [1, 0])).toEqual({ shape: [], perm: [] });
  });

  it('copySlice copies any box of a row-major array', () => {
    const shape = [3, 4, 5];
    const src = Float32Array.from({ length: 60 }, (_, i) => i);
    const dst = new Float32Array(2 * 2 * 3);
    copySlice(src, shape, dst, [1, 1, 2], [2, 2, 3]);
    const expected: number[] = [];
    for (let a = 1; a < 3; a++) for (let b = 1; b < 3; b++) for (let c = 2; c < 5; c++) expected.push(a * 20 + b * 5 + c);
    expect(Array.from(dst)).toEqual(expected);
  });
});

describe('BatchMatMul / _FusedMatMul with transposed operands match cpu', () => {
  const CASES: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean; label: string }> = [
    { a: [24, 300], b: [24, 40], ta: true, tb: false, label: 'xᵀ·dy (weight gradient)' },
    { a: [24, 40], b: [300, 40], ta: false, tb: true, label: 'dy·wᵀ (input gradient, swapped product)' },
    { a: [40, 24], b: [300, 40], ta: true, tb: true, label: 'both transposed' },
    { a: [1, 40, 24], b: [40, 50], ta: true, tb: false, label: 'rank 3, batch 1' },
    { a: [1, 24, 40], b: [1, 300, 40], ta: false, tb: true, label: 'rank 3, batch 1, swapped product' },
    { a: [2, 40, 24], b: [2, 50, 24], ta: false, tb: true, label: 'batched (original kernel)' },
    { a: [3, 4], b: [5, 4], ta: false, tb: true, label: 'tiny (original kernel)' },
  ];
  it.each(CASES)('$label', async ({ a, b, ta, tb }) => {
    const x = tf.randomNormal(a, 0, 1, 'float32', 3);
    const y = tf.randomNormal(b, 0, 1, 'float32', 4);
    await expectSameOnWasmAndCpu('matMul', () => [tf.matMul(x, y, ta, tb)]);
    tf.dispose([x, y]);
  });

  it('a tensor multiplied as a right-hand operand under two shapes sharing its data (wasm packs by data id)', async () => {
    const k = tf.randomNormal([64, 128], 0, 1, 'float32', 9);
    const a = tf.randomNormal([64, 1], 0, 1, 'float32', 10);
    const v = tf.randomNormal([1, 128], 0, 1, 'float32', 11);
    await expectSameOnWasmAndCpu('aliased right operand', () => {
      const first = tf.matMul(k, tf.reshape(v, [128, 1]));
      const second = tf.matMul(a, v);
      const third = tf.matMul(k, tf.reshape(v, [128, 1]));
      const fused = tf.fused.matMul({ a: a as tf.Tensor2D, b: v as tf.Tensor2D, activation: 'relu' });
      return [first, second, third, fused];
    });
    tf.dispose([k, a, v]);
  });

  it('dense layers: tf.grads of matMul and of fused matMul with bias and relu', async () => {
    const x = tf.randomNormal([32, 200], 0, 1, 'float32', 5);
    const w = tf.randomNormal([200, 48], 0, 0.1, 'float32', 6);
    const bias = tf.randomNormal([48], 0, 1, 'float32', 7);
    const dy = tf.randomNormal([32, 48], 0, 1, 'float32', 8);
    await expectSameOnWasmAndCpu('dense grads', () => {
      const plain = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b), dy)))([x, w]);
      const fused = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }), dy)),
      )([x, w, bias]);
      const fusedT = tf.fused.matMul({ a: x as tf.Tensor2D, b: tf.transpose(w) as tf.Tensor2D, transposeB: true, bias, activation: 'relu' });
      return [...plain, ...fused, fusedT];
    });
    tf.dispose([x, w, bias, dy]);
  });
});

describe('MaxPoolGrad / AvgPoolGrad match cpu', () => {
  type Pad = 'valid' | 'same' | number;
  type Pool = { shape: number[]; size: number | [number, number]; stride: number | [number, number]; pad: Pad; overlap?: boolean; small?: boolean };
  const POOLS: Pool[] = [
    { shape: [4, 16, 16, 8], size: 2, stride: 2, pad: 'valid' },
    { shape: [2, 12, 18, 16], size: 3, stride: 3, pad: 'valid' },
    { shape: [3, 16, 12, 10], size: [2, 1], stride: [2, 1], pad: 'valid' },
    { shape: [4, 16, 16, 8], size: 2, stride: 2, pad: 'same' },
    { shape: [4, 17, 15, 8], size: 2, stride: 2, pad: 'valid' }, // odd: a row and a column no window reads
    { shape: [4, 17, 15, 8], size: 2, stride: 2, pad: 'same' }, // odd: padded bottom/right
    { shape: [4, 14, 13, 8], size: 3, stride: 3, pad: 'same' }, // padded on all sides
    { shape: [4, 14, 13, 8], size: 3, stride: 3, pad: 1 }, // explicit padding
    { shape: [4, 16, 16, 8], size: 3, stride: 2, pad: 'same', overlap: true },
    { shape: [4, 15, 15, 8], size: 2, stride: 1, pad: 'valid', overlap: true },
    { shape: [2, 13, 11, 16], size: [3, 2], stride: [2, 1], pad: 'valid', overlap: true },
    { shape: [1, 4, 4, 2], size: 2, stride: 2, pad: 'valid', small: true },
  ];

  it.each(POOLS)('maxPool $size/$stride $pad on $shape, tie-heavy inputs', async ({ shape, size, stride, pad, small }) => {
    await countingFallbacks('MaxPoolGrad', async (calls) => {
      for (const kind of ['relu', 'integers', 'normal'] as const) {
        const x = kind === 'normal' ? tf.randomNormal(shape, 0, 1, 'float32', 9) : tieHeavy(shape, 9, kind);
        const y = tf.maxPool(x as tf.Tensor4D, size, stride, pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 10);
        const run = () => [
          tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), dy)))(x),
          tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: size, strides: stride, pad }) as tf.Tensor,
        ];
        // The original wasm kernel (tiny inputs) drops windows whose maximum is ≤ 0: not compared.
        if (small === true) await valuesOn('wasm', run);
        else await expectSameOnWasmAndCpu(`maxPool grad ${kind}`, run);
        tf.dispose([x, y, dy]);
      }
      if (small === true) expect(calls()).toBeGreaterThan(0);
      else expect(calls(), 'fell back to the original kernel').toBe(0);
    });
  });

  it('maxPool gradient with huge values and all-equal windows; non-finite maxima go to the original', async () => {
    await countingFallbacks('MaxPoolGrad', async (calls) => {
      const values = new Float32Array(2 * 8 * 8 * 64).map((_, i) => (i % 7 === 0 ? -1e30 : i % 5 === 0 ? 3e38 : Math.floor(i / 64) % 3));
      const x = tf.tensor4d(values, [2, 8, 8, 64]);
      const dy = tf.randomNormal([2, 4, 4, 64], 0, 1, 'float32', 11);
      await expectSameOnWasmAndCpu('maxPool grad', () => [
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy)))(x),
      ]);
      expect(calls()).toBe(0);
      const withInf = tf.tensor4d(values.map((v, i) => (i === 100 ? Infinity : i === 200 ? NaN : v)), [2, 8, 8, 64]);
      await valuesOn('wasm', () => [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), dy)))(withInf)]);
      expect(calls()).toBeGreaterThan(0);
      tf.dispose([x, dy, withInf]);
    });
  });

  it.each(POOLS)('avgPool $size/$stride $pad on $shape', async ({ shape, size, stride, pad, overlap, small }) => {
    const fast = overlap !== true && small !== true;
    await countingFallbacks('AvgPoolGrad', async (calls) => {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 12);
      const y = tf.avgPool(x as tf.Tensor4D, size, stride, pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 13);
      await expectSameOnWasmAndCpu('avgPool grad', () => [
        tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, size, stride, pad), dy)))(x),
        tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, { filterSize: size, strides: stride, pad }) as tf.Tensor,
      ]);
      tf.dispose([x, y, dy]);
      if (fast) expect(calls(), 'fell back to the original kernel').toBe(0);
      else expect(calls()).toBeGreaterThan(0);
    });
  });
});

describe('Sum / Mean over leading axes match cpu', () => {
  const CASES: Array<{ shape: number[]; axis: number | number[]; fast: boolean }> = [
    { shape: [4, 16, 16, 8], axis: [0, 1, 2], fast: true },
    { shape: [4, 16, 16, 8], axis: [-4, -3], fast: true },
    { shape: [1, 300, 40], axis: [1], fast: true },
    { shape: [300, 1, 40], axis: [0, 1], fast: true },
    { shape: [4096, 3], axis: 0, fast: true },
    { shape: [4, 16, 16, 8], axis: [0, 2], fast: false },
    { shape: [4, 16, 16, 8], axis: [1, 2], fast: false },
    { shape: [4, 16, 16, 8], axis: [0, 1, 2, 3], fast: false },
    { shape: [8, 4], axis: 0, fast: false },
  ];
  it.each(CASES)('$shape over $axis (fast path: $fast)', async ({ shape, axis, fast }) => {
    for (const kernel of ['Sum', 'Mean'] as const) {
      await countingFallbacks(kernel, async (calls) => {
        const x = tf.randomNormal(shape, 0.5, 1, 'float32', 14);
        await expectSameOnWasmAndCpu(kernel, () => {
          const op = kernel === 'Sum' ? tf.sum : tf.mean;
          return [op(x, axis), op(x, axis, true)];
        });
        x.dispose();
        if (fast) expect(calls(), `${kernel} fell back to the original kernel`).toBe(0);
        else expect(calls()).toBeGreaterThan(0);
      });
    }
  });

  it('int32 sums go to the original kernel and stay exact', async () => {
    const x = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([64, 8, 8, 4], -50, 50, 'float32', 15)), 'int32'));
    await expectSameOnWasmAndCpu('int32 sum', () => [tf.sum(x, [0, 1, 2])]);
    x.dispose();
  });

  it('the Mean gradient (broadcast instead of ones) matches cpu', async () => {
    const x = tf.randomNormal([4, 16, 16, 8], 0, 1, 'float32', 16);
    const w = tf.randomNormal([8], 0, 1, 'float32', 17);
    await expectSameOnWasmAndCpu('mean grad', () => [
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, [0, 1, 2]), w)))(x),
      tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, [1, 2], true), tf.reshape(w, [1, 1, 1, 8]))))(x),
      tf.grad((a: tf.Tensor) => tf.mean(a))(x),
    ]);
    tf.dispose([x, w]);
  });
});

describe('Tile matches cpu', () => {
  const CASES: Array<{ shape: number[]; reps: number[]; fast: boolean; dtype?: 'int32' }> = [
    { shape: [1, 1, 1, 32], reps: [4, 8, 8, 1], fast: true }, // [R, C]: batch-norm gradient
    { shape: [40, 1], reps: [1, 200], fast: true }, // [C, R]
    { shape: [1], reps: [5000], fast: true }, // one value
    { shape: [2, 1, 3], reps: [3, 40, 20], fast: true }, // longer pattern: broadcasting add
    { shape: [2, 2, 20], reps: [3, 3, 10], fast: true }, // 6 alternating runs
    { shape: [4, 4, 4, 4], reps: [2, 3, 2, 3], fast: false }, // 8 alternating runs
    { shape: [1, 1, 1, 32], reps: [4, 8, 8, 1], fast: false, dtype: 'int32' },
    { shape: [2, 3], reps: [2, 2], fast: false }, // small
  ];
  it.each(CASES)('$shape × $reps $dtype (fast path: $fast)', async ({ shape, reps, fast, dtype }) => {
    await countingFallbacks('Tile', async (calls) => {
      const x = tf.tidy(() => {
        const r = tf.randomNormal(shape, 0, 1, 'float32', 18);
        return dtype === 'int32' ? tf.cast(tf.mul(r, 100), 'int32') : r;
      });
      await expectSameOnWasmAndCpu('tile', () => [tf.tile(x, reps)]);
      x.dispose();
      if (fast) expect(calls(), 'fell back to the original kernel').toBe(0);
      else expect(calls()).toBeGreaterThan(0);
    });
  });

  it('keeps infinities and NaN', async () => {
    const x = tf.tensor4d([1, -Infinity, Infinity, NaN], [1, 1, 1, 4]);
    await expectSameOnWasmAndCpu('tile', () => [tf.tile(x, [2, 40, 40, 1])]);
    x.dispose();
  });
});

describe('FusedBatchNorm and its gradient match cpu', () => {
  const x = () => tf.randomNormal([4, 12, 12, 16], 2, 3, 'float32', 19);
  const params = () => ({
    mean: tf.randomNormal([16], 2, 1, 'float32', 20),
    variance: tf.randomUniform([16], 0.5, 4, 'float32', 21),
    scale: tf.randomNormal([16], 1, 0.3, 'float32', 22),
    offset: tf.randomNormal([16], 0, 1, 'float32', 23),
  });

  it('forward with per-channel parameters, with and without scale and offset', async () => {
    const input = x();
    const { mean, variance, scale, offset } = params();
    await expectSameOnWasmAndCpu('batchNorm', () => [
      tf.batchNorm(input, mean, variance, offset, scale, 1e-3),
      tf.batchNorm(input, mean, variance, undefined, scale, 1e-3),
      tf.batchNorm(input, mean, variance, offset, undefined, 1e-3),
      tf.batchNorm(input, mean, variance),
    ]);
    tf.dispose([input, mean, variance, scale, offset]);
  });

  it('tf.grads with respect to x, mean, variance, scale and offset', async () => {
    const input = x();
    const { mean, variance, scale, offset } = params();
    const dy = tf.randomNormal(input.shape, 0, 1, 'float32', 24);
    await expectSameOnWasmAndCpu('batchNorm grads', () =>
      tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, sc: tf.Tensor, of: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a, m, v, of, sc, 1e-3), dy)))([
        input,
        mean,
        variance,
        scale,
        offset,
      ]),
    );
    tf.dispose([input, mean, variance, scale, offset, dy]);
  });

  it('parameters of the rank of x go to the original kernel and gradient', async () => {
    const input = x();
    const mean = tf.randomNormal([1, 1, 1, 16], 0, 1, 'float32', 26);
    const variance = tf.randomUniform([1, 1, 1, 16], 0.5, 2, 'float32', 27);
    const scale = tf.randomNormal([1, 1, 1, 16], 1, 0.3, 'float32', 28);
    const offset = tf.randomNormal([1, 1, 1, 16], 0, 1, 'float32', 29);
    // (tfjs 4.22 cannot differentiate with respect to rank-4 parameters: only x.)
    await expectSameOnWasmAndCpu('batchNorm rank 4', () => [
      tf.batchNorm(input, mean, variance, offset, scale),
      tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.batchNorm(a, mean, variance, offset, scale))))(input),
    ]);
    tf.dispose([input, mean, variance, scale, offset]);
  });

  it('batch norm in training mode (moments of the batch): gradients through the moments', async () => {
    const input = tf.randomNormal([8, 10, 10, 12], 1, 2, 'float32', 30);
    const gamma = tf.randomNormal([12], 1, 0.2, 'float32', 31);
    const beta = tf.randomNormal([12], 0, 0.2, 'float32', 32);
    const dy = tf.randomNormal(input.shape, 0, 1, 'float32', 33);
    await expectSameOnWasmAndCpu('training batch norm', () =>
      tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.sum(tf.mul(tf.relu(tf.batchNorm(a, mean, variance, b, g, 1e-3)), dy));
      })([input, gamma, beta]),
    );
    tf.dispose([input, gamma, beta, dy]);
  });
});

describe('Identity, Cast and Slice', () => {
  it('Identity and same-dtype Cast share the data; the copies outlive their source', async () => {
    await tf.setBackend('wasm');
    const dataIds = tf.backend().numDataIds();
    const x = tf.randomNormal([64, 64], 0, 1, 'float32', 32);
    const expected = Array.from(x.dataSync());
    const clone = tf.clone(x);
    const cast = tf.cast(x, 'float32');
    expect(tf.backend().numDataIds()).toBe(dataIds + 1);
    x.dispose();
    expect(Array.from(clone.dataSync())).toEqual(expected);
    clone.dispose();
    expect(Array.from(cast.dataSync())).toEqual(expected);
    cast.dispose();
    expect(tf.backend().numDataIds()).toBe(dataIds);
    const ints = tf.tensor1d([1.7, -2.5, 3], 'float32');
    await expectSameOnWasmAndCpu('cast', () => [tf.cast(ints, 'int32'), tf.cast(tf.cast(ints, 'int32'), 'float32')]);
    ints.dispose();
  });

  it('Slice matches cpu for any rank, box and dtype', async () => {
    const shapes = [[50], [6, 7], [4, 5, 6], [3, 4, 5, 6], [2, 3, 4, 5, 6], [2, 3, 2, 4, 3, 5]];
    for (const shape of shapes) {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 33);
      const begin = shape.map((d) => Math.min(1, d - 1));
      const size = shape.map((d, i) => (i % 2 === 0 ? d - begin[i]! : Math.max(1, d - 2)));
      await expectSameOnWasmAndCpu(`slice ${shape}`, () => [
        tf.slice(x, begin, size),
        tf.slice(x, shape.map(() => 0), shape.map((_, i) => (i === 0 ? 1 : -1))),
        tf.slice(tf.cast(tf.mul(x, 10), 'int32'), begin, size),
        tf.slice(tf.greater(x, 0), begin, size),
        ...tf.split(x, [1, shape[0]! - 1], 0),
      ]);
      x.dispose();
    }
  });
});

describe('the default network of the search space', () => {
  it('gives the same loss and weight gradients on wasm as on cpu (training mode: batch norm, dropout)', async () => {
    await tf.setBackend('wasm');
    const arch = defaultArchitecture([12, 12, 1]);
    // One model per backend, compiled with the same seed: the same weights and the same sequence of
    // dropout masks (a model draws a new mask on every training call).
    const models = [compileArchitecture(arch, { seed: 3 }), compileArchitecture(arch, { seed: 3 })];
    let run = 0;
    const x = tf.randomUniform([16, 12, 12, 1], 0, 1, 'float32', 40);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5], 'int32'), 10);
    await expectSameOnWasmAndCpu('default network', () => {
      // valuesOn calls this twice per backend (a warm-up, then the measured run).
      const model = models[Math.floor(run++ / 2)]!;
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const p = model.apply(x, { training: true }) as tf.Tensor2D;
        return tf.mean(tf.neg(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
      }, vars);
      return [value, ...vars.map((v) => grads[v.name]!)];
    });
    tf.dispose([x, y]);
    for (const m of models) m.dispose();
  });
});

describe('memory', () => {
  it('the fast paths free every intermediate (tensors and wasm data)', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([4, 16, 16, 8], 0, 1, 'float32', 34);
    const w = tf.randomNormal([2048, 40], 0, 1, 'float32', 35);
    const step = () =>
      tf.tidy(() => {
        const pooled = tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid');
        const flat = tf.reshape(pooled, [1, 2048]);
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const { mean, variance } = tf.moments(a, [0, 1, 2]);
          const normed = tf.batchNorm(a, mean, variance, tf.zeros([8]), tf.ones([8]));
          const p = tf.avgPool(tf.maxPool(normed as tf.Tensor4D, 2, 2, 'valid'), 2, 2, 'valid');
          return tf.sum(tf.matMul(tf.tile(tf.reshape(p, [1, 512]), [1, 4]), b));
        })([x, w]);
        const image = tf.slice(x, [0, 0, 0, 0], [4, 16, 16, 1]);
        const [gi, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([
          image,
          tf.ones([3, 3, 1, 16]),
        ]);
        return [gx!, gw!, gi!, gf!, tf.slice(flat, [0, 3], [1, 100]), tf.clone(flat)];
      });
    tf.dispose(step());
    const tensors = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    tf.dispose([x, w]);
  });
});
