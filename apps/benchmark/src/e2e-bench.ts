import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { batchTensors, compileArchitecture, initRuntime, tf, trainModel, type RuntimeInfo, type tfl } from '@autonas/tfjs';
import { findTorch } from './throughput-bench.js';
import { throughputArchitecture } from './throughput-nets.js';

/** Test accuracy whose first reaching the plain peers time. */
export const E2E_TARGET = 0.99;
/** The plain peers' training: the CLI's retraining defaults (trainModel's batch 64, `--retrain-lr` 0.001, cosine). */
export const E2E_TRAINING = { batchSize: 64, learningRate: 0.001, schedule: 'cosine' } as const;

/** The peers of the end-to-end benchmark. */
export type E2ePeer = 'search' | 'plain' | 'pytorch';

/** One test evaluation of a plain peer, after an epoch (`partial`: the last one, cut by the clock). */
export interface E2eEpoch {
  readonly epoch: number;
  /** Seconds of training when it ended (test evaluations left out). */
  readonly trainSeconds: number;
  readonly testAccuracy: number;
  readonly partial: boolean;
}

/** What `autonas search` reported (its report.json) and how long its process ran. */
export interface SearchPeerResult {
  readonly testAccuracy: number;
  /** The search's own wall clock: report.json's `totalSeconds` (data load to saved model); the plain peers get this. */
  readonly seconds: number;
  /** From spawning the process to its exit (Node start and runtime start included). */
  readonly processSeconds: number;
  readonly argv: readonly string[];
  readonly trials: number;
  readonly searchSeconds: number;
  readonly bestSummary?: string;
  readonly bestValAccuracy?: number;
  readonly baselineValAccuracy?: number;
  readonly retrain?: { readonly epochs: number; readonly seconds: number };
  readonly backend: string;
  readonly workers: number;
}

/** What a plain peer (autonas's runtime or PyTorch) reached. */
export interface PlainPeerResult {
  /** After the last (cut-short) epoch. */
  readonly testAccuracy: number;
  /** Seconds of training (test evaluations left out). */
  readonly trainSeconds: number;
  /** Training seconds at the end of the first epoch tested at or above {@link E2E_TARGET}; null: never. */
  readonly timeToTarget: number | null;
  /** Whole epochs (the cut-short last one not counted). */
  readonly epochs: number;
  readonly curve: readonly E2eEpoch[];
  readonly evalSeconds: number;
  readonly samplesPerSecond: number;
  /** PyTorch only. */
  readonly torch?: string;
  readonly threads?: number;
}

/** One run: a peer on a seed. */
export type E2eRun = {
  readonly seed: number;
  /** 1-based place in the seed's order. */
  readonly position: number;
  /** `os.loadavg()` just before it started. */
  readonly loadBefore: readonly number[];
} & ({ readonly peer: 'search'; readonly search: SearchPeerResult } | { readonly peer: 'plain' | 'pytorch'; readonly plain: PlainPeerResult });

/** Over the seeds. */
export interface Spread {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** max − min. */
  readonly spread: number;
  readonly n: number;
}

/** A peer over all seeds. */
export interface E2eSummary {
  readonly peer: E2ePeer;
  readonly label: string;
  readonly seconds: Spread;
  readonly testAccuracy: Spread;
  /** Plain peers: seeds that reached {@link E2E_TARGET}, and the times of those (absent when none did). */
  readonly reached?: number;
  readonly timeToTarget?: Spread;
  /** Plain peers: the search's test accuracy minus this peer's, per seed (points = × 100). */
  readonly searchMargin?: Spread;
}

/** Whether the search beats a plain peer by more than the spread over seeds. */
export interface E2eVerdict {
  readonly against: 'plain' | 'pytorch';
  /** Mean of search − peer test accuracy (a fraction). */
  readonly margin: number;
  /** The larger spread (max − min over seeds) of the two test accuracies. */
  readonly spread: number;
  /** Undefined with one seed (no spread to judge by). */
  readonly beats?: boolean;
  readonly line: string;
}

