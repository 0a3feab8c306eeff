import { beforeAll, describe, expect, it } from 'vitest';
import { Random, inferShapes, type Architecture } from '@autonas/core';
import { compileArchitecture, evaluateModel, initRuntime, tf, trainModel, trainableParams } from '@autonas/tfjs';
import { createDataset, loadMnist, type Dataset, downsample } from '@autonas/data';
import { DartsCellSpace } from './darts-space.js';
import { stack } from './darts-network.js';
import { DARTS_OPS, type Genotype } from './genotype.js';
import { NB201_OPS, Nb201Space } from './nb201-space.js';

let train: Dataset;
let test: Dataset;

/** MNIST at 14×14 (2×2 means): a quarter of the compute, so that these tests stay short on 2 cores. */
const halve = (ds: Dataset): Dataset => downsample(ds, 2);

beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  const mnist = await loadMnist({ trainSize: 384, testSize: 500 });
  [train, test] = [halve(mnist.train), halve(mnist.test)];
});

/**
 * After a few dozen steps the moving statistics of batch norm still lag the weights, and deep
 * stacks of BN layers (two per separable conv) compound the lag, so inference-mode accuracy
 * understates what was learned (one sampled cell reached a training loss of 0.15 but 0.13
 * inference-mode accuracy on its own training images). As one-shot NAS evaluators do, the
 * statistics are re-estimated with forward passes in training mode (no weight changes): 3 passes
 * over the training images with momentum 0.9 leave ≈ 1.6% of the old statistics.
 */
function recalibrateBatchNorm(model: ReturnType<typeof compileArchitecture>, ds: Dataset): void {
  const per = 14 * 14;
  for (let pass = 0; pass < 3; pass++)
    for (let from = 0; from + 32 <= ds.size; from += 32) {
      tf.tidy(() => {
        model.apply(tf.tensor4d(ds.x.subarray(from * per, (from + 32) * per), [32, 14, 14, 1]), { training: true });
      });
    }
}

/** Trains on the MNIST slice; returns test accuracy, the loss per epoch and the tensors left behind. */
async function fit(arch: Architecture, epochs: number) {
  const before = tf.memory().numTensors;
  const model = compileArchitecture(arch, { seed: 1 });
  expect(trainableParams(model)).toBe(inferShapes(arch).totalParams);
  const t0 = performance.now();
  const result = await trainModel(model, train, { epochs, batchSize: 64, learningRate: 0.01, seed: 1 });
  recalibrateBatchNorm(model, train);
  const { accuracy } = await evaluateModel(model, test);
  model.dispose();
  return { accuracy, losses: result.history.map((h) => h.loss), leaked: tf.memory().numTensors - before, seconds: (performance.now() - t0) / 1000 };
}

describe('cell networks train on MNIST (wasm, 384 training and 500 test images at 14×14)', () => {
  it('a random DARTS cell, 3 cells of 8 channels', async () => {
    const space = new DartsCellSpace({ inputShape: [14, 14, 1], numClasses: 10, cells: 3, channels: 8 });
    const arch = space.sample(new Random(4));
    const r = await fit(arch, 3);
    console.info(`random DARTS cell ${JSON.stringify(space.genotype(arch))}: ${inferShapes(arch).totalParams} params, losses ${r.losses.map((l) => l.toFixed(3))}, test accuracy ${r.accuracy.toFixed(3)}, ${r.seconds.toFixed(1)} s`);
    expect(r.leaked).toBe(0);
    expect(r.losses[2]!).toBeLessThan(r.losses[0]!);
    expect(r.accuracy).toBeGreaterThan(0.5); // chance: 0.1
  });

  it('a NAS-Bench-201 cell, 1 cell per stage, 8 channels', async () => {
    const space = new Nb201Space({ inputShape: [14, 14, 1], numClasses: 10, channels: 8, cellsPerStage: 1 });
    const arch = space.fromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|');
    const r = await fit(arch, 3);
    console.info(`NB201 cell: ${inferShapes(arch).totalParams} params, losses ${r.losses.map((l) => l.toFixed(3))}, test accuracy ${r.accuracy.toFixed(3)}, ${r.seconds.toFixed(1)} s`);
    expect(r.leaked).toBe(0);
    expect(r.losses[2]!).toBeLessThan(r.losses[0]!);
    expect(r.accuracy).toBeGreaterThan(0.5);
  });
});

describe('every cell op trains on wasm (gradients reach its weights, the loss falls on a tiny batch)', () => {
  const batch = () => {
    const rng = new Random(9);
    const x = Float32Array.from({ length: 16 * 12 * 12 }, () => rng.next());
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 4);
    return createDataset(x, y, { sampleShape: [12, 12, 1], numClasses: 4 });
  };

  async function overfit(arch: Architecture) {
    const before = tf.memory().numTensors;
    const model = compileArchitecture(arch, { seed: 2 });
    const start = model.trainableWeights.map((w) => w.read().dataSync().slice());
    const result = await trainModel(model, batch(), { epochs: 8, batchSize: 16, learningRate: 0.02, seed: 1 });
    const unchanged = model.trainableWeights.filter((w, i) => w.read().dataSync().every((v, j) => v === start[i]![j])).map((w) => w.name);
    model.dispose();
    return { losses: result.history.map((h) => h.loss), unchanged, leaked: tf.memory().numTensors - before };
  }

  it.each(DARTS_OPS.filter((op) => op !== 'none'))('DARTS %s, in normal and reduction cells', async (op) => {
    const cell = [[op, 0], [op, 1], [op, 2], [op, 1]] as const;
    const g: Genotype = { normal: cell, normal_concat: [2, 3], reduce: cell, reduce_concat: [2, 3] };
    const r = await overfit(stack(g, { cells: 3, channels: 4, inputShape: [12, 12, 1], classes: 4 }));
    expect(r.leaked).toBe(0);
    expect(r.unchanged).toEqual([]);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! * 0.8);
  });

  it.each(NB201_OPS.filter((op) => op !== 'none'))('NAS-Bench-201 %s', async (op) => {
    const space = new Nb201Space({ inputShape: [12, 12, 1], numClasses: 4, channels: 4, cellsPerStage: 1 });
    const r = await overfit(space.fromString(`|${op}~0|+|${op}~0|${op}~1|+|${op}~0|${op}~1|${op}~2|`));
    expect(r.leaked).toBe(0);
    expect(r.unchanged).toEqual([]);
    expect(r.losses[r.losses.length - 1]!).toBeLessThan(r.losses[0]! * 0.8);
  });
});
