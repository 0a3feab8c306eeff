import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { poolWindowCounts, registerAvgPoolGradientFix, registerWasmTrainingKernels, restoreAvgPoolGradient } from './index.js';

/**
 * The reference: an average pool written as a depthwise convolution with a ones filter divided by
 * each window's pixel count, whose gradient tfjs computes through the convolution gradients.
 */
function avgPoolReference(x: tf.Tensor4D, k: [number, number], s: [number, number], pad: 'same' | 'valid'): tf.Tensor4D {
  const c = x.shape[3];
  const sums = tf.depthwiseConv2d(x, tf.ones([k[0], k[1], c, 1]) as tf.Tensor4D, s, pad);
  return tf.div(sums, poolWindowCounts(x.shape, k, s, pad)) as tf.Tensor4D;
}

const CASES: { shape: [number, number, number, number]; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' }[] = [
  { shape: [2, 6, 6, 3], k: [3, 3], s: [1, 1], pad: 'same' },
  { shape: [1, 7, 5, 2], k: [3, 3], s: [2, 2], pad: 'same' },
  { shape: [1, 8, 8, 1], k: [2, 2], s: [2, 2], pad: 'same' },
  { shape: [2, 6, 6, 2], k: [3, 3], s: [1, 1], pad: 'valid' },
];

beforeAll(() => {
  registerWasmTrainingKernels();
  registerAvgPoolGradientFix();
});
afterAll(() => restoreAvgPoolGradient());

describe('AvgPool gradient with same padding', () => {
  it.each(['cpu', 'wasm'])('matches the count-divided reference on %s, forward and backward, without leaks', async (backend) => {
    await tf.setBackend(backend);
    await tf.ready();
    for (const { shape, k, s, pad } of CASES) {
      const x = tf.randomNormal(shape, 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.tidy(() => tf.randomNormal(avgPoolReference(x, k, s, pad).shape, 0, 1, 'float32', 2));
      const before = tf.memory().numTensors;
      const [ours, ref, dOurs, dRef] = tf.tidy(() => [
        tf.avgPool(x, k, s, pad),
        avgPoolReference(x, k, s, pad),
        tf.grad((v) => tf.sum(tf.mul(tf.avgPool(v as tf.Tensor4D, k, s, pad), w)))(x),
        tf.grad((v) => tf.sum(tf.mul(avgPoolReference(v as tf.Tensor4D, k, s, pad), w)))(x),
      ]);
      const label = `${backend} ${JSON.stringify({ shape, k, s, pad })}`;
      const [fwd, bwd] = tf.tidy(() => [tf.max(tf.abs(tf.sub(ours!, ref!))).dataSync()[0]!, tf.max(tf.abs(tf.sub(dOurs!, dRef!))).dataSync()[0]!]);
      expect(fwd, `${label} forward`).toBeLessThan(1e-5);
      expect(bwd, `${label} gradient`).toBeLessThan(1e-5);
      tf.dispose([ours!, ref!, dOurs!, dRef!]);
      expect(tf.memory().numTensors, label).toBe(before);
      tf.dispose([x, w]);
    }
  });

  it("tfjs's own gradient is wrong at the borders (why the correction exists)", async () => {
    await tf.setBackend('cpu');
    restoreAvgPoolGradient();
    try {
      const x = tf.randomNormal([1, 6, 6, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
      const gap = tf.tidy(() => {
        const d1 = tf.grad((v) => tf.sum(tf.avgPool(v as tf.Tensor4D, 3, 1, 'same')))(x);
        const d2 = tf.grad((v) => tf.sum(avgPoolReference(v as tf.Tensor4D, [3, 3], [1, 1], 'same')))(x);
        return tf.max(tf.abs(tf.sub(d1, d2))).dataSync()[0]!;
      });
      expect(gap).toBeGreaterThan(0.1);
      x.dispose();
    } finally {
      registerAvgPoolGradientFix();
    }
  });
});
