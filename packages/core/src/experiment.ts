import 'reflect-metadata';
import { inject, injectable, multiInject, optional } from 'inversify';
import { EventBus, type StopReason } from './events.js';
import { EngineMiddleware, LocalExecutionEngine, deduplicate } from './execution-engine.js';
import { PerformanceEstimator, type Disposable } from './performance-estimator.js';
import { SearchSpace } from './search-space.js';
import { SearchStrategy } from './search-strategy.js';
import type { TrialRecord } from './trial.js';
import { TrialStore } from './trial-store.js';

/** Injection token for {@link ExperimentOptions}. */
export const ExperimentOptions = Symbol.for('autonas.ExperimentOptions');

/** Budget and seed of an experiment. */
export interface ExperimentOptions {
  /** Most trials to train. */
  readonly maxTrials?: number;
  /** Seconds after which the search ends (a running trial is stopped). */
  readonly timeLimit?: number;
  /** Base seed of trial seeds. */
  readonly seed?: number;
  /** Trials at once (default 1). */
  readonly concurrency?: number;
  /** Skip re-training architectures already evaluated (default true). */
  readonly deduplicate?: boolean;
}

/** What {@link Experiment.run} returns. */
export interface ExperimentResult {
  /** The best trial, if any trial produced a score. */
  readonly best?: TrialRecord;
  /** The best trial's artifact (a trained model); the caller owns and must dispose it. */
  readonly bestArtifact?: Disposable;
  readonly trials: readonly TrialRecord[];
  readonly stoppedBy: StopReason;
  readonly seconds: number;
}

/**
 * Wires a space, a strategy and an estimator for a budget, runs the search and reports the best
 * trial. Everything comes from the container.
 *
 * @example
 * ```ts
 * import { Experiment, createContainer, type ExperimentResult } from '@autonas/core';
 * import type { ContainerModule } from 'inversify';
 * async function search(...modules: ContainerModule[]): Promise<ExperimentResult> {
 *   const container = createContainer({ maxTrials: 5, seed: 1 }, ...modules);
 *   return container.get(Experiment).run();
 * }
 * ```
 */
@injectable()
export class Experiment {
  constructor(
    @inject(SearchSpace) readonly space: SearchSpace,
    @inject(SearchStrategy) readonly strategy: SearchStrategy,
    @inject(PerformanceEstimator) readonly estimator: PerformanceEstimator,
    @inject(TrialStore) readonly store: TrialStore,
    @inject(EventBus) readonly events: EventBus,
    @inject(ExperimentOptions) readonly options: ExperimentOptions,
    @multiInject(EngineMiddleware) @optional() private readonly middleware: EngineMiddleware[] = [],
  ) {}

  /** Runs the search until its budget is spent, the strategy is exhausted, or `signal` aborts. */
  async run(signal?: AbortSignal): Promise<ExperimentResult> {
    const engine = new LocalExecutionEngine({
      space: this.space,
      estimator: this.estimator,
      store: this.store,
      events: this.events,
      maxTrials: this.options.maxTrials,
      timeLimit: this.options.timeLimit,
      seed: this.options.seed,
      concurrency: this.options.concurrency,
      signal,
      middleware: [...(this.options.deduplicate === false ? [] : [deduplicate(this.store)]), ...(this.middleware ?? [])],
    });
    const saved = this.store.loadStrategyState();
    if (saved !== undefined) this.strategy.restore(saved);
    try {
      await this.strategy.run(engine, this.space);
      const stoppedBy = engine.stoppedBy ?? 'exhausted';
      const { trial: best, artifact } = engine.takeBest();
      const result: ExperimentResult = { best, bestArtifact: artifact, trials: this.store.trials(), stoppedBy, seconds: engine.elapsed() };
      this.events.emit('experiment:end', { best, trials: result.trials, stoppedBy, seconds: result.seconds });
      return result;
    } finally {
      engine.close();
    }
  }
}
