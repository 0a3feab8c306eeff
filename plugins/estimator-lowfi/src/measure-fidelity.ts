/**
 * Measures how well a cheap low-fidelity setting ranks candidates as a fuller one does, on MNIST:
 * Spearman's ρ between the two, with `fidelityCorrelation`. Not a test. Run after building
 * (`npm run build` here):
 *
 *   node dist/measure-fidelity.js [architectures=16] [trainSize=5000]
 *
 * Candidates: small convnets, conv(filters ∈ {4, 8, 16}, kernel ∈ {3, 5}, ReLU) → 2×2 pool
 * (max or avg) → flatten → dense(units ∈ {16, 64}, ReLU) → classifier, on 28×28×1 images.
 * Low fidelity: 1 epoch on 1,000 images downscaled to 14×14 (`inputScale: 0.5`). High: 3 epochs
 * on all training images at 28×28. Both score on the same 1,000 validation images.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import { Random, type Architecture } from '@autonas/core';
import { loadMnist, splitDataset } from '@autonas/data';
import { initRuntime } from '@autonas/tfjs';
import { fidelityCorrelation } from './fidelity.js';
import { LowFidelityEstimator } from './low-fidelity-estimator.js';

/** Every candidate of the measured grid (24). */
export function convCandidates(): Architecture[] {
  const out: Architecture[] = [];
  for (const filters of [4, 8, 16]) for (const kernelSize of [3, 5]) for (const pool of ['maxpool2d', 'avgpool2d']) for (const units of [16, 64]) {
    out.push({
      nodes: [
        { id: 'input', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
        { id: 'b1_conv1', op: 'conv2d', params: { filters, kernelSize, padding: 'same', activation: 'relu' }, inputs: ['input'] },
        { id: 'b1_pool', op: pool, params: { poolSize: 2 }, inputs: ['b1_conv1'] },
        { id: 'reduce', op: 'flatten', params: {}, inputs: ['b1_pool'] },
        { id: 'head_dense', op: 'dense', params: { units, activation: 'relu' }, inputs: ['reduce'] },
        { id: 'classifier', op: 'classifier', params: { classes: 10 }, inputs: ['head_dense'] },
      ],
    });
  }
  return out;
}

async function main(): Promise<void> {
  const [count = 16, trainSize = 5000] = process.argv.slice(2).map(Number);
  await initRuntime({ backend: 'wasm' });
  const { train } = await loadMnist({ trainSize });
  const data = splitDataset(train, { fraction: 0.2, seed: 1 });
  const sample = new Random(5).shuffle(convCandidates()).slice(0, count);
  const low = new LowFidelityEstimator(data, { epochs: 1, maxSamples: 1000, inputScale: 0.5, batchSize: 32 });
  const high = new LowFidelityEstimator(data, { epochs: 3, batchSize: 32 });
  const r = await fidelityCorrelation(sample, low, high, { seed: 1 });
  console.log(`architectures ${sample.length}; validation ${data.validation.size} images`);
  console.log(`low (1 epoch, ${low.train.size} images, 14x14): ${r.lowSeconds.toFixed(1)} s; accuracy ${Math.min(...r.low).toFixed(3)}..${Math.max(...r.low).toFixed(3)}`);
  console.log(`high (3 epochs, ${high.train.size} images, 28x28): ${r.highSeconds.toFixed(1)} s; accuracy ${Math.min(...r.high).toFixed(3)}..${Math.max(...r.high).toFixed(3)}`);
  console.log(`Spearman rho (low vs high): ${r.rho.toFixed(3)}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
