import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigurationError, ContainerModule, Experiment, PerformanceEstimator, SearchSpace, SearchStrategy, StateError,
  architectureHash, createContainer, type Architecture, type DecisionValue, type TrialRecord,
} from '@autonas/core';
import { initRuntime, tf } from '@autonas/tfjs';
import { FunctionEstimator, GridSpace } from '@autonas/testing';
import { RlStrategy, rlStrategyModule, type RlStrategyOptions } from './rl-strategy.js';

// The controller is tiny: the cpu backend is pure JavaScript, deterministic, and as fast as wasm for it.
beforeAll(async () => {
  await initRuntime({ backend: 'cpu', log: () => {} });
});

let nextId = 0;
/** A finished trial record for `arch`, as an engine would return it. */
function record(arch: Architecture, score: number | undefined, status: TrialRecord['status'] = 'completed'): TrialRecord {
  return { id: nextId++, architecture: arch, hash: architectureHash(arch), status, ...(score === undefined ? {} : { score }), metrics: {}, epochs: [], startedAt: 0 };
}

/** Runs `n` ask/tell cycles on `space`, scoring with `f`; returns the scores in order. */
async function cycles(s: RlStrategy, space: GridSpace, f: (d: Readonly<Record<string, DecisionValue>>) => number, n: number): Promise<number[]> {
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const arch = (await s.ask(space, []))!;
    scores.push(f(arch.decisions!));
    s.tell(record(arch, scores[i]!));
  }
  return scores;
}

/** A smooth toy: 8^4 = 4096 architectures, score −Σ((x − target)/7)², optimum 0. */
const vals = [0, 1, 2, 3, 4, 5, 6, 7];
const target = { 'grid/a': 5, 'grid/b': 2, 'grid/c': 6, 'grid/d': 1 };
const smooth = (d: Readonly<Record<string, DecisionValue>>) => -Object.entries(target).reduce((s, [k, t]) => s + ((Number(d[k]) - t) / 7) ** 2, 0);

