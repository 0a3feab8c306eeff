import { describe, expect, it } from 'vitest';
import {
  ConfigurationError, EventBus, asProposal, InMemoryTrialStore, LocalExecutionEngine, StateError, architectureHash, inferShapes,
  type Architecture, type Estimate, type PerformanceEstimator, type SearchSpace,
} from '@autonas/core';
import { weightedDepth } from './graph.js';
import { lineageOf } from './lineage.js';
import { MorphismBoStrategy } from './morphism-bo-strategy.js';
import { MorphismSpace } from './morphism-space.js';
import { applyMorphisms } from './morphisms.js';
import { optimizeAcquisition, randomMorphisms } from './tree-search.js';
import { OneNetworkSpace, completedTrial, convNet } from './nets.test-util.js';
import { Random } from '@autonas/core';

/** An instant objective: rewards capacity (parameters, with diminishing returns) and skip connections. */
const objective = (arch: Architecture) =>
  1 - Math.exp(-inferShapes(arch).totalParams / 20_000) + 0.05 * arch.nodes.filter((n) => n.op === 'add' || n.op === 'concat').length;
const instant: PerformanceEstimator = {
  name: 'instant',
  async estimate(arch): Promise<Estimate> {
    return { score: objective(arch), metrics: {}, cost: { seconds: 0 } };
  },
};

async function search(strategy: MorphismBoStrategy, space: SearchSpace, maxTrials: number) {
  const store = new InMemoryTrialStore();
  const engine = new LocalExecutionEngine({ space, estimator: instant, store, events: new EventBus(), maxTrials, seed: 0 });
  await strategy.run(engine, space);
  engine.close();
  return store.trials();
}

const start = convNet({ batchNorm: true, inputShape: [8, 8, 1] });
const limits = { maxParams: 60_000, maxDepth: 8 };
/** A shorter tree search than the default (44 annealing steps of 4 neighbours instead of 88 of 8), to keep the tests quick. */
const quick = { ...limits, neighbours: 4, minTemperature: 1e-2 };

