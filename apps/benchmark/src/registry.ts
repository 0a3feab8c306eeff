import { RandomStrategy } from '@autonas/strategy-random';
import type { BenchStrategy } from './strategies.js';

/** Every strategy the benchmark compares, with its default settings. */
export const STRATEGIES: readonly BenchStrategy[] = [
  { name: 'random', create: (seed) => new RandomStrategy({ seed }) },
];
