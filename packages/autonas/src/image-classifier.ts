import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigurationError,
  ContainerModule,
  EventBus,
  Experiment,
  PerformanceEstimator,
  SearchStrategy,
  TrialStore,
  createContainer,
  summarize,
  inferShapes,
  type Architecture,
  type ExperimentResult,
  type EpochMetrics,
  type TrialRecord,
} from '@autonas/core';
import { SearchData, concat, createDataset, kFold, splitDataset, toFeatures, type Dataset, type FeatureInput, type LabelInput } from '@autonas/data';
import { LowFidelityEstimator, type LowFidelityOptions } from '@autonas/estimator-lowfi';
import { OneShotEstimator, type OneShotOptions } from '@autonas/estimator-oneshot';
import { ChainSpace, chainSpaceModule, type ChainSpaceOptions } from '@autonas/space-chain';
import { EvolutionStrategy } from '@autonas/strategy-evolution';
import { RandomStrategy } from '@autonas/strategy-random';
import { RlStrategy } from '@autonas/strategy-rl';
import { MorphismBoStrategy, MorphismEstimator, morphismSpaceModule } from '@autonas/strategy-morphism-bo';
import { WorkerPoolEstimator } from '@autonas/executor-workers';
import { compactDataset, type WorkerEstimatorOptions } from './worker-estimator.js';
import { baselineArchitecture } from './baseline.js';
import { KFoldEstimator } from './k-fold-estimator.js';
import { planSearch, type SearchPlan } from './plan.js';
import { openExperimentDirectory, type ExperimentDirectory } from '@autonas/store-sqlite';
import {
  compileArchitecture,
  evaluateModel,
  initRuntime,
  saveModel,
  tf,
  trainModel,
  type ModelArtifact,
  type RuntimeInfo,
  type tfl,
} from '@autonas/tfjs';

/** Built-in strategy names. */
export type StrategyName = 'random' | 'evolution' | 'rl' | 'morphism-bo';

/** The built-in strategies, for messages and the CLI. */
export const STRATEGY_NAMES: readonly StrategyName[] = ['random', 'evolution', 'rl', 'morphism-bo'];

/**
 * Estimator options of {@link ImageClassifier}: the low-fidelity estimator's, plus `oneShot` to
 * score candidates with a weight-sharing supernet instead (see `estimator`).
 */
export interface EstimatorChoice extends LowFidelityOptions {
  /**
   * Score candidates in seconds with a one-shot supernet (`@autonas/estimator-oneshot`) trained
   * once on the search-train split by uniform single-path sampling: `true` for its defaults, or
   * its options (`steps`, `batchSize`, `validationSamples`, ...). The low-fidelity options then
   * apply to what is still trained alone: the baseline, and the best architecture, trained alone
   * once more so the result shows its one-shot score beside its stand-alone accuracy.
   */
  readonly oneShot?: OneShotOptions | true;
}

