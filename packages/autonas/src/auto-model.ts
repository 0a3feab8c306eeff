import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DataError,
  ConfigurationError,
  ContainerModule,
  EventBus,
  Experiment,
  PerformanceEstimator,
  SearchSpace,
  SearchStrategy,
  TrialStore,
  checkParetoOptions,
  createContainer,
  defaultObjective,
  objectiveEstimator,
  objectiveValue,
  requireCapability,
  resolveObjective,
  summarize,
  inferShapes,
  type Architecture,
  type EpochMetrics,
  type ExperimentResult,
  type HeadSpec,
  type MetricObjective,
  type Objective,
  type PluginRegistry,
  type ResolvedObjective,
  type RunnerEstimator,
  type TrialRecord,
  type TrialStore as TrialStoreType,
  betterTrial,
  withHyperparameters,
  hyperparametersOf,
  HYPERPARAMETERS,
  type HyperparameterName,
  type HyperparameterSpec,
  type TrainingHyperparameters,
} from '@autonas/core';
import {
  SearchData,
  checkAugment,
  concat,
  createDataset,
  createRegressionDataset,
  kFold,
  splitIndices,
  subset,
  withFeatures,
  type Dataset,
  type FeatureInput,
  type LabelInput,
} from '@autonas/data';
import { openExperimentDirectory, type ExperimentDirectory } from '@autonas/store-sqlite';
import { checkOptimizerOptions, evaluateModel, initRuntime, loadModel, saveModel, tf, type ModelArtifact, type RuntimeInfo, type tfl } from '@autonas/tfjs';
import { checkCallbacks, historyOf, kerasLogs, type Callback, type History } from './keras.js';
import { builtinPlugins, type EstimatorPlugin, type PreparedEstimator, type RunnerPlugin, type StrategyPlugin, type TrainingOptions } from './builtins.js';
import { KFoldEstimator } from './k-fold-estimator.js';
import { memoryPhaseStores, RetrainEstimator, runPhaseTrial, singleArchitectureSpace, type Phase } from './phases.js';
import { planSearch, type SearchPlan } from './plan.js';
import type { InputEncoder, TaskInput } from './task-inputs.js';

/** Estimator options: the training rules of each candidate (low fidelity), with `oneShot` to score with a supernet instead. */
export interface EstimatorChoice extends TrainingOptions {
  /**
   * Score candidates in seconds with a one-shot supernet (`@autonas/estimator-oneshot`) trained
   * once on the search-train split: `true` for its defaults, or its options. The training rules
   * then apply to what is still trained alone: the baseline, and the best architecture, trained
   * alone once more (the `check` phase) so the result shows its one-shot score beside its
   * stand-alone score.
   */
  readonly oneShot?: object | true;
}

/** Options every task shares. Anything left undefined is searched or defaulted. */
export interface AutoModelOptions {
  /** Most candidate architectures to train. Default 10 (unless only `timeLimit` is given). */
  readonly maxTrials?: number;
  /** Seconds for the search (the final retraining is not counted). */
  readonly timeLimit?: number;
  /** Seed of everything random: splits, sampling, weights. Default 0. */
  readonly seed?: number;
  /** A strategy plugin's name (see {@link builtinPlugins}) or an instance. Default `'random'`. */
  readonly strategy?: string | SearchStrategy;
  /** Options of the strategy plugin (e.g. `{ epochs: 4 }` for `darts`' supernet). */
  readonly strategyOptions?: object;
  /** Options of the space plugin (a value given in `fixed` is not searched). */
  readonly space?: object;
  /** The space plugin's name (see {@link builtinPlugins}). Default: the task's (`chain` for images, `dense` for tables). */
  readonly spacePlugin?: string;
  /** The estimator plugin that scores every candidate, by name. Default `'lowfi'` (the training rules of `estimator`). */
  readonly estimatorPlugin?: string;
  /** What is optimised. Default: `val_accuracy` for classification, `val_loss` for regression. */
  readonly objective?: Objective;
  /**
   * Objectives of a multi-objective search, e.g. `[{ metric: 'valAccuracy', direction: 'maximize' },
   * { metric: 'params', direction: 'minimize' }]`: with two or more the fit result carries the
   * search's `paretoFront`, and strategies that support it (evolution, predictor) select by it.
   * `objective` still picks the network retrained.
   */
  readonly objectives?: readonly MetricObjective[];
  /** Most trainable parameters of a feasible candidate: a constraint of the Pareto front (constraint-domination). */
  readonly maxParams?: number;
  /** Training rules of each candidate, `oneShot`, or a factory of any estimator given the search data. */
  readonly estimator?: EstimatorChoice | ((data: SearchData) => PerformanceEstimator);
  /** Try the space's known-good default network first. Default true. */
  readonly startWithDefault?: boolean;
  /** Force a TensorFlow.js backend; default picks the best available. */
  readonly backend?: 'tensorflow' | 'wasm' | 'cpu' | 'auto';
  /** Receives progress lines; default silent. */
  readonly log?: (line: string) => void;
  /**
   * Keep the job in this directory (`experiment.sqlite`: the search's trials and, as experiments
   * of their own, the baseline, check and retrain phases; the final model in `model/`), so a job
   * killed at any moment resumes where it stopped.
   */
  readonly directory?: string;
  /** Start afresh even if `directory` holds a job. Default false: resume it. */
  readonly overwrite?: boolean;
  /** Trials at once in worker processes (`'auto'`: one per core). Default 1: in this process (2 with a `runner`). */
  readonly workers?: number | 'auto';
  /**
   * Where the search's trials run, by runner plugin name: `'workers'` (worker processes on this
   * machine, what `workers: N` alone picks) or `'bullmq'` (jobs on a BullMQ queue in Redis, taken
   * by `autonas worker` processes on any machine; `runnerOptions: { redis: 'redis://…', queue }`).
   * `workers` is then the trials at once. Default: this process.
   */
  readonly runner?: string;
  /** Options of the runner plugin. */
  readonly runnerOptions?: object;
  /** Where plugins are found by name. Default {@link builtinPlugins}. */
  readonly plugins?: PluginRegistry;
  /**
   * Training hyperparameters searched beside the architecture. Default: none (every trial trains
   * under the fixed rules; on MNIST with a 90 s search, searching them measured worse on average,
   * see the hyperparameters docs page). `true`: Auto-Keras's rule, an option you give (`fit`'s
   * `learningRate` or `batchSize`, `estimator: { learningRate, batchSize, optimizer, weightDecay,
   * augment }`) is fixed and one left undefined is searched from {@link DEFAULT_HYPERPARAMETERS}
   * (their first choices are the fixed defaults, so the first trial is unchanged). An object:
   * exactly these hyperparameters from these choices (e.g. `{ learningRate: [0.001, 0.003],
   * 'augment.shift': [0, 2] }`); naming one you also fixed is a `ConfigurationError`. `false` or
   * `'fixed'`: nothing searched. Applies where the estimator trains each candidate under its
   * architecture's rules (`lowfi`) and the strategy's trials are the space's (not `morphism-bo`,
   * `darts`, one-shot scoring).
   */
  readonly hyperparameters?: boolean | 'fixed' | HyperparameterSpec;
}

/**
 * The hyperparameters `hyperparameters: true` searches (less those you fix): the learning rate
 * and the batch size, each with the fixed default first. A search of ~10 one-epoch trials has room for little
 * besides the network: these two move a short training's score the most (3e-3 lets Adam get
 * further in one epoch; batches of 32 take twice the steps). The optimiser, weight decay and
 * augmentation are left at their defaults unless asked for: weight decay and augmentation
 * regularise, which a one-epoch trial cannot reward, so they would only spend trials.
 */
