import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError, ContainerModule, Experiment, PerformanceEstimator, Random, SearchSpace, StateError, createContainer,
  type Architecture, type Estimate, type ExecutionEngine, type TrialRecord,
} from '@autonas/core';
import { initRuntime, tf } from '@autonas/tfjs';
import { SearchData, createDataset, loadMnist, type Dataset } from '@autonas/data';
import { GridSpace } from '@autonas/testing';
import { genotypeDecisions, readCellPlan } from './cell-plan.js';
import { DartsStrategy, dartsSearch, dartsStrategyModule } from './darts-strategy.js';
import { searchSupernet } from './search.js';
import { Supernet } from './supernet.js';
import { TinyCellSpace } from './tiny-cell-space.test-util.js';

const ALL_OPS = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];

beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
});

/** 8×8 images: the class (±1) times a checkerboard, plus noise. */
function checkerboards(n: number, seed: number): Dataset {
  const rng = new Random(seed);
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    y[s] = s % 2;
    for (let i = 0; i < 8; i++) for (let j = 0; j < 8; j++) x[s * 64 + i * 8 + j] = (y[s] ? 1 : -1) * ((i + j) % 2 ? 1 : -1) + 0.3 * rng.normal();
  }
  return createDataset(x, y, { sampleShape: [8, 8, 1], numClasses: 2 });
}

describe('supernet search', () => {
  it('moves α toward skip_connect where only it carries the signal, with a flat tensor count (second order)', async () => {
    // The signal is a ±checkerboard: a 3×3 max pool of it is the same for both classes, `none`
    // is zero, only the identity passes it on. Three epochs, α learning rate 3e-3 (10× the default).
    const ops = ['none', 'max_pool_3x3', 'skip_connect'];
    const space = new TinyCellSpace({ inputShape: [8, 8, 1], numClasses: 2, nodes: 2, ops });
    const before = tf.memory().numTensors;
    const r = await searchSupernet(space, { train: checkerboards(256, 1), validation: checkerboards(256, 2) }, { epochs: 3, cells: 3, channels: 4, alphaLearningRate: 3e-3, order: 2 });
    const mean = (epoch: number, op: string) => {
      const normal = r.progress[epoch]!.alphas.filter((e) => e.cell === 'normal');
      return normal.reduce((s, e) => s + e.weights[op]!, 0) / normal.length;
    };
    console.info(r.progress.map((p) => `epoch ${p.epoch}: ${ops.map((o) => `${o} ${mean(p.epoch, o).toFixed(4)}`).join(', ')}, val acc ${p.valAccuracy.toFixed(3)}, tensors ${p.numTensors}`).join('\n'));
    expect(r.order).toBe(2);
    for (let e = 1; e < 3; e++) expect(mean(e, 'skip_connect')).toBeGreaterThan(mean(e - 1, 'skip_connect'));
    expect(mean(0, 'skip_connect')).toBeGreaterThan(1 / 3);
    expect(mean(2, 'skip_connect')).toBeGreaterThan(mean(2, 'max_pool_3x3') + 0.01);
    expect(mean(2, 'skip_connect')).toBeGreaterThan(mean(2, 'none'));
    expect(r.genotype.normal.every(([op]) => op === 'skip_connect')).toBe(true);
    expect(r.progress.at(-1)!.valAccuracy).toBeGreaterThan(0.95);
    // No leak across epochs, nothing left after.
    expect(new Set(r.progress.map((p) => p.numTensors)).size).toBe(1);
    expect(r.tensors.after).toBe(before);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.peakRssMiB).toBeGreaterThan(0);
  });

  it('derives per node the two inputs with the strongest non-none op', () => {
    const space = new TinyCellSpace({ inputShape: [8, 8, 1], numClasses: 2, nodes: 2, ops: ['none', 'max_pool_3x3', 'skip_connect'] });
    const net = new Supernet(readCellPlan(space), { inputShape: [8, 8, 1], numClasses: 2, cells: 3, channels: 2 });
    // Rows (normal and reduce alike): node 2 ← 0, node 2 ← 1, node 3 ← 0, node 3 ← 1, node 3 ← 2.
    const logits = [
      [9, 1, 0], // node 2 ← 0: none dominates, but its best other op (max_pool) is weak
      [0, 0, 2], // node 2 ← 1: skip
      [0, 3, 0], // node 3 ← 0: max_pool, strong
      [0, 0, 1], // node 3 ← 1: skip, weaker
      [0, 2.5, 0], // node 3 ← 2: max_pool
    ];
    for (const a of net.alphas) a.assign(tf.tensor2d(logits));
    const g = net.genotype();
    expect(g.normal).toEqual([['skip_connect', 1], ['max_pool_3x3', 0], ['max_pool_3x3', 0], ['max_pool_3x3', 2]]);
    expect(g.normal_concat).toEqual([2, 3]);
    expect(() => space.build(genotypeDecisions(g))).not.toThrow();
    net.dispose();
  });

  it('rejects spaces without DARTS cell decisions, and missing data', async () => {
    expect(() => readCellPlan(new GridSpace({ a: [1, 2] }))).toThrow(ConfigurationError);
    expect(() => readCellPlan(new GridSpace({ a: [1, 2] }))).toThrow(/not a DARTS cell decision/);
    const space = new TinyCellSpace({ inputShape: [8, 8, 1], numClasses: 2, ops: ['none', 'skip_connect'] });
    await expect(searchSupernet(space, undefined as unknown as SearchData)).rejects.toThrow(/needs SearchData/);
    await expect(searchSupernet(space, { train: checkerboards(8, 1), validation: checkerboards(64, 2) }, { batchSize: 16 })).rejects.toThrow(/training split \(8\) is smaller than one batch/);
    await expect(searchSupernet(space, { train: checkerboards(64, 1), validation: checkerboards(8, 2) }, { batchSize: 16 })).rejects.toThrow(/validation split \(8\) is smaller than one batch/);
    await expect(searchSupernet(space, { train: checkerboards(64, 1), validation: checkerboards(64, 2) }, { cells: 2 })).rejects.toThrow(/cells must be an integer >= 3/);
    const grid = new GridSpace({ a: [1, 2] });
    await expect(new DartsStrategy({ data: { train: checkerboards(8, 1), validation: checkerboards(8, 2) } }).run({ canSubmit: () => true } as ExecutionEngine, grid)).rejects.toThrow(/not a DARTS/);
    await expect(new DartsStrategy().run({ canSubmit: () => true } as ExecutionEngine, space)).rejects.toThrow(/needs SearchData/);
  });
});

