import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { RuntimeError } from '@autonas/core';
import { isKernelReplaced, registerWasmTrainingKernels, restoreWasmKernels, WASM_TRAINING_KERNELS } from './index.js';
import { worstViolation } from './tolerance.test-util.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

const STRIDES = [1, 2, 3] as const;
const PADS: Array<{ name: string; pad: Pad }> = [
  { name: 'same', pad: 'same' },
  { name: 'valid', pad: 'valid' },
  // asymmetric, and (left 3 with a 1-wide kernel) more padding than the kernel covers
  { name: 'explicit', pad: [[0, 0], [1, 2], [3, 0], [0, 0]] },
];
const KERNEL_SIZES = [1, 3, 5] as const;
/** [height, width]: odd and even, non-square */
const SIZES: Array<[number, number]> = [
  [7, 8],
  [10, 9],
];
const BATCHES = [1, 3] as const;
const CHANNELS = 3;


interface Case {
  stride: number;
  pad: Pad;
  k: number;
  h: number;
  w: number;
  batch: number;
  /** channel multiplier (depthwise) or output channels / CHANNELS (conv2d) */
  mult: number;
  label: string;
}

function cases(stride: number, pad: Pad, mults: readonly number[]): Case[] {
  const out: Case[] = [];
  for (const k of KERNEL_SIZES)
    for (const [h, w] of SIZES)
      for (const batch of BATCHES)
        for (const mult of mults) {
          out.push({ stride, pad, k, h, w, batch, mult, label: `s${stride} ${JSON.stringify(pad)} k${k} ${h}x${w} b${batch} m${mult}` });
        }
  return out;
}

async function onBackend<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  await tf.setBackend(name);
  return fn();
}

/** Values of `fn()` on `backend`, checking that `fn` leaves no tensor behind. */
type Values = Float32Array & { shape: number[] };

async function valuesOn(backend: string, fn: () => tf.Tensor[]): Promise<Values[]> {
  return onBackend(backend, async () => {
    const before = tf.memory().numTensors;
    const outs = fn();
    const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
    const shapes = outs.map((t) => t.shape);
    tf.dispose(outs);
    expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
    return values.map((v, i) => Object.assign(v, { shape: shapes[i] }));
  });
}

function inputs(c: Case, depthwise: boolean) {
  const x = tf.randomNormal([c.batch, c.h, c.w, CHANNELS], 0, 1, 'float32', 11) as tf.Tensor4D;
  const outCh = depthwise ? c.mult : CHANNELS + 1;
  const f = tf.randomNormal([c.k, c.k, CHANNELS, outCh], 0, 1, 'float32', 12) as tf.Tensor4D;
  const y = depthwise ? tf.depthwiseConv2d(x, f, c.stride, c.pad) : tf.conv2d(x, f, c.stride, c.pad);
  const weight = tf.randomNormal(y.shape, 0, 1, 'float32', 13);
  y.dispose();
  return { x, f, weight };
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

describe('registerWasmTrainingKernels', () => {
  it('registers the three missing kernels for wasm, and is idempotent', () => {
    for (const name of WASM_TRAINING_KERNELS) expect(tf.getKernel(name, 'wasm')).toBeDefined();
    expect(registerWasmTrainingKernels()).toEqual([]);
    expect(registerWasmTrainingKernels()).toEqual([]);
  });

  it('leaves a kernel that is already registered alone (a future tfjs wins)', () => {
    const ours = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    const theirs: tf.KernelConfig = { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: () => ({}) as tf.TensorInfo };
    tf.registerKernel(theirs);
    try {
      expect(registerWasmTrainingKernels()).toEqual([]);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(theirs);
      tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
      expect(registerWasmTrainingKernels()).toEqual(['Conv2DBackpropFilter']);
    } finally {
      if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) tf.registerKernel(ours);
    }
  });
});

