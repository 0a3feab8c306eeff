import { parseArgs } from 'node:util';
import { intOption, machine, writeJson, type Io } from './cli-options.js';
import { STRATEGIES } from './registry.js';
import { formatStrategyTable, runStrategyBenchmark } from './strategies.js';
import { formatWorkersBench, runWorkersBench } from './workers-bench.js';
import { formatDartsBench, runDartsBench } from './darts-bench.js';
import { DARTS_VARIANTS, type DartsVariant } from '@autonas/strategy-darts';
import { ESTIMATION_USAGE, hyperbandCommand, oneShotCommand } from './estimation-cli.js';
import { throughputCommand, THROUGHPUT_USAGE } from './throughput-cli.js';
import { MEASURE_USAGE, fidelityCommand, kernelsCommand, oneShotTinyCommand } from './measure-cli.js';
import { e2eCommand, E2E_USAGE } from './e2e-cli.js';
import { zeroCostCommand, ZEROCOST_USAGE } from './zerocost-bench.js';
import { hpCommand, HP_USAGE } from './hp-bench.js';
import { MNIST_BENCH_STRATEGIES, formatMnistBench, mnistBenchStrategies, runMnistBench } from './mnist-bench.js';

const USAGE = `usage: npm run bench -- <benchmark> [options]

benchmarks:
  strategies   every search strategy on NAS-Bench-Macro (tabular), many seeds, beside Optuna when installed
    --seeds N        seeds per strategy (default 20)
    --queries N      queries per search (default 200)
    --only a,b       only these strategies (names as in the table)
    --no-optuna      leave Optuna out
    --out FILE       JSON result (default out/bench/strategies.json)
  workers      trials per hour on MNIST with 1 and 2 worker processes (same 8 networks)
    --trials N       trials per run (default 8)
    --rounds N       alternating rounds per worker count (default 1)
    --out FILE       JSON result (default out/bench/workers.json)
  darts        DARTS variants (darts, pc-darts, darts-) on MNIST (14×14) beside random cells retrained with the same budget
    --seeds N        seeds (default 3); each searches every variant and retrains as many random cells
    --train-size N   training images, split in half for w and α (default 1024, as autonas search)
    --epochs N       search epochs (default 5)
    --variants a,b   only these variants (darts, pc-darts, darts-)
    --warmup N       first search epochs with α frozen (default 0)
    --channels N     supernet channels (default 4)
    --partial-channels K  pc-darts' K (default 2)
    --retrain-epochs N  retraining epochs of every cell (default 8)
    --test-size N    MNIST test images (default 10000)
    --out FILE       JSON result (default out/bench/darts.json; rewritten after every seed)
${ESTIMATION_USAGE}  mnist        strategies through ImageClassifier on real MNIST, same time limit each
    --time-limit S   seconds per search (default 150)
    --seeds N        seeds per strategy (default 2)
    --only a,b       only these strategies (random, evolution, morphism-bo, predictor, local)
    --no-baseline    no plain baseline before each search (it tells the strategies how many trials fit)
    --train-size N   MNIST training images (default 6000: trials train on 3000, score on 1000)
    --test-size N    MNIST test images for the best model (default 2000)
    --epochs N       epochs per trial (default 1)
    --out FILE       JSON result (default out/bench/mnist.json)
${THROUGHPUT_USAGE}${MEASURE_USAGE}${E2E_USAGE}${ZEROCOST_USAGE}${HP_USAGE}`;

