import { describe, expect, it } from 'vitest';
import { ConfigurationError, Random, architectureHash, inferShapes } from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { weightedDepth } from './graph.js';
import { MorphismSpace } from './morphism-space.js';
import { applyMorphisms } from './morphisms.js';
import { OneNetworkSpace, convNet } from './nets.test-util.js';

describe('MorphismSpace', () => {
  const start = convNet({ batchNorm: true });
  const space = new MorphismSpace(new OneNetworkSpace(start), { maxParams: 5_000, maxDepth: 6 });

  it('samples and builds like its base, under its own name', () => {
    const grid = new MorphismSpace(new GridSpace({ a: [1, 2], b: [3, 4] }));
    expect(grid.name).toBe('grid+morphism');
    expect(grid.decisions().map((d) => d.name)).toEqual(['grid/a', 'grid/b']);
    const a = grid.sample(new Random(1));
    expect(a.space).toBe('grid+morphism');
    expect(grid.validate(a)).toEqual({ valid: true });
    expect(architectureHash(space.defaultArchitecture())).toBe(architectureHash(start));
  });

  it('accepts grown networks within the limits and names what is wrong otherwise', () => {
    const grown = applyMorphisms(start, [{ kind: 'deepen', after: 'b1_relu' }, { kind: 'addSkip', from: 'b1_pool', to: 'b2_relu' }]).arch;
    expect(space.validate(grown)).toEqual({ valid: true });
    const wide = applyMorphisms(start, [{ kind: 'widen', node: 'b2_conv', width: 48, seed: 0 }]).arch;
    expect(inferShapes(wide).totalParams).toBeGreaterThan(5_000);
    expect(space.validate(wide)).toEqual({ valid: false, reasons: [expect.stringMatching(/parameters exceed maxParams 5000/)] });
    const deep = applyMorphisms(start, [{ kind: 'deepen', after: 'b1_pool' }, { kind: 'deepen', after: 'b1_pool' }, { kind: 'deepen', after: 'b1_pool' }]).arch;
    expect(weightedDepth(deep)).toBe(7);
    expect(space.validate(deep)).toEqual({ valid: false, reasons: ['depth 7 exceeds maxDepth 6'] });
    const odd = { nodes: start.nodes.map((n) => (n.id === 'head' ? { ...n, op: 'mystery' } : n)) };
    expect(space.validate(odd).valid).toBe(false);
    expect(() => new MorphismSpace(space, { maxDepth: 0 })).toThrow(ConfigurationError);
  });

  it('mutates by one function-preserving morphism within the limits', () => {
    const rng = new Random(4);
    for (let i = 0; i < 10; i++) {
      const m = space.mutate(start, rng);
      expect(architectureHash(m)).not.toBe(architectureHash(start));
      expect(space.validate(m)).toEqual({ valid: true });
    }
  });
});