describe.each(STRIDES)('conv2d gradients on wasm match cpu, stride %i', (stride) => {
  it.each(PADS)('$name padding: tf.grads and direct Conv2DBackpropFilter', async ({ pad }) => {
    for (const c of cases(stride, pad, [1])) {
      const { x, f, weight } = inputs(c, false);
      const run = () => {
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), weight)),
        )([x, f]);
        const direct = tf.engine().runKernel(
          'Conv2DBackpropFilter',
          { x, dy: weight },
          { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: f.shape },
        ) as tf.Tensor;
        return [dx!, df!, direct];
      };
      const [wasm, cpu] = [await valuesOn('wasm', run), await valuesOn('cpu', run)];
      expect(wasm[1]!.shape).toEqual(f.shape);
      expect(worstViolation(wasm[0]!, cpu[0]!), `dx ${c.label}`).toBeLessThanOrEqual(1);
      expect(worstViolation(wasm[1]!, cpu[1]!), `dW ${c.label}`).toBeLessThanOrEqual(1);
      expect(worstViolation(wasm[2]!, cpu[1]!), `direct dW ${c.label}`).toBeLessThanOrEqual(1);
      tf.dispose([x, f, weight]);
    }
  });
});

describe.each(STRIDES)('depthwiseConv2d gradients on wasm match cpu, stride %i', (stride) => {
  it.each(PADS)('$name padding: tf.grads and direct backprop kernels', async ({ pad }) => {
    for (const c of cases(stride, pad, [1, 2])) {
      const { x, f, weight } = inputs(c, true);
      const run = () => {
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), weight)),
        )([x, f]);
        const attrs = { strides: c.stride, pad: c.pad, dilations: 1 };
        const directDx = tf.engine().runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: weight, filter: f },
          { ...attrs, inputShape: x.shape },
        ) as tf.Tensor;
        const directDf = tf.engine().runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy: weight },
          { ...attrs, filterShape: f.shape },
        ) as tf.Tensor;
        return [dx!, df!, directDx, directDf];
      };
      const [wasm, cpu] = [await valuesOn('wasm', run), await valuesOn('cpu', run)];
      expect(wasm[0]!.shape).toEqual(x.shape);
      expect(wasm[1]!.shape).toEqual(f.shape);
      expect(worstViolation(wasm[0]!, cpu[0]!), `dx ${c.label}`).toBeLessThanOrEqual(1);
      expect(worstViolation(wasm[1]!, cpu[1]!), `dW ${c.label}`).toBeLessThanOrEqual(1);
      expect(worstViolation(wasm[2]!, cpu[0]!), `direct dx ${c.label}`).toBeLessThanOrEqual(1);
      expect(worstViolation(wasm[3]!, cpu[1]!), `direct dW ${c.label}`).toBeLessThanOrEqual(1);
      tf.dispose([x, f, weight]);
    }
  });
});

