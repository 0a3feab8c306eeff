/**
 * `npm run bench -- fidelity`: how well a cheap low-fidelity setting ranks candidates as a fuller
 * one does, on MNIST: Spearman's ρ between the two, with `fidelityCorrelation`.
 *
 * Candidates: small convnets, conv(filters ∈ {4, 8, 16}, kernel ∈ {3, 5}, ReLU) → 2×2 pool
 * (max or avg) → flatten → dense(units ∈ {16, 64}, ReLU) → classifier, on 28×28×1 images.
 * Low fidelity: 1 epoch on 1,000 images downscaled to 14×14 (`inputScale: 0.5`). High: 3 epochs
 * on all training images at 28×28. Both score on the same 1,000 validation images.
 *
 * @module
 */
import { Random, type Architecture } from '@autonas/core';
import { loadMnist, splitDataset } from '@autonas/data';
import { LowFidelityEstimator, fidelityCorrelation } from '@autonas/estimator-lowfi';
import { initRuntime } from '@autonas/tfjs';
import type { Io } from './cli-options.js';

/**
 * Every candidate of the measured grid (24).
 *
 * @returns The 24 convnets, filters outermost, then kernel size, pooling and dense units.
 */
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

/** Options of {@link runFidelityMeasure}. */
export interface FidelityMeasureOptions {
  /** Candidates sampled from the 24 (default 16). */
  readonly architectures?: number;
  /** MNIST training images, a fifth held out for validation (default 5000). */
  readonly trainSize?: number;
}

/** Runs the measurement and prints its four lines to `io.out`. */
export async function runFidelityMeasure(options: FidelityMeasureOptions, io: Io): Promise<void> {
  const { architectures: count = 16, trainSize = 5000 } = options;
  await initRuntime({ backend: 'wasm' });
  const { train } = await loadMnist({ trainSize });
  const data = splitDataset(train, { fraction: 0.2, seed: 1 });
  const sample = new Random(5).shuffle(convCandidates()).slice(0, count);
  const low = new LowFidelityEstimator(data, { epochs: 1, maxSamples: 1000, inputScale: 0.5, batchSize: 32 });
  const high = new LowFidelityEstimator(data, { epochs: 3, batchSize: 32 });
  const r = await fidelityCorrelation(sample, low, high, { seed: 1 });
  io.out(`architectures ${sample.length}; validation ${data.validation.size} images`);
  io.out(`low (1 epoch, ${low.train.size} images, 14x14): ${r.lowSeconds.toFixed(1)} s; accuracy ${Math.min(...r.low).toFixed(3)}..${Math.max(...r.low).toFixed(3)}`);
  io.out(`high (3 epochs, ${high.train.size} images, 28x28): ${r.highSeconds.toFixed(1)} s; accuracy ${Math.min(...r.high).toFixed(3)}..${Math.max(...r.high).toFixed(3)}`);
  io.out(`Spearman rho (low vs high): ${r.rho.toFixed(3)}`);
}
