import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { compileArchitecture, initRuntime, tf } from '@autonas/tfjs';
import { computeProxies, gradNorm, logAbsDet, minibatch, naswot, synflow, zeroCostFeatures, ZERO_COST_PROXIES } from './proxies.js';

/** A tiny MNIST convnet of `filters` conv filters and `units` dense units. */
function tinyNet(filters: number, units: number): Architecture {
  return {
    nodes: [
      { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
      { id: 'c', op: 'conv2d', params: { filters, kernelSize: 3, activation: 'relu' }, inputs: ['in'] },
      { id: 'p', op: 'maxpool2d', params: { poolSize: 2 }, inputs: ['c'] },
      { id: 'f', op: 'flatten', params: {}, inputs: ['p'] },
      { id: 'h', op: 'dense', params: { units, activation: 'relu' }, inputs: ['f'] },
      { id: 'out', op: 'classifier', params: { classes: 10 }, inputs: ['h'] },
    ],
  };
}

let train: Dataset;
beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  ({ train } = await loadMnist({ trainSize: 200 }));
});

describe('zero-cost proxies', () => {
  it('are finite and deterministic for a fixed seed, and leak no tensors', () => {
    const run = () => {
      const model = compileArchitecture(tinyNet(4, 16), { seed: 3 });
      const batch = minibatch(train, 32);
      const before = tf.memory().numTensors;
      const { scores } = computeProxies(model, batch);
      expect(tf.memory().numTensors).toBe(before);
      batch.x.dispose();
      model.dispose();
      return scores;
    };
    const a = run();
    const b = run();
    for (const p of ZERO_COST_PROXIES) expect(Number.isFinite(a[p]), `${p} = ${a[p]}`).toBe(true);
    // Same seed, same batch: the same scores up to float32 rounding (wasm's threaded sums may add in another order).
    for (const p of ZERO_COST_PROXIES) expect(Math.abs(a[p] - b[p]), `${p}: ${a[p]} against ${b[p]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a[p])));
    expect(a.params).toBe(4 * 9 + 4 + 14 * 14 * 4 * 16 + 16 + 16 * 10 + 10);
    expect(a.gradNorm).toBeGreaterThan(0);
  });

  it('synflow restores the weights', () => {
    const model = compileArchitecture(tinyNet(4, 16), { seed: 1 });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const s = synflow(model);
    expect(Number.isFinite(s)).toBe(true);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    model.dispose();
  });

  it('naswot differs between a network and its narrower variant, and grows with width', () => {
    const batch = minibatch(train, 32);
    const score = (f: number, u: number) => {
      const model = compileArchitecture(tinyNet(f, u), { seed: 1 });
      const s = naswot(model, batch.x);
      model.dispose();
      return s;
    };
    const wide = score(8, 64);
    const narrow = score(2, 4);
    batch.x.dispose();
    expect(Number.isFinite(wide)).toBe(true);
    expect(wide).not.toBe(narrow);
    expect(wide).toBeGreaterThan(narrow);
  });

  it('gradNorm depends on the labels', () => {
    const model = compileArchitecture(tinyNet(4, 16), { seed: 1 });
    const batch = minibatch(train, 16);
    const a = gradNorm(model, batch.x, batch.labels, 10);
    const b = gradNorm(model, batch.x, batch.labels.map((l) => (l + 1) % 10), 10);
    expect(a).not.toBe(b);
    batch.x.dispose();
    model.dispose();
  });

  it('logAbsDet of small matrices', () => {
    expect(logAbsDet([[2, 0], [0, 3]])).toBeCloseTo(Math.log(6));
    expect(logAbsDet([[0, 1], [1, 0]])).toBeCloseTo(0);
    expect(logAbsDet([[1, 1], [1, 1]])).toBe(-Infinity);
  });

  it('zeroCostFeatures gives four finite numbers and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const f = await zeroCostFeatures(tinyNet(4, 16), train, { batchSize: 16, seed: 2 });
    expect(f).toHaveLength(4);
    expect(f.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
