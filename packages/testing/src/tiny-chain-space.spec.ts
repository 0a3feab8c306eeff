import { describe, expect, it } from 'vitest';
import { Random, architectureHash, inferShapes } from '@autonas/core';
import { TinyChainSpace } from './tiny-chain-space.js';

describe('TinyChainSpace', () => {
  const space = new TinyChainSpace();

  it('has 48 distinct architectures, each valid, on 14×14×1 images with 10 classes', () => {
    const all = space.all();
    expect(all).toHaveLength(48);
    expect(new Set(all.map(architectureHash)).size).toBe(48);
    for (const arch of all) {
      expect(space.validate(arch)).toEqual({ valid: true });
      expect(arch.nodes[0]!.params).toEqual({ shape: [14, 14, 1] });
      expect(arch.nodes.at(-1)).toMatchObject({ id: 'classifier', params: { classes: 10 } });
      expect(() => inferShapes(arch)).not.toThrow();
    }
  });

  it('samples and mutates within the space', () => {
    const rng = new Random(1);
    const hashes = new Set(space.all().map(architectureHash));
    for (let i = 0; i < 20; i++) {
      const a = space.sample(rng);
      const b = space.mutate(a, rng);
      expect(hashes.has(architectureHash(a)) && hashes.has(architectureHash(b))).toBe(true);
    }
    expect(() => space.build({ 'chain/blocks': 3 })).toThrow(/BAD_CHOICE|chain\/blocks = 3/);
    expect(space.validate({ nodes: [] })).toMatchObject({ valid: false });
  });
});
