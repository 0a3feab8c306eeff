import { describe, expect, it } from 'vitest';
import { ConfigurationError, Random, SearchSpace, architectureHash, createContainer, inferShapes } from '@autonas/core';
import { NB201_CELL_COUNT, Nb201Space, allNb201Strings, formatNb201, nb201Space, nb201SpaceModule, nb201UniqueString, parseNb201 } from './nb201-space.js';

const EXAMPLE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
const cifar = () => new Nb201Space({ inputShape: [32, 32, 3], numClasses: 10 });

describe('NAS-Bench-201 strings', () => {
  it('round-trips all 15,625 cells exactly through parse and format, and through the space', () => {
    const space = new Nb201Space({ inputShape: [8, 8, 1], numClasses: 2, channels: 2, cellsPerStage: 1 });
    const all = [...allNb201Strings()];
    expect(all).toHaveLength(NB201_CELL_COUNT);
    expect(new Set(all).size).toBe(NB201_CELL_COUNT);
    expect(all[0]).toBe('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    expect(all[NB201_CELL_COUNT - 1]).toBe('|avg_pool_3x3~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|');
    for (const s of all) expect(formatNb201(parseNb201(s))).toBe(s);
    // through architectures (decisions), for every 7th cell (building all networks takes longer)
    for (let i = 0; i < all.length; i += 7) expect(space.toArchString(space.fromString(all[i]!))).toBe(all[i]);
  });

  it('reads the example string of the benchmark', () => {
    const cell = parseNb201(EXAMPLE);
    expect(cell).toEqual([['nor_conv_3x3'], ['nor_conv_3x3', 'avg_pool_3x3'], ['skip_connect', 'nor_conv_3x3', 'skip_connect']]);
  });

  it('names what is wrong with a bad string', () => {
    const err = (s: string, p: RegExp) => {
      expect(() => parseNb201(s)).toThrow(ConfigurationError);
      expect(() => parseNb201(s)).toThrow(p);
    };
    err('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|', /3 nodes/);
    err('|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|', /node 2 needs 2 edges/);
    err('|conv~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|', /unknown op "conv"/);
    err('|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|', /must read node 0/);
    err('nor_conv_3x3~0+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|', /"\|op~input\|/);
  });
});

describe('Nb201Space', () => {
  it('builds the benchmark networks with their published parameter counts', () => {
    // NAS-Bench-201 reports 0.073M to 1.531M parameters for its CIFAR-10 networks (C = 16, N = 5).
    const space = cifar();
    const conv3 = inferShapes(space.fromString('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|'));
    expect(conv3.totalParams).toBe(1_531_546);
    const skip = inferShapes(space.fromString('|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|'));
    expect(skip.totalParams).toBe(73_306);
    const none = space.fromString([...allNb201Strings()][0]!);
    expect(inferShapes(none).totalParams).toBe(73_306);
    expect(none.nodes.filter((n) => n.op === 'zeros')).toHaveLength(15); // every cell outputs zeros
    expect(conv3.outputShape).toEqual([10]);
    expect(conv3.shapes.get('stage_2/cell_4/node_3/add')).toEqual([8, 8, 64]);
  });

  it('hashes cells by their graph: equal when only dead or zero edges differ, never merging cells the benchmark tells apart', () => {
    const space = new Nb201Space({ inputShape: [8, 8, 1], numClasses: 2 });
    const byHash = new Map<string, string>();
    const unique = new Set<string>();
    const zeroAware = new Set<string>();
    for (const s of allNb201Strings()) {
      const cell = parseNb201(s);
      unique.add(nb201UniqueString(cell));
      const key = zeroAwareKey(cell);
      zeroAware.add(key);
      const h = architectureHash(space.cellGraph(cell));
      const seen = byHash.get(h);
      if (seen === undefined) byHash.set(h, key);
      else expect(seen, `${s} hashes like a cell the benchmark tells apart`).toBe(key);
    }
    // The benchmark's own isomorphism classes (its to_unique_str with consider_zero=True): 6,466.
    expect(unique.size).toBe(6466);
    // That key misses zeros written as a sum of zeros ("#+#"); counting those as zero too:
    expect(zeroAware.size).toBe(NB201_ZERO_AWARE_CLASSES);
    // Graph hashes are finer still (measured): the benchmark counts a conv-BN of zeros as zero (it is
    // BN's learned offset) and a node read twice like two copies of it (in a graph it is shared).
    expect(byHash.size).toBe(NB201_HASH_CLASSES);
    // e.g. an edge out of a node nothing reads does not matter:
    const a = '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|none~2|';
    const b = '|avg_pool_3x3~0|+|none~0|nor_conv_3x3~1|+|nor_conv_1x1~0|none~1|none~2|';
    expect(architectureHash(space.fromString(a))).toBe(architectureHash(space.fromString(b)));
  });

  it('samples, mutates one edge and crosses over', () => {
    const space = nb201Space({ inputShape: [16, 16, 1], numClasses: 10, channels: 4, cellsPerStage: 1 });
    const rng = new Random(3);
    for (let i = 0; i < 30; i++) {
      const a = space.sample(rng);
      expect(space.validate(a)).toEqual({ valid: true });
      const m = space.mutate(a, rng);
      expect(architectureHash(m)).not.toBe(architectureHash(a));
      expect(Object.keys(a.decisions!).filter((k) => a.decisions![k] !== m.decisions![k])).toHaveLength(1);
      const b = space.sample(rng);
      const child = space.crossover(a, b, rng);
      for (const [k, v] of Object.entries(child.decisions!)) expect([a.decisions![k], b.decisions![k]]).toContain(v);
    }
    expect(space.validate({ ...space.defaultArchitecture(), space: 'darts-cell' })).toMatchObject({ valid: false });
    expect(() => space.build({ 'nb201/node_3/from_2': 'sep_conv_3x3' })).toThrow(/not one of/);
    expect(space.decisions().map((d) => d.name)).toEqual(['nb201/node_1/from_0', 'nb201/node_2/from_0', 'nb201/node_2/from_1', 'nb201/node_3/from_0', 'nb201/node_3/from_1', 'nb201/node_3/from_2']);
    expect(createContainer({ maxTrials: 1 }, nb201SpaceModule({ inputShape: [8, 8, 1], numClasses: 2 })).get<SearchSpace>(SearchSpace).name).toBe('nb201');
  });
});

/** Distinct graph hashes among the 15,625 cells, as measured (see the test). */
const NB201_HASH_CLASSES = 7031;
const NB201_ZERO_AWARE_CLASSES = 5390;

/** The benchmark's to_unique_str(consider_zero=True), with a sum of zeros also counted as zero. */
function zeroAwareKey(cell: ReturnType<typeof parseNb201>): string {
  const nodes = ['0'];
  cell.forEach((ops) => {
    const terms = ops.map((op, j) => (op === 'none' || nodes[j] === '#' ? '#' : op === 'skip_connect' ? nodes[j]! : `(${nodes[j]})@${op}`)).filter((t) => t !== '#');
    nodes.push(terms.length === 0 ? '#' : terms.sort().join('+'));
  });
  return nodes[3]!;
}

describe('Nb201Space memoises what it builds', () => {
  it('gives the same frozen network for the same decisions, validates it without rebuilding, and still refuses a tampered one', () => {
    const space = new Nb201Space({ inputShape: [8, 8, 1], numClasses: 10 });
    const rng = new Random(3);
    const a = space.sample(rng);
    const again = space.build(a.decisions!);
    expect(again).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.nodes) && Object.isFrozen(a.nodes[1]!.params)).toBe(true);
    expect(space.validate(a)).toEqual({ valid: true });
    // A copy whose graph no longer matches its decisions is refused, memo or not.
    const tampered = { ...a, nodes: a.nodes.filter((n) => n.op !== 'zeros' && !n.id.startsWith('head/relu')).map((n) => (n.id === 'head/gap' ? { ...n, inputs: ['head/bn'] } : n)) };
    expect(space.validate(tampered)).toMatchObject({ valid: false });
    // A mutation is another network (by hash), also when its parent came from the memo.
    const m = space.mutate(a, rng);
    expect(architectureHash(m)).not.toBe(architectureHash(a));
  });
});
