import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, type TrialRecord } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { ImageClassifier } from './image-classifier.js';
import { checkCallbacks, historyOf, kerasLogs, ready, type Callback } from './keras.js';
import type { Phase } from './phases.js';
import { tf } from './index.js';

const small = { blocks: [1], filters: [4, 8], kernelSizes: [3], convsPerBlock: [1], headUnits: [0] };

describe('Keras-shaped logs, History and callbacks', () => {
  it('renames metrics as Keras does and pads a metric missing from some epochs with NaN', () => {
    expect(kerasLogs({ epoch: 3, loss: 0.5, accuracy: 0.8, valLoss: 0.6, valAccuracy: 0.75, partial: 1 })).toEqual({ loss: 0.5, accuracy: 0.8, val_loss: 0.6, val_accuracy: 0.75 });
    const trial = { id: 0, epochs: [{ epoch: 0, loss: 1 }, { epoch: 1, loss: 0.5, valAccuracy: 0.7 }, { epoch: 2, loss: 0.25 }] } as unknown as TrialRecord;
    const h = historyOf(trial, 'retrain', 100);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history.loss).toEqual([1, 0.5, 0.25]);
    expect(h.history.val_accuracy).toEqual([Number.NaN, 0.7, Number.NaN]);
    expect(h.params).toEqual({ phase: 'retrain', epochs: 3, samples: 100 });
  });

  it('refuses a hook autonas never calls, instead of ignoring it', () => {
    class Printer {
      onEpochEnd(): void {}
    }
    expect(checkCallbacks([new Printer(), { onTrainBegin: () => {} }])).toHaveLength(2);
    expect(() => checkCallbacks([{ onBatchEnd: () => {} }])).toThrow(ConfigurationError);
    expect(() => checkCallbacks([{ onEpochEnd: () => {} }, { onEpochEnd: () => {}, onEpochEnds: () => {} }])).toThrow(/callbacks\[1\]\.onEpochEnds is not a hook/);
    expect(() => checkCallbacks([{ onEpochEnd: 3 }])).toThrow(/must be a function/);
    expect(() => checkCallbacks({ onEpochEnd: () => {} })).toThrow(/array of callback objects/);
  });

  describe('in a search', () => {
    let train: Dataset;
    beforeAll(async () => {
      // Tensors can be made before fit once the runtime is ready.
      await ready();
      const t = tf.zeros([2, 2]);
      expect(t.shape).toEqual([2, 2]);
      t.dispose();
      ({ train } = await loadMnist({ trainSize: 600, testSize: 10 }));
    });

    it('calls every hook for each phase and returns the retraining as a Keras History', async () => {
      const calls: string[] = [];
      const epochs: Array<[Phase, number, Record<string, number>]> = [];
      const callback: Callback = {
        onTrainBegin: () => calls.push('train:begin'),
        onTrialBegin: (t, phase) => calls.push(`${phase}:${t.id}:begin`),
        onEpochEnd: (epoch, logs, { phase }) => epochs.push([phase, epoch, logs]),
        onTrialEnd: (t, phase, logs) => calls.push(`${phase}:${t.id}:end:${logs.val_accuracy === undefined ? '-' : 'val'}`),
        onTrainEnd: ({ history }) => calls.push(`train:end:${history.epoch.length}`),
      };
      const before = tf.memory().numTensors;
      const clf = new ImageClassifier({ maxTrials: 1, seed: 3, space: small, estimator: { maxSamples: 200, batchSize: 32 } });
      const result = await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 2, baseline: false, callbacks: [callback] });
      clf.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(calls).toEqual(['train:begin', 'search:0:begin', 'search:0:end:val', 'retrain:0:begin', 'retrain:0:end:-', 'train:end:2']);
      // The search trial validates (val_accuracy); the retraining on all the data does not.
      expect(epochs.filter(([p]) => p === 'search').map(([, e, logs]) => [e, typeof logs.val_accuracy])).toEqual([[0, 'number']]);
      expect(epochs.filter(([p]) => p === 'retrain').map(([, e]) => e)).toEqual([0, 1]);
      expect(result.history.params.phase).toBe('retrain');
      expect(result.history.epoch).toEqual([0, 1]);
      expect(result.history.history.loss).toHaveLength(2);
      expect(result.history.history.accuracy!.every((a) => a >= 0 && a <= 1)).toBe(true);
      expect(result.history.history.accuracy!.at(-1)!).toBeGreaterThan(0.1);
      expect(result.history.history.loss).toEqual(result.retrain!.history.map((m) => m.loss));
    }, 180_000);

    it('refuses unsupported callbacks before training anything', async () => {
      const clf = new ImageClassifier({ maxTrials: 1, seed: 3, space: small });
      let trials = 0;
      await expect(clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], baseline: false, onTrialStart: () => trials++, callbacks: [{ onBatchEnd: () => {} } as Callback] })).rejects.toThrow(/UNSUPPORTED_CALLBACK|onBatchEnd is not a hook/);
      expect(trials).toBe(0);
      clf.dispose();
    });
  });
});
