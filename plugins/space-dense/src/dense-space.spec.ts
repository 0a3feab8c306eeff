import { describe, expect, it } from 'vitest';
import { ConfigurationError, Random, architectureHash, inferShapes } from '@autonas/core';
import { createDataset, createRegressionDataset } from '@autonas/data';
import { compileArchitecture, initRuntime, tf, trainModel } from '@autonas/tfjs';
import { DenseSpace } from './dense-space.js';

describe('DenseSpace', () => {
  it('builds chains of dense blocks ending in the head, with hierarchical decisions and inert ones normalised', () => {
    const space = new DenseSpace({ inputUnits: 6, head: { type: 'classification', classes: 3 } });
    expect(space.decisions().map((d) => d.name).slice(0, 5)).toEqual(['dense/blocks', 'dense/block_1/units', 'dense/block_1/batch_norm', 'dense/block_1/activation', 'dense/block_1/dropout']);
    const def = space.defaultArchitecture();
    expect(def.nodes.map((n) => n.op)).toEqual(['input', 'dense', 'dense', 'classifier']);
    expect(inferShapes(def).totalParams).toBe(6 * 64 + 64 + 64 * 32 + 32 + 32 * 3 + 3);
    // Block 3's decisions do not matter with 2 blocks: equal networks, equal hashes.
    const a = space.build({ 'dense/blocks': 2, 'dense/block_3/units': 16 });
    const b = space.build({ 'dense/blocks': 2, 'dense/block_3/units': 256 });
    expect(architectureHash(a)).toBe(architectureHash(b));
    const bn = space.build({ 'dense/block_1/batch_norm': true, 'dense/block_1/activation': 'tanh', 'dense/block_1/dropout': 0.5 });
    expect(bn.nodes.map((n) => n.op)).toEqual(['input', 'dense', 'batchnorm', 'activation', 'dropout', 'dense', 'classifier']);
    const rng = new Random(3);
    for (let i = 0; i < 30; i++) {
      const s = space.sample(rng);
      expect(space.validate(s).valid).toBe(true);
      const m = space.mutate(s, rng);
      expect(space.validate(m).valid).toBe(true);
      expect(architectureHash(m)).not.toBe(architectureHash(s));
    }
  });

  it('ends in a regression head, refuses bad options and foreign architectures with typed errors', () => {
    const space = new DenseSpace({ inputUnits: 4, head: { type: 'regression', units: 2 }, fixed: { 'dense/blocks': 1 } });
    const arch = space.defaultArchitecture();
    expect(arch.nodes.at(-1)).toMatchObject({ op: 'regressor', params: { units: 2 } });
    expect(inferShapes(arch).outputShape).toEqual([2]);
    expect(() => new DenseSpace({ inputUnits: 0, head: { type: 'regression' } })).toThrow(ConfigurationError);
    expect(() => new DenseSpace({ inputUnits: 3, head: { type: 'classification', classes: 1 } })).toThrow(/at least 2 classes/);
    expect(() => new DenseSpace({ inputUnits: 3, head: { type: 'regression' }, units: [] })).toThrow(/no choices/);
    expect(() => new DenseSpace({ inputUnits: 3, head: { type: 'regression' }, fixed: { 'dense/width': 3 } })).toThrow(/unknown decision/);
    const tiny = new DenseSpace({ inputUnits: 3, head: { type: 'regression' }, maxParams: 10 });
    expect(tiny.validate(arch).valid).toBe(false);
    expect(() => tiny.sample(new Random(1))).toThrow(/no valid architecture/);
  });

  it('its networks train: a classifier above chance and a regressor below the variance, with no tensor leak', async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const before = tf.memory().numTensors;
    const rng = new Random(5);
    const rows = Array.from({ length: 400 }, () => [rng.next() * 2 - 1, rng.next() * 2 - 1]);
    const cls = createDataset(rows, rows.map(([a, b]) => (a! * b! > 0 ? 1 : 0)));
    const clf = compileArchitecture(new DenseSpace({ inputUnits: 2, head: { type: 'classification', classes: 2 } }).defaultArchitecture(), { seed: 1 });
    const c = await trainModel(clf, cls, { epochs: 40, batchSize: 32, learningRate: 0.01, validation: cls });
    expect(c.bestValAccuracy).toBeGreaterThan(0.85); // XOR of signs: a linear model gets ~0.5
    clf.dispose();
    const reg = createRegressionDataset(rows, rows.map(([a, b]) => a! * a! + b!));
    const model = compileArchitecture(new DenseSpace({ inputUnits: 2, head: { type: 'regression' } }).defaultArchitecture(), { seed: 1 });
    const r = await trainModel(model, reg, { epochs: 40, batchSize: 32, learningRate: 0.01, validation: reg });
    const t = Array.from(reg.targets!);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const variance = t.reduce((a, b) => a + (b - mean) ** 2, 0) / t.length;
    expect(r.best!.valLoss).toBeLessThan(0.1 * variance);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
