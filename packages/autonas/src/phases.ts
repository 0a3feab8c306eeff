import {
  AutonasError,
  ConfigurationError,
  EventBus,
  InMemoryTrialStore,
  LocalExecutionEngine,
  architectureHash,
  type Architecture,
  type Disposable,
  type Estimate,
  type EstimateContext,
  type EpochMetrics,
  type PerformanceEstimator,
  type SearchSpace,
  type TrialRecord,
  type TrialStore,
  withTrainingOf,
} from '@autonas/core';
import type { AugmentOptions, Dataset } from '@autonas/data';
import { compileArchitecture, optimizerOptions, trainModel, type ModelArtifact, type OptimizerName } from '@autonas/tfjs';

/** The phases of a job; each network trained in one is a trial of the engine, recorded in the phase's store. */
export type Phase = 'baseline' | 'search' | 'check' | 'retrain';

/** A space of exactly one architecture: the baseline's, which belongs to no search space. */
export function singleArchitectureSpace(arch: Architecture): SearchSpace {
  const hash = architectureHash(arch);
  return {
    name: arch.space ?? 'baseline',
    decisions: () => [],
    build: () => arch,
    sample: () => arch,
    mutate: () => {
      throw new ConfigurationError('NOTHING_TO_MUTATE', 'the baseline space holds one architecture');
    },
    validate: (a) => (architectureHash(a) === hash ? { valid: true } : { valid: false, reasons: ['not the baseline architecture'] }),
    defaultArchitecture: () => arch,
  } as SearchSpace;
}

/** What {@link runPhaseTrial} gives back. */
export interface PhaseOutcome {
  readonly trial: TrialRecord;
  /** The trained model, when this run trained it (not when a completed trial was found in the store). */
  readonly artifact?: Disposable;
  /** True when the store already held the trial completed (a resumed job). */
  readonly reused: boolean;
}

/**
 * Runs one network of a phase as a trial of the engine, in the phase's own store: a trial the
 * store already holds completed is reused, one an earlier process left running is rerun (it
 * continues the phase), else a new trial is submitted. The trial's artifact is handed to the
 * caller instead of being kept or disposed by the engine.
 */
export async function runPhaseTrial(o: {
  readonly store: TrialStore;
  readonly space: SearchSpace;
  readonly estimator: PerformanceEstimator;
  readonly architecture: Architecture;
  readonly seed: number;
  readonly events: EventBus;
  /** Reuse a completed trial found in the store (false when its model is gone). Default true. */
  readonly reuse?: boolean;
  readonly signal?: AbortSignal;
}): Promise<PhaseOutcome> {
  // Only a trial of this very architecture continues the phase (a resumed search may have found a better one since).
  const hash = architectureHash(o.architecture);
  const earlier = o.store.trials();
  const done = [...earlier].reverse().find((t) => t.status === 'completed' && t.hash === hash);
  if (done && o.reuse !== false) return { trial: done, reused: true };
  let artifact: Disposable | undefined;
  const capture: PerformanceEstimator = {
    name: o.estimator.name,
    async estimate(arch, ctx) {
      const e = await o.estimator.estimate(arch, ctx);
      artifact?.dispose();
      artifact = e.artifact;
      return { ...e, artifact: undefined };
    },
  };
  const engine = new LocalExecutionEngine({ space: o.space, estimator: capture, store: o.store, events: o.events, maxTrials: earlier.length + 1, seed: o.seed, signal: o.signal });
  try {
    const running = earlier.find((t) => t.status === 'running' && t.hash === hash);
    // An interrupted trial of another architecture is closed, so the phase holds no running trial.
    for (const t of earlier) if (t.status === 'running' && t !== running) o.store.put({ ...t, status: 'stopped', error: 'superseded: the search found another best architecture', endedAt: Date.now() });
    const trial = running ? await engine.rerun(running) : await engine.submit(o.architecture);
    if (trial.status !== 'completed') {
      artifact?.dispose();
      artifact = undefined;
    }
    return { trial, artifact, reused: false };
  } finally {
    engine.close();
  }
}

/** An in-memory store per phase, for a job without an experiment directory. */
export function memoryPhaseStores(): (phase: Phase) => TrialStore {
  const stores = new Map<Phase, TrialStore>();
  return (phase) => {
    let s = stores.get(phase);
    if (!s) stores.set(phase, (s = new InMemoryTrialStore()));
    return s;
  };
}

