import { describe, expect, it } from 'vitest';
import { ConfigurationError, InMemoryTrialStore, StateError, architectureHash, type DecisionValue, type TrialRecord } from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { conformanceToy, runStrategy } from '@autonas/testing/conformance';
import { LocalSearchStrategy, type LocalSearchStrategyOptions } from './local-search-strategy.js';

const hashes = (trials: readonly { hash: string }[]) => trials.map((t) => t.hash);
const values = (t: TrialRecord) => t.architecture.decisions!;
/** Decisions in which two assignments differ. */
const distance = (a: Readonly<Record<string, DecisionValue>>, b: Readonly<Record<string, DecisionValue>>) => Object.keys(a).filter((k) => a[k] !== b[k]).length;

describe('LocalSearchStrategy', () => {
  it('evaluates the whole neighbourhood of the start, then moves to its best neighbour', async () => {
    const { space, objective } = conformanceToy();
    const run = await runStrategy(new LocalSearchStrategy({ seed: 3, initialSamples: 1 }), space, objective, { maxTrials: 40 });
    const [start, ...rest] = run.trials;
    // 5 decisions × 3 other choices: 15 neighbours, each one decision away from the start.
    const first = rest.slice(0, 15);
    for (const t of first) expect(distance(values(t), values(start!))).toBe(1);
    const best = first.reduce((a, b) => (b.score! > a.score! ? b : a));
    expect(best.score!).toBeGreaterThan(start!.score!);
    // The next neighbourhood is the best neighbour's.
    for (const t of rest.slice(15, 25)) expect(distance(values(t), values(best))).toBe(1);
  });

  it('reaches the optimum of a separable toy space on every one of 10 seeds, far sooner than random search', async () => {
    const { space, objective } = conformanceToy();
    const queries: number[] = [];
    for (let seed = 1; seed <= 10; seed++) {
      const run = await runStrategy(new LocalSearchStrategy({ seed }), space, objective, { maxTrials: 1024, stopAt: 1 });
      queries.push(run.trials.findIndex((t) => t.score === 1) + 1);
    }
    expect(queries.every((q) => q > 0)).toBe(true);
    // Random search needs 512.5 on average; 10 starts and at most 5 moves of 15 neighbours each need at most 85.
    expect(Math.max(...queries)).toBeLessThanOrEqual(85);
  }, 60_000);

  it('restarts from a random architecture at a local optimum', async () => {
    // Two peaks: (1, 1) is a local optimum (every neighbour is worse), (4, 4) the global one.
    const space = new GridSpace({ x: [1, 2, 3, 4], y: [1, 2, 3, 4] }, 'peaks');
    const f = (d: Readonly<Record<string, DecisionValue>>) => {
      const x = Number(d['peaks/x']);
      const y = Number(d['peaks/y']);
      return Math.max(5 - (x - 1) - (y - 1), 8 - 2 * (4 - x) - 2 * (4 - y));
    };
    const s = new LocalSearchStrategy({ seed: 2, initialSamples: 1, initial: [space.build({ 'peaks/x': 1, 'peaks/y': 2 })] });
    const run = await runStrategy(s, space, f, { maxTrials: 16 });
    expect(run.trials).toHaveLength(16);
    expect(Math.max(...run.trials.map((t) => t.score!))).toBe(8);
    expect(s.progress().climbs).toBeGreaterThan(1);
  });

  it('draws neighbours by space.mutate when asked, and never proposes one twice', async () => {
    const space = new GridSpace({ a: [1, 2, 3, 4, 5, 6], b: [1, 2, 3, 4, 5, 6], c: [1, 2, 3, 4, 5, 6] }, 'm');
    const f = (d: Readonly<Record<string, DecisionValue>>) => 12 - Math.abs(Number(d['m/a']) - 5) - Math.abs(Number(d['m/b']) - 2) - Math.abs(Number(d['m/c']) - 4);
    const run = await runStrategy(new LocalSearchStrategy({ seed: 1, neighbourhood: 'mutate', neighbours: 6 }), space, f, { maxTrials: 120, stopAt: 12 });
    expect(new Set(hashes(run.trials)).size).toBe(run.trials.length);
    expect(Math.max(...run.trials.map((t) => t.score!))).toBe(12);
  });

  it('exhausts a small space without repeats, with several trials in flight', async () => {
    const space = new GridSpace({ a: [1, 2, 3], b: [1, 2, 3, 4], c: [1, 2] }, 'g24');
    for (const concurrency of [1, 3]) {
      const run = await runStrategy(new LocalSearchStrategy({ seed: 4, initialSamples: 2 }), space, (d) => Number(d['g24/a']) * Number(d['g24/b']) - Number(d['g24/c']), { maxTrials: 100, concurrency, delayMs: 1 });
      expect(run.estimated).toHaveLength(24);
      expect(new Set(run.estimated.map(architectureHash)).size).toBe(24);
      if (concurrency === 3) expect(run.maxInFlight).toBe(3);
    }
  });

  it('resumes from a checkpoint taken with trials in flight as the uninterrupted search would go on', async () => {
    const { space, objective } = conformanceToy();
    const s = new LocalSearchStrategy({ seed: 6, initialSamples: 3 });
    const tell = s.tell.bind(s);
    const ask = s.ask.bind(s);
    let told = 0;
    let mid: { neighboursPending: string[]; sparesPending: string[] } | undefined;
    let next: { history: TrialRecord[]; hash: string } | undefined;
    s.tell = (t) => {
      tell(t);
      if (++told === 12) mid = JSON.parse(JSON.stringify(s.state()));
    };
    s.ask = (sp, history) => {
      const snapshot = mid && !next ? (JSON.parse(JSON.stringify(history)) as TrialRecord[]) : undefined;
      const arch = ask(sp, history);
      if (snapshot && arch) next = { history: snapshot, hash: architectureHash(arch) };
      return arch;
    };
    await runStrategy(s, space, objective, { maxTrials: 30, store: new InMemoryTrialStore(), concurrency: 3, delayMs: 2 });
    expect(mid!.neighboursPending.length + mid!.sparesPending.length).toBeGreaterThan(0);
    const restored = new LocalSearchStrategy({ seed: 1 });
    restored.restore(mid);
    expect(architectureHash(restored.ask(space, next!.history)!)).toBe(next!.hash);
  });

  it('refuses bad options and foreign states with typed errors', () => {
    for (const bad of [{ initialSamples: 0 }, { neighbours: 2.5 }, { neighbourhood: 'all' }] as unknown as LocalSearchStrategyOptions[]) {
      expect(() => new LocalSearchStrategy(bad)).toThrow(ConfigurationError);
    }
    const s = new LocalSearchStrategy();
    const good = s.state();
    for (const bad of [null, { ...good, version: 2 }, { ...good, started: 'yes' }, { ...good, current: { hash: 'x', score: 1, architecture: { nodes: [] } } }]) {
      expect(() => s.restore(bad)).toThrow(StateError);
    }
  });
});
