import { architectureHash, type Architecture } from './architecture.js';
import { AutonasError, ConfigurationError, StateError } from './errors.js';
import type { EventBus, StopReason } from './events.js';
import type { MetricConstraint, MetricObjective } from './pareto.js';
import type { Disposable, PerformanceEstimator } from './performance-estimator.js';
import type { SearchSpace } from './search-space.js';
import { betterTrial, isUsableScore, type EpochMetrics, type TrialRecord } from './trial.js';
import type { TrialStore } from './trial-store.js';

/** Injection token for {@link ExecutionEngine}. */
export const ExecutionEngine = Symbol.for('autonas.ExecutionEngine');

/**
 * Runs trials. Strategies only submit architectures and wait for their records; they never
 * train anything themselves.
 *
 * @example
 * ```ts
 * import type { ExecutionEngine, SearchSpace } from '@autonas/core';
 * import { Random } from '@autonas/core';
 * async function tryTwo(engine: ExecutionEngine, space: SearchSpace) {
 *   const rng = new Random(0);
 *   while (engine.canSubmit()) {
 *     const trial = await engine.submit(space.sample(rng));
 *     console.log(trial.id, trial.status, trial.score);
 *   }
 * }
 * ```
 */
export interface ExecutionEngine {
  /** How many trials may run at once. */
  readonly concurrency: number;
  /** False once the trial or time budget is spent or the search was aborted. */
  canSubmit(): boolean;
  /**
   * Runs one trial and resolves with its final record (completed, failed or stopped). With
   * `options.parent`, the id of a completed trial it grows from, the estimator gets that trial's
   * record as `ctx.parent`.
   * @throws AutonasError `BAD_PARENT` when `options.parent` names no completed trial
   */
  submit(arch: Architecture, options?: Pick<SubmitOptions, 'parent'>): Promise<TrialRecord>;
  /** All trials so far, in id order. */
  history(): readonly TrialRecord[];
  /** Saves the strategy's state beside the trials, so a search can resume. */
  checkpoint(strategyState: unknown): void;
  /**
   * The objectives of a multi-objective search (two or more), for strategies to select by
   * Pareto rank (see {@link paretoRanks}); absent or of one entry for a single-objective search,
   * where trials compare by `score`.
   */
  readonly objectives?: readonly MetricObjective[];
  /** Bounds on metrics (e.g. `{ metric: 'params', max: 1e5 }`) a multi-objective strategy treats by constraint-domination. */
  readonly constraints?: readonly MetricConstraint[];
}

/** Injection token for {@link EngineMiddleware} (multi-bound). */
export const EngineMiddleware = Symbol.for('autonas.EngineMiddleware');

/**
 * Per-trial controls a middleware may pass down the chain with `next(arch, options)`, e.g. to
 * stop a trial early. Options an outer middleware passed reach the engine even when an inner
 * middleware calls `next(arch)` without them (signals are combined, epoch callbacks all run).
 */
export interface SubmitOptions {
  /**
   * Aborts this trial only: its estimator sees the abort on `ctx.signal` and stops at its next
   * batch; the trial ends `stopped`, with the partial score the estimator returns.
   */
  readonly signal?: AbortSignal;
  /** Called with the running trial after each epoch its estimator reports (after the `trial:epoch` event). */
  readonly onEpoch?: (trial: TrialRecord, metrics: EpochMetrics) => void;
  /**
   * The id of a completed trial this architecture grows from (network morphism): the engine
   * records it on the trial (`TrialRecord.parent`) and gives the estimator that trial's record as
   * `ctx.parent`, so neither the architecture nor the strategy has to carry the parent along.
   */
  readonly parent?: number;
}

/** The next step of a middleware chain: runs (or serves) a trial. */
export type SubmitNext = (arch: Architecture, options?: SubmitOptions) => Promise<TrialRecord>;

