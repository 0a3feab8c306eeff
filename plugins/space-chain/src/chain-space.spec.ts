import { describe, expect, it } from 'vitest';
import { ConfigurationError, Random, architectureHash, inferShapes, type Architecture } from '@autonas/core';
import { ChainSpace } from './chain-space.js';

const mnist = () => new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10 });

describe('ChainSpace', () => {
  it('samples only valid architectures whose graphs end in the classifier', () => {
    const space = mnist();
    const rng = new Random(11);
    const hashes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const arch = space.sample(rng);
      expect(space.validate(arch)).toEqual({ valid: true });
      const info = inferShapes(arch);
      expect(info.outputShape).toEqual([10]);
      expect(info.totalParams).toBeLessThanOrEqual(2_000_000);
      hashes.add(architectureHash(arch));
    }
    expect(hashes.size).toBeGreaterThan(250);
  });

  it('keeps to maxParams and to what the input size allows', () => {
    const small = new ChainSpace({ inputShape: [4, 4, 3], numClasses: 3, maxParams: 20_000 });
    const rng = new Random(2);
    for (let i = 0; i < 100; i++) {
      const arch = small.sample(rng);
      expect(small.validate(arch).valid).toBe(true);
      expect(inferShapes(arch).totalParams).toBeLessThanOrEqual(20_000);
    }
    const three = small.build({ 'chain/blocks': 3, 'chain/block_1/pooling': 'max', 'chain/block_2/pooling': 'max', 'chain/block_3/pooling': 'max' });
    const verdict = small.validate(three);
    expect(verdict.valid).toBe(false);
  });

  it('builds the known-good default and names decisions hierarchically', () => {
    const space = mnist();
    const names = space.decisions().map((d) => d.name);
    expect(names).toContain('chain/block_1/filters');
    expect(names).toContain('chain/head/units');
    const def = space.defaultArchitecture();
    expect(def.decisions!['chain/blocks']).toBe(2);
    expect(def.nodes.map((n) => n.op)).toEqual([
      'input', 'conv2d', 'batchnorm', 'activation', 'maxpool2d', 'dropout', 'conv2d', 'batchnorm', 'activation', 'maxpool2d', 'dropout',
      'flatten', 'dense', 'dropout', 'classifier',
    ]);
  });

  it('normalises inert decisions so equal networks are equal architectures', () => {
    const space = mnist();
    const a = space.build({ 'chain/blocks': 1, 'chain/block_3/filters': 16 });
    const b = space.build({ 'chain/blocks': 1, 'chain/block_3/filters': 64 });
    expect(a.decisions).toEqual(b.decisions);
    expect(architectureHash(a)).toBe(architectureHash(b));
  });

  it('mutates exactly one active decision and stays valid', () => {
    const space = mnist();
    const rng = new Random(5);
    let arch = space.sample(rng);
    for (let i = 0; i < 100; i++) {
      const child = space.mutate(arch, rng);
      expect(space.validate(child).valid).toBe(true);
      expect(architectureHash(child)).not.toBe(architectureHash(arch));
      const changed = Object.keys(child.decisions!).filter((k) => child.decisions![k] !== arch.decisions![k]);
      const active = new Set([...space.activeDecisions(arch.decisions!), ...space.activeDecisions(child.decisions!)]);
      // One active decision changes (plus inert ones reset when the block count shrinks).
      expect(changed.filter((k) => active.has(k) && space.activeDecisions(arch.decisions!).includes(k)).length).toBe(1);
      arch = child;
    }
  });

  it('rejects architectures from elsewhere or tampered with', () => {
    const space = mnist();
    const arch = space.defaultArchitecture();
    expect(space.validate({ ...arch, space: 'cell' }).valid).toBe(false);
    const tampered: Architecture = { ...arch, nodes: arch.nodes.map((n) => (n.op === 'dense' ? { ...n, params: { ...n.params, units: 999 } } : n)) };
    const verdict = space.validate(tampered);
    expect(verdict.valid).toBe(false);
    expect(!verdict.valid && verdict.reasons.join()).toContain('does not match');
    expect(() => space.build({ 'chain/blocks': 9 })).toThrow(/not one of/);
    expect(() => space.build({ 'chain/nope': 1 })).toThrow(/not a decision/);
  });

  it('honours fixed values and rejects bad options', () => {
    const space = new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, fixed: { 'chain/blocks': 1, 'chain/head/units': 64 } });
    const rng = new Random(1);
    for (let i = 0; i < 20; i++) {
      const d = space.sample(rng).decisions!;
      expect(d['chain/blocks']).toBe(1);
      expect(d['chain/head/units']).toBe(64);
    }
    expect(() => new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, fixed: { 'chain/blocks': 7 } })).toThrow(ConfigurationError);
    expect(() => new ChainSpace({ inputShape: [28, 28] as never, numClasses: 10 })).toThrow(/inputShape/);
    expect(() => new ChainSpace({ inputShape: [28, 28, 1], numClasses: 1 })).toThrow(/numClasses/);
    expect(() => new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, filters: [] })).toThrow(/no choices/);
  });

  it('is reproducible for a seed', () => {
    const seq = (seed: number) => { const s = mnist(); const r = new Random(seed); return Array.from({ length: 10 }, () => architectureHash(s.sample(r))); };
    expect(seq(3)).toEqual(seq(3));
    expect(seq(3)).not.toEqual(seq(4));
  });
});
