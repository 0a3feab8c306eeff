import { ConfigurationError } from '@autonas/core';
import { hyperbandSchedule, type HyperbandBracket } from './hyperband-schedule.js';

/**
 * Decides, after each epoch of a trial, whether the trial should stop. Values are
 * higher-is-better (the middleware negates a metric to minimise). Rules are plain state
 * machines: they never see an engine, so they are tested with numbers alone.
 *
 * @example
 * ```ts
 * import type { StoppingRule } from '@autonas/middleware-early-stop';
 * // Stops any trial whose value is still below 0.2 after 2 epochs.
 * const floor: StoppingRule = {
 *   name: 'floor',
 *   onEpoch: (_trialId, resource, value) => (resource >= 2 && value < 0.2 ? `value ${value} < 0.2 after ${resource} epochs` : undefined),
 * };
 * ```
 */
export interface StoppingRule {
  readonly name: string;
  /**
   * Records that trial `trialId` reached `value` after `resource` (epochs, by default) and
   * returns why it should stop, or `undefined` to let it go on.
   */
  onEpoch(trialId: number, resource: number, value: number): string | undefined;
  /** The bracket a trial was placed in, for rules that place trials in brackets (Hyperband). Optional. */
  bracketOf?(trialId: number): number | undefined;
}

/** Options of {@link SuccessiveHalvingRule}. */
export interface SuccessiveHalvingOptions {
  /** R: the resource at which a trial is complete (the estimator's epochs). Rungs are below it. */
  readonly maxResource: number;
  /** Resource of the first rung. Default 1. */
  readonly minResource?: number;
  /** η: each rung keeps the top 1/η. Default 3. */
  readonly eta?: number;
}

const fmt = (v: number) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(v) : v.toPrecision(4));

/**
 * Successive halving over trials, in its asynchronous form (ASHA, Li et al. 2020) since trials
 * arrive one by one: rungs at resources minResource·η^k below maxResource; when a trial reaches
 * a rung its best value so far is recorded there, and it goes on only if it is among the top
 * max(1, ⌊m/η⌋) of the m values recorded at that rung so far (ties with the last kept value go
 * on). The best trial always goes on; a trial judged early, against few others, goes on more easily
 * than one judged late, so over a random order about a fraction 1/η goes on (24 of 81 in a test).
 *
 * @example
 * ```ts
 * import { SuccessiveHalvingRule } from '@autonas/middleware-early-stop';
 * const sh = new SuccessiveHalvingRule({ maxResource: 9, eta: 3 });
 * console.log(sh.rungs); // [1, 3]
 * ```
 */
export class SuccessiveHalvingRule implements StoppingRule {
  readonly name: string = 'successive-halving';
  /** Resources of the rungs, increasing. */
  readonly rungs: readonly number[];
  readonly eta: number;
  private readonly values: Array<Map<number, number>>;
  private readonly progress = new Map<number, { next: number; best: number }>();

  constructor(options: SuccessiveHalvingOptions) {
    const { maxResource } = options;
    const eta = options.eta ?? 3;
    const min = options.minResource ?? 1;
    if (!(maxResource > 0) || !Number.isFinite(maxResource)) throw new ConfigurationError('BAD_EARLY_STOPPING', `maxResource must be a positive number, got ${maxResource}`);
    if (!(eta > 1) || !Number.isFinite(eta)) throw new ConfigurationError('BAD_EARLY_STOPPING', `eta must be a number > 1, got ${eta}`);
    if (!(min > 0) || min > maxResource) throw new ConfigurationError('BAD_EARLY_STOPPING', `minResource must be in (0, maxResource = ${maxResource}], got ${min}`);
    this.eta = eta;
    const rungs: number[] = [];
    for (let r = min; r < maxResource * (1 - 1e-9); r *= eta) rungs.push(r);
    this.rungs = rungs;
    this.values = rungs.map(() => new Map());
  }

  /** The values recorded at rung `k`, by trial id. */
  rungValues(k: number): ReadonlyMap<number, number> {
    return this.values[k] ?? new Map();
  }

  onEpoch(trialId: number, resource: number, value: number): string | undefined {
    const p = this.progress.get(trialId) ?? { next: 0, best: -Infinity };
    this.progress.set(trialId, p);
    p.best = Math.max(p.best, value);
    let verdict: string | undefined;
    // A trial that skipped rungs (coarse reports) is judged at each rung it passed.
    while (verdict === undefined && p.next < this.rungs.length && resource >= this.rungs[p.next]! * (1 - 1e-9)) {
      const k = p.next++;
      const rung = this.values[k]!;
      rung.set(trialId, p.best);
      const keep = Math.max(1, Math.floor(rung.size / this.eta));
      let better = 0;
      for (const v of rung.values()) if (v > p.best) better++;
      if (better >= keep) {
        verdict = `${this.name}: ${fmt(p.best)} after ${fmt(resource)} is not in the top ${keep} of ${rung.size} at rung ${k} (resource ${fmt(this.rungs[k]!)}, η = ${this.eta})`;
      }
    }
    return verdict;
  }
}

/** Options of {@link HyperbandRule}. */
export interface HyperbandOptions {
  /** R: the most resource (epochs) a trial gets, the estimator's epochs. */
  readonly maxResource: number;
  /** η. Default 3. */
  readonly eta?: number;
  /** The smallest first rung of any bracket. Default 1. */
  readonly minResource?: number;
}