export const DEFAULT_HYPERPARAMETERS: HyperparameterSpec = { learningRate: [0.001, 0.003], batchSize: [64, 32] };

/** Options of {@link AutoModel.fit}. */
export interface FitOptions<X = FeatureInput, Y = LabelInput> {
  /** Epochs per candidate (and for retraining unless `retrainEpochs` is set). Default 1. */
  readonly epochs?: number;
  /** Fraction of the training data held out for validation during the search. Default 0.2. */
  readonly validationSplit?: number;
  /** Validation data to use instead of a split. */
  readonly validationData?: readonly [X, Y];
  /** Score candidates by k-fold cross-validation on the training data instead of one split. */
  readonly folds?: number;
  /** Train a plain network first, under the same rules as every candidate. Default true. */
  readonly baseline?: boolean;
  readonly maxTrials?: number;
  readonly timeLimit?: number;
  /** Retrain the best architecture from scratch on train + validation data. Default true. */
  readonly retrain?: boolean;
  readonly retrainEpochs?: number;
  /** Seconds the final retraining may take. Default: none. */
  readonly retrainTimeLimit?: number;
  readonly retrainLearningRate?: number;
  /**
   * Seconds for the whole job (baseline, search and retraining): after the baseline, the search
   * gets what the measured training speed says the retraining will not need (at least 30% of
   * what is left), and the retraining fills what remains, its learning-rate schedule ending with
   * the budget. The job always returns the best model it has. Overrides `timeLimit` and
   * `retrainTimeLimit` where they would exceed it.
   */
  readonly budget?: number;
  /** Samples per training step of every candidate and the retraining. Default 64; given, it is not searched (see `hyperparameters`). */
  readonly batchSize?: number;
  /** The learning rate of every candidate and the retraining. Default 0.001; given, it is not searched (see `hyperparameters`). */
  readonly learningRate?: number;
  /** Sample shape when `x` is a flat array, e.g. `[28, 28, 1]`. */
  readonly sampleShape?: readonly number[];
  /** Called when a trial of any phase starts, after each of its epochs, and when it ends. */
  readonly onTrialStart?: (trial: TrialRecord, phase: Phase) => void;
  readonly onTrialEpoch?: (trial: TrialRecord, metrics: EpochMetrics, phase: Phase) => void;
  readonly onTrialEnd?: (trial: TrialRecord, phase: Phase) => void;
  /** Keras-style callbacks ({@link Callback}): `onEpochEnd(epoch, logs, { trial, phase })`, trial and job begin and end. */
  readonly callbacks?: readonly Callback[];
}

/** What {@link AutoModel.fit} returns. */
export interface FitResult {
  /** The network the final model is: the best search trial, or the baseline when no candidate beat it. */
  readonly best: TrialRecord;
  /** Where {@link FitResult.best} comes from. */
  readonly winner: 'search' | 'baseline';
  /**
   * With a time limit and no `maxTrials`: the number of trials the search's time was expected to
   * allow at the baseline's seconds per trial, given to the strategy to size itself.
   */
  readonly expectedTrials?: number;
  /** True when the retraining's time could not match what the best trial trained, so the trial's own model was kept. */
  readonly keptTrialModel: boolean;
  /** The final model's learning curve, shaped as Keras's `History` (`history.history.loss`, `.val_accuracy`, …). */
  readonly history: History;
  readonly trials: readonly TrialRecord[];
  readonly stoppedBy: ExperimentResult['stoppedBy'];
  readonly searchSeconds: number;
  /** With two or more `objectives`: the search's non-dominated completed trials (feasible ones, when any is). */
  readonly paretoFront?: readonly TrialRecord[];
  /** The objective searched, resolved; `best.score` is its value negated when it is minimised. */
  readonly objective: ResolvedObjective;
  /**
   * The training rules of the network retrained: `values` the winner's (what it was searched
   * with, over the fixed ones; unset ones take the trainer's defaults), `searched` the names of
   * the hyperparameters the search tried (empty when none was).
   */
  readonly training: { readonly searched: readonly HyperparameterName[]; readonly values: TrainingHyperparameters };
  /** The best trial's objective value (e.g. its validation loss). */
  readonly bestValue: number;
  /** Present when the best architecture was retrained: the `retrain` phase's trial. */
  readonly retrain?: {
    readonly trial: TrialRecord;
    readonly epochs: number;
    readonly seconds: number;
    readonly samples: number;
    readonly history: readonly EpochMetrics[];
    readonly stoppedAtTimeLimit: boolean;
  };
  readonly runtime: RuntimeInfo;
  /** With one-shot scoring: the best architecture's one-shot score beside its score trained alone (the `check` phase's trial). */
  readonly oneShot?: { readonly score: number; readonly standalone: number; readonly standaloneSeconds: number; readonly supernetSteps: number; /** The supernet's training scheme (`uniform` unless `oneShot.training` said otherwise). */ readonly training: string; readonly trial: TrialRecord };
  /** The plain network trained first (the `baseline` phase's trial) and how the search compares. */
  readonly baseline?: {
    readonly trial: TrialRecord;
    readonly architecture: Architecture;
    readonly score: number;
    readonly params: number;
    readonly seconds: number;
    /** Best search score minus the baseline's, in score units (higher is better): positive when the search paid off. */
    readonly searchGain: number;
  };
}

/** How a task's data becomes datasets: built once per (x, y, options) and shared by `plan` and `fit`. */
interface Prepared {
  readonly key: readonly unknown[];
  readonly data: Dataset;
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly folds?: { train: Dataset; validation: Dataset }[];
  readonly encoder: InputEncoder<unknown>;
  /** The class names of named labels, in label order. */
  readonly classes?: readonly string[];
  readonly space: SearchSpace;
  /** The hyperparameters searched beside the network (empty: none). */
  readonly searched: readonly HyperparameterName[];
  /** The fixed training rules of every candidate. */
  readonly training: TrainingOptions;
  readonly estimator: PreparedEstimator;
  /** The estimator of what is trained alone (baseline, one-shot check): the training rules. */
  readonly standalone: PreparedEstimator;
  readonly strategy: StrategyPlugin | undefined;
  readonly objective: ResolvedObjective;
  readonly head: HeadSpec;
  readonly epochs: number;
  readonly maxTrials?: number;
  readonly timeLimit?: number;
}

/** Everything that makes a task: its input, its head, the rules a preset fixes. */
export interface TaskDefinition<X> {
  readonly input: TaskInput<X>;
  readonly head: 'classification' | 'regression';
  /** Regression loss. Default `mse`. */
  readonly loss?: 'mse' | 'mae';
}

/**
 * One task-agnostic pipeline, Auto-Keras's `AutoModel`: inputs and a head → split (the test set
 * is never seen) → plan → baseline → search → retrain → evaluate → export. It names no concrete
 * plugin: spaces, strategies, estimators and runners are found by name in a registry and combined
 * by what they declare. Every network it trains is a trial of the engine, recorded in its phase's
 * store (`baseline`, `search`, `check`, `retrain`), with events, and resumable. Presets
 * (`ImageClassifier`, `ImageRegressor`, `StructuredDataClassifier`, `StructuredDataRegressor`)
 * only choose the input, the head and defaults.
 *
 * @example
 * ```ts
 * import { AutoModel, imageInput } from 'autonas';
 * import { loadMnist } from '@autonas/data';
 * const { train } = await loadMnist({ trainSize: 300 });
 * const model = new AutoModel({ input: imageInput(), head: 'classification' }, { maxTrials: 1, space: { fixed: { 'chain/blocks': 1 } } });
 * await model.fit(train.x, train.y, { epochs: 1, sampleShape: [28, 28, 1], baseline: false, retrain: false });
 * model.dispose();
 * ```
 */
