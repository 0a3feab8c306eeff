import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { RuntimeError } from '@autonas/core';
import { registerWasmTrainingKernels } from '../kernels/index.js';
import { worstViolation } from '../kernels/tolerance.test-util.js';
import { loadNativeAddon, type NativeAddon } from './addon.js';
import { isNativeKernel, NATIVE_KERNELS, registerNativeKernels, restoreNativeKernels } from './native-kernels.js';

const status = loadNativeAddon();
const built = status.addon !== undefined;

/** The addon with a count of calls per function, to prove the native code ran (not the fallback). */
function counting(addon: NativeAddon): { addon: NativeAddon; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  // (the addon's functions are not enumerable properties)
  const wrapped = Object.fromEntries(
    Object.getOwnPropertyNames(addon).map((name) => [
      name,
      (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return (addon[name as keyof NativeAddon] as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as NativeAddon;
  return { addon: wrapped, calls };
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const EXPLICIT: Pad = [[0, 0], [1, 2], [2, 0], [0, 0]];

/** A seeded uniform tensor in [-1, 1). */
function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

/** `fn`'s outputs on wasm (native) and on cpu, with the same inputs; no tensor left behind on wasm. */
async function bothBackends(make: () => tf.Tensor[], fn: (inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  await tf.setBackend('cpu');
  const data = tf.tidy(() => make().map((t) => ({ values: t.dataSync().slice(), shape: t.shape })));
  const run = async (backend: string): Promise<Float32Array[]> => {
    await tf.setBackend(backend);
    const before = tf.memory().numTensors;
    const out = tf.tidy(() => {
      const inputs = data.map((d) => tf.tensor(d.values, d.shape));
      const r = fn(inputs);
      return (Array.isArray(r) ? r : [r]).map((t) => t.dataSync().slice() as Float32Array);
    });
    expect(tf.memory().numTensors).toBe(before);
    return out;
  };
  return { wasm: await run('wasm'), cpu: await run('cpu') };
}

function expectClose(r: { wasm: Float32Array[]; cpu: Float32Array[] }, label: string): void {
  expect(r.wasm.length, label).toBe(r.cpu.length);
  r.wasm.forEach((w, i) => expect(worstViolation(w, r.cpu[i]!), `${label} output ${i}`).toBeLessThanOrEqual(1));
}

describe.runIf(built)('native kernels against the cpu backend', () => {
  let calls: Map<string, number>;
  beforeAll(async () => {
    registerWasmTrainingKernels();
    const c = counting(status.addon!);
    calls = c.calls;
    const info = registerNativeKernels({ addon: c.addon, threads: 2 });
    expect(info.kernels).toEqual([...NATIVE_KERNELS]);
    expect(info.threads).toBe(2);
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterAll(() => {
    restoreNativeKernels();
  });

  const ran = (fn: string, since: number): number => (calls.get(fn) ?? 0) - since;

  const convCases: Array<{ k: number; s: number; d: number; pad: Pad; b: number; h: number; w: number; c: number; co: number }> = [];
  for (const pad of ['same', 'valid', EXPLICIT] as Pad[])
    for (const [k, s, d] of [
      [1, 1, 1],
      [3, 1, 1],
      [3, 2, 1],
      [5, 3, 1],
      [3, 1, 2],
    ] as const)
      convCases.push({ k, s, d, pad, b: 3, h: 9, w: 8, c: 3, co: 5 });
  // the default network's shapes, and more output channels than one register tile holds
  convCases.push({ k: 3, s: 1, d: 1, pad: 'same', b: 4, h: 28, w: 28, c: 1, co: 32 });
  convCases.push({ k: 3, s: 1, d: 1, pad: 'same', b: 5, h: 14, w: 14, c: 32, co: 70 });

  for (const g of convCases) {
    const label = `k${g.k} s${g.s} d${g.d} ${JSON.stringify(g.pad)} ${g.b}x${g.h}x${g.w}x${g.c}→${g.co}`;
    it(`Conv2D ${label}`, async () => {
      const before = calls.get('conv2d') ?? 0;
      const r = await bothBackends(
        () => [rand([g.b, g.h, g.w, g.c], 1), rand([g.k, g.k, g.c, g.co], 2)],
        ([x, f]) => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, g.s, g.pad, 'NHWC', g.d),
      );
      expectClose(r, label);
      expect(ran('conv2d', before)).toBe(1);
    });
    if (g.d !== 1) continue; // tfjs has no backprop kernels for dilation (its gradients compose others)
    it(`Conv2DBackpropFilter and Conv2DBackpropInput ${label}`, async () => {
      const bf = calls.get('conv2dBackpropFilter') ?? 0;
      const bi = calls.get('conv2dBackpropInput') ?? 0;
      const r = await bothBackends(
        () => {
          const y = tf.conv2d(tf.zeros([g.b, g.h, g.w, g.c]) as tf.Tensor4D, tf.zeros([g.k, g.k, g.c, g.co]) as tf.Tensor4D, g.s, g.pad);
          return [rand([g.b, g.h, g.w, g.c], 3), rand([g.k, g.k, g.c, g.co], 4), rand(y.shape, 5)];
        },
        ([x, f, dy]) => [
          tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, [g.b, g.h, g.w, g.c], g.s, g.pad),
          tf.engine().runKernel('Conv2DBackpropFilter', { x: x!, dy: dy! }, {
            strides: g.s,
            pad: g.pad,
            dataFormat: 'NHWC',
            filterShape: [g.k, g.k, g.c, g.co],
          } as never) as tf.Tensor,
        ],
      );
      expectClose(r, label);
      expect(ran('conv2dBackpropFilter', bf)).toBe(1);
      expect(ran('conv2dBackpropInput', bi)).toBe(1);
    });
  }

  for (const activation of ['linear', 'relu', 'relu6', 'leakyrelu', 'elu', 'sigmoid'] as const) {
    it(`FusedConv2D and _FusedMatMul with a bias and ${activation}`, async () => {
      const before = (calls.get('conv2d') ?? 0) + (calls.get('matMul') ?? 0);
      const r = await bothBackends(
        () => [rand([2, 7, 6, 4], 6), rand([3, 3, 4, 6], 7), rand([6], 8), rand([5, 9], 9), rand([9, 6], 10)],
        ([x, f, bias, a, b]) => [
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same', bias, activation, leakyreluAlpha: 0.3 }),
          tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias, activation, leakyreluAlpha: 0.3 }),
        ],
      );
      expectClose(r, activation);
      expect((calls.get('conv2d') ?? 0) + (calls.get('matMul') ?? 0) - before).toBe(2);
    });
  }

  it('falls back to the wasm kernel for what it does not handle (prelu, NCHW is rejected by tfjs on wasm anyway)', async () => {
    const before = calls.get('conv2d') ?? 0;
    const r = await bothBackends(
      () => [rand([1, 5, 5, 2], 11), rand([3, 3, 2, 3], 12), rand([3], 13)],
      ([x, f, alpha]) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: f as tf.Tensor4D, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: alpha }),
    );
    expectClose(r, 'prelu');
    expect(ran('conv2d', before)).toBe(0);
  });

  for (const [label, sa, sb, ta, tb] of [
    ['2-D', [7, 300], [300, 33], false, false],
    ['transposed a (a dense weight gradient)', [64, 150], [64, 40], true, false],
    ['transposed b (a dense input gradient)', [64, 40], [150, 40], false, true],
    ['both transposed', [20, 9], [11, 20], true, true],
    ['batched', [3, 4, 5], [3, 5, 6], false, false],
    ['batch of 1 broadcast', [3, 4, 5], [5, 6], false, false],
  ] as Array<[string, number[], number[], boolean, boolean]>) {
    it(`BatchMatMul ${label}`, async () => {
      const before = calls.get('matMul') ?? 0;
      const r = await bothBackends(
        () => [rand(sa, 14), rand(sb, 15)],
        ([a, b]) => tf.matMul(a!, b!, ta, tb),
      );
      expectClose(r, label);
      expect(ran('matMul', before)).toBe(1);
    });
  }

  for (const [label, k, s, pad, shape] of [
    ['2×2 stride 2 (the default network)', 2, 2, 'valid', [4, 28, 28, 32]],
    ['3×3 stride 2 same (overlapping, padded)', 3, 2, 'same', [2, 9, 10, 5]],
    ['3×3 stride 1 valid', 3, 1, 'valid', [2, 7, 7, 3]],
  ] as Array<[string, number, number, 'same' | 'valid', number[]]>) {
    it(`MaxPool and MaxPoolGrad ${label}`, async () => {
      const mp = calls.get('maxPool') ?? 0;
      const mg = calls.get('maxPoolGrad') ?? 0;
      const r = await bothBackends(
        () => {
          // ties (rounded values) check that the first maximum of a window gets the gradient
          const x = tf.round(tf.mul(rand(shape, 16), 3));
          const y = tf.maxPool(x as tf.Tensor4D, k, s, pad);
          return [x, rand(y.shape, 17)];
        },
        ([x, dy]) => {
          const y = tf.maxPool(x as tf.Tensor4D, k, s, pad);
          const dx = tf.engine().runKernel('MaxPoolGrad', { dy: dy!, input: x!, output: y }, { filterSize: k, strides: s, pad } as never) as tf.Tensor;
          return [y, dx];
        },
      );
      expectClose(r, label);
      expect(ran('maxPool', mp)).toBe(1);
      expect(ran('maxPoolGrad', mg)).toBe(1);
    });
  }

  it('trains a small CNN to the same weights as the cpu backend (one step of SGD)', async () => {
    const r = await bothBackends(
      () => [rand([8, 12, 12, 2], 18), rand([3, 3, 2, 8], 19), rand([3, 3, 8, 16], 20), rand([144, 10], 21)],
      ([x, f1, f2, w]) => {
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Scalar => {
          let h = tf.relu(tf.conv2d(x as tf.Tensor4D, a as tf.Tensor4D, 1, 'same'));
          h = tf.maxPool(h, 2, 2, 'valid');
          h = tf.relu(tf.conv2d(h, b as tf.Tensor4D, 2, 'same'));
          return tf.mean(tf.square(tf.matMul(tf.reshape(h, [8, 144]), c)));
        };
        return tf.grads(loss)([f1!, f2!, w!]);
      },
    );
    expectClose(r, 'gradients');
  });
});

describe('the native path when it is not there', () => {
  // (also when the whole suite runs with AUTONAS_NATIVE=0)
  beforeEach(() => vi.stubEnv('AUTONAS_NATIVE', ''));
  afterEach(() => vi.unstubAllEnvs());

  it('reports a missing addon with its path and how to build it', () => {
    const s = loadNativeAddon('/nonexistent/autonas_native.node');
    expect(s.addon).toBeUndefined();
    expect(s.reason).toMatch(/not built \(no \/nonexistent\/autonas_native\.node; run 'npm run build:native/);
  });

  it('reports an addon that fails to load', () => {
    const s = loadNativeAddon(new URL('./addon.ts', import.meta.url).pathname);
    expect(s.addon).toBeUndefined();
    expect(s.reason).toMatch(/^failed to load /);
  });

  it('is switched off by AUTONAS_NATIVE=0, and registerNativeKernels then throws NATIVE_UNAVAILABLE', () => {
    const saved = process.env['AUTONAS_NATIVE'];
    process.env['AUTONAS_NATIVE'] = '0';
    try {
      expect(loadNativeAddon().reason).toBe('switched off by AUTONAS_NATIVE=0');
      let error: unknown;
      try {
        registerNativeKernels();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RuntimeError);
      expect((error as RuntimeError).code).toBe('NATIVE_UNAVAILABLE');
      expect(NATIVE_KERNELS.some((k) => isNativeKernel(k))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env['AUTONAS_NATIVE'];
      else process.env['AUTONAS_NATIVE'] = saved;
    }
  });
});