describe('depthwise backprop kernels with dilations (direct calls)', () => {
  // The cpu backprop kernels ignore dilations, so the reference is a dilation-1 call with the
  // filter dilated by zeros (dx), resp. every d-th tap of the dilated filter's gradient (dW).
  it.each([
    { d: 2, k: 3, pad: 'same' as Pad },
    { d: 2, k: 2, pad: 'valid' as Pad },
    { d: 3, k: 3, pad: [[0, 0], [2, 1], [0, 3], [0, 0]] as Pad },
  ])('dilation $d, kernel $k, padding $pad', async ({ d, k, pad }) => {
    for (const mult of [1, 2]) {
      const x = tf.randomNormal([2, 11, 10, CHANNELS], 0, 1, 'float32', 21) as tf.Tensor4D;
      const f = tf.randomNormal([k, k, CHANNELS, mult], 0, 1, 'float32', 22) as tf.Tensor4D;
      const dy = tf.tidy(() => tf.randomNormal(tf.depthwiseConv2d(x, f, 1, pad, 'NHWC', d).shape, 0, 1, 'float32', 23));
      const ke = (k - 1) * d + 1;
      const fDilated = tf.tidy(() => {
        const buf = tf.buffer([ke, ke, CHANNELS, mult]);
        const fv = f.arraySync();
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++)
            for (let ch = 0; ch < CHANNELS; ch++) for (let m = 0; m < mult; m++) buf.set(fv[i]![j]![ch]![m]!, i * d, j * d, ch, m);
        return buf.toTensor();
      });
      const wasm = await valuesOn('wasm', () => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: f }, { strides: 1, pad, dilations: d, inputShape: x.shape }) as tf.Tensor,
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, pad, dilations: d, filterShape: f.shape }) as tf.Tensor,
      ]);
      const cpu = await valuesOn('cpu', () => [
        tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: fDilated }, { strides: 1, pad, dilations: 1, inputShape: x.shape }) as tf.Tensor,
        tf.tidy(() => {
          const full = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { strides: 1, pad, dilations: 1, filterShape: [ke, ke, CHANNELS, mult] }) as tf.Tensor;
          return tf.stridedSlice(full, [0, 0, 0, 0], [ke, ke, CHANNELS, mult], [d, d, 1, 1]);
        }),
      ]);
      expect(worstViolation(wasm[0]!, cpu[0]!), `dx mult ${mult}`).toBeLessThanOrEqual(1);
      expect(worstViolation(wasm[1]!, cpu[1]!), `dW mult ${mult}`).toBeLessThanOrEqual(1);
      tf.dispose([x, f, dy, fDilated]);
    }
  });
});

describe('memory', () => {
  it('frees every intermediate in the wasm backend (no data leak, not only no tensor leak)', async () => {
    await tf.setBackend('wasm');
    const x = tf.randomNormal([3, 9, 8, 4]) as tf.Tensor4D;
    const f = tf.randomNormal([3, 3, 4, 2]) as tf.Tensor4D;
    const fc = tf.randomNormal([3, 3, 4, 5]) as tf.Tensor4D;
    const step = () => {
      for (const s of [1, 2]) {
        const dyDw = tf.tidy(() => tf.onesLike(tf.depthwiseConv2d(x, f, s, 'same')));
        const dyC = tf.tidy(() => tf.onesLike(tf.conv2d(x, fc, s, 'valid')));
        tf.dispose([
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy: dyDw, filter: f }, { strides: s, pad: 'same', dilations: 1, inputShape: x.shape }) as tf.Tensor,
          tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy: dyDw }, { strides: s, pad: 'same', dilations: 1, filterShape: f.shape }) as tf.Tensor,
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dyC }, { strides: s, pad: 'valid', dataFormat: 'NHWC', filterShape: fc.shape }) as tf.Tensor,
          dyDw,
          dyC,
        ]);
      }
    };
    step();
    const tensors = tf.memory().numTensors;
    const dataIds = tf.backend().numDataIds();
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.backend().numDataIds()).toBe(dataIds);
    tf.dispose([x, f, fc]);
  });
});

describe('unsupported inputs fail clearly', () => {
  it('NCHW and dilated Conv2DBackpropFilter throw a RuntimeError naming the problem', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 6, 6, 2]);
    const dy = tf.zeros([1, 6, 6, 3]);
    const call = (attrs: object) => () =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', filterShape: [3, 3, 2, 3], ...attrs });
    expect(call({ dataFormat: 'NCHW' })).toThrow(RuntimeError);
    expect(call({ dataFormat: 'NCHW' })).toThrow(/NCHW/);
    expect(call({ dataFormat: 'NHWC', dilations: 2 })).toThrow(/dilations/);
    const before = tf.memory().numTensors;
    try {
      call({ dataFormat: 'NCHW' })();
    } catch (e) {
      expect((e as RuntimeError).code).toBe('WASM_KERNEL_UNSUPPORTED');
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });
});