/** Options of {@link RetrainEstimator}. */
export interface RetrainOptions {
  readonly epochs: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** A learning rate that wins over the one the architecture carries (fit's `retrainLearningRate`). */
  readonly learningRateOverride?: number;
  readonly optimizer?: OptimizerName;
  readonly weightDecay?: number;
  readonly momentum?: number;
  readonly nesterov?: boolean;
  /** Seconds the retraining may take: the cosine schedule ends with them and training stops there. */
  readonly timeLimit?: number;
  /** `epochs` is only a cap: the retraining runs as many epochs as fit in `timeLimit` (a budget's retraining). */
  readonly fillTime?: boolean;
  readonly loss?: 'mse' | 'mae';
  /** Training-batch augmentation, as the search's trials had it. */
  readonly augment?: AugmentOptions;
  readonly log: (line: string) => void;
}

/**
 * The final retraining as an estimator: the architecture trained from scratch on train +
 * validation data with cosine decay, at most `epochs` and at most `timeLimit` seconds, under the
 * training hyperparameters the architecture carries (the winning trial's) over these options,
 * the schedule ending with whichever comes first (measured as it goes); the artifact is the model. Its score is the last epoch's training accuracy (classification) or negated loss.
 */
export class RetrainEstimator implements PerformanceEstimator {
  readonly name = 'retrain';
  constructor(readonly data: Dataset, readonly options: RetrainOptions) {}

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const searched = withTrainingOf(this.options, arch);
    const o = this.options.learningRateOverride === undefined ? searched : { ...searched, learningRate: this.options.learningRateOverride };
    const epochs = o.epochs;
    const fill = o.fillTime === true && o.timeLimit !== undefined;
    const span = o.timeLimit === undefined ? '' : ` within ${Math.round(o.timeLimit)} s (the learning rate's cosine ends with the time, at whatever speed the machine runs)`;
    o.log(`retraining the best architecture from scratch on ${this.data.size} samples ${fill ? 'for as many epochs as fit' : `for ${o.timeLimit === undefined ? '' : 'up to '}${epochs} epoch(s)`}${span}${arch.training ? `; the trial's searched training: ${Object.entries(arch.training).map(([k, v]) => `${k} ${v}`).join(', ')}${this.options.learningRateOverride === undefined ? '' : ` (learning rate ${this.options.learningRateOverride} as given)`}` : ''}`);
    const began = performance.now();
    let seen = 0;
    const model = compileArchitecture(arch, { seed: ctx.seed });
    try {
      const r = await trainModel(model, this.data, {
        epochs,
        batchSize: o.batchSize,
        learningRate: o.learningRate,
        ...optimizerOptions(o),
        loss: o.loss,
        augment: o.augment,
        schedule: 'cosine',
        ...(o.timeLimit === undefined ? {} : { timeBudget: o.timeLimit }),
        seed: ctx.seed,
        signal: ctx.signal,
        onEpoch: (m: EpochMetrics) => {
          ctx.report(m);
          const quality = m.accuracy !== undefined ? `accuracy ${(m.accuracy * 100).toFixed(2)}%` : `mae ${m.mae?.toFixed(4)}`;
          const elapsed = (performance.now() - began) / 1000;
          seen += m.partial ? 0 : this.data.size;
          const speed = seen > 0 ? `, ${Math.round(seen / elapsed)} samples/s` : '';
          const clock = o.timeLimit === undefined ? '' : `, ${Math.round(elapsed)} of ${Math.round(o.timeLimit)} s`;
          o.log(`  retrain epoch ${m.epoch + 1}${fill ? '' : `/${epochs}`}: loss ${m.loss!.toFixed(4)}, ${quality}${speed}${clock}${m.partial ? ' (cut at the time limit)' : ''}`);
        },
      });
      if (r.epochs === 0) throw new AutonasError('STOPPED_BEFORE_EPOCH', 'the retraining was stopped before its first epoch ended');
      const last = r.history[r.history.length - 1]!;
      const artifact: ModelArtifact = { model, dispose: () => model.dispose() };
      return {
        score: last.accuracy ?? -last.loss!,
        metrics: {
          trainLoss: last.loss!,
          ...(last.accuracy !== undefined ? { trainAccuracy: last.accuracy } : { trainMae: last.mae! }),
          epochs: r.epochs,
          plannedEpochs: epochs,
          samples: this.data.size,
          samplesPerSecond: r.samplesPerSecond,
          stoppedAtTimeLimit: r.timedOut ? 1 : 0,
        },
        cost: { seconds: r.seconds, epochs: r.epochs, samples: r.epochs * this.data.size },
        // Ended by its own time budget it is a whole (planned) retraining; cut from outside it is partial.
        partial: r.aborted,
        artifact,
      };
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
}