/** Options of {@link ImageClassifier}. Anything left undefined is searched or defaulted. */
export interface ImageClassifierOptions {
  /** Most candidate architectures to train. Default 10 (unless only `timeLimit` is given). */
  readonly maxTrials?: number;
  /** Seconds for the search (the final retraining is not counted). */
  readonly timeLimit?: number;
  /** Seed of everything random: splits, sampling, weights. Default 0. */
  readonly seed?: number;
  /**
   * The search strategy: a built-in name or an instance. Default `'random'`.
   *
   * `'morphism-bo'` (or a `MorphismBoStrategy` instance, to set its limits) is Auto-Keras's
   * search: it trains the chain space's known-good network, then grows trained networks by
   * function-preserving morphisms chosen by Bayesian optimisation. The chain space is then wrapped
   * in a `MorphismSpace` and candidates are scored by a `MorphismEstimator` on the low-fidelity
   * subsets (`epochs`, `maxSamples`, `dataFraction`, `validationFraction`, `batchSize`,
   * `learningRate` apply; `inputScale` and `patience` do not): a child starts from its parent's
   * trained weights, so its score counts its ancestors' epochs too.
   */
  readonly strategy?: StrategyName | SearchStrategy;
  /** Chain-space choices; a value given in `fixed` is not searched (e.g. `{ 'chain/blocks': 2 }`). */
  readonly space?: Omit<ChainSpaceOptions, 'inputShape' | 'numClasses'>;
  /**
   * How candidates are scored: options of the low-fidelity estimator (epochs, data fraction,
   * input scale; `epochs` defaults to `fit`'s `epochs`), with `oneShot` for a weight-sharing
   * supernet, or a factory of any estimator given the search data (the test set is never part
   * of it).
   */
  readonly estimator?: EstimatorChoice | ((data: SearchData) => PerformanceEstimator);
  /** Try the space's known-good default network first. Default true. */
  readonly startWithDefault?: boolean;
  /** Force a TensorFlow.js backend; default picks the best available. */
  readonly backend?: 'tensorflow' | 'wasm' | 'cpu' | 'auto';
  /** Receives progress lines; default silent. */
  readonly log?: (line: string) => void;
  /**
   * Keep the experiment in this directory (a SQLite trial store, `experiment.sqlite`, and the
   * final model in `model/`), so a search killed at any moment resumes where it stopped: the
   * next `fit` with the same directory reruns no completed trial and counts trials and seconds
   * already spent. Default: in memory only.
   */
  readonly directory?: string;
  /** Start afresh even if `directory` holds an experiment. Default false: resume it. */
  readonly overwrite?: boolean;
  /**
   * Trials at once, each in its own worker process with its own TensorFlow.js backend; `'auto'`
   * is one per core. The wasm backend trains on one thread in Node, so a second worker is the way
   * to use a second core (measured: 1.83× the trials per hour with 2 workers on 2 cores). Default
   * 1: trials run in this process.
   *
   * Workers train with the low-fidelity estimator on the subsets this process draws (each worker
   * gets a copy) and keep no model, so `retrain` must stay on; this process stays the only writer
   * of the trial store. Not with `'morphism-bo'` (a child continues from its parent's weights in
   * this process), one-shot scoring (one supernet), `folds` or an estimator factory.
   */
  readonly workers?: number | 'auto';
}

/** Options of {@link ImageClassifier.fit}. */
export interface FitOptions {
  /** Epochs per candidate (and for retraining unless `retrainEpochs` is set). Default 1. */
  readonly epochs?: number;
  /** Fraction of the training data held out for validation during the search. Default 0.2. */
  readonly validationSplit?: number;
  /** Validation data to use instead of a split. */
  readonly validationData?: readonly [FeatureInput, LabelInput];
  /**
   * Score candidates by k-fold cross-validation on the training data instead of one split: each
   * candidate trains k times (k times the cost) and scores the mean validation accuracy.
   */
  readonly folds?: number;
  /**
   * Train a plain small ResNet-style network first, under the same rules as every candidate, so
   * the result says whether the search beat it. Default true.
   */
  readonly baseline?: boolean;
  /** Overrides the constructor's `maxTrials`. */
  readonly maxTrials?: number;
  /** Overrides the constructor's `timeLimit` (seconds). */
  readonly timeLimit?: number;
  /** Retrain the best architecture from scratch on train + validation data (Adam with cosine learning-rate decay). Default true. */
  readonly retrain?: boolean;
  /** Epochs of the final retraining. Default `epochs`. */
  readonly retrainEpochs?: number;
  /**
   * Seconds the final retraining may take: fewer epochs are run when the best trial's measured
   * speed says they would not fit, and training stops at the limit. Default: none.
   */
  readonly retrainTimeLimit?: number;
  /** Adam learning rate of the final retraining (decayed along a cosine). Default: the estimator's, else 0.001. */
  readonly retrainLearningRate?: number;
  /** Default 64. */
  readonly batchSize?: number;
  /** Sample shape when `x` is a flat array, e.g. `[28, 28, 1]`. */
  readonly sampleShape?: readonly number[];
  /** Called when a trial starts, after each of its epochs, and when it ends. */
  readonly onTrialStart?: (trial: TrialRecord) => void;
  readonly onTrialEpoch?: (trial: TrialRecord, metrics: EpochMetrics) => void;
  readonly onTrialEnd?: (trial: TrialRecord) => void;
}

