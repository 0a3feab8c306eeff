import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, type TrialRecord } from '@autonas/core';
import { downsample, loadMnist, type Dataset } from '@autonas/data';
import { DartsCellSpace } from '@autonas/space-cell';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier } from './image-classifier.js';
import { ImageRegressor } from './image-regressor.js';

let train: Dataset;
let test: Dataset;
/** MNIST at 14×14: DARTS cells are slow to train on wasm, and the pipeline is the same at any size. */
const shape = [14, 14, 1];

describe("ImageClassifier({ strategy: 'darts' })", () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const mnist = await loadMnist({ trainSize: 1000, testSize: 300 });
    train = downsample(mnist.train, 2);
    test = downsample(mnist.test, 2);
  });

  it('searches a supernet, submits the derived cell as the one trial, retrains it from scratch, beats chance, leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const started: Array<[string, TrialRecord]> = [];
    const clf = new ImageClassifier({
      strategy: 'darts', seed: 3, log: (l) => lines.push(l),
      strategyOptions: { epochs: 1, cells: 3, channels: 2, batchSize: 32, maxSamples: 300, network: { cells: 3, channels: 4 } },
    });
    const result = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, retrainEpochs: 3, batchSize: 32, baseline: false, onTrialStart: (t, phase) => started.push([phase, t]) });
    // The supernet is not a trial; the derived cell is the search's only trial, then it is retrained.
    expect(started.map(([phase]) => phase)).toEqual(['search', 'retrain']);
    expect(started[1]![1].architecture).toEqual(started[0]![1].architecture);
    expect(result.trials).toHaveLength(1);
    const trial = result.trials[0]!;
    expect(trial.status).toBe('completed');
    expect(trial.architecture.space).toBe('darts-cell');
    // The trial's network is a cell of the plugin's network space, as DartsCellSpace builds it.
    const space = new DartsCellSpace({ inputShape: [14, 14, 1], numClasses: 10, cells: 3, channels: 4 });
    const genotype = space.genotype(trial.architecture);
    // Two edges into each of the 4 intermediate nodes, in both cell kinds.
    expect(genotype.normal).toHaveLength(8);
    expect(genotype.reduce).toHaveLength(8);
    expect(space.validate(trial.architecture).valid).toBe(true);
    console.info(lines.filter((l) => !l.startsWith('best:')).join('\n'));
    expect(result.stoppedBy).toBe('exhausted');
    expect(result.winner).toBe('search');
    expect(result.retrain?.trial.status).toBe('completed');
    expect(lines.filter((l) => l.startsWith('darts supernet epoch 1/1: validation accuracy'))).toHaveLength(1);
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    expect(accuracy).toBeGreaterThan(0.2);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses what DARTS cannot do, from what it declares', async () => {
    const x = train.x.subarray(0, 40 * 196);
    const y = train.y.subarray(0, 40);
    await expect(new ImageClassifier({ strategy: 'darts', estimator: { oneShot: true } }).fit(x, y, { sampleShape: shape })).rejects.toMatchObject({ code: 'ONESHOT_WITH_STRATEGY' });
    await expect(new ImageClassifier({ strategy: 'darts' }).fit(x, y, { sampleShape: shape, folds: 2 })).rejects.toMatchObject({ code: 'STRATEGY_WITH_FOLDS' });
    const targets = Float32Array.from({ length: 40 }, (_, i) => i / 40);
    await expect(new ImageRegressor({ strategy: 'darts' }).fit(x, targets, { sampleShape: shape })).rejects.toThrow(ConfigurationError);
    await expect(new ImageRegressor({ strategy: 'darts' }).fit(x, targets, { sampleShape: shape })).rejects.toMatchObject({ code: 'SPACE_HEAD' });
  });

  it('passes strategyOptions.variant through to the supernet: an unknown variant is refused with its code', async () => {
    const x = train.x.subarray(0, 200 * 196);
    const y = train.y.subarray(0, 200);
    const clf = new ImageClassifier({ strategy: 'darts', strategyOptions: { variant: 'fancy', epochs: 1, cells: 3, channels: 2, batchSize: 8 } });
    await expect(clf.fit(x, y, { sampleShape: shape, epochs: 1, baseline: false })).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(/variant must be one of darts, pc-darts, darts-, got "fancy"/) });
    clf.dispose();
  });
});