/**
 * Class labels fit takes: integer labels or one-hot rows ({@link LabelInput}), or class names
 * (`string[]`), kept with the model so that {@link AutoModel.predictClasses} answers names.
 *
 * @example
 * ```ts
 * import type { ClassLabelInput } from 'autonas';
 * const names: ClassLabelInput = ['cat', 'dog', 'cat'];
 * const ints: ClassLabelInput = [0, 1, 0];
 * ```
 */
export type ClassLabelInput = LabelInput | readonly string[];

/** True for an array holding at least one string (class names). */
function isNamed(y: unknown): y is readonly (string | number)[] {
  return Array.isArray(y) && y.some((v) => typeof v === 'string');
}

/** Class names as integer labels `classes.indexOf(name)`; a name not in `classes` is a DataError. */
function labelIndices(y: readonly (string | number)[], classes: readonly string[], name: string): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  return Int32Array.from(y, (v, i) => {
    const k = index.get(String(v));
    if (k === undefined) throw new DataError('LABEL_OUT_OF_RANGE', `${name}: label ${JSON.stringify(v)} at index ${i} is not one of the classes the model knows (${classes.map((c) => JSON.stringify(c)).join(', ')})`);
    return k;
  });
}

export class AutoModel<X = FeatureInput, Y = LabelInput> {
  private model: tfl.LayersModel | undefined;
  private classNames: readonly string[] | undefined;
  private result: FitResult | undefined;
  private encoder: InputEncoder<X> | undefined;
  private head: HeadSpec | undefined;
  private sampleShape: readonly number[] = [];
  private prepared: Prepared | undefined;
  private trainingRules: FitResult['training'] | undefined;

  constructor(readonly task: TaskDefinition<X>, readonly options: AutoModelOptions = {}) {
    if (options.maxTrials !== undefined && !(Number.isInteger(options.maxTrials) && options.maxTrials >= 1)) {
      throw new ConfigurationError('BAD_MAX_TRIALS', `maxTrials must be a positive integer, got ${options.maxTrials}`);
    }
    if (options.timeLimit !== undefined && !(options.timeLimit > 0)) {
      throw new ConfigurationError('BAD_TIME_LIMIT', `timeLimit must be positive seconds, got ${options.timeLimit}`);
    }
    if (typeof options.strategy === 'string') this.plugins.get('strategy', options.strategy);
    if (options.runner !== undefined) this.plugins.get('runner', options.runner);
    if (options.spacePlugin !== undefined) this.plugins.get('space', options.spacePlugin);
    if (options.estimatorPlugin !== undefined) this.plugins.get('estimator', options.estimatorPlugin);
    const w = options.workers;
    if (w !== undefined && w !== 'auto' && !(Number.isInteger(w) && w >= 1)) {
      throw new ConfigurationError('BAD_WORKERS', `workers must be a positive integer or 'auto', got ${w}`);
    }
    if (options.objective !== undefined) resolveObjective(options.objective);
    if (options.maxParams !== undefined && !(options.maxParams > 0)) throw new ConfigurationError('BAD_CONSTRAINT', `maxParams must be a positive number, got ${options.maxParams}`);
    if (options.objectives !== undefined) checkParetoOptions(options.objectives);
  }

  /** The registry plugins are found in. */
  get plugins(): PluginRegistry {
    return this.options.plugins ?? (defaultRegistry ??= builtinPlugins());
  }

  /** Worker processes `fit` will run trials in (1: trials run in this process). */
  get workerCount(): number {
    const w = this.options.workers ?? (this.options.runner === undefined ? 1 : 2);
    return w === 'auto' ? os.availableParallelism() : w;
  }

  /** The runner plugin that places the search's trials (`runner`, or `workers` when `workers` > 1); undefined: this process. */
  get runnerName(): string | undefined {
    return this.options.runner ?? (this.workerCount > 1 ? 'workers' : undefined);
  }

  /** The training rules of the model (the last fit's, or those `load` read from `autonas.json`). */
  get training(): FitResult['training'] | undefined {
    return this.trainingRules;
  }

  /** The last fit's result. */
  get fitResult(): FitResult | undefined {
    return this.result;
  }

  /**
   * Searches architectures on `x`/`y`, then retrains the best one (unless `retrain: false`).
   * The data is split into search-train and validation; pass your test set only to `evaluate`.
   */
  async fit(x: X, y: Y, options: FitOptions<X, Y> = {}): Promise<FitResult> {
    const experiment = this.options.directory === undefined ? undefined : openExperimentDirectory(this.options.directory, { overwrite: this.options.overwrite });
    try {
      return await this.run(x, y, options, experiment);
    } finally {
      experiment?.close();
    }
  }

  /**
   * Estimates what `fit` with these arguments will cost, before it starts: a short timed probe
   * turned into seconds per trial, trials within the budget, baseline, retraining and memory.
   * The data prepared here is reused by the `fit` that follows with the same arguments.
   */
  async plan(x: X, y: Y, options: FitOptions<X, Y> = {}): Promise<SearchPlan> {
    await initRuntime({ backend: this.options.backend, log: this.options.log ?? (() => {}) });
    const p = this.prepare(x, y, options);
    const lowfi = p.estimator.supernet ? p.standalone : p.estimator;
    const k = options.folds ?? 1;
    const remote = this.runnerName ? p.estimator.remote?.('wasm') : undefined;
    return planSearch({
      architecture: (p.space as SearchSpace & { defaultArchitecture(): Architecture }).defaultArchitecture(),
      probeData: p.train,
      trialTrainSamples: lowfi.trialSamples.train * k,
      trialValidationSamples: lowfi.trialSamples.validation * k,
      epochs: lowfi.epochs,
      maxTrials: p.maxTrials ?? (p.timeLimit === undefined ? 10 : undefined),
      timeLimit: p.timeLimit,
      baseline: options.baseline !== false,
      retrainEpochs: options.retrain === false ? 0 : options.retrainEpochs ?? (options.budget === undefined ? p.epochs : Math.max(2, p.epochs)),
      budget: options.budget,
      retrainSamples: p.data.size,
      retrainTimeLimit: options.retrainTimeLimit,
      dataBytes: p.data.x.byteLength,
      batchSize: options.batchSize,
      seed: this.options.seed,
      workers: this.workerCount,
      workerDataBytes: remote?.bytes ?? 0,
      oneShot: p.estimator.supernet,
    });
  }