/** Both sets of submit options: signals combined, both epoch callbacks (outer first). */
function mergeSubmitOptions(outer: SubmitOptions | undefined, inner: SubmitOptions | undefined): SubmitOptions | undefined {
  if (!outer) return inner;
  if (!inner) return outer;
  const signals = [outer.signal, inner.signal].filter((s): s is AbortSignal => s !== undefined);
  const callbacks = [outer.onEpoch, inner.onEpoch].filter((f) => f !== undefined);
  const parent = inner.parent ?? outer.parent;
  return {
    signal: signals.length > 1 ? anySignal(signals).signal : signals[0],
    onEpoch: callbacks.length ? (t, m) => callbacks.forEach((f) => f(t, m)) : undefined,
    ...(parent !== undefined ? { parent } : {}),
  };
}

/** A signal aborted when any of `signals` is (with its reason); `dispose` removes the listeners. */
function anySignal(signals: readonly AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const offs: Array<() => void> = [];
  for (const s of signals) {
    if (s.aborted) {
      ctl.abort(s.reason);
      break;
    }
    const on = () => ctl.abort(s.reason);
    s.addEventListener('abort', on, { once: true });
    offs.push(() => s.removeEventListener('abort', on));
  }
  return { signal: ctl.signal, dispose: () => offs.forEach((off) => off()) };
}

/**
 * Cross-cutting behaviour around trial execution (deduplication, retries, early stopping),
 * kept out of strategies. A middleware may pass {@link SubmitOptions} to `next` to watch a
 * trial's learning curve and stop it.
 *
 * @example
 * ```ts
 * import type { EngineMiddleware } from '@autonas/core';
 * const logging: EngineMiddleware = {
 *   name: 'log',
 *   async submit(arch, next) {
 *     const t = await next(arch);
 *     console.log(`trial ${t.id}: ${t.status}`);
 *     return t;
 *   },
 * };
 * ```
 */
export interface EngineMiddleware {
  readonly name: string;
  submit(arch: Architecture, next: SubmitNext, engine: ExecutionEngine): Promise<TrialRecord>;
}

/**
 * Serves a trial whose architecture was already evaluated from the store instead of training
 * it again; one submitted while the same architecture is still running (parallel trials) waits
 * for that trial and is served its result. A served trial costs no budget and is marked `cached`.
 */
export function deduplicate(store: TrialStore): EngineMiddleware {
  const running = new Map<string, Promise<TrialRecord>>();
  return {
    name: 'deduplicate',
    async submit(arch, next) {
      const hash = architectureHash(arch);
      const prior = store.findByHash(hash);
      if (prior) return { ...prior, cached: true };
      const same = running.get(hash);
      if (same) return { ...(await same), cached: true };
      const trial = next(arch);
      running.set(hash, trial);
      try {
        return await trial;
      } finally {
        running.delete(hash);
      }
    },
  };
}

/** Budget of an engine. */
export interface EngineBudget {
  /** Most trials to run (cached ones do not count). */
  readonly maxTrials?: number;
  /** Seconds from the engine's creation after which no trial starts and running ones are aborted. */
  readonly timeLimit?: number;
}

