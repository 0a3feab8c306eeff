import { describe, expect, it } from 'vitest';
import {
  ContainerModule, EventBus, Experiment, PerformanceEstimator, SearchSpace, SearchStrategy, StateError, createContainer,
  type Architecture, type Estimate,
} from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { RandomStrategy } from './random-strategy.js';

const fakeEstimator = {
  name: 'fake',
  async estimate(arch: Architecture): Promise<Estimate> {
    return { score: Object.values(arch.decisions!).reduce<number>((a, v) => a + Number(v), 0), metrics: {}, cost: { seconds: 0 } };
  },
};
const grid = () => new GridSpace({ a: [1, 2, 3, 4, 5, 6], b: [1, 2, 3, 4, 5, 6], c: [1, 2, 3, 4, 5, 6] });

function search(strategy: RandomStrategy, maxTrials: number, space: GridSpace = grid()) {
  const module = new ContainerModule(({ bind }) => {
    bind(SearchSpace).toConstantValue(space);
    bind(SearchStrategy).toConstantValue(strategy);
    bind(PerformanceEstimator).toConstantValue(fakeEstimator);
  });
  const c = createContainer({ maxTrials, seed: 0 }, module);
  return { run: () => c.get(Experiment).run(), events: c.get(EventBus) };
}

describe('RandomStrategy', () => {
  it('is reproducible with a seed and differs across seeds', async () => {
    const hashes = async (seed: number) => (await search(new RandomStrategy({ seed }), 8).run()).trials.map((t) => t.hash);
    expect(await hashes(7)).toEqual(await hashes(7));
    expect(await hashes(7)).not.toEqual(await hashes(8));
  });

  it('never repeats an architecture, and stops when a small space is exhausted', async () => {
    const tiny = new GridSpace({ filters: [4, 8], units: [0, 8] });
    const result = await search(new RandomStrategy({ seed: 1, maxAttempts: 200 }), 50, tiny).run();
    expect(result.trials).toHaveLength(4); 
    expect(new Set(result.trials.map((t) => t.hash)).size).toBe(4);
    expect(result.stoppedBy).toBe('exhausted');
  });

  it('tries the default architecture first when asked', async () => {
    const space = grid();
    const result = await search(new RandomStrategy({ seed: 1, startWithDefault: true }), 3, space).run();
    expect(result.trials[0]!.architecture.decisions).toEqual(space.defaultArchitecture().decisions);
  });

  it('continues identically after saving and restoring its state', async () => {
    const space = grid();
    const straight = new RandomStrategy({ seed: 9 });
    const all = [] as string[];
    for (let i = 0; i < 6; i++) all.push(JSON.stringify(straight.ask(space, [])!.decisions));
    const first = new RandomStrategy({ seed: 9 });
    const part = [] as string[];
    for (let i = 0; i < 3; i++) part.push(JSON.stringify(first.ask(space, [])!.decisions));
    const state = JSON.parse(JSON.stringify(first.state()));
    const resumed = new RandomStrategy({ seed: 123 });
    resumed.restore(state);
    for (let i = 0; i < 3; i++) part.push(JSON.stringify(resumed.ask(space, [])!.decisions));
    expect(part).toEqual(all);
    expect(() => resumed.restore({ version: 2 })).toThrow(StateError);
  });
});