/** What {@link ImageClassifier.fit} returns. */
export interface FitResult {
  readonly best: TrialRecord;
  readonly trials: readonly TrialRecord[];
  readonly stoppedBy: ExperimentResult['stoppedBy'];
  readonly searchSeconds: number;
  /** Present when the best architecture was retrained. */
  readonly retrain?: {
    /** Epochs run (the last one partial when `stoppedAtTimeLimit`). */
    readonly epochs: number;
    readonly seconds: number;
    /** Training samples (train + validation). */
    readonly samples: number;
    readonly history: readonly EpochMetrics[];
    /** True when `retrainTimeLimit` cut the last epoch short. */
    readonly stoppedAtTimeLimit: boolean;
  };
  readonly runtime: RuntimeInfo;
  /**
   * Present when candidates were scored one-shot: the best architecture's one-shot score (a proxy:
   * supernet weights) beside its validation accuracy trained alone under the low-fidelity rules
   * (the baseline's rules). The final model is retrained from scratch either way.
   */
  readonly oneShot?: {
    readonly score: number;
    readonly standalone: number;
    readonly standaloneSeconds: number;
    readonly supernetSteps: number;
  };
  /** The plain network trained first (see {@link FitOptions.baseline}) and how the search compares. */
  readonly baseline?: {
    readonly architecture: Architecture;
    readonly score: number;
    readonly params: number;
    readonly seconds: number;
    /**
     * Best search score minus the baseline's (same estimator, same data; with one-shot scoring, the
     * best architecture's stand-alone accuracy): positive when the search paid off.
     */
    readonly searchGain: number;
  };
}

/**
 * Image classification by neural architecture search, Auto-Keras style: give it images and
 * labels, get back a searched, retrained, exportable model. It is only a preset: it composes the
 * chain search space, a strategy and the low-fidelity estimator through the container.
 *
 * @example
 * ```ts
 * import { ImageClassifier } from 'autonas';
 * import { loadMnist } from '@autonas/data';
 * const { train, test } = await loadMnist({ trainSize: 600, testSize: 200 });
 * const clf = new ImageClassifier({ maxTrials: 1, seed: 7, space: { fixed: { 'chain/blocks': 1 } } });
 * await clf.fit(train.x, train.y, { epochs: 1, sampleShape: [28, 28, 1] });
 * const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: [28, 28, 1] });
 * console.log(accuracy > 0.3);
 * clf.dispose();
 * ```
 */
export class ImageClassifier {
  private model: tfl.LayersModel | undefined;
  private result: FitResult | undefined;
  private numClasses = 0;
  private sampleShape: readonly number[] = [];

  constructor(readonly options: ImageClassifierOptions = {}) {
    if (options.maxTrials !== undefined && !(Number.isInteger(options.maxTrials) && options.maxTrials >= 1)) {
      throw new ConfigurationError('BAD_MAX_TRIALS', `maxTrials must be a positive integer, got ${options.maxTrials}`);
    }
    if (options.timeLimit !== undefined && !(options.timeLimit > 0)) {
      throw new ConfigurationError('BAD_TIME_LIMIT', `timeLimit must be positive seconds, got ${options.timeLimit}`);
    }
    if (typeof options.strategy === 'string' && !STRATEGY_NAMES.includes(options.strategy)) {
      throw new ConfigurationError('UNKNOWN_STRATEGY', `unknown strategy "${options.strategy}"; built in: ${STRATEGY_NAMES.join(', ')}`);
    }
    const w = options.workers;
    if (w !== undefined && w !== 'auto' && !(Number.isInteger(w) && w >= 1)) {
      throw new ConfigurationError('BAD_WORKERS', `workers must be a positive integer or 'auto', got ${w}`);
    }
  }

  /** Worker processes `fit` will run trials in (1: trials run in this process). */
  get workerCount(): number {
    const w = this.options.workers ?? 1;
    return w === 'auto' ? os.availableParallelism() : w;
  }

  /** The last fit's result (trials, best, timings). */
  get fitResult(): FitResult | undefined {
    return this.result;
  }

  /**
   * Searches architectures on `x`/`y`, then retrains the best one (unless `retrain: false`).
   * The data is split into search-train and validation; pass your test set only to
   * {@link ImageClassifier.evaluate}.
   */
  async fit(x: FeatureInput, y: LabelInput, options: FitOptions = {}): Promise<FitResult> {
    const experiment = this.options.directory === undefined ? undefined : openExperimentDirectory(this.options.directory, { overwrite: this.options.overwrite });
    try {
      return await this.search(x, y, options, experiment);
    } finally {
      experiment?.store.close();
    }
  }

