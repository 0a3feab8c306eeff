import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier } from './image-classifier.js';

let train: Dataset;
const shape = [28, 28, 1];
/** A small space so the supernet and the stand-alone check stay quick. */
const small = { blocks: [1, 2], filters: [8, 16], kernelSizes: [3], convsPerBlock: [1], headUnits: [0, 32] };

describe('ImageClassifier with one-shot scoring', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train } = await loadMnist({ trainSize: 1200 }));
  });

  it('scores candidates on the supernet, trains the winner alone beside its one-shot score, compares the baseline like with like, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 4, seed: 3, space: small, estimator: { maxSamples: 600, batchSize: 32, oneShot: { steps: 120, batchSize: 32 } }, log: (l) => lines.push(l) });
    const result = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, retrainEpochs: 1, batchSize: 32 });
    expect(result.trials.filter((t) => t.status === 'completed')).toHaveLength(4);
    for (const t of result.trials) {
      expect(t.metrics.oneShot).toBe(1);
      expect(t.metrics.supernetSteps).toBe(120);
    }
    // The first trial pays for the supernet; the others only recalibrate batch norm and evaluate.
    expect(result.trials[0]!.metrics.supernetSeconds).toBeGreaterThan(0);
    expect(result.trials.slice(1).every((t) => t.metrics.supernetSeconds === undefined)).toBe(true);
    const o = result.oneShot!;
    expect(o.score).toBe(result.best.score);
    expect(o.supernetSteps).toBe(120);
    expect(o.standalone).toBeGreaterThan(0.3); // 1 epoch on 600 images, 10 classes
    expect(o.standaloneSeconds).toBeGreaterThan(0);
    // The baseline is trained alone too, so the gain compares stand-alone accuracies.
    expect(result.baseline!.searchGain).toBeCloseTo(o.standalone - result.baseline!.score, 12);
    expect(lines.some((l) => /one-shot \d+\.\d\d% beside \d+\.\d\d% trained alone/.test(l))).toBe(true);
    expect(result.retrain?.epochs).toBe(1);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);

  it('plans the supernet and the cheap trials, and refuses combinations that cannot work', async () => {
    const before = tf.memory().numTensors;
    const clf = new ImageClassifier({ maxTrials: 50, estimator: { oneShot: { steps: 500 } } });
    const plan = await clf.plan(train.x, train.y, { sampleShape: shape, epochs: 1 });
    expect(plan.supernetSeconds).toBeGreaterThan(0);
    expect(plan.lines.join('\n')).toMatch(/one-shot supernet: ~.* \(500 steps of 64 images, once\)/);
    expect(plan.secondsPerTrial * 50).toBeLessThan(plan.supernetSeconds * 10);
    expect(tf.memory().numTensors).toBe(before);
    const data = [train.x.subarray(0, 784 * 40), train.y.subarray(0, 40)] as const;
    await expect(clf.fit(data[0], data[1], { sampleShape: shape, folds: 2 })).rejects.toMatchObject({ code: 'ONESHOT_WITH_FOLDS' });
    const grow = new ImageClassifier({ strategy: 'morphism-bo', estimator: { oneShot: true } });
    await expect(grow.fit(data[0], data[1], { sampleShape: shape })).rejects.toMatchObject({ code: 'ONESHOT_WITH_MORPHISM' });
  });
});
