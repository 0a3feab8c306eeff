import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArchitectureError, Random, architectureHash, inferShapes, type Architecture } from '@autonas/core';
import { compileArchitecture, initRuntime, tf } from '@autonas/tfjs';
import { applyMorphisms, type Morphism, type NetWeights } from './morphisms.js';
import { readWeights, writeWeights } from './weights.js';
import { convNet, denseNet, randomize } from './nets.test-util.js';

/** Largest absolute difference between the parent's and the morphed child's outputs on the same random inputs. */
function outputGap(parent: Architecture, ms: readonly Morphism[], options: { perturb?: boolean } = {}) {
  const model = compileArchitecture(parent, { seed: 3 });
  const weights = randomize(readWeights(model, parent), parent, 5);
  writeWeights(model, weights);
  const child = applyMorphisms(parent, ms, weights);
  let childWeights: NetWeights = child.weights!;
  if (options.perturb) {
    // Negative control: nudge every new or changed array, so the comparison must notice.
    childWeights = new Map([...childWeights].map(([id, arrays]) => [id, arrays === weights.get(id) ? arrays : arrays.map((a) => ({ shape: a.shape, values: a.values.map((v) => v + 0.05) }))]));
  }
  const childModel = compileArchitecture(child.arch, { seed: 4 });
  writeWeights(childModel, childWeights);
  const shape = inferShapes(parent).shapes.get('in')!;
  const rng = new Random(11);
  const x = tf.tensor(Float32Array.from({ length: 16 * shape.reduce((a, b) => a * b, 1) }, () => rng.normal(0, 1)), [16, ...shape]);
  const [gap, spread] = tf.tidy(() => {
    const [p, c] = [model.predict(x) as tf.Tensor, childModel.predict(x) as tf.Tensor];
    return [tf.max(tf.abs(tf.sub(p, c))).dataSync()[0]!, tf.max(tf.sub(tf.max(p, -1), tf.min(p, -1))).dataSync()[0]!];
  });
  x.dispose();
  model.dispose();
  childModel.dispose();
  return { gap, spread, child: child.arch };
}

const nets: Array<[string, Architecture]> = [
  ['conv + flatten, no batch norm', convNet({ batchNorm: false })],
  ['conv + flatten, batch norm', convNet({ batchNorm: true })],
  ['conv + global pooling, batch norm', convNet({ batchNorm: true, reduction: 'global_avg' })],
];
/** Block ends of {@link convNet}: the node after which a block's output is ready. */
const blockEnd = (arch: Architecture, b: number) => (arch.nodes.some((n) => n.id === `b${b}_relu`) ? `b${b}_relu` : `b${b}_conv`);

