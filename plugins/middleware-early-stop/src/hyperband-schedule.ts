import { ConfigurationError } from '@autonas/core';

/** One round of a successive-halving bracket: `n` configurations trained with resource `r` each. */
export interface HyperbandRound {
  readonly n: number;
  readonly r: number;
}

/** One bracket of Hyperband: successive halving starting from `rounds[0]`. */
export interface HyperbandBracket {
  /** The bracket's index s (s_max first, 0 last): it halves s times. */
  readonly s: number;
  readonly rounds: readonly HyperbandRound[];
}

/** The largest s with eta^s <= ratio, computed in integers (no floating-point log). */
function floorLog(ratio: number, eta: number): number {
  let s = 0;
  let p = eta;
  while (p <= ratio * (1 + 1e-12)) {
    s++;
    p *= eta;
  }
  return s;
}

/**
 * Hyperband's schedule (Li et al., 2018, Algorithm 1): s_max = ⌊log_η(R / minResource)⌋, and for
 * each bracket s = s_max … 0, n = ⌈(s_max + 1)/(s + 1) · η^s⌉ configurations with resource
 * r = R·η^(−s), then rounds i = 0 … s of n_i = ⌊n·η^(−i)⌋ configurations at r_i = r·η^i.
 *
 * @param maxResource R: the most resource (for example epochs) one configuration gets.
 * @param eta η: the fraction 1/η of configurations kept by each halving. Default 3.
 * @param minResource The least resource a bracket starts with. Default 1 (R/η^s_max ≥ 1).
 * @returns The brackets, s_max first.
 * @throws ConfigurationError `BAD_HYPERBAND` for non-positive R, η ≤ 1 or minResource > R.
 *
 * @example
 * ```ts
 * import { hyperbandSchedule } from '@autonas/middleware-early-stop';
 * for (const b of hyperbandSchedule(81, 3)) console.log(b.s, b.rounds.map((x) => `${x.n}×${x.r}`).join(' '));
 * // 4 81×1 27×3 9×9 3×27 1×81 ... 0 5×81
 * ```
 */
export function hyperbandSchedule(maxResource: number, eta = 3, minResource = 1): HyperbandBracket[] {
  if (!(maxResource > 0) || !Number.isFinite(maxResource)) throw new ConfigurationError('BAD_HYPERBAND', `maxResource must be a positive number, got ${maxResource}`);
  if (!(eta > 1) || !Number.isFinite(eta)) throw new ConfigurationError('BAD_HYPERBAND', `eta must be a number > 1, got ${eta}`);
  if (!(minResource > 0) || minResource > maxResource) {
    throw new ConfigurationError('BAD_HYPERBAND', `minResource must be in (0, maxResource = ${maxResource}], got ${minResource}`);
  }
  const sMax = floorLog(maxResource / minResource, eta);
  const brackets: HyperbandBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) / (s + 1)) * eta ** s - 1e-9);
    const r = maxResource / eta ** s;
    const rounds: HyperbandRound[] = [];
    for (let i = 0; i <= s; i++) rounds.push({ n: Math.floor(n / eta ** i + 1e-9), r: r * eta ** i });
    brackets.push({ s, rounds });
  }
  return brackets;
}