describe('RlStrategy', () => {
  it('learns the rewarded choice of each decision (one choice per decision gives reward 1)', async () => {
    const space = new GridSpace({ a: [0, 1, 2, 3], b: [0, 1, 2, 3], c: [0, 1, 2, 3] });
    const good = { 'grid/a': 3, 'grid/b': 0, 'grid/c': 2 };
    const reward = (d: Readonly<Record<string, DecisionValue>>) => Object.entries(good).filter(([k, v]) => d[k] === v).length / 3;
    const s = new RlStrategy({ seed: 1, learningRate: 0.03 });
    await cycles(s, space, reward, 1);
    const before = s.policy(space.build(good))!;
    await cycles(s, space, reward, 30);
    const after = s.policy(space.build(good))!;
    for (const [k, v] of Object.entries(good)) {
      expect(before[k]![String(v)]!).toBeLessThan(0.3);
      expect(after[k]![String(v)]!, `${k}: ${JSON.stringify(after[k])}`).toBeGreaterThan(0.6);
    }
    expect(s.updates).toBe(31);
    s.dispose();
  });

  it('beats random search on a smooth toy over several seeds', async () => {
    // Random search's expected best of n distinct draws, computed exactly from all 4096 scores.
    const all = vals.flatMap((a) => vals.flatMap((b) => vals.flatMap((c) => vals.map((d) => smooth({ 'grid/a': a, 'grid/b': b, 'grid/c': c, 'grid/d': d })))));
    all.sort((x, y) => x - y);
    const n = 60;
    let randomBest = 0;
    let below = 0;
    for (let j = 0; j < all.length; j++) {
      let p = 1; // P(max ≤ all[j]) = C(j+1, n) / C(N, n)
      for (let k = 0; k < n; k++) p *= Math.max(0, j + 1 - k) / (all.length - k);
      randomBest += all[j]! * (p - below);
      below = p;
    }
    const spaceMean = all.reduce((a, b) => a + b, 0) / all.length;
    const seeds = [1, 2, 3];
    const bests: number[] = [];
    const lateMeans: number[] = [];
    for (const seed of seeds) {
      const strategy = new RlStrategy({ seed, learningRate: 0.01 });
      const estimator = new FunctionEstimator(smooth);
      const c = createContainer(
        { maxTrials: n, seed },
        new ContainerModule(({ bind }) => {
          bind(SearchSpace).toConstantValue(new GridSpace({ a: vals, b: vals, c: vals, d: vals }));
          bind(SearchStrategy).toConstantValue(strategy);
          bind(PerformanceEstimator).toConstantValue(estimator);
        }),
      );
      const result = await c.get(Experiment).run();
      const scores = result.trials.map((t) => t.score!);
      expect(scores).toHaveLength(n);
      bests.push(Math.max(...scores));
      lateMeans.push(scores.slice(-20).reduce((a, b) => a + b, 0) / 20);
      strategy.dispose();
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.info(`rl on 8^4 toy, ${n} trials, seeds ${seeds}: best ${bests.map((b) => b.toFixed(4))} (mean ${mean(bests).toFixed(4)}; random's expectation ${randomBest.toFixed(4)}); mean of the last 20 ${lateMeans.map((b) => b.toFixed(4))} (space mean ${spaceMean.toFixed(4)})`);
    // What it proposes late is far better than a uniform draw, on every seed…
    for (const m of lateMeans) expect(m).toBeGreaterThan(spaceMean / 2);
    // …and the best it finds beats random search's expected best by a margin (scores are ≤ 0).
    expect(mean(bests)).toBeGreaterThan(0.8 * randomBest);
  });

  it('continues identically after a restore mid-search, with results outstanding and a batch half full', async () => {
    const space = new GridSpace({ a: vals, b: vals, c: vals, d: vals });
    const opts: RlStrategyOptions = { seed: 4, batchSize: 3, learningRate: 0.02 };
    /** Asks two ahead, tells in order: always one result outstanding. */
    const drive = async (s: RlStrategy, queue: Architecture[], n: number, out: string[]) => {
      for (let i = 0; i < n; i++) {
        while (queue.length < 2) queue.push((await s.ask(space, []))!);
        const arch = queue.shift()!;
        out.push(architectureHash(arch));
        s.tell(record(arch, smooth(arch.decisions!)));
      }
    };
    const straight = new RlStrategy(opts);
    const all: string[] = [];
    await drive(straight, [], 25, all);

    const first = new RlStrategy(opts);
    const part: string[] = [];
    const queue: Architecture[] = [];
    await drive(first, queue, 11, part); // 11 told: 3 updates, 2 results in the batch, 1 asked and not told
    const state = JSON.parse(JSON.stringify(first.state()));
    expect(state.pending).toHaveLength(1);
    expect(state.buffer).toHaveLength(2);
    expect(state.controller.adam.step).toBe(3);
    first.dispose();
    const resumed = new RlStrategy({ ...opts, seed: 123 });
    resumed.restore(state);
    await drive(resumed, queue, 14, part);
    expect(part).toEqual(all);
    expect(resumed.state()).toEqual(straight.state());
    resumed.dispose();
    straight.dispose();
  });

  it('keeps the number of tensors flat over many ask/tell cycles, and dispose() releases the controller', async () => {
    const before = tf.memory().numTensors;
    const s = new RlStrategy({ seed: 5, batchSize: 2 });
    const space = new GridSpace({ a: vals, b: vals, c: vals });
    await cycles(s, space, smooth, 2);
    const held = tf.memory().numTensors;
    expect(held).toBeGreaterThan(before);
    await cycles(s, space, smooth, 60);
    s.state();
    s.policy();
    expect(tf.memory().numTensors).toBe(held);
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(s.ask(space, [])).rejects.toThrow(StateError);
  });

  it('learns from failed trials only with a failureReward', async () => {
    const space = new GridSpace({ a: [0, 1, 2], b: [0, 1, 2] });
    const run = async (opts: RlStrategyOptions) => {
      const s = new RlStrategy({ seed: 6, ...opts });
      for (let i = 0; i < 4; i++) {
        const arch = (await s.ask(space, []))!;
        s.tell(record(arch, undefined, 'failed'));
      }
      const out = { updates: s.updates, baseline: s.rewardBaseline };
      s.dispose();
      return out;
    };
    expect(await run({})).toEqual({ updates: 0, baseline: undefined });
    expect(await run({ failureReward: -1 })).toEqual({ updates: 4, baseline: -1 });
  });

  it('applies the reward transform, and ignores trials it did not propose', async () => {
    const space = new GridSpace({ a: [0, 1, 2], b: [0, 1, 2] });
    const s = new RlStrategy({ seed: 7, rewardTransform: (score) => score ** 3, baselineDecay: 0.5 });
    const arch = (await s.ask(space, []))!;
    s.tell(record(arch, 2));
    expect(s.rewardBaseline).toBe(8);
    s.tell(record(arch, 4)); // already told
    s.tell(record(space.build({ 'grid/a': 2, 'grid/b': 2 }), 100)); // nothing of it is pending
    expect(s.updates).toBe(1);
    expect(s.rewardBaseline).toBe(8);
    s.dispose();
  });

  it('passes single-choice decisions through, and stops once every architecture was proposed', async () => {
    const space = new GridSpace({ a: [1, 2, 3], fixed: [9], b: [4, 5] });
    const s = new RlStrategy({ seed: 8 });
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const arch = (await s.ask(space, []))!;
      expect(arch.decisions!['grid/fixed']).toBe(9);
      seen.add(architectureHash(arch));
      s.tell(record(arch, Number(arch.decisions!['grid/a'])));
    }
    expect(seen.size).toBe(6);
    expect(await s.ask(space, [])).toBeUndefined();
    expect(s.policy()!['grid/fixed']).toBeUndefined();
    s.dispose();

    const one = new RlStrategy({ seed: 8 });
    const single = new GridSpace({ a: [1], b: [2] });
    expect((await one.ask(single, []))!.decisions).toEqual({ 'grid/a': 1, 'grid/b': 2 });
    expect(await one.ask(single, [])).toBeUndefined();
    expect(one.restore(JSON.parse(JSON.stringify(one.state())))).toBeUndefined();
    one.dispose();
  });

  it('learns from a result told to a restored strategy before its next ask', async () => {
    const space = new GridSpace({ a: [0, 1, 2], b: [0, 1, 2] });
    const a = new RlStrategy({ seed: 11 });
    const arch = (await a.ask(space, []))!;
    const b = new RlStrategy();
    b.restore(JSON.parse(JSON.stringify(a.state())));
    b.tell(record(arch, 1)); // its controller is loaded on the next ask
    expect(b.updates).toBe(0);
    expect(b.rewardBaseline).toBeUndefined();
    a.tell(record(arch, 1));
    const [nextA, nextB] = [await a.ask(space, []), await b.ask(space, [])];
    expect(b.updates).toBe(1);
    expect(nextB!.decisions).toEqual(nextA!.decisions);
    expect(b.state()).toEqual(a.state());
    a.dispose();
    b.dispose();
  });

  it('never proposes an architecture the space rejects', async () => {
    class Constrained extends GridSpace {
      override validate(arch: Architecture) {
        return arch.decisions?.['grid/a'] === 2 ? { valid: false as const, reasons: ['a = 2 is too big'] } : super.validate(arch);
      }
    }
    const space = new Constrained({ a: [0, 1, 2], b: [0, 1, 2] });
    const s = new RlStrategy({ seed: 12 });
    const proposed: DecisionValue[] = [];
    for (let arch = await s.ask(space, []); arch; arch = await s.ask(space, [])) {
      proposed.push(arch.decisions!['grid/a']!);
      s.tell(record(arch, 0));
    }
    expect(proposed).toHaveLength(6);
    expect(proposed).not.toContain(2);
    s.dispose();
  });

  it('skips architectures already in the history', async () => {
    const space = new GridSpace({ a: [0, 1], b: [0, 1] });
    const history = [space.build({ 'grid/a': 0, 'grid/b': 0 }), space.build({ 'grid/a': 1, 'grid/b': 1 }), space.build({ 'grid/a': 0, 'grid/b': 1 })].map((a) => record(a, 0));
    const s = new RlStrategy({ seed: 9 });
    expect((await s.ask(space, history))!.decisions).toEqual({ 'grid/a': 1, 'grid/b': 0 });
    expect(await s.ask(space, history)).toBeUndefined();
    s.dispose();
  });

  it('rejects bad options, bad states and a different space with typed errors', async () => {
    for (const bad of [{ batchSize: 0 }, { baselineDecay: 1 }, { learningRate: -1 }, { hiddenSize: 2.5 }, { tanhConstant: 0 }, { failureReward: NaN }]) {
      expect(() => new RlStrategy(bad), JSON.stringify(bad)).toThrow(ConfigurationError);
    }
    const space = new GridSpace({ a: [0, 1, 2], b: [0, 1, 2] });
    const s = new RlStrategy({ seed: 10 });
    await cycles(s, space, (d) => Number(d['grid/a']), 3);
    const good = JSON.parse(JSON.stringify(s.state()));
    const variants: unknown[] = [
      null,
      { ...good, version: 2 },
      { ...good, kind: 'random' },
      { ...good, rng: [1, 2] },
      { ...good, pending: [['h', [-1]]] },
      { ...good, baseline: 'x' },
      { ...good, steps: null },
      { ...good, controller: { ...good.controller, params: good.controller.params.slice(1) } },
    ];
    for (const v of variants) expect(() => new RlStrategy().restore(v)).toThrow(StateError);
    const other = new RlStrategy();
    other.restore(good);
    await expect(other.ask(new GridSpace({ a: [0, 1, 2], b: [0, 1] }), [])).rejects.toThrow(/built for decisions grid\/a\(3\), grid\/b\(3\)/);
    other.dispose();
    s.dispose();
  });

  it('binds to the SearchStrategy extension point', () => {
    const c = createContainer({ maxTrials: 2 }, rlStrategyModule({ seed: 1 }));
    const s = c.get<RlStrategy>(SearchStrategy);
    expect(s).toBeInstanceOf(RlStrategy);
    expect(s.name).toBe('rl');
  });
});
