import os from 'node:os';
import { parseArgs } from 'node:util';
import { ImageClassifier, loadMnist, type Dataset, type HyperparameterSpec } from 'autonas';
import { initRuntime, type RuntimeInfo } from '@autonas/tfjs';
import { intOption, machine, writeJson, type Io } from './cli-options.js';

/** The two arms of {@link runHpBench}: hyperparameters searched (`hyperparameters: true`, or the choice sets given) or every trial at the fixed rules. */
export type HpBenchMode = 'searched' | 'fixed';

/** Options of {@link runHpBench}. */
export interface HpBenchOptions {
  /** Seconds of each search (the retraining not counted). Default 90. */
  readonly timeLimit?: number;
  /** Seeds (0, 1, …); each runs both arms, the first arm alternating by seed. Default 2. */
  readonly seeds?: number;
  /** MNIST training images given to `fit` (20% held out for validation). Default 6000. */
  readonly trainSize?: number;
  /** MNIST test images the final model is evaluated on. Default 2000. */
  readonly testSize?: number;
  /** Training images per trial (the estimator's `maxSamples`). Default 3000. */
  readonly trialSamples?: number;
  /** Epochs of the final retraining. Default 2. */
  readonly retrainEpochs?: number;
  /** The `searched` arm's choice sets. Default: `hyperparameters: true`, the facade's {@link DEFAULT_HYPERPARAMETERS}. */
  readonly hyperparameters?: HyperparameterSpec;
  readonly log?: (line: string) => void;
}

/** One search: one arm, one seed. */
export interface HpBenchRun {
  readonly mode: HpBenchMode;
  readonly seed: number;
  /** 1 or 2: its place within the seed. */
  readonly position: number;
  readonly loadBefore: readonly number[];
  readonly trials: number;
  readonly bestValAccuracy: number;
  /** The retrained model's accuracy on the test images (never seen by the search). */
  readonly testAccuracy: number;
  /** The winner's training rules and which were searched. */
  readonly training: { readonly searched: readonly string[]; readonly values: Readonly<Record<string, unknown>> };
  /** How many trials ran at each searched value, e.g. `{ 'learningRate=0.003': 4 }`. */
  readonly tried: Readonly<Record<string, number>>;
  readonly searchSeconds: number;
  readonly retrainSeconds: number;
  readonly winner: 'search' | 'baseline';
}

/** What {@link runHpBench} returns (and `npm run bench -- hp` writes as JSON). */
export interface HpBenchResult {
  readonly options: Required<Omit<HpBenchOptions, 'log' | 'hyperparameters'>> & { readonly hyperparameters: HyperparameterSpec | 'default' };
  readonly runtime: RuntimeInfo;
  readonly runs: readonly HpBenchRun[];
  /** Per arm: mean test and validation accuracy, mean trials. */
  readonly summary: readonly { readonly mode: HpBenchMode; readonly testAccuracy: number; readonly bestValAccuracy: number; readonly trials: number; readonly n: number }[];
  /** Per seed: searched minus fixed test accuracy (a fraction). */
  readonly differences: readonly number[];
  readonly seconds: number;
  readonly machine: { readonly node: string; readonly date: string; readonly cpus: number; readonly model: string };
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * The hyperparameter search against fixed training rules: `ImageClassifier` on real MNIST with
 * the same time limit, the same data and the same seed, once searching the training
 * hyperparameters beside the network (`hyperparameters: true`) and once with `hyperparameters: false`; the
 * arms alternate which runs first by seed, so machine load falls on both. The final (retrained)
 * model is scored on test images the search never saw.
 *
 * @example
 * ```ts
 * import { runHpBench } from '@autonas/benchmark';
 * const result = await runHpBench({ timeLimit: 20, seeds: 1, trainSize: 1000, testSize: 200, trialSamples: 400, retrainEpochs: 1 });
 * console.log(result.differences);
 * ```
 */
export async function runHpBench(o: HpBenchOptions = {}): Promise<HpBenchResult> {
  const options = { timeLimit: o.timeLimit ?? 90, seeds: o.seeds ?? 2, trainSize: o.trainSize ?? 6000, testSize: o.testSize ?? 2000, trialSamples: o.trialSamples ?? 3000, retrainEpochs: o.retrainEpochs ?? 2, hyperparameters: o.hyperparameters ?? ('default' as const) };
  const log = o.log ?? (() => undefined);
  const t0 = performance.now();
  const runtime = await initRuntime({ log: () => undefined });
  const { train, test } = await loadMnist({ trainSize: options.trainSize, testSize: options.testSize });
  const runs: HpBenchRun[] = [];
  for (let seed = 0; seed < options.seeds; seed++) {
    const order: HpBenchMode[] = seed % 2 === 0 ? ['searched', 'fixed'] : ['fixed', 'searched'];
    for (const [i, mode] of order.entries()) {
      runs.push(await runOne(mode, seed, i + 1, train, test, options, log));
    }
  }
  const summary = (['searched', 'fixed'] as const).map((mode) => {
    const rs = runs.filter((r) => r.mode === mode);
    return { mode, testAccuracy: mean(rs.map((r) => r.testAccuracy)), bestValAccuracy: mean(rs.map((r) => r.bestValAccuracy)), trials: mean(rs.map((r) => r.trials)), n: rs.length };
  });
  const differences = Array.from({ length: options.seeds }, (_, seed) => {
    const of = (m: HpBenchMode) => runs.find((r) => r.seed === seed && r.mode === m)!.testAccuracy;
    return of('searched') - of('fixed');
  });
  const cpus = os.cpus();
  return { options, runtime, runs, summary, differences, seconds: (performance.now() - t0) / 1000, machine: { ...machine(), cpus: cpus.length, model: cpus[0]?.model ?? 'unknown' } };
}

async function runOne(mode: HpBenchMode, seed: number, position: number, train: Dataset, test: Dataset, o: HpBenchResult['options'], log: (l: string) => void): Promise<HpBenchRun> {
  const loadBefore = os.loadavg();
  const validation = Math.round(o.trainSize * 0.2);
  const clf = new ImageClassifier({
    timeLimit: o.timeLimit, seed, backend: 'wasm',
    estimator: { epochs: 1, maxSamples: o.trialSamples, validationFraction: Math.min(1, 1000 / validation) },
    ...(mode === 'fixed' ? { hyperparameters: false } : o.hyperparameters === 'default' ? { hyperparameters: true } : { hyperparameters: o.hyperparameters }),
    log: (l) => log(`  ${mode} seed ${seed} | ${l}`),
  });
  try {
    const r = await clf.fit(train.x, train.y, { sampleShape: train.sampleShape, epochs: 1, retrainEpochs: o.retrainEpochs });
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: test.sampleShape });
    const completed = r.trials.filter((t) => t.status === 'completed' && !t.cached);
    const tried: Record<string, number> = {};
    for (const t of completed) for (const [k, v] of Object.entries(t.architecture.training ?? {})) tried[`${k}=${v}`] = (tried[`${k}=${v}`] ?? 0) + 1;
    const run: HpBenchRun = {
      mode, seed, position, loadBefore, trials: completed.length, bestValAccuracy: r.best.score!, testAccuracy: accuracy,
      training: { searched: r.training.searched, values: r.training.values as Record<string, unknown> }, tried,
      searchSeconds: r.searchSeconds, retrainSeconds: r.retrain?.seconds ?? 0, winner: r.winner,
    };
    log(`${mode} seed ${seed}: test ${(accuracy * 100).toFixed(2)}%, best validation ${(run.bestValAccuracy * 100).toFixed(2)}% (${run.winner}), ${run.trials} trials in ${run.searchSeconds.toFixed(0)} s; trained with ${JSON.stringify(run.training.values)}`);
    return run;
  } finally {
    clf.dispose();
  }
}