/** Runs a benchmark by name; returns the exit code. */
export async function runBench(argv: readonly string[], io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'workers') return workers(rest, io);
  if (command === 'darts') return darts(rest, io);
  if (command === 'oneshot') return oneShotCommand(rest, io);
  if (command === 'hyperband') return hyperbandCommand(rest, io);
  if (command === 'mnist') return mnist(rest, io);
  if (command === 'throughput') return throughputCommand(rest, io);
  if (command === 'fidelity') return fidelityCommand(rest, io);
  if (command === 'oneshot-tiny') return oneShotTinyCommand(rest, io);
  if (command === 'kernels') return kernelsCommand(rest, io);
  if (command === 'e2e') return e2eCommand(rest, io);
  if (command === 'zerocost') return zeroCostCommand(rest, io);
  if (command === 'hp') return hpCommand(rest, io);
  if (command !== 'strategies') {
    io.err(command ? `unknown benchmark "${command}"\n${USAGE}` : USAGE);
    return 2;
  }
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { seeds: { type: 'string' }, queries: { type: 'string' }, only: { type: 'string' }, 'no-optuna': { type: 'boolean' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let seeds: number, queries: number;
  try {
    seeds = intOption(values.seeds, 'seeds', 20);
    queries = intOption(values.queries, 'queries', 200);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !STRATEGIES.some((s) => s.name === n));
  if (unknown?.length) {
    io.err(`unknown strategies: ${unknown.join(', ')} (have ${STRATEGIES.map((s) => s.name).join(', ')})`);
    return 2;
  }
  const strategies = only ? STRATEGIES.filter((s) => only.includes(s.name)) : STRATEGIES;
  const result = await runStrategyBenchmark({ strategies, seeds, queries, optuna: values['no-optuna'] ? false : 'auto', log: (l) => io.err(l) });
  io.out(formatStrategyTable(result));
  writeJson(values.out ?? 'out/bench/strategies.json', result, io);
  return 0;
}

async function workers(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { trials: { type: 'string' }, rounds: { type: 'string' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let trials: number, rounds: number;
  try {
    trials = intOption(values.trials, 'trials', 8);
    rounds = intOption(values.rounds, 'rounds', 1);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const rows = await runWorkersBench({ trials, rounds, log: (l) => io.err(l) });
  io.out(formatWorkersBench(rows));
  writeJson(values.out ?? 'out/bench/workers.json', { rows, machine: machine() }, io);
  return 0;
}

async function darts(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...rest], strict: true,
      options: { seeds: { type: 'string' }, 'train-size': { type: 'string' }, epochs: { type: 'string' }, variants: { type: 'string' }, 'retrain-epochs': { type: 'string' }, 'test-size': { type: 'string' }, warmup: { type: 'string' }, channels: { type: 'string' }, 'partial-channels': { type: 'string' }, out: { type: 'string' } },
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let seeds: number, trainSize: number, epochs: number, retrainEpochs: number, testSize: number, warmupEpochs: number, channels: number, partialChannels: number;
  try {
    seeds = intOption(values.seeds, 'seeds', 3);
    trainSize = intOption(values['train-size'], 'train-size', 1024);
    epochs = intOption(values.epochs, 'epochs', 5);
    retrainEpochs = intOption(values['retrain-epochs'], 'retrain-epochs', 8);
    testSize = intOption(values['test-size'], 'test-size', 10000);
    warmupEpochs = intOption(values.warmup, 'warmup', 0, 0);
    channels = intOption(values.channels, 'channels', 4, 2);
    partialChannels = intOption(values['partial-channels'], 'partial-channels', 2);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const variants = values.variants?.split(',').map((s) => s.trim()).filter(Boolean) as DartsVariant[] | undefined;
  const unknown = variants?.filter((v) => !DARTS_VARIANTS.includes(v));
  if (unknown?.length || variants?.length === 0) {
    io.err(`unknown variants: ${unknown?.join(', ') || '(none given)'} (have ${DARTS_VARIANTS.join(', ')})`);
    return 2;
  }
  const out = values.out ?? 'out/bench/darts.json';
  const quiet: Io = { out: () => {}, err: io.err };
  const result = await runDartsBench({
    seeds, trainSize, epochs, warmupEpochs, channels, partialChannels, retrainEpochs, testSize, ...(variants ? { variants } : {}), log: (l) => io.err(l),
    onSeed: (rows) => writeJson(out, { partial: true, rows, machine: machine() }, quiet),
  });
  io.out(formatDartsBench(result));
  writeJson(out, { ...result, machine: machine() }, io);
  return 0;
}

async function mnist(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { 'time-limit': { type: 'string' }, seeds: { type: 'string' }, only: { type: 'string' }, 'train-size': { type: 'string' }, 'test-size': { type: 'string' }, epochs: { type: 'string' }, 'no-baseline': { type: 'boolean' }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let timeLimit: number, seeds: number, trainSize: number, testSize: number, epochs: number, strategies: readonly string[];
  try {
    timeLimit = values['time-limit'] === undefined ? 150 : Number(values['time-limit']);
    if (!(timeLimit > 0)) throw new Error(`--time-limit must be positive seconds, got ${JSON.stringify(values['time-limit'])}`);
    seeds = intOption(values.seeds, 'seeds', 2);
    trainSize = intOption(values['train-size'], 'train-size', 6000);
    testSize = intOption(values['test-size'], 'test-size', 2000);
    epochs = intOption(values.epochs, 'epochs', 1);
    strategies = mnistBenchStrategies(values.only === undefined ? MNIST_BENCH_STRATEGIES : values.only.split(',').map((s) => s.trim()).filter(Boolean));
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  // Trials train on half the training images and score on a sixth of them (3000 and 1000 of 6000).
  const result = await runMnistBench({ strategies, timeLimit, seeds, trainSize, testSize, epochs, baseline: !values['no-baseline'], trialSamples: Math.round(trainSize / 2), validationSamples: Math.round(trainSize / 6), log: (l) => io.err(l) });
  io.out(formatMnistBench(result));
  writeJson(values.out ?? 'out/bench/mnist.json', result, io);
  return 0;
}