  private async run(x: X, y: Y, options: FitOptions<X, Y>, experiment: ExperimentDirectory | undefined): Promise<FitResult> {
    const started = performance.now();
    if (options.budget !== undefined && !(options.budget > 0)) throw new ConfigurationError('BAD_BUDGET', `budget must be positive seconds, got ${options.budget}`);
    const log = this.options.log ?? (() => {});
    const callbacks = checkCallbacks(options.callbacks);
    const runtime = await initRuntime({ backend: this.options.backend, log });
    for (const c of callbacks) c.onTrainBegin?.();
    const seed = this.options.seed ?? 0;
    const p = this.prepare(x, y, options);
    this.prepared = undefined;
    if (p.searched.length > 0) {
      const choices = p.space.decisions().filter((d) => d.name.startsWith('hp/')).map((d) => `${d.name.slice(3)} ${d.choices.join('|')}`);
      log(`hyperparameters searched beside the network (an option you give is fixed): ${choices.join(', ')}`);
    }
    const phaseStore = experiment ? (phase: Phase): TrialStoreType => (phase === 'search' ? experiment.store : experiment.phase(phase)) : memoryPhaseStores();
    const events = (phase: Phase) => {
      const bus = new EventBus();
      bus.on('trial:start', ({ trial }) => options.onTrialStart?.(trial, phase));
      bus.on('trial:epoch', ({ trial, metrics }) => options.onTrialEpoch?.(trial, metrics, phase));
      bus.on('trial:end', ({ trial }) => options.onTrialEnd?.(trial, phase));
      for (const c of callbacks) {
        if (c.onTrialBegin) bus.on('trial:start', ({ trial }) => c.onTrialBegin!(trial, phase));
        if (c.onEpochEnd) bus.on('trial:epoch', ({ trial, metrics }) => c.onEpochEnd!(metrics.epoch, kerasLogs(metrics), { trial, phase }));
        if (c.onTrialEnd) bus.on('trial:end', ({ trial }) => c.onTrialEnd!(trial, phase, kerasLogs({ epoch: 0, ...trial.metrics })));
      }
      return bus;
    };
    // Estimators score their head's default objective natively (validation accuracy, negated validation loss); another one given is read from their metrics.
    const objective = (e: PerformanceEstimator) => (this.options.objective === undefined ? e : objectiveEstimator(e, { name: p.objective.metric, direction: p.objective.direction }));
    let baselineArtifact: ModelArtifact | undefined;
    try {
      if (this.runnerName && options.retrain === false) {
        throw new ConfigurationError('RETRAIN_NEEDED', `with the ${this.runnerName} runner, candidates train in other processes and keep no model: retrain must stay on`);
      }
      if (experiment?.resumed) log(`resuming the experiment in ${experiment.file}: ${experiment.store.trials().length} trial(s) recorded`);

      // Baseline: a plain network under the same rules as every candidate.
      let baseline: FitResult['baseline'];
      if (options.baseline !== false) {
        const architecture = this.task.input.baseline(p.data.sampleShape, p.head);
        const params = inferShapes(architecture).totalParams;
        log(`baseline: a plain network (${params} parameters), trained like every candidate`);
        const out = await runPhaseTrial({ store: phaseStore('baseline'), space: singleArchitectureSpace(architecture), estimator: objective(p.standalone.estimator), architecture, seed, events: events('baseline') });
        // Without a retraining, the baseline's own model is the final model if it scores best.
        if (options.retrain === false && out.trial.score !== undefined) baselineArtifact = out.artifact as ModelArtifact | undefined;
        else out.artifact?.dispose();
        if (out.trial.score !== undefined) {
          baseline = { trial: out.trial, architecture, score: out.trial.score, params, seconds: out.trial.seconds ?? 0, searchGain: 0 };
          log(`baseline: ${p.objective.label} ${fmtValue(objectiveValue(out.trial.score, p.objective), p.objective)} in ${baseline.seconds.toFixed(1)} s`);
        } else log(`baseline: ${out.trial.status}${out.trial.error ? ` (${out.trial.error})` : ''}`);
      }

      // Search: the strategy's trials, in this process or in worker processes.
      const left = () => (options.budget === undefined ? Infinity : options.budget - (performance.now() - started) / 1000);
      let searchLimit = p.timeLimit;
      if (options.budget !== undefined) {
        const sps = baseline?.trial.metrics.samplesPerSecond;
        const full = p.folds ? p.data.size : p.train.size + p.validation.size;
        const retrainNeed = sps ? ((options.retrainEpochs ?? Math.max(2, p.epochs)) * full) / sps : left() / 2;
        // The retraining makes the final model: it keeps at least half of what is left (more when its
        // epochs need it, up to 70 %); a search that ends early (maxTrials) leaves it the rest too.
        searchLimit = Math.min(p.timeLimit ?? Infinity, Math.max(0.3 * left(), Math.min(0.5 * left(), left() - retrainNeed)));
        if (!(searchLimit > 1)) throw new ConfigurationError('BUDGET_TOO_SMALL', `the budget of ${options.budget} s leaves ${Math.round(left())} s after the baseline: too little to search`);
        log(`budget: up to ${Math.round(searchLimit)} s for the search, the rest (at least ~${Math.round(left() - searchLimit)} s) for the retraining${sps ? ` (${options.retrainEpochs ?? Math.max(2, p.epochs)} epoch(s) take ~${Math.round(retrainNeed)} s at the baseline's ${Math.round(sps)} samples/s)` : ''}`);
      }
      // Without a trial cap, the baseline (trained like every candidate) says how many trials the time allows.
      const expectedTrials = p.maxTrials === undefined && searchLimit !== undefined && Number.isFinite(searchLimit) && baseline && baseline.seconds > 0 && !p.estimator.supernet
        ? Math.max(1, Math.floor((searchLimit / baseline.seconds) * Math.max(1, this.runnerName ? this.workerCount : 1)))
        : undefined;
      if (expectedTrials !== undefined) log(`search: about ${expectedTrials} trial(s) fit in ${Math.round(searchLimit!)} s at the baseline's ${baseline!.seconds.toFixed(1)} s per trial; the strategy sizes itself to that`);
      const search = await this.search(p, { ...p, timeLimit: searchLimit, expectedTrials }, phaseStore('search'), events('search'), objective, runtime, log);
      let bestArtifact = search.bestArtifact as ModelArtifact | undefined;
      let best = search.best;
      let winnerSpace = p.space;
      // The baseline is a candidate too when it was scored like the candidates: it wins when no candidate beat it.
      if (baseline && !p.estimator.supernet && (!best || betterTrial(best, baseline.trial) === baseline.trial) && baseline.trial !== best) {
        log(best ? `the baseline scored best: ${options.retrain === false ? 'its own model is kept' : 'it is the network retrained'}` : `no search trial produced a score (${search.stoppedBy}): the baseline is the network retrained`);
        bestArtifact?.dispose();
        bestArtifact = baselineArtifact;
        baselineArtifact = undefined;
        best = baseline.trial;
        winnerSpace = singleArchitectureSpace(baseline.architecture);
      }
      baselineArtifact?.dispose();
      baselineArtifact = undefined;
      if (!best) {
        bestArtifact?.dispose();
        const reasons = search.trials.map((t) => `trial ${t.id}: ${t.status}${t.error ? ` (${t.error})` : ''}`).join('; ');
        throw new ConfigurationError('NO_TRIAL_SUCCEEDED', `no trial produced a score (${search.stoppedBy}); ${reasons || 'no trial ran'}`);
      }
      log(`best: ${best === baseline?.trial ? 'the baseline' : `trial ${best.id + 1}`}, ${summarize(best.architecture)}, ${p.objective.label} ${fmtValue(objectiveValue(best.score!, p.objective), p.objective)}`);

      // Check: a proxy score (one-shot) is checked by training the winner alone.
      let oneShot: FitResult['oneShot'];
      if (p.estimator.supernet) {
        p.estimator.dispose?.();
        log(`one-shot score is a proxy (supernet weights); training the best architecture alone to check it`);
        const out = await runPhaseTrial({ store: phaseStore('check'), space: p.space, estimator: objective(p.standalone.estimator), architecture: best.architecture, seed: seed + best.id, events: events('check') });
        out.artifact?.dispose();
        if (out.trial.score === undefined) throw new ConfigurationError('CHECK_FAILED', `training the one-shot winner alone failed: ${out.trial.error ?? out.trial.status}`);
        const choice = this.options.estimator;
        const asked = typeof choice === 'object' ? choice.oneShot : undefined;
        oneShot = { score: best.score!, standalone: out.trial.score, standaloneSeconds: out.trial.seconds ?? 0, supernetSteps: best.metrics.supernetSteps ?? 0, training: String((typeof asked === 'object' ? (asked as { training?: unknown }).training : undefined) ?? 'uniform'), trial: out.trial };
        log(`one-shot ${fmtValue(objectiveValue(oneShot.score, p.objective), p.objective)} beside ${fmtValue(objectiveValue(oneShot.standalone, p.objective), p.objective)} trained alone (${oneShot.standaloneSeconds.toFixed(1)} s)`);
      }
      const bestScore = oneShot ? oneShot.standalone : best.score!;
      if (baseline) {
        baseline = { ...baseline, searchGain: bestScore - baseline.score };
        log(baseline.searchGain > 0 ? `the search beat the baseline (${p.objective.label} ${fmtValue(objectiveValue(bestScore, p.objective), p.objective)} against ${fmtValue(objectiveValue(baseline.score, p.objective), p.objective)})` : `the search did NOT beat the baseline (${fmtValue(objectiveValue(bestScore, p.objective), p.objective)} against ${fmtValue(objectiveValue(baseline.score, p.objective), p.objective)})`);
      }

      // Retrain: the best architecture from scratch on train + validation data, as a trial of its own phase.
      this.model?.dispose();
      this.model = undefined;
      let retrain: FitResult['retrain'];
      let reloaded = false;
      let keptTrialModel = false;
      const location = experiment ? path.join(this.options.directory!, 'model') : undefined;
      if (options.retrain === false) {
        if (options.folds !== undefined) throw new ConfigurationError('RETRAIN_NEEDED', 'with folds, candidates keep no model: retrain must stay on');
        if (!bestArtifact) throw new ConfigurationError('NO_MODEL', 'the best trial kept no trained model; use retrain: true');
        this.model = bestArtifact.model;
      } else {
        const full = p.folds ? p.data : concat(p.train, p.validation);
        const training = p.training;
        // With a budget the retraining fills what is left (a few seconds kept for evaluating and saving).
        const limit = Math.min(options.retrainTimeLimit ?? Infinity, options.budget === undefined ? Infinity : Math.max(1, left() - 5));
        const retrainLimit = Number.isFinite(limit) ? limit : undefined;
        // A retraining that cannot see as many samples as the trial did would end worse than the trial's own model: keep that one.
        const sps = best.metrics.samplesPerSecond;
        const trialSamples = (best.metrics.epochs ?? 1) * (best.metrics.trainSamples ?? 0);
        const keepTrial = bestArtifact !== undefined && retrainLimit !== undefined && sps !== undefined && retrainLimit * sps < trialSamples;
        const estimator = new RetrainEstimator(full, {
          epochs: options.retrainEpochs ?? (options.budget === undefined ? p.epochs : 1000),
          batchSize: training.batchSize,
          learningRate: training.learningRate,
          ...(options.retrainLearningRate === undefined ? {} : { learningRateOverride: options.retrainLearningRate }),
          optimizer: training.optimizer,
          weightDecay: training.weightDecay,
          momentum: training.momentum,
          nesterov: training.nesterov,
          timeLimit: retrainLimit,
          fillTime: options.retrainEpochs === undefined && options.budget !== undefined,
          loss: this.task.loss,
          augment: training.augment,
          log,
        });
        const saved = location !== undefined && fs.existsSync(path.join(location, 'model.json'));
        const out = keepTrial
          ? undefined
          : (bestArtifact?.dispose(), await runPhaseTrial({ store: phaseStore('retrain'), space: winnerSpace, estimator, architecture: best.architecture, seed, events: events('retrain'), reuse: saved }));
        if (!out) {
          log(`retraining: ${Math.round(retrainLimit!)} s at ${Math.round(sps!)} samples/s cannot match the ${trialSamples} samples the best trial trained on; keeping the trial's own model (validation ${p.objective.label} ${fmtValue(objectiveValue(best.score!, p.objective), p.objective)}, on data the search held out)`);
          this.model = bestArtifact!.model;
        } else if (out.reused) {
          log(`retraining: done in an earlier run; loading the model saved in ${location}`);
          this.model = await loadModel(location!);
          reloaded = true;
        } else if (out.trial.status === 'completed' && out.artifact) {
          this.model = (out.artifact as ModelArtifact).model;
        } else {
          out.artifact?.dispose();
          throw new ConfigurationError('RETRAIN_FAILED', `the retraining ${out.trial.status}: ${out.trial.error ?? 'no model'}`);
        }
        if (out) {
          const t = out.trial;
          retrain = { trial: t, epochs: t.metrics.epochs ?? t.epochs.length, seconds: t.seconds ?? 0, samples: full.size, history: t.epochs, stoppedAtTimeLimit: t.metrics.stoppedAtTimeLimit === 1 };
        } else keptTrialModel = true;
      }
      this.encoder = p.encoder as InputEncoder<X>;
      this.head = p.head;
      this.classNames = p.classes;
      this.sampleShape = p.data.sampleShape;
      this.trainingRules = { searched: p.searched, values: this.trainingOf(p.training, best.architecture, retrain ? options.retrainLearningRate : undefined) };
      if (experiment && location && !reloaded) {
        await this.save(location);
        experiment.store.saveBestModel({ location, trialId: best.id });
      }
      const history = retrain ? historyOf(retrain.trial, 'retrain', retrain.samples) : historyOf(best, best === baseline?.trial ? 'baseline' : 'search', best.metrics.trainSamples);
      this.result = {
        training: this.trainingRules,
        best, winner: best === baseline?.trial ? 'baseline' : 'search', keptTrialModel, history, trials: search.trials, stoppedBy: search.stoppedBy, searchSeconds: search.seconds, objective: p.objective, bestValue: objectiveValue(best.score!, p.objective), retrain, runtime,
        ...(search.paretoFront ? { paretoFront: search.paretoFront } : {}),
        ...(baseline ? { baseline } : {}),
        ...(expectedTrials !== undefined ? { expectedTrials } : {}),
        ...(oneShot ? { oneShot } : {}),
      };
      for (const c of callbacks) c.onTrainEnd?.({ history });
      return this.result;
    } finally {
      baselineArtifact?.dispose();
      p.estimator.dispose?.();
    }
  }

  /** Runs the search phase: the strategy's trials through the engine (and the workers runner when asked). */
  private async search(
    p: Prepared,
    budget: { readonly timeLimit?: number; readonly expectedTrials?: number },
    store: TrialStoreType,
    events: EventBus,
    objective: (e: PerformanceEstimator) => PerformanceEstimator,
    runtime: RuntimeInfo,
    log: (line: string) => void,
  ): Promise<ExperimentResult> {
    const seed = this.options.seed ?? 0;
    let estimator = p.estimator.estimator;
    let pool: RunnerEstimator | undefined;
    const runnerName = this.runnerName;
    if (runnerName) {
      const remote = p.estimator.remote?.(runtime.backend as never);
      if (!remote) throw new ConfigurationError('WORKERS_NOT_SUPPORTED', `the ${runnerName} runner does not apply here: this estimator cannot be described to another process`);
      // A search's jobs are named by an id kept in its store, so a resumed search finds the jobs it queued before.
      let id = store.loadMeta?.(RUNNER_EXPERIMENT);
      if (typeof id !== 'string') store.saveMeta?.(RUNNER_EXPERIMENT, (id = randomUUID()));
      pool = (this.plugins.get('runner', runnerName) as RunnerPlugin).create({ workers: this.workerCount, spec: remote, experiment: id as string, options: this.options.runnerOptions, log });
      const started = performance.now();
      try {
        await pool.start();
      } catch (e) {
        await pool.dispose();
        throw e;
      }
      const took = ((performance.now() - started) / 1000).toFixed(1);
      log(runnerName === 'workers'
        ? `${this.workerCount} worker processes started in ${took} s (${runtime.backend} backend each); ${this.workerCount} trials run at once`
        : `${runnerName} runner started in ${took} s (${runtime.backend} backend); ${this.workerCount} trials run at once`);
      estimator = pool;
    }
    const strategy = typeof this.options.strategy === 'object'
      ? this.options.strategy
      : this.plugins.get<import('./builtins.js').StrategyContext, SearchStrategy>('strategy', this.options.strategy ?? 'random').create({
          seed, maxTrials: p.maxTrials, expectedTrials: budget.expectedTrials, startWithDefault: this.options.startWithDefault ?? true, data: { train: p.train, validation: p.validation }, log, options: this.options.strategyOptions,
        });
    if ((this.options.objectives?.length ?? 0) > 1 && typeof this.options.strategy !== 'object') {
      const name = this.options.strategy ?? 'random';
      if (this.plugins.get('strategy', name).capabilities?.multiObjective !== true) log(`strategy ${name} searches by its score alone; the Pareto front of what it tries is still reported (evolution and predictor select by the objectives)`);
    }
    const container = createContainer(
      {
        maxTrials: p.maxTrials ?? (budget.timeLimit === undefined ? 10 : undefined), timeLimit: budget.timeLimit, seed,
        ...(this.options.objectives ? { objectives: this.options.objectives } : {}),
        ...(this.options.maxParams !== undefined ? { constraints: [{ metric: 'params', max: this.options.maxParams }] } : {}),
      },
      new ContainerModule(({ bind }) => {
        bind<SearchSpace>(SearchSpace).toConstantValue(p.space);
        bind<SearchData>(SearchData).toConstantValue({ train: p.train, validation: p.validation });
        bind<SearchStrategy>(SearchStrategy).toConstantValue(strategy);
        bind<PerformanceEstimator>(PerformanceEstimator).toConstantValue(objective(estimator));
      }),
      new ContainerModule(({ rebind }) => {
        rebind<TrialStoreType>(TrialStore).toConstantValue(store);
      }),
      new ContainerModule(({ rebind }) => {
        rebind<EventBus>(EventBus).toConstantValue(events);
      }),
    );
    try {
      return await container.get(Experiment).run();
    } finally {
      // Idle workers would hold their memory through the retraining.
      await pool?.dispose();
    }
  }

  /** The training rules of every candidate, from the estimator options and fit's options. */
  private trainingOptions(options: FitOptions<X, Y>, p: { objective: ResolvedObjective; epochs: number }): TrainingOptions {
    const est = typeof this.options.estimator === 'object' ? this.options.estimator : {};
    const { oneShot: _, ...rules } = est as EstimatorChoice;
    const monitor = /^val[A-Z]/.test(p.objective.metric) ? { metric: p.objective.metric, direction: p.objective.direction } : undefined;
    return { epochs: p.epochs, batchSize: options.batchSize, ...(options.learningRate === undefined ? {} : { learningRate: options.learningRate }), loss: this.task.loss, ...(monitor ? { monitor } : {}), ...rules };
  }

  /**
   * The hyperparameters to search, by Auto-Keras's rule: the defaults (or the `hyperparameters`
   * option) less what the user fixed; none where the estimator or the strategy cannot carry them.
   */
  private hyperparameterSpec(options: FitOptions<X, Y>, sampleShape: readonly number[], strategyName: string, strategy: StrategyPlugin | undefined, estimator: EstimatorPlugin): HyperparameterSpec {
    const hp = this.options.hyperparameters;
    if (hp === undefined || hp === false || hp === 'fixed') return {};
    if (hp !== true && (typeof hp !== 'object' || hp === null)) throw new ConfigurationError('BAD_HYPERPARAMETERS', `hyperparameters must be true, false, 'fixed' or an object of choices, got ${JSON.stringify(hp)}`);
    const est = this.options.estimator;
    const rules = typeof est === 'object' ? est : {};
    // What the user gave is fixed: fit's learningRate / batchSize, or the estimator's options.
    const fixed = new Set<HyperparameterName>();
    if (options.learningRate !== undefined || rules.learningRate !== undefined) fixed.add('learningRate');
    if (options.batchSize !== undefined || rules.batchSize !== undefined) fixed.add('batchSize');
    if (rules.optimizer !== undefined) fixed.add('optimizer');
    if (rules.weightDecay !== undefined) fixed.add('weightDecay');
    if (rules.augment !== undefined) for (const k of ['augment.shift', 'augment.flip', 'augment.cutout'] as const) fixed.add(k);
    const why = typeof est === 'function' ? 'an estimator factory trains by its own rules'
      : typeof est === 'object' && est.oneShot !== undefined ? (this.plugins.get('estimator', 'oneshot').capabilities?.reasons?.hyperparameters ?? 'one-shot scoring')
      : estimator.capabilities?.hyperparameters !== true ? `the ${estimator.name} estimator ${estimator.capabilities?.reasons?.hyperparameters ? `cannot: ${estimator.capabilities.reasons.hyperparameters}` : 'does not train candidates by their architecture\'s rules'}`
      : strategy && (strategy.capabilities?.parentWeights === true || strategy.capabilities?.trainsOwnNetworks === true) ? `the ${strategyName} strategy: ${strategy.capabilities?.reasons?.hyperparameters ?? 'its trials are its own'}`
      : undefined;
    if (hp === true) {
      if (why) throw new ConfigurationError('HYPERPARAMETERS_NOT_SUPPORTED', `hyperparameters cannot be searched here: ${why}`);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(DEFAULT_HYPERPARAMETERS)) if (!fixed.has(k as HyperparameterName)) out[k] = v;
      return out as HyperparameterSpec;
    }
    const names = Object.keys(hp).filter((k) => (hp as Record<string, unknown>)[k] !== undefined);
    if (names.length === 0) return {};
    if (why) throw new ConfigurationError('HYPERPARAMETERS_NOT_SUPPORTED', `hyperparameters cannot be searched here: ${why}`);
    const unknown = names.find((k) => !(HYPERPARAMETERS as readonly string[]).includes(k));
    if (unknown) throw new ConfigurationError('UNKNOWN_HYPERPARAMETER', `"${unknown}" is not a training hyperparameter; known: ${HYPERPARAMETERS.join(', ')}`);
    const clash = names.find((k) => fixed.has(k as HyperparameterName));
    if (clash) throw new ConfigurationError('HYPERPARAMETER_FIXED', `${clash} is given a fixed value and a choice set to search: give one of them`);
    // Each choice is checked here, before anything trains: an augmentation against the images, an optimiser by name.
    for (const k of names) {
      const v = (hp as Record<string, unknown>)[k];
      const choices = (Array.isArray(v) ? v : (v as { choices?: unknown[] })?.choices) ?? [];
      for (const c of choices) {
        if (k.startsWith('augment.')) checkAugment({ [k.slice('augment.'.length)]: c }, sampleShape);
        if (k === 'learningRate' && !(typeof c === 'number' && c > 0)) throw new ConfigurationError('BAD_HYPERPARAMETERS', `learningRate choices must be positive numbers, got ${JSON.stringify(c)}`);
        if (k === 'batchSize' && !(Number.isInteger(c) && (c as number) >= 1)) throw new ConfigurationError('BAD_HYPERPARAMETERS', `batchSize choices must be positive integers, got ${JSON.stringify(c)}`);
        if (k === 'optimizer' || k === 'weightDecay') checkOptimizerOptions({ [k]: c });
      }
    }
    return Object.fromEntries(names.map((k) => [k, (hp as Record<string, unknown>)[k]])) as HyperparameterSpec;
  }

  /** The training rules a network is retrained with: the fixed ones, under what its architecture carries. */
  private trainingOf(training: TrainingOptions, arch: Architecture, retrainLearningRate: number | undefined): TrainingHyperparameters {
    const hp = hyperparametersOf(arch);
    const augment = { ...training.augment, ...hp.augment };
    const values: Record<string, unknown> = {
      learningRate: retrainLearningRate ?? hp.learningRate ?? training.learningRate ?? 0.001,
      batchSize: hp.batchSize ?? training.batchSize ?? 64,
      optimizer: hp.optimizer ?? training.optimizer ?? 'adam',
      weightDecay: hp.weightDecay ?? training.weightDecay ?? 0,
      ...(Object.keys(augment).length ? { augment } : {}),
    };
    return values as TrainingHyperparameters;
  }

  /** The head, its target statistics learned from `train` only. */
  private headSpec(train: Dataset): HeadSpec {
    if (this.task.head === 'classification') return { type: 'classification', classes: train.numClasses };
    const t = train.targets!;
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const std = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length);
    return { type: 'regression', units: t.length / train.size, loss: this.task.loss, targetMean: mean, targetStd: std > 0 ? std : 1 };
  }

