import { beforeAll, describe, expect, it } from 'vitest';
import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  Experiment,
  Random,
  SearchSpace,
  SearchStrategy,
  createContainer,
  kendallTau,
} from '@autonas/core';
import { SearchData, downsample, loadMnist, splitDataset } from '@autonas/data';
import { compileArchitecture, evaluateModel, initRuntime, tf } from '@autonas/tfjs';
import { TinyChainSpace } from '@autonas/testing';
import * as reexported from './index.js';
import { OneShotEstimator, oneShotModule } from './oneshot-estimator.js';

describe('kendallTau', () => {
  it('is the core one, re-exported (its tests are in @autonas/core)', () => {
    expect(reexported.kendallTau).toBe(kendallTau);
  });
});

let data: SearchData;
const space = new TinyChainSpace();

describe('OneShotEstimator', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const { train } = await loadMnist({ trainSize: 3000 });
    data = splitDataset(downsample(train, 2), { fraction: 0.2, seed: 1 });
  });

  it("scores a path exactly as that path's sub-network compiled alone with the same weights", async () => {
    const est = new OneShotEstimator(space, data, { steps: 40, batchSize: 32, seed: 1, validationSamples: 300 });
    await est.trainSupernet();
    const arch = space.build({ 'chain/blocks': 2, 'chain/block_1/batch_norm': true, 'chain/head/units': 32 });
    const s = await est.score(arch);
    const alone = compileArchitecture(arch, { seed: 99 });
    const shared = est.pathModel(arch);
    expect(alone.getWeights().length).toBe(shared.getWeights().length);
    alone.setWeights(shared.getWeights());
    const mine = await evaluateModel(alone, est.validation);
    expect(mine.accuracy).toBe(s.accuracy);
    expect(mine.loss).toBeCloseTo(s.loss, 5);
    const x = tf.randomUniform([4, 14, 14, 1], 0, 1, 'float32', 2);
    const [a, b] = [alone.predict(x) as tf.Tensor, shared.predict(x) as tf.Tensor];
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    alone.dispose();
    // Paths share the layers of equal nodes: block 1's conv is one layer in both.
    const other = est.pathModel(space.build({ 'chain/blocks': 1, 'chain/block_1/batch_norm': true }));
    expect(other.getLayer('b1_conv1')).toBe(shared.getLayer('b1_conv1'));
    expect(other.getLayer('classifier')).not.toBe(shared.getLayer('classifier'));
    est.dispose();
    expect(() => est.pathModel(arch)).toThrow(/disposed/);
  });

  it('trains a supernet on 14×14 MNIST whose paths score well above chance, with a flat tensor count', async () => {
    const before = tf.memory().numTensors;
    const est = new OneShotEstimator(space, data, { steps: 400, batchSize: 32, learningRate: 0.005, seed: 2, calibrationBatches: 3 });
    const t = await est.trainSupernet();
    expect(t.steps).toBe(400);
    expect(t.aborted).toBe(false);
    const all = space.all();
    expect(all).toHaveLength(48);
    const accs: number[] = [];
    for (const arch of all.slice(0, 6)) accs.push((await est.score(arch)).accuracy);
    for (const a of accs) expect(a).toBeGreaterThan(0.6); // chance: 0.1
    const count = tf.memory().numTensors;
    for (const arch of all.slice(0, 6)) await est.score(arch);
    expect(tf.memory().numTensors).toBe(count);
    const rc = await est.rankCorrelation(all.slice(0, 4).map((architecture, i) => ({ architecture, standalone: accs[i]! })));
    expect(rc.oneShot).toEqual(accs.slice(0, 4));
    expect(rc.tau).toBe(kendallTau(accs.slice(0, 4), accs.slice(0, 4)));
    est.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('serves an experiment through the container: the first trial trains the supernet, the rest only score', async () => {
    const rng = new Random(4);
    const strategy = new (class extends AskTellStrategy {
      readonly name = 'sample';
      ask(s: SearchSpace) { return s.sample(rng); }
      state() { return {}; }
      restore() {}
    })();
    const c = createContainer(
      { maxTrials: 3, seed: 1 },
      new ContainerModule(({ bind }) => {
        bind(SearchSpace).toConstantValue(space);
        bind(SearchStrategy).toConstantValue(strategy);
        bind(SearchData).toConstantValue(data);
      }),
      oneShotModule({ steps: 30, batchSize: 32, validationSamples: 200 }),
    );
    const result = await c.get(Experiment).run();
    const done = result.trials.filter((t) => t.status === 'completed');
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(done[0]!.metrics.supernetSteps).toBe(30);
    expect(done[0]!.metrics.supernetSeconds).toBeGreaterThan(0);
    for (const t of done.slice(1)) expect(t.metrics.supernetSeconds).toBeUndefined();
    (c.get(OneShotEstimatorToken) as OneShotEstimator).dispose();
  });

  it('rejects bad options and data of another shape', async () => {
    expect(() => new OneShotEstimator(space, data, { steps: -1 })).toThrow(ConfigurationError);
    expect(() => new OneShotEstimator(space, data, { learningRate: 0 })).toThrow(/learningRate/);
    const est = new OneShotEstimator(space, { train: data.validation, validation: data.validation });
    const wrong = { ...space.build({}), nodes: space.build({}).nodes.map((n) => (n.op === 'input' ? { ...n, params: { shape: [28, 28, 1] } } : n)) };
    expect(() => est.pathModel(wrong)).toThrow(/shape/);
    est.dispose();
  });
});

const OneShotEstimatorToken = Symbol.for('autonas.PerformanceEstimator');
