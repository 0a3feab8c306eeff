import { ConfigurationError, type Architecture, type PerformanceEstimator } from '@autonas/core';

/** Ranks (1-based), ties sharing their average rank. */
function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * Spearman's rank correlation ρ between two equally long lists: the Pearson correlation of
 * their ranks, ties given their average rank (as `scipy.stats.spearmanr`). 1 when the orders
 * agree, −1 when reversed; NaN when either list is constant.
 *
 * @throws ConfigurationError `BAD_RANK_INPUT` when the lengths differ, n < 2 or a value is not finite.
 *
 * @example
 * ```ts
 * import { spearman } from '@autonas/estimator-lowfi';
 * console.log(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])); // 0.8207... (scipy's example)
 * ```
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new ConfigurationError('BAD_RANK_INPUT', `spearman needs lists of equal length, got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new ConfigurationError('BAD_RANK_INPUT', `spearman needs at least 2 items, got ${a.length}`);
  if (![...a, ...b].every(Number.isFinite)) throw new ConfigurationError('BAD_RANK_INPUT', 'spearman needs finite numbers');
  const [ra, rb] = [averageRanks(a), averageRanks(b)];
  const mean = (r: number[]) => r.reduce((s, v) => s + v, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < ra.length; i++) {
    sab += (ra[i]! - ma) * (rb[i]! - mb);
    saa += (ra[i]! - ma) ** 2;
    sbb += (rb[i]! - mb) ** 2;
  }
  return saa === 0 || sbb === 0 ? NaN : sab / Math.sqrt(saa * sbb);
}

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