  /** Labels (classification) or targets (regression) as a dataset of `features`. */
  private labelled(features: { x: Float32Array; sampleShape: readonly number[] }, y: Y, name: string, numClasses?: number, classes?: readonly string[]): Dataset {
    if (this.task.head !== 'classification') return createRegressionDataset(features.x, y as FeatureInput, { sampleShape: features.sampleShape, name });
    if (isNamed(y)) {
      // Class names: sorted, unless the classes are already known (validation data, evaluate).
      const names = classes ?? [...new Set(y.map(String))].sort();
      return createDataset(features.x, labelIndices(y, names, name), { sampleShape: features.sampleShape, name, classes: names });
    }
    return createDataset(features.x, y as LabelInput, { sampleShape: features.sampleShape, name, ...(numClasses ? { numClasses } : {}) });
  }

  /** The class names of a model fitted (or loaded) on named labels, in label order; undefined for integer labels. */
  get classes(): readonly string[] | undefined {
    return this.classNames;
  }

  /** Splits the data and builds the space and estimators once for these arguments. */
  private prepare(x: X, y: Y, options: FitOptions<X, Y>): Prepared {
    const key = [x, y, options.validationData, options.validationSplit, options.folds, options.epochs, options.batchSize, options.learningRate, options.sampleShape, options.maxTrials, options.timeLimit];
    if (this.prepared && this.prepared.key.length === key.length && this.prepared.key.every((v, i) => v === key[i])) return this.prepared;
    const seed = this.options.seed ?? 0;
    const input = this.task.input;
    if (options.folds !== undefined && options.validationData) throw new ConfigurationError('BAD_FOLDS', 'give folds or validationData, not both');
    const n = input.count(x, { sampleShape: options.sampleShape });
    // Labels first, on placeholder features: the split is by label, and the input learns its encoding from the training rows only.
    const labels = this.labelled({ x: new Float32Array(n), sampleShape: [1] }, y, 'fit');
    const classes = this.task.head === 'classification' && isNamed(y) ? [...new Set(y.map(String))].sort() : undefined;
    let trainRows: Int32Array | undefined;
    let valRows: Int32Array | undefined;
    if (!options.validationData && options.folds === undefined) {
      ({ trainIndices: trainRows, validationIndices: valRows } = splitIndices(labels, { fraction: options.validationSplit ?? 0.2, seed }));
    }
    const encoder = input.fit(x, trainRows, { sampleShape: options.sampleShape }) as InputEncoder<unknown>;
    const f = encoder.encode(x, { sampleShape: options.sampleShape, name: 'fit' });
    const data = withFeatures(labels, f.x, f.sampleShape, 'fit');
    let train: Dataset;
    let validation: Dataset;
    let folds: Prepared['folds'];
    if (options.validationData) {
      const [vx, vy] = options.validationData;
      const vf = encoder.encode(vx, { sampleShape: options.sampleShape, name: 'validationData' });
      if (vf.sampleShape.join() !== f.sampleShape.join()) throw new ConfigurationError('SHAPE_MISMATCH', `validationData samples have shape [${vf.sampleShape}], the training data [${f.sampleShape}]`);
      train = data;
      if (classes && !isNamed(vy)) throw new ConfigurationError('LABELS_MISMATCH', 'fit was given class names: give validationData class names too');
      validation = this.labelled(vf, vy, 'validationData', this.task.head === 'classification' ? data.numClasses : undefined, classes);
    } else if (options.folds !== undefined) {
      folds = kFold(data, options.folds, { seed, stratify: this.task.head === 'classification' });
      ({ train, validation } = folds[0]!);
    } else {
      train = subset(data, trainRows!);
      validation = subset(data, valRows!);
    }
    const head = this.headSpec(train);
    const objective = resolveObjective(this.options.objective ?? defaultObjective(head));
    const epochs = options.epochs ?? 1;
    const plugins = this.plugins;
    const strategyName = typeof this.options.strategy === 'string' ? this.options.strategy : typeof this.options.strategy === 'object' ? this.options.strategy.name : 'random';
    const strategy = plugins.has('strategy', strategyName) ? (plugins.get('strategy', strategyName) as StrategyPlugin) : undefined;
    const parentWeights = strategy?.capabilities?.parentWeights === true;
    const baseSpace = plugins.get<{ inputShape: readonly number[]; head: HeadSpec; options?: object }, SearchSpace>('space', this.options.spacePlugin ?? input.space).create({ inputShape: data.sampleShape, head, options: this.options.space });
    const networkSpace = strategy?.space ? strategy.space(baseSpace, { inputShape: data.sampleShape, head, options: this.options.strategyOptions }) : baseSpace;
    const est = this.options.estimator;
    const training = this.trainingOptions(options, { objective, epochs });
    // Bad augmentation options fail here, before anything trains, not in every trial.
    if (training.augment) checkAugment(training.augment, data.sampleShape);
    checkOptimizerOptions(training);
    // The estimator of every candidate (and of what is trained alone): the task's training rules unless another plugin is named.
    const lowfi = plugins.get('estimator', this.options.estimatorPlugin ?? 'lowfi') as EstimatorPlugin;
    const spec = this.hyperparameterSpec(options, data.sampleShape, strategyName, strategy, lowfi);
    const searched = Object.keys(spec) as HyperparameterName[];
    const space = searched.length > 0 ? withHyperparameters(networkSpace, spec) : networkSpace;
    const withTraining = (d: SearchData): PreparedEstimator => {
      if (typeof est === 'function') return { estimator: est(d), trialSamples: { train: d.train.size, validation: d.validation.size }, epochs };
      if (parentWeights && strategy?.estimator) return { estimator: strategy.estimator(d, training), trialSamples: { train: Math.min(d.train.size, training.maxSamples ?? Infinity), validation: d.validation.size }, epochs: training.epochs ?? 1 };
      return lowfi.create({ data: d, space, training, seed });
    };
    let estimator: PreparedEstimator;
    let standalone: PreparedEstimator;
    const oneShot = typeof est === 'object' ? est.oneShot : undefined;
    if (strategy?.capabilities?.trainsOwnNetworks) {
      if (oneShot !== undefined) throw new ConfigurationError('ONESHOT_WITH_STRATEGY', `the ${strategyName} strategy trains a supernet of its own: it takes no one-shot estimator`);
      if (options.folds !== undefined) requireCapability(strategy, 'folds', 'STRATEGY_WITH_FOLDS', `folds with the ${strategyName} strategy`);
    }
    if (oneShot !== undefined) {
      const entry = plugins.get('estimator', 'oneshot') as EstimatorPlugin;
      if (parentWeights) throw new ConfigurationError('ONESHOT_WITH_MORPHISM', `the ${strategyName} strategy cannot use the ${entry.name} estimator: ${entry.capabilities?.reasons?.parentWeights ?? 'it needs trained parents'}`);
      if (options.folds !== undefined) requireCapability(entry, 'folds', 'ONESHOT_WITH_FOLDS', 'folds');
      estimator = entry.create({ data: { train, validation }, space, training, seed, options: oneShot === true ? {} : oneShot });
      standalone = lowfi.create({ data: { train, validation }, space, training, seed });
    } else if (folds) {
      const made = folds.map(withTraining);
      let fold = 0;
      estimator = { estimator: new KFoldEstimator(folds, () => made[fold++]!.estimator), trialSamples: made[0]!.trialSamples, epochs: made[0]!.epochs };
      standalone = estimator;
    } else {
      // What is trained alone (the baseline) is scored exactly like a candidate.
      estimator = withTraining({ train, validation });
      standalone = estimator;
    }
    if (this.runnerName) {
      const why = parentWeights ? strategy!.capabilities?.reasons?.workers
        : oneShot !== undefined ? 'one-shot scoring uses one supernet in this process'
        : options.folds !== undefined ? 'k-fold scoring is not run in workers'
        : typeof est === 'function' ? 'an estimator factory cannot be sent to another process (use WorkerPoolEstimator with an EstimatorSpec)'
        : undefined;
      if (why) {
        estimator.dispose?.();
        throw new ConfigurationError('WORKERS_NOT_SUPPORTED', `${this.options.runner ? `the ${this.options.runner} runner` : `workers: ${this.options.workers}`} does not apply here: ${why}`);
      }
    }
    this.prepared?.estimator.dispose?.();
    this.prepared = {
      key, data, train, validation, folds, encoder, space, searched, training, estimator, standalone, strategy, objective, head, epochs, classes,
      maxTrials: options.maxTrials ?? this.options.maxTrials, timeLimit: options.timeLimit ?? this.options.timeLimit,
    };
    return this.prepared;
  }