/** What {@link runE2eBench} returns (and the command writes as JSON). */
export interface E2eBenchResult {
  readonly options: { readonly seeds: number; readonly budget: number; readonly trainSize: number; readonly testSize: number; readonly target: number };
  readonly training: typeof E2E_TRAINING & { readonly network: 'mnist_cnn'; readonly pytorchThreads?: number };
  readonly order: string;
  readonly runtime: RuntimeInfo;
  readonly torch?: string;
  readonly skipped: readonly string[];
  readonly runs: readonly E2eRun[];
  readonly summary: readonly E2eSummary[];
  readonly verdicts: readonly E2eVerdict[];
  readonly seconds: number;
  readonly machine: {
    readonly date: string;
    readonly node: string;
    readonly platform: string;
    readonly cpus: { readonly count: number; readonly model: string; readonly speedMHz: number };
    readonly totalMemoryBytes: number;
  };
}

const here = fileURLToPath(import.meta.url);
/** The built CLI, as `npm start` runs it. */
export const CLI_MAIN = path.resolve(path.dirname(here), '../../cli/dist/main.js');
const pythonScript = fileURLToPath(new URL('../python/e2e.py', import.meta.url));

/** Runs a command, each line of its output to `line`; resolves with the exit code and the last lines. */
function run(cmd: string, args: readonly string[], line: (stream: 'out' | 'err', l: string) => void): Promise<{ code: number | null; stdout: string; tail: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const tail: string[] = [];
    const reader = (stream: 'out' | 'err') => {
      let rest = '';
      return (chunk: Buffer) => {
        const text = rest + chunk.toString('utf8');
        if (stream === 'out') stdout += chunk.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop()!;
        for (const l of lines) {
          tail.push(l);
          if (tail.length > 20) tail.shift();
          line(stream, l);
        }
      };
    };
    child.stdout.on('data', reader('out'));
    child.stderr.on('data', reader('err'));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, tail }));
  });
}

/** Options of {@link runSearchPeer}. */
export interface SearchPeerOptions {
  readonly seed: number;
  /** Seconds of `--budget`. */
  readonly budget: number;
  /** `--train-size` (default: the CLI's, all 60,000). */
  readonly trainSize?: number;
  /** The search's `--out` (report.json lands there). */
  readonly dir: string;
  readonly log?: (line: string) => void;
  /** The CLI's entry. Default {@link CLI_MAIN}. */
  readonly cli?: string;
}

/**
 * `autonas search --dataset mnist --budget B --seed S --out DIR`, what `npm start` runs with its
 * defaults (9m there), as a child process of the built CLI; reads its report.json.
 */
export async function runSearchPeer(o: SearchPeerOptions): Promise<SearchPeerResult> {
  const cli = o.cli ?? CLI_MAIN;
  if (!fs.existsSync(cli)) throw new ConfigurationError('CLI_NOT_BUILT', `${cli} is missing: build the CLI first (npx nx run @autonas/cli:build)`);
  const argv = ['search', '--dataset', 'mnist', '--budget', `${o.budget}s`, '--seed', String(o.seed), '--out', o.dir, ...(o.trainSize === undefined ? [] : ['--train-size', String(o.trainSize)])];
  const log = o.log ?? (() => undefined);
  const t0 = performance.now();
  const r = await run(process.execPath, [cli, ...argv], (_s, l) => log(`  search | ${l}`));
  const processSeconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`autonas ${argv.join(' ')} exited with ${r.code}:\n${r.tail.join('\n')}`);
  const report = JSON.parse(fs.readFileSync(path.join(o.dir, 'report.json'), 'utf8')) as {
    test: { accuracy: number }; totalSeconds: number; searchSeconds: number; backend: string; workers: number;
    trials: { id: number; status: string; summary: string }[]; best: { id: number; score?: number };
    retrain?: { epochs: number; seconds: number }; baseline?: { score: number };
  };
  return {
    testAccuracy: report.test.accuracy,
    seconds: report.totalSeconds,
    processSeconds,
    argv: ['autonas', ...argv],
    trials: report.trials.filter((t) => t.status === 'completed').length,
    searchSeconds: report.searchSeconds,
    ...(report.trials.find((t) => t.id === report.best.id) ? { bestSummary: report.trials.find((t) => t.id === report.best.id)!.summary } : {}),
    ...(report.best.score === undefined ? {} : { bestValAccuracy: report.best.score }),
    ...(report.baseline ? { baselineValAccuracy: report.baseline.score } : {}),
    ...(report.retrain ? { retrain: report.retrain } : {}),
    backend: report.backend,
    workers: report.workers,
  };
}

