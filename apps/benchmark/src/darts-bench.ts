import { Random } from '@autonas/core';
import { createDataset, loadMnist, type Dataset, type SearchData, downsample } from '@autonas/data';
import { DartsCellSpace } from '@autonas/space-cell';
import { meanMaxSoftmax, retrainArchitecture, searchSupernet, type DartsVariant, type Genotype, type RetrainResult } from '@autonas/strategy-darts';
import { initRuntime } from '@autonas/tfjs';

/** Options of {@link runDartsBench}. */
export interface DartsBenchOptions {
  /** MNIST training images, split in half: w trains on one half, α on the other. Default 1024. */
  readonly trainSize?: number;
  /** MNIST test images (only for the final accuracies). Default 1000. */
  readonly testSize?: number;
  /** Average 2×2 pixels (28×28 → 14×14): a quarter of the compute. Default true. */
  readonly downsample?: boolean;
  /** Supernet cells. Default 3. */
  readonly cells?: number;
  /** Supernet channels. Default 4. */
  readonly channels?: number;
  /** Intermediate nodes per cell. Default 4 (DARTS). */
  readonly nodes?: number;
  /** Search epochs. Default 5. */
  readonly epochs?: number;
  /** Of these, the first epochs that train w only (α frozen). Default 0. */
  readonly warmupEpochs?: number;
  /** First or second order. Default 1. */
  readonly order?: 1 | 2;
  /** The variants searched, each on the same data with the same seed. Default all three. */
  readonly variants?: readonly DartsVariant[];
  /** `pc-darts`' K. Default 2. */
  readonly partialChannels?: number;
  /** α's (and β's) Adam learning rate, the same for every variant. Default 3e-3 (10× DARTS', for a search of a hundred steps). */
  readonly alphaLearningRate?: number;
  /** Cells of the retrained network (the derived cells and the random ones alike). Default 3. */
  readonly retrainCells?: number;
  /** Channels of the retrained network. Default 8. */
  readonly retrainChannels?: number;
  /** Retraining epochs (on both halves of the training images). Default 8. */
  readonly retrainEpochs?: number;
  /** Seeds 0 … seeds − 1 of the search, the retraining and the random cells. Default 3. */
  readonly seeds?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
  /** Called with the rows so far after every seed (for partial results). */
  readonly onSeed?: (rows: readonly DartsBenchRow[]) => void;
}

/** One retrained cell. */
export interface DartsBenchRow extends RetrainResult {
  readonly seed: number;
  /** The variant that derived it, or `random`. */
  readonly source: DartsVariant | 'random';
  readonly genotype: Genotype;
  /** Search seconds (searched cells). */
  readonly searchSeconds?: number;
  /** Mean over edges of the strongest op's softmax weight after the search (1/8 is uniform). */
  readonly meanMaxSoftmax?: number;
  /** Supernet validation accuracy after the last epoch. */
  readonly supernetValAccuracy?: number;
}

/** One line of the summary: a variant or the random cells over all seeds. */
export interface DartsBenchSummary {
  readonly source: DartsVariant | 'random';
  readonly n: number;
  readonly meanTestAccuracy: number;
  /** Sample standard deviation of the test accuracy. */
  readonly stdTestAccuracy: number;
  readonly minTestAccuracy: number;
  readonly maxTestAccuracy: number;
  /** Mean test accuracy / the random cells' mean. */
  readonly ratioToRandom: number;
  /** Seeds where this source beat the mean of that seed's random cells. */
  readonly seedsAboveRandom?: number;
  readonly meanParams: number;
  readonly meanSearchSeconds?: number;
  readonly meanMaxSoftmax?: number;
  readonly meanRetrainSeconds: number;
}

/** What {@link runDartsBench} returns. */
export interface DartsBenchResult {
  readonly options: Required<Omit<DartsBenchOptions, 'log' | 'onSeed'>>;
  /** Every retrained cell, seed by seed: the variants' cells, then as many random ones. */
  readonly rows: readonly DartsBenchRow[];
  readonly summary: readonly DartsBenchSummary[];
  /** Wall-clock seconds of the whole benchmark. */
  readonly seconds: number;
}

const halve = (ds: Dataset): Dataset => downsample(ds, 2);

