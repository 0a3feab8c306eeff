import { describe, expect, it } from 'vitest';
import { ConfigurationError, Random, architectureHash } from '@autonas/core';
import { FunctionEstimator, GridSpace } from './grid-space.js';

describe('GridSpace', () => {
  it('holds prod(choices) distinct valid architectures', () => {
    const space = new GridSpace({ a: [1, 2, 3], b: [4, 5] });
    expect(space.size).toBe(6);
    const rng = new Random(1);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const arch = space.sample(rng);
      expect(space.validate(arch).valid).toBe(true);
      seen.add(architectureHash(arch));
    }
    expect(seen.size).toBe(6);
  });

  it('mutates exactly one decision and rejects foreign or bad architectures', () => {
    const space = new GridSpace({ a: [1, 2, 3], b: [4, 5] });
    const rng = new Random(2);
    const arch = space.defaultArchitecture();
    for (let i = 0; i < 20; i++) {
      const child = space.mutate(arch, rng);
      const changed = Object.keys(child.decisions!).filter((k) => child.decisions![k] !== arch.decisions![k]);
      expect(changed).toHaveLength(1);
    }
    expect(space.validate({ ...arch, space: 'other' }).valid).toBe(false);
    expect(space.validate({ ...arch, decisions: { 'grid/a': 9 } }).valid).toBe(false);
    expect(space.validate({ ...arch, nodes: arch.nodes.slice(0, -1) })).toEqual({ valid: false, reasons: ['graph does not match its decisions'] });
    expect(() => space.build({ 'grid/z': 1 })).toThrow(/not a decision/);
    expect(() => new GridSpace({ a: [] })).toThrow(ConfigurationError);
    expect(() => new GridSpace({ a: [1] }).mutate(new GridSpace({ a: [1] }).defaultArchitecture(), rng)).toThrow(/one choice/);
  });


  it('crosses two parents into a valid child whose every decision comes from one of them', () => {
    const space = new GridSpace({ a: [1, 2, 3], b: [4, 5], c: [6, 7] });
    const rng = new Random(3);
    const p1 = space.build({ 'grid/a': 1, 'grid/b': 4, 'grid/c': 6 });
    const p2 = space.build({ 'grid/a': 3, 'grid/b': 5, 'grid/c': 7 });
    const kids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const kid = space.crossover(p1, p2, rng);
      expect(space.validate(kid).valid).toBe(true);
      for (const k of Object.keys(kid.decisions!)) expect([p1.decisions![k], p2.decisions![k]]).toContain(kid.decisions![k]);
      kids.add(architectureHash(kid));
    }
    expect(kids.size).toBe(8);
  });
});

describe('FunctionEstimator', () => {
  it('scores by the function, reports one epoch and records calls', async () => {
    const space = new GridSpace({ a: [1, 2, 3] });
    const est = new FunctionEstimator((d) => -Math.abs(Number(d['grid/a']) - 2));
    const epochs: number[] = [];
    const ctx = { trialId: 0, seed: 0, signal: new AbortController().signal, report: (m: { score: number }) => epochs.push(m.score) };
    const best = await est.estimate(space.build({ 'grid/a': 2 }), ctx as never);
    const worse = await est.estimate(space.build({ 'grid/a': 3 }), ctx as never);
    expect(best.score).toBe(-0);
    expect(worse.score).toBe(-1);
    expect(epochs).toEqual([-0, -1]);
    expect(est.calls).toHaveLength(2);
  });
});
