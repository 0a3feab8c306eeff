import { describe, expect, it } from 'vitest';
import { ConfigurationError, InMemoryTrialStore, Random, StateError, architectureHash, type DecisionValue, type TrialRecord } from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { conformanceToy, runStrategy } from '@autonas/testing/conformance';
import { trainEnsemble } from './mlp-ensemble.js';
import { PredictorStrategy, type PredictorStrategyOptions } from './predictor-strategy.js';

const hashes = (trials: readonly { hash: string }[]) => trials.map((t) => t.hash);

/** Queries until the toy optimum (score 1) is found, one search per seed. */
async function queriesToOptimum(options: PredictorStrategyOptions, seeds: readonly number[]): Promise<number[]> {
  const { space, objective } = conformanceToy();
  const out: number[] = [];
  for (const seed of seeds) {
    const run = await runStrategy(new PredictorStrategy({ ...options, seed }), space, objective, { maxTrials: 1024, stopAt: 1 });
    out.push(run.trials.findIndex((t) => t.score === 1) + 1);
  }
  return out;
}

describe('trainEnsemble', () => {
  it('fits a function of one-hot inputs, and its members disagree more away from the data', () => {
    // Three decisions of four choices (inputs 0-3, 4-7, 8-11); the target is the sum of the choice indices.
    const rng = new Random(3);
    const all: number[][] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) for (let c = 0; c < 4; c++) all.push([a, b, c]);
    const target = (x: number[]) => (x[0]! + x[1]! + x[2]! - 4.5) / 2;
    const train = rng.shuffle(all).slice(0, 40);
    const ensemble = trainEnsemble(train.map((x) => ({ active: [x[0]!, 4 + x[1]!, 8 + x[2]!], target: target(x) })), { inputs: 12, members: 5, epochs: 300 }, new Random(1));
    const err = all.map((x) => Math.abs(ensemble.predict([x[0]!, 4 + x[1]!, 8 + x[2]!]).mean - target(x)));
    expect(err.reduce((a, b) => a + b) / err.length).toBeLessThan(0.15);
    // An input no example had (no choice active at all) is far from the data: the members spread.
    const seenSpread = ensemble.predict([0, 4, 8]).std;
    expect(ensemble.predict([]).std).toBeGreaterThan(seenSpread);
  });

  it('is a pure function of the data, the options and the generator state', () => {
    const ex = [{ active: [0], target: 1 }, { active: [1], target: -1 }];
    const a = trainEnsemble(ex, { inputs: 2, members: 2, epochs: 20 }, new Random(9));
    const b = trainEnsemble(ex, { inputs: 2, members: 2, epochs: 20 }, new Random(9));
    expect([...a.predictAll([0])]).toEqual([...b.predictAll([0])]);
  });
});