  /** Class probabilities `[n, classes]` (classification) or predicted values `[n, units]` (regression). The caller disposes the tensor. */
  async predict(x: X, options: { sampleShape?: readonly number[]; batchSize?: number } = {}): Promise<tf.Tensor2D> {
    const model = this.requireModel();
    const f = this.encoder!.encode(x, { sampleShape: options.sampleShape ?? this.sampleShape, name: 'predict' });
    this.checkShape(f.sampleShape);
    const input = tf.tensor(f.x, [f.size, ...f.sampleShape]);
    try {
      return model.predict(input, { batchSize: options.batchSize ?? 256 }) as tf.Tensor2D;
    } finally {
      input.dispose();
    }
  }

  /**
   * The predicted class of each sample: its name when the model was fitted on class names
   * (see {@link AutoModel.classes}), else its integer label. Classification only.
   *
   * @param x - samples, as for {@link AutoModel.predict}
   * @param options - as for {@link AutoModel.predict}
   * @returns one class name (or label) per sample
   *
   * @example
   * ```ts
   * import { ImageClassifier } from 'autonas';
   * const clf = new ImageClassifier();
   * await clf.load('./out/photos');                 // a model fitted on labels such as ['cat', 'dog', ...]
   * const names = await clf.predictClasses(new Float32Array(32 * 32 * 3), { sampleShape: [32, 32, 3] });
   * console.log(clf.classes, names);                // ['cat', 'dog'] ['cat']
   * ```
   */
  async predictClasses(x: X, options: { sampleShape?: readonly number[]; batchSize?: number } = {}): Promise<string[] | number[]> {
    if (this.head !== undefined && this.head.type !== 'classification') throw new ConfigurationError('NOT_CLASSIFICATION', 'predictClasses needs a classification model; use predict for values');
    const probs = await this.predict(x, options);
    try {
      const argMax = tf.argMax(probs, -1);
      const labels = Array.from(await argMax.data() as Int32Array);
      argMax.dispose();
      const names = this.classNames;
      return names ? labels.map((k) => names[k]!) : labels;
    } finally {
      probs.dispose();
    }
  }

