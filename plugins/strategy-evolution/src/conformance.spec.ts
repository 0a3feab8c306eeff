import { strategyConformance } from '@autonas/testing/conformance';
import { EvolutionStrategy } from './evolution-strategy.js';

// The defaults (population 100, tournament 25, as in Real et al. 2019).
strategyConformance({ name: 'evolution', create: (seed) => new EvolutionStrategy({ seed }) });

// A small population with crossover, which starts breeding after 10 trials, so the restore and
// failure checks exercise the evolving phase, not only the random initial one.
strategyConformance({
  name: 'evolution (population 10, tournament 3, crossover 0.5)',
  create: (seed) => new EvolutionStrategy({ seed, populationSize: 10, sampleSize: 3, crossoverProbability: 0.5 }),
});

// The multi-objective (NSGA-II style) path: the conformance estimator reports `score`, so two objectives on it exercise rank and crowding selection.
strategyConformance({
  name: 'evolution (two objectives)',
  create: (seed) => new EvolutionStrategy({ seed, populationSize: 10, sampleSize: 3, objectives: [{ metric: 'score', direction: 'maximize' }, { metric: 'score', direction: 'maximize' }] }),
});