/**
 * Hyperband (Li et al., 2018) over trials: the brackets of {@link hyperbandSchedule}, each an
 * asynchronous successive halving ({@link SuccessiveHalvingRule}) whose first rung is the
 * bracket's r = R·η^(−s); trials only compete within their bracket. Trials are dealt to
 * brackets by trial id, in a smooth weighted round robin with the brackets' sizes n as weights
 * (for R = 81, η = 3: 81, 34, 15, 8, 5 of every 143 trials), interleaved so that a short search
 * already tries every bracket. The bracket s = 0 never stops a trial.
 *
 * @example
 * ```ts
 * import { HyperbandRule } from '@autonas/middleware-early-stop';
 * const hb = new HyperbandRule({ maxResource: 9 });
 * console.log(hb.brackets.map((b) => b.s), hb.bracketOf(0)); // [2, 1, 0] 2
 * ```
 */
export class HyperbandRule implements StoppingRule {
  readonly name = 'hyperband';
  readonly brackets: readonly HyperbandBracket[];
  private readonly halvings: SuccessiveHalvingRule[];
  private readonly deal: number[];

  constructor(options: HyperbandOptions) {
    const eta = options.eta ?? 3;
    this.brackets = hyperbandSchedule(options.maxResource, eta, options.minResource ?? 1);
    this.halvings = this.brackets.map((b) => {
      const rule = new SuccessiveHalvingRule({ maxResource: options.maxResource, minResource: b.rounds[0]!.r, eta });
      (rule as { name: string }).name = `hyperband bracket s=${b.s}`;
      return rule;
    });
    // Smooth weighted round robin (as nginx): each step every bracket gains its weight, the
    // largest credit is dealt and pays back the total.
    const weights = this.brackets.map((b) => b.rounds[0]!.n);
    const total = weights.reduce((a, b) => a + b, 0);
    const credit = weights.map(() => 0);
    this.deal = [];
    for (let t = 0; t < total; t++) {
      let best = 0;
      for (let i = 0; i < weights.length; i++) {
        credit[i]! += weights[i]!;
        if (credit[i]! > credit[best]!) best = i;
      }
      credit[best]! -= total;
      this.deal.push(best);
    }
  }

  /** The bracket's s of trial `trialId`. */
  bracketOf(trialId: number): number {
    return this.brackets[this.deal[trialId % this.deal.length]!]!.s;
  }

  /** The successive-halving rule of bracket `s`. */
  bracket(s: number): SuccessiveHalvingRule {
    const i = this.brackets.findIndex((b) => b.s === s);
    if (i < 0) throw new ConfigurationError('BAD_BRACKET', `no bracket s=${s}; brackets: ${this.brackets.map((b) => b.s).join(', ')}`);
    return this.halvings[i]!;
  }

  onEpoch(trialId: number, resource: number, value: number): string | undefined {
    return this.halvings[this.deal[trialId % this.deal.length]!]!.onEpoch(trialId, resource, value);
  }
}

/** Options of {@link MedianStoppingRule}. */
export interface MedianStoppingOptions {
  /** No trial is judged before this resource (epochs) has passed. Default 1: from the first report on. */
  readonly warmup?: number;
  /** No trial is judged against fewer than this many other curves at the same resource. Default 3. */
  readonly minTrials?: number;
}

/**
 * The median stopping rule (Golovin et al., 2017, Google Vizier): a trial stops when its best
 * value so far is below the median of the best values so far that earlier trials had at the
 * same resource (epoch).
 *
 * @example
 * ```ts
 * import { MedianStoppingRule } from '@autonas/middleware-early-stop';
 * const rule = new MedianStoppingRule({ minTrials: 2 });
 * rule.onEpoch(0, 1, 0.8);
 * rule.onEpoch(1, 1, 0.6);
 * console.log(rule.onEpoch(2, 1, 0.5)); // stops: 0.5 is below the median 0.7
 * ```
 */
export class MedianStoppingRule implements StoppingRule {
  readonly name = 'median';
  private readonly warmup: number;
  private readonly minTrials: number;
  private readonly curves = new Map<number, Map<number, number>>();
  private readonly bestSoFar = new Map<number, number>();

  constructor(options: MedianStoppingOptions = {}) {
    this.warmup = options.warmup ?? 1;
    this.minTrials = options.minTrials ?? 3;
    if (!(this.warmup >= 0)) throw new ConfigurationError('BAD_EARLY_STOPPING', `warmup must be >= 0, got ${options.warmup}`);
    if (!(Number.isInteger(this.minTrials) && this.minTrials >= 1)) throw new ConfigurationError('BAD_EARLY_STOPPING', `minTrials must be a positive integer, got ${options.minTrials}`);
  }

  onEpoch(trialId: number, resource: number, value: number): string | undefined {
    const best = Math.max(this.bestSoFar.get(trialId) ?? -Infinity, value);
    this.bestSoFar.set(trialId, best);
    const others: number[] = [];
    for (const [id, curve] of this.curves) {
      const v = curve.get(resource);
      if (id !== trialId && v !== undefined) others.push(v);
    }
    const curve = this.curves.get(trialId) ?? new Map<number, number>();
    curve.set(resource, best);
    this.curves.set(trialId, curve);
    if (resource < this.warmup || others.length < this.minTrials) return undefined;
    const m = median(others);
    return best < m ? `median: ${fmt(best)} after ${fmt(resource)} is below the median ${fmt(m)} of ${others.length} earlier trials at the same point` : undefined;
  }
}

/** The median of a non-empty list. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
