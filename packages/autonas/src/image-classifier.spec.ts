import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutonasError, ConfigurationError, DataError, type TrialRecord } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, loadModel, tf } from '@autonas/tfjs';
import { ImageClassifier } from './image-classifier.js';

let train: Dataset;
let test: Dataset;
const shape = [28, 28, 1];
/** A small space so the test stays quick: one or two light conv blocks. */
const small = { blocks: [1, 2], filters: [8, 16], kernelSizes: [3], convsPerBlock: [1], headUnits: [0, 32] };

describe('ImageClassifier', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train, test } = await loadMnist({ trainSize: 2000, testSize: 500 }));
  });

  it('searches 3 trials, retrains the best, beats chance by far on the test set, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const ended: TrialRecord[] = [];
    const clf = new ImageClassifier({ maxTrials: 3, seed: 7, space: small, estimator: { maxSamples: 800, batchSize: 32 } });
    const result = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 2, retrainEpochs: 3, validationSplit: 0.2, batchSize: 32, onTrialEnd: (t, phase) => phase === 'search' && ended.push(t) });
    expect(ended.map((t) => t.id)).toEqual([0, 1, 2]);
    expect(result.trials.filter((t) => t.status === 'completed')).toHaveLength(3);
    expect(result.stoppedBy).toBe('maxTrials');
    expect(result.best.score).toBe(Math.max(...result.trials.map((t) => t.score ?? 0)));
    expect(result.retrain).toMatchObject({ epochs: 3, samples: 2000 });
    expect(result.runtime.backend).toBe('wasm');
    const { accuracy, loss } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    expect(accuracy).toBeGreaterThan(0.7);
    expect(loss).toBeGreaterThan(0);
    const probs = await clf.predict(test.x.subarray(0, 5 * 784), { sampleShape: shape });
    expect(probs.shape).toEqual([5, 10]);
    probs.dispose();
    expect(clf.exportModel().outputs[0]!.shape).toEqual([null, 10]);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes tensors and nested arrays, keeps the trial model with retrain: false, and saves a loadable model', async () => {
    const n = 600;
    const x = tf.tensor4d(train.x.subarray(0, n * 784), [n, 28, 28, 1]);
    const y = tf.tensor1d(train.y.subarray(0, n), 'int32');
    const clf = new ImageClassifier({ maxTrials: 1, seed: 1, space: small });
    const result = await clf.fit(x, y, { epochs: 2, retrain: false, batchSize: 32 });
    expect(result.retrain).toBeUndefined();
    const nested = Array.from({ length: 20 }, (_, i) => Array.from({ length: 28 }, (_, r) => Array.from(test.x.subarray(i * 784 + r * 28, i * 784 + r * 28 + 28))));
    const { accuracy } = await clf.evaluate(nested, Array.from(test.y.subarray(0, 20)));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-clf-'));
    await clf.save(`file://${dir}`);
    const loaded = await loadModel(dir);
    const a = await clf.predict(nested);
    const b = loaded.predict(tf.tensor4d(test.x.subarray(0, 20 * 784), [20, 28, 28, 1])) as tf.Tensor;
    expect(Array.from(a.dataSync()).map((v) => v.toFixed(4))).toEqual(Array.from(b.dataSync()).map((v) => v.toFixed(4)));
    // evaluate() agrees with the argmax of predict() on the same (nested-array) input
    const am = tf.argMax(a, -1);
    const predicted = Array.from(am.dataSync());
    am.dispose();
    const hits = predicted.filter((p, i) => p === test.y[i]).length;
    expect(accuracy).toBeCloseTo(hits / 20, 10);
    tf.dispose([x, y, a, b]);
    loaded.dispose();
    clf.dispose();
  });

  it('stops the search on the time limit', async () => {
    const clf = new ImageClassifier({ timeLimit: 3, seed: 2, space: small, estimator: { maxSamples: 400 } });
    const t0 = Date.now();
    const result = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, retrain: false });
    expect(result.stoppedBy).toBe('timeLimit');
    expect(result.searchSeconds).toBeLessThan(10);
    expect(Date.now() - t0).toBeLessThan(20_000);
    clf.dispose();
  });

  it('says clearly what is wrong with bad input or misuse', async () => {
    const clf = new ImageClassifier({ maxTrials: 1 });
    await expect(clf.predict([[[0]]])).rejects.toThrow(/call fit\(\)/);
    await expect(clf.fit(train.x.subarray(0, 784 * 4), [0, 1, 2, -1], { sampleShape: shape })).rejects.toMatchObject({ code: 'LABEL_OUT_OF_RANGE' });
    await expect(clf.fit(train.x.subarray(0, 784 * 4), [0, 1, 2, 1.5], { sampleShape: shape })).rejects.toMatchObject({ code: 'LABEL_NOT_INTEGER' });
    await expect(clf.fit(train.x.subarray(0, 784 * 4), [0, 1, 2], { sampleShape: shape })).rejects.toThrow(DataError);
    const withNaN = train.x.slice(0, 784 * 4);
    withNaN[100] = NaN;
    await expect(clf.fit(withNaN, [0, 1, 2, 3], { sampleShape: shape })).rejects.toMatchObject({ code: 'NOT_FINITE' });
    await expect(clf.fit(new Float32Array(40), Array.from({ length: 10 }, (_, i) => i % 2), { sampleShape: [4] })).rejects.toThrow(/images/);
    expect(() => new ImageClassifier({ maxTrials: 0 })).toThrow(ConfigurationError);
    expect(() => new ImageClassifier({ strategy: 'nope' as never })).toThrow(/no strategy named "nope"; registered: random, evolution/);
    const grow = new ImageClassifier({ maxTrials: 1, strategy: 'morphism-bo', estimator: { inputScale: 0.5 } });
    await expect(grow.fit(train.x.subarray(0, 784 * 40), train.y.subarray(0, 40), { sampleShape: shape })).rejects.toMatchObject({
      code: 'MORPHISM_ESTIMATOR_OPTION', message: expect.stringContaining('estimator.inputScale'),
    });
    await expect(clf.fit([], [])).rejects.toBeInstanceOf(AutonasError);
  });
});
