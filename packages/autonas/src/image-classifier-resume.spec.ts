import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type Dataset } from '@autonas/data';
import { SqliteTrialStore, STORE_FILE } from '@autonas/store-sqlite';
import { initRuntime, loadModel, tf } from '@autonas/tfjs';
import { ImageClassifier } from './image-classifier.js';

let train: Dataset;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-clf-dir-'));
const small = { blocks: [1], filters: [4, 8], kernelSizes: [3], convsPerBlock: [1], headUnits: [0, 16] };

describe('ImageClassifier with a directory', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train } = await loadMnist({ trainSize: 400, testSize: 10 }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const fit = async (options: { maxTrials: number; overwrite?: boolean }) => {
    const lines: string[] = [];
    const started: number[] = [];
    const clf = new ImageClassifier({ ...options, seed: 3, space: small, estimator: { maxSamples: 160, batchSize: 32 }, directory: dir, log: (l) => lines.push(l) });
    const result = await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 1, batchSize: 32, onTrialStart: (t, phase) => phase === 'search' && started.push(t.id) });
    clf.dispose();
    return { result, lines, started };
  };

  it('resumes the experiment kept there, and starts afresh with overwrite', async () => {
    const before = tf.memory().numTensors;
    const first = await fit({ maxTrials: 1 });
    expect(first.started).toEqual([0]);
    expect(first.lines.some((l) => l.startsWith('resuming'))).toBe(false);

    const second = await fit({ maxTrials: 3 });
    expect(second.lines.some((l) => l.startsWith('resuming the experiment') && l.includes('1 trial(s)'))).toBe(true);
    expect(second.started).toEqual([1, 2]);
    expect(second.result.trials.filter((t) => !t.cached).map((t) => t.id)).toEqual([0, 1, 2]);
    expect(second.result.trials[0]).toEqual(first.result.trials[0]);

    const store = new SqliteTrialStore({ path: path.join(dir, STORE_FILE), readonly: true });
    const best = store.loadBestModel()!;
    store.close();
    expect(best.trialId).toBe(second.result.best.id);
    const model = await loadModel(best.location);
    expect(model.outputs[0]!.shape).toEqual([null, 10]);
    model.dispose();

    const fresh = await fit({ maxTrials: 1, overwrite: true });
    expect(fresh.started).toEqual([0]);
    expect(fresh.result.trials).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
