import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { PluginRegistry, requireCapability, type PluginEntry } from './registry.js';
import { headNode, objectiveEstimator, objectiveScore, objectiveValue, resolveObjective } from './objective.js';
import type { PerformanceEstimator } from './performance-estimator.js';

describe('PluginRegistry', () => {
  it('finds plugins by kind and name, lists them, and refuses unknown, duplicate and malformed entries', () => {
    const r = new PluginRegistry();
    r.register({ kind: 'strategy', name: 'a', create: (n: number) => n + 1 });
    r.register({ kind: 'space', name: 'a', create: () => 'space' });
    expect(r.get<number, number>('strategy', 'a').create(1)).toBe(2);
    expect(r.names('strategy')).toEqual(['a']);
    expect(r.has('space', 'a')).toBe(true);
    expect(() => r.get('strategy', 'b')).toThrow(expect.objectContaining({ code: 'UNKNOWN_PLUGIN', message: 'no strategy named "b"; registered: a' }));
    expect(() => r.register({ kind: 'strategy', name: 'a', create: () => 0 })).toThrow(expect.objectContaining({ code: 'DUPLICATE_PLUGIN' }));
    r.register({ kind: 'strategy', name: 'a', create: () => 0 }, { replace: true });
    expect(r.get('strategy', 'a').create(undefined)).toBe(0);
    expect(() => r.register({ kind: 'strategy', name: '', create: () => 0 })).toThrow(expect.objectContaining({ code: 'BAD_PLUGIN' }));
    const copy = r.clone().register({ kind: 'strategy', name: 'c', create: () => 1 });
    expect(copy.names('strategy')).toEqual(['a', 'c']);
    expect(r.names('strategy')).toEqual(['a']);
  });

  it('refuses a combination from what a plugin declares, with its reason', () => {
    const e: PluginEntry = { kind: 'estimator', name: 'one', capabilities: { workers: false, reasons: { workers: 'one supernet' } }, create: () => 0 };
    expect(() => requireCapability(e, 'workers', 'WORKERS_NOT_SUPPORTED', 'workers: 2')).toThrow(
      expect.objectContaining({ code: 'WORKERS_NOT_SUPPORTED', message: 'workers: 2 does not apply to the estimator "one": one supernet' }),
    );
    expect(() => requireCapability({ ...e, capabilities: { workers: true } }, 'workers', 'X', 'y')).not.toThrow();
  });
});

describe('objectives and heads', () => {
  it('maps a metric to a higher-is-better score and back', () => {
    const loss = resolveObjective('val_loss');
    expect(objectiveScore(0.3, loss)).toBe(-0.3);
    expect(objectiveValue(-0.3, loss)).toBe(0.3);
    expect(objectiveScore(0.9, resolveObjective('val_accuracy'))).toBe(0.9);
  });

  it('scores an estimate by the objective, and fails a trial whose estimator does not report the metric', async () => {
    const inner: PerformanceEstimator = { name: 'fixed', concurrency: 3, estimate: async () => ({ score: 1, metrics: { valMae: 0.25 }, cost: { seconds: 0 } }) };
    const ctx = { trialId: 0, seed: 0, signal: new AbortController().signal, report: () => {} };
    const byMae = objectiveEstimator(inner, 'val_mae');
    expect(byMae.concurrency).toBe(3);
    expect((await byMae.estimate({ nodes: [] }, ctx)).score).toBe(-0.25);
    await expect(objectiveEstimator(inner, 'val_accuracy').estimate({ nodes: [] }, ctx)).rejects.toThrow(/reported only: valMae/);
  });

  it('builds head nodes and refuses bad heads', () => {
    expect(headNode({ type: 'classification', classes: 3 }, 'o', 'x')).toEqual({ id: 'o', op: 'classifier', params: { classes: 3 }, inputs: ['x'] });
    expect(headNode({ type: 'regression', targetMean: 5, targetStd: 2 }, 'o', 'x').params).toEqual({ units: 1, scale: 2, offset: 5 });
    expect(() => headNode({ type: 'regression', units: 0 }, 'o', 'x')).toThrow(ConfigurationError);
    expect(() => headNode({ type: 'regression', targetStd: 0 }, 'o', 'x')).toThrow(/positive targetStd/);
    expect(() => headNode({ type: 'ranking' } as never, 'o', 'x')).toThrow(/unknown head/);
  });
});
