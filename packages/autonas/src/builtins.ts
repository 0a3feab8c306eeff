import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigurationError,
  PluginRegistry,
  type HeadSpec,
  type PerformanceEstimator,
  type PluginEntry,
  type RunnerEstimator,
  type SearchSpace,
  type SearchStrategy,
} from '@autonas/core';
import type { SearchData } from '@autonas/data';
import { LowFidelityEstimator, lowFidelitySubsets, type LowFidelityOptions } from '@autonas/estimator-lowfi';
import { OneShotEstimator, type OneShotOptions } from '@autonas/estimator-oneshot';
import { ZeroCostEstimator, type ZeroCostOptions } from '@autonas/estimator-zerocost';
import { WorkerPoolEstimator } from '@autonas/runner-workers';
import { DartsCellSpace, type DartsCellSpaceOptions } from '@autonas/space-cell';
import { ChainSpace, type ChainSpaceOptions } from '@autonas/space-chain';
import { DenseSpace, type DenseSpaceOptions } from '@autonas/space-dense';
import { EvolutionStrategy } from '@autonas/strategy-evolution';
import { LocalSearchStrategy } from '@autonas/strategy-local';
import { MorphismBoStrategy, MorphismEstimator, MorphismSpace } from '@autonas/strategy-morphism-bo';
import { PredictorStrategy } from '@autonas/strategy-predictor';
import { RandomStrategy } from '@autonas/strategy-random';
import { DartsStrategy, type DartsStrategyOptions } from '@autonas/strategy-darts';
import { RlStrategy } from '@autonas/strategy-rl';
import type { BackendRequest } from '@autonas/tfjs';
import { compactDataset, type WorkerEstimatorOptions } from './worker-estimator.js';

/** What a space plugin is made from: the data's sample shape, the head, and the user's options. */
export interface SpaceContext {
  readonly inputShape: readonly number[];
  readonly head: HeadSpec;
  readonly options?: object;
}

/** What a strategy plugin is made from. */
export interface StrategyContext {
  readonly seed: number;
  /** The trial budget, when there is one (strategies size populations to it). */
  readonly maxTrials?: number;
  /**
   * Without a trial budget, the number of trials the search's time limit is expected to allow
   * (from the baseline's measured seconds), when known. Strategies that size themselves to a
   * budget (a population, an initial design) use it in place of `maxTrials`.
   */
  readonly expectedTrials?: number;
  /** Try the space's known-good default network first. */
  readonly startWithDefault: boolean;
  /** The search data (never the test set), for strategies that train networks of their own (a DARTS supernet). */
  readonly data?: SearchData;
  /** Progress lines (the host's log). */
  readonly log?: (line: string) => void;
  readonly options?: object;
}

/** What a strategy plugin's own space is made from: the task's space and what it was made from. */
export interface StrategySpaceContext extends Omit<SpaceContext, 'options'> {
  /** The strategy's options (`AutoModelOptions.strategyOptions`). */
  readonly options?: object;
}

/** Training options shared by the estimators that train candidates (the low-fidelity rules). */
export type TrainingOptions = LowFidelityOptions;

/**
 * A strategy plugin. Besides making the strategy, one that grows trained networks (network
 * morphism) declares `parentWeights` and brings the space and the estimator it needs; one that
 * searches a space of its own kind (DARTS's cells) brings that space.
 */
export interface StrategyPlugin extends PluginEntry<StrategyContext, SearchStrategy> {
  readonly kind: 'strategy';
  /** The space its trials live in (and the final network is retrained in), built on the task's space or instead of it. */
  readonly space?: (base: SearchSpace, context: StrategySpaceContext) => SearchSpace;
  /** The estimator its trials need (a child starts from its parent's weights). */
  readonly estimator?: (data: SearchData, options: TrainingOptions) => PerformanceEstimator;
}

/** What an estimator plugin is made from: the search data (never the test set), the space, the training rules. */
export interface EstimatorContext {
  readonly data: SearchData;
  readonly space: SearchSpace;
  readonly training: TrainingOptions;
  readonly seed: number;
  readonly options?: object;
}

