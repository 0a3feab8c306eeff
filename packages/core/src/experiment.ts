import 'reflect-metadata';
import { inject, injectable, multiInject, optional } from 'inversify';
import { EventBus, type StopReason } from './events.js';
import { EngineMiddleware, LocalExecutionEngine, deduplicate } from './execution-engine.js';
import { PerformanceEstimator, type Disposable } from './performance-estimator.js';
import { SearchSpace } from './search-space.js';
import { SearchStrategy, type AskTellStrategy } from './search-strategy.js';
import { StateError } from './errors.js';
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
  /** Trials at once (default: the estimator's `concurrency`, else 1). */
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

  /**
   * Runs the search until its budget is spent, the strategy is exhausted, or `signal` aborts.
   *
   * With a store that already holds this search (a persistent store reopened after the process
   * died), it resumes: the strategy restarts from its last checkpointed state, completed trials
   * are not run again, a trial left running is rerun once (one interrupted a second time is
   * recorded as failed), and trials and seconds already spent count against the budget.
   */
  async run(signal?: AbortSignal): Promise<ExperimentResult> {
    const spent = this.store.loadMeta?.(SPENT_SECONDS);
    if (spent !== undefined && !(typeof spent === 'number' && spent >= 0)) {
      throw new StateError('BAD_STORE_META', `the store's "${SPENT_SECONDS}" is not a number of seconds: ${JSON.stringify(spent)}`);
    }
    const engine = new LocalExecutionEngine({
      space: this.space,
      estimator: this.estimator,
      store: this.store,
      events: this.events,
      maxTrials: this.options.maxTrials,
      timeLimit: this.options.timeLimit,
      seed: this.options.seed,
      concurrency: this.options.concurrency ?? this.estimator.concurrency,
      spentSeconds: spent,
      signal,
      middleware: [...(this.options.deduplicate === false ? [] : [deduplicate(this.store)]), ...(this.middleware ?? [])],
    });
    const saved = this.store.loadStrategyState();
    if (saved !== undefined) this.strategy.restore(saved);
    // Seconds spent are saved often, so a process killed at any moment loses at most ~1 s of budget accounting.
    const saveSpent = () => this.store.saveMeta?.(SPENT_SECONDS, engine.elapsed());
    const heartbeat = this.store.saveMeta ? setInterval(saveSpent, 1000) : undefined;
    (heartbeat as { unref?: () => void } | undefined)?.unref?.();
    const offEnd = this.events.on('trial:end', saveSpent);
    try {
      await this.rerunInterrupted(engine);
      await this.strategy.run(engine, this.space);
      const stoppedBy = engine.stoppedBy ?? 'exhausted';
      const { trial: best, artifact } = engine.takeBest();
      const result: ExperimentResult = { best, bestArtifact: artifact, trials: this.store.trials(), stoppedBy, seconds: engine.elapsed() };
      this.events.emit('experiment:end', { best, trials: result.trials, stoppedBy, seconds: result.seconds });
      return result;
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      offEnd();
      saveSpent();
      engine.close();
    }
  }

  /** Reruns (once) the trials an earlier process left running when it died; tells an ask/tell strategy their results. */
  private async rerunInterrupted(engine: LocalExecutionEngine): Promise<void> {
    const queue = this.store.trials().filter((t) => t.status === 'running');
    const tell = (this.strategy as Partial<Pick<AskTellStrategy, 'tell'>>).tell?.bind(this.strategy);
    const settle = (t: TrialRecord, status: TrialRecord['status'], error: string) => {
      const endedAt = Date.now();
      const done: TrialRecord = { ...t, status, error, endedAt, seconds: (endedAt - t.startedAt) / 1000 };
      this.store.put(done);
      tell?.(done);
    };
    const worker = async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        const stop = engine.stoppedBy;
        if ((t.attempt ?? 1) >= 2) {
          settle(t, 'failed', `interrupted twice: the process died while this trial ran, and again while it was rerun`);
        } else if (stop === 'timeLimit' || stop === 'aborted') {
          settle(t, 'stopped', `interrupted when the process died; not rerun because the search was stopped by ${stop}`);
        } else {
          tell?.(await engine.rerun(t));
        }
        engine.checkpoint(this.strategy.state());
      }
    };
    await Promise.all(Array.from({ length: Math.min(engine.concurrency, queue.length) }, worker));
  }
}

/** Store metadata key of the seconds a search has spent (see {@link TrialStore.saveMeta}). */
export const SPENT_SECONDS = 'spentSeconds';
