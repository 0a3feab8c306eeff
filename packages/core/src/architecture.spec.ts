import { describe, expect, it } from 'vitest';
import { architectureHash, canonicalForm, checkGraph, edges, summarize, type ArchNode, type Architecture } from './architecture.js';
import { InvalidArchitectureError } from './errors.js';

const chain: Architecture = {
  nodes: [
    { id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
    { id: 'c1', op: 'conv2d', params: { filters: 8, kernelSize: 3 }, inputs: ['in'] },
    { id: 'p1', op: 'maxpool2d', params: { poolSize: 2 }, inputs: ['c1'] },
    { id: 'out', op: 'classifier', params: { classes: 10 }, inputs: ['p1'] },
  ],
};

/** A residual block: in -> a -> b, add(a, b) -> out. */
function residual(order: 'ab' | 'ba', addInputs: [string, string], ids = ['in', 'a', 'b', 'sum', 'out']): Architecture {
  const [i, a, b, s, o] = ids as [string, string, string, string, string];
  const map: Record<string, string> = { a, b };
  const nodes: ArchNode[] = [
    { id: i, op: 'input', params: { shape: [8] }, inputs: [] },
    { id: a, op: 'dense', params: { units: 4 }, inputs: [i] },
    { id: b, op: 'dense', params: { units: 4, activation: 'relu' }, inputs: [a] },
    { id: s, op: 'add', params: {}, inputs: addInputs.map((x) => map[x]!) },
    { id: o, op: 'classifier', params: { classes: 2 }, inputs: [s] },
  ];
  if (order === 'ba') [nodes[1], nodes[2]] = [nodes[2]!, nodes[1]!];
  return { nodes };
}

describe('architectureHash', () => {
  it('is equal for the same graph with other ids, node order and param key order', () => {
    const renamed: Architecture = {
      nodes: [
        { id: 'z', op: 'classifier', params: { classes: 10 }, inputs: ['y'] },
        { id: 'y', op: 'maxpool2d', params: { poolSize: 2 }, inputs: ['x'] },
        { id: 'x', op: 'conv2d', params: { kernelSize: 3, filters: 8 }, inputs: ['w'] },
        { id: 'w', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
      ],
      decisions: { unrelated: 1 },
      space: 'other',
    };
    expect(architectureHash(renamed)).toBe(architectureHash(chain));
    expect(architectureHash(chain)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('differs when an op, a parameter or an edge differs', () => {
    const h = architectureHash(chain);
    const withParam = { nodes: chain.nodes.map((n) => (n.id === 'c1' ? { ...n, params: { filters: 16, kernelSize: 3 } } : n)) };
    const withOp = { nodes: chain.nodes.map((n) => (n.id === 'p1' ? { ...n, op: 'avgpool2d' } : n)) };
    expect(architectureHash(withParam)).not.toBe(h);
    expect(architectureHash(withOp)).not.toBe(h);
    const skip = residual('ab', ['a', 'b']);
    const noSkip: Architecture = {
      nodes: [
        { id: 'in', op: 'input', params: { shape: [8] }, inputs: [] },
        { id: 'a', op: 'dense', params: { units: 4 }, inputs: ['in'] },
        { id: 'b', op: 'dense', params: { units: 4, activation: 'relu' }, inputs: ['a'] },
        { id: 'sum', op: 'add', params: {}, inputs: ['b', 'b'] },
        { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['sum'] },
      ],
    };
    expect(architectureHash(skip)).not.toBe(architectureHash(noSkip));
  });

  it('ignores input order of commutative ops but not of concat', () => {
    expect(architectureHash(residual('ab', ['a', 'b']))).toBe(architectureHash(residual('ba', ['b', 'a'], ['q', 'r', 's', 't', 'u'])));
    const concat = (x: string[]) => ({ nodes: residual('ab', x as [string, string]).nodes.map((n) => (n.op === 'add' ? { ...n, op: 'concat' } : n)) });
    expect(architectureHash(concat(['a', 'b']))).not.toBe(architectureHash(concat(['b', 'a'])));
  });

  it('survives a JSON round trip', () => {
    const copy = JSON.parse(JSON.stringify(residual('ab', ['a', 'b'])));
    expect(canonicalForm(copy)).toBe(canonicalForm(residual('ab', ['a', 'b'])));
  });
});

describe('checkGraph', () => {
  const bad = (nodes: Architecture['nodes']) => () => checkGraph({ nodes });
  it('orders nodes topologically and lists edges', () => {
    expect(checkGraph(residual('ba', ['a', 'b'])).map((n) => n.id)).toEqual(['in', 'a', 'b', 'sum', 'out']);
    expect(edges(chain)).toEqual([['in', 'c1'], ['c1', 'p1'], ['p1', 'out']]);
    expect(summarize(chain)).toBe('conv2d(8,3) > maxpool2d(2) > classifier(10)');
  });
  it('rejects malformed graphs with typed errors', () => {
    const cases: Array<[Architecture['nodes'], string]> = [
      [[], 'EMPTY_GRAPH'],
      [[chain.nodes[0]!, chain.nodes[0]!], 'DUPLICATE_NODE'],
      [[chain.nodes[0]!, { id: 'x', op: 'dense', params: {}, inputs: ['nope'] }], 'UNKNOWN_INPUT'],
      [[{ id: 'x', op: 'dense', params: {}, inputs: [] }], 'DANGLING_NODE'],
      [[chain.nodes[0]!, { id: 'a', op: 'dense', params: {}, inputs: ['in'] }, { id: 'b', op: 'dense', params: {}, inputs: ['in'] }], 'OUTPUT_COUNT'],
      [[chain.nodes[0]!, { id: 'a', op: 'add', params: {}, inputs: ['in', 'b'] }, { id: 'b', op: 'dense', params: {}, inputs: ['a'] }, { id: 'o', op: 'dense', params: {}, inputs: ['b'] }], 'CYCLE'],
    ];
    for (const [nodes, code] of cases) {
      expect(bad(nodes)).toThrow(InvalidArchitectureError);
      try {
        checkGraph({ nodes });
      } catch (e) {
        expect((e as InvalidArchitectureError).code).toBe(code);
      }
    }
  });
});

describe('inferShapes', () => {
  it('computes shapes, params and MACs of a small convnet', async () => {
    const { inferShapes } = await import('./ops.js');
    const info = inferShapes(chain);
    expect(info.shapes.get('c1')).toEqual([28, 28, 8]);
    expect(info.shapes.get('p1')).toEqual([14, 14, 8]);
    expect(info.outputShape).toEqual([10]);
    expect(info.totalParams).toBe(3 * 3 * 1 * 8 + 8 + 14 * 14 * 8 * 10 + 10);
    expect(info.macs).toBe(28 * 28 * 9 * 8 + 14 * 14 * 8 * 10);
  });
  it('rejects unknown ops and collapsing shapes', async () => {
    const { inferShapes } = await import('./ops.js');
    expect(() => inferShapes({ nodes: [chain.nodes[0]!, { id: 'x', op: 'warp', params: {}, inputs: ['in'] }] })).toThrow(/not a standard op/);
    const tiny: Architecture = { nodes: [{ id: 'in', op: 'input', params: { shape: [1, 1, 3] }, inputs: [] }, { id: 'p', op: 'maxpool2d', params: {}, inputs: ['in'] }] };
    expect(() => inferShapes(tiny)).toThrow(/SHAPE_COLLAPSE|produces shape/);
  });
  it('infers the shift and zero ops: zeros, crop2d, zeropad2d', async () => {
    const { inferShapes } = await import('./ops.js');
    const arch: Architecture = {
      nodes: [
        { id: 'in', op: 'input', params: { shape: [7, 8, 3] }, inputs: [] },
        { id: 'z1', op: 'zeros', params: {}, inputs: ['in'] },
        { id: 'z2', op: 'zeros', params: { strides: 2 }, inputs: ['in'] },
        { id: 'cr', op: 'crop2d', params: { cropping: [[1, 0], [2, 1]] }, inputs: ['in'] },
        { id: 'pd', op: 'zeropad2d', params: { padding: [[0, 1], [1, 2]] }, inputs: ['cr'] },
        { id: 'cat', op: 'concat', params: {}, inputs: ['z1', 'pd'] },
        { id: 'gap', op: 'globalavgpool2d', params: {}, inputs: ['cat'] },
        { id: 'g2', op: 'globalavgpool2d', params: {}, inputs: ['z2'] },
        { id: 'sum', op: 'add', params: {}, inputs: ['gap', 'gap'] },
        { id: 'all', op: 'concat', params: {}, inputs: ['sum', 'g2'] },
      ],
    };
    const info = inferShapes(arch);
    expect(info.shapes.get('z1')).toEqual([7, 8, 3]);
    expect(info.shapes.get('z2')).toEqual([4, 4, 3]);
    expect(info.shapes.get('cr')).toEqual([6, 5, 3]);
    expect(info.shapes.get('pd')).toEqual([7, 8, 3]);
    expect(info.totalParams).toBe(0);
    const bad = (params: Record<string, unknown>, op = 'crop2d') => ({
      nodes: [arch.nodes[0]!, { id: 'x', op, params: params as never, inputs: ['in'] }],
    });
    expect(() => inferShapes(bad({ cropping: [1, 1] }))).toThrow(/\[\[top, bottom\], \[left, right\]\]/);
    expect(() => inferShapes(bad({ cropping: [[4, 3], [0, 0]] }))).toThrow(/produces shape/);
    expect(() => inferShapes(bad({ padding: [[0, -1], [0, 0]] }, 'zeropad2d'))).toThrow(/non-negative/);
    expect(() => inferShapes(bad({ strides: 0 }, 'zeros'))).toThrow(/strides >= 1/);
  });
});
