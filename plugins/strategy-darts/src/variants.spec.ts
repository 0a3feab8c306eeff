import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, Random, type ExecutionEngine, type TrialRecord } from '@autonas/core';
import { initRuntime, tf } from '@autonas/tfjs';
import { createDataset, downsample, loadMnist, type Dataset, type SearchData } from '@autonas/data';
import { BilevelOptimizer } from './bilevel.js';
import { readCellPlan } from './cell-plan.js';
import { DartsStrategy } from './darts-strategy.js';
import { auxSkipSchedule, meanMaxSoftmax, searchSupernet } from './search.js';
import { Supernet, partialChannelEdge, type DartsVariant } from './supernet.js';
import { TinyCellSpace } from './tiny-cell-space.test-util.js';

// MNIST shrunk 4× (7×7): 64 images for w, 64 for α, and a batch of 8 for the mechanics.
let data: SearchData;
let images: Dataset;
beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  const mnist = downsample((await loadMnist({ trainSize: 136, testSize: 10 })).train, 4);
  const part = (from: number, to: number) => createDataset(mnist.x.slice(from * 49, to * 49), mnist.y.slice(from, to), { sampleShape: [7, 7, 1], numClasses: 10 });
  data = { train: part(0, 64), validation: part(64, 128) };
  images = part(128, 136);
});