/** Test accuracy, synchronously (so it can run inside trainModel's `onEpoch`). */
function testAccuracy(model: tfl.LayersModel, ds: Dataset, batchSize = 500): number {
  let correct = 0;
  for (let from = 0; from < ds.size; from += batchSize) {
    const to = Math.min(ds.size, from + batchSize);
    const hits = tf.tidy(() => {
      const { x, y } = batchTensors(ds, undefined, from, to);
      const p = model.predict(x) as tf.Tensor2D;
      return tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.argMax(y, -1)), 'float32'));
    });
    correct += hits.dataSync()[0]!;
    hits.dispose();
  }
  return correct / ds.size;
}

/** Options of {@link runPlainPeer}. */
export interface PlainPeerOptions {
  readonly train: Dataset;
  readonly test: Dataset;
  /** Seconds of training (test evaluations not counted). */
  readonly seconds: number;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

/**
 * The Keras mnist_cnn trained by autonas's own runtime, as the CLI's retraining trains: trainModel
 * with Adam, batch 64, learning rate 0.001 decaying along a cosine that ends with `seconds` of
 * training; tested after every epoch and after the last, cut-short one. The test evaluations run
 * inside `onEpoch` and trainModel's clock leaves them out.
 */
export async function runPlainPeer(o: PlainPeerOptions): Promise<PlainPeerResult> {
  const log = o.log ?? (() => undefined);
  const model = compileArchitecture(throughputArchitecture('mnist_cnn'), { seed: o.seed });
  const t0 = performance.now();
  let pausedMs = 0;
  const clock = () => (performance.now() - t0 - pausedMs) / 1000;
  const curve: E2eEpoch[] = [];
  let timeToTarget: number | null = null;
  try {
    const r = await trainModel(model, o.train, {
      ...E2E_TRAINING, epochs: 1000, timeBudget: o.seconds, clock, seed: o.seed,
      onEpoch: (m) => {
        const trainSeconds = clock();
        const te = performance.now();
        const acc = testAccuracy(model, o.test);
        pausedMs += performance.now() - te;
        curve.push({ epoch: m.epoch, trainSeconds, testAccuracy: acc, partial: m.partial === 1 });
        if (timeToTarget === null && acc >= E2E_TARGET) timeToTarget = trainSeconds;
        log(`  plain epoch ${m.epoch + 1}${m.partial ? ' (cut at the time)' : ''}: test ${(acc * 100).toFixed(2)}% at ${trainSeconds.toFixed(1)} s`);
      },
    });
    if (curve.length === 0) throw new Error(`the plain peer trained no batch in ${o.seconds} s`);
    return {
      testAccuracy: curve[curve.length - 1]!.testAccuracy,
      trainSeconds: clock(),
      timeToTarget,
      epochs: curve.filter((c) => !c.partial).length,
      curve,
      evalSeconds: pausedMs / 1000,
      samplesPerSecond: r.samplesPerSecond,
    };
  } finally {
    model.dispose();
  }
}

/** MNIST as raw little-endian files for the PyTorch peer: float32 pixels and int32 labels. */
export interface MnistFiles {
  readonly train_x: string;
  readonly train_y: string;
  readonly test_x: string;
  readonly test_y: string;
}

/** Writes the very images the autonas peers train and test on, for python/e2e.py. */
export function writeMnistFiles(train: Dataset, test: Dataset, dir: string): MnistFiles {
  const write = (name: string, a: Float32Array | Int32Array) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return file;
  };
  if (os.endianness() !== 'LE') throw new ConfigurationError('BIG_ENDIAN', 'the PyTorch peer reads little-endian files');
  return { train_x: write('train-x.f32', train.x), train_y: write('train-y.i32', train.y), test_x: write('test-x.f32', test.x), test_y: write('test-y.i32', test.y) };
}

/** Options of {@link runPytorchPeer}. */
export interface PytorchPeerOptions {
  readonly python: string;
  readonly files: MnistFiles;
  readonly seconds: number;
  readonly seed: number;
  readonly threads: number;
  readonly log?: (line: string) => void;
}