  private async search(x: FeatureInput, y: LabelInput, options: FitOptions, experiment: ExperimentDirectory | undefined): Promise<FitResult> {
    const log = this.options.log ?? (() => {});
    const runtime = await initRuntime({ backend: this.options.backend, log });
    const seed = this.options.seed ?? 0;
    const prepared = this.prepare(x, y, options);
    if (this.workerCount > 1 && options.retrain === false) {
      throw new ConfigurationError('RETRAIN_NEEDED', `with ${this.workerCount} workers, candidates train in other processes and keep no model: retrain must stay on`);
    }
    const pool = this.workerCount > 1 ? await this.startWorkers(prepared.estimator as LowFidelityEstimator, runtime, log) : undefined;
    try {
      return await this.searchWith(options, experiment, { ...prepared, ...(pool ? { estimator: pool } : {}), seed, runtime, log });
    } finally {
      pool?.close();
      if (prepared.estimator instanceof OneShotEstimator) prepared.estimator.dispose();
    }
  }

  /** Starts the worker processes, each with the low-fidelity estimator on a copy of `lowfi`'s subsets. */
  private async startWorkers(lowfi: LowFidelityEstimator, runtime: RuntimeInfo, log: (line: string) => void): Promise<WorkerPoolEstimator> {
    const { epochs, batchSize, learningRate, patience, inputScale } = lowfi.options;
    const options: WorkerEstimatorOptions = {
      train: compactDataset(lowfi.train),
      validation: compactDataset(lowfi.validation),
      options: { epochs, batchSize, learningRate, patience, inputScale },
      backend: runtime.backend as WorkerEstimatorOptions['backend'],
    };
    const here = fileURLToPath(import.meta.url);
    const pool = new WorkerPoolEstimator({
      workers: this.workerCount,
      estimator: { module: path.join(path.dirname(here), here.endsWith('.ts') ? 'worker-estimator.ts' : 'worker-estimator.js'), export: 'lowFidelityWorkerEstimator', options },
    });
    const started = performance.now();
    try {
      await pool.start();
    } catch (e) {
      pool.close();
      throw e;
    }
    log(`${this.workerCount} worker processes started in ${((performance.now() - started) / 1000).toFixed(1)} s (${runtime.backend} backend each); ${this.workerCount} trials run at once`);
    return pool;
  }

