import 'reflect-metadata';
import { inject, injectable, multiInject, optional } from 'inversify';
import { EventBus, type StopReason } from './events.js';
import { EngineMiddleware, LocalExecutionEngine, checkStoredTrials, deduplicate } from './execution-engine.js';
import { PerformanceEstimator, type Disposable } from './performance-estimator.js';
import { SearchSpace } from './search-space.js';
import { SearchStrategy } from './search-strategy.js';
import { ConfigurationError, StateError } from './errors.js';
import type { TrialRecord } from './trial.js';
import { checkParetoOptions, paramCountEstimator, paretoFront, type MetricConstraint, type MetricObjective } from './pareto.js';
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
  /** Seconds an in-process estimator may ignore its trial's abort before the engine stops waiting (default 10; see `LocalEngineOptions.abortGraceSeconds`). */
  readonly abortGraceSeconds?: number;
  /**
   * Runs a trial may get when the process dies under it (default 3): a resumed search reruns an
   * interrupted trial until then, and gives up one interrupted on its last attempt (recorded
   * `failed`, taking no trial budget), so a trial that kills the process cannot loop for ever.
   */
  readonly maxAttempts?: number;
  /**
   * Objectives of a multi-objective search, e.g. `[{ metric: 'valAccuracy', direction: 'maximize' },
   * { metric: 'params', direction: 'minimize' }]`. With two or more the result carries its
   * `paretoFront` and strategies see them on the engine; the estimator's `score` still picks `best`.
   * A `params` objective or constraint is filled from the architecture ({@link inferShapes}) when
   * the estimator does not report it.
   */
  readonly objectives?: readonly MetricObjective[];
  /** Bounds on metrics, e.g. `[{ metric: 'params', max: 100_000 }]`, applied by constraint-domination. */
  readonly constraints?: readonly MetricConstraint[];
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
  /**
   * With two or more objectives: the completed trials no other constraint-dominates (feasible
   * ones only, when any is feasible), in id order ({@link paretoFront}). Absent otherwise.
   */
  readonly paretoFront?: readonly TrialRecord[];
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
   * are not run again, a trial left running is rerun (up to `maxAttempts` runs in all; one
   * interrupted on its last attempt is recorded as failed and takes no budget), and trials and
   * seconds already spent count against the budget. The stored trials are checked first
   * ({@link checkStoredTrials}): a tampered store is refused with `STORE_TAMPERED`, untouched.
   */
  async run(signal?: AbortSignal): Promise<ExperimentResult> {
    const maxAttempts = this.options.maxAttempts ?? 3;
    if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new ConfigurationError('BAD_MAX_ATTEMPTS', `maxAttempts must be a positive integer, got ${maxAttempts}`);
    const objectives = this.options.objectives ?? [];
    const constraints = this.options.constraints ?? [];
    if (objectives.length > 0 || constraints.length > 0) checkParetoOptions(objectives.length > 0 ? objectives : [{ metric: 'score', direction: 'maximize' }], constraints);
    const multi = objectives.length > 1;
    const needsParams = [...objectives, ...constraints].some((o) => o.metric === 'params');
    const estimator = needsParams ? paramCountEstimator(this.estimator) : this.estimator;
    checkStoredTrials(this.space, this.store.trials());
    const spent = this.store.loadMeta?.(SPENT_SECONDS);
    if (spent !== undefined && !(typeof spent === 'number' && spent >= 0)) {
      throw new StateError('BAD_STORE_META', `the store's "${SPENT_SECONDS}" is not a number of seconds: ${JSON.stringify(spent)}`);
    }
    const engine = new LocalExecutionEngine({
      space: this.space,
      estimator,
      store: this.store,
      events: this.events,
      maxTrials: this.options.maxTrials,
      timeLimit: this.options.timeLimit,
      seed: this.options.seed,
      concurrency: this.options.concurrency ?? this.estimator.concurrency,
      spentSeconds: spent,
      abortGraceSeconds: this.options.abortGraceSeconds,
      signal,
      ...(multi || constraints.length > 0 ? { objectives, constraints } : {}),
      middleware: [...(this.options.deduplicate === false ? [] : [deduplicate(this.store)]), ...(this.middleware ?? [])],
    });
    await this.estimator.start?.();
    const saved = this.store.loadStrategyState();
    if (saved !== undefined) this.strategy.restore(saved);
    // Seconds spent are saved often, so a process killed at any moment loses at most ~1 s of budget accounting.
    const saveSpent = () => this.store.saveMeta?.(SPENT_SECONDS, engine.elapsed());
    const heartbeat = this.store.saveMeta ? setInterval(saveSpent, 1000) : undefined;
    (heartbeat as { unref?: () => void } | undefined)?.unref?.();
    const offEnd = this.events.on('trial:end', saveSpent);
    try {
      await this.rerunInterrupted(engine, maxAttempts);
      await this.strategy.run(engine, this.space);
      const stoppedBy = engine.stoppedBy ?? 'exhausted';
      const { trial: best, artifact } = engine.takeBest();
      const trials = this.store.trials();
      const result: ExperimentResult = { best, bestArtifact: artifact, trials, stoppedBy, seconds: engine.elapsed(), ...(multi ? { paretoFront: paretoFront(trials, objectives, constraints) } : {}) };
      this.events.emit('experiment:end', { best, trials: result.trials, stoppedBy, seconds: result.seconds });
      return result;
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      offEnd();
      saveSpent();
      engine.close();
    }
  }

  /** Reruns the trials an earlier process left running when it died (up to `maxAttempts` runs each); tells an ask/tell strategy their results. */
  private async rerunInterrupted(engine: LocalExecutionEngine, maxAttempts: number): Promise<void> {
    const queue = this.store.trials().filter((t) => t.status === 'running');
    const tell = this.strategy.tell?.bind(this.strategy);
    const settle = (t: TrialRecord, error: string) => {
      const endedAt = Date.now();
      const done: TrialRecord = { ...t, status: 'stopped', error, endedAt, seconds: (endedAt - t.startedAt) / 1000 };
      this.store.put(done);
      tell?.(done);
    };
    const worker = async () => {
      for (let t = queue.shift(); t; t = queue.shift()) {
        const stop = engine.stoppedBy;
        const runs = t.attempt ?? 1;
        if (runs >= maxAttempts) {
          tell?.(engine.abandon(t, `interrupted ${runs} time(s): the process died each time this trial ran (maxAttempts ${maxAttempts}); not run again, and not counted against the trial budget`));
        } else if (stop === 'timeLimit' || stop === 'aborted') {
          settle(t, `interrupted when the process died; not rerun because the search was stopped by ${stop}`);
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