describe('MorphismBoStrategy', () => {
  it('grows trained networks by morphisms whose recorded lineage replays to the proposed network', async () => {
    const space = new MorphismSpace(new OneNetworkSpace(start), limits);
    const strategy = new MorphismBoStrategy({ seed: 1, ...quick });
    const trials = await search(strategy, space, 10);
    expect(trials).toHaveLength(10);
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    expect(lineageOf(trials[0]!.architecture, undefined)).toBeUndefined();
    expect(trials[0]!.parent).toBeUndefined();
    expect(new Set(trials.map((t) => t.hash)).size).toBe(10);
    for (const t of trials.slice(1)) {
      // The parent comes from the engine's record of the trial, not from the architecture.
      const parent = trials[t.parent!]!;
      const lineage = lineageOf(t.architecture, parent)!;
      expect(Object.keys(t.architecture.decisions!)).toEqual(['morphism/steps']);
      expect(parent.id).toBeLessThan(t.id);
      expect(lineage.parentHash).toBe(parent.hash);
      expect(architectureHash(applyMorphisms(parent.architecture, lineage.steps).arch)).toBe(t.hash);
      expect(inferShapes(t.architecture).totalParams).toBeLessThanOrEqual(limits.maxParams);
      expect(weightedDepth(t.architecture)).toBeLessThanOrEqual(limits.maxDepth);
    }
    expect(Math.max(...trials.map((t) => t.score!))).toBeGreaterThan(trials[0]!.score!);
    expect(strategy.model.size).toBe(10);
    expect(trials.slice(1).every((t) => lineageOf(t.architecture, trials[t.parent!])!.steps.length <= 3)).toBe(true);
    expect(strategy.lastSearch!.evaluated).toBeGreaterThan(0);
  });

  it('is reproducible with a seed and differs across seeds', async () => {
    const hashes = async (seed: number) => (await search(new MorphismBoStrategy({ seed, ...quick }), new MorphismSpace(new OneNetworkSpace(start), limits), 5)).map((t) => t.hash);
    const a = await hashes(3);
    expect(await hashes(3)).toEqual(a);
    expect(await hashes(4)).not.toEqual(a);
  });

  it('continues identically after saving and restoring its state', async () => {
    const space = new MorphismSpace(new OneNetworkSpace(start), limits);
    const drive = async (s: MorphismBoStrategy, from: number, to: number, out: string[]) => {
      for (let i = from; i < to; i++) {
        const { architecture: arch, parent } = asProposal((await s.ask(space, []))!);
        out.push(`${architectureHash(arch)}<-${parent}`);
        s.tell(completedTrial(i, arch, objective(arch)));
      }
    };
    const straight: string[] = [];
    await drive(new MorphismBoStrategy({ seed: 5, ...quick }), 0, 6, straight);
    const first = new MorphismBoStrategy({ seed: 5, ...quick });
    const resumed: string[] = [];
    await drive(first, 0, 3, resumed);
    const again = new MorphismBoStrategy({ seed: 99, ...quick });
    again.restore(JSON.parse(JSON.stringify(first.state())));
    expect(again.model.size).toBe(3);
    await drive(again, 3, 6, resumed);
    expect(resumed).toEqual(straight);
    expect(() => again.restore({ version: 2 })).toThrow(StateError);
    expect(() => again.restore({ ...first.state(), observations: [{ trialId: 0 }] })).toThrow(StateError);
  });

  it('keeps several trials in flight, waiting for a first result to grow from, and goes on through failures', async () => {
    const space = new MorphismSpace(new OneNetworkSpace(start), limits);
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const slow: PerformanceEstimator = {
      name: 'slow',
      async estimate(arch): Promise<Estimate> {
        const call = calls++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (call === 2) throw new Error('fails on purpose');
        return { score: objective(arch), metrics: {}, cost: { seconds: 0 } };
      },
    };
    const store = new InMemoryTrialStore();
    const engine = new LocalExecutionEngine({ space, estimator: slow, store, events: new EventBus(), maxTrials: 8, concurrency: 3, seed: 0 });
    await new MorphismBoStrategy({ seed: 1, ...quick }).run(engine, space);
    engine.close();
    const trials = store.trials();
    expect(trials).toHaveLength(8);
    expect(maxInFlight).toBe(3);
    expect(trials.filter((t) => t.status === 'failed')).toHaveLength(1);
    // Every grown network names a completed parent.
    for (const t of trials.slice(1)) expect(trials[t.parent!]!.status).toBe('completed');
  });

  it('refuses a start network over its limits with a typed error, instead of searching at random', async () => {
    const space = new MorphismSpace(new OneNetworkSpace(start), { maxParams: 1_000_000, maxDepth: 8 });
    const params = inferShapes(start).totalParams;
    const tight = new MorphismBoStrategy({ seed: 1, ...quick, maxParams: params - 1 });
    expect(() => tight.ask(space, [])).toThrow(ConfigurationError);
    expect(() => new MorphismBoStrategy({ seed: 1, ...quick, maxParams: params - 1 }).ask(space, [])).toThrow(new RegExp(`maxParams ${params - 1}.*default network has ${params} parameters`));
    // Within the limits it starts from that network.
    const ok = new MorphismBoStrategy({ seed: 1, ...quick, maxParams: params });
    expect(architectureHash(asProposal((await ok.ask(space, []))!).architecture)).toBe(architectureHash(space.defaultArchitecture()));
  });

  it('says to wrap a space that rejects grown networks', async () => {
    const strategy = new MorphismBoStrategy({ seed: 1, ...quick });
    await expect(search(strategy, new OneNetworkSpace(start), 3)).rejects.toThrow(ConfigurationError);
    await expect(search(new MorphismBoStrategy({ seed: 2, ...quick }), new OneNetworkSpace(start), 3)).rejects.toThrow(/wrap it in a MorphismSpace/);
  });

  it('rejects bad options', () => {
    expect(() => new MorphismBoStrategy({ decay: 1 })).toThrow(ConfigurationError);
    expect(() => new MorphismBoStrategy({ beta: -1 })).toThrow(ConfigurationError);
    expect(() => new MorphismBoStrategy({ initialTrials: 0 })).toThrow(ConfigurationError);
  });
});

describe('optimizeAcquisition (tree search with simulated annealing)', () => {
  it('stops when the temperature falls below 1e-4 and returns the best acceptable network', () => {
    const rng = new Random(2);
    let expansions = 0;
    const best = optimizeAcquisition({
      roots: [{ id: 0, arch: start, score: 0.5 }],
      acquisition: (a) => inferShapes(a).totalParams,
      expand: (a) => {
        expansions++;
        return randomMorphisms(a, rng, { count: 4, maxParams: 1e7, maxDepth: 100 });
      },
      rng,
    })!;
    // T = 0.9^k > 1e-4 for k < 88: at most 88 pops.
    expect(expansions).toBeGreaterThan(1);
    expect(expansions).toBeLessThanOrEqual(88);
    expect(best.morphisms.length).toBeGreaterThan(1);
    expect(best.value).toBe(inferShapes(best.arch).totalParams);
    expect(architectureHash(applyMorphisms(start, best.morphisms).arch)).toBe(architectureHash(best.arch));
    const none = optimizeAcquisition({ roots: [{ id: 0, arch: start, score: 0.5 }], acquisition: () => 1, expand: (a) => randomMorphisms(a, rng), accept: () => false, rng });
    expect(none).toBeUndefined();
  });
});
