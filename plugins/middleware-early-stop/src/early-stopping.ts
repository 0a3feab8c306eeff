import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  EngineMiddleware,
  type Architecture,
  type EpochMetrics,
  type ExecutionEngine,
  type SubmitNext,
  type TrialRecord,
  type Objective,
  resolveObjective,
} from '@autonas/core';
import {
  HyperbandRule,
  MedianStoppingRule,
  SuccessiveHalvingRule,
  type HyperbandOptions,
  type MedianStoppingOptions,
  type StoppingRule,
  type SuccessiveHalvingOptions,
} from './stopping-rules.js';

/** Options of {@link EarlyStopping}: which reported metric to judge, and how. */
export interface EarlyStoppingOptions {
  /** The per-epoch metric the rule judges. Default `valAccuracy` (what the training estimators report). */
  readonly metric?: string;
  /** `max` when higher is better (default), `min` for a loss. */
  readonly mode?: 'max' | 'min';
  /**
   * The search's objective (`'val_loss'`, `{ name, direction }`, ...): sets `metric` and `mode`
   * from it, so early stopping judges what the search optimises, in its direction.
   */
  readonly objective?: Objective;
  /** The resource an epoch's report stands for. Default: epochs done, `metrics.epoch + 1`. */
  readonly resource?: (metrics: EpochMetrics) => number;
}

/** Why and when the middleware stopped a trial. */
export interface EarlyStop {
  readonly trialId: number;
  /** The resource (epochs) the trial had when it was stopped. */
  readonly resource: number;
  readonly reason: string;
}

/**
 * Early stopping as engine middleware: watches the learning curve each trial reports
 * (`ctx.report` of its estimator) and, when its {@link StoppingRule} says so, aborts that trial
 * alone through a per-trial signal. The estimator stops at its next batch and the trial ends
 * `stopped` with its partial score; strategies need no code for it. The estimator must honour
 * `ctx.signal` (the training estimators do). Trials already in the engine's history (a resumed
 * search) are fed to the rule before the first new trial, so their curves count.
 *
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { earlyStoppingModule, hyperband } from '@autonas/middleware-early-stop';
 * // With an estimator that trains 9 epochs: brackets s = 2, 1, 0 of rungs at 1, 3 and 9 epochs.
 * const container = createContainer({ maxTrials: 30 }, earlyStoppingModule(hyperband({ maxResource: 9 })));
 * ```
 */
export class EarlyStopping implements EngineMiddleware {
  readonly name: string;
  private readonly metric: string;
  private readonly sign: number;
  private readonly resourceOf: (m: EpochMetrics) => number;
  private readonly fed = new Set<number>();
  private readonly stops = new Map<number, EarlyStop>();

  constructor(readonly rule: StoppingRule, options: EarlyStoppingOptions = {}) {
    if (options.mode !== undefined && options.mode !== 'max' && options.mode !== 'min') {
      throw new ConfigurationError('BAD_EARLY_STOPPING', `mode must be 'max' or 'min', got ${JSON.stringify(options.mode)}`);
    }
    this.name = `early-stopping:${rule.name}`;
    const objective = options.objective === undefined ? undefined : resolveObjective(options.objective);
    if (objective && ((options.metric !== undefined && options.metric !== objective.metric) || (options.mode !== undefined && options.mode !== (objective.direction === 'minimize' ? 'min' : 'max')))) {
      throw new ConfigurationError('BAD_EARLY_STOPPING', `objective ${objective.label} disagrees with metric ${options.metric} / mode ${options.mode}: give one or the other`);
    }
    this.metric = objective?.metric ?? options.metric ?? 'valAccuracy';
    this.sign = (objective ? objective.direction === 'minimize' : options.mode === 'min') ? -1 : 1;
    this.resourceOf = options.resource ?? ((m) => m.epoch + 1);
  }

  /** Trials this middleware stopped, by trial id. */
  stopped(): ReadonlyMap<number, EarlyStop> {
    return this.stops;
  }

  async submit(arch: Architecture, next: SubmitNext, engine: ExecutionEngine): Promise<TrialRecord> {
    this.ingest(engine.history());
    const ctl = new AbortController();
    return next(arch, {
      signal: ctl.signal,
      onEpoch: (trial, metrics) => {
        this.fed.add(trial.id);
        const value = this.valueOf(metrics);
        if (value === undefined || ctl.signal.aborted) return;
        const resource = this.resourceOf(metrics);
        const reason = this.rule.onEpoch(trial.id, resource, value);
        if (reason !== undefined) {
          this.stops.set(trial.id, { trialId: trial.id, resource, reason });
          ctl.abort(new AutonasError('EARLY_STOPPED', `trial ${trial.id} stopped early by ${reason}`));
        }
      },
    });
  }

  /** Feeds the curves of finished trials this middleware has not seen (verdicts are ignored). */
  private ingest(history: readonly TrialRecord[]): void {
    for (const t of history) {
      if (this.fed.has(t.id) || t.status === 'running') continue;
      this.fed.add(t.id);
      for (const m of t.epochs) {
        const v = this.valueOf(m);
        if (v !== undefined) this.rule.onEpoch(t.id, this.resourceOf(m), v);
      }
    }
  }

  private valueOf(m: EpochMetrics): number | undefined {
    const v = m[this.metric];
    return typeof v === 'number' && Number.isFinite(v) ? this.sign * v : undefined;
  }
}

/**
 * Successive-halving early stopping ({@link SuccessiveHalvingRule}) as middleware.
 * @example
 * ```ts
 * import { successiveHalving } from '@autonas/middleware-early-stop';
 * const mw = successiveHalving({ maxResource: 9, eta: 3 }); // rungs at 1 and 3 epochs
 * ```
 */
export function successiveHalving(options: SuccessiveHalvingOptions & EarlyStoppingOptions): EarlyStopping {
  return new EarlyStopping(new SuccessiveHalvingRule(options), options);
}

/**
 * Hyperband early stopping ({@link HyperbandRule}) as middleware.
 * @example
 * ```ts
 * import { hyperband } from '@autonas/middleware-early-stop';
 * const mw = hyperband({ maxResource: 27, eta: 3, metric: 'valLoss', mode: 'min' });
 * ```
 */
export function hyperband(options: HyperbandOptions & EarlyStoppingOptions): EarlyStopping {
  return new EarlyStopping(new HyperbandRule(options), options);
}

/**
 * Median-stopping early stopping ({@link MedianStoppingRule}) as middleware.
 * @example
 * ```ts
 * import { medianStopping } from '@autonas/middleware-early-stop';
 * const mw = medianStopping({ warmup: 1, minTrials: 3 });
 * ```
 */
export function medianStopping(options: MedianStoppingOptions & EarlyStoppingOptions = {}): EarlyStopping {
  return new EarlyStopping(new MedianStoppingRule(options), options);
}

/**
 * A container module binding an early-stopping middleware to the `EngineMiddleware`
 * extension point (the experiment runs it inside deduplication).
 * @example
 * ```ts
 * import { earlyStoppingModule, medianStopping } from '@autonas/middleware-early-stop';
 * const module = earlyStoppingModule(medianStopping());
 * ```
 */
export function earlyStoppingModule(middleware: EarlyStopping): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<EngineMiddleware>(EngineMiddleware).toConstantValue(middleware);
  });
}
