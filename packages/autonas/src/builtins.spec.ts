import { describe, expect, it } from 'vitest';
import type { SearchStrategy } from '@autonas/core';
import { LocalSearchStrategy } from '@autonas/strategy-local';
import { PredictorStrategy } from '@autonas/strategy-predictor';
import { ZeroCostEstimator } from '@autonas/estimator-zerocost';
import { createDataset } from '@autonas/data';
import { GridSpace } from '@autonas/testing';
import { builtinPlugins, type EstimatorPlugin, type StrategyContext } from './builtins.js';

describe('built-in strategy plugins', () => {
  it('has the predictor and local search by name, made from the seed, the budget and the options', () => {
    const r = builtinPlugins();
    expect(r.names('strategy')).toEqual(expect.arrayContaining(['predictor', 'local']));
    const context: StrategyContext = { seed: 3, maxTrials: 20, startWithDefault: true, options: { acquisition: 'ucb' } };
    const predictor = r.get<StrategyContext, SearchStrategy>('strategy', 'predictor').create(context);
    expect(predictor).toBeInstanceOf(PredictorStrategy);
    expect(predictor.name).toBe('predictor');
    const local = r.get<StrategyContext, SearchStrategy>('strategy', 'local').create({ ...context, options: { neighbourhood: 'mutate' } });
    expect(local).toBeInstanceOf(LocalSearchStrategy);
    expect(local.name).toBe('local');
  });
});

describe('built-in estimator plugins', () => {
  it('has zerocost by name, a proxy estimator made from the options', () => {
    const r = builtinPlugins();
    const entry = r.get('estimator', 'zerocost') as EstimatorPlugin;
    expect(entry.capabilities?.proxyScores).toBe(true);
    const train = createDataset(Array.from({ length: 8 }, (_, i) => [i, 1, 0, 1]), [0, 1, 0, 1, 0, 1, 0, 1]);
    const prepared = entry.create({ data: { train, validation: train }, space: new GridSpace({ a: [1] }), training: {}, seed: 0, options: { proxy: 'synflow', batchSize: 8 } });
    expect(prepared.estimator).toBeInstanceOf(ZeroCostEstimator);
    expect((prepared.estimator as ZeroCostEstimator).proxy).toBe('synflow');
    expect(prepared.epochs).toBe(0);
  });
});
