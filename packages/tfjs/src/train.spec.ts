import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, type Architecture, type ArchNode } from '@autonas/core';
import { loadMnist, take, type Dataset } from '@autonas/data';
import { initRuntime } from './backend.js';
import { compileArchitecture, tf } from './compile.js';
import { OPTIMIZERS, evaluateModel, trainModel } from './train.js';

const node = (id: string, op: string, params: ArchNode['params'], inputs: string[]): ArchNode => ({ id, op, params, inputs });
const cnn: Architecture = {
  nodes: [
    node('in', 'input', { shape: [28, 28, 1] }, []),
    node('c', 'conv2d', { filters: 8, kernelSize: 3, useBias: false }, ['in']),
    node('bn', 'batchnorm', {}, ['c']),
    node('r', 'activation', { fn: 'relu' }, ['bn']),
    node('p', 'maxpool2d', { poolSize: 2 }, ['r']),
    node('d', 'dropout', { rate: 0.1 }, ['p']),
    node('out', 'classifier', { classes: 10 }, ['d']),
  ],
};

let train: Dataset;
let test: Dataset;

describe('trainModel on wasm', () => {
  beforeAll(async () => {
    const info = await initRuntime({ backend: 'wasm', log: () => {} });
    expect(info.backend).toBe('wasm');
    ({ train, test } = await loadMnist({ trainSize: 1500, testSize: 500 }));
  });

  it('learns MNIST well above chance, reports epochs, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const model = compileArchitecture(cnn, { seed: 1 });
    const seen: number[] = [];
    const r = await trainModel(model, train, { epochs: 2, batchSize: 32, validation: test, seed: 1, onEpoch: (m) => seen.push(m.epoch) });
    expect(seen).toEqual([0, 1]);
    expect(r.history[1]!.loss).toBeLessThan(r.history[0]!.loss!);
    expect(r.bestValAccuracy).toBeGreaterThan(0.75);
    const ev = await evaluateModel(model, test);
    expect(ev.accuracy).toBeCloseTo(r.bestValAccuracy!, 5);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('augments training batches only: the validation score is that of the clean validation data, and training sees other batches', async () => {
    const before = tf.memory().numTensors;
    const augment = { shift: 3, cutout: 10 };
    const run = async (a?: typeof augment) => {
      const model = compileArchitecture(cnn, { seed: 4 });
      const r = await trainModel(model, train, { epochs: 1, batchSize: 32, validation: test, restoreBestWeights: false, seed: 4, ...(a ? { augment: a } : {}) });
      const clean = await evaluateModel(model, test);
      model.dispose();
      return { r, clean };
    };
    const plain = await run();
    const a1 = await run(augment);
    const a2 = await run(augment);
    // Validation is scored on the clean images: the epoch's figures are exactly a clean evaluation of the final weights.
    expect(a1.r.history[0]!.valAccuracy).toBeCloseTo(a1.clean.accuracy, 6);
    expect(a1.r.history[0]!.valLoss).toBeCloseTo(a1.clean.loss, 5);
    // Training batches were changed (same seed, same order, other loss), and reproducibly so.
    expect(Math.abs(a1.r.history[0]!.loss! - plain.r.history[0]!.loss!)).toBeGreaterThan(1e-3);
    // (to 1e-6, as every training here: the native kernels' threads sum in varying order)
    expect(a2.r.history[0]!.loss).toBeCloseTo(a1.r.history[0]!.loss!, 6);
    expect(a2.clean.accuracy).toBeCloseTo(a1.clean.accuracy, 2);
    // Still learns (shifts of 3 px and a 10 px hole on 1,500 digits, one epoch).
    expect(a1.clean.accuracy).toBeGreaterThan(0.3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is reproducible for a seed', async () => {
    const run = async () => {
      const m = compileArchitecture(cnn, { seed: 4 });
      const r = await trainModel(m, { ...train, x: train.x.subarray(0, 200 * 784), y: train.y.subarray(0, 200), size: 200 }, { epochs: 1, seed: 4 });
      m.dispose();
      return r.history[0]!.loss;
    };
    // The native kernels split work between threads dynamically, so float sums may differ in the last bits (seen: 3e-9 relative).
    expect(await run()).toBeCloseTo(await run(), 6);
  });

  it('decays the learning rate along a cosine when asked', async () => {
    const model = compileArchitecture(cnn, { seed: 3 });
    const small: Dataset = { ...train, x: train.x.subarray(0, 128 * 784), y: train.y.subarray(0, 128), size: 128 };
    const lrs: number[] = [];
    await trainModel(model, small, { epochs: 2, batchSize: 64, learningRate: 0.002, schedule: 'cosine', onBatch: (_s, _l, lr) => lrs.push(lr) });
    const expected = [0, 1, 2, 3].map((k) => (0.002 * (1 + Math.cos((Math.PI * k) / 4))) / 2);
    expect(lrs.map((v) => v.toFixed(8))).toEqual(expected.map((v) => v.toFixed(8)));
    const flat: number[] = [];
    await trainModel(model, small, { epochs: 1, batchSize: 64, onBatch: (_s, _l, lr) => flat.push(lr) });
    expect(flat).toEqual([0.001, 0.001]);
    await expect(trainModel(model, small, { learningRate: 0 })).rejects.toThrow(/learningRate/);
    model.dispose();
  });

  it('counts the time budget and the cosine on the clock it is given', async () => {
    const model = compileArchitecture(cnn, { seed: 3 });
    const small: Dataset = { ...train, x: train.x.subarray(0, 128 * 784), y: train.y.subarray(0, 128), size: 128 };
    // A clock that moves one second per batch: 6 batches fit in 6 s, whatever the machine's speed.
    let seconds = 0;
    const lrs: number[] = [];
    const r = await trainModel(model, small, {
      epochs: 10, batchSize: 32, learningRate: 0.002, schedule: 'cosine', timeBudget: 6, clock: () => seconds,
      onBatch: (_s, _l, lr) => {
        lrs.push(lr);
        seconds += 1;
      },
    });
    expect(r.timedOut).toBe(true);
    expect(r.epochs).toBe(2);
    expect(r.history[1]!.partial).toBe(1);
    const expected = [0, 1, 2, 3, 4, 5].map((k) => (0.002 * (1 + Math.cos((Math.PI * k) / 6))) / 2);
    expect(lrs.map((v) => v.toFixed(8))).toEqual(expected.map((v) => v.toFixed(8)));
    model.dispose();
  });

  it('stops at the next batch when aborted', async () => {
    const model = compileArchitecture(cnn, { seed: 2 });
    const ctrl = new AbortController();
    const r = await trainModel(model, train, { epochs: 3, batchSize: 50, validation: test, signal: ctrl.signal, onBatch: (seen) => seen >= 200 && ctrl.abort() });
    expect(r.aborted).toBe(true);
    expect(r.epochs).toBe(1);
    expect(r.history[0]!.partial).toBe(1);
    expect(r.history[0]!.valAccuracy).toBeUndefined(); // a cut-short epoch is not validated
    expect(r.bestValAccuracy).toBeUndefined();
    model.dispose();
  });

  it('rejects data that does not fit the model', async () => {
    const model = compileArchitecture(cnn);
    const wrong: Dataset = { ...train, sampleShape: [784] };
    await expect(trainModel(model, wrong)).rejects.toThrow(/shape/);
    await expect(trainModel(model, train, { epochs: 0 })).rejects.toThrow(/epochs/);
    model.dispose();
  });

  describe('optimisers and weight decay', () => {
    // No dropout, no batch norm: one step is a pure function of the weights and the batch.
    const plain: Architecture = {
      nodes: [
        node('in', 'input', { shape: [28, 28, 1] }, []),
        node('c', 'conv2d', { filters: 4, kernelSize: 3 }, ['in']),
        node('r', 'activation', { fn: 'relu' }, ['c']),
        node('p', 'maxpool2d', { poolSize: 4 }, ['r']),
        node('out', 'classifier', { classes: 10 }, ['p']),
      ],
    };
    /** Weights (by name) after one full-batch step from the seed-3 initialisation. */
    const oneStep = async (o: Parameters<typeof trainModel>[2]) => {
      const model = compileArchitecture(plain, { seed: 3 });
      const before = new Map(model.trainableWeights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
      const start = await evaluateModel(model, take(train, 64));
      const r = await trainModel(model, take(train, 64), { epochs: 1, batchSize: 64, seed: 2, ...o });
      const after = new Map(model.trainableWeights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
      model.dispose();
      return { before, after, startLoss: start.loss, reportedLoss: r.history[0]!.loss! };
    };
    const expectDecayed = (plainStep: Map<string, number[]>, decayed: Map<string, number[]>, w0: Map<string, number[]>, shrink: number) => {
      let kernels = 0;
      for (const [name, w] of w0) {
        const a = plainStep.get(name)!;
        const b = decayed.get(name)!;
        // Kernels lose shrink × w0 beside the plain step; biases are not decayed.
        const isKernel = /kernel/.test(name);
        if (isKernel) kernels++;
        let worst = 0;
        for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(b[i]! - a[i]! - (isKernel ? -shrink * w[i]! : 0)));
        expect(worst, name).toBeLessThan(1e-6);
      }
      expect(kernels).toBe(2); // the conv kernel and the classifier's dense kernel
    };

    it('adamw shrinks every kernel by learningRate × weightDecay × w beside the Adam step, biases untouched', async () => {
      const lr = 0.01;
      const wd = 0.5;
      const adam = await oneStep({ optimizer: 'adam', learningRate: lr });
      const adamw = await oneStep({ optimizer: 'adamw', learningRate: lr, weightDecay: wd });
      expectDecayed(adam.after, adamw.after, adam.before, lr * wd);
      // The decay is large enough to see against the step: kernels moved by more than rounding.
      const k = [...adam.before.keys()].find((n) => /kernel/.test(n))!;
      expect(Math.max(...adamw.after.get(k)!.map((v, i) => Math.abs(v - adam.after.get(k)![i]!)))).toBeGreaterThan(1e-3);
    });

    it('L2 weight decay with sgd adds weightDecay × w to the gradient: the kernels lose learningRate × weightDecay × w more', async () => {
      const lr = 0.05;
      const wd = 0.2;
      for (const momentum of [0, 0.9]) {
        const sgd = await oneStep({ optimizer: 'sgd', momentum, learningRate: lr });
        const l2 = await oneStep({ optimizer: 'sgd', momentum, learningRate: lr, weightDecay: wd });
        expectDecayed(sgd.after, l2.after, sgd.before, lr * wd);
        // The loss reported is the cross-entropy of the batch before the step, without the penalty.
        expect(l2.reportedLoss).toBeCloseTo(l2.startLoss, 4);
      }
    });

    it('every optimiser lowers the loss on real MNIST, reports the data loss, and leaks no tensors', async () => {
      const small = take(train, 512);
      const settings = { adam: 0.003, adamw: 0.003, sgd: 0.05, rmsprop: 0.002 } as const;
      expect(Object.keys(settings).sort()).toEqual([...OPTIMIZERS].sort());
      for (const optimizer of OPTIMIZERS) {
        const before = tf.memory().numTensors;
        const model = compileArchitecture(plain, { seed: 5 });
        const start = await evaluateModel(model, small);
        const r = await trainModel(model, small, { epochs: 3, batchSize: 32, learningRate: settings[optimizer], optimizer, weightDecay: 1e-3, seed: 5 });
        const end = await evaluateModel(model, small);
        expect(end.loss, optimizer).toBeLessThan(start.loss * 0.8);
        expect(end.accuracy, optimizer).toBeGreaterThan(0.5);
        expect(r.history[2]!.loss!, optimizer).toBeLessThan(r.history[0]!.loss!);
        model.dispose();
        expect(tf.memory().numTensors, optimizer).toBe(before);
      }
    }, 120_000);

    it('rejects bad optimiser options with typed errors', async () => {
      const model = compileArchitecture(plain);
      const code = async (o: object) => (await trainModel(model, take(train, 8), o as never).catch((e: unknown) => e)) as ConfigurationError;
      expect((await code({ optimizer: 'adagrad' })).code).toBe('BAD_OPTIMIZER');
      expect((await code({ weightDecay: -1 })).code).toBe('BAD_WEIGHT_DECAY');
      expect((await code({ optimizer: 'sgd', momentum: 1 })).code).toBe('BAD_MOMENTUM');
      expect((await code({ optimizer: 'adam', nesterov: true })).code).toBe('BAD_MOMENTUM');
      expect(await code({ optimizer: 'adam', nesterov: true })).toBeInstanceOf(ConfigurationError);
      model.dispose();
    });
  });
});
