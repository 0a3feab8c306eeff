import { describe, expect, it, beforeAll } from 'vitest';
import { inferShapes, type Architecture } from '@autonas/core';
import { createRegressionDataset } from '@autonas/data';
import { initRuntime } from './backend.js';
import { compileArchitecture, tf } from './compile.js';
import { evaluateModel, trainModel } from './train.js';

const arch = (scale?: number, offset?: number): Architecture => ({
  nodes: [
    { id: 'in', op: 'input', params: { shape: [3] }, inputs: [] },
    { id: 'h', op: 'dense', params: { units: 16, activation: 'tanh' }, inputs: ['in'] },
    { id: 'out', op: 'regressor', params: { units: 1, ...(scale === undefined ? {} : { scale, offset: offset! }) }, inputs: ['h'] },
  ],
});

describe('regression training', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
  });

  const xs = Array.from({ length: 256 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), ((i * 37) % 17) / 17 - 0.5]);
  const data = createRegressionDataset(xs, xs.map(([a, b, c]) => 100 + 20 * a! - 10 * b! + 5 * c!));

  it('a regressor node is a dense layer then, with target statistics, a standard rescaling layer; parameters match the core', () => {
    const model = compileArchitecture(arch(20, 100), { seed: 1 });
    expect(model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Dense', 'Dense', 'Rescaling']);
    expect(model.countParams()).toBe(inferShapes(arch(20, 100)).totalParams);
    model.dispose();
  });

  it('trains on MSE (or MAE) with validation MSE and MAE, restores the best epoch by validation loss, and evaluates the same figures', async () => {
    const before = tf.memory().numTensors;
    const model = compileArchitecture(arch(12, 100), { seed: 2 });
    const r = await trainModel(model, data, { epochs: 30, batchSize: 32, learningRate: 0.01, validation: data });
    expect(r.bestValAccuracy).toBeUndefined();
    expect(Object.keys(r.history[0]!).sort()).toEqual(['epoch', 'loss', 'mae', 'valLoss', 'valMae', 'valMse']);
    const losses = r.history.map((h) => h.valLoss!);
    expect(r.best!.valLoss).toBe(Math.min(...losses));
    expect(r.best!.valLoss).toBeLessThan(0.05 * 125); // the targets' variance is about 20²/2 + 10²/2 + 5²/12 ≈ 252
    const e = await evaluateModel(model, data);
    expect(e.mse).toBeCloseTo(r.best!.valMse!, 3);
    expect(e.mae).toBeCloseTo(r.best!.valMae!, 3);
    expect(Number.isNaN(e.accuracy)).toBe(true);
    // The same figures by hand.
    const p = tf.tidy(() => (model.predict(tf.tensor2d(data.x, [data.size, 3])) as tf.Tensor).dataSync());
    const mae = Array.from(p).reduce((a, v, i) => a + Math.abs(v - data.targets![i]!), 0) / data.size;
    expect(e.mae).toBeCloseTo(mae, 3);
    const m = await trainModel(model, data, { epochs: 2, batchSize: 32, loss: 'mae', validation: data });
    expect(m.history[0]!.valLoss).toBeCloseTo(m.history[0]!.valMae!, 6);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model whose outputs do not match the targets', async () => {
    const two = createRegressionDataset([[0, 0, 0], [1, 1, 1]], [[1, 2], [3, 4]]);
    const model = compileArchitecture(arch(), { seed: 1 });
    await expect(trainModel(model, two)).rejects.toThrow(/1 outputs but the data has 2 regression targets/);
    await expect(trainModel(model, data, { validation: data, monitor: { metric: 'valAccuracy', direction: 'maximize' } })).rejects.toThrow(/monitor metric "valAccuracy"/);
    model.dispose();
  });
});