const OPS = ['none', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3'];
const space = () => new TinyCellSpace({ inputShape: [7, 7, 1], numClasses: 10, nodes: 2, ops: OPS });
const net = (variant: DartsVariant, extra: { partialChannels?: number; activation?: 'elu'; seed?: number } = {}) =>
  new Supernet(readCellPlan(space()), { inputShape: [7, 7, 1], numClasses: 10, cells: 3, channels: 4, variant, ...extra });
/** The mechanics batch: 8 MNIST images and their one-hot labels. */
const batch = () => ({ x: tf.tensor4d(images.x, [8, 7, 7, 1]), y: tf.tidy(() => tf.oneHot(tf.tensor1d(images.y, 'int32'), 10)) });

describe('pc-darts: partial channels', () => {
  it('runs the ops on exactly the selected channels; the others pass through unchanged (max-pooled on stride 2)', () => {
    const before = tf.memory().numTensors;
    // Six distinguishable channels: channel ch is the MNIST image times (ch + 1).
    const x = tf.tidy(() => tf.concat(Array.from({ length: 6 }, (_, ch) => tf.mul(tf.tensor4d(images.x, [8, 7, 7, 1]), ch + 1)), 3));
    const xs = x.arraySync() as number[][][][];
    const selected = [1, 4, 5];
    let seen: number[][][][] | undefined;
    const y = partialChannelEdge(x, selected, (part) => {
      seen = part.arraySync() as number[][][][];
      return tf.add(tf.mul(part, 10), 1);
    }, 1);
    expect(y.shape).toEqual([8, 7, 7, 6]);
    const ys = y.arraySync() as number[][][][];
    expect(seen![0]![0]![0]).toHaveLength(3);
    for (let n = 0; n < 8; n++) for (let i = 0; i < 7; i++) for (let j = 0; j < 7; j++) {
      selected.forEach((ch, k) => expect(seen![n]![i]![j]![k]).toBe(xs[n]![i]![j]![ch]));
      for (let ch = 0; ch < 6; ch++) {
        const v = xs[n]![i]![j]![ch]!;
        if (selected.includes(ch)) expect(ys[n]![i]![j]![ch]).toBeCloseTo(10 * v + 1, 4);
        else expect(ys[n]![i]![j]![ch]).toBe(v); // exactly
      }
    }
    // Stride 2: the bypassed channels are the 2×2 max pool of the input.
    const y2 = partialChannelEdge(x, selected, (part) => tf.avgPool(part as tf.Tensor4D, 2, 2, 'same'), 2);
    expect(y2.shape).toEqual([8, 4, 4, 6]);
    const pooled = tf.tidy(() => tf.maxPool(x as tf.Tensor4D, 2, 2, 'same').arraySync() as number[][][][]);
    const y2s = y2.arraySync() as number[][][][];
    for (const ch of [0, 2, 3]) expect(y2s.map((a) => a.map((b) => b.map((c) => c[ch])))).toEqual(pooled.map((a) => a.map((b) => b.map((c) => c[ch]))));
    expect(() => partialChannelEdge(x, [1, 1], (p) => p, 1)).toThrow(/distinct integers/);
    tf.dispose([x, y, y2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('samples C/K distinct channels per edge of every cell and redraws them', () => {
    const n = net('pc-darts');
    // Cell 0 (normal, 4 channels), cells 1 and 2 (reductions, 8 and 16 channels): 2, 4 and 8 channels per edge; 5 edges each.
    const draws: string[] = [];
    const counts = new Array<number>(8).fill(0);
    for (let d = 0; d < 20; d++) {
      for (const [cell, c] of [[0, 4], [1, 8], [2, 16]] as const) {
        for (let row = 0; row < 5; row++) {
          const s = n.selectedChannels(cell, row);
          expect(s).toHaveLength(c / 2);
          expect(new Set(s).size).toBe(c / 2);
          expect(s.every((ch) => Number.isInteger(ch) && ch >= 0 && ch < c)).toBe(true);
          expect([...s]).toEqual([...s].sort((a, b) => a - b));
          if (cell === 1) for (const ch of s) counts[ch]!++;
        }
      }
      draws.push(JSON.stringify(n.selectedChannels(0, 0)));
      n.sampleChannels();
    }
    expect(new Set(draws).size).toBeGreaterThan(1);
    // Over 100 draws of 4 of 8 channels, every channel is drawn (not always the first C/K).
    expect(counts.every((k) => k > 0)).toBe(true);
    expect(() => n.selectedChannels(0, 5)).toThrow(ConfigurationError);
    n.dispose();
    const plain = net('darts');
    expect(() => plain.selectedChannels(0, 0)).toThrow(/samples no channels/);
    plain.dispose();
    expect(() => net('pc-darts', { partialChannels: 3 })).toThrow(/partialChannels must be an integer K >= 1 that divides channels \(4\)/);
    expect(() => net('pc-darts', { partialChannels: 4 })).toThrow(/channels \/ K >= 2/);
    expect(() => net('fancy' as DartsVariant)).toThrow(/variant must be one of darts, pc-darts, darts-/);
  });
});

describe('pc-darts: the partial-channel network', () => {
  it('with K = 1 and a discrete cell computes the logits of the plain DARTS network of the same seed (to 1e-5)', () => {
    const before = tf.memory().numTensors;
    const { x, y } = batch();
    const pc = net('pc-darts', { partialChannels: 1, seed: 5 });
    const plain = net('darts', { seed: 5 });
    const g = plain.genotype();
    const a = tf.tidy(() => pc.discreteLogits(x, g).arraySync() as number[][]);
    const b = tf.tidy(() => plain.discreteLogits(x, g).arraySync() as number[][]);
    a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 5)));
    // With K = 2 the ops see half the channels: another network.
    const half = net('pc-darts', { partialChannels: 2, seed: 5 });
    const c = tf.tidy(() => half.discreteLogits(x, g).arraySync() as number[][]);
    expect(Math.max(...c.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))))).toBeGreaterThan(1e-3);
    tf.dispose([x, y]);
    [pc, plain, half].forEach((n) => n.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('pc-darts: edge normalisation', () => {
  it('weights each node’s incoming edges by a softmax of β (sum 1), which changes the derived edges', () => {
    const n = net('pc-darts');
    const rng = new Random(4);
    for (const b of n.betas) tf.tidy(() => b.assign(tf.tensor1d(Array.from({ length: 5 }, () => 2 * rng.normal()))));
    const ew = n.edgeWeights();
    for (const kind of ['normal', 'reduce'] as const) {
      // Rows: node 2 ← 0, 1; node 3 ← 0, 1, 2.
      expect(ew[kind][0]! + ew[kind][1]!).toBeCloseTo(1, 6);
      expect(ew[kind][2]! + ew[kind][3]! + ew[kind][4]!).toBeCloseTo(1, 6);
      expect(ew[kind].every((v, i) => Math.abs(v - (i < 2 ? 1 / 2 : 1 / 3)) > 1e-3)).toBe(true);
    }
    // Ops: none, avg_pool, skip, sep_conv. Node 3: edge ← 0 avg_pool strong, ← 1 skip weaker, ← 2 avg_pool.
    const alphas = [[0, 0, 2, 0], [0, 1, 0, 0], [0, 3, 0, 0], [0, 0, 1, 0], [0, 2.5, 0, 0]];
    for (const a of n.alphas) tf.tidy(() => a.assign(tf.tensor2d(alphas)));
    for (const b of n.betas) tf.tidy(() => b.assign(tf.zeros([5])));
    const uniform = n.genotype();
    expect(uniform.normal.slice(2)).toEqual([['avg_pool_3x3', 0], ['avg_pool_3x3', 2]]);
    // β favouring node 3's edge from state 1: it is kept first although its op is the weakest.
    for (const b of n.betas) tf.tidy(() => b.assign(tf.tensor1d([0, 0, 0, 5, 0])));
    const favoured = n.genotype();
    expect(favoured.normal.slice(2)).toEqual([['skip_connect', 1], ['avg_pool_3x3', 0]]);
    expect(favoured.normal.slice(0, 2)).toEqual(uniform.normal.slice(0, 2));
    // The same α without edge normalisation derives the uniform-β cell.
    const plain = net('darts');
    for (const a of plain.alphas) tf.tidy(() => a.assign(tf.tensor2d(alphas)));
    expect(plain.genotype()).toEqual(uniform);
    expect(plain.edgeWeights().normal).toEqual([1, 1, 1, 1, 1]);
    n.dispose();
    plain.dispose();
  });
});

describe('darts-: the auxiliary skip', () => {
  it('decays linearly from 1 to 0, and at 0 the supernet is the plain one', () => {
    expect(Array.from({ length: 11 }, (_, s) => auxSkipSchedule(s, 10))).toEqual(Array.from({ length: 11 }, (_, s) => 1 - s / 10));
    expect(auxSkipSchedule(12, 10)).toBe(0);
    expect(() => auxSkipSchedule(0, 0)).toThrow(ConfigurationError);
    const before = tf.memory().numTensors;
    const { x, y } = batch();
    const plain = net('darts', { seed: 3 });
    const aux = net('darts-', { seed: 3 });
    // The auxiliary skips of the stride-2 edges (4 per reduction cell, 2 reduction cells) are factorized reduces of 2 convolutions each.
    expect(aux.weights.length).toBe(plain.weights.length + 2 * 4 * 2);
    const logits = (n: Supernet) => tf.tidy(() => n.logits(x).arraySync());
    expect(aux.auxSkipWeight).toBe(0);
    expect(logits(aux)).toEqual(logits(plain));
    aux.auxSkipWeight = 1;
    const withSkip = tf.tidy(() => tf.max(tf.abs(tf.sub(aux.logits(x), plain.logits(x)))).dataSync()[0]!);
    expect(withSkip).toBeGreaterThan(1e-3);
    // The skip is outside the mixed op: it changes the loss by the same path whatever α is.
    aux.auxSkipWeight = 0.5;
    const half = tf.tidy(() => aux.loss(x, y).dataSync()[0]!);
    expect(half).not.toBe(tf.tidy(() => plain.loss(x, y).dataSync()[0]!));
    tf.dispose([x, y]);
    plain.dispose();
    aux.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is set by the search step by step: 1 − steps/total at each epoch’s end, 0 after the last', async () => {
    const before = tf.memory().numTensors;
    const r = await searchSupernet(space(), data, { epochs: 3, batchSize: 16, cells: 3, channels: 4, variant: 'darts-', alphaLearningRate: 3e-3 });
    expect(r.variant).toBe('darts-');
    expect(r.progress.map((p) => p.auxSkip)).toEqual([1 - 4 / 12, 1 - 8 / 12, 0]);
    expect(new Set(r.progress.map((p) => p.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const plain = await searchSupernet(space(), data, { epochs: 1, batchSize: 16, cells: 3, channels: 4 });
    expect(plain.variant).toBe('darts');
    expect(plain.progress[0]!.auxSkip).toBeUndefined();
    expect(plain.progress[0]!.alphas[0]!.edgeWeight).toBeUndefined();
  });
});

describe('gradients of the variants', () => {
  /** The directional derivative of the loss along d (tf.grads) against central finite differences, step 0.01. */
  function check(n: Supernet, dirSeed: number, on: 'alpha' | 'beta') {
    const { x, y } = batch();
    const params = n.archParams;
    const g = tf.grads((...a: tf.Tensor[]) => n.loss(x, y, n.weights, a))(params);
    const d = params.map((p, i) => (on === 'alpha' ? i < n.alphas.length : i >= n.alphas.length) ? tf.randomNormal(p.shape, 0, 1, 'float32', dirSeed + i) : tf.zeros(p.shape));
    const analytic = tf.tidy(() => g.reduce((s, gi, i) => s + tf.sum(tf.mul(gi, d[i]!)).dataSync()[0]!, 0));
    const L = (t: number) => tf.tidy(() => n.loss(x, y, n.weights, params.map((p, i) => tf.add(p, tf.mul(d[i]!, t)))).dataSync()[0]!);
    const h = 0.01;
    const numeric = (L(h) - L(-h)) / (2 * h);
    const gNorm = tf.tidy(() => g.slice(on === 'alpha' ? 0 : n.alphas.length, on === 'alpha' ? n.alphas.length : undefined).reduce((s, gi) => s + tf.sum(tf.abs(gi)).dataSync()[0]!, 0));
    tf.dispose([...g, ...d, x, y]);
    return { analytic, numeric, gNorm };
  }

  it('reach α and β (pc-darts) and α (darts-, skip at 0.5), matching finite differences, and the optimiser moves β; nothing leaks', () => {
    const before = tf.memory().numTensors;
    const pc = net('pc-darts', { activation: 'elu', seed: 2 });
    const rng = new Random(8);
    for (const b of pc.betas) tf.tidy(() => b.assign(tf.tensor1d(Array.from({ length: 5 }, () => rng.normal()))));
    for (const a of pc.alphas) tf.tidy(() => a.assign(tf.randomNormal(a.shape, 0, 0.5, 'float32', 9)));
    const aux = net('darts-', { activation: 'elu', seed: 2 });
    aux.auxSkipWeight = 0.5;
    const cases: [Supernet, 'alpha' | 'beta', string][] = [[pc, 'alpha', 'pc-darts α'], [pc, 'beta', 'pc-darts β'], [aux, 'alpha', 'darts- α']];
    for (const [n, on, label] of cases) {
      for (const dirSeed of [11, 23]) {
        const { analytic, numeric, gNorm } = check(n, dirSeed, on);
        console.info(`${label}, direction ${dirSeed}: analytic ${analytic.toExponential(4)}, numeric ${numeric.toExponential(4)}, |g|₁ ${gNorm.toExponential(3)}`);
        expect(gNorm).toBeGreaterThan(1e-4);
        expect(Math.abs(analytic - numeric)).toBeLessThan(0.02 * Math.abs(numeric) + 2e-4);
      }
    }
    // One bilevel α step updates β too (Adam over α and β).
    const opt = new BilevelOptimizer(pc, { alphaLearningRate: 1e-2 });
    const betaBefore = pc.betas.map((b) => b.arraySync());
    const alphaBefore = pc.alphas.map((a) => a.arraySync());
    const b1 = batch();
    const b2 = batch();
    opt.stepAlpha(b1, b2);
    expect(pc.betas.map((b) => b.arraySync())).not.toEqual(betaBefore);
    expect(pc.alphas.map((a) => a.arraySync())).not.toEqual(alphaBefore);
    tf.dispose([b1.x, b1.y, b2.x, b2.y]);
    opt.dispose();
    pc.dispose();
    aux.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('variant searches end to end (MNIST 7×7, 64 + 64 images)', () => {
  it('warm-up epochs train w only: α stays where it started, then moves', async () => {
    const r = await searchSupernet(space(), data, { epochs: 3, warmupEpochs: 2, batchSize: 16, cells: 3, channels: 4, variant: 'pc-darts', alphaLearningRate: 3e-3, seed: 4 });
    expect(r.progress.map((p) => p.warmup ?? false)).toEqual([true, true, false]);
    const init = new Supernet(readCellPlan(space()), { inputShape: [7, 7, 1], numClasses: 10, cells: 3, channels: 4, variant: 'pc-darts', seed: 4 });
    const start = init.alphaSoftmax();
    const startEdges = init.edgeWeights();
    init.dispose();
    const at = (p: (typeof r.progress)[number]) => p.alphas.map((e) => e.weights);
    const startRows = (['normal', 'reduce'] as const).flatMap((kind) => start[kind].map((row) => Object.fromEntries(OPS.map((op, o) => [op, row[o]!]))));
    expect(at(r.progress[0]!)).toEqual(startRows);
    expect(at(r.progress[1]!)).toEqual(startRows);
    expect(r.progress[1]!.alphas.map((e) => e.edgeWeight)).toEqual([...startEdges.normal, ...startEdges.reduce]);
    expect(at(r.progress[2]!)).not.toEqual(startRows);
    expect(r.progress[1]!.trainLoss).toBeLessThan(r.progress[0]!.trainLoss);
    await expect(searchSupernet(space(), data, { epochs: 2, warmupEpochs: 2 })).rejects.toThrow(/warmupEpochs must be an integer in \[0, epochs\) \(2\), got 2/);
  });

  it('pc-darts keeps α and the edge weights per epoch, derives a buildable cell, leaves no tensors', async () => {
    const before = tf.memory().numTensors;
    const r = await searchSupernet(space(), data, { epochs: 2, batchSize: 16, cells: 3, channels: 4, variant: 'pc-darts', alphaLearningRate: 3e-3 });
    expect(r.variant).toBe('pc-darts');
    expect(r.progress).toHaveLength(2);
    for (const p of r.progress) {
      for (const kind of ['normal', 'reduce'] as const) {
        const node3 = p.alphas.filter((e) => e.cell === kind && e.node === 3);
        expect(node3.reduce((s, e) => s + e.edgeWeight!, 0)).toBeCloseTo(1, 5);
      }
      expect(p.valAccuracy).toBeGreaterThanOrEqual(0);
    }
    // α and β moved between the epochs (3e-3 per Adam step, 8 steps).
    const e0 = r.progress[0]!.alphas, e1 = r.progress[1]!.alphas;
    expect(e1.some((e, i) => Math.abs(e.edgeWeight! - e0[i]!.edgeWeight!) > 1e-4)).toBe(true);
    expect(meanMaxSoftmax(e1)).toBeGreaterThan(1 / OPS.length);
    expect(() => space().build(r.decisions)).not.toThrow();
    expect(new Set(r.progress.map((p) => p.numTensors)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('DartsStrategy passes the variant through to its search', async () => {
    const submitted: unknown[] = [];
    const engine = {
      concurrency: 1, canSubmit: () => submitted.length === 0, history: () => [], checkpoint: () => {},
      submit: async (a: unknown) => (submitted.push(a), {} as TrialRecord),
    } as unknown as ExecutionEngine;
    const s = new DartsStrategy({ data, epochs: 1, batchSize: 16, cells: 3, channels: 4, variant: 'darts-' });
    await s.run(engine, space());
    expect(s.lastSearch!.variant).toBe('darts-');
    expect(s.progress[0]!.auxSkip).toBe(0);
    expect(submitted).toHaveLength(1);
  });
});