/** The result as a small table. */
export function formatHpBench(r: HpBenchResult): string {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const lines = [
    `hp: ImageClassifier on MNIST (${r.options.trainSize} training images, ${r.options.testSize} test), ${r.options.timeLimit} s search + ${r.options.retrainEpochs}-epoch retraining, ${r.options.seeds} seed(s), ${r.runtime.backend}; searched: ${r.options.hyperparameters === 'default' ? 'the default choices' : JSON.stringify(r.options.hyperparameters)}`,
    'mode      | test acc (mean) | best val acc | trials',
    ...r.summary.map((s) => `${s.mode.padEnd(9)} | ${pct(s.testAccuracy).padStart(15)} | ${pct(s.bestValAccuracy).padStart(12)} | ${s.trials.toFixed(1)}`),
    `searched − fixed test accuracy per seed: ${r.differences.map((d) => `${d >= 0 ? '+' : ''}${(d * 100).toFixed(2)} pts`).join(', ')}`,
  ];
  return lines.join('\n');
}

/** The `hp` lines of the benchmark's usage. */
export const HP_USAGE = `  hp           training hyperparameters searched beside the network against fixed rules, same time limit
    --time-limit S   seconds per search (default 90)
    --seeds N        seeds (default 2); each runs both arms, alternating which goes first
    --train-size N   MNIST training images (default 6000: trials train on 3000, score on 1000)
    --test-size N    MNIST test images for the final model (default 2000)
    --retrain-epochs N  epochs of the final retraining (default 2)
    --hp SPEC        the searched arm's choice sets, e.g. learningRate=0.001|0.003 (default: hyperparameters: true)
    --out FILE       JSON result (default out/bench/hp.json)
`;

/** `learningRate=0.001|0.003,batchSize=64|32`: choice sets, numbers and booleans parsed. */
function hpSpec(text: string): HyperparameterSpec {
  const out: Record<string, (number | string | boolean)[]> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    if (!k || !v) throw new Error(`--hp takes name=choice|choice, comma-separated, got ${JSON.stringify(part)}`);
    out[k] = v.split('|').map((c) => (c === 'true' ? true : c === 'false' ? false : Number.isFinite(Number(c)) ? Number(c) : c));
  }
  return out as HyperparameterSpec;
}

/** `npm run bench -- hp [options]`; returns the exit code. */
export async function hpCommand(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { 'time-limit': { type: 'string' }, seeds: { type: 'string' }, 'train-size': { type: 'string' }, 'test-size': { type: 'string' }, 'retrain-epochs': { type: 'string' }, hp: { type: 'string' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${HP_USAGE}`);
    return 2;
  }
  let opts: HpBenchOptions;
  try {
    opts = {
      timeLimit: intOption(values['time-limit'], 'time-limit', 90),
      seeds: intOption(values.seeds, 'seeds', 2),
      trainSize: intOption(values['train-size'], 'train-size', 6000),
      testSize: intOption(values['test-size'], 'test-size', 2000),
      retrainEpochs: intOption(values['retrain-epochs'], 'retrain-epochs', 2),
      ...(values.hp === undefined ? {} : { hyperparameters: hpSpec(values.hp) }),
    };
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const result = await runHpBench({ ...opts, trialSamples: Math.min(3000, Math.round(opts.trainSize! * 0.8)), log: (l) => io.err(l) });
  io.out(formatHpBench(result));
  writeJson(values.out ?? 'out/bench/hp.json', result, io);
  return 0;
}