  /**
   * Scores labelled data (your held-out test set): accuracy and mean cross-entropy for
   * classification; loss, MSE and MAE for regression (`accuracy` is then NaN).
   */
  async evaluate(x: X, y: Y, options: { sampleShape?: readonly number[] } = {}): Promise<{ accuracy: number; loss: number; mse?: number; mae?: number }> {
    const model = this.requireModel();
    const f = this.encoder!.encode(x, { sampleShape: options.sampleShape ?? this.sampleShape, name: 'evaluate' });
    this.checkShape(f.sampleShape);
    if (this.classNames && !isNamed(y)) throw new ConfigurationError('LABELS_MISMATCH', `this model was trained on class names (${this.classNames.join(', ')}): evaluate takes class names too`);
    const ds = this.labelled(f, y, 'evaluate', this.head?.type === 'classification' ? this.head.classes : undefined, this.classNames);
    return evaluateModel(model, ds, 256, { loss: this.task.loss });
  }

  /** The trained model (owned by this instance until {@link AutoModel.dispose}). */
  exportModel(): tfl.LayersModel {
    return this.requireModel();
  }

  /**
   * Saves the model in tfjs layers format (`model.json` + `weights-<hash>.bin`), and beside it
   * `autonas.json`: the head, the sample shape and the input's learned encoding, which
   * {@link AutoModel.load} reads back.
   */
  async save(url: string): Promise<void> {
    const model = this.requireModel();
    await saveModel(model, url);
    const dir = url.replace(/^file:\/\//, '');
    const training = this.trainingRules;
    const meta = { version: 1, task: this.task.input.kind, head: this.head, sampleShape: this.sampleShape, encoder: this.encoder?.state, ...(this.classNames ? { classes: this.classNames } : {}), ...(training ? { training } : {}) };
    const tmp = path.join(dir, `autonas.json.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(meta));
    fs.renameSync(tmp, path.join(dir, 'autonas.json'));
  }

  /** Loads a model saved by {@link AutoModel.save} (with its input encoding), for `predict` and `evaluate`. */
  async load(url: string): Promise<void> {
    await initRuntime({ backend: this.options.backend, log: this.options.log ?? (() => {}) });
    const dir = url.replace(/^file:\/\//, '');
    let meta: { task?: string; head?: HeadSpec; sampleShape?: number[]; encoder?: unknown; classes?: string[]; training?: FitResult['training'] };
    try {
      meta = JSON.parse(fs.readFileSync(path.join(dir, 'autonas.json'), 'utf8'));
    } catch (e) {
      throw new ConfigurationError('MODEL_UNREADABLE', `no readable autonas.json in ${dir}: ${(e as Error).message}`);
    }
    if (meta.task !== this.task.input.kind) throw new ConfigurationError('WRONG_TASK', `${dir} holds a ${meta.task} model, not a ${this.task.input.kind} one`);
    const model = await loadModel(dir);
    this.model?.dispose();
    this.model = model;
    this.head = meta.head;
    this.classNames = meta.classes;
    this.trainingRules = meta.training;
    this.sampleShape = meta.sampleShape ?? [];
    this.encoder = this.task.input.restore(meta.encoder);
  }

  /** Releases the model's tensors. */
  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
    this.prepared?.estimator.dispose?.();
    this.prepared = undefined;
  }

  private requireModel(): tfl.LayersModel {
    if (!this.model) throw new ConfigurationError('NOT_FITTED', 'call fit() or load() before predict(), evaluate(), exportModel() or save()');
    return this.model;
  }

  private checkShape(shape: readonly number[]): void {
    if (shape.join() !== this.sampleShape.join()) {
      throw new ConfigurationError('SHAPE_MISMATCH', `the model takes samples of shape [${this.sampleShape}], got [${shape}]`);
    }
  }
}

let defaultRegistry: PluginRegistry | undefined;

/** Store metadata key of the id a runner names a search's jobs by. */
const RUNNER_EXPERIMENT = 'runnerExperiment';

function fmtValue(v: number, o: ResolvedObjective): string {
  return o.metric === 'valAccuracy' ? `${(v * 100).toFixed(2)}%` : v.toFixed(4);
}