  private async searchWith(
    options: FitOptions,
    experiment: ExperimentDirectory | undefined,
    { data, train, validation, estimator, standalone, epochs, maxTrials, timeLimit, seed, runtime, log }: ReturnType<ImageClassifier['prepare']> & { seed: number; runtime: RuntimeInfo; log: (line: string) => void },
  ): Promise<FitResult> {
    const strategy = this.makeStrategy(seed, maxTrials);
    if (experiment?.resumed) log(`resuming the experiment in ${experiment.file}: ${experiment.store.trials().length} trial(s) recorded`);
    const container = createContainer(
      { maxTrials: maxTrials ?? (timeLimit === undefined ? 10 : undefined), timeLimit, seed },
      this.morphism
        ? morphismSpaceModule(new ChainSpace(this.chainOptions(data)))
        : chainSpaceModule(this.chainOptions(data)),
      new ContainerModule(({ bind }) => {
        bind<SearchData>(SearchData).toConstantValue({ train, validation });
        bind<SearchStrategy>(SearchStrategy).toConstantValue(strategy);
        bind<PerformanceEstimator>(PerformanceEstimator).toConstantValue(estimator);
      }),
      new ContainerModule(({ rebind }) => {
        if (experiment) rebind<TrialStore>(TrialStore).toConstantValue(experiment.store);
      }),
    );
    const events = container.get(EventBus);
    events.on('trial:start', ({ trial }) => options.onTrialStart?.(trial));
    events.on('trial:epoch', ({ trial, metrics }) => options.onTrialEpoch?.(trial, metrics));
    events.on('trial:end', ({ trial }) => options.onTrialEnd?.(trial));
    const baseline = options.baseline === false ? undefined : await this.trainBaseline(standalone ?? estimator, data, seed, experiment, log);
    const search = await container.get(Experiment).run();
    // Idle workers would hold their memory through the retraining.
    if (estimator instanceof WorkerPoolEstimator) estimator.close();
    const artifact = search.bestArtifact as ModelArtifact | undefined;
    if (!search.best) {
      artifact?.dispose();
      const reasons = search.trials.map((t) => `trial ${t.id}: ${t.status}${t.error ? ` (${t.error})` : ''}`).join('; ');
      throw new ConfigurationError('NO_TRIAL_SUCCEEDED', `no trial produced a score (${search.stoppedBy}); ${reasons || 'no trial ran'}`);
    }
    log(`best: trial ${search.best.id + 1}, ${summarize(search.best.architecture)}, validation accuracy ${(search.best.score! * 100).toFixed(2)}%`);
    let oneShot: FitResult['oneShot'];
    if (standalone) {
      // One-shot scores are a proxy: train the winner alone under the baseline's rules, so the report compares like with like.
      if (estimator instanceof OneShotEstimator) estimator.dispose();
      log(`one-shot score ${(search.best.score! * 100).toFixed(2)}% is a proxy (supernet weights); training the best architecture alone to check it`);
      const e = await standalone.estimate(search.best.architecture, { trialId: search.best.id, seed, signal: new AbortController().signal, report: () => {} });
      e.artifact?.dispose();
      oneShot = { score: search.best.score!, standalone: e.score, standaloneSeconds: e.cost.seconds, supernetSteps: search.best.metrics.supernetSteps ?? 0 };
      log(`one-shot ${(oneShot.score * 100).toFixed(2)}% beside ${(oneShot.standalone * 100).toFixed(2)}% trained alone (${oneShot.standaloneSeconds.toFixed(1)} s)`);
    }
    const bestScore = oneShot ? oneShot.standalone : search.best.score!;
    const searchGain = baseline ? bestScore - baseline.score : 0;
    if (baseline) {
      log(searchGain > 0
        ? `the search beat the baseline by ${(searchGain * 100).toFixed(2)} points (${(baseline.score * 100).toFixed(2)}% for the plain ResNet-style network)`
        : `the search did NOT beat the baseline: ${(bestScore * 100).toFixed(2)}% vs ${(baseline.score * 100).toFixed(2)}% for the plain ResNet-style network`);
    }
    this.model?.dispose();
    let retrainInfo: FitResult['retrain'];
    if (options.retrain === false) {
      if (options.folds !== undefined) throw new ConfigurationError('RETRAIN_NEEDED', 'with folds, candidates keep no model: retrain must stay on');
      if (!artifact) throw new ConfigurationError('NO_MODEL', 'the best trial kept no trained model; use retrain: true');
      this.model = artifact.model;
    } else {
      artifact?.dispose();
      const full = concat(train, validation);
      let retrainEpochs = options.retrainEpochs ?? epochs;
      const sps = search.best.metrics.samplesPerSecond;
      if (options.retrainTimeLimit !== undefined && sps && sps > 0) {
        // Epochs that can start within the limit at the best trial's measured speed; the last one may be cut short.
        const fits = Math.ceil((options.retrainTimeLimit * sps) / full.size);
        if (fits < retrainEpochs) {
          log(`retraining: ${retrainEpochs} epochs would take ~${Math.round((retrainEpochs * full.size) / sps)} s at the measured ${Math.round(sps)} samples/s; running at most ${fits} within ${options.retrainTimeLimit} s`);
          retrainEpochs = Math.max(1, fits);
        }
      }
      log(`retraining the best architecture from scratch on ${full.size} samples for ${retrainEpochs} epoch(s)`);
      const model = compileArchitecture(search.best.architecture, { seed });
      const stop = new AbortController();
      const timer = options.retrainTimeLimit === undefined ? undefined : setTimeout(() => stop.abort(), options.retrainTimeLimit * 1000);
      try {
        const r = await trainModel(model, full, {
          epochs: retrainEpochs,
          batchSize: options.batchSize,
          learningRate: options.retrainLearningRate ?? (typeof this.options.estimator === 'object' ? this.options.estimator.learningRate : undefined),
          schedule: 'cosine',
          seed,
          signal: stop.signal,
          onEpoch: (m) => log(`  retrain epoch ${m.epoch + 1}/${retrainEpochs}: loss ${m.loss!.toFixed(4)}, accuracy ${(m.accuracy! * 100).toFixed(2)}%`),
        });
        retrainInfo = { epochs: r.epochs, seconds: r.seconds, samples: full.size, history: r.history, stoppedAtTimeLimit: r.aborted };
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        if (timer) clearTimeout(timer);
      }
      this.model = model;
    }
    this.numClasses = data.numClasses;
    this.sampleShape = data.sampleShape;
    if (experiment) {
      const location = path.join(this.options.directory!, 'model');
      await saveModel(this.model, location);
      experiment.store.saveBestModel({ location, trialId: search.best.id });
    }
    this.result = {
      best: search.best, trials: search.trials, stoppedBy: search.stoppedBy, searchSeconds: search.seconds, retrain: retrainInfo, runtime,
      ...(baseline ? { baseline: { ...baseline, searchGain } } : {}),
      ...(oneShot ? { oneShot } : {}),
    };
    return this.result;
  }

