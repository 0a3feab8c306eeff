import { beforeAll } from 'vitest';
import type { Architecture } from '@autonas/core';
import { loadMnist, splitDataset, type Dataset } from '@autonas/data';
import { estimatorConformance } from '@autonas/testing/conformance';
import { initRuntime, tf } from '@autonas/tfjs';
import { LowFidelityEstimator } from './low-fidelity-estimator.js';

let data: { train: Dataset; validation: Dataset };
beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  const { train } = await loadMnist({ trainSize: 400 });
  data = splitDataset(train, { fraction: 0.25, seed: 1 });
});

/** A tiny convnet for 28×28 MNIST: one 4-filter conv, pooling, a 16-unit dense layer. */
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

// One epoch on 200 samples in batches of 20: an abort lands between batches.
estimatorConformance({
  name: 'lowfi (MNIST, 1 epoch, 200 samples)',
  create: () => new LowFidelityEstimator(data, { epochs: 1, batchSize: 20, maxSamples: 200 }),
  architecture,
  epochs: 1,
  deterministic: true,
  countTensors: () => tf.memory().numTensors,
});
// Downscaled inputs (the artifact is disposed inside the estimate) and two epochs.
estimatorConformance({
  name: 'lowfi (MNIST at 14×14, 2 epochs)',
  create: () => new LowFidelityEstimator(data, { epochs: 2, batchSize: 20, maxSamples: 100, inputScale: 0.5 }),
  architecture,
  epochs: 2,
  deterministic: true,
  countTensors: () => tf.memory().numTensors,
});
