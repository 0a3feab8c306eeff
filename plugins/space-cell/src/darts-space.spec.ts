import { describe, expect, it } from 'vitest';
import { ConfigurationError, Random, SearchSpace, architectureHash, createContainer, inferShapes } from '@autonas/core';
import { DartsCellSpace, dartsCellSpace, dartsCellSpaceModule, decisionsOf } from './darts-space.js';
import { stack } from './darts-network.js';
import { DARTS_V1, DARTS_V2 } from './genotype.js';

const options = { inputShape: [28, 28, 1] as const, numClasses: 10, cells: 3, channels: 8 };

describe('DartsCellSpace', () => {
  it('lists hierarchical decisions: input and op of both edges of every node of both cells', () => {
    const space = new DartsCellSpace(options);
    const names = space.decisions().map((d) => d.name);
    expect(names.length).toBe(2 * 4 * 2 * 2);
    expect(names.slice(0, 4)).toEqual(['cell/normal/node_2/input_0', 'cell/normal/node_2/op_0', 'cell/normal/node_2/input_1', 'cell/normal/node_2/op_1']);
    expect(space.decisions().find((d) => d.name === 'cell/reduce/node_5/input_1')!.choices).toEqual([0, 1, 2, 3, 4]);
    expect(space.decisions().find((d) => d.name === 'cell/normal/node_3/op_0')!.choices).toHaveLength(8);
    expect(new DartsCellSpace({ ...options, nodes: 2 }).decisions()).toHaveLength(16);
  });

  it('defaults to the DARTS (second order) cell and reads published genotypes', () => {
    const space = new DartsCellSpace(options);
    const def = space.defaultArchitecture();
    expect(space.genotype(def)).toEqual(DARTS_V2);
    expect(architectureHash(def)).toBe(architectureHash(stack(DARTS_V2, { ...options, classes: 10 })));
    const v1 = space.fromGenotype(DARTS_V1);
    expect(space.genotype(v1)).toEqual(DARTS_V1);
    expect(space.validate(v1)).toEqual({ valid: true });
    expect(decisionsOf(DARTS_V2)['cell/normal/node_5/op_1']).toBe('dil_conv_3x3');
    expect(() => space.fromGenotype({ ...DARTS_V2, normal_concat: [4, 5] })).toThrow(/concatenates all intermediate nodes/);
    const noDil = new DartsCellSpace({ ...options, ops: ['none', 'skip_connect', 'max_pool_3x3', 'sep_conv_3x3'] });
    expect(() => noDil.fromGenotype(DARTS_V2)).toThrow(/unknown op "dil_conv_3x3"/);
    expect(noDil.validate(noDil.defaultArchitecture())).toEqual({ valid: true });
  });

  it('samples valid architectures, mutates one op or input, and crosses nodes over', () => {
    const space = dartsCellSpace({ ...options, maxParams: 200_000 });
    const rng = new Random(7);
    const hashes = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const a = space.sample(rng);
      expect(space.validate(a)).toEqual({ valid: true });
      expect(inferShapes(a).totalParams).toBeLessThanOrEqual(200_000);
      hashes.add(architectureHash(a));
      const m = space.mutate(a, rng);
      expect(space.validate(m)).toEqual({ valid: true });
      expect(architectureHash(m)).not.toBe(architectureHash(a));
      const changed = Object.keys(a.decisions!).filter((k) => a.decisions![k] !== m.decisions![k]);
      expect(changed).toHaveLength(1);
      const b = space.sample(rng);
      const child = space.crossover(a, b, rng);
      expect(space.validate(child)).toEqual({ valid: true });
      for (const [k, v] of Object.entries(child.decisions!)) expect([a.decisions![k], b.decisions![k]]).toContain(v);
    }
    expect(hashes.size).toBe(12);
  });

  it('hashes equal cells equal: edges listed the other way round, or differing only in a none edge input', () => {
    const space = new DartsCellSpace(options);
    const base = space.defaultArchitecture().decisions!;
    const swapped = { ...base, 'cell/normal/node_2/input_0': 1, 'cell/normal/node_2/input_1': 0 }; // (sep, 0), (sep, 1) → (sep, 1), (sep, 0)
    expect(architectureHash(space.build(swapped))).toBe(architectureHash(space.build(base)));
    const none = { ...base, 'cell/normal/node_3/op_0': 'none' };
    expect(architectureHash(space.build({ ...none, 'cell/normal/node_3/input_0': 1 }))).toBe(architectureHash(space.build({ ...none, 'cell/normal/node_3/input_0': 0 })));
    expect(architectureHash(space.build(none))).not.toBe(architectureHash(space.build(base)));
  });

  it('rejects foreign and tampered architectures, and bad options, with reasons', () => {
    const space = new DartsCellSpace(options);
    const arch = space.defaultArchitecture();
    expect(space.validate({ ...arch, space: 'chain' })).toMatchObject({ valid: false });
    const tampered = { ...arch, nodes: arch.nodes.map((n) => (n.op === 'sepconv2d' ? { ...n, params: { ...n.params, kernelSize: 7 } } : n)) };
    expect(space.validate(tampered)).toEqual({ valid: false, reasons: ['graph does not match its decisions'] });
    expect(space.validate({ ...arch, decisions: { ...arch.decisions, 'cell/normal/node_2/input_0': 5 } })).toMatchObject({ valid: false });
    expect(() => space.build({ 'cell/normal/node_9/op_0': 'none' })).toThrow(/not a decision/);
    expect(() => new DartsCellSpace({ ...options, ops: ['conv_7x1_1x7'] })).toThrow(ConfigurationError);
    expect(() => new DartsCellSpace({ ...options, fixed: { 'cell/normal/node_2/op_0': 'nope' } })).toThrow(/not one of/);
    const fixed = new DartsCellSpace({ ...options, fixed: { 'cell/normal/node_2/op_0': 'max_pool_3x3' } });
    expect(fixed.sample(new Random(1)).decisions!['cell/normal/node_2/op_0']).toBe('max_pool_3x3');
  });

  it('binds to the SearchSpace extension point', () => {
    const c = createContainer({ maxTrials: 1 }, dartsCellSpaceModule(options));
    expect(c.get<SearchSpace>(SearchSpace)).toBeInstanceOf(DartsCellSpace);
  });
});