  /**
   * Estimates what `fit` with these arguments will cost, before it starts: a short timed probe
   * (the space's known-good network trained on a few batches) turned into seconds per trial,
   * trials within the budget, baseline, retraining and peak memory. `lines` says it in words.
   *
   * @example
   * ```ts
   * import { ImageClassifier } from 'autonas';
   * import { loadMnist } from '@autonas/data';
   * const { train } = await loadMnist({ trainSize: 600 });
   * const clf = new ImageClassifier({ maxTrials: 5, seed: 1 });
   * const plan = await clf.plan(train.x, train.y, { epochs: 1, sampleShape: [28, 28, 1] });
   * console.log(plan.lines.join('\n'));
   * ```
   */
  async plan(x: FeatureInput, y: LabelInput, options: FitOptions = {}): Promise<SearchPlan> {
    await initRuntime({ backend: this.options.backend, log: this.options.log ?? (() => {}) });
    const { data, train, validation, estimator, standalone, epochs, maxTrials, timeLimit } = this.prepare(x, y, options);
    const space = new ChainSpace(this.chainOptions(data));
    const lowfi = estimator instanceof LowFidelityEstimator || estimator instanceof MorphismEstimator ? estimator : standalone;
    const oneShot = estimator instanceof OneShotEstimator ? estimator : undefined;
    oneShot?.dispose();
    const k = options.folds ?? 1;
    return planSearch({
      architecture: space.defaultArchitecture(),
      probeData: train,
      trialTrainSamples: ((lowfi instanceof MorphismEstimator ? lowfi.data.train : lowfi?.train)?.size ?? train.size) * k,
      trialValidationSamples: ((lowfi instanceof MorphismEstimator ? lowfi.data.validation : lowfi?.validation)?.size ?? validation.size) * k,
      epochs: lowfi?.options.epochs ?? epochs,
      maxTrials: maxTrials ?? (timeLimit === undefined ? 10 : undefined),
      timeLimit,
      baseline: options.baseline !== false,
      retrainEpochs: options.retrain === false ? 0 : options.retrainEpochs ?? epochs,
      retrainSamples: data.size,
      retrainTimeLimit: options.retrainTimeLimit,
      dataBytes: data.x.byteLength + (options.validationData ? validation.x.byteLength : 0),
      batchSize: options.batchSize,
      seed: this.options.seed,
      workers: this.workerCount,
      workerDataBytes: lowfi instanceof LowFidelityEstimator ? [lowfi.train, lowfi.validation].reduce((n, d) => n + d.x.byteLength + d.y.byteLength, 0) : 0,
      oneShot: oneShot && {
        steps: oneShot.options.steps ?? 1000,
        batchSize: oneShot.options.batchSize ?? 64,
        calibrationBatches: oneShot.options.calibrationBatches ?? 4,
        validationSamples: oneShot.validation.size,
      },
    });
  }

