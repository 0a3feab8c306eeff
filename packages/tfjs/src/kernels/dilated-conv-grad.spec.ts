import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { registerWasmTrainingKernels } from './index.js';
import { DILATED_CONV_GRADIENTS, registerDilatedConvGradients, restoreDilatedConvGradients, upsampleFilter } from './dilated-conv-grad.js';
import { worstViolation } from './tolerance.test-util.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  depthwise: boolean;
  k: number;
  dil: [number, number];
  pad: Pad;
  h: number;
  w: number;
  batch: number;
  label: string;
}

const CASES: Case[] = [];
for (const depthwise of [false, true])
  for (const k of [3, 5])
    for (const dil of [[2, 2], [2, 3]] as Array<[number, number]>)
      for (const pad of ['same', 'valid', ...(depthwise ? [] : [[[0, 0], [2, 1], [0, 3], [0, 0]] as Pad])] as Pad[])
        for (const [h, w] of [CASES.length % 2 === 0 ? [15, 16] : [17, 14]]) {
          CASES.push({ depthwise, k, dil, pad, h: h!, w: w!, batch: 2, label: `${depthwise ? 'depthwise' : 'conv2d'} k${k} d${dil} ${JSON.stringify(pad)} ${h}x${w}` });
        }

const CIN = 3;
function tensors(c: Case) {
  const x = tf.randomNormal([c.batch, c.h, c.w, CIN], 0, 1, 'float32', 21) as tf.Tensor4D;
  const f = tf.randomNormal([c.k, c.k, CIN, c.depthwise ? 2 : 4], 0, 1, 'float32', 22) as tf.Tensor4D;
  const y = conv(c, x, f);
  const weight = tf.randomNormal(y.shape, 0, 1, 'float32', 23);
  y.dispose();
  return { x, f, weight };
}

function conv(c: Case, x: tf.Tensor4D, f: tf.Tensor4D, dilated = true): tf.Tensor4D {
  const d: [number, number] = dilated ? c.dil : [1, 1];
  return c.depthwise ? tf.depthwiseConv2d(x, f, 1, c.pad as 'same', 'NHWC', d) : tf.conv2d(x, f, 1, c.pad as 'same', 'NHWC', d);
}

/** d/dx, d/df of Σ conv(x, f)·weight, by the registered gradient. */
const dilatedGrads = (c: Case, x: tf.Tensor4D, f: tf.Tensor4D, weight: tf.Tensor) =>
  tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(c, a as tf.Tensor4D, b as tf.Tensor4D), weight)))([x, f]);

/** The same by tfjs's own gradients of the undilated convolution with the zero-inserted filter. */
const undilatedGrads = (c: Case, x: tf.Tensor4D, f: tf.Tensor4D, weight: tf.Tensor) =>
  tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(c, a as tf.Tensor4D, upsampleFilter(b as tf.Tensor4D, c.dil), false), weight)))([x, f]);

async function values(fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  const before = tf.memory().numTensors;
  const outs = fn();
  const v = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(outs);
  expect(tf.memory().numTensors, `tensors leaked on ${tf.getBackend()}`).toBe(before);
  return v;
}

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('cpu');
});
afterAll(() => {
  registerDilatedConvGradients();
});

