import { describe, expect, it } from 'vitest';
import { inferShapes, type Architecture, type Estimate, type PerformanceEstimator } from '@autonas/core';
import { loadMnist, type Dataset, type SearchData } from '@autonas/data';
import { compileArchitecture, initRuntime, tf, trainableParams } from '@autonas/tfjs';
import { ImageClassifier, baselineArchitecture } from './index.js';

/** One string per sample: its exact pixels. */
function fingerprints(ds: Dataset): string[] {
  const d = ds.sampleShape.reduce((a, b) => a * b, 1);
  return Array.from({ length: ds.size }, (_, i) => Buffer.from(ds.x.buffer, ds.x.byteOffset + i * d * 4, d * 4).toString('base64'));
}

/** An estimator that trains nothing and records every sample it is given. */
class SpyEstimator implements PerformanceEstimator {
  readonly name = 'spy';
  static seen = new Set<string>();
  static validations: string[][] = [];
  static archs: Architecture[] = [];
  constructor(data: SearchData) {
    for (const f of fingerprints(data.train)) SpyEstimator.seen.add(f);
    const v = fingerprints(data.validation);
    for (const f of v) SpyEstimator.seen.add(f);
    SpyEstimator.validations.push(v);
  }
  async estimate(arch: Architecture): Promise<Estimate> {
    SpyEstimator.archs.push(arch);
    const score = 1 / (1 + inferShapes(arch).totalParams / 1e5);
    return { score, metrics: { score }, cost: { seconds: 0 } };
  }
}

describe('the pitfalls, as defaults', () => {
  it('the test set is never seen by the search: a spy estimator sees all the training data and none of the test data, with a split and with k folds', async () => {
    const { train, test } = await loadMnist({ trainSize: 300, testSize: 200 });
    const trainFp = new Set(fingerprints(train));
    const testOnly = fingerprints(test).filter((f) => !trainFp.has(f));
    expect(testOnly.length).toBeGreaterThan(190);
    for (const folds of [undefined, 3]) {
      SpyEstimator.seen = new Set();
      SpyEstimator.validations = [];
      SpyEstimator.archs = [];
      const clf = new ImageClassifier({ maxTrials: 3, seed: 2, backend: 'wasm', estimator: (d) => new SpyEstimator(d), space: { blocks: [1], filters: [8] } });
      const r = await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], folds, retrainEpochs: 1, batchSize: 100 });
      expect([...trainFp].every((f) => SpyEstimator.seen.has(f))).toBe(true);
      expect(testOnly.some((f) => SpyEstimator.seen.has(f))).toBe(false);
      if (folds) {
        expect(SpyEstimator.validations).toHaveLength(3);
        const all = SpyEstimator.validations.flat();
        expect(all).toHaveLength(300);
        expect(new Set(all).size).toBe(new Set(trainFp).size);
      }
      // The baseline ran first, through the same estimator, and the result compares with it.
      expect(SpyEstimator.archs[0]!.space).toBe('baseline');
      expect(r.baseline!.searchGain).toBeCloseTo(r.best.score! - r.baseline!.score, 12);
      // The test set goes only to evaluate, which scores the retrained model on it.
      const { loss } = await clf.evaluate(test.x, test.y, { sampleShape: [28, 28, 1] });
      expect(Number.isFinite(loss) && loss > 0).toBe(true);
      clf.dispose();
    }
  }, 120_000);

  it('plan() estimates time and memory from a timed probe before the search', async () => {
    const { train } = await loadMnist({ trainSize: 500 });
    const clf = new ImageClassifier({ maxTrials: 4, seed: 1, backend: 'wasm' });
    const plan = await clf.plan(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 2, retrainEpochs: 3, batchSize: 32 });
    expect(plan.probe.trainSamplesPerSecond).toBeGreaterThan(0);
    expect(plan.probe.evalSamplesPerSecond).toBeGreaterThan(0);
    expect(plan.trials).toBe(4);
    // 2 epochs on the 400 search-training images and 2 validations of 100, at the probe's speeds.
    expect(plan.secondsPerTrial).toBeCloseTo((2 * 400) / plan.probe.trainSamplesPerSecond + (2 * 100) / plan.probe.evalSamplesPerSecond, 6);
    expect(plan.searchSeconds).toBeCloseTo(4 * plan.secondsPerTrial, 6);
    expect(plan.baselineSeconds).toBeCloseTo(plan.secondsPerTrial, 6);
    expect(plan.retrainSeconds).toBeCloseTo((3 * 500) / plan.probe.trainSamplesPerSecond, 6);
    expect(plan.totalSeconds).toBeCloseTo(plan.searchSeconds + plan.baselineSeconds + plan.retrainSeconds, 6);
    expect(plan.tensorBytes).toBeGreaterThan(4 * 4 * plan.probe.params);
    expect(plan.memoryBytes).toBeGreaterThan(plan.tensorBytes + 500 * 784 * 4);
    expect(plan.lines.join('\n')).toMatch(/each trial: ~.*search: ~4 trial\(s\).*baseline first.*retraining.*peak memory/s);
    const before = tf.memory().numTensors;
    await clf.plan(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, batchSize: 32 });
    expect(tf.memory().numTensors).toBe(before);
    const limited = await clf.plan(train.x, train.y, { sampleShape: [28, 28, 1], timeLimit: 1e-3, baseline: false, retrain: false });
    expect(limited.trials).toBe(1);
    expect(limited.baselineSeconds).toBe(0);
    expect(limited.lines.join('\n')).toMatch(/time limit binds/);
  }, 120_000);

  it('the baseline is a small ResNet-style network that compiles with the parameters the core infers', async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const arch = baselineArchitecture([28, 28, 1], 10);
    const model = compileArchitecture(arch, { seed: 1 });
    expect(trainableParams(model)).toBe(inferShapes(arch).totalParams);
    expect(arch.nodes.filter((n) => n.op === 'add')).toHaveLength(2);
    model.dispose();
  });

  it('refuses contradictory options with typed errors', async () => {
    const { train } = await loadMnist({ trainSize: 100 });
    const clf = new ImageClassifier({ maxTrials: 1, backend: 'wasm' });
    await expect(clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], folds: 3, validationData: [train.x, train.y] })).rejects.toThrow(/folds or validationData/);
    await expect(clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], folds: 1 })).rejects.toThrow(/at least 2/);
    expect(() => new ImageClassifier({ strategy: 'nope' as never })).toThrow(/random, evolution, rl/);
  });
});