describe('morphisms preserve the function (wasm)', () => {
  let before = 0;
  const gaps: number[] = [];
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    before = tf.memory().numTensors;
  });

  const cases = (arch: Architecture): Array<[string, Morphism[]]> => [
    ['deepen after a block (conv + bn + relu)', [{ kind: 'deepen', after: blockEnd(arch, 1) }]],
    ['deepen without batch norm after pooling', [{ kind: 'deepen', after: 'b1_pool', batchNorm: false }]],
    ['deepen with a 5x5 kernel after a convolution', [{ kind: 'deepen', after: 'b2_conv', kernelSize: 5 }]],
    ['deepen the dense head', [{ kind: 'deepen', after: 'head' }]],
    ['widen the first conv (with noise)', [{ kind: 'widen', node: 'b1_conv', width: 9, seed: 1, noise: 0.1 }]],
    ['widen the last conv (into flatten / pooling)', [{ kind: 'widen', node: 'b2_conv', width: 10, seed: 2 }]],
    ['widen the dense head (with noise)', [{ kind: 'widen', node: 'head', width: 12, seed: 3, noise: 0.1 }]],
    ['add-skip across pooling (pool + 1x1 conv)', [{ kind: 'addSkip', from: blockEnd(arch, 1), to: blockEnd(arch, 2) }]],
    ['add-skip from the input', [{ kind: 'addSkip', from: 'in', to: blockEnd(arch, 1) }]],
    ['concat-skip across pooling', [{ kind: 'concatSkip', from: blockEnd(arch, 1), to: blockEnd(arch, 2) }]],
    ['concat-skip into a conv input', [{ kind: 'concatSkip', from: 'in', to: blockEnd(arch, 1) }]],
    ['a sequence: deepen, widen the new conv, skip over it', [
      { kind: 'deepen', after: 'b1_pool' },
      { kind: 'widen', node: 'm1_conv', width: 8, seed: 4, noise: 0.05 },
      { kind: 'addSkip', from: 'b1_pool', to: blockEnd(arch, 2) },
      { kind: 'concatSkip', from: 'b1_pool', to: 'm1_add' },
    ]],
  ];

  for (const [name, net] of nets) {
    describe(name, () => {
      for (const [what, ms] of cases(net)) {
        it(what, () => {
          const { gap, spread, child } = outputGap(net, ms);
          gaps.push(gap);
          expect(architectureHash(child)).not.toBe(architectureHash(net));
          expect(spread).toBeGreaterThan(0.1); // the outputs are not flat, so agreement means something
          expect(gap).toBeLessThan(1e-4);
        });
      }
    });
  }

  for (const bn of [false, true]) {
    describe(`dense network, ${bn ? 'batch norm' : 'no batch norm'}`, () => {
      const net = denseNet({ batchNorm: bn });
      const end = (d: string) => (bn ? `${d}_relu` : d);
      const list: Array<[string, Morphism[]]> = [
        ['deepen after a hidden layer', [{ kind: 'deepen', after: end('d1') }]],
        ['deepen without batch norm after the input', [{ kind: 'deepen', after: 'in', batchNorm: false }]],
        ['widen a hidden layer (with noise)', [{ kind: 'widen', node: 'd1', width: 13, seed: 5, noise: 0.1 }]],
        ['widen the last hidden layer', [{ kind: 'widen', node: 'd2', width: 7, seed: 6 }]],
        ['add-skip (zero dense path)', [{ kind: 'addSkip', from: end('d1'), to: end('d2') }]],
        ['concat-skip', [{ kind: 'concatSkip', from: end('d1'), to: end('d2') }]],
      ];
      for (const [what, ms] of list) {
        it(what, () => {
          const { gap, spread } = outputGap(net, ms);
          gaps.push(gap);
          expect(spread).toBeGreaterThan(0.1);
          expect(gap).toBeLessThan(1e-4);
        });
      }
    });
  }

  it('the comparison notices a broken morphism (negative control)', () => {
    for (const ms of [[{ kind: 'widen', node: 'b1_conv', width: 9, seed: 1 }], [{ kind: 'addSkip', from: 'b1_pool', to: 'b2_conv' }]] as Morphism[][]) {
      expect(outputGap(convNet({ batchNorm: false }), ms, { perturb: true }).gap).toBeGreaterThan(1e-3);
    }
  });

  it('leaks no tensors', () => {
    console.log(`${gaps.length} morphism cases: largest output difference ${Math.max(...gaps).toExponential(2)}`);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('morphisms on graphs', () => {
  it('inserts relu only where the input is non-negative', () => {
    const net = convNet({ batchNorm: true });
    const afterRelu = applyMorphisms(net, [{ kind: 'deepen', after: 'b1_relu' }]).arch;
    const afterConv = applyMorphisms(net, [{ kind: 'deepen', after: 'b1_conv' }]).arch;
    expect(afterRelu.nodes.map((n) => n.op).filter((o) => o === 'activation')).toHaveLength(3);
    expect(afterConv.nodes.map((n) => n.op).filter((o) => o === 'activation')).toHaveLength(2);
  });

  it('replays to the same graph and ids', () => {
    const ms: Morphism[] = [{ kind: 'deepen', after: 'b1_pool' }, { kind: 'addSkip', from: 'b1_pool', to: 'm1_act' }];
    expect(applyMorphisms(convNet({ batchNorm: false }), ms).arch).toEqual(applyMorphisms(convNet({ batchNorm: false }), ms).arch);
  });

  it('rejects morphisms that do not apply, with typed errors', () => {
    const net = convNet({ batchNorm: false });
    const bad: Morphism[] = [
      { kind: 'deepen', after: 'nope' },
      { kind: 'deepen', after: 'out' },
      { kind: 'widen', node: 'b1_pool', width: 8, seed: 0 },
      { kind: 'widen', node: 'b1_conv', width: 3, seed: 0 },
      { kind: 'addSkip', from: 'b2_conv', to: 'b1_conv' },
      { kind: 'addSkip', from: 'head', to: 'b2_conv' },
    ];
    for (const m of bad) expect(() => applyMorphisms(net, [m]), JSON.stringify(m)).toThrow(InvalidArchitectureError);
    // A widened channel cannot pass an add: the other branch would not match.
    const skipped = applyMorphisms(net, [{ kind: 'addSkip', from: 'b1_pool', to: 'b2_conv' }]).arch;
    expect(() => applyMorphisms(skipped, [{ kind: 'widen', node: 'b2_conv', width: 8, seed: 0 }])).toThrow(/cannot pass node "m1_add"/);
  });
});
