import { spearman, type Architecture, type PerformanceEstimator } from '@autonas/core';

/**
 * @deprecated Import `spearman` from `@autonas/core`, its one home; re-exported here for
 * existing callers.
 */
export { spearman } from '@autonas/core';

/** What {@link fidelityCorrelation} measured. */
export interface FidelityCorrelation {
  /** Spearman's ρ between low- and high-fidelity scores. */
  readonly rho: number;
  readonly low: readonly number[];
  readonly high: readonly number[];
  /** Wall-clock seconds spent by each estimator on the whole sample. */
  readonly lowSeconds: number;
  readonly highSeconds: number;
}

/**
 * Scores a sample of architectures with a cheap (low-fidelity) and an expensive (high-fidelity)
 * estimator and reports Spearman's ρ between the two rankings, and what each cost: the check
 * that a low-fidelity setting ranks candidates as the full one would. Each architecture gets the
 * same seed at both fidelities; artifacts (trained models) are disposed.
 *
 * @param sample Architectures to score (a few dozen sampled from the space is typical).
 * @param low The cheap estimator, e.g. a `LowFidelityEstimator` with `epochs: 1, inputScale: 0.5`.
 * @param high The reference, e.g. a `LowFidelityEstimator` with more epochs and all the data.
 *
 * @example
 * ```ts
 * import { Random, type SearchSpace } from '@autonas/core';
 * import type { SearchData } from '@autonas/data';
 * import { LowFidelityEstimator, fidelityCorrelation } from '@autonas/estimator-lowfi';
 * async function check(space: SearchSpace, data: SearchData) {
 *   const rng = new Random(1);
 *   const sample = Array.from({ length: 20 }, () => space.sample(rng));
 *   const low = new LowFidelityEstimator(data, { epochs: 1, dataFraction: 0.1, inputScale: 0.5 });
 *   const high = new LowFidelityEstimator(data, { epochs: 3 });
 *   const { rho, lowSeconds, highSeconds } = await fidelityCorrelation(sample, low, high);
 *   console.log(`Spearman ρ ${rho.toFixed(2)}; ${lowSeconds.toFixed(0)} s vs ${highSeconds.toFixed(0)} s`);
 * }
 * ```
 */
export async function fidelityCorrelation(
  sample: readonly Architecture[],
  low: PerformanceEstimator,
  high: PerformanceEstimator,
  options: { seed?: number; signal?: AbortSignal } = {},
): Promise<FidelityCorrelation> {
  const signal = options.signal ?? new AbortController().signal;
  const run = async (est: PerformanceEstimator) => {
    const t0 = performance.now();
    const scores: number[] = [];
    for (let i = 0; i < sample.length; i++) {
      const e = await est.estimate(sample[i]!, { trialId: i, seed: (options.seed ?? 0) + i, signal, report: () => {} });
      e.artifact?.dispose();
      scores.push(e.score);
    }
    return { scores, seconds: (performance.now() - t0) / 1000 };
  };
  const l = await run(low);
  const h = await run(high);
  return { rho: spearman(l.scores, h.scores), low: l.scores, high: h.scores, lowSeconds: l.seconds, highSeconds: h.seconds };
}
