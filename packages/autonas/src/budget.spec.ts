import { beforeAll, describe, expect, it } from 'vitest';
import type { PerformanceEstimator } from '@autonas/core';
import { loadMnist, type Dataset } from '@autonas/data';
import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
import { initRuntime, tf } from '@autonas/tfjs';
import { ImageClassifier } from './index.js';

describe('a budget that always returns the best it has', () => {
  let train: Dataset;
  let test: Dataset;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    ({ train, test } = await loadMnist({ trainSize: 3000, testSize: 300 }));
  });
  const shape = [28, 28, 1];

  it('a time limit falling mid-trial scores the trial from its partial epoch, and the model is built from it', async () => {
    const before = tf.memory().numTensors;
    // Each trial's one epoch over 2,400 images (150 steps of 16) takes longer than the 2 s limit,
    // which still leaves the partial epoch enough steps to learn (1 s left too few on an idle machine).
    const clf = new ImageClassifier({ maxTrials: 3, timeLimit: 2, seed: 1, space: { fixed: { 'chain/blocks': 2, 'chain/block_1/filters': 64, 'chain/block_2/filters': 64, 'chain/block_1/convs': 2 } } });
    const r = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, baseline: false, retrainEpochs: 1, batchSize: 16 });
    expect(r.stoppedBy).toBe('timeLimit');
    expect(r.winner).toBe('search');
    expect(r.best.status).toBe('stopped');
    expect(r.best.metrics.partialEpoch).toBe(1);
    expect(r.best.score).toBeGreaterThan(0.1); // chance is 0.1
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    expect(accuracy).toBeGreaterThan(0.3);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the baseline is a candidate: when no search trial scores, the baseline is the network retrained', async () => {
    const before = tf.memory().numTensors;
    // An estimator that fails every candidate of the chain space but scores the baseline as usual.
    const estimator = (d: { train: Dataset; validation: Dataset }): PerformanceEstimator => {
      const lowfi = new LowFidelityEstimator(d, { maxSamples: 600, batchSize: 32 });
      return {
        name: 'chain-fails',
        estimate: async (arch, ctx) => {
          if (arch.space === 'chain') throw new Error('this candidate cannot be trained');
          return lowfi.estimate(arch, ctx);
        },
      };
    };
    const lines: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 2, seed: 2, estimator, log: (l) => lines.push(l) });
    const r = await clf.fit(train.x.subarray(0, 1000 * 784), train.y.subarray(0, 1000), { sampleShape: shape, epochs: 1, retrainEpochs: 3, retrainLearningRate: 0.005, batchSize: 32 });
    expect(r.trials.every((t) => t.status === 'failed')).toBe(true);
    expect(r.winner).toBe('baseline');
    expect(r.best.architecture.space).toBe('baseline');
    expect(r.retrain!.trial.hash).toBe(r.baseline!.trial.hash);
    expect(lines.some((l) => l.startsWith('no search trial produced a score'))).toBe(true);
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    expect(accuracy).toBeGreaterThan(0.3);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("a retraining with too little time to catch up keeps the trial's own model, and says so", async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 1, seed: 3, space: { fixed: { 'chain/blocks': 1 } }, estimator: { maxSamples: 1200, batchSize: 32 }, log: (l) => lines.push(l) });
    const r = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, baseline: false, retrainTimeLimit: 0.2 });
    expect(r.keptTrialModel).toBe(true);
    expect(r.retrain).toBeUndefined();
    expect(lines.some((l) => l.includes("keeping the trial's own model"))).toBe(true);
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    expect(accuracy).toBeGreaterThan(0.6);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('one total budget: the search gets a share from the measured speed, the retraining fills the rest and ends with it', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const clf = new ImageClassifier({ maxTrials: 20, seed: 4, space: { blocks: [1], filters: [8, 16] }, estimator: { maxSamples: 400, batchSize: 32 }, log: (l) => lines.push(l) });
    const plan = await clf.plan(train.x, train.y, { sampleShape: shape, epochs: 1, budget: 40, batchSize: 32 });
    expect(plan.totalSeconds).toBeCloseTo(40, 6);
    expect(plan.lines.some((l) => l.startsWith('retraining: the rest of the budget'))).toBe(true);
    const r = await clf.fit(train.x, train.y, { sampleShape: shape, epochs: 1, budget: 40, batchSize: 32 });
    const share = lines.find((l) => l.startsWith('budget: '))!;
    const [, searchS, retrainS] = share.match(/^budget: up to (\d+) s for the search, the rest \(at least ~(\d+) s\) for the retraining \(\d+ epoch\(s\) take ~\d+ s at the baseline's \d+ samples\/s\)$/)!.map(Number);
    expect(retrainS).toBeGreaterThanOrEqual(searchS! - 1); // the retraining keeps at least half of what is left
    expect(r.stoppedBy === 'timeLimit' || r.stoppedBy === 'maxTrials').toBe(true);
    // The retraining runs until its share of the budget is spent (not a fixed number of epochs).
    expect(r.retrain!.stoppedAtTimeLimit).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^retraining the best architecture from scratch on \d+ samples for as many epochs as fit within \d+ s/));
    // Every whole retraining epoch says its speed and where it stands on the clock.
    const epochLines = lines.filter((l) => l.startsWith('  retrain epoch ') && !l.endsWith('(cut at the time limit)'));
    expect(epochLines.length).toBeGreaterThan(0);
    for (const l of epochLines) expect(l).toMatch(/^ {2}retrain epoch \d+: loss [\d.]+, accuracy [\d.]+%, \d+ samples\/s, \d+ of \d+ s$/);
    const { accuracy } = await clf.evaluate(test.x, test.y, { sampleShape: shape });
    // How far a 40 s job gets depends on the machine's load (0.67 to 0.8 measured); chance is 0.1.
    expect(accuracy).toBeGreaterThan(0.5);
    await expect(clf.fit(train.x, train.y, { sampleShape: shape, budget: -1 })).rejects.toThrow(/budget must be positive/);
    clf.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
