import type { Architecture } from './architecture.js';
import type { EpochMetrics, TrialRecord } from './trial.js';

/** Injection token for {@link PerformanceEstimator}. */
export const PerformanceEstimator = Symbol.for('autonas.PerformanceEstimator');

/** What an estimator is given besides the architecture. */
export interface EstimateContext {
  readonly trialId: number;
  /** A seed for this trial's weight initialisation and data order. */
  readonly seed: number;
  /** Aborted when the search's time limit passes; estimators stop at the next batch. */
  readonly signal: AbortSignal;
  /** Reports one epoch of the learning curve (used by early-stopping middleware and callbacks). */
  report(metrics: EpochMetrics): void;
  /**
   * The finished trial this one grows from, when the strategy named one (a network morphism
   * starts its child from the parent's trained weights): its id, hash, architecture, score and
   * metrics, as the engine recorded them. Absent for a trial without a parent.
   */
  readonly parent?: TrialRecord;
}

/** Something an estimate holds that must be released (for example a trained model). */
export interface Disposable {
  dispose(): void;
}

/** An estimator's verdict on an architecture. */
export interface Estimate {
  /** Higher is better (for example validation accuracy). */
  readonly score: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** What the estimate cost. */
  readonly cost: { readonly seconds: number; readonly epochs?: number; readonly samples?: number };
  /** True when the estimate stopped early (time limit), so the score is partial. */
  readonly partial?: boolean;
  /** An optional artifact (a trained model) the experiment keeps for the best trial and disposes otherwise. */
  readonly artifact?: Disposable;
}

/**
 * Turns an architecture into a score with a cost.
 *
 * @example
 * ```ts
 * import type { Architecture, Estimate, EstimateContext, PerformanceEstimator } from '@autonas/core';
 * class ParamCountEstimator implements PerformanceEstimator {
 *   readonly name = 'fewest-nodes';
 *   async estimate(arch: Architecture, _ctx: EstimateContext): Promise<Estimate> {
 *     return { score: -arch.nodes.length, metrics: { nodes: arch.nodes.length }, cost: { seconds: 0 } };
 *   }
 * }
 * ```
 */
export interface PerformanceEstimator {
  readonly name: string;
  /**
   * How many estimates it can run at once (a pool of worker processes: its size). An experiment
   * whose `concurrency` is not set keeps this many trials in flight. Default 1.
   */
  readonly concurrency?: number;
  estimate(arch: Architecture, context: EstimateContext): Promise<Estimate>;
  /**
   * Gets ready before the first estimate (starts worker processes, connects to a queue). An
   * experiment awaits it when its run starts; it must be safe to call more than once. Optional.
   */
  start?(): Promise<void>;
  /** Releases what it holds (processes, connections, a supernet's weights); its owner calls it once done. Optional. */
  dispose?(): void | Promise<void>;
}
