import { describe, expect, it } from 'vitest';
import type { SearchStrategy } from '@autonas/core';
import { LocalSearchStrategy } from '@autonas/strategy-local';
import { PredictorStrategy } from '@autonas/strategy-predictor';
import { builtinPlugins, type StrategyContext } from './builtins.js';

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