/** An estimator made for a search, with what a host needs to plan and place its trials. */
export interface PreparedEstimator {
  readonly estimator: PerformanceEstimator;
  /** Samples each trial trains and is scored on, for the plan. */
  readonly trialSamples: { readonly train: number; readonly validation: number };
  /** Epochs each trial trains. */
  readonly epochs: number;
  /** Plain data from which a worker process builds the same estimator (plugins with the `workers` capability). */
  readonly remote?: (backend: BackendRequest) => RemoteEstimatorSpec;
  /** A one-shot supernet's plan figures. */
  readonly supernet?: { readonly steps: number; readonly batchSize: number; readonly calibrationBatches: number; readonly validationSamples: number };
  /** Releases what it holds (a supernet's weights). */
  dispose?(): void;
}

/** An estimator plugin. */
export type EstimatorPlugin = PluginEntry<EstimatorContext, PreparedEstimator> & { readonly kind: 'estimator' };

/** How another process builds an estimator: an `EstimatorSpec` with its size. */
export interface RemoteEstimatorSpec {
  /** The module as this process resolves it (a file: exactly this installation's code). */
  readonly module: string;
  /** The module as an installed package names it, for workers on other machines (e.g. `'autonas'`). */
  readonly package?: string;
  readonly export: string;
  readonly options: unknown;
  /** Bytes of data the options carry. */
  readonly bytes: number;
}

/** What a runner plugin is made from. */
export interface RunnerContext {
  /** Trials at once. */
  readonly workers: number;
  readonly spec: RemoteEstimatorSpec;
  /** An id of this search, kept across resumes, to name its jobs by. */
  readonly experiment: string;
  /** The runner's own options (`AutoModelOptions.runnerOptions`). */
  readonly options?: object;
  readonly log?: (line: string) => void;
}

/** A runner plugin: trials of a remote-capable estimator placed in other processes. */
export type RunnerPlugin = PluginEntry<RunnerContext, RunnerEstimator> & { readonly kind: 'runner' };

/** Options of the `bullmq` runner plugin. */
export interface BullmqRunnerOptions {
  /** Redis URL of the queue, e.g. `redis://127.0.0.1:6379`. */
  readonly redis: string;
  /** Queue name; the workers' `--queue`. Default `'autonas-trials'`. */
  readonly queue?: string;
}

/** Options of the `darts` strategy plugin: the supernet search's, and the network its derived cell is trained in. */
export interface DartsPluginOptions extends Omit<DartsStrategyOptions, 'data' | 'retrainSpace'> {
  /** Cells and channels of the network every trial (and the final retraining) builds from a cell, when the task's space is not a cell space. */
  readonly network?: Partial<Omit<DartsCellSpaceOptions, 'inputShape' | 'numClasses'>>;
}

/**
 * Sizes of the `darts` strategy plugin unless given: a supernet of 3 cells × 4 channels searched
 * for 2 epochs (first order) on at most 2,000 images of each split (at half size when they are 24
 * pixels or more), and trials of 3 cells × 8 channels, so that on 2 cores the supernet takes
 * minutes, not hours (DARTS' own CIFAR search is 8 cells × 16 channels for 50 epochs).
 */
export const DARTS_SEARCH_DEFAULTS: DartsPluginOptions = { cells: 3, channels: 4, epochs: 2, order: 1, maxSamples: 2000, network: { cells: 3, channels: 8 } };

/** The `cell` space for images and a classification head. */
function cellSpace(inputShape: readonly number[], head: HeadSpec, options: Partial<DartsCellSpaceOptions> | undefined): DartsCellSpace {
  if (head.type !== 'classification') throw new ConfigurationError('SPACE_HEAD', `the cell space builds classifiers; it has no ${head.type} head`);
  if (inputShape.length !== 3) throw new ConfigurationError('SPACE_INPUT', `the cell space takes images [height, width, channels], got samples of shape [${inputShape}]`);
  return new DartsCellSpace({ ...options, inputShape: inputShape as [number, number, number], numClasses: head.classes });
}

