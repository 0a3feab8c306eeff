import type { EstimatorSpec } from './estimator-spec.js';
import type { PerformanceEstimator } from './performance-estimator.js';

/**
 * A runner: places the trials of an estimator that another process can build (an
 * {@link EstimatorSpec}) somewhere other than this process (worker processes, a queue that
 * machines take trials from), and runs `concurrency` of them at once. To the engine it is an
 * estimator like any other, so strategies and estimators do not know where a trial runs. Unlike a
 * plain estimator its lifecycle hooks are required: `start` (spawn, connect; safe to call twice)
 * before the first trial, `dispose` (stop the processes, close the connections) once done.
 *
 * What a runner promises (its score equals what the spec's estimator scores in-process, its
 * `concurrency` trials overlap, a failing or aborted trial settles and leaves it usable, a spec it
 * cannot build is refused) is checked by `runnerConformance` in `@autonas/testing/conformance`.
 *
 * @example
 * ```ts
 * import type { Architecture, EstimatorSpec, RunnerEstimator } from '@autonas/core';
 * async function scoreTwo(makeRunner: (spec: EstimatorSpec) => RunnerEstimator, a: Architecture, b: Architecture) {
 *   const runner = makeRunner({ module: '@my/estimators', export: 'mnistEstimator', options: { epochs: 1 } });
 *   await runner.start();
 *   try {
 *     const signal = new AbortController().signal;
 *     return await Promise.all([a, b].map((arch, trialId) => runner.estimate(arch, { trialId, seed: 1, signal, report: () => {} })));
 *   } finally {
 *     await runner.dispose();
 *   }
 * }
 * ```
 */
export interface RunnerEstimator extends PerformanceEstimator {
  /** Trials it runs at once. */
  readonly concurrency: number;
  start(): Promise<void>;
  dispose(): void | Promise<void>;
}

/** Makes a runner for the trials of one estimator spec. */
export type RunnerFactory = (spec: EstimatorSpec) => RunnerEstimator | Promise<RunnerEstimator>;