describe('training a small conv net on wasm', () => {
  it('conv2d + depthwise conv + dense: the loss falls over 20 SGD steps', async () => {
    await tf.setBackend('wasm');
    const init = (seed: number) => tfl.initializers.glorotNormal({ seed });
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
        tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu', depthwiseInitializer: init(2) }),
        tfl.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: init(3) }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: init(4) }),
      ],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const xs = tf.randomNormal([8, 12, 12, 2], 0, 1, 'float32', 31);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) losses.push(Number(await model.trainOnBatch(xs, ys)));
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[19]!).toBeLessThan(losses[0]!);
    expect(losses[19]!).toBeLessThan(0.8 * losses[0]!);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe('Conv2DBackpropInput (replaced by default)', () => {
  it('is the XNNPACK-based one after registerWasmTrainingKernels(); restorable and re-installable', () => {
    expect(isKernelReplaced('wasm', 'Conv2DBackpropInput')).toBe(true);
    expect(restoreWasmKernels(['Conv2DBackpropInput'])).toEqual(['Conv2DBackpropInput']);
    expect(isKernelReplaced('wasm', 'Conv2DBackpropInput')).toBe(false);
    expect(registerWasmTrainingKernels({ replaceConv2DBackpropInput: false })).toEqual([]);
    expect(isKernelReplaced('wasm', 'Conv2DBackpropInput')).toBe(false);
    expect(registerWasmTrainingKernels()).toEqual(['Conv2DBackpropInput']);
    expect(registerWasmTrainingKernels({ replaceConv2DBackpropInput: true })).toEqual([]);
  });

  it('matches cpu (tf.grad and direct calls) for every stride, padding and kernel size', async () => {
    for (const stride of STRIDES)
      for (const { pad } of PADS)
        for (const c of cases(stride, pad, [1])) {
          const { x, f, weight } = inputs(c, false);
          const run = () => [
            tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f, c.stride, c.pad), weight)))(x),
            tf.engine().runKernel('Conv2DBackpropInput', { dy: weight, filter: f }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor,
          ];
          const [wasm, cpu] = [await valuesOn('wasm', run), await valuesOn('cpu', run)];
          expect(worstViolation(wasm[0]!, cpu[0]!), `dx ${c.label}`).toBeLessThanOrEqual(1);
          expect(worstViolation(wasm[1]!, cpu[0]!), `direct dx ${c.label}`).toBeLessThanOrEqual(1);
          tf.dispose([x, f, weight]);
        }
  });
});

describe('conv2d gradients with few input channels (im2col filter gradient, depthwise input gradient)', () => {
  it.each([1, 2])('%i input channel(s), 20 filters: every stride, padding and kernel size', async (ci) => {
    for (const stride of STRIDES)
      for (const { pad } of PADS)
        for (const k of KERNEL_SIZES)
          for (const [h, w] of SIZES) {
            const label = `ci${ci} s${stride} ${JSON.stringify(pad)} k${k} ${h}x${w}`;
            const x = tf.randomNormal([2, h, w, ci], 0, 1, 'float32', 41) as tf.Tensor4D;
            const f = tf.randomNormal([k, k, ci, 20], 0, 1, 'float32', 42) as tf.Tensor4D;
            const dy = tf.tidy(() => tf.randomNormal(tf.conv2d(x, f, stride, pad).shape, 0, 1, 'float32', 43));
            const run = () => {
              const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), dy)))([x, f]);
              return [dx!, df!];
            };
            const [wasm, cpu] = [await valuesOn('wasm', run), await valuesOn('cpu', run)];
            expect(worstViolation(wasm[0]!, cpu[0]!), `dx ${label}`).toBeLessThanOrEqual(1);
            expect(worstViolation(wasm[1]!, cpu[1]!), `dW ${label}`).toBeLessThanOrEqual(1);
            tf.dispose([x, f, dy]);
          }
  });
});