/** MNIST at 14×14 (2×2 means), as space-cell's training tests. */
function halve(ds: Dataset): Dataset {
  const x = new Float32Array(ds.size * 196);
  for (let n = 0; n < ds.size; n++)
    for (let i = 0; i < 14; i++)
      for (let j = 0; j < 14; j++) {
        const at = (a: number, b: number) => ds.x[n * 784 + (2 * i + a) * 28 + 2 * j + b]!;
        x[n * 196 + i * 14 + j] = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4;
      }
  return createDataset(x, ds.y, { sampleShape: [14, 14, 1], numClasses: 10 });
}

describe('end to end on MNIST (wasm, 14×14, 192 + 192 search images, 500 test images)', () => {
  let data: SearchData;
  let test: Dataset;
  beforeAll(async () => {
    const mnist = await loadMnist({ trainSize: 384, testSize: 500 });
    const train = halve(mnist.train);
    const idx = (from: number) => Array.from({ length: 192 }, (_, i) => from + i);
    const pick = (ds: Dataset, at: number[]) => createDataset(ds.x.slice(at[0]! * 196, (at.at(-1)! + 1) * 196), ds.y.slice(at[0]!, at.at(-1)! + 1), { sampleShape: [14, 14, 1], numClasses: 10 });
    data = { train: pick(train, idx(0)), validation: pick(train, idx(192)) };
    test = halve(mnist.test);
  });

  it('searches all eight ops, derives a genotype and retrains it from scratch', async () => {
    const space = new TinyCellSpace({ inputShape: [14, 14, 1], numClasses: 10, nodes: 2, channels: 8, ops: ALL_OPS });
    const before = tf.memory().numTensors;
    const r = await dartsSearch({ space, data, test, search: { epochs: 2, cells: 3, channels: 4, order: 1 }, retrain: { epochs: 8 } });
    console.info(`genotype ${JSON.stringify(r.genotype)}; search ${r.search.seconds.toFixed(1)} s, peak RSS ${r.search.peakRssMiB.toFixed(0)} MiB, supernet ${r.search.supernetParams} weights; val acc by epoch ${r.search.progress.map((p) => p.valAccuracy.toFixed(3))}; retrained ${r.retrained!.params} params in ${r.retrained!.seconds.toFixed(1)} s: test accuracy ${r.retrained!.testAccuracy!.toFixed(3)}`);
    expect(r.proxy).toBe(false);
    expect(r.search.progress).toHaveLength(2);
    expect(r.search.progress[1]!.trainLoss).toBeLessThan(r.search.progress[0]!.trainLoss);
    for (const kind of ['normal', 'reduce'] as const) {
      expect(r.genotype[kind]).toHaveLength(4);
      expect(r.genotype[kind].every(([op]) => op !== 'none')).toBe(true);
    }
    expect(r.architecture.decisions).toEqual(genotypeDecisions(r.genotype));
    expect(r.retrained!.testAccuracy!).toBeGreaterThan(0.35); // chance: 0.1; measured 0.546
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports the inherited-weights accuracy only on request, marked as a proxy', async () => {
    const space = new TinyCellSpace({ inputShape: [14, 14, 1], numClasses: 10, nodes: 2, ops: ['none', 'skip_connect', 'sep_conv_3x3'] });
    const r = await dartsSearch({ space, data, search: { epochs: 1, cells: 3, channels: 4 }, inheritWeights: true });
    expect(r.proxy).toBe(true);
    expect(r.retrained).toBeUndefined();
    expect(r.search.inherited!.proxy).toBe(true);
    expect(r.search.inherited!.valAccuracy).toBeGreaterThanOrEqual(0);
  });
});