function halves(ds: Dataset): SearchData {
  const per = ds.sampleShape.reduce((a, b) => a * b, 1);
  const h = Math.floor(ds.size / 2);
  const part = (from: number, to: number) => createDataset(ds.x.slice(from * per, to * per), ds.y.slice(from, to), { sampleShape: ds.sampleShape, numClasses: ds.numClasses });
  return { train: part(0, h), validation: part(h, 2 * h) };
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** The summary lines of a set of rows: one per variant (in the order given), then the random cells. */
export function summariseDartsBench(rows: readonly DartsBenchRow[], variants: readonly DartsVariant[]): DartsBenchSummary[] {
  const random = rows.filter((r) => r.source === 'random');
  const randomMean = mean(random.map((r) => r.testAccuracy!));
  const randomBySeed = new Map<number, number>();
  for (const s of new Set(random.map((r) => r.seed))) randomBySeed.set(s, mean(random.filter((r) => r.seed === s).map((r) => r.testAccuracy!)));
  return [...variants, 'random' as const].flatMap((source) => {
    const rs = rows.filter((r) => r.source === source);
    if (rs.length === 0) return [];
    const acc = rs.map((r) => r.testAccuracy!);
    return [{
      source, n: rs.length, meanTestAccuracy: mean(acc), stdTestAccuracy: std(acc), minTestAccuracy: Math.min(...acc), maxTestAccuracy: Math.max(...acc),
      ratioToRandom: mean(acc) / randomMean, meanParams: mean(rs.map((r) => r.params)), meanRetrainSeconds: mean(rs.map((r) => r.seconds)),
      ...(source === 'random' ? {} : {
        seedsAboveRandom: rs.filter((r) => randomBySeed.has(r.seed) && r.testAccuracy! > randomBySeed.get(r.seed)!).length,
        meanSearchSeconds: mean(rs.map((r) => r.searchSeconds!)), meanMaxSoftmax: mean(rs.map((r) => r.meanMaxSoftmax!)),
      }),
    }];
  });
}

/**
 * DARTS variants on a small MNIST slice against random cells: for every seed, searches a DARTS
 * cell supernet with each variant on the same data, retrains every derived cell from scratch, and
 * retrains as many cells sampled uniformly from the same space with the same budget (network,
 * epochs, data, seed), all measured on the MNIST test images. Runs on the wasm backend; see the
 * options for the sizes.
 */
export async function runDartsBench(options: DartsBenchOptions = {}): Promise<DartsBenchResult> {
  const { log: logOpt, onSeed, ...given } = options;
  const o = {
    trainSize: 1024, testSize: 1000, downsample: true, cells: 3, channels: 4, nodes: 4, epochs: 5, warmupEpochs: 0, order: 1 as 1 | 2,
    variants: ['darts', 'pc-darts', 'darts-'] as readonly DartsVariant[], partialChannels: 2, alphaLearningRate: 3e-3,
    retrainCells: 3, retrainChannels: 8, retrainEpochs: 8, seeds: 3, ...given,
  };
  const log = logOpt ?? (() => {});
  const t0 = performance.now();
  await initRuntime({ backend: 'wasm', log: () => {} });
  const mnist = await loadMnist({ trainSize: o.trainSize, testSize: o.testSize });
  const [train, test] = o.downsample ? [halve(mnist.train), halve(mnist.test)] : [mnist.train, mnist.test];
  const data = halves(train);
  const inputShape = train.sampleShape as [number, number, number];
  const space = new DartsCellSpace({ inputShape, numClasses: 10, cells: o.cells, channels: o.channels, nodes: o.nodes });
  const retrainSpace = new DartsCellSpace({ inputShape, numClasses: 10, cells: o.retrainCells, channels: o.retrainChannels, nodes: o.nodes });
  log(`DARTS variants ${o.variants.join(', ')}: ${data.train.size} + ${data.validation.size} images ${inputShape.join('×')}, ${o.cells} cells × ${o.channels} channels, ${o.nodes} nodes, ${o.epochs} epochs (${o.warmupEpochs} warm-up), order ${o.order}, α lr ${o.alphaLearningRate}; ${o.seeds} seeds`);
  const rows: DartsBenchRow[] = [];
  for (let seed = 0; seed < o.seeds; seed++) {
    const retrain = { epochs: o.retrainEpochs, seed, on: 'train+validation' as const };
    for (const variant of o.variants) {
      const s = await searchSupernet(space, data, {
        epochs: o.epochs, warmupEpochs: o.warmupEpochs, cells: o.cells, channels: o.channels, order: o.order, seed, variant, partialChannels: o.partialChannels, alphaLearningRate: o.alphaLearningRate,
        onEpoch: (p) => log(`  seed ${seed} ${variant} epoch ${p.epoch}: train acc ${p.trainAccuracy.toFixed(3)}, val acc ${p.valAccuracy.toFixed(3)}, mean max softmax ${meanMaxSoftmax(p.alphas).toFixed(4)}, ${p.seconds.toFixed(1)} s`),
      });
      const arch = retrainSpace.build(s.decisions);
      const r = await retrainArchitecture(arch, data, test, retrain);
      const last = s.progress.at(-1)!;
      rows.push({ seed, source: variant, genotype: s.genotype, searchSeconds: s.seconds, meanMaxSoftmax: meanMaxSoftmax(last.alphas), supernetValAccuracy: last.valAccuracy, ...r });
      log(`  seed ${seed} ${variant}: search ${s.seconds.toFixed(1)} s, cell ${genotypeShort(s.genotype)}: test accuracy ${r.testAccuracy!.toFixed(4)} (${r.params} params, ${r.seconds.toFixed(1)} s)`);
    }
    const rng = new Random(seed).fork('random-genotypes');
    for (let i = 0; i < o.variants.length; i++) {
      const arch = retrainSpace.sample(rng);
      const r = await retrainArchitecture(arch, data, test, retrain);
      rows.push({ seed, source: 'random', genotype: retrainSpace.genotype(arch), ...r });
      log(`  seed ${seed} random ${i + 1}: test accuracy ${r.testAccuracy!.toFixed(4)} (${r.params} params, ${r.seconds.toFixed(1)} s)`);
    }
    onSeed?.(rows);
  }
  return { options: o, rows, summary: summariseDartsBench(rows, o.variants), seconds: (performance.now() - t0) / 1000 };
}

const pct = (x: number) => (100 * x).toFixed(2);

/** A plain-text report of {@link runDartsBench}: the setup, one line per variant and the random cells, then every cell. */
export function formatDartsBench(result: DartsBenchResult): string {
  const { options: o } = result;
  const lines = [
    `DARTS variants on MNIST (${o.downsample ? '14×14' : '28×28'}, ${o.trainSize} training images split in half, ${o.testSize} test images), ${o.seeds} seeds`,
    `search: ${o.epochs} epochs (${o.epochs * Math.floor(o.trainSize / 2 / 32)} steps of batch 32${o.warmupEpochs ? `, α frozen in the first ${o.warmupEpochs} epochs` : ''}), supernet ${o.cells} cells × ${o.channels} channels, ${o.nodes} nodes, order ${o.order}, α lr ${o.alphaLearningRate}${o.variants.includes('pc-darts') ? `, pc-darts K = ${o.partialChannels}` : ''}`,
    `retraining (every cell alike): ${o.retrainCells} cells × ${o.retrainChannels} channels, ${o.retrainEpochs} epochs on all ${o.trainSize} training images`,
    '',
    '| source | cells | test accuracy % (mean ± sd) | min–max | × random | seeds above random | params | search s | mean max softmax |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...result.summary.map((s) => `| ${s.source} | ${s.n} | ${pct(s.meanTestAccuracy)} ± ${pct(s.stdTestAccuracy)} | ${pct(s.minTestAccuracy)}–${pct(s.maxTestAccuracy)} | ${s.ratioToRandom.toFixed(4)} | ${s.seedsAboveRandom ?? '–'} | ${s.meanParams.toFixed(0)} | ${s.meanSearchSeconds?.toFixed(1) ?? '–'} | ${s.meanMaxSoftmax?.toFixed(4) ?? '–'} |`),
    '',
    '| seed | source | test accuracy % | params | genotype |',
    '|---:|---|---:|---:|---|',
    ...result.rows.map((r) => `| ${r.seed} | ${r.source} | ${pct(r.testAccuracy!)} | ${r.params} | ${genotypeShort(r.genotype)} |`),
    '',
    `total ${result.seconds.toFixed(0)} s`,
  ];
  return lines.join('\n');
}

function genotypeShort(g: Genotype): string {
  const cell = (edges: Genotype['normal']) => edges.map(([op, i]) => `${op}~${i}`).join(' ');
  return `normal: ${cell(g.normal)}; reduce: ${cell(g.reduce)}`;
}