const here = fileURLToPath(import.meta.url);
const workerModule = path.join(path.dirname(here), here.endsWith('.ts') ? 'worker-estimator.ts' : 'worker-estimator.js');

/**
 * The built-in plugins, found by name: spaces `chain`, `dense` and `cell`; strategies `random`,
 * `evolution`, `rl`, `morphism-bo`, `darts`; estimators `lowfi`, `oneshot` and `zerocost`; runners `workers`
 * and `bullmq`.
 * Copy it with `clone()` to add plugins of your own.
 *
 * @example
 * ```ts
 * import { builtinPlugins } from 'autonas';
 * console.log(builtinPlugins().names('strategy')); // ['random', 'evolution', 'rl', 'morphism-bo', 'darts', 'predictor', 'local']
 * ```
 */
export function builtinPlugins(): PluginRegistry {
  const r = new PluginRegistry();
  r.register<SpaceContext, SearchSpace>({
    kind: 'space', name: 'chain', description: 'a chain of conv blocks for images',
    create: ({ inputShape, head, options }) => new ChainSpace({ ...(options as Partial<ChainSpaceOptions>), inputShape: inputShape as [number, number, number], head }),
  });
  r.register<SpaceContext, SearchSpace>({
    kind: 'space', name: 'dense', description: 'a chain of dense blocks for structured data',
    create: ({ inputShape, head, options }) => new DenseSpace({ ...(options as Partial<DenseSpaceOptions>), inputUnits: inputShape.reduce((a, b) => a * b, 1), head }),
  });
  r.register<SpaceContext, SearchSpace>({
    kind: 'space', name: 'cell', description: 'DARTS / NASNet cells (normal and reduction), stacked into a classifier',
    create: ({ inputShape, head, options }) => cellSpace(inputShape, head, options as Partial<DartsCellSpaceOptions> | undefined),
  });
  r.register<StrategyContext, SearchStrategy>({
    kind: 'strategy', name: 'random', description: 'random search without repeats',
    create: ({ seed, startWithDefault, options }) => new RandomStrategy({ seed, startWithDefault, ...options }),
  });
  r.register<StrategyContext, SearchStrategy>({
    kind: 'strategy', name: 'evolution', description: 'regularized (aging) evolution',
    capabilities: { multiObjective: true },
    create: ({ seed, startWithDefault, maxTrials, expectedTrials, options }) => {
      // A population sized to the budget: the paper's 100 would make a small search purely random.
      const populationSize = Math.max(2, Math.min(20, Math.ceil((maxTrials ?? expectedTrials ?? 30) / 3)));
      return new EvolutionStrategy({ seed, startWithDefault, populationSize, sampleSize: Math.max(2, Math.ceil(populationSize / 4)), ...options });
    },
  });
  r.register<StrategyContext, SearchStrategy>({
    kind: 'strategy', name: 'rl', description: 'an LSTM controller trained by REINFORCE',
    create: ({ seed, options }) => new RlStrategy({ seed, ...options }),
  });
  const morphism: StrategyPlugin = {
    kind: 'strategy', name: 'morphism-bo', description: 'network morphism guided by Bayesian optimisation (Auto-Keras)',
    capabilities: { parentWeights: true, reasons: { workers: "the morphism-bo search continues each child from its parent's weights, kept in this process", hyperparameters: "a child continues its parent's training: the training rules stay fixed" } },
    create: ({ seed, options }) => new MorphismBoStrategy({ seed, ...options }),
    space: (base) => new MorphismSpace(base),
    estimator: (data, o) => {
      for (const key of ['inputScale', 'patience'] as const) {
        if (o[key] !== undefined) throw new ConfigurationError('MORPHISM_ESTIMATOR_OPTION', `estimator.${key} does not apply to the morphism-bo search: a child continues from its parent's trained weights at the same input size`);
      }
      const sets = lowFidelitySubsets(data, o);
      return new MorphismEstimator(sets, { epochs: o.epochs, batchSize: o.batchSize, learningRate: o.learningRate });
    },
  };
  r.register(morphism);
  const darts: StrategyPlugin = {
    kind: 'strategy', name: 'darts',
    description: "DARTS: the cell space relaxed into a supernet searched by gradient descent; the derived cell is one trial, retrained like any other",
    capabilities: {
      trainsOwnNetworks: true,
      reasons: { parentWeights: 'DARTS trains one supernet, not trained parents', folds: 'the supernet trains on one split', hyperparameters: 'its one trial is the derived cell' },
    },
    // The trials' network: the task's space when it is a cell space, else the `cell` space at DARTS_SEARCH_DEFAULTS.network.
    space: (base, { inputShape, head, options }) => {
      const o = { ...DARTS_SEARCH_DEFAULTS, ...(options as Partial<DartsPluginOptions> | undefined) };
      return base.name === 'darts-cell' ? base : cellSpace(inputShape, head, o.network);
    },
    create: ({ seed, data, log, options }) => {
      if (!data) throw new ConfigurationError('NO_DATA', 'the darts strategy needs the search data (its supernet trains on it)');
      const [h = 0, w = 0] = data.train.sampleShape;
      // Images of 24 pixels or more are searched at half size (the cell is then built at full size).
      const { network: _n, ...o } = { ...DARTS_SEARCH_DEFAULTS, downsample: Math.min(h, w) >= 24 ? 2 : 1, ...(options as Partial<DartsPluginOptions> | undefined) };
      const epochs = o.epochs ?? 10;
      const n = Math.min(data.train.size, o.maxSamples ?? Infinity);
      log?.(`darts: a supernet of ${o.cells} cells × ${o.channels} channels searched for ${epochs} epoch(s) on ${n} images${o.downsample! > 1 ? ` shrunk ${o.downsample}×` : ''} (first ${o.order === 2 ? 'and second ' : ''}order); the derived cell is the search's trial`);
      return new DartsStrategy({
        seed, data, ...o,
        onEpoch: (r) => {
          log?.(`darts supernet epoch ${r.epoch + 1}/${epochs}: validation accuracy ${(r.valAccuracy * 100).toFixed(2)}% in ${r.seconds.toFixed(1)} s; cell normal ${r.genotype.normal.map(([op, i]) => `${op}←${i}`).join(' ')}`);
          o.onEpoch?.(r);
        },
      });
    },
  };
  r.register(darts);
  r.register<StrategyContext, SearchStrategy>({
    kind: 'strategy', name: 'predictor', description: 'BANANAS-style search: an MLP ensemble predicts scores from the decisions and picks among mutants of the best',
    capabilities: { multiObjective: true },
    create: ({ seed, startWithDefault, maxTrials, expectedTrials, options }) => new PredictorStrategy({ seed, startWithDefault, budget: maxTrials ?? expectedTrials, ...options }),
  });
  r.register<StrategyContext, SearchStrategy>({
    kind: 'strategy', name: 'local', description: 'local search: best improvement over one-decision neighbours, random restarts',
    create: ({ seed, startWithDefault, maxTrials, expectedTrials, options }) => new LocalSearchStrategy({ seed, startWithDefault, budget: maxTrials ?? expectedTrials, ...options }),
  });
  const lowfi: EstimatorPlugin = {
    kind: 'estimator', name: 'lowfi', description: 'trains each candidate briefly on fixed subsets',
    capabilities: { workers: true, folds: true, keepsModel: true, hyperparameters: true },
    create: ({ data, training }) => {
      const sets = lowFidelitySubsets(data, training);
      const { dataFraction: _f, maxSamples: _m, validationFraction: _v, subsetSeed: _s, ...rules } = training;
      return {
        estimator: new LowFidelityEstimator(sets, rules),
        trialSamples: { train: sets.train.size, validation: sets.validation.size },
        epochs: training.epochs ?? 1,
        remote: (backend) => {
          const options: WorkerEstimatorOptions = { train: compactDataset(sets.train), validation: compactDataset(sets.validation), options: rules, backend };
          return { module: workerModule, package: 'autonas', export: 'lowFidelityWorkerEstimator', options, bytes: [sets.train, sets.validation].reduce((n, d) => n + d.x.byteLength + d.y.byteLength + (d.targets?.byteLength ?? 0), 0) };
        },
      };
    },
  };
  r.register(lowfi);
  const oneShot: EstimatorPlugin = {
    kind: 'estimator', name: 'oneshot', description: 'scores candidates with a weight-sharing supernet trained once',
    capabilities: {
      trainsOwnNetworks: true, proxyScores: true,
      reasons: { workers: 'one supernet lives in this process', folds: 'one supernet trains on one split', parentWeights: 'a morphism search trains every network it grows', hyperparameters: 'the supernet trains once, under one set of training rules' },
    },
    create: ({ data, space, training, seed, options }) => {
      const o = { seed, batchSize: training.batchSize, ...(options as OneShotOptions) };
      const supernet = new OneShotEstimator(space, data, o);
      return {
        estimator: supernet,
        trialSamples: { train: 0, validation: supernet.validation.size },
        epochs: 0,
        supernet: { steps: o.steps ?? 1000, batchSize: o.batchSize ?? 64, calibrationBatches: o.calibrationBatches ?? 4, validationSamples: supernet.validation.size },
        dispose: () => supernet.dispose(),
      };
    },
  };
  r.register(oneShot);
  const zeroCost: EstimatorPlugin = {
    kind: 'estimator', name: 'zerocost', description: 'scores candidates untrained by a zero-cost proxy (naswot, synflow, gradNorm, params) on one minibatch',
    capabilities: {
      proxyScores: true,
      reasons: { workers: 'a proxy takes well under a second in this process', folds: 'one minibatch, no training', keepsModel: 'nothing is trained', parentWeights: 'candidates are scored at initialisation', hyperparameters: 'nothing is trained' },
    },
    create: ({ data, options }) => {
      const o = (options ?? {}) as ZeroCostOptions;
      const estimator = new ZeroCostEstimator(data, o);
      return { estimator, trialSamples: { train: 0, validation: Math.min(estimator.batchSize, data.train.size) }, epochs: 0 };
    },
  };
  r.register(zeroCost);
  const workers: RunnerPlugin = {
    kind: 'runner', name: 'workers', description: 'trials at once in worker processes, one backend each',
    create: ({ workers: n, spec }) => new WorkerPoolEstimator({ workers: n, estimator: { module: spec.module, export: spec.export, options: spec.options } }),
  };
  r.register(workers);
  const bullmq: RunnerPlugin = {
    kind: 'runner', name: 'bullmq', description: 'trials as BullMQ jobs on Redis, taken by `autonas worker` processes on any machine',
    create: ({ workers: n, spec, experiment, options, log }) => {
      const o = options as Partial<BullmqRunnerOptions> | undefined;
      if (typeof o?.redis !== 'string') throw new ConfigurationError('BAD_RUNNER_OPTIONS', "the bullmq runner needs runnerOptions.redis, a redis:// URL");
      let queue: import('@autonas/runner-bullmq').BullmqEstimator | undefined;
      return {
        name: 'bullmq',
        concurrency: n,
        async start() {
          // Loaded only when asked for: most searches never touch Redis.
          const { BullmqEstimator } = await import('@autonas/runner-bullmq');
          queue = new BullmqEstimator({ redis: o.redis!, queue: o.queue, concurrency: n, experiment, estimator: { module: spec.package ?? spec.module, export: spec.export, options: spec.options } });
          await queue.ready();
          log?.(`bullmq: trials go to queue "${queue.queueName}" on ${o.redis}; start workers with: autonas worker --redis ${o.redis}${o.queue ? ` --queue ${o.queue}` : ''}`);
        },
        estimate(arch, ctx) {
          if (!queue) throw new ConfigurationError('RUNNER_NOT_STARTED', 'the bullmq runner was not started');
          return queue.estimate(arch, ctx);
        },
        dispose: () => queue?.close(),
      };
    },
  };
  r.register(bullmq);
  return r;
}
