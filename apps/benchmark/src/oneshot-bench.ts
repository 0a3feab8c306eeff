import { ConfigurationError, Random, architectureHash, inferShapes, spearman, type Architecture } from '@autonas/core';
import { ONESHOT_TRAININGS, OneShotEstimator, type OneShotTraining } from '@autonas/estimator-oneshot';
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
  /**
   * Supernet training schemes compared, each with the same `supernetSteps` path updates, on the
   * same sample and beside the same stand-alone training. Default `['uniform', 'few-shot', 'sandwich']`.
   */
  readonly variants?: readonly OneShotTraining[];
  /** Decisions the `'few-shot'` variant splits on. Default `['chain/blocks']`. */
  readonly splitOn?: readonly string[];
  /**
   * Groups of decisions the `'progressive'` variant opens after the largest path, in order.
   * Default Once-for-All's order on the chain space: depth (`chain/blocks`, each block's
   * `convs`), then width (each block's `filters`, `chain/head/units`), then every other decision.
   */
  readonly progressiveStages?: readonly (readonly string[])[];
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

/** One supernet training scheme of the run. */
export interface OneShotBenchVariant {
  readonly training: OneShotTraining;
  /** Decisions it split on (`'few-shot'` only; empty otherwise). */
  readonly splitOn: readonly string[];
  /** Groups of decisions it opened in order (`'progressive'` only; empty otherwise). */
  readonly stages: readonly (readonly string[])[];
  /** Sub-supernets (1 unless `'few-shot'`). */
  readonly subSupernets: number;
  readonly supernet: { readonly steps: number; readonly seconds: number; readonly loss: number; readonly layers: number };
  /** Seconds to score every architecture of the sample. */
  readonly oneShotSeconds: number;
  /** One-shot score of each architecture of the sample, in sample order. */
  readonly oneShot: readonly number[];
  readonly tau: number;
  readonly spearman: number;
  /** Index of its one-shot top-1, and that architecture's stand-alone rank (1: it agrees with the stand-alone top-1). */
  readonly top1: { readonly index: number; readonly standaloneRank: number };
}