/** The same mnist_cnn, schedule, clock and per-epoch test in Debian's PyTorch (python/e2e.py). */
export async function runPytorchPeer(o: PytorchPeerOptions): Promise<PlainPeerResult> {
  const log = o.log ?? (() => undefined);
  const job = { ...o.files, seconds: o.seconds, threads: o.threads, seed: o.seed, batch_size: E2E_TRAINING.batchSize, lr: E2E_TRAINING.learningRate, target: E2E_TARGET };
  const r = await run(o.python, [pythonScript, JSON.stringify(job)], (s, l) => s === 'err' && log(l));
  if (r.code !== 0) throw new Error(`python/e2e.py exited with ${r.code}:\n${r.tail.join('\n')}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as PlainPeerResult & { testAccuracy: number | null };
  if (out.testAccuracy === null) throw new Error(`the PyTorch peer trained no batch in ${o.seconds} s`);
  return out;
}

/** Options of {@link runE2eBench}. */
export interface E2eBenchOptions {
  /** Seeds 0 … N−1. Default 2. */
  readonly seeds?: number;
  /** Seconds of the search's `--budget`. Default 540 (`npm start`'s 9m). */
  readonly budget?: number;
  /** The first N training images, for the search (`--train-size`) and the plain peers alike. Default 60,000. */
  readonly trainSize?: number;
  /** Test images of the plain peers (the search always tests on all 10,000). Default 10,000. */
  readonly testSize?: number;
  /** Run the PyTorch peer when python3 has torch. Default true. */
  readonly pytorch?: boolean;
  readonly log?: (line: string) => void;
  /** Replaces {@link runSearchPeer} (tests). */
  readonly runSearch?: (o: SearchPeerOptions) => Promise<SearchPeerResult>;
}

function spread(xs: readonly number[]): Spread {
  const n = xs.length;
  const min = n ? Math.min(...xs) : NaN;
  const max = n ? Math.max(...xs) : NaN;
  return { mean: n ? xs.reduce((a, b) => a + b, 0) / n : NaN, min, max, spread: max - min, n };
}

const points = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}`;

/**
 * `autonas search` as `npm start` runs it against the plain Keras mnist_cnn, on MNIST, for N
 * seeds: for each seed the search runs first (its wall clock is the others' training time), then
 * the mnist_cnn trained by autonas's runtime and by PyTorch (when installed) for that long, in
 * that order on even seeds and the reverse on odd ones. Every plain peer trains on the same
 * images and is tested on the 10,000 test images after every epoch, the test time not counted.
 */
export async function runE2eBench(options: E2eBenchOptions = {}): Promise<E2eBenchResult> {
  const seeds = options.seeds ?? 2;
  const budget = options.budget ?? 540;
  const trainSize = options.trainSize ?? 60000;
  const testSize = options.testSize ?? 10000;
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new ConfigurationError('INVALID_OPTION', `runE2eBench: seeds must be a positive integer, got ${seeds}`);
  if (!(budget > 0)) throw new ConfigurationError('INVALID_OPTION', `runE2eBench: budget must be positive seconds, got ${budget}`);
  const log = options.log ?? (() => undefined);
  const runSearch = options.runSearch ?? runSearchPeer;
  const t0 = performance.now();
  const runtime = await initRuntime({ log });
  const { train, test } = await loadMnist({ trainSize, testSize });
  const skipped: string[] = [];
  const torch = options.pytorch === false ? { reason: 'PyTorch: left out (--no-pytorch)' } : findTorch();
  if ('reason' in torch) {
    skipped.push(torch.reason);
    log(`skipped: ${torch.reason}`);
  }
  // The PyTorch peer gets the threads autonas's one-process training uses here: the native kernels' (one per core), else one (plain wasm).
  const pytorchThreads = runtime.backend === 'wasm' ? (runtime.native?.active ? runtime.native.threads ?? 1 : 1) : os.availableParallelism();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-e2e-'));
  const runs: E2eRun[] = [];
  try {
    const files = 'python' in torch ? writeMnistFiles(train, test, tmp) : undefined;
    for (let seed = 0; seed < seeds; seed++) {
      const plainOrder: ('plain' | 'pytorch')[] = files ? (seed % 2 === 0 ? ['plain', 'pytorch'] : ['pytorch', 'plain']) : ['plain'];
      const loadBefore = os.loadavg();
      log(`seed ${seed}: 1. search (autonas search --dataset mnist --budget ${budget}s), load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
      const search = await runSearch({ seed, budget, ...(options.trainSize === undefined ? {} : { trainSize }), dir: path.join(tmp, `search-${seed}`), log });
      runs.push({ seed, position: 1, loadBefore, peer: 'search', search });
      log(`seed ${seed}: search test ${(search.testAccuracy * 100).toFixed(2)}% in ${search.seconds.toFixed(1)} s`);
      for (const [i, peer] of plainOrder.entries()) {
        const before = os.loadavg();
        log(`seed ${seed}: ${i + 2}. ${peer} mnist_cnn for ${search.seconds.toFixed(1)} s of training, load average ${before.map((l) => l.toFixed(2)).join(' ')}`);
        const plain = peer === 'plain'
          ? await runPlainPeer({ train, test, seconds: search.seconds, seed, log })
          : await runPytorchPeer({ python: (torch as { python: string }).python, files: files!, seconds: search.seconds, seed, threads: pytorchThreads, log });
        runs.push({ seed, position: i + 2, loadBefore: before, peer, plain });
        log(`seed ${seed}: ${peer} test ${(plain.testAccuracy * 100).toFixed(2)}% after ${plain.epochs} epoch(s), 99.0% ${plain.timeToTarget === null ? 'never' : `at ${plain.timeToTarget.toFixed(1)} s`}`);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const torchVersion = 'version' in torch ? torch.version : undefined;
  const labels: Record<E2ePeer, string> = {
    search: `autonas search (npm start's, --budget ${budget}s)`,
    plain: `plain mnist_cnn, autonas (${runtime.backend}${runtime.native?.active ? `, native ${runtime.native.threads} threads` : ''})`,
    pytorch: `plain mnist_cnn, PyTorch ${torchVersion ?? ''} (${pytorchThreads} thread${pytorchThreads === 1 ? '' : 's'})`,
  };
  const searchAcc = new Map(runs.flatMap((r) => (r.peer === 'search' ? [[r.seed, r.search.testAccuracy] as const] : [])));
  const peers: E2ePeer[] = ['search', 'plain', ...(torchVersion !== undefined ? ['pytorch' as const] : [])];
  const summary = peers.map((peer): E2eSummary => {
    const rs = runs.filter((r) => r.peer === peer);
    const acc = (r: E2eRun) => (r.peer === 'search' ? r.search.testAccuracy : r.plain.testAccuracy);
    const base = { peer, label: labels[peer], seconds: spread(rs.map((r) => (r.peer === 'search' ? r.search.seconds : r.plain.trainSeconds))), testAccuracy: spread(rs.map(acc)) };
    if (peer === 'search') return base;
    const plains = rs.flatMap((r) => (r.peer === 'search' ? [] : [r]));
    const times = plains.flatMap((r) => (r.plain.timeToTarget === null ? [] : [r.plain.timeToTarget]));
    return { ...base, reached: times.length, ...(times.length > 0 ? { timeToTarget: spread(times) } : {}), searchMargin: spread(plains.map((r) => searchAcc.get(r.seed)! - r.plain.testAccuracy)) };
  });
  const searchRow = summary[0]!;
  const verdicts = summary.slice(1).map((s): E2eVerdict => {
    const margin = s.searchMargin!.mean;
    const sp = Math.max(searchRow.testAccuracy.spread, s.testAccuracy.spread);
    const against = s.peer as 'plain' | 'pytorch';
    const name = against === 'plain' ? 'the plain mnist_cnn on autonas' : 'the plain mnist_cnn on PyTorch';
    if (seeds < 2) return { against, margin, spread: sp, line: `verdict: one seed, so no spread to judge by: the search's model is ${points(margin)} points against ${name} (run 2 or more seeds)` };
    const beats = margin > sp;
    return {
      against, margin, spread: sp, beats,
      line: beats
        ? `verdict: the search's model beats ${name} by ${points(margin)} points, more than the spread over seeds (${(sp * 100).toFixed(2)} points)`
        : `verdict: the search's model does NOT beat ${name} by more than the spread over seeds (${points(margin)} points against a spread of ${(sp * 100).toFixed(2)})`,
    };
  });
  const cpus = os.cpus();
  return {
    options: { seeds, budget, trainSize, testSize, target: E2E_TARGET },
    training: { ...E2E_TRAINING, network: 'mnist_cnn', ...(torchVersion !== undefined ? { pytorchThreads } : {}) },
    order: 'per seed the search first (its wall clock is the plain peers\' training time), then plain, pytorch on even seeds and pytorch, plain on odd ones',
    runtime,
    ...(torchVersion !== undefined ? { torch: torchVersion } : {}),
    skipped,
    runs,
    summary,
    verdicts,
    seconds: (performance.now() - t0) / 1000,
    machine: {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: { count: cpus.length, model: cpus[0]?.model ?? 'unknown', speedMHz: cpus[0]?.speed ?? 0 },
      totalMemoryBytes: os.totalmem(),
    },
  };
}

const pct = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(2) : '–');

/** The result as Markdown tables: every run, then each peer over the seeds, then the verdicts. */
export function formatE2eBench(result: E2eBenchResult): string {
  const o = result.options;
  const labels = new Map(result.summary.map((s) => [s.peer, s.label]));
  const searchAcc = new Map(result.runs.flatMap((r) => (r.peer === 'search' ? [[r.seed, r.search.testAccuracy] as const] : [])));
  const lines = [
    `end to end on MNIST (${result.machine.date.slice(0, 10)}): autonas search --dataset mnist --budget ${o.budget}s (npm start's search${o.budget === 540 ? '' : ', whose default is 9m'}) against the Keras mnist_cnn trained plainly for the search's wall clock; ${o.seeds} seed(s); ${o.trainSize.toLocaleString('en-US')} training images; plain peers tested on ${o.testSize.toLocaleString('en-US')} test images after every epoch (test time not counted)`,
    `plain peers: Adam, batch ${result.training.batchSize}, learning rate ${result.training.learningRate} decaying along a cosine that ends with the clock; order: ${result.order}`,
    '',
    '| seed | # | peer | wall clock (s) | epochs | test % | time to 99.0 % | search − peer (points) | load before |',
    '|---:|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of result.runs) {
    const label = labels.get(r.peer) ?? r.peer;
    const load = r.loadBefore[0]?.toFixed(2) ?? '–';
    if (r.peer === 'search') {
      const s = r.search;
      lines.push(`| ${r.seed} | ${r.position} | ${label} | ${s.seconds.toFixed(1)} | ${s.retrain ? `${s.retrain.epochs} (retrain)` : '–'} | ${pct(s.testAccuracy)} | – | | ${load} |`);
    } else {
      const p = r.plain;
      const part = p.curve.some((c) => c.partial) ? ' + part' : '';
      lines.push(`| ${r.seed} | ${r.position} | ${label} | ${p.trainSeconds.toFixed(1)} | ${p.epochs}${part} | ${pct(p.testAccuracy)} | ${p.timeToTarget === null ? 'never' : `${p.timeToTarget.toFixed(1)} s`} | ${points(searchAcc.get(r.seed)! - p.testAccuracy)} | ${load} |`);
    }
  }
  lines.push('', '| peer | seeds | wall clock (s), mean | test %, mean | spread (max − min, points) | reached 99.0 % | time to 99.0 %, mean (s) | search − peer, mean (points) |', '|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of result.summary) {
    lines.push(`| ${s.label} | ${s.testAccuracy.n} | ${s.seconds.mean.toFixed(1)} | ${pct(s.testAccuracy.mean)} | ${(s.testAccuracy.spread * 100).toFixed(2)} | ${s.reached === undefined ? '–' : `${s.reached} of ${s.testAccuracy.n}`} | ${s.timeToTarget ? s.timeToTarget.mean.toFixed(1) : '–'} | ${s.searchMargin ? points(s.searchMargin.mean) : ''} |`);
  }
  lines.push('');
  for (const v of result.verdicts) lines.push(v.line);
  lines.push(
    '',
    'wall clock: the search\'s own (report.json totalSeconds: data load, baseline, search, retraining, test, save); the plain peers train for that long, their test evaluations not counted. Time to 99.0 %: training seconds at the end of the first epoch tested at 99.0 % or more (the search reports only its final model).',
  );
  for (const s of result.skipped) lines.push(`skipped: ${s}`);
  lines.push(`total ${result.seconds.toFixed(0)} s`);
  return lines.join('\n');
}
