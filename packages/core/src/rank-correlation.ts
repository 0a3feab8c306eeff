import { ConfigurationError } from './errors.js';

function checkPair(fn: string, a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new ConfigurationError('BAD_RANK_INPUT', `${fn} needs lists of equal length, got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new ConfigurationError('BAD_RANK_INPUT', `${fn} needs at least 2 items, got ${a.length}`);
  if (![...a, ...b].every(Number.isFinite)) throw new ConfigurationError('BAD_RANK_INPUT', `${fn} needs finite numbers`);
}

/**
 * Ranks of a list, 1 for the smallest value, tied values sharing the average of the ranks they
 * span (as `scipy.stats.rankdata`'s default, `method='average'`).
 *
 * @param xs The values to rank.
 * @returns The rank of each value, in the order of `xs`.
 *
 * @example
 * ```ts
 * import { averageRanks } from '@autonas/core';
 * console.log(averageRanks([10, 30, 20, 20])); // [1, 4, 2.5, 2.5]
 * ```
 */
export function averageRanks(xs: readonly number[]): number[] {
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
 * @param a Scores of n items (for example low-fidelity accuracies).
 * @param b Scores of the same items by another measure (for example full-training accuracies).
 * @returns ρ in [−1, 1], or NaN when either list is constant.
 * @throws ConfigurationError `BAD_RANK_INPUT` when the lengths differ, n < 2 or a value is not finite.
 *
 * @example
 * ```ts
 * import { spearman } from '@autonas/core';
 * console.log(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])); // 0.8207... (scipy's example)
 * ```
 */
export function spearman(a: readonly number[], b: readonly number[]): number {
  checkPair('spearman', a, b);
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

/**
 * Kendall's rank correlation τ-b between two equally long lists of scores: (concordant −
 * discordant pairs) / √((n₀ − n₁)(n₀ − n₂)), where n₀ = n(n−1)/2 and n₁, n₂ count the pairs tied
 * in `a` and in `b`. Ties are handled as in `scipy.stats.kendalltau` (its default, τ-b): 1 when the
 * orders agree, −1 when reversed, 0 for no association. NaN when either list is constant.
 *
 * @param a Scores of n items (for example one-shot scores).
 * @param b Scores of the same items by another measure (for example stand-alone accuracies).
 * @returns τ-b in [−1, 1], or NaN when either list is constant.
 * @throws ConfigurationError `BAD_RANK_INPUT` when the lengths differ, n < 2 or a value is not finite.
 *
 * @example
 * ```ts
 * import { kendallTau } from '@autonas/core';
 * console.log(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])); // -0.4714... (scipy's example)
 * ```
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  checkPair('kendallTau', a, b);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0) tiesA++;
      if (db === 0) tiesB++;
      if (da !== 0 && db !== 0) {
        if (da === db) concordant++;
        else discordant++;
      }
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((n0 - tiesA) * (n0 - tiesB));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}
