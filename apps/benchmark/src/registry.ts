import { EvolutionStrategy } from '@autonas/strategy-evolution';
import { LocalSearchStrategy } from '@autonas/strategy-local';
import { PredictorStrategy } from '@autonas/strategy-predictor';
import { RandomStrategy } from '@autonas/strategy-random';
import { RlStrategy } from '@autonas/strategy-rl';
import type { BenchStrategy } from './strategies.js';

/**
 * Every strategy the benchmark compares, with the settings named in the row.
 *
 * @example
 * ```ts
 * import { STRATEGIES, runStrategyBenchmark } from '@autonas/benchmark';
 * const result = await runStrategyBenchmark({ strategies: STRATEGIES.filter((s) => s.name === 'predictor'), seeds: 2, queries: 25, optuna: false });
 * console.log(result.strategies[0]!.at[25]!.regret);
 * ```
 */
export const STRATEGIES: readonly BenchStrategy[] = [
  { name: 'random', create: (seed) => new RandomStrategy({ seed }) },
  { name: 'evolution', create: (seed) => new EvolutionStrategy({ seed }) },
  { name: 'evolution-p20-s5', create: (seed) => new EvolutionStrategy({ seed, populationSize: 20, sampleSize: 5 }) },
  { name: 'evolution-p20-s5-x0.5', create: (seed) => new EvolutionStrategy({ seed, populationSize: 20, sampleSize: 5, crossoverProbability: 0.5 }) },
  { name: 'rl', create: (seed) => new RlStrategy({ seed }), dispose: (s) => (s as RlStrategy).dispose() },
  { name: 'rl-lr0.01', create: (seed) => new RlStrategy({ seed, learningRate: 0.01 }), dispose: (s) => (s as RlStrategy).dispose() },
  { name: 'local', create: (seed) => new LocalSearchStrategy({ seed }) },
  { name: 'predictor', create: (seed) => new PredictorStrategy({ seed }) },
];
