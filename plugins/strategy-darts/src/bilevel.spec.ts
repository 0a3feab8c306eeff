import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '@autonas/core';
import { initRuntime, tf } from '@autonas/tfjs';
import { BilevelOptimizer } from './bilevel.js';
import { readCellPlan } from './cell-plan.js';
import { Supernet } from './supernet.js';
import { TinyCellSpace } from './tiny-cell-space.test-util.js';

beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
});

/** A tiny supernet (6×6 inputs, 3 cells of 2 channels, 2 nodes) and two random batches of 8. */
function tiny(ops: string[], xi: number) {
  const space = new TinyCellSpace({ inputShape: [6, 6, 1], numClasses: 3, nodes: 2, ops });
  // ELU instead of ReLU: the unrolled loss is then continuously differentiable in α, so finite
  // differences converge (with ReLU, ∇w L_train jumps wherever a pre-activation changes sign).
  const net = new Supernet(readCellPlan(space), { inputShape: [6, 6, 1], numClasses: 3, cells: 3, channels: 2, seed: 1, activation: 'elu' });
  const rng = new Random(3);
  const batch = () => ({
    x: tf.tensor4d(Float32Array.from({ length: 8 * 36 }, () => rng.normal()), [8, 6, 6, 1]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: 8 }, (_, i) => i % 3), 'int32'), 3)),
  });
  return { net, opt: new BilevelOptimizer(net, { learningRate: xi }), train: batch(), val: batch() };
}

describe('second-order hypergradient', () => {
  it('matches central finite differences of the validation loss after one unrolled step, and differs from first order', () => {
    const before = tf.memory().numTensors;
    const { net, opt, train, val } = tiny(['none', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3'], 0.1);
    const g1 = opt.hypergradient(train, val, 1);
    const g2 = opt.hypergradient(train, val, 2);
    const h = 0.01;
    for (const seed of [5, 6]) {
      const d = net.alphas.map((a, i) => tf.randomNormal(a.shape, 0, 1, 'float32', seed * 10 + i));
      const along = (g: tf.Tensor[]) => tf.tidy(() => g.reduce((s, gi, i) => s + tf.sum(tf.mul(gi, d[i]!)).dataSync()[0]!, 0));
      // U(α) = L_val(w'(α), α) with w'(α) = w − ξ(μ·buf + ∇w L_train(w, α) + λw).
      const U = (t: number) =>
        tf.tidy(() => {
          const a = net.alphas.map((ai, i) => tf.add(ai, tf.mul(d[i]!, t)));
          return net.loss(val.x, val.y, opt.unrolledWeights(train, a), a).dataSync()[0]!;
        });
      const numeric = (U(h) - U(-h)) / (2 * h);
      const [second, first] = [along(g2), along(g1)];
      console.info(`direction ${seed}: numeric ${numeric.toFixed(5)}, second order ${second.toFixed(5)}, first order ${first.toFixed(5)}`);
      // Stated tolerance: 2% of the numerical derivative plus 5e-4 (float32 finite differences, step 0.01).
      const tolerance = 0.02 * Math.abs(numeric) + 5e-4;
      expect(Math.abs(second - numeric)).toBeLessThan(tolerance);
      // The first-order gradient ignores how w' depends on α: outside the tolerance, and at least 5× further off.
      expect(Math.abs(first - numeric)).toBeGreaterThan(tolerance);
      expect(Math.abs(first - numeric)).toBeGreaterThan(5 * Math.abs(second - numeric));
      tf.dispose(d);
    }
    // One α update of each order from the same state moves α differently.
    const start = net.alphas.map((a) => tf.clone(a));
    opt.stepAlpha(train, val);
    const afterFirstOrder = net.alphas.map((a) => a.arraySync());
    net.alphas.forEach((a, i) => a.assign(start[i]!));
    const opt2 = new BilevelOptimizer(net, { learningRate: 0.1, order: 2 });
    opt2.stepAlpha(train, val);
    expect(net.alphas.map((a) => a.arraySync())).not.toEqual(afterFirstOrder);
    expect(net.alphas.map((a) => a.arraySync())).not.toEqual(start.map((a) => a.arraySync()));
    tf.dispose([...g1, ...g2, ...start, train.x, train.y, val.x, val.y]);
    opt.dispose();
    opt2.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad optimiser options', () => {
    const { net, train, val } = tiny(['none', 'skip_connect'], 0.1);
    expect(() => new BilevelOptimizer(net, { order: 3 as 1 })).toThrow(/order must be 1 or 2/);
    expect(() => new BilevelOptimizer(net, { learningRate: 0 })).toThrow(/learningRate must be positive/);
    expect(() => new BilevelOptimizer(net, { alphaBetas: [0.5, 1] })).toThrow(/alphaBetas/);
    tf.dispose([train.x, train.y, val.x, val.y]);
    net.dispose();
  });
});
