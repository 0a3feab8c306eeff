import { beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { estimatorConformance } from '@autonas/testing/conformance';
import { initRuntime, tf } from '@autonas/tfjs';
import { ZeroCostEstimator } from './zero-cost-estimator.js';

let data: { train: Dataset };
beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  const { train } = await loadMnist({ trainSize: 100 });
  data = { train };
});

const architecture: Architecture = {
  nodes: [
    { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
    { id: 'c', op: 'conv2d', params: { filters: 4, kernelSize: 3, activation: 'relu' }, inputs: ['in'] },
    { id: 'p', op: 'maxpool2d', params: { poolSize: 2 }, inputs: ['c'] },
    { id: 'f', op: 'flatten', params: {}, inputs: ['p'] },
    { id: 'h', op: 'dense', params: { units: 16, activation: 'relu' }, inputs: ['f'] },
    { id: 'out', op: 'classifier', params: { classes: 10 }, inputs: ['h'] },
  ],
};

for (const proxy of ['naswot', 'synflow'] as const) {
  estimatorConformance({
    name: `zerocost (${proxy}, MNIST, 32 samples)`,
    create: () => new ZeroCostEstimator(data, { proxy, batchSize: 32 }),
    architecture,
    epochs: 0,
    deterministic: true,
    countTensors: () => tf.memory().numTensors,
  });
}

describe('ZeroCostEstimator', () => {
  it('scores by the chosen proxy and reports all of them', async () => {
    const e = new ZeroCostEstimator(data, { proxy: 'gradNorm', batchSize: 16 });
    const est = await e.estimate(architecture, { trialId: 0, seed: 1, signal: new AbortController().signal, report: () => {} });
    expect(est.score).toBe(est.metrics.gradNorm);
    for (const k of ['synflow', 'naswot', 'gradNorm', 'params', 'seconds_naswot']) expect(Number.isFinite(est.metrics[k]), k).toBe(true);
    expect(est.cost.epochs).toBe(0);
  });

  it('refuses an unknown proxy', () => {
    expect(() => new ZeroCostEstimator(data, { proxy: 'nope' as never })).toThrow(/proxy must be one of/);
  });
});
