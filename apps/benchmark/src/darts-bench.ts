import { Random } from '@autonas/core';
import { createDataset, loadMnist, type Dataset, type SearchData, downsample } from '@autonas/data';
import { DartsCellSpace } from '@autonas/space-cell';
import { dartsSearch, retrainArchitecture, type Genotype, type RetrainResult, type SupernetSearchResult } from '@autonas/strategy-darts';
import { initRuntime } from '@autonas/tfjs';

/** Options of {@link runDartsBench}. */
export interface DartsBenchOptions {
  /** MNIST training images, split in half: w trains on one half, α on the other. Default 512. */
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
  /** Search epochs. Default 3. */
  readonly epochs?: number;
  /** First or second order. Default 1. */
  readonly order?: 1 | 2;
  /** Cells of the retrained network (the derived cell and the random ones alike). Default 3. */
  readonly retrainCells?: number;
  /** Channels of the retrained network. Default 8. */
  readonly retrainChannels?: number;
  /** Retraining epochs (on both halves of the training images). Default 8. */
  readonly retrainEpochs?: number;
  /** Random genotypes retrained with the same budget. Default 3. */
  readonly randomGenotypes?: number;
  /** Seed of the search, the retraining and the random genotypes. Default 0. */
  readonly seed?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** One retrained genotype. */
export interface DartsBenchRow extends RetrainResult {
  readonly source: 'darts' | 'random';
  readonly genotype: Genotype;
}

/** What {@link runDartsBench} returns. */
export interface DartsBenchResult {
  readonly options: Required<Omit<DartsBenchOptions, 'log'>>;
  readonly search: SupernetSearchResult;
  /** The derived genotype retrained, then the random ones. */
  readonly rows: readonly DartsBenchRow[];
  /** Mean test accuracy of the random genotypes. */
  readonly randomMean: number;
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

/**
 * DARTS on a small MNIST slice against random search: searches a DARTS cell supernet, retrains the
 * derived cell from scratch, and retrains `randomGenotypes` cells sampled uniformly from the same
 * space with the same budget (network, epochs, data, seed), all measured on the MNIST test images.
 * Runs on the wasm backend; see the options for the sizes.
 */
export async function runDartsBench(options: DartsBenchOptions = {}): Promise<DartsBenchResult> {
  const o = {
    trainSize: 512, testSize: 1000, downsample: true, cells: 3, channels: 4, nodes: 4, epochs: 3, order: 1 as 1 | 2,
    retrainCells: 3, retrainChannels: 8, retrainEpochs: 8, randomGenotypes: 3, seed: 0, ...options,
  };
  const log = options.log ?? (() => {});
  const t0 = performance.now();
  await initRuntime({ backend: 'wasm', log: () => {} });
  const mnist = await loadMnist({ trainSize: o.trainSize, testSize: o.testSize });
  const [train, test] = o.downsample ? [halve(mnist.train), halve(mnist.test)] : [mnist.train, mnist.test];
  const data = halves(train);
  const inputShape = train.sampleShape as [number, number, number];
  const space = new DartsCellSpace({ inputShape, numClasses: 10, cells: o.cells, channels: o.channels, nodes: o.nodes });
  const retrainSpace = new DartsCellSpace({ inputShape, numClasses: 10, cells: o.retrainCells, channels: o.retrainChannels, nodes: o.nodes });
  const retrain = { epochs: o.retrainEpochs, seed: o.seed, on: 'train+validation' as const };
  log(`DARTS search: ${data.train.size} + ${data.validation.size} images ${inputShape.join('×')}, ${o.cells} cells × ${o.channels} channels, ${o.nodes} nodes, ${o.epochs} epochs, order ${o.order}`);
  const r = await dartsSearch({
    space, data, test, retrain: { ...retrain, space: retrainSpace },
    search: {
      epochs: o.epochs, cells: o.cells, channels: o.channels, order: o.order, seed: o.seed,
      onEpoch: (p) => log(`  epoch ${p.epoch}: train loss ${p.trainLoss.toFixed(3)} acc ${p.trainAccuracy.toFixed(3)}, val loss ${p.valLoss.toFixed(3)} acc ${p.valAccuracy.toFixed(3)}, ${p.seconds.toFixed(1)} s, ${p.numTensors} tensors, RSS ${p.rssMiB.toFixed(0)} MiB`),
    },
  });
  const rows: DartsBenchRow[] = [{ source: 'darts', genotype: r.genotype, ...r.retrained! }];
  log(`  derived ${JSON.stringify(r.genotype)}: test accuracy ${r.retrained!.testAccuracy!.toFixed(4)} (${r.retrained!.seconds.toFixed(1)} s retraining)`);
  const rng = new Random(o.seed).fork('random-genotypes');
  for (let i = 0; i < o.randomGenotypes; i++) {
    const arch = retrainSpace.sample(rng);
    const rr = await retrainArchitecture(arch, data, test, retrain);
    rows.push({ source: 'random', genotype: retrainSpace.genotype(arch), ...rr });
    log(`  random ${i + 1}: test accuracy ${rr.testAccuracy!.toFixed(4)} (${rr.seconds.toFixed(1)} s)`);
  }
  const random = rows.filter((x) => x.source === 'random');
  const randomMean = random.reduce((s, x) => s + x.testAccuracy!, 0) / Math.max(1, random.length);
  const { log: _log, ...rest } = o as typeof o & { log?: unknown };
  return { options: rest, search: r.search, rows, randomMean, seconds: (performance.now() - t0) / 1000 };
}

/** A plain-text report of {@link runDartsBench}: search cost, then one row per retrained genotype. */
export function formatDartsBench(result: DartsBenchResult): string {
  const { options: o, search: s } = result;
  const lines = [
    `DARTS on MNIST (${o.downsample ? '14×14' : '28×28'}, ${o.trainSize} training images split in half, ${o.testSize} test images), order ${s.order}`,
    `search: ${o.epochs} epochs, supernet ${o.cells} cells × ${o.channels} channels (${s.supernetParams} weights): ${s.seconds.toFixed(1)} s, peak RSS ${s.peakRssMiB.toFixed(0)} MiB, tensors ${s.tensors.before} → ${s.tensors.during} during → ${s.tensors.after} after`,
    `retraining: ${o.retrainCells} cells × ${o.retrainChannels} channels, ${o.retrainEpochs} epochs on all ${o.trainSize} training images`,
    '',
    '| source | params | test accuracy | retrain s | genotype |',
    '|---|---:|---:|---:|---|',
    ...result.rows.map((r) => `| ${r.source} | ${r.params} | ${r.testAccuracy!.toFixed(4)} | ${r.seconds.toFixed(1)} | ${genotypeShort(r.genotype)} |`),
    '',
    `DARTS ${result.rows[0]!.testAccuracy!.toFixed(4)} vs random mean ${result.randomMean.toFixed(4)} (${result.rows.length - 1} genotypes); total ${result.seconds.toFixed(0)} s`,
  ];
  return lines.join('\n');
}

function genotypeShort(g: Genotype): string {
  const cell = (edges: Genotype['normal']) => edges.map(([op, i]) => `${op}~${i}`).join(' ');
  return `normal: ${cell(g.normal)}; reduce: ${cell(g.reduce)}`;
}
