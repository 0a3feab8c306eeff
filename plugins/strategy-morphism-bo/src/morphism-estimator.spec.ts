import { beforeAll, describe, expect, it } from 'vitest';
import { EventBus, InMemoryTrialStore, InvalidArchitectureError, LocalExecutionEngine, type Architecture, type EstimateContext, type TrialRecord } from '@autonas/core';
import { loadMnist, splitDataset, type SearchData } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { LINEAGE_KEYS, lineageOf } from './lineage.js';
import { MorphismBoStrategy } from './morphism-bo-strategy.js';
import { MorphismEstimator, WeightCache } from './morphism-estimator.js';
import { MorphismSpace } from './morphism-space.js';
import { OneNetworkSpace } from './nets.test-util.js';

/** A small MNIST network of chain-space shape: conv block with batch norm, pooling, flatten, classifier. */
const tiny: Architecture = {
  nodes: [
    { id: 'input', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] },
    { id: 'b1_conv1', op: 'conv2d', params: { filters: 4, kernelSize: 3, padding: 'same', activation: 'linear', useBias: false }, inputs: ['input'] },
    { id: 'b1_bn1', op: 'batchnorm', params: {}, inputs: ['b1_conv1'] },
    { id: 'b1_relu1', op: 'activation', params: { fn: 'relu' }, inputs: ['b1_bn1'] },
    { id: 'b1_pool', op: 'maxpool2d', params: { poolSize: 4 }, inputs: ['b1_relu1'] },
    { id: 'reduce', op: 'flatten', params: {}, inputs: ['b1_pool'] },
    { id: 'classifier', op: 'classifier', params: { classes: 10 }, inputs: ['reduce'] },
  ],
};
const ctx = (trialId: number): EstimateContext => ({ trialId, seed: trialId, signal: new AbortController().signal, report: () => {} });

describe('a morphism search on MNIST (wasm)', () => {
  let data: SearchData;
  beforeAll(async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const { train } = await loadMnist({ trainSize: 500 });
    data = splitDataset(train, { fraction: 0.2, seed: 0 });
  });

  it('runs end to end, and each child starts from its parent trained weights', async () => {
    const before = tf.memory().numTensors;
    const limits = { maxParams: 40_000, maxDepth: 6 };
    const space = new MorphismSpace(new OneNetworkSpace(tiny), limits);
    const estimator = new MorphismEstimator(data, { epochs: 1, batchSize: 32, learningRate: 0.003 });
    const store = new InMemoryTrialStore();
    const engine = new LocalExecutionEngine({ space, estimator, store, events: new EventBus(), maxTrials: 3, seed: 0 });
    const strategy = new MorphismBoStrategy({ seed: 1, ...limits, neighbours: 4, minTemperature: 1e-2 });
    await strategy.run(engine, space);
    engine.close();
    const trials = store.trials();
    expect(trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    for (const child of trials.slice(1)) {
      const parent = trials[child.parent!]!;
      expect(child.metrics.parentTrial).toBe(parent.id);
      // Before any training the child classifies the validation set exactly as its trained parent did.
      expect(child.metrics.inheritedValAccuracy).toBe(parent.score);
      expect(child.metrics.parentRetrained).toBeUndefined();
    }
    // A network trained from scratch for one epoch on 400 images is far above chance (0.1).
    expect(trials[0]!.score!).toBeGreaterThan(0.3);
    console.log(`MNIST (400 train / 100 validation, 1 epoch each): ${trials.map((t) => `trial ${t.id}: ${JSON.stringify(lineageOf(t.architecture, t.parent === undefined ? undefined : trials[t.parent])?.steps.map((s) => s.kind) ?? 'scratch')} inherited ${t.metrics.inheritedValAccuracy ?? '-'} → ${t.score}`).join('; ')}`);
    expect(estimator.cache.size).toBe(3);
    expect(tf.memory().numTensors).toBe(before);

    // A resumed search whose estimator lost the weights trains the parent again first.
    const fresh = new MorphismEstimator(data, { epochs: 1, batchSize: 32, learningRate: 0.003 });
    const again = await fresh.estimate(trials[1]!.architecture, { ...ctx(7), parent: trials[trials[1]!.parent!] });
    expect(again.metrics.parentRetrained).toBe(1);
    expect(again.metrics.inheritedValAccuracy).toBeGreaterThan(0.2);
    again.artifact!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a lineage that does not lead to the architecture', async () => {
    const estimator = new MorphismEstimator(data, { epochs: 1 });
    const bogus: Architecture = {
      nodes: tiny.nodes,
      decisions: { [LINEAGE_KEYS.steps]: JSON.stringify([{ kind: 'deepen', after: 'b1_pool' }]) },
    };
    const parent: TrialRecord = { id: 0, architecture: tiny, hash: 'x', status: 'completed', score: 0.5, metrics: {}, epochs: [], startedAt: 0 };
    estimator.cache.set('x', tiny, new Map());
    // Deepening the parent does not give the same network back.
    await expect(estimator.estimate(bogus, { ...ctx(0), parent })).rejects.toThrow(InvalidArchitectureError);
    await expect(estimator.estimate({ ...bogus, decisions: { [LINEAGE_KEYS.steps]: '{' } }, { ...ctx(0), parent })).rejects.toThrow(/malformed morphism lineage/);
    // Morphisms without the parent trial they apply to.
    await expect(estimator.estimate(bogus, ctx(0))).rejects.toThrow(/trial has no parent: submit it with \{ parent: trialId \}/);
  });

  it('the weight cache is bounded, least recently used first out', () => {
    const cache = new WeightCache(2);
    cache.set('a', tiny, new Map());
    cache.set('b', tiny, new Map());
    cache.get('a');
    cache.set('c', tiny, new Map());
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map((w) => w !== undefined)).toEqual([true, false, true]);
    expect(cache.get('a', { nodes: tiny.nodes.map((n) => ({ ...n, id: `x${n.id}`, inputs: n.inputs.map((i) => `x${i}`) })) })).toBeUndefined();
  });
});
