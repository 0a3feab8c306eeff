import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier } from './image-classifier.js';

let train: Dataset;
const small = { blocks: [1, 2], filters: [4, 8], kernelSizes: [3], convsPerBlock: [1], headUnits: [0, 16] };

describe('ImageClassifier with several objectives', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train } = await loadMnist({ trainSize: 600, testSize: 10 }));
  });

  it('returns the Pareto front of accuracy and parameters, feasible under maxParams, leaving no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const clf = new ImageClassifier({
      maxTrials: 3, seed: 5, space: small, strategy: 'evolution', estimator: { maxSamples: 200, batchSize: 32 },
      objectives: [{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'params', direction: 'minimize' }], maxParams: 1e6,
    });
    const result = await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 1, baseline: false });
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const completed = result.trials.filter((t) => t.status === 'completed' && !t.cached);
    expect(completed.length).toBeGreaterThanOrEqual(2);
    expect(result.paretoFront!.length).toBeGreaterThan(0);
    for (const t of completed) expect(t.metrics.params).toBeGreaterThan(0);
    for (const f of result.paretoFront!) {
      for (const t of completed) {
        const better = t.metrics.valAccuracy! >= f.metrics.valAccuracy! && t.metrics.params! <= f.metrics.params! && (t.metrics.valAccuracy! > f.metrics.valAccuracy! || t.metrics.params! < f.metrics.params!);
        expect(better).toBe(false);
      }
    }
  }, 120_000);

  it('says when the strategy does not declare multiObjective, and still reports the front', async () => {
    const lines: string[] = [];
    const clf = new ImageClassifier({
      maxTrials: 2, seed: 6, space: small, strategy: 'random', estimator: { maxSamples: 200, batchSize: 32 }, log: (l) => lines.push(l),
      objectives: [{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'params', direction: 'minimize' }],
    });
    const before = tf.memory().numTensors;
    const result = await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 1, baseline: false });
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(lines.join('\n')).toMatch(/strategy random searches by its score alone; the Pareto front of what it tries is still reported/);
    expect(result.paretoFront!.length).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a bad maxParams or objectives at once', () => {
    expect(() => new ImageClassifier({ maxParams: 0 })).toThrow(ConfigurationError);
    expect(() => new ImageClassifier({ objectives: [{ metric: 'params', direction: 'down' as never }] })).toThrow(ConfigurationError);
  });
});
