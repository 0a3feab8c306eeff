import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier } from './image-classifier.js';

let train: Dataset;
let test: Dataset;
const shape = [28, 28, 1];
const small = { blocks: [1, 2], filters: [8, 16], kernelSizes: [3], convsPerBlock: [1], headUnits: [0, 32] };
const estimator = { maxSamples: 600, batchSize: 32 };

describe('ImageClassifier with workers', () => {
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train, test } = await loadMnist({ trainSize: 1500, testSize: 300 }));
  });

  it('trains trials at once in 2 worker processes, scoring each exactly as in this process', async () => {
    const fit = { sampleShape: shape, epochs: 1, batchSize: 32, baseline: false } as const;
    const alone = new ImageClassifier({ maxTrials: 4, seed: 3, space: small, estimator, hyperparameters: true });
    const inProcess = await alone.fit(train.x, train.y, { ...fit, retrain: false });
    alone.dispose();

    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 4, seed: 3, space: small, estimator, workers: 2, hyperparameters: true, log: (l) => lines.push(l) });
    expect(clf.workerCount).toBe(2);
    const result = await clf.fit(train.x, train.y, { ...fit, retrainEpochs: 2 });
    const trials = result.trials.filter((t) => !t.cached);
    expect(trials).toHaveLength(4);
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    expect(lines.some((l) => /^2 worker processes started in [\d.]+ s \(wasm backend each\)/.test(l))).toBe(true);
    // Trials ran in two other processes...
    const pids = new Set(trials.map((t) => t.metrics.workerPid));
    expect(pids.size).toBe(2);
    expect(pids.has(process.pid)).toBe(false);
    // ...at the same time...
    let overlapping = 0;
    for (const a of trials) for (const b of trials) if (a.id < b.id && a.startedAt < b.endedAt! && b.startedAt < a.endedAt!) overlapping++;
    expect(overlapping).toBeGreaterThanOrEqual(2);
    // ...and each scored what the same trial scored in this process: same architectures, seeds, subsets and backend,
    // and the same training hyperparameters (searched: the learning rate; the batch size is fixed here), which reach the workers with the architecture.
    expect(trials.every((t) => Object.keys(t.architecture.training ?? {}).join() === 'learningRate')).toBe(true);
    expect(new Set(trials.map((t) => t.architecture.training!.learningRate)).size).toBe(2);
    for (const t of trials) {
      const same = inProcess.trials.find((u) => u.id === t.id)!;
      expect(t.hash).toBe(same.hash);
      expect(t.score).toBe(same.score);
    }
    // The workers were stopped when the search ended (before the retraining): none outlives fit().
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && [...pids].some((p) => alive(p as number)); i++) await new Promise((r) => setTimeout(r, 50));
    expect([...pids].filter((p) => alive(p as number))).toEqual([]);
    // The best architecture was retrained here, from scratch, and classifies the held-out test set far above chance.
    expect(result.retrain!.epochs).toBe(2);
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    expect(accuracy).toBeGreaterThan(0.5);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('plans for the workers, and refuses what cannot run in them', async () => {
    const limit = { sampleShape: shape, epochs: 1, timeLimit: 60, baseline: false } as const;
    const one = await new ImageClassifier({ space: small, estimator, seed: 1 }).plan(train.x, train.y, limit);
    const two = await new ImageClassifier({ space: small, estimator, seed: 1, workers: 2 }).plan(train.x, train.y, limit);
    // Each plan times its own probe (a loaded machine can make them differ), so each is checked against its own seconds per trial: 2 workers, twice the trials in the time.
    expect(one.trials).toBe(Math.ceil(60 / one.secondsPerTrial));
    expect(two.trials).toBe(Math.ceil(60 / two.secondsPerTrial) * 2);
    expect(two.memoryBytes).toBeGreaterThan(one.memoryBytes);
    expect(two.lines.join('\n')).toMatch(/2 at once in worker processes/);
    expect(two.lines.join('\n')).toMatch(/for 2 workers/);

    expect(() => new ImageClassifier({ workers: 0 })).toThrow(/workers must be a positive integer or 'auto', got 0/);
    expect(new ImageClassifier({ workers: 'auto' }).workerCount).toBeGreaterThanOrEqual(1);
    const cases: [ConstructorParameters<typeof ImageClassifier>[0], object, RegExp][] = [
      [{ strategy: 'morphism-bo', workers: 2 }, {}, /workers: 2 does not apply here: the morphism-bo search/],
      [{ estimator: { oneShot: true }, workers: 2 }, {}, /one-shot scoring uses one supernet/],
      [{ workers: 2 }, { folds: 3 }, /k-fold scoring is not run in workers/],
      [{ workers: 2, estimator: () => ({ name: 'x', estimate: async () => ({ score: 0, metrics: {}, cost: { seconds: 0 } }) }) }, {}, /estimator factory cannot be sent/],
      [{ workers: 2 }, { retrain: false }, /retrain must stay on/],
    ];
    for (const [options, fitOptions, message] of cases) {
      const clf = new ImageClassifier({ maxTrials: 1, space: small, ...options });
      await expect(clf.fit(train.x, train.y, { sampleShape: shape, baseline: false, ...fitOptions })).rejects.toThrow(message);
    }
  });
});