/** What {@link runOneShotBench} returns. */
export interface OneShotBenchResult {
  readonly options: Required<Omit<OneShotBenchOptions, 'log' | 'space' | 'progressiveStages'>> & { readonly space: BenchChainChoices; readonly progressiveStages: readonly (readonly string[])[] };
  /** `[height, width, channels]` of the images. */
  readonly inputShape: readonly number[];
  /** Choices of the chain space, as text. */
  readonly spaceChoices: string;
  readonly trainImages: number;
  readonly validationImages: number;
  /** The first variant's supernet. */
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
  /** The sample, with the first variant's one-shot scores. */
  readonly archs: readonly OneShotBenchArch[];
  /** Every variant, in the order run (the fields above and below are the first one's). */
  readonly variants: readonly OneShotBenchVariant[];
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
 * does: samples `archs` distinct architectures of the real `ChainSpace`, trains each alone once
 * (a `LowFidelityEstimator` with a fixed budget), then for each supernet training scheme of
 * `variants` trains a `OneShotEstimator` supernet with the same `supernetSteps` path updates,
 * scores the same sample on it, and reports Kendall's τ, Spearman's ρ and the top-1 against the
 * stand-alone ranking, with what each side cost. Runs on the wasm backend.
 *
 * @param options - sizes and budgets; the defaults fit in under half an hour on one core
 * @returns the sample with every score, the correlations and the timings
 */
export async function runOneShotBench(options: OneShotBenchOptions = {}): Promise<OneShotBenchResult> {
  const o = {
    archs: 20, trainSize: 2000, validationSize: 1000, downsample: true, space: {} as BenchChainChoices, supernetSteps: 1000, supernetBatchSize: 64,
    supernetLearningRate: 0.001, standaloneEpochs: 2, standaloneBatchSize: 32, seed: 0, variants: ['uniform', 'few-shot', 'sandwich', 'progressive'] as readonly OneShotTraining[],
    splitOn: ['chain/blocks'] as readonly string[], progressiveStages: undefined as readonly (readonly string[])[] | undefined, ...stripUndefined(options),
  };
  if (!(Number.isInteger(o.archs) && o.archs >= 2)) throw new ConfigurationError('BAD_BENCH_OPTION', `archs must be an integer >= 2, got ${o.archs}`);
  if (o.variants.length === 0) throw new ConfigurationError('BAD_BENCH_OPTION', 'variants needs at least one supernet training scheme');
  const bad = o.variants.find((v) => !ONESHOT_TRAININGS.includes(v));
  if (bad !== undefined) throw new ConfigurationError('BAD_BENCH_OPTION', `unknown variant "${bad}"; known: ${ONESHOT_TRAININGS.join(', ')}`);
  if (new Set(o.variants).size !== o.variants.length) throw new ConfigurationError('BAD_BENCH_OPTION', `variants names one twice: ${o.variants.join(', ')}`);
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  await initRuntime({ backend: 'wasm', log: () => {} });
  const before = tf.memory().numTensors;
  const { data, inputShape } = await loadMnistSplit({ trainSize: o.trainSize, validationSize: o.validationSize, downsample: o.downsample, seed: o.seed });
  const space = new ChainSpace({ ...o.space, inputShape, numClasses: 10 });
  const stages = o.progressiveStages ?? ofaStages(space);
  const sample = distinctSample(space, o.archs, new Random(o.seed).fork('sample'));
  log(`one-shot vs stand-alone: ${sample.length} distinct architectures of the chain space (${describeChoices(o.space)}), MNIST ${inputShape.join('×')}, ${data.train.size} training / ${data.validation.size} validation images; variants ${o.variants.join(', ')}`);

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
  const saRanks = ranks(standalone);

  const variants: OneShotBenchVariant[] = [];
  for (const training of o.variants) {
    const oneShot = new OneShotEstimator(space, data, {
      steps: o.supernetSteps, batchSize: o.supernetBatchSize, learningRate: o.supernetLearningRate, seed: o.seed, training, ...(training === 'few-shot' ? { splitOn: o.splitOn } : {}),
      ...(training === 'progressive' ? { progressiveStages: stages } : {}),
    });
    try {
      const every = Math.max(1, Math.round(o.supernetSteps / 10));
      let next = every;
      const trained = await oneShot.trainSupernet({
        onStep: (step, loss) => {
          if (step < next) return;
          next += every;
          log(`  ${training} supernet step ${step}/${o.supernetSteps}: loss ${loss.toFixed(3)}, ${oneShot.layerCount} layers, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
        },
      });
      log(`${training} supernet: ${trained.steps} steps in ${trained.seconds.toFixed(1)} s, mean loss of the last 50 ${trained.loss.toFixed(3)}`);
      const ts = performance.now();
      const rc = await oneShot.rankCorrelation(sample.map((architecture, i) => ({ architecture, standalone: standalone[i]! })));
      const oneShotSeconds = (performance.now() - ts) / 1000;
      const top = argmax(rc.oneShot);
      variants.push({
        training, splitOn: oneShot.splitOn, stages: oneShot.stages, subSupernets: oneShot.subSupernets.length,
        supernet: { steps: trained.steps, seconds: trained.seconds, loss: trained.loss, layers: oneShot.layerCount },
        oneShotSeconds, oneShot: rc.oneShot, tau: rc.tau, spearman: spearman(rc.oneShot, standalone), top1: { index: top, standaloneRank: saRanks[top]! },
      });
      log(`${training}: scored all ${sample.length} in ${oneShotSeconds.toFixed(1)} s: Kendall τ ${rc.tau.toFixed(3)}`);
    } finally {
      oneShot.dispose();
    }
  }

  const first = variants[0]!;
  const osRanks = ranks(first.oneShot);
  const archs = sample.map((arch, i): OneShotBenchArch => {
    const info = inferShapes(arch);
    return {
      index: i, hash: architectureHash(arch), summary: chainSummary(arch), params: info.totalParams, macs: info.macs,
      oneShot: first.oneShot[i]!, standalone: standalone[i]!, standaloneSeconds: standaloneTimes[i]!, oneShotRank: osRanks[i]!, standaloneRank: saRanks[i]!,
    };
  });
  const byOneShot = [...archs].sort((a, b) => b.oneShot - a.oneShot || a.index - b.index);
  const { log: _log, ...resolved } = o as typeof o & { log?: unknown };
  return {
    options: { ...resolved, progressiveStages: stages },
    inputShape,
    spaceChoices: describeChoices(o.space),
    trainImages: data.train.size,
    validationImages: data.validation.size,
    supernet: first.supernet,
    oneShotSeconds: first.oneShotSeconds,
    standaloneSeconds: standaloneTimes.reduce((a, b) => a + b, 0),
    archs,
    variants,
    tau: first.tau,
    spearman: first.spearman,
    top1: { oneShot: first.top1.index, standalone: argmax(standalone) },
    oneShotTop5: byOneShot.slice(0, 5).map((a) => ({ index: a.index, standaloneRank: a.standaloneRank })),
    seconds: (performance.now() - t0) / 1000,
    tensors: { before, after: tf.memory().numTensors },
  };
}

/** Once-for-All's order on the chain space: depth, then width, then every other decision (only decisions with a choice left). */
function ofaStages(space: ChainSpace): string[][] {
  const names = space.decisions().filter((d) => d.choices.length > 1).map((d) => d.name);
  const depth = names.filter((n) => n === 'chain/blocks' || n.endsWith('/convs'));
  const width = names.filter((n) => n.endsWith('/filters') || n === 'chain/head/units');
  const rest = names.filter((n) => !depth.includes(n) && !width.includes(n));
  return [depth, width, rest].filter((s) => s.length > 0);
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
 * A plain-text report of {@link runOneShotBench}: the setting, the stand-alone cost, one row per
 * supernet training scheme (τ, ρ, top-1 agreement, seconds), how the first scheme's top 5 rank
 * alone, then one row per architecture with every scheme's score (Markdown tables).
 * @param r - from {@link runOneShotBench}
 */
export function formatOneShotBench(r: OneShotBenchResult): string {
  const o = r.options;
  const a = (i: number) => r.archs[i]!;
  const name = (v: OneShotBenchVariant) =>
    v.training === 'few-shot' ? `few-shot (${v.subSupernets} on ${v.splitOn.join(' × ')})` : v.training === 'progressive' ? `progressive (largest, then ${v.stages.length} stages)` : v.training;
  const lines = [
    `One-shot vs stand-alone on MNIST (${r.inputShape.slice(0, 2).join('×')}${o.downsample ? ', 2×2-pooled' : ''}; ${r.trainImages} training / ${r.validationImages} validation images), chain space with ${r.spaceChoices}`,
    `every supernet: ${o.supernetSteps} path updates of batch ${o.supernetBatchSize} (Adam ${o.supernetLearningRate}); scores batch-norm recalibrated`,
    `stand-alone: ${o.standaloneEpochs} epochs of batch ${o.standaloneBatchSize} each, ${r.standaloneSeconds.toFixed(1)} s in all (${(r.standaloneSeconds / r.archs.length).toFixed(1)} s each); top-1 alone #${r.top1.standalone} (${pct(a(r.top1.standalone).standalone)})`,
    '',
    `| variant | Kendall τ | Spearman ρ | one-shot top-1 (rank alone) | final loss | layers | supernet s | scoring s |`,
    '|---|---:|---:|---|---:|---:|---:|---:|',
    ...r.variants.map((v) => `| ${name(v)} | ${v.tau.toFixed(3)} | ${v.spearman.toFixed(3)} | #${v.top1.index} (${v.top1.standaloneRank}${v.top1.standaloneRank === 1 ? ', agrees' : ''}) | ${v.supernet.loss.toFixed(3)} | ${v.supernet.layers} | ${v.supernet.seconds.toFixed(1)} | ${v.oneShotSeconds.toFixed(1)} |`),
    '',
    `Kendall τ = ${r.tau.toFixed(3)}, Spearman ρ = ${r.spearman.toFixed(3)} over ${r.archs.length} distinct architectures (${name(r.variants[0]!)})`,
    `${r.variants[0]!.training} top 5 → stand-alone ranks: ${r.oneShotTop5.map((t) => `#${t.index}→${t.standaloneRank}`).join(', ')} (of ${r.archs.length})`,
    '',
    `| # | alone | rank | ${r.variants.map((v) => `${v.training} | rank`).join(' | ')} | alone s | params | MMACs | architecture |`,
    `|---:|---:|---:|${r.variants.map(() => '---:|---:|').join('')}---:|---:|---:|---|`,
    ...r.archs.map((x) => {
      const cells = r.variants.map((v) => `${pct(v.oneShot[x.index]!)} | ${1 + v.oneShot.filter((y) => y > v.oneShot[x.index]!).length}`);
      return `| ${x.index} | ${pct(x.standalone)} | ${x.standaloneRank} | ${cells.join(' | ')} | ${x.standaloneSeconds.toFixed(1)} | ${x.params} | ${(x.macs / 1e6).toFixed(1)} | ${x.summary} |`;
    }),
    '',
    `total ${r.seconds.toFixed(0)} s; tensors ${r.tensors.before} before, ${r.tensors.after} after`,
  ];
  return lines.join('\n');
}
