import { describe, expect, it } from 'vitest';
import {
  ContainerModule, Experiment, InMemoryTrialStore, PerformanceEstimator, Random, TrialStore, SearchSpace, SearchStrategy, architectureHash, createContainer, paretoFront,
  type TrialRecord,
} from '@autonas/core';
import { zdt1Problem } from '@autonas/testing';
import { EvolutionStrategy } from './evolution-strategy.js';

/** ZDT1 on 8 decisions of 10 choices (10^8 architectures); its front is x1..x7 = 0. */
const zdt = zdt1Problem(8);
const space = () => zdt.space();
const zdt1 = zdt.objective;
const zdtEstimator = zdt.estimator;
const objectives = zdt.objectives;

async function search(strategy: EvolutionStrategy, maxTrials: number, constraints?: { metric: string; max: number }[], store?: InMemoryTrialStore) {
  const module = new ContainerModule(({ bind, rebind }) => {
    bind(SearchSpace).toConstantValue(space());
    bind(PerformanceEstimator).toConstantValue(zdtEstimator);
    bind(SearchStrategy).toConstantValue(strategy);
    if (store) rebind<TrialStore>(TrialStore).toConstantValue(store);
  });
  return createContainer({ maxTrials, seed: 1, objectives, ...(constraints ? { constraints } : {}) }, module).get(Experiment).run();
}
const hv = zdt.hypervolume;

describe('EvolutionStrategy with two objectives (NSGA-II style)', () => {
  it('finds a front with a larger hypervolume than random search on ZDT1, over several seeds', async () => {
    const trials = 240;
    const wins: boolean[] = [];
    const gains: number[] = [];
    for (const seed of [1, 2, 3, 4, 5]) {
      const nsga = await search(new EvolutionStrategy({ seed, populationSize: 24, sampleSize: 4 }), trials);
      // A population as large as the budget never breeds: pure random sampling.
      const random = await search(new EvolutionStrategy({ seed, populationSize: trials, sampleSize: 1 }), trials);
      const a = hv(nsga.paretoFront!);
      const b = hv(random.paretoFront!);
      wins.push(a > b);
      gains.push(a - b);
    }
    console.log(`hypervolume gain of NSGA-II evolution over random (5 seeds, ${trials} trials): ${gains.map((g) => g.toFixed(3)).join(', ')}`);
    expect(wins.every(Boolean), `hypervolume gains ${gains.map((g) => g.toFixed(3)).join(', ')}`).toBe(true);
  });

  it('selects by rank and crowding from the engine objectives, keeping the front in a full population', async () => {
    const strategy = new EvolutionStrategy({ seed: 3, populationSize: 12, sampleSize: 3 });
    const result = await search(strategy, 80);
    expect(strategy.multiObjective).toBe(true);
    const members = strategy.members();
    expect(members.length).toBe(12);
    // Survival by rank: every member of the population's own front is on the search's front or dominated only by ones that aged out.
    const memberTrials = members.map((m) => result.trials.find((t) => t.hash === m.hash)!);
    const popFront = paretoFront(memberTrials, objectives);
    expect(popFront.length).toBeGreaterThan(0);
    for (const m of members) expect(Object.keys(m.metrics ?? {}).sort()).toEqual(['f1', 'f2']);
    // Its state round-trips with the metrics.
    const copy = new EvolutionStrategy({ seed: 3, populationSize: 12, sampleSize: 3, objectives });
    copy.restore(JSON.parse(JSON.stringify(strategy.state())));
    expect(copy.members()).toEqual(members);
  });

  it('prefers feasible members under a constraint (constraint-domination)', async () => {
    const strategy = new EvolutionStrategy({ seed: 2, populationSize: 12, sampleSize: 3 });
    const result = await search(strategy, 80, [{ metric: 'f1', max: 0.5 }]);
    const front = result.paretoFront!;
    expect(front.length).toBeGreaterThan(0);
    for (const t of front) expect(t.metrics.f1).toBeLessThanOrEqual(0.5);
    // Feasible members crowd out infeasible ones.
    const feasible = strategy.members().filter((m) => m.metrics!.f1! <= 0.5).length;
    expect(feasible).toBeGreaterThanOrEqual(10);
    expect(new Set(result.trials.map((t) => architectureHash(t.architecture))).size).toBe(result.trials.length);
  });

  it('gives members told before the search started (reruns on resume) their objective metrics from the history', async () => {
    const store = new InMemoryTrialStore();
    const strategy = new EvolutionStrategy({ seed: 1, populationSize: 6, sampleSize: 2 });
    const rng = new Random(9);
    for (let id = 0; id < 3; id++) {
      const architecture = space().sample(rng);
      const t: TrialRecord = { id, architecture, hash: architectureHash(architecture), status: 'completed', score: 0, metrics: zdt1(architecture.decisions!), epochs: [], startedAt: 0 };
      store.put(t);
      strategy.tell(t);
    }
    expect(strategy.members().every((m) => m.metrics === undefined)).toBe(true);
    await search(strategy, 6, undefined, store);
    for (const m of strategy.members()) expect(Object.keys(m.metrics ?? {}).sort()).toEqual(['f1', 'f2']);
  });
});
