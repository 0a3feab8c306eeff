import { ConfigurationError } from '@autonas/core';

/**
 * Kendall's rank correlation τ-b between two equally long lists of scores: (concordant −
 * discordant pairs) / √((n₀ − n₁)(n₀ − n₂)), where n₀ = n(n−1)/2 and n₁, n₂ count the pairs tied
 * in `a` and in `b`. Ties are handled as in `scipy.stats.kendalltau` (its default, τ-b): 1 when the
 * orders agree, −1 when reversed, 0 for no association. NaN when either list is constant.
 *
 * @param a Scores of n items (for example one-shot scores).
 * @param b Scores of the same items by another measure (for example stand-alone accuracies).
 * @throws ConfigurationError `BAD_RANK_INPUT` when the lengths differ, n < 2 or a value is not finite.
 *
 * @example
 * ```ts
 * import { kendallTau } from '@autonas/estimator-oneshot';
 * console.log(kendallTau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])); // -0.4714... (scipy's example)
 * ```
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new ConfigurationError('BAD_RANK_INPUT', `kendallTau needs lists of equal length, got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new ConfigurationError('BAD_RANK_INPUT', `kendallTau needs at least 2 items, got ${a.length}`);
  if (![...a, ...b].every(Number.isFinite)) throw new ConfigurationError('BAD_RANK_INPUT', 'kendallTau needs finite numbers');
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