/** Options of {@link LocalExecutionEngine}. */
export interface LocalEngineOptions extends EngineBudget {
  readonly space: SearchSpace;
  readonly estimator: PerformanceEstimator;
  readonly store: TrialStore;
  readonly events: EventBus;
  /** Base seed; trial i gets seed + i. */
  readonly seed?: number;
  readonly middleware?: readonly EngineMiddleware[];
  /** Trials at once in this process (default 1). */
  readonly concurrency?: number;
  /** Aborts the search from outside. */
  readonly signal?: AbortSignal;
  /** Give up after this many consecutive cached (duplicate) results (default 200). */
  readonly maxConsecutiveDuplicates?: number;
  /** The objectives strategies see ({@link ExecutionEngine.objectives}). */
  readonly objectives?: readonly MetricObjective[];
  /** The constraints strategies see ({@link ExecutionEngine.constraints}). */
  readonly constraints?: readonly MetricConstraint[];
  /**
   * Seconds an earlier run of the same search already spent (a resumed search): they count
   * against `timeLimit` and are included in {@link LocalExecutionEngine.elapsed}. Default 0.
   */
  readonly spentSeconds?: number;
  /**
   * Seconds an estimator may keep running after its trial's signal aborted (a time limit, an
   * early stop, the search stopped) before the engine stops waiting for it: the trial is then
   * recorded `stopped` with `ESTIMATOR_IGNORED_ABORT`, and a result arriving later is discarded
   * (its artifact disposed). Default 10. An estimator that blocks the event loop itself cannot be
   * interrupted in-process: run such work in worker processes, whose pool kills them.
   */
  readonly abortGraceSeconds?: number;
}

/** Metric set on a trial given up after being interrupted on its last attempt; such a trial takes no trial budget. */
export const INTERRUPTED_METRIC = 'interrupted';

/**
 * Checks the trials a store holds before a search trusts them: each architecture's hash must
 * match the recorded one, and each architecture a trial scored must be valid in `space` (a
 * store edited by hand, or by another version, must not make the final retraining build a
 * network the space forbids).
 *
 * @param space - the search's space
 * @param trials - the stored trials
 * @throws StateError `STORE_TAMPERED` naming the first bad trial and why
 * @example
 * ```ts
 * import { checkStoredTrials, type SearchSpace, type TrialStore } from '@autonas/core';
 * function trust(space: SearchSpace, store: TrialStore) {
 *   checkStoredTrials(space, store.trials());
 * }
 * ```
 */
export function checkStoredTrials(space: SearchSpace, trials: readonly TrialRecord[]): void {
  for (const t of trials) {
    if (t.cached) continue;
    let hash: string;
    try {
      hash = architectureHash(t.architecture);
    } catch (e) {
      throw new StateError('STORE_TAMPERED', `trial ${t.id} in the store has an architecture that cannot be read: ${(e as Error).message}`, { cause: e });
    }
    if (hash !== t.hash) throw new StateError('STORE_TAMPERED', `trial ${t.id} in the store has an architecture whose hash ${hash.slice(0, 12)}… is not its recorded ${String(t.hash).slice(0, 12)}…`);
    if (t.status === 'failed' && t.score === undefined) continue;
    const verdict = space.validate(t.architecture);
    if (!verdict.valid) throw new StateError('STORE_TAMPERED', `trial ${t.id} in the store has an architecture that is not valid in space '${space.name}': ${verdict.reasons.join('; ')}`);
  }
}

/**
 * Runs trials in this process by calling the estimator; enforces the budget, records every
 * trial in the store, emits events, and keeps the best trial's artifact (disposing the rest).
 */
export class LocalExecutionEngine implements ExecutionEngine {
  readonly concurrency: number;
  readonly objectives?: readonly MetricObjective[];
  readonly constraints?: readonly MetricConstraint[];
  private readonly startedAt = Date.now();
  private readonly spentBefore: number;
  private readonly deadline: number;
  private readonly abort = new AbortController();
  private readonly chain: SubmitNext;
  private nextId: number;
  private duplicatesInARow = 0;
  private best: TrialRecord | undefined;
  private bestArtifactHolder: Disposable | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopReason: StopReason | undefined;
  /** Trials given up after interruptions ({@link INTERRUPTED_METRIC}): they take no trial budget. */
  private uncounted = 0;