  /** Splits the data and builds the estimator exactly as `fit` will. */
  private prepare(x: FeatureInput, y: LabelInput, options: FitOptions) {
    const seed = this.options.seed ?? 0;
    const data = createDataset(x, y, { sampleShape: options.sampleShape, name: 'fit' });
    if (data.sampleShape.length !== 3) {
      throw new ConfigurationError('NOT_IMAGES', `ImageClassifier needs images of shape [height, width, channels] (or [height, width]); got samples of shape [${data.sampleShape}]`);
    }
    if (options.folds !== undefined && options.validationData) throw new ConfigurationError('BAD_FOLDS', 'give folds or validationData, not both');
    let train: Dataset;
    let validation: Dataset;
    if (options.validationData) {
      train = data;
      validation = createDataset(options.validationData[0], options.validationData[1], { sampleShape: options.sampleShape, numClasses: data.numClasses, name: 'validationData' });
    } else {
      ({ train, validation } = splitDataset(data, { fraction: options.validationSplit ?? 0.2, seed }));
    }
    const epochs = options.epochs ?? 1;
    const est = this.options.estimator;
    if (this.workerCount > 1) {
      const why = this.morphism ? 'the morphism-bo search continues each child from its parent\'s weights, kept in this process'
        : typeof est === 'object' && est.oneShot !== undefined ? 'one-shot scoring uses one supernet in this process'
        : options.folds !== undefined ? 'k-fold scoring is not run in workers'
        : typeof est === 'function' ? 'an estimator factory cannot be sent to another process (use WorkerPoolEstimator with an EstimatorSpec)'
        : undefined;
      if (why) throw new ConfigurationError('WORKERS_NOT_SUPPORTED', `workers: ${this.options.workers} does not apply here: ${why}`);
    }
    const lowfiOptions = (e: EstimatorChoice | undefined): LowFidelityOptions => {
      const { oneShot: _, ...rest } = e ?? {};
      return { epochs, batchSize: options.batchSize, ...rest };
    };
    const oneShot = typeof est === 'object' ? est.oneShot : undefined;
    if (oneShot !== undefined) {
      if (this.morphism) throw new ConfigurationError('ONESHOT_WITH_MORPHISM', 'the morphism-bo search trains every network it grows; it cannot use a one-shot supernet');
      if (options.folds !== undefined) throw new ConfigurationError('ONESHOT_WITH_FOLDS', 'one-shot scoring uses one supernet on one split; give folds or estimator.oneShot, not both');
      // The supernet trains on the whole search-train split and scores on the validation split; what is trained alone follows the low-fidelity options.
      const supernet = new OneShotEstimator(new ChainSpace(this.chainOptions(data)), { train, validation }, { seed, batchSize: options.batchSize, ...(oneShot === true ? {} : oneShot) });
      const standalone = new LowFidelityEstimator({ train, validation }, lowfiOptions(est as EstimatorChoice));
      return { data, train, validation, estimator: supernet as PerformanceEstimator, standalone, epochs, maxTrials: options.maxTrials ?? this.options.maxTrials, timeLimit: options.timeLimit ?? this.options.timeLimit };
    }
    const make = (d: SearchData): PerformanceEstimator => {
      if (typeof est === 'function') return est(d);
      const lowfi = new LowFidelityEstimator(d, lowfiOptions(est));
      if (!this.morphism) return lowfi;
      for (const key of ['inputScale', 'patience'] as const) {
        if (est?.[key] !== undefined) throw new ConfigurationError('MORPHISM_ESTIMATOR_OPTION', `estimator.${key} does not apply to the morphism-bo search: a child continues from its parent's trained weights at the same input size`);
      }
      return new MorphismEstimator({ train: lowfi.train, validation: lowfi.validation }, { epochs: lowfi.options.epochs, batchSize: lowfi.options.batchSize, learningRate: lowfi.options.learningRate });
    };
    let estimator: PerformanceEstimator;
    if (options.folds !== undefined) {
      // Cross-validation over all the training data; the split above only seeds SearchData's shape.
      const folds = kFold(data, options.folds, { seed });
      ({ train, validation } = folds[0]!);
      estimator = new KFoldEstimator(folds, make);
    } else {
      estimator = make({ train, validation });
    }
    return { data, train, validation, estimator, standalone: undefined as LowFidelityEstimator | undefined, epochs, maxTrials: options.maxTrials ?? this.options.maxTrials, timeLimit: options.timeLimit ?? this.options.timeLimit };
  }

