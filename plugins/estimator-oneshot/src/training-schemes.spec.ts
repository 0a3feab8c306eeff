// The few-shot and sandwich training schemes of OneShotEstimator, on the 48-network TinyChainSpace.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, architectureHash, inferShapes, type Architecture } from '@autonas/core';
import { SearchData, downsample, loadMnist, splitDataset, subset } from '@autonas/data';
import { batchTensors, initRuntime, tf } from '@autonas/tfjs';
import { TinyChainSpace } from '@autonas/testing';
import { OneShotEstimator, type SupernetStep } from './oneshot-estimator.js';

let data: SearchData;
const space = new TinyChainSpace();
const all = space.all();

/** The weight variables of an architecture's path, by name. */
const varNames = (est: OneShotEstimator, arch: Architecture) => est.pathModel(arch).weights.map((w) => (w.read() as tf.Variable).name);

beforeAll(async () => {
  await initRuntime({ backend: 'wasm', log: () => {} });
  const { train } = await loadMnist({ trainSize: 3000 });
  data = splitDataset(downsample(train, 2), { fraction: 0.2, seed: 1 });
});

describe("OneShotEstimator, training 'few-shot'", () => {
  it('puts every architecture in exactly one sub-supernet, shares no weight between them, and gives each steps / K', async () => {
    const before = tf.memory().numTensors;
    const est = new OneShotEstimator(space, data, { training: 'few-shot', splitOn: ['chain/blocks', 'chain/block_1/batch_norm'], steps: 12, batchSize: 16, seed: 3, validationSamples: 100 });
    expect(est.subSupernets.map((s) => s.values)).toEqual([
      { 'chain/blocks': 1, 'chain/block_1/batch_norm': true },
      { 'chain/blocks': 1, 'chain/block_1/batch_norm': false },
      { 'chain/blocks': 2, 'chain/block_1/batch_norm': true },
      { 'chain/blocks': 2, 'chain/block_1/batch_norm': false },
    ]);
    for (const arch of all) {
      const holders = est.subSupernets.filter((s) => Object.entries(s.values).every(([d, v]) => arch.decisions![d] === v));
      expect(holders).toHaveLength(1);
      expect(est.subSupernets[est.subSupernetOf(arch)]!.values).toEqual(holders[0]!.values);
    }
    const seen: SupernetStep[] = [];
    const t = await est.trainSupernet({ onStep: (_s, _l, info) => seen.push(info) });
    expect(t.steps).toBe(12);
    expect(seen.map((s) => s.subSupernet)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    for (const s of seen) {
      expect(s.paths).toHaveLength(1);
      expect(est.subSupernetOf(s.paths[0]!)).toBe(s.subSupernet);
    }
    expect(est.subSupernets.map((s) => s.steps)).toEqual([3, 3, 3, 3]);
    // Every variable belongs to the paths of one sub-supernet only.
    const owner = new Map<string, number>();
    for (const arch of all) {
      const k = est.subSupernetOf(arch);
      for (const name of varNames(est, arch)) {
        expect(owner.get(name) ?? k).toBe(k);
        owner.set(name, k);
      }
    }
    expect(new Set(owner.values()).size).toBe(4);
    expect(est.layerCount).toBe(est.subSupernets.reduce((s, n) => s + n.layers, 0));
    // Two networks that differ only in block 1's batch norm: block 2's conv sees the same shape in
    // both, so one plain supernet shares it, and the split one does not.
    const withBn = space.build({ 'chain/blocks': 2, 'chain/block_1/batch_norm': true });
    const without = space.build({ 'chain/blocks': 2, 'chain/block_1/batch_norm': false });
    expect(est.pathModel(withBn).getLayer('b2_conv1')).not.toBe(est.pathModel(without).getLayer('b2_conv1'));
    const plain = new OneShotEstimator(space, data, { steps: 0 });
    expect(plain.pathModel(withBn).getLayer('b2_conv1')).toBe(plain.pathModel(without).getLayer('b2_conv1'));
    expect(plain.subSupernets).toHaveLength(1);
    plain.dispose();
    est.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splits on the first decision with a choice by default, and trains sub-supernets whose paths beat chance', async () => {
    const before = tf.memory().numTensors;
    const est = new OneShotEstimator(space, data, { training: 'few-shot', steps: 400, batchSize: 32, learningRate: 0.005, seed: 2, validationSamples: 300 });
    expect(est.splitOn).toEqual(['chain/blocks']);
    await est.trainSupernet();
    expect(est.subSupernets.map((s) => s.steps)).toEqual([200, 200]);
    const one = all.filter((a) => a.decisions!['chain/blocks'] === 1).slice(0, 2);
    const two = all.filter((a) => a.decisions!['chain/blocks'] === 2).slice(0, 2);
    for (const arch of one) expect((await est.score(arch)).accuracy).toBeGreaterThan(0.6); // chance: 0.1
    // Two blocks learn slower (0.30 and 0.32 measured): still three times chance.
    for (const arch of two) expect((await est.score(arch)).accuracy).toBeGreaterThan(0.25); // chance: 0.1
    est.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("OneShotEstimator, training 'sandwich'", () => {
  it('trains the largest, the smallest and sandwichPaths sampled paths each step, counting each as a step', async () => {
    const est = new OneShotEstimator(space, data, { training: 'sandwich', sandwichPaths: 3, steps: 12, batchSize: 16, seed: 4 });
    const { largest, smallest } = est.sandwichExtremes();
    const macs = all.map((a) => inferShapes(a).macs);
    expect(inferShapes(largest).macs).toBe(Math.max(...macs));
    expect(inferShapes(smallest).macs).toBe(Math.min(...macs));
    const seen: { step: number; info: SupernetStep }[] = [];
    const t = await est.trainSupernet({ onStep: (step, _l, info) => seen.push({ step, info }) });
    expect(t.steps).toBe(12);
    // 12 path updates: two sandwiches of 5 and a last one cut to the 2 steps left.
    expect(seen.map((s) => s.step)).toEqual([5, 10, 12]);
    expect(seen.map((s) => s.info.paths.length)).toEqual([5, 5, 2]);
    for (const { info } of seen) {
      expect(architectureHash(info.paths[0]!)).toBe(architectureHash(largest));
      expect(architectureHash(info.paths[1]!)).toBe(architectureHash(smallest));
    }
    est.dispose();
  });

  it('takes one Adam step on the summed gradients: the largest on the labels, the others on its predictions', async () => {
    const before = tf.memory().numTensors;
    // One batch holds the whole training set, so the step's batch is known (up to its order).
    const small: SearchData = { train: subset(data.train, Int32Array.from({ length: 32 }, (_, i) => i)), validation: data.validation };
    const lr = 0.001;
    const est = new OneShotEstimator(space, small, { training: 'sandwich', sandwichPaths: 0, steps: 2, batchSize: 32, learningRate: lr, seed: 5 });
    const { largest, smallest } = est.sandwichExtremes();
    const [big, tiny] = [est.pathModel(largest), est.pathModel(smallest)];
    const vars = new Map([...big.trainableWeights, ...tiny.trainableWeights].map((w) => [(w.read() as tf.Variable).name, w.read() as tf.Variable]));
    const { x, y } = batchTensors(small.train, Int32Array.from({ length: 32 }, (_, i) => i), 0, 32);
    const ce = (target: tf.Tensor, p: tf.Tensor) => tf.mean(tf.neg(tf.sum(tf.mul(target, tf.log(tf.clipByValue(p, 1e-7, 1))), -1))) as tf.Scalar;
    const teacher = tf.tidy(() => big.apply(x, { training: true }) as tf.Tensor);
    const gradsWith = (distill: boolean) => tf.variableGrads(() => {
      const pBig = big.apply(x, { training: true }) as tf.Tensor;
      return tf.add(ce(y, pBig), ce(distill ? teacher : y, tiny.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar;
    }, [...vars.values()]);
    const expected = gradsWith(true);
    const labels = gradsWith(false);
    const w0 = new Map([...vars].map(([n, v]) => [n, v.dataSync().slice()]));
    await est.trainSupernet();
    let checked = 0;
    let differsFromLabels = 0;
    for (const [name, v] of vars) {
      const g = expected.grads[name]!.dataSync();
      const gl = labels.grads[name]!.dataSync();
      const w1 = v.dataSync();
      const w = w0.get(name)!;
      for (let i = 0; i < g.length; i++) {
        if (Math.abs(g[i]!) < 1e-4) continue;
        // Adam's first step moves each weight by lr · g / (|g| + ε), i.e. lr against the gradient's sign.
        expect(Math.abs(w1[i]! - w[i]! + lr * Math.sign(g[i]!))).toBeLessThan(2e-5);
        checked++;
        if (Math.abs(gl[i]!) > 1e-4 && Math.sign(gl[i]!) !== Math.sign(g[i]!)) differsFromLabels++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(differsFromLabels).toBeGreaterThan(0); // hard labels for the smallest would have moved some weights the other way
    tf.dispose([x, y, teacher, expected.value, labels.value, ...Object.values(expected.grads), ...Object.values(labels.grads)]);
    est.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains a supernet whose largest and smallest paths beat chance', async () => {
    const before = tf.memory().numTensors;
    const est = new OneShotEstimator(space, data, { training: 'sandwich', steps: 400, batchSize: 32, learningRate: 0.005, seed: 2, validationSamples: 300 });
    await est.trainSupernet();
    const { largest, smallest } = est.sandwichExtremes();
    // 400 path updates are 100 sandwiches: the largest learns from the labels at every one
    // (0.82 measured), the smallest from the largest's predictions (0.47 measured; chance 0.1).
    expect((await est.score(largest)).accuracy).toBeGreaterThan(0.6);
    expect((await est.score(smallest)).accuracy).toBeGreaterThan(0.3); // chance: 0.1
    est.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("OneShotEstimator, training 'progressive'", () => {
  it('trains the largest path first, then opens each stage of decisions in order, the rest kept at the largest values', async () => {
    const before = tf.memory().numTensors;
    const stages = [['chain/blocks'], ['chain/block_1/filters', 'chain/block_2/filters', 'chain/head/units']];
    const est = new OneShotEstimator(space, data, { training: 'progressive', progressiveStages: stages, steps: 30, batchSize: 16, seed: 6 });
    const { largest } = est.sandwichExtremes();
    expect(largest.decisions).toMatchObject({ 'chain/blocks': 2, 'chain/block_1/filters': 16, 'chain/block_1/kernel_size': 5, 'chain/block_2/filters': 16, 'chain/head/units': 32 });
    const seen: { step: number; info: SupernetStep }[] = [];
    await est.trainSupernet({ onStep: (step, _l, info) => seen.push({ step, info }) });
    // 30 steps in 3 equal phases.
    expect(seen.map((s) => s.info.phase)).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)]);
    const changed = (arch: Architecture) => Object.keys(arch.decisions!).filter((d) => arch.decisions![d] !== largest.decisions![d]);
    const opened = [new Set<string>(), new Set(stages[0]), new Set(stages.flat())];
    const varied = [new Set<string>(), new Set<string>(), new Set<string>()];
    for (const { info } of seen) {
      expect(info.paths).toHaveLength(1);
      for (const d of changed(info.paths[0]!)) {
        // chain/block_2/filters is inert with one block (TinyChainSpace normalises it to 8).
        if (!(d === 'chain/block_2/filters' && info.paths[0]!.decisions!['chain/blocks'] === 1)) expect(opened[info.phase]!.has(d)).toBe(true);
        varied[info.phase]!.add(d);
      }
    }
    expect(varied[0]!.size).toBe(0); // phase 0: the largest path only
    expect([...varied[1]!]).toContain('chain/blocks');
    expect([...varied[2]!].filter((d) => stages[1]!.includes(d)).length).toBeGreaterThan(0);
    expect(varied[2]!.has('chain/block_1/kernel_size')).toBe(false); // never opened
    expect(est.progressivePhase(0)).toBe(0);
    expect(est.progressivePhase(29)).toBe(2);
    est.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('OneShotEstimator training options', () => {
  it('refuses an unknown scheme, a split that is not few-shot or names no decision, and bad sandwich sizes', () => {
    const bad = (o: ConstructorParameters<typeof OneShotEstimator>[2], message: RegExp) => {
      expect(() => new OneShotEstimator(space, data, o)).toThrow(ConfigurationError);
      expect(() => new OneShotEstimator(space, data, o)).toThrow(message);
    };
    bad({ training: 'shrinking' as never }, /training must be one of uniform, few-shot, sandwich, progressive/);
    bad({ progressiveStages: [['chain/blocks']] }, /progressiveStages is for training 'progressive'/);
    bad({ training: 'progressive', progressiveStages: [] }, /at least one stage/);
    bad({ training: 'progressive', progressiveStages: [['chain/blocks'], ['chain/blocks']] }, /"chain\/blocks" twice/);
    bad({ training: 'progressive', progressiveStages: [['chain/width']] }, /"chain\/width", which is not a decision/);
    bad({ splitOn: ['chain/blocks'] }, /splitOn is for training 'few-shot'/);
    bad({ training: 'few-shot', splitOn: ['chain/depth'] }, /"chain\/depth", which is not a decision/);
    bad({ training: 'few-shot', splitOn: [] }, /at least one decision/);
    bad({ training: 'few-shot', splitOn: ['chain/blocks', 'chain/blocks'] }, /twice/);
    bad({ training: 'sandwich', sandwichPaths: -1 }, /sandwichPaths must be an integer >= 0/);
    bad({ training: 'sandwich', sandwichPool: 0 }, /sandwichPool must be an integer >= 1/);
    try {
      new OneShotEstimator(space, data, { training: 'few-shot', splitOn: ['x'] });
    } catch (e) {
      expect((e as ConfigurationError).code).toBe('BAD_ONESHOT_OPTION');
    }
  });
});