describe('registerDilatedConvGradients', () => {
  it('is what makes dilated convolutions differentiable, and is idempotent and undoable', () => {
    restoreDilatedConvGradients();
    const c = CASES[0]!;
    const { x, f, weight } = tensors(c);
    expect(() => dilatedGrads(c, x, f, weight)).toThrow(/dilation rates greater than 1/);
    expect(registerDilatedConvGradients()).toEqual([...DILATED_CONV_GRADIENTS]);
    expect(registerDilatedConvGradients()).toEqual([]);
    tf.dispose(dilatedGrads(c, x, f, weight));
    expect(restoreDilatedConvGradients()).toEqual([...DILATED_CONV_GRADIENTS]);
    expect(restoreDilatedConvGradients()).toEqual([]);
    registerDilatedConvGradients();
    tf.dispose([x, f, weight]);
  });

  it('upsamples a filter by inserting zeros between its taps', () => {
    const f = tf.tensor4d([1, 2, 3, 4, 5, 6], [2, 3, 1, 1]);
    const u = upsampleFilter(f, [2, 3]);
    expect(u.shape).toEqual([3, 7, 1, 1]);
    expect(Array.from(u.dataSync())).toEqual([1, 0, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 5, 0, 0, 6]);
    tf.dispose([f, u]);
  });

  it.each(['cpu', 'wasm'])('matches the undilated convolution with the upsampled filter on %s, without leaks', async (backend) => {
    registerDilatedConvGradients();
    await tf.setBackend(backend);
    let worst = 0;
    for (const c of CASES) {
      const { x, f, weight } = tensors(c);
      const ours = await values(() => dilatedGrads(c, x, f, weight));
      const ref = await values(() => undilatedGrads(c, x, f, weight));
      const vx = worstViolation(ours[0]!, ref[0]!), vf = worstViolation(ours[1]!, ref[1]!);
      expect(vx, `dx ${c.label}`).toBeLessThanOrEqual(1);
      expect(vf, `df ${c.label}`).toBeLessThanOrEqual(1);
      worst = Math.max(worst, vx, vf);
      tf.dispose([x, f, weight]);
    }
    console.info(`dilated conv gradients on ${backend}: ${CASES.length} cases, worst deviation from the upsampled-filter reference ${worst.toExponential(2)} × tolerance (1e-4 abs + 1e-4 rel)`);
  });

  it('gives the same gradients on wasm as on cpu (different kernels)', async () => {
    registerDilatedConvGradients();
    let worst = 0;
    for (const c of CASES) {
      await tf.setBackend('cpu');
      const t = tensors(c);
      const cpu = await values(() => dilatedGrads(c, t.x, t.f, t.weight));
      const data = [t.x, t.f, t.weight].map((v) => ({ v: v.dataSync().slice(), shape: v.shape }));
      tf.dispose([t.x, t.f, t.weight]);
      await tf.setBackend('wasm');
      const [x, f, weight] = data.map(({ v, shape }) => tf.tensor(v, shape)) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor];
      const wasm = await values(() => dilatedGrads(c, x, f, weight));
      tf.dispose([x, f, weight]);
      for (const i of [0, 1]) {
        const v = worstViolation(wasm[i]!, cpu[i]!);
        expect(v, `${i === 0 ? 'dx' : 'df'} ${c.label}`).toBeLessThanOrEqual(1);
        worst = Math.max(worst, v);
      }
    }
    console.info(`dilated conv gradients: worst wasm-vs-cpu deviation ${worst.toExponential(2)} × tolerance (1e-4 abs + 1e-4 rel)`);
  });

  it.each(['cpu', 'wasm'])('agrees with central finite differences on %s', async (backend) => {
    registerDilatedConvGradients();
    await tf.setBackend(backend);
    // Σ conv(x, f)·weight is linear in x and in f, so a central difference is exact up to float32 rounding.
    const eps = 0.5;
    let worst = 0;
    for (const c of CASES.filter((_, i) => i % 3 === 0)) {
      const { x, f, weight } = tensors(c);
      const [gx, gf] = await values(() => dilatedGrads(c, x, f, weight));
      const loss = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.tidy(() => tf.sum(tf.mul(conv(c, a, b), weight)).dataSync()[0]!);
      const probe = (t: tf.Tensor4D, i: number, which: 'x' | 'f') => {
        const delta = tf.tidy(() => tf.mul(tf.reshape(tf.oneHot(tf.tensor1d([i], "int32"), t.size), t.shape), eps) as tf.Tensor4D);
        const plus = tf.add(t, delta) as tf.Tensor4D, minus = tf.sub(t, delta) as tf.Tensor4D;
        const fd = which === 'x' ? (loss(plus, f) - loss(minus, f)) / (2 * eps) : (loss(x, plus) - loss(x, minus)) / (2 * eps);
        tf.dispose([delta, plus, minus]);
        return fd;
      };
      for (const i of [0, 7, Math.floor(f.size / 2), f.size - 1]) {
        const err = Math.abs(probe(f, i, 'f') - gf![i]!) / (1e-3 + 1e-3 * Math.abs(gf![i]!));
        expect(err, `df[${i}] ${c.label}`).toBeLessThanOrEqual(1);
        worst = Math.max(worst, err);
      }
      for (const i of [0, 5, Math.floor(x.size / 2), x.size - 1]) {
        const err = Math.abs(probe(x, i, 'x') - gx![i]!) / (1e-3 + 1e-3 * Math.abs(gx![i]!));
        expect(err, `dx[${i}] ${c.label}`).toBeLessThanOrEqual(1);
        worst = Math.max(worst, err);
      }
      tf.dispose([x, f, weight]);
    }
    console.info(`dilated conv gradients on ${backend}: worst finite-difference deviation ${worst.toExponential(2)} × tolerance (1e-3 abs + 1e-3 rel)`);
  });

  it('leaves undilated gradients to tfjs', async () => {
    registerDilatedConvGradients();
    await tf.setBackend('cpu');
    const c: Case = { ...CASES[0]!, dil: [1, 1] };
    const { x, f, weight } = tensors(c);
    const a = await values(() => dilatedGrads(c, x, f, weight));
    restoreDilatedConvGradients();
    const b = await values(() => dilatedGrads(c, x, f, weight));
    registerDilatedConvGradients();
    expect(Array.from(a[0]!)).toEqual(Array.from(b[0]!));
    expect(Array.from(a[1]!)).toEqual(Array.from(b[1]!));
    tf.dispose([x, f, weight]);
  });
});
