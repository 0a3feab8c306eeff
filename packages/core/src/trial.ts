import type { Architecture } from './architecture.js';

/** Metrics of one training epoch, as reported by an estimator while it trains. */
export interface EpochMetrics {
  readonly epoch: number;
  readonly [metric: string]: number;
}

/** The outcome of a trial. */
export type TrialStatus = 'running' | 'completed' | 'failed' | 'stopped';

/** Everything recorded about one trial. Plain data: serialisable with `JSON.stringify`. */
export interface TrialRecord {
  /** 0-based, in submission order. */
  readonly id: number;
  readonly architecture: Architecture;
  /** {@link architectureHash} of the architecture. */
  readonly hash: string;
  status: TrialStatus;
  /** Higher is better; absent when the trial failed before producing one. */
  score?: number;
  /** Final metrics, e.g. `valAccuracy`, `valLoss`, `params`. */
  metrics: Record<string, number>;
  /** Learning curve, one entry per epoch. */
  epochs: EpochMetrics[];
  /** Epoch milliseconds. */
  readonly startedAt: number;
  endedAt?: number;
  /** Wall-clock seconds the trial took. */
  seconds?: number;
  /** Message of the error that failed the trial. */
  error?: string;
  /** True when the result was served from an earlier identical trial. */
  cached?: boolean;
  /**
   * 1 for a first run (also when absent); 2 when the trial is being rerun because the process
   * that ran it died (a resumed search reruns an interrupted trial once).
   */
  attempt?: number;
  /**
   * The id of the trial this one grows from (a network morphism's trained parent), when the
   * strategy submitted it with one ({@link SubmitOptions.parent}); the engine gave that trial's
   * record to the estimator as `ctx.parent`.
   */
  parent?: number;
}

/** Whether `score` is a usable score: a finite number (NaN and ±Infinity are not). */
export function isUsableScore(score: number | undefined): score is number {
  return typeof score === 'number' && Number.isFinite(score);
}

/**
 * The better of two trials by score; completed trials beat stopped ones, which beat failed ones.
 * A score that is not finite (NaN, ±Infinity, e.g. from an old store) counts as no score, so it
 * never wins and the in-memory and the resumed best agree.
 *
 * @example
 * ```ts
 * import { betterTrial, type TrialRecord } from '@autonas/core';
 * const t = (id: number, score: number): TrialRecord => ({ id, score, status: 'completed', architecture: { nodes: [] }, hash: String(id), metrics: {}, epochs: [], startedAt: 0 });
 * console.log(betterTrial(t(0, NaN), t(1, 0.5)).id); // 1
 * ```
 */
export function betterTrial(a: TrialRecord | undefined, b: TrialRecord): TrialRecord {
  if (!a) return b;
  const rank = (t: TrialRecord) => (!isUsableScore(t.score) ? 0 : t.status === 'completed' ? 2 : t.status === 'stopped' ? 1 : 0);
  if (rank(b) !== rank(a)) return rank(b) > rank(a) ? b : a;
  const score = (t: TrialRecord) => (isUsableScore(t.score) ? t.score : -Infinity);
  return score(b) > score(a) ? b : a;
}
