import { ChainSpace, ConfigurationError, ImageClassifier, compileArchitecture, createDataset, evaluateModel, inferShapes, loadMnist, summarize, trainModel, type Dataset, type TrialRecord } from 'autonas';
import { initRuntime, tf, type RuntimeInfo } from '@autonas/tfjs';

/** The strategies {@link runMnistBench} compares, each run through the `ImageClassifier` facade. */
export const MNIST_BENCH_STRATEGIES = ['random', 'evolution', 'morphism-bo', 'predictor', 'local'] as const;

/** A strategy of {@link MNIST_BENCH_STRATEGIES}. */
export type MnistBenchStrategy = (typeof MNIST_BENCH_STRATEGIES)[number];

/** Options of {@link runMnistBench}. */
export interface MnistBenchOptions {
  /** Strategies, in the order each seed runs them first. Default all of {@link MNIST_BENCH_STRATEGIES}. */
  readonly strategies?: readonly string[];
  /** Seconds of each search (the fixed budget). Default 150. */
  readonly timeLimit?: number;
  /** Seeds per strategy (0, 1, …). Default 2. */
  readonly seeds?: number;
  /** MNIST training images given to `fit` (split into search-train and validation). Default 6000. */
  readonly trainSize?: number;
  /** MNIST test images the best model is evaluated on; the search never sees them. Default 2000. */
  readonly testSize?: number;
  /** Fraction of the training images held out for validation. Default 0.2. */
  readonly validationSplit?: number;
  /** Training images each trial trains on (the estimator's `maxSamples`). Default 3000. */
  readonly trialSamples?: number;
  /** Validation images each trial is scored on (sets the estimator's `validationFraction`). Default 1000. */
  readonly validationSamples?: number;
  /** Epochs per trial. Default 1. */
  readonly epochs?: number;
  /**
   * Train the facade's plain baseline first in each search, under the trials' rules (it is a
   * candidate, and its seconds tell the strategies how many trials the time limit allows). The
   * time limit counts the search only. Default true.
   */
  readonly baseline?: boolean;
  /**
   * Trial cap on top of the time limit. Default none: only the time limit ends a search, and
   * `evolution` sizes its population as the facade does for a search without a trial count.
   */
  readonly maxTrials?: number;
  /** TensorFlow.js backend. Default: the facade's choice (`auto`). */
  readonly backend?: 'tensorflow' | 'wasm' | 'cpu' | 'auto';
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One search: one strategy, one seed. */
export interface MnistBenchRun {
  readonly strategy: MnistBenchStrategy;
  readonly seed: number;
  /** Trials started within the budget, by final status (`stopped`: cut off by the time limit). */
  readonly trials: { readonly started: number; readonly completed: number; readonly failed: number; readonly stopped: number };
  /** Id of the best trial (0 is trial 1). */
  readonly bestTrial: number;
  readonly bestValAccuracy: number;
  /** Accuracy and loss of the best trial's trained model on the held-out test images. */
  readonly testAccuracy: number;
  readonly testLoss: number;
  /** Validation accuracy of the plain baseline, when it ran and scored. */
  readonly baselineValAccuracy?: number;
  /** Whether the baseline scored best (then its own model is the one tested). */
  readonly baselineWon?: boolean;
  /** The trials the facade expected the time limit to allow (from the baseline's seconds), told to the strategy. */
  readonly expectedTrials?: number;
  /** Validation accuracy of trial 1 (the space's known-good start network), when it scored. */
  readonly startValAccuracy?: number;
  /** `bestValAccuracy - startValAccuracy`. */
  readonly gain?: number;
  readonly bestParams: number;
  readonly bestSummary: string;
  /**
   * For `morphism-bo`: how many ancestors the best network inherited weights through (each
   * trained `epochs` epochs before it), and its validation accuracy before its own training.
   */
  readonly bestAncestors?: number;
  readonly bestInheritedValAccuracy?: number;
  readonly searchSeconds: number;
  readonly stoppedBy: string | undefined;
  /** Seconds to evaluate the best model on the test images. */
  readonly evalSeconds: number;
}

/** Mean and sample standard deviation over seeds. */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

/** One row of the table: a strategy over all seeds. */
export interface MnistBenchRow {
  readonly strategy: MnistBenchStrategy;
  /** Completed trials per search. */
  readonly trials: MeanStd;
  readonly bestValAccuracy: MeanStd;
  readonly testAccuracy: MeanStd;
  /** Over the seeds whose trial 1 scored. */
  readonly startValAccuracy: MeanStd;
  readonly gain: MeanStd;
  /** Over the seeds whose baseline scored. */
  readonly baselineValAccuracy: MeanStd;
  readonly bestParams: MeanStd;
}

/** What {@link runMnistBench} returns (and the command writes as JSON). */
export interface MnistBenchResult {
  readonly options: Required<Omit<MnistBenchOptions, 'log' | 'maxTrials' | 'backend'>> & { readonly maxTrials?: number; readonly backend?: string };
  /** Images each trial actually trains on and is scored on. */
  readonly trialTrainSamples: number;
  readonly trialValidationSamples: number;
  readonly runtime: RuntimeInfo;
  readonly rows: readonly MnistBenchRow[];
  /** Every search, in the order it ran. */
  readonly runs: readonly MnistBenchRun[];
  /** Live tensors before the first search and after the last (each classifier disposed). */
  readonly tensors: { readonly before: number; readonly after: number };
  /** Seconds of the warm-up training before the first search. */
  readonly warmupSeconds: number;
  readonly seconds: number;
  readonly machine: { readonly node: string; readonly date: string };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
function meanStd(xs: readonly number[]): MeanStd {
  const m = mean(xs);
  const std = xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
  return { mean: m, std, n: xs.length };
}

const positiveInt = (v: number, name: string) => {
  if (!(Number.isInteger(v) && v >= 1)) throw new ConfigurationError('INVALID_OPTION', `runMnistBench: ${name} must be a positive integer, got ${v}`);
  return v;
};

/** Checks strategy names against {@link MNIST_BENCH_STRATEGIES}. */
export function mnistBenchStrategies(names: readonly string[]): MnistBenchStrategy[] {
  const unknown = names.filter((n) => !(MNIST_BENCH_STRATEGIES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new ConfigurationError('UNKNOWN_STRATEGY', `unknown strategies: ${unknown.join(', ')} (have ${MNIST_BENCH_STRATEGIES.join(', ')})`);
  }
  if (!names.length) throw new ConfigurationError('UNKNOWN_STRATEGY', `no strategy given (have ${MNIST_BENCH_STRATEGIES.join(', ')})`);
  return [...new Set(names)] as MnistBenchStrategy[];
}

/** Trains and evaluates the chain space's start network once on a few images; returns seconds. */
async function warmUp(train: Dataset): Promise<number> {
  const t0 = performance.now();
  const n = 256;
  const per = train.sampleShape.reduce((a, b) => a * b, 1);
  const few = createDataset(train.x.slice(0, n * per), train.y.slice(0, n), { sampleShape: train.sampleShape, numClasses: train.numClasses });
  const arch = new ChainSpace({ inputShape: train.sampleShape as [number, number, number], numClasses: train.numClasses }).defaultArchitecture();
  const model = compileArchitecture(arch, { seed: 0 });
  try {
    await trainModel(model, few, { epochs: 1 });
    await evaluateModel(model, few);
  } finally {
    model.dispose();
  }
  return (performance.now() - t0) / 1000;
}

/** Ancestors of a morphism-bo trial, following the parent the engine recorded (0 for a network trained from scratch). */
function ancestors(trial: TrialRecord, trials: readonly TrialRecord[]): number {
  const byId = new Map(trials.map((t) => [t.id, t]));
  let n = 0;
  for (let t: TrialRecord | undefined = trial; t?.parent !== undefined && n <= trials.length; t = byId.get(t.parent)) n++;
  return n;
}

/**
 * Random search, aging evolution and network morphism with Bayesian optimisation on real MNIST
 * training, each under the same fixed time budget, through the public `ImageClassifier`: every
 * search sees the same images (per seed: the same split and the same trial subsets), trains each
 * trial `epochs` epoch(s) on `trialSamples` images and scores it on `validationSamples`
 * validation images; no baseline and no retraining, so the best trial's own trained model is
 * evaluated on `testSize` MNIST test images the search never saw. Within each seed the strategies
 * run one after another in an order rotated by the seed, so changes in machine load hit all alike.
 */
export async function runMnistBench(options: MnistBenchOptions = {}): Promise<MnistBenchResult> {
  const o = {
    timeLimit: 150, seeds: 2, trainSize: 6000, testSize: 2000, validationSplit: 0.2, trialSamples: 3000, validationSamples: 1000, epochs: 1, baseline: true,
    ...options,
  };
  const strategies = mnistBenchStrategies(options.strategies ?? MNIST_BENCH_STRATEGIES);
  if (!(o.timeLimit > 0)) throw new ConfigurationError('INVALID_OPTION', `runMnistBench: timeLimit must be positive seconds, got ${o.timeLimit}`);
  for (const k of ['seeds', 'trainSize', 'testSize', 'trialSamples', 'validationSamples', 'epochs'] as const) positiveInt(o[k], k);
  if (o.maxTrials !== undefined) positiveInt(o.maxTrials, 'maxTrials');
  if (!(o.validationSplit > 0 && o.validationSplit < 1)) throw new ConfigurationError('INVALID_OPTION', `runMnistBench: validationSplit must be in (0, 1), got ${o.validationSplit}`);
  const validationSize = Math.round(o.trainSize * o.validationSplit);
  if (o.validationSamples > validationSize) {
    throw new ConfigurationError('INVALID_OPTION', `runMnistBench: validationSamples ${o.validationSamples} exceed the ${validationSize} validation images (${o.validationSplit} of ${o.trainSize})`);
  }
  const validationFraction = o.validationSamples / validationSize;
  const trialTrainSamples = Math.min(o.trialSamples, o.trainSize - validationSize);
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  const runtime = await initRuntime({ backend: o.backend, log });
  const { train, test } = await loadMnist({ trainSize: o.trainSize, testSize: o.testSize });
  const sampleShape = [28, 28, 1];
  log(`MNIST: ${o.trainSize} training images (${o.trainSize - validationSize} search-train, ${validationSize} validation), ${o.testSize} test images; each trial ${o.epochs} epoch(s) on ${trialTrainSamples}, scored on ${Math.round(validationSize * validationFraction)}; ${o.timeLimit} s per search; backend ${runtime.backend}`);
  const warmup = await warmUp(train);
  log(`warm-up (the start network on 256 images, so no search pays the first compile of the kernels): ${warmup.toFixed(1)} s`);
  const tensorsBefore = tf.memory().numTensors;
  const runs: MnistBenchRun[] = [];
  for (let seed = 0; seed < o.seeds; seed++) {
    const order = strategies.map((_, i) => strategies[(i + seed) % strategies.length]!);
    for (const strategy of order) {
      log(`${strategy}, seed ${seed}:`);
      const clf = new ImageClassifier({
        strategy, seed, timeLimit: o.timeLimit, maxTrials: o.maxTrials, backend: o.backend,
        estimator: { epochs: o.epochs, maxSamples: o.trialSamples, validationFraction },
      });
      try {
        const fit = await clf.fit(train.x, train.y, {
          baseline: o.baseline, retrain: false, sampleShape, epochs: o.epochs, validationSplit: o.validationSplit,
          onTrialEnd: (t) => log(`  trial ${t.id + 1}: ${t.status}${t.score === undefined ? '' : ` ${(t.score * 100).toFixed(2)}%`} in ${(t.seconds ?? 0).toFixed(1)} s${t.parent === undefined ? '' : ` (from trial ${t.parent + 1}, inherited ${((t.metrics.inheritedValAccuracy ?? NaN) * 100).toFixed(2)}%)`}${t.error ? ` (${t.error})` : ''}`),
        });
        const te = performance.now();
        const evaluation = await clf.evaluate(test.x, test.y, { sampleShape });
        const evalSeconds = (performance.now() - te) / 1000;
        const count = (s: TrialRecord['status']) => fit.trials.filter((t) => t.status === s).length;
        const first = fit.trials.find((t) => t.id === 0);
        const start = first?.status === 'completed' ? first.score : undefined;
        const best = fit.best;
        const base = fit.baseline;
        const run: MnistBenchRun = {
          strategy, seed,
          trials: { started: fit.trials.length, completed: count('completed'), failed: count('failed'), stopped: count('stopped') },
          bestTrial: best.id,
          bestValAccuracy: best.score!,
          testAccuracy: evaluation.accuracy,
          testLoss: evaluation.loss,
          ...(start === undefined ? {} : { startValAccuracy: start, gain: best.score! - start }),
          ...(base ? { baselineValAccuracy: base.score, baselineWon: fit.winner === 'baseline', expectedTrials: fit.expectedTrials } : {}),
          bestParams: inferShapes(best.architecture).totalParams,
          bestSummary: summarize(best.architecture),
          ...(strategy === 'morphism-bo' ? { bestAncestors: ancestors(best, fit.trials), bestInheritedValAccuracy: best.metrics.inheritedValAccuracy } : {}),
          searchSeconds: fit.searchSeconds,
          stoppedBy: fit.stoppedBy,
          evalSeconds,
        };
        runs.push(run);
        log(`  → ${run.trials.completed} trials completed in ${run.searchSeconds.toFixed(1)} s; best trial ${best.id + 1}: validation ${(run.bestValAccuracy * 100).toFixed(2)}%, test ${(run.testAccuracy * 100).toFixed(2)}%, ${run.bestParams} params`);
      } finally {
        clf.dispose();
      }
    }
  }
  const rows = strategies.map((strategy): MnistBenchRow => {
    const rs = runs.filter((r) => r.strategy === strategy);
    const started = rs.filter((r) => r.startValAccuracy !== undefined);
    return {
      strategy,
      trials: meanStd(rs.map((r) => r.trials.completed)),
      bestValAccuracy: meanStd(rs.map((r) => r.bestValAccuracy)),
      testAccuracy: meanStd(rs.map((r) => r.testAccuracy)),
      startValAccuracy: meanStd(started.map((r) => r.startValAccuracy!)),
      gain: meanStd(started.map((r) => r.gain!)),
      baselineValAccuracy: meanStd(rs.filter((r) => r.baselineValAccuracy !== undefined).map((r) => r.baselineValAccuracy!)),
      bestParams: meanStd(rs.map((r) => r.bestParams)),
    };
  });
  const { log: _log, strategies: _s, ...rest } = o as typeof o & { log?: unknown; strategies?: unknown };
  return {
    options: { ...rest, strategies } as MnistBenchResult['options'],
    trialTrainSamples,
    trialValidationSamples: Math.max(1, Math.round(validationSize * validationFraction)),
    runtime,
    rows,
    runs,
    tensors: { before: tensorsBefore, after: tf.memory().numTensors },
    warmupSeconds: warmup,
    seconds: (performance.now() - t0) / 1000,
    machine: { node: process.version, date: new Date().toISOString() },
  };
}

const pct = (m: MeanStd) => (m.n ? `${(m.mean * 100).toFixed(2)} ± ${(m.std * 100).toFixed(2)}` : '–');
const signedPct = (m: MeanStd) => (m.n ? `${m.mean >= 0 ? '+' : ''}${(m.mean * 100).toFixed(2)} ± ${(m.std * 100).toFixed(2)}` : '–');

/** A plain-text report of {@link runMnistBench}: one row per strategy (mean ± std over seeds, accuracies in %). */
export function formatMnistBench(result: MnistBenchResult): string {
  const o = result.options;
  const seeds = o.seeds;
  return [
    `MNIST, ${o.timeLimit} s per search, ${seeds} seed(s); ${o.trainSize} training images, each trial ${o.epochs} epoch(s) on ${result.trialTrainSamples} and scored on ${result.trialValidationSamples} validation images; test on ${o.testSize} held-out test images; backend ${result.runtime.backend}`,
    '',
    '| strategy | trials completed | baseline val % | trial 1 val % | best val % | gain (points) | test % of best | params of best |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...result.rows.map((r) => `| ${r.strategy} | ${r.trials.mean.toFixed(1)} | ${pct(r.baselineValAccuracy)} | ${pct(r.startValAccuracy)} | ${pct(r.bestValAccuracy)} | ${signedPct(r.gain)} | ${pct(r.testAccuracy)} | ${Math.round(r.bestParams.mean)} |`),
    '',
    'mean ± std over seeds. The baseline is the facade\'s plain network, trained like every trial before the search (a candidate too); trial 1 is the space\'s known-good start network; gain is the best validation accuracy minus trial 1\'s.',
    ...(result.runs.some((r) => r.baselineWon) ? [`the baseline scored best in: ${result.runs.filter((r) => r.baselineWon).map((r) => `${r.strategy} seed ${r.seed}`).join(', ')}`] : []),
    ...(result.rows.some((r) => r.strategy === 'morphism-bo')
      ? [`morphism-bo: a child starts from its parent's trained weights, so its score counts its ancestors' epochs too (best network's ancestors per seed: ${result.runs.filter((r) => r.strategy === 'morphism-bo').map((r) => r.bestAncestors ?? '?').join(', ')}).`]
      : []),
    `total ${result.seconds.toFixed(0)} s`,
  ].join('\n');
}
