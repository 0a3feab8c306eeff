import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type Dataset } from '@autonas/data';
import { SqliteTrialStore, STORE_FILE } from '@autonas/store-sqlite';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const register = path.resolve(here, '../../../tools/run-ts/register.mjs');
const phase = (dir: string, name: string) => {
  const s = new SqliteTrialStore({ path: path.join(dir, STORE_FILE), experiment: name, readonly: true });
  try {
    return s.trials();
  } finally {
    s.close();
  }
};

describe('every network trained is a trial of the engine, in its phase', () => {
  let train: Dataset;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train } = await loadMnist({ trainSize: 1500 }));
  });

  it('records the baseline and the retraining as trials of their own phases, with events', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-phases-'));
    const events: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 2, seed: 4, directory: dir, space: { blocks: [1], filters: [8, 16] }, estimator: { maxSamples: 300 } });
    const r = await clf.fit(train.x, train.y, {
      sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 1, batchSize: 32,
      onTrialEnd: (t, p) => events.push(`${p}:${t.id}:${t.status}`),
    });
    expect(events[0]).toBe('baseline:0:completed');
    expect(events.filter((e) => e.startsWith('search:'))).toHaveLength(2);
    expect(events.at(-1)).toBe('retrain:0:completed');
    const [baseline] = phase(dir, 'baseline');
    expect(baseline!.architecture.space).toBe('baseline');
    expect(baseline!.score).toBe(r.baseline!.score);
    const [retrain] = phase(dir, 'retrain');
    expect(retrain!.hash).toBe(r.best.hash);
    expect(retrain!.epochs).toHaveLength(1);
    expect(retrain!.metrics.samples).toBe(1500);
    expect(r.retrain!.trial.id).toBe(retrain!.id);
    clf.dispose();
  });

  it('resumes a job killed during its retraining: the retraining continues (rerun once), nothing before it is trained again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-kill-retrain-'));
    const child = spawn(process.execPath, ['--import', register, path.resolve(here, '../test-fixtures/fit-in-directory.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        // Kill it once the retraining has finished an epoch: mid-way through the last phase.
        if (/retrain epoch 1\//.test(out)) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(out).not.toContain('done');
    expect(phase(dir, 'retrain')[0]!.status).toBe('running');
    const searched = phase(dir, 'default');
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const started: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 2, seed: 4, directory: dir, space: { blocks: [1], filters: [8, 16] }, estimator: { maxSamples: 300 }, log: (l) => lines.push(l) });
    const r = await clf.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 2, batchSize: 32, onTrialStart: (t, p) => started.push(`${p}:${t.id}`) });
    expect(started).toEqual(['retrain:0']);
    const [retrain] = phase(dir, 'retrain');
    expect(retrain).toMatchObject({ id: 0, status: 'completed', attempt: 2 });
    expect(phase(dir, 'default')).toEqual(searched);
    expect(phase(dir, 'baseline')).toHaveLength(1);
    expect(r.retrain!.trial.attempt).toBe(2);
    expect(fs.existsSync(path.join(dir, 'model', 'model.json'))).toBe(true);
    // Done: a third fit loads the saved model instead of training.
    const third = new ImageClassifier({ maxTrials: 2, seed: 4, directory: dir, space: { blocks: [1], filters: [8, 16] }, estimator: { maxSamples: 300 }, log: (l) => lines.push(l) });
    const again = await third.fit(train.x, train.y, { sampleShape: [28, 28, 1], epochs: 1, retrainEpochs: 2, batchSize: 32 });
    expect(lines.some((l) => l.startsWith('retraining: done in an earlier run'))).toBe(true);
    expect(again.retrain!.trial).toEqual(phase(dir, 'retrain')[0]);
    clf.dispose();
    third.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