describe('DartsStrategy', () => {
  const estimator = {
    name: 'fake',
    seen: [] as Architecture[],
    async estimate(arch: Architecture): Promise<Estimate> {
      this.seen.push(arch);
      return { score: 1, metrics: {}, cost: { seconds: 0 } };
    },
  };

  it('searches once, submits the derived architecture as the single trial, and resumes without searching again', async () => {
    const space = new TinyCellSpace({ inputShape: [8, 8, 1], numClasses: 2, nodes: 2, ops: ['none', 'max_pool_3x3', 'skip_connect'] });
    const retrainSpace = new TinyCellSpace({ inputShape: [8, 8, 1], numClasses: 2, nodes: 2, channels: 8, ops: ['none', 'max_pool_3x3', 'skip_connect'] });
    const module = new ContainerModule(({ bind }) => {
      bind(SearchSpace).toConstantValue(space);
      bind(PerformanceEstimator).toConstantValue(estimator);
      bind(SearchData).toConstantValue({ train: checkerboards(64, 1), validation: checkerboards(64, 2) });
    });
    const c = createContainer({ maxTrials: 5, seed: 0 }, module, dartsStrategyModule({ epochs: 1, cells: 3, channels: 2, retrainSpace }));
    const result = await c.get(Experiment).run();
    expect(result.trials).toHaveLength(1);
    const trial = result.trials[0] as TrialRecord;
    expect(trial.status).toBe('completed');
    // Built by the retraining space (8 channels), from the derived genotype.
    expect(trial.architecture.decisions).toEqual(retrainSpace.build(trial.architecture.decisions!).decisions);
    expect(JSON.stringify(trial.architecture.nodes)).toContain('"filters":8');

    // Restored from its state (through JSON), it has no data yet needs none: it only resubmits.
    const strategy = c.get<DartsStrategy>(Symbol.for('autonas.SearchStrategy'));
    const state = JSON.parse(JSON.stringify({ ...strategy.state(), submitted: false }));
    const resumed = new DartsStrategy();
    resumed.restore(state);
    const submitted: Architecture[] = [];
    const engine: ExecutionEngine = {
      concurrency: 1, canSubmit: () => submitted.length === 0, history: () => [], checkpoint: () => {},
      submit: async (a) => (submitted.push(a), { id: 0, architecture: a, hash: '', status: 'completed', metrics: {}, epochs: [], startedAt: 0 } as unknown as TrialRecord),
    };
    await resumed.run(engine, space);
    expect(submitted[0]!.decisions).toEqual(genotypeDecisions(strategy.genotype!));
    expect(resumed.progress).toHaveLength(1);
    expect(() => resumed.restore({ version: 2 })).toThrow(StateError);
    expect(() => resumed.restore({ version: 1, progress: [], submitted: false, genotype: strategy.genotype })).toThrow(StateError);
  });
});
