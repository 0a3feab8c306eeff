import { ConfigurationError, Random, architectureHash, inferShapes, spearman, type Architecture } from '@autonas/core';
import { OneShotEstimator } from '@autonas/estimator-oneshot';
import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
import { ChainSpace } from '@autonas/space-chain';
import { initRuntime, tf } from '@autonas/tfjs';
import { chainSummary, describeChoices, loadMnistSplit, type BenchChainChoices } from './mnist-chain.js';

/** Options of {@link runOneShotBench}. */
export interface OneShotBenchOptions {
  /** Distinct architectures sampled from the space and scored both ways. Default 20 (at least 2). */
  readonly archs?: number;
  /** MNIST training images: the supernet and every stand-alone network train on them. Default 2000. */
  readonly trainSize?: number;
  /** MNIST validation images (the next ones): both scores are accuracies on them. Default 1000. */
  readonly validationSize?: number;
  /** Average 2×2 pixels (28×28 → 14×14): a quarter of the compute. Default true. */
  readonly downsample?: boolean;
  /** Chain-space choices. Default: none set, i.e. `ChainSpace`'s default choices. */
  readonly space?: BenchChainChoices;
  /** Supernet training steps (one sampled path and one batch each). Default 1000. */
  readonly supernetSteps?: number;
  /** Supernet batch size. Default 64. */
  readonly supernetBatchSize?: number;
  /** Supernet Adam learning rate. Default 0.001 (the estimator's default). */
  readonly supernetLearningRate?: number;
  /** Epochs each architecture trains alone (on all training images). Default 2. */
  readonly standaloneEpochs?: number;
  /** Stand-alone batch size. Default 32. */
  readonly standaloneBatchSize?: number;
  /** Seed of the sample, the supernet, the split and the stand-alone training. Default 0. */
  readonly seed?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One architecture of the sample. */
export interface OneShotBenchArch {
  /** Position in the sample (0-based). */
  readonly index: number;
  readonly hash: string;
  /** Short form of its decisions (see `chainSummary`). */
  readonly summary: string;
  readonly params: number;
  /** Multiply-accumulates of one forward pass of one image. */
  readonly macs: number;
  /** Validation accuracy of its path in the supernet (inherited weights, recalibrated batch norm). */
  readonly oneShot: number;
  /** Best validation accuracy trained alone from scratch. */
  readonly standalone: number;
  /** Seconds of its stand-alone training and validation. */
  readonly standaloneSeconds: number;
  /** Rank (1 = best) among the sample by one-shot score; ties share the better rank. */
  readonly oneShotRank: number;
  /** Rank (1 = best) among the sample by stand-alone accuracy; ties share the better rank. */
  readonly standaloneRank: number;
}

/** What {@link runOneShotBench} returns. */
export interface OneShotBenchResult {
  readonly options: Required<Omit<OneShotBenchOptions, 'log' | 'space'>> & { readonly space: BenchChainChoices };
  /** `[height, width, channels]` of the images. */
  readonly inputShape: readonly number[];
  /** Choices of the chain space, as text. */
  readonly spaceChoices: string;
  readonly trainImages: number;
  readonly validationImages: number;
  readonly supernet: {
    readonly steps: number;
    readonly seconds: number;
    /** Mean training loss of the last 50 steps. */
    readonly loss: number;
    /** Layers (weight groups) the supernet holds after training and scoring. */
    readonly layers: number;
  };
  /** Seconds to score every architecture of the sample with the supernet. */
  readonly oneShotSeconds: number;
  /** Seconds to train every architecture of the sample alone. */
  readonly standaloneSeconds: number;
  readonly archs: readonly OneShotBenchArch[];
  /** Kendall's τ-b between one-shot scores and stand-alone accuracies. */
  readonly tau: number;
  /** Spearman's ρ between the same. */
  readonly spearman: number;
  /** Index of the best architecture by one-shot score, and by stand-alone accuracy. */
  readonly top1: { readonly oneShot: number; readonly standalone: number };
  /** The one-shot top 5 (indices, best first) with their stand-alone ranks. */
  readonly oneShotTop5: readonly { readonly index: number; readonly standaloneRank: number }[];
  /** Wall-clock seconds of the whole benchmark (data loading included). */
  readonly seconds: number;
  readonly tensors: { readonly before: number; readonly after: number };
}

/** Competition ranks, 1 = highest value; equal values share the better rank. */
function ranks(xs: readonly number[]): number[] {
  return xs.map((x) => 1 + xs.filter((y) => y > x).length);
}

/** The index of the largest value (the first one on ties). */
function argmax(xs: readonly number[]): number {
  return xs.reduce((best, x, i) => (x > xs[best]! ? i : best), 0);
}

/**
 * How far one-shot scores rank architectures of the chain space on MNIST as training them alone
 * does: trains a `OneShotEstimator` supernet over the real `ChainSpace` once, samples `archs`
 * distinct architectures, scores each with the supernet and trains each alone (a
 * `LowFidelityEstimator` with a fixed budget, same data), and reports Kendall's τ and Spearman's
 * ρ between the two rankings, with what each side cost. Runs on the wasm backend.
 *
 * @param options - sizes and budgets; the defaults fit in a few minutes on one core
 * @returns the sample with both scores, the correlations and the timings
 */
export async function runOneShotBench(options: OneShotBenchOptions = {}): Promise<OneShotBenchResult> {
  const o = {
    archs: 20, trainSize: 2000, validationSize: 1000, downsample: true, space: {} as BenchChainChoices, supernetSteps: 1000, supernetBatchSize: 64,
    supernetLearningRate: 0.001, standaloneEpochs: 2, standaloneBatchSize: 32, seed: 0, ...stripUndefined(options),
  };
  if (!(Number.isInteger(o.archs) && o.archs >= 2)) throw new ConfigurationError('BAD_BENCH_OPTION', `archs must be an integer >= 2, got ${o.archs}`);
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  await initRuntime({ backend: 'wasm', log: () => {} });
  const before = tf.memory().numTensors;
  const { data, inputShape } = await loadMnistSplit({ trainSize: o.trainSize, validationSize: o.validationSize, downsample: o.downsample, seed: o.seed });
  const space = new ChainSpace({ ...o.space, inputShape, numClasses: 10 });
  const sample = distinctSample(space, o.archs, new Random(o.seed).fork('sample'));
  log(`one-shot vs stand-alone: ${sample.length} distinct architectures of the chain space (${describeChoices(o.space)}), MNIST ${inputShape.join('×')}, ${data.train.size} training / ${data.validation.size} validation images`);

  const oneShot = new OneShotEstimator(space, data, { steps: o.supernetSteps, batchSize: o.supernetBatchSize, learningRate: o.supernetLearningRate, seed: o.seed });
  let result: OneShotBenchResult;
  try {
    const every = Math.max(1, Math.round(o.supernetSteps / 10));
    const trained = await oneShot.trainSupernet({ onStep: (step, loss) => step % every === 0 && log(`  supernet step ${step}/${o.supernetSteps}: loss ${loss.toFixed(3)}, ${oneShot.layerCount} layers, ${((performance.now() - t0) / 1000).toFixed(0)} s`) });
    log(`supernet: ${trained.steps} steps in ${trained.seconds.toFixed(1)} s, mean loss of the last 50 ${trained.loss.toFixed(3)}`);

    const alone = new LowFidelityEstimator(data, { epochs: o.standaloneEpochs, batchSize: o.standaloneBatchSize });
    const signal = new AbortController().signal;
    const standalone: number[] = [];
    const standaloneTimes: number[] = [];
    for (const [i, arch] of sample.entries()) {
      const ts = performance.now();
      const e = await alone.estimate(arch, { trialId: i, seed: o.seed + i, signal, report: () => {} });
      e.artifact?.dispose();
      standaloneTimes.push((performance.now() - ts) / 1000);
      standalone.push(e.score);
      log(`  stand-alone ${i + 1}/${sample.length}: ${(e.score * 100).toFixed(2)}% in ${standaloneTimes[i]!.toFixed(1)} s  ${chainSummary(arch)}`);
    }

    const ts = performance.now();
    const rc = await oneShot.rankCorrelation(sample.map((architecture, i) => ({ architecture, standalone: standalone[i]! })));
    const oneShotSeconds = (performance.now() - ts) / 1000;
    log(`one-shot scores of all ${sample.length} in ${oneShotSeconds.toFixed(1)} s: Kendall τ ${rc.tau.toFixed(3)}`);

    const osRanks = ranks(rc.oneShot);
    const saRanks = ranks(standalone);
    const archs = sample.map((arch, i): OneShotBenchArch => {
      const info = inferShapes(arch);
      return {
        index: i, hash: architectureHash(arch), summary: chainSummary(arch), params: info.totalParams, macs: info.macs,
        oneShot: rc.oneShot[i]!, standalone: standalone[i]!, standaloneSeconds: standaloneTimes[i]!, oneShotRank: osRanks[i]!, standaloneRank: saRanks[i]!,
      };
    });
    const byOneShot = [...archs].sort((a, b) => b.oneShot - a.oneShot || a.index - b.index);
    const { log: _log, ...resolved } = o as typeof o & { log?: unknown };
    result = {
      options: resolved,
      inputShape,
      spaceChoices: describeChoices(o.space),
      trainImages: data.train.size,
      validationImages: data.validation.size,
      supernet: { steps: trained.steps, seconds: trained.seconds, loss: trained.loss, layers: oneShot.layerCount },
      oneShotSeconds,
      standaloneSeconds: standaloneTimes.reduce((a, b) => a + b, 0),
      archs,
      tau: rc.tau,
      spearman: spearman(rc.oneShot, standalone),
      top1: { oneShot: argmax(rc.oneShot), standalone: argmax(standalone) },
      oneShotTop5: byOneShot.slice(0, 5).map((a) => ({ index: a.index, standaloneRank: a.standaloneRank })),
      seconds: 0,
      tensors: { before, after: 0 },
    };
  } finally {
    oneShot.dispose();
  }
  return { ...result, seconds: (performance.now() - t0) / 1000, tensors: { before, after: tf.memory().numTensors } };
}

/** `n` architectures of the space with distinct hashes, in the order sampled. */
function distinctSample(space: ChainSpace, n: number, rng: Random): Architecture[] {
  const seen = new Map<string, Architecture>();
  for (let attempt = 0; seen.size < n && attempt < 100 * n; attempt++) {
    const arch = space.sample(rng);
    const h = architectureHash(arch);
    if (!seen.has(h)) seen.set(h, arch);
  }
  if (seen.size < n) throw new ConfigurationError('BAD_BENCH_OPTION', `the chain space gave only ${seen.size} distinct architectures in ${100 * n} samples; ask for fewer than ${n}`);
  return [...seen.values()];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'log')) as Partial<T>;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * A plain-text report of {@link runOneShotBench}: the setting, the cost of each side, the
 * correlations, the top 1 by each measure, how the one-shot top 5 rank alone, then one row per
 * architecture (Markdown table).
 * @param r - from {@link runOneShotBench}
 */