  constructor(private readonly options: LocalEngineOptions) {
    if (options.maxTrials !== undefined && !(Number.isInteger(options.maxTrials) && options.maxTrials >= 1)) {
      throw new ConfigurationError('BAD_MAX_TRIALS', `maxTrials must be a positive integer, got ${options.maxTrials}`);
    }
    if (options.timeLimit !== undefined && !(options.timeLimit > 0)) {
      throw new ConfigurationError('BAD_TIME_LIMIT', `timeLimit must be a positive number of seconds, got ${options.timeLimit}`);
    }
    if (options.maxTrials === undefined && options.timeLimit === undefined) {
      throw new ConfigurationError('NO_BUDGET', 'a search needs maxTrials or timeLimit (or both)');
    }
    if (options.abortGraceSeconds !== undefined && !(options.abortGraceSeconds >= 0)) {
      throw new ConfigurationError('BAD_ABORT_GRACE', `abortGraceSeconds must be a number of seconds >= 0, got ${options.abortGraceSeconds}`);
    }
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency >= 1)) {
      throw new ConfigurationError('BAD_CONCURRENCY', `concurrency must be a positive integer, got ${options.concurrency}`);
    }
    this.concurrency = options.concurrency ?? 1;
    if (options.objectives) this.objectives = options.objectives;
    if (options.constraints) this.constraints = options.constraints;
    this.spentBefore = Math.max(0, options.spentSeconds ?? 0);
    this.deadline = options.timeLimit === undefined ? Infinity : this.startedAt + (options.timeLimit - this.spentBefore) * 1000;
    if (Number.isFinite(this.deadline)) {
      this.timer = setTimeout(() => this.stop('timeLimit'), Math.max(0, this.deadline - Date.now()));
      (this.timer as { unref?: () => void }).unref?.();
    }
    options.signal?.addEventListener('abort', () => this.stop('aborted'), { once: true });
    if (options.signal?.aborted) this.stop('aborted');
    const earlier = options.store.trials();
    this.nextId = earlier.reduce((m, t) => Math.max(m, t.id + 1), 0);
    this.uncounted = earlier.filter((t) => t.metrics?.[INTERRUPTED_METRIC] !== undefined).length;
    // A resumed search starts from the best trial of its earlier runs (whose model is gone).
    for (const t of earlier) if (t.status !== 'running' && t.score !== undefined) this.best = betterTrial(this.best, t);
    let chain: SubmitNext = (arch, opts) => this.execute(arch, undefined, opts);
    for (const mw of [...(options.middleware ?? [])].reverse()) {
      const next = chain;
      chain = (arch, outer) => mw.submit(arch, (a, inner) => next(a, mergeSubmitOptions(outer, inner)), this);
    }
    this.chain = chain;
  }

  /** Why the engine stopped accepting trials, once it has. */
  get stoppedBy(): StopReason | undefined {
    if (this.stopReason) return this.stopReason;
    if (Date.now() >= this.deadline) {
      // The timer may not have fired yet if training kept the event loop busy.
      this.stop('timeLimit');
      return this.stopReason;
    }
    if (this.options.maxTrials !== undefined && this.nextId - this.uncounted >= this.options.maxTrials) return 'maxTrials';
    if (this.duplicatesInARow >= (this.options.maxConsecutiveDuplicates ?? 200)) return 'exhausted';
    return undefined;
  }

  /** Seconds since the engine was created, plus those spent by earlier runs (`spentSeconds`). */
  elapsed(): number {
    return this.spentBefore + (Date.now() - this.startedAt) / 1000;
  }

  canSubmit(): boolean {
    return this.stoppedBy === undefined;
  }

  async submit(arch: Architecture, options?: Pick<SubmitOptions, 'parent'>): Promise<TrialRecord> {
    if (!this.canSubmit()) {
      throw new AutonasError('BUDGET_EXHAUSTED', `no budget left (stopped by ${this.stoppedBy}); check canSubmit() before submit()`);
    }
    const parent = options?.parent;
    if (parent !== undefined) this.parentRecord(parent);
    const record = await this.chain(arch, parent !== undefined ? { parent } : undefined);
    this.duplicatesInARow = record.cached ? this.duplicatesInARow + 1 : 0;
    return record;
  }

  /**
   * Runs again, under its own id, a trial that an earlier process left `running` when it died
   * (a resumed search calls this once per interrupted trial). It takes no new budget: its id was
   * counted when it first started. Resolves with its final record, `attempt` one higher.
   */
  async rerun(interrupted: TrialRecord): Promise<TrialRecord> {
    if (interrupted.status !== 'running') {
      throw new AutonasError('NOT_INTERRUPTED', `trial ${interrupted.id} is ${interrupted.status}, not an interrupted (running) trial`);
    }
    return this.execute(interrupted.architecture, { id: interrupted.id, attempt: (interrupted.attempt ?? 1) + 1 }, interrupted.parent !== undefined ? { parent: interrupted.parent } : undefined);
  }

  /** The completed trial `id`, the parent a trial was submitted with. */
  private parentRecord(id: number): TrialRecord {
    const found = Number.isInteger(id) ? this.options.store.trials().find((t) => t.id === id) : undefined;
    if (!found || found.status !== 'completed' || found.cached) {
      throw new AutonasError('BAD_PARENT', `a trial's parent must be a completed trial of this search; trial ${id} is ${found ? (found.cached ? 'a cached copy' : found.status) : 'not in the store'}`);
    }
    return found;
  }

  /**
   * Records an interrupted (running) trial as given up without running it again: `failed` with
   * `reason`, marked with {@link INTERRUPTED_METRIC}, and taking no trial budget (a trial the
   * process died under too often is not the search's spending).
   */
  abandon(interrupted: TrialRecord, reason: string): TrialRecord {
    if (interrupted.status !== 'running') {
      throw new AutonasError('NOT_INTERRUPTED', `trial ${interrupted.id} is ${interrupted.status}, not an interrupted (running) trial`);
    }
    const endedAt = Date.now();
    const done: TrialRecord = { ...interrupted, status: 'failed', error: reason, endedAt, seconds: (endedAt - interrupted.startedAt) / 1000, metrics: { ...interrupted.metrics, [INTERRUPTED_METRIC]: interrupted.attempt ?? 1 } };
    this.options.store.put(done);
    this.uncounted++;
    return done;
  }

  history(): readonly TrialRecord[] {
    return this.options.store.trials();
  }

  checkpoint(strategyState: unknown): void {
    this.options.store.saveStrategyState(strategyState);
  }

  /** The best trial so far and its artifact (a trained model, for example); the caller then owns the artifact. */
  takeBest(): { trial: TrialRecord | undefined; artifact: Disposable | undefined } {
    const out = { trial: this.best ?? this.options.store.best(), artifact: this.bestArtifactHolder };
    this.bestArtifactHolder = undefined;
    return out;
  }

  /** Stops accepting trials and aborts running ones. */
  stop(reason: StopReason = 'aborted'): void {
    this.stopReason ??= reason;
    this.abort.abort(new AutonasError('SEARCH_STOPPED', `search stopped: ${reason}`));
  }

  /** Releases the timer; call when the search is over. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.bestArtifactHolder?.dispose();
    this.bestArtifactHolder = undefined;
  }

  private async execute(arch: Architecture, again?: { id: number; attempt: number }, submitOptions?: SubmitOptions): Promise<TrialRecord> {
    const combined = submitOptions?.signal ? anySignal([this.abort.signal, submitOptions.signal]) : undefined;
    try {
      return await this.executeWith(arch, again, combined?.signal ?? this.abort.signal, submitOptions?.onEpoch, submitOptions?.parent);
    } finally {
      combined?.dispose();
    }
  }

  private async executeWith(
    arch: Architecture,
    again: { id: number; attempt: number } | undefined,
    signal: AbortSignal,
    onEpoch: SubmitOptions['onEpoch'],
    parentId: number | undefined,
  ): Promise<TrialRecord> {
    const { store, events, estimator, space } = this.options;
    const trial: TrialRecord = { id: again?.id ?? this.nextId++, architecture: arch, hash: '', status: 'running', metrics: {}, epochs: [], startedAt: Date.now() };
    if (again) trial.attempt = again.attempt;
    if (parentId !== undefined) trial.parent = parentId;
    try {
      (trial as { hash: string }).hash = architectureHash(arch);
    } catch (e) {
      return this.finish(trial, undefined, signal, e);
    }
    store.put(trial);
    events.emit('trial:start', { trial });
    try {
      const verdict = space.validate(arch);
      if (!verdict.valid) throw new AutonasError('INVALID_ARCHITECTURE', `architecture is not valid in space '${space.name}': ${verdict.reasons.join('; ')}`);
      let settled = false;
      const parent = parentId !== undefined ? this.parentRecord(parentId) : undefined;
      const running = estimator.estimate(arch, {
        trialId: trial.id,
        seed: ((this.options.seed ?? 0) + trial.id) >>> 0,
        signal,
        ...(parent ? { parent } : {}),
        report: (metrics) => {
          if (settled) return; // an estimator that ignored its abort reports after its trial ended
          trial.epochs.push({ ...metrics });
          events.emit('trial:epoch', { trial, metrics });
          onEpoch?.(trial, metrics);
        },
      });
      const estimate = await this.withinGrace(running, signal).finally(() => (settled = true));
      if (!isUsableScore(estimate.score)) {
        estimate.artifact?.dispose();
        return this.finish(trial, undefined, signal, new AutonasError('NON_FINITE_SCORE', `the estimator returned the score ${estimate.score}, which is not a finite number (a diverged training gives NaN); the trial counts as failed`), 'failed');
      }
      trial.score = estimate.score;
      trial.metrics = { ...estimate.metrics };
      // A whole result that arrived after the stop (e.g. the stop came during validation) is a completed trial.
      trial.status = estimate.partial ? 'stopped' : 'completed';
      return this.finish(trial, estimate.artifact, signal);
    } catch (e) {
      return this.finish(trial, undefined, signal, e);
    }
  }

  /**
   * Resolves as `running` does, unless `signal` aborts and `running` has not settled within the
   * grace period: then rejects with `ESTIMATOR_IGNORED_ABORT` (a late result is disposed).
   */
  private withinGrace<T extends { artifact?: Disposable }>(running: Promise<T>, signal: AbortSignal): Promise<T> {
    const graceMs = (this.options.abortGraceSeconds ?? 10) * 1000;
    return new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let done = false;
      const onAbort = () => {
        timer = setTimeout(() => {
          if (done) return;
          done = true;
          running.then((late) => late.artifact?.dispose(), () => {});
          reject(new AutonasError('ESTIMATOR_IGNORED_ABORT', `the estimator '${this.options.estimator.name}' went on for ${graceMs / 1000} s after its trial was stopped; the engine stopped waiting for it`));
        }, graceMs);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      running.then(
        (v) => {
          if (done) return;
          done = true;
          resolve(v);
        },
        (e) => {
          if (done) return;
          done = true;
          reject(e);
        },
      ).finally(() => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      });
    });
  }

  private finish(trial: TrialRecord, artifact: Disposable | undefined, signal: AbortSignal, error?: unknown, status?: 'failed'): TrialRecord {
    if (error !== undefined) {
      trial.status = status ?? (signal.aborted ? 'stopped' : 'failed');
      trial.error = error instanceof Error ? error.message : String(error);
    }
    trial.endedAt = Date.now();
    trial.seconds = (trial.endedAt - trial.startedAt) / 1000;
    if (isUsableScore(trial.score) && betterTrial(this.best, trial) === trial) {
      this.best = trial;
      this.bestArtifactHolder?.dispose();
      this.bestArtifactHolder = artifact;
    } else {
      artifact?.dispose();
    }
    this.options.store.put(trial);
    this.options.events.emit('trial:end', { trial });
    return trial;
  }
}