describe('PredictorStrategy', () => {
  it('finds the toy optimum in far fewer queries than random search, on average over 10 seeds', async () => {
    const seeds = Array.from({ length: 10 }, (_, i) => 100 + i);
    const q = await queriesToOptimum({}, seeds);
    const mean = q.reduce((a, b) => a + b) / q.length;
    // Random search without repeats needs (1024 + 1) / 2 = 512.5 queries on average to find the one optimum.
    expect(q.every((n) => n > 0)).toBe(true);
    expect(mean).toBeLessThan(512.5 / 4);
  }, 120_000);

  it('never proposes an architecture twice while unseen ones remain, and ends when the space is exhausted', async () => {
    const space = new GridSpace({ a: [1, 2, 3], b: [1, 2, 3, 4], c: [1, 2] }, 'g24');
    for (const concurrency of [1, 3]) {
      const run = await runStrategy(new PredictorStrategy({ seed: 4, initialSamples: 3 }), space, (d) => Number(d['g24/a']) * Number(d['g24/b']) - Number(d['g24/c']), { maxTrials: 100, concurrency, delayMs: 1 });
      expect(run.estimated).toHaveLength(24);
      expect(new Set(run.estimated.map(architectureHash)).size).toBe(24);
      expect(run.stoppedBy).toBeUndefined();
    }
  }, 60_000);

  it('keeps distinct candidates in flight when several trials run at once', async () => {
    const { space, objective } = conformanceToy();
    const run = await runStrategy(new PredictorStrategy({ seed: 2 }), space, objective, { maxTrials: 40, concurrency: 4, delayMs: 3 });
    expect(run.maxInFlight).toBe(4);
    expect(new Set(hashes(run.trials)).size).toBe(40);
  }, 60_000);

  it('resumes from a checkpoint taken with trials in flight exactly as the uninterrupted search', async () => {
    const { space, objective } = conformanceToy();
    for (const options of [{ seed: 5 }, { seed: 5, acquisition: 'ucb', targets: 'rank', retrainGrowth: 0.1 }] as PredictorStrategyOptions[]) {
      const whole = await runStrategy(new PredictorStrategy(options), space, objective, { maxTrials: 35 });
      // Stop after 18 trials; restore a fresh instance (another seed) from the saved JSON and go on in the same store.
      const store = new InMemoryTrialStore();
      const first = new PredictorStrategy(options);
      await runStrategy(first, space, objective, { maxTrials: 18, store });
      const resumed = new PredictorStrategy({ ...options, seed: 77 });
      resumed.restore(JSON.parse(JSON.stringify(first.state())));
      await runStrategy(resumed, space, objective, { maxTrials: 35, store });
      expect(hashes(store.trials())).toEqual(hashes(whole.trials));
    }
    // A checkpoint taken while 3 trials were in flight: a fresh instance restored from it, given
    // the history the uninterrupted strategy saw at its next ask, proposes what that one proposed.
    const store = new InMemoryTrialStore();
    const s = new PredictorStrategy({ seed: 6 });
    const tell = s.tell.bind(s);
    const ask = s.ask.bind(s);
    let told = 0;
    let mid: { pending: string[] } | undefined;
    let next: { history: TrialRecord[]; hash: string } | undefined;
    s.tell = (t) => {
      tell(t);
      if (++told === 15) mid = JSON.parse(JSON.stringify(s.state()));
    };
    s.ask = (sp, history) => {
      const snapshot = mid && !next ? (JSON.parse(JSON.stringify(history)) as TrialRecord[]) : undefined;
      const arch = ask(sp, history);
      if (snapshot && arch) next = { history: snapshot, hash: architectureHash(arch) };
      return arch;
    };
    await runStrategy(s, space, objective, { maxTrials: 30, store, concurrency: 3, delayMs: 2 });
    expect(mid!.pending.length).toBeGreaterThan(0);
    const restored = new PredictorStrategy({ seed: 1 });
    restored.restore(mid);
    expect(architectureHash(restored.ask(space, next!.history)!)).toBe(next!.hash);
  }, 120_000);

  it('enters failed trials with the worst score (or skips them), and never retries them', async () => {
    const { space, objective } = conformanceToy();
    const failing = (d: Readonly<Record<string, DecisionValue>>) => d['toy/a'] === 0;
    for (const failures of ['worst', 'skip'] as const) {
      const s = new PredictorStrategy({ seed: 8, failures });
      const run = await runStrategy(s, space, objective, { maxTrials: 60, fail: (d) => failing(d) });
      expect(new Set(hashes(run.trials)).size).toBe(60);
      const failed = s.learnt().filter((t) => t.score === null);
      expect(failed.length).toBe(run.trials.filter((t) => t.status === 'failed').length);
      expect(failed.length).toBeGreaterThan(0);
    }
    // With 'worst', the predictor learns that a = 0 scores worst and proposes it less after the initial samples.
    const share = async (failures: 'worst' | 'skip') => {
      let n = 0;
      for (const seed of [1, 2, 3]) {
        const run = await runStrategy(new PredictorStrategy({ seed, failures, initialSamples: 10 }), space, (d) => (failing(d) ? 1 : objective(d)), { maxTrials: 50, fail: (d) => failing(d) });
        n += run.trials.slice(10).filter((t) => t.status === 'failed').length;
      }
      return n;
    };
    expect(await share('worst')).toBeLessThanOrEqual(await share('skip'));
  }, 120_000);

  it('learns from trials it did not propose (an earlier search in the same store)', async () => {
    const { space, objective } = conformanceToy();
    const store = new InMemoryTrialStore();
    await runStrategy(new PredictorStrategy({ seed: 1 }), space, objective, { maxTrials: 12, store });
    const s = new PredictorStrategy({ seed: 2 });
    await runStrategy(s, space, objective, { maxTrials: 20, store });
    expect(s.learnt()).toHaveLength(20);
    expect(new Set(hashes(store.trials())).size).toBe(20);
    expect(s.predict(space, space.defaultArchitecture())).toEqual({ mean: expect.any(Number), std: expect.any(Number) });
  }, 60_000);

  it('proposes the default and the given architectures first', async () => {
    const { space, objective } = conformanceToy();
    const given = space.build({ 'toy/a': 3, 'toy/b': 3, 'toy/c': 3, 'toy/d': 3, 'toy/e': 3 });
    const run = await runStrategy(new PredictorStrategy({ seed: 1, startWithDefault: true, initial: [given] }), space, objective, { maxTrials: 3 });
    expect(run.trials.map((t) => t.hash).slice(0, 2)).toEqual([architectureHash(space.defaultArchitecture()), architectureHash(given)]);
  });

  it('refuses bad options and foreign states with typed errors', () => {
    for (const bad of [{ ensembleSize: 0 }, { candidates: 1.5 }, { acquisition: 'ei' }, { failures: 'retry' }, { learningRate: 0 }, { targets: 'log' }, { retrainGrowth: -1 }] as unknown as PredictorStrategyOptions[]) {
      expect(() => new PredictorStrategy(bad)).toThrow(ConfigurationError);
    }
    const s = new PredictorStrategy();
    const good = s.state();
    for (const bad of [null, { ...good, version: 2 }, { ...good, rng: [1, 2] }, { ...good, trials: [{ hash: 'x', decisions: null, score: 1 }] }, { ...good, seen: ['a'], trials: [{ hash: 'a', decisions: null, score: NaN }] }]) {
      expect(() => s.restore(bad)).toThrow(StateError);
    }
  });
});
