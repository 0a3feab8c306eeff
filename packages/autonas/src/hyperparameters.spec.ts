import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, architectureHash, withHyperparameters, type EstimateContext } from '@autonas/core';
import { loadMnist, splitDataset, take, type Dataset } from '@autonas/data';
import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
import { ChainSpace } from '@autonas/space-chain';
import { compileArchitecture, evaluateModel, initRuntime, tf, trainModel, type ModelArtifact } from '@autonas/tfjs';
import { DEFAULT_HYPERPARAMETERS } from './auto-model.js';
import { ImageClassifier } from './image-classifier.js';
import { RetrainEstimator } from './phases.js';

let train: Dataset;
const shape = [28, 28, 1];
/** A small space so the test stays quick: one or two light conv blocks. */
const small = { blocks: [1, 2], filters: [8, 16], kernelSizes: [3], convsPerBlock: [1], headUnits: [0, 32] };
const ctx = (seed: number): EstimateContext => ({ trialId: 0, seed, signal: new AbortController().signal, report: () => {} });
const code = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as ConfigurationError).code;

describe('training hyperparameters searched beside the architecture', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train } = await loadMnist({ trainSize: 1500, testSize: 10 }));
  });

  it('the low-fidelity estimator trains with the hyperparameters an architecture carries, exactly as with them given as options', async () => {
    const before = tf.memory().numTensors;
    const sets = splitDataset(take(train, 800), { fraction: 0.25, seed: 0 });
    const space = withHyperparameters(new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, ...small }), { learningRate: [0.001, 0.003], batchSize: [64, 32] });
    const arch = space.build({ 'hp/learningRate': 0.003, 'hp/batchSize': 32 });
    const { training: _, ...network } = arch;
    const carried = await new LowFidelityEstimator(sets).estimate(arch, ctx(4));
    const given = await new LowFidelityEstimator(sets, { learningRate: 0.003, batchSize: 32 }).estimate(network, ctx(4));
    const fixed = await new LowFidelityEstimator(sets).estimate(network, ctx(4));
    // Equal up to wasm's float rounding across runs (~1e-8)...
    expect(carried.metrics.trainLoss).toBeCloseTo(given.metrics.trainLoss!, 5);
    expect(carried.score).toBeCloseTo(given.score, 5);
    // ...and not as the fixed defaults would have trained it.
    expect(Math.abs(carried.metrics.trainLoss! - fixed.metrics.trainLoss!)).toBeGreaterThan(1e-3);
    for (const e of [carried, given, fixed]) e.artifact?.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('augmentation chosen by the search is applied to training batches only: the score is that of the clean validation data', async () => {
    const sets = splitDataset(take(train, 800), { fraction: 0.25, seed: 0 });
    const space = withHyperparameters(new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, ...small }), { 'augment.shift': [0, 3], 'augment.cutout': [0, 10] });
    const plain = space.build({});
    const augmented = space.build({ 'hp/augment.shift': 3, 'hp/augment.cutout': 10 });
    expect(augmented.nodes).toEqual(plain.nodes);
    const est = new LowFidelityEstimator(sets);
    const a = await est.estimate(plain, ctx(2));
    const b = await est.estimate(augmented, ctx(2));
    // Training saw other (shifted, cut-out) batches...
    expect(Math.abs(b.metrics.trainLoss! - a.metrics.trainLoss!)).toBeGreaterThan(1e-3);
    // ...while the score is the trained model's accuracy on the validation data as it is.
    const clean = await evaluateModel((b.artifact as ModelArtifact).model, sets.validation);
    expect(b.score).toBeCloseTo(clean.accuracy, 6);
    expect(b.score).toBeGreaterThan(0.3);
    a.artifact?.dispose();
    b.artifact?.dispose();
  });

  it('the retraining trains with the hyperparameters the winner carries, unless retrainLearningRate is given', async () => {
    const data = take(train, 400);
    const space = withHyperparameters(new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, ...small }), { learningRate: [0.001, 0.003], batchSize: [64, 32] });
    const arch = space.build({ 'hp/learningRate': 0.003, 'hp/batchSize': 32 });
    const lines: string[] = [];
    const retrain = new RetrainEstimator(data, { epochs: 1, log: (l) => lines.push(l) });
    const out = await retrain.estimate(arch, ctx(5));
    // By hand: the same network, seed and cosine schedule at the winner's learning rate and batch size.
    const model = compileArchitecture(arch, { seed: 5 });
    const byHand = await trainModel(model, data, { epochs: 1, batchSize: 32, learningRate: 0.003, schedule: 'cosine', seed: 5 });
    expect(out.metrics.trainLoss).toBeCloseTo(byHand.history[0]!.loss!, 5);
    model.dispose();
    expect(lines.some((l) => /searched training: learningRate 0.003, batchSize 32/.test(l))).toBe(true);
    const forced = await new RetrainEstimator(data, { epochs: 1, learningRateOverride: 0.001, log: () => {} }).estimate(arch, ctx(5));
    const model2 = compileArchitecture(arch, { seed: 5 });
    const byHand2 = await trainModel(model2, data, { epochs: 1, batchSize: 32, learningRate: 0.001, schedule: 'cosine', seed: 5 });
    expect(forced.metrics.trainLoss).toBeCloseTo(byHand2.history[0]!.loss!, 5);
    expect(Math.abs(forced.metrics.trainLoss! - out.metrics.trainLoss!)).toBeGreaterThan(1e-3);
    model2.dispose();
    out.artifact?.dispose();
    forced.artifact?.dispose();
  });

  it('hyperparameters: true: an option given is fixed in every trial, one left undefined varies; the retraining and autonas.json take the winner\'s values', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-hp-'));
    const lines: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 6, seed: 1, space: small, estimator: { maxSamples: 300 }, directory: dir, hyperparameters: true, log: (l) => lines.push(l) });
    // batchSize given: fixed; learningRate left undefined: searched from the defaults.
    const result = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, retrainEpochs: 1, batchSize: 32, baseline: false });
    const trials = result.trials.filter((t) => t.status === 'completed');
    expect(trials).toHaveLength(6);
    for (const t of trials) {
      expect(Object.keys(t.architecture.training!)).toEqual(['learningRate']);
      expect(t.architecture.decisions!['hp/batchSize']).toBeUndefined();
      expect(DEFAULT_HYPERPARAMETERS.learningRate).toContain(t.architecture.training!.learningRate);
    }
    expect(new Set(trials.map((t) => t.architecture.training!.learningRate)).size).toBe(2);
    // The first trial is the space's default network at the default learning rate: what it was without the search.
    expect(trials[0]!.architecture.training).toEqual({ learningRate: 0.001 });
    expect(result.training.searched).toEqual(['learningRate']);
    expect(result.training.values).toMatchObject({ learningRate: result.best.architecture.training!.learningRate, batchSize: 32, optimizer: 'adam', weightDecay: 0 });
    expect(result.retrain!.trial.architecture.training).toEqual(result.best.architecture.training);
    expect(architectureHash(result.retrain!.trial.architecture)).toBe(result.best.hash);
    expect(lines.some((l) => /^hyperparameters searched beside the network \(an option you give is fixed\): learningRate 0.001\|0.003$/.test(l))).toBe(true);
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'model', 'autonas.json'), 'utf8'));
    expect(meta.training).toEqual(result.training);
    clf.dispose();
    const loaded = new ImageClassifier();
    await loaded.load(path.join(dir, 'model'));
    expect(loaded.training).toEqual(result.training);
    loaded.dispose();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('by default (and with hyperparameters: false) only the network is searched; a custom choice set is searched exactly; conflicts are typed errors', async () => {
    const fit = { sampleShape: shape, epochs: 1, batchSize: 32, baseline: false, retrain: false } as const;
    for (const hyperparameters of [undefined, false] as const) {
      const off = new ImageClassifier({ maxTrials: 2, seed: 1, space: small, estimator: { maxSamples: 200 }, ...(hyperparameters === undefined ? {} : { hyperparameters }) });
      const r = await off.fit(train.x, train.y, fit);
      expect(r.trials.every((t) => t.architecture.training === undefined && !Object.keys(t.architecture.decisions!).some((k) => k.startsWith('hp/')))).toBe(true);
      expect(r.training).toEqual({ searched: [], values: { learningRate: 0.001, batchSize: 32, optimizer: 'adam', weightDecay: 0 } });
      off.dispose();
    }

    // Every network decision pinned to its default: the trials can differ only in their training.
    const net = new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, ...small });
    const fixed = Object.fromEntries(net.decisions().map((d) => [d.name, d.default ?? d.choices[0]!]));
    const custom = new ImageClassifier({ maxTrials: 3, seed: 2, space: { ...small, fixed }, estimator: { maxSamples: 200 }, hyperparameters: { optimizer: ['adam', 'sgd', 'rmsprop'], 'augment.shift': [0, 2] } });
    const c = await custom.fit(train.x, train.y, fit);
    // The network is fixed: the three trials differ only in their training, and are three trials.
    expect(new Set(c.trials.map((t) => t.hash)).size).toBe(3);
    expect(new Set(c.trials.map((t) => JSON.stringify(t.architecture.nodes))).size).toBe(1);
    for (const t of c.trials) expect(Object.keys(t.architecture.training!).sort()).toEqual(['augment.shift', 'optimizer']);
    expect(c.training.searched).toEqual(['optimizer', 'augment.shift']);
    custom.dispose();

    const clash = new ImageClassifier({ maxTrials: 1, space: small, estimator: { maxSamples: 200, learningRate: 0.01 }, hyperparameters: { learningRate: [0.001, 0.003] } });
    expect(await code(clash.fit(train.x, train.y, fit))).toBe('HYPERPARAMETER_FIXED');
    const oneShot = new ImageClassifier({ maxTrials: 1, space: small, estimator: { oneShot: true }, hyperparameters: { learningRate: [0.001, 0.003] } });
    expect(await code(oneShot.fit(train.x, train.y, fit))).toBe('HYPERPARAMETERS_NOT_SUPPORTED');
    const morphism = new ImageClassifier({ maxTrials: 1, space: small, strategy: 'morphism-bo', hyperparameters: true });
    expect(await code(morphism.fit(train.x, train.y, fit))).toBe('HYPERPARAMETERS_NOT_SUPPORTED');
    const bad = new ImageClassifier({ maxTrials: 1, space: small, hyperparameters: { 'augment.shift': [0, 40] } });
    expect(await code(bad.fit(train.x, train.y, fit))).toBe('BAD_AUGMENT');
    const unknown = new ImageClassifier({ maxTrials: 1, space: small, hyperparameters: { momentum: [0.9] } as never });
    expect(await code(unknown.fit(train.x, train.y, fit))).toBe('UNKNOWN_HYPERPARAMETER');
    const badOptimizer = new ImageClassifier({ maxTrials: 1, space: small, hyperparameters: { optimizer: ['adam', 'lion'] } });
    expect(await code(badOptimizer.fit(train.x, train.y, fit))).toBe('BAD_OPTIMIZER');
  }, 120_000);

  it('with hyperparameters: true, fit\'s learningRate fixes the learning rate of the trials and the retraining', async () => {
    const clf = new ImageClassifier({ maxTrials: 2, seed: 3, space: small, estimator: { maxSamples: 200 }, hyperparameters: true });
    const r = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, retrainEpochs: 1, learningRate: 0.002, baseline: false });
    for (const t of r.trials) expect(Object.keys(t.architecture.training!)).toEqual(['batchSize']);
    expect(r.training.values.learningRate).toBe(0.002);
    expect(r.training.searched).toEqual(['batchSize']);
    clf.dispose();
  });
});