export function formatOneShotBench(r: OneShotBenchResult): string {
  const o = r.options;
  const a = (i: number) => r.archs[i]!;
  const lines = [
    `One-shot vs stand-alone on MNIST (${r.inputShape.slice(0, 2).join('×')}${o.downsample ? ', 2×2-pooled' : ''}; ${r.trainImages} training / ${r.validationImages} validation images), chain space with ${r.spaceChoices}`,
    `supernet: ${r.supernet.steps} steps of batch ${o.supernetBatchSize} (Adam ${o.supernetLearningRate}) in ${r.supernet.seconds.toFixed(1)} s, final loss ${r.supernet.loss.toFixed(3)}, ${r.supernet.layers} shared layers`,
    `one-shot scoring: ${r.archs.length} architectures in ${r.oneShotSeconds.toFixed(1)} s (${(r.oneShotSeconds / r.archs.length).toFixed(2)} s each)`,
    `stand-alone: ${o.standaloneEpochs} epochs of batch ${o.standaloneBatchSize} each, ${r.standaloneSeconds.toFixed(1)} s in all (${(r.standaloneSeconds / r.archs.length).toFixed(1)} s each)`,
    '',
    `Kendall τ = ${r.tau.toFixed(3)}, Spearman ρ = ${r.spearman.toFixed(3)} over ${r.archs.length} distinct architectures`,
    `top-1 by one-shot: #${r.top1.oneShot} (${pct(a(r.top1.oneShot).oneShot)} one-shot, ${pct(a(r.top1.oneShot).standalone)} alone, rank ${a(r.top1.oneShot).standaloneRank} alone)`,
    `top-1 alone:       #${r.top1.standalone} (${pct(a(r.top1.standalone).standalone)} alone, ${pct(a(r.top1.standalone).oneShot)} one-shot, rank ${a(r.top1.standalone).oneShotRank} one-shot)`,
    `one-shot top 5 → stand-alone ranks: ${r.oneShotTop5.map((t) => `#${t.index}→${t.standaloneRank}`).join(', ')} (of ${r.archs.length})`,
    '',
    '| # | one-shot | rank | alone | rank | alone s | params | MMACs | architecture |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...r.archs.map((x) => `| ${x.index} | ${pct(x.oneShot)} | ${x.oneShotRank} | ${pct(x.standalone)} | ${x.standaloneRank} | ${x.standaloneSeconds.toFixed(1)} | ${x.params} | ${(x.macs / 1e6).toFixed(1)} | ${x.summary} |`),
    '',
    `total ${r.seconds.toFixed(0)} s; tensors ${r.tensors.before} before, ${r.tensors.after} after`,
  ];
  return lines.join('\n');
}
