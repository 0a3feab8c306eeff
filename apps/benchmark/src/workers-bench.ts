import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ContainerModule, Experiment, PerformanceEstimator, SearchStrategy, createContainer } from '@autonas/core';
import { WorkerPoolEstimator } from '@autonas/runner-workers';
import { chainSpaceModule, type ChainSpaceOptions } from '@autonas/space-chain';
import { RandomStrategy } from '@autonas/strategy-random';
import type { MnistEstimatorOptions } from './workers-estimator.js';

/** Options of {@link runWorkersBench}. */
export interface WorkersBenchOptions {
  /** Worker counts to compare. Default `[1, 2]`. */
  readonly workers?: readonly number[];
  /** Trials per run (the same architectures for every worker count: same strategy seed). Default 8. */
  readonly trials?: number;
  /** Training images per trial. Default 2000. */
  readonly trainSize?: number;
  /** Validation images per trial. Default 500. */
  readonly validationSize?: number;
  /** Epochs per trial. Default 1. */
  readonly epochs?: number;
  /** Seed of the strategy. Default 0. */
  readonly seed?: number;
  /**
   * Chain-space choices (input shape and classes are MNIST's). Default: 8 networks of equal cost
   * (two conv blocks of 32 filters with max pooling, dense 128; only dropout rates and batch norm
   * vary), so the rows compare throughput, not luck in which architectures were drawn.
   */
  readonly space?: Omit<ChainSpaceOptions, 'inputShape' | 'numClasses'>;
  /**
   * Rounds: every worker count runs once per round, alternating, and a row sums its rounds, so a
   * change in the machine's load hits every count alike. Default 1.
   */
  readonly rounds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One row of the benchmark's table. */
export interface WorkersBenchRow {
  readonly workers: number;
  /** Trials that completed (all rounds). */
  readonly trials: number;
  /** Seconds of the search, from the first trial submitted to the last result (workers already started). */
  readonly seconds: number;
  readonly trialsPerHour: number;
  /** Trials per hour relative to the first row. */
  readonly speedup: number;
  /** Seconds to start the workers (import, backend, data) before the search, mean over rounds. */
  readonly startSeconds: number;
  /** Mean validation accuracy of the trials (the same architectures each row, so close across rows). */
  readonly meanScore: number;
}

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');
const estimatorModule = path.join(path.dirname(here), fromSource ? 'workers-estimator.ts' : 'workers-estimator.js');

/**
 * Trials per hour of an MNIST search with 1 and 2 worker processes (or the counts given): each
 * worker trains on its own wasm backend, which uses one core in Node, so on a 2-core machine two
 * workers should give close to twice the trials per hour.
 * @param options - worker counts, trials, data sizes
 * @returns one row per worker count
 */
export async function runWorkersBench(options: WorkersBenchOptions = {}): Promise<WorkersBenchRow[]> {
  const log = options.log ?? (() => {});
  const counts = options.workers ?? [1, 2];
  const sums = counts.map(() => ({ trials: 0, seconds: 0, startSeconds: 0, score: 0 }));
  const spec: MnistEstimatorOptions = { trainSize: options.trainSize ?? 2000, validationSize: options.validationSize ?? 500, epochs: options.epochs ?? 1 };
  const space = options.space ?? {
    blocks: [2], filters: [32], kernelSizes: [3], convsPerBlock: [1], pooling: ['max' as const], reduction: ['flatten' as const], headUnits: [128],
    blockDropout: [0, 0.25], headDropout: [0, 0.5], batchNorm: [true, false],
  };
  for (let round = 0; round < (options.rounds ?? 1); round++) for (const [k, workers] of counts.entries()) {
    const pool = new WorkerPoolEstimator({ workers, estimator: { module: estimatorModule, export: 'mnistEstimator', options: spec } });
    try {
      const t0 = performance.now();
      await pool.start();
      const startSeconds = (performance.now() - t0) / 1000;
      const container = createContainer(
        { maxTrials: options.trials ?? 8, seed: options.seed ?? 0 },
        chainSpaceModule({ ...space, inputShape: [28, 28, 1], numClasses: 10 }),
        new ContainerModule(({ bind }) => {
          bind<PerformanceEstimator>(PerformanceEstimator).toConstantValue(pool);
          bind<SearchStrategy>(SearchStrategy).toConstantValue(new RandomStrategy({ seed: options.seed ?? 0 }));
        }),
      );
      const result = await container.get(Experiment).run();
      const done = result.trials.filter((t) => t.status === 'completed' && !t.cached);
      const failed = result.trials.filter((t) => t.status === 'failed');
      if (failed.length) log(`${workers} worker(s): ${failed.length} trial(s) failed: ${failed[0]!.error}`);
      const trialsPerHour = (done.length / result.seconds) * 3600;
      const sum = sums[k]!;
      sum.trials += done.length;
      sum.seconds += result.seconds;
      sum.startSeconds += startSeconds;
      sum.score += done.reduce((s, t) => s + t.score!, 0);
      log(`round ${round + 1}: ${workers} worker(s): ${done.length} trials in ${result.seconds.toFixed(1)} s = ${trialsPerHour.toFixed(0)} trials/hour (workers started in ${startSeconds.toFixed(1)} s); trial seconds ${done.map((t) => t.seconds!.toFixed(1)).join(', ')}`);
    } finally {
      pool.close();
    }
  }
  const rounds = options.rounds ?? 1;
  const perHour = (i: number) => (sums[i]!.trials / sums[i]!.seconds) * 3600;
  return counts.map((workers, i) => ({
    workers,
    trials: sums[i]!.trials,
    seconds: sums[i]!.seconds,
    trialsPerHour: perHour(i),
    speedup: perHour(i) / perHour(0),
    startSeconds: sums[i]!.startSeconds / rounds,
    meanScore: sums[i]!.score / Math.max(1, sums[i]!.trials),
  }));
}

/**
 * The rows as a Markdown table.
 * @param rows - from {@link runWorkersBench}
 */
export function formatWorkersBench(rows: readonly WorkersBenchRow[]): string {
  const lines = ['| workers | trials | search s | trials/hour | speed-up | worker start s | mean val acc |', '|---:|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.workers} | ${r.trials} | ${r.seconds.toFixed(1)} | ${r.trialsPerHour.toFixed(0)} | ${r.speedup.toFixed(2)}× | ${r.startSeconds.toFixed(1)} | ${(r.meanScore * 100).toFixed(2)}% |`);
  }
  return lines.join('\n');
}

/** Runs the benchmark and prints its table. */
export async function printWorkersBench(options: WorkersBenchOptions = {}): Promise<WorkersBenchRow[]> {
  const rows = await runWorkersBench({ log: (l) => console.log(l), ...options });
  console.log(formatWorkersBench(rows));
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const n = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  await printWorkersBench({ trials: n('trials'), trainSize: n('train-size'), validationSize: n('validation-size'), epochs: n('epochs'), rounds: n('rounds') });
}
