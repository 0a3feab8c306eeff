// The estimator each worker process of the workers benchmark builds (named by an EstimatorSpec):
// MNIST, the low-fidelity estimator, on the worker's own TensorFlow.js backend.
import type { PerformanceEstimator } from '@autonas/core';
import { loadMnist, splitDataset } from '@autonas/data';
import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
import { initRuntime } from '@autonas/tfjs';

/** Options of {@link mnistEstimator}: plain data, so they cross to a worker process. */
export interface MnistEstimatorOptions {
  /** Training images per trial. */
  readonly trainSize: number;
  /** Validation images that score a trial. */
  readonly validationSize: number;
  /** Epochs per trial. Default 1. */
  readonly epochs?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Backend of the worker. Default 'wasm'. */
  readonly backend?: 'wasm' | 'cpu' | 'tensorflow';
}

/**
 * Builds a low-fidelity MNIST estimator (the first `trainSize + validationSize` training images,
 * split with seed 0) after starting the worker's runtime.
 * @param options - data sizes and epochs
 * @returns the estimator
 */
export async function mnistEstimator(options: MnistEstimatorOptions): Promise<PerformanceEstimator> {
  await initRuntime({ backend: options.backend ?? 'wasm', log: () => {} });
  const total = options.trainSize + options.validationSize;
  const { train } = await loadMnist({ trainSize: total, testSize: 1 });
  const { train: fit, validation } = splitDataset(train, { fraction: options.validationSize / total, seed: 0 });
  return new LowFidelityEstimator({ train: fit, validation }, { epochs: options.epochs ?? 1, batchSize: options.batchSize });
}