  private makeStrategy(seed: number, maxTrials: number | undefined): SearchStrategy {
    const s = this.options.strategy;
    if (typeof s === 'object') return s;
    const startWithDefault = this.options.startWithDefault ?? true;
    if (s === 'evolution') {
      // Aging evolution with a population sized to the budget: the paper's 100 would make a small search purely random.
      const populationSize = Math.max(2, Math.min(20, Math.ceil((maxTrials ?? 30) / 3)));
      return new EvolutionStrategy({ seed, startWithDefault, populationSize, sampleSize: Math.max(2, Math.ceil(populationSize / 4)) });
    }
    if (s === 'rl') return new RlStrategy({ seed });
    if (s === 'morphism-bo') return new MorphismBoStrategy({ seed });
    return new RandomStrategy({ seed, startWithDefault });
  }

  /** Whether the strategy grows networks by morphisms (space and estimator follow). */
  private get morphism(): boolean {
    const s = this.options.strategy;
    return s === 'morphism-bo' || (typeof s === 'object' && s.name === 'morphism-bo');
  }

  private chainOptions(data: Dataset): ChainSpaceOptions {
    return { ...this.options.space, inputShape: data.sampleShape as [number, number, number], numClasses: data.numClasses };
  }

  /** Scores the plain baseline network with the search's estimator (once per experiment directory). */
  private async trainBaseline(estimator: PerformanceEstimator, data: Dataset, seed: number, experiment: ExperimentDirectory | undefined, log: (line: string) => void) {
    const saved = experiment?.store.loadMeta?.('baseline') as { architecture: Architecture; score: number; params: number; seconds: number } | undefined;
    if (saved) return saved;
    const architecture = baselineArchitecture(data.sampleShape as [number, number, number], data.numClasses);
    const params = inferShapes(architecture).totalParams;
    log(`baseline: a plain ResNet-style network (${params} parameters), trained like every candidate`);
    const started = performance.now();
    const e = await estimator.estimate(architecture, { trialId: -1, seed, signal: new AbortController().signal, report: () => {} });
    e.artifact?.dispose();
    const result = { architecture, score: e.score, params, seconds: (performance.now() - started) / 1000 };
    log(`baseline: validation accuracy ${(e.score * 100).toFixed(2)}% in ${result.seconds.toFixed(1)} s`);
    experiment?.store.saveMeta?.('baseline', result);
    return result;
  }

  /** Class probabilities, shape `[n, classes]`. The caller disposes the tensor. */
  async predict(x: FeatureInput, options: { sampleShape?: readonly number[]; batchSize?: number } = {}): Promise<tf.Tensor2D> {
    const model = this.requireModel();
    const f = toFeatures(x, { sampleShape: options.sampleShape ?? this.sampleShape, name: 'predict' });
    this.checkShape(f.sampleShape);
    const input = tf.tensor(f.x, [f.size, ...f.sampleShape]);
    try {
      return model.predict(input, { batchSize: options.batchSize ?? 256 }) as tf.Tensor2D;
    } finally {
      input.dispose();
    }
  }

  /** Accuracy and mean cross-entropy on labelled data (your held-out test set). */
  async evaluate(x: FeatureInput, y: LabelInput, options: { sampleShape?: readonly number[] } = {}): Promise<{ accuracy: number; loss: number }> {
    const model = this.requireModel();
    const ds = createDataset(x, y, { sampleShape: options.sampleShape ?? this.sampleShape, numClasses: this.numClasses, name: 'evaluate' });
    this.checkShape(ds.sampleShape);
    return evaluateModel(model, ds);
  }

  /** The trained model as a `tf.LayersModel` (owned by this classifier until {@link ImageClassifier.dispose}). */
  exportModel(): tfl.LayersModel {
    return this.requireModel();
  }

  /** Saves the model in tfjs layers format (`model.json` + `weights.bin`); `file://` prefix optional. */
  async save(url: string): Promise<void> {
    await saveModel(this.requireModel(), url);
  }

  /** Releases the model's tensors. */
  dispose(): void {
    this.model?.dispose();
    this.model = undefined;
  }

  private requireModel(): tfl.LayersModel {
    if (!this.model) throw new ConfigurationError('NOT_FITTED', 'call fit() before predict(), evaluate(), exportModel() or save()');
    return this.model;
  }

  private checkShape(shape: readonly number[]): void {
    if (shape.join() !== this.sampleShape.join()) {
      throw new ConfigurationError('SHAPE_MISMATCH', `the model takes samples of shape [${this.sampleShape}], got [${shape}]`);
    }
  }
}
