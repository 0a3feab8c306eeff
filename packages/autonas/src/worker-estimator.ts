// What each worker process of `ImageClassifier({ workers })` builds: the low-fidelity estimator on
// the subsets the searching process already drew, on the worker's own TensorFlow.js backend.
import type { Architecture, Estimate, EstimateContext, PerformanceEstimator } from '@autonas/core';
import type { Dataset } from '@autonas/data';
import { LowFidelityEstimator, type LowFidelityOptions } from '@autonas/estimator-lowfi';
import { initRuntime, type BackendRequest } from '@autonas/tfjs';

/** Options of {@link lowFidelityWorkerEstimator}: plain data, so they cross to a worker process. */
export interface WorkerEstimatorOptions {
  /** The training subset every candidate trains on (already drawn by the searching process). */
  readonly train: Dataset;
  /** The validation subset that scores a candidate. */
  readonly validation: Dataset;
  /** Training options (epochs, batch size, learning rate, patience, input scale); subset options are already applied. */
  readonly options: Omit<LowFidelityOptions, 'dataFraction' | 'maxSamples' | 'validationFraction' | 'subsetSeed'>;
  /** The backend the searching process runs on, so every worker trains alike. */
  readonly backend: BackendRequest;
}

/**
 * A copy of a dataset that owns its own buffers: a subset may be a view of the whole training
 * set, and sending a view to a worker would copy the whole buffer behind it.
 * @param ds - a dataset
 * @returns the same samples in buffers of exactly their size
 */
export function compactDataset(ds: Dataset): Dataset {
  return { x: ds.x.slice(), y: ds.y.slice(), sampleShape: [...ds.sampleShape], numClasses: ds.numClasses, size: ds.size, ...(ds.name ? { name: ds.name } : {}) };
}

/**
 * Starts the worker's runtime, then builds the low-fidelity estimator on the subsets it was sent.
 * Each estimate records the worker's process id (`metrics.workerPid`).
 * @param o - subsets, training options, backend
 * @returns the estimator
 * @example
 * ```ts no-run
 * // ImageClassifier({ workers: 2 }) does this for you.
 * import { WorkerPoolEstimator } from '@autonas/runner-workers';
 * import { loadMnist, splitDataset } from '@autonas/data';
 * const { train: all } = await loadMnist({ trainSize: 1000 });
 * const { train, validation } = splitDataset(all, { fraction: 0.2, seed: 0 });
 * const options = { train, validation, options: { epochs: 1 }, backend: 'wasm' };
 * const pool = new WorkerPoolEstimator({ workers: 2, estimator: { module: '/abs/path/to/autonas/dist/worker-estimator.js', export: 'lowFidelityWorkerEstimator', options } });
 * ```
 */
export async function lowFidelityWorkerEstimator(o: WorkerEstimatorOptions): Promise<PerformanceEstimator> {
  await initRuntime({ backend: o.backend, log: () => {} });
  const inner = new LowFidelityEstimator({ train: o.train, validation: o.validation }, o.options);
  return {
    name: inner.name,
    async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
      const e = await inner.estimate(arch, ctx);
      return { ...e, metrics: { ...e.metrics, workerPid: process.pid } };
    },
  };
}
