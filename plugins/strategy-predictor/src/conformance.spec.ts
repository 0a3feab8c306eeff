import { strategyConformance } from '@autonas/testing/conformance';
import { PredictorStrategy } from './predictor-strategy.js';

// The defaults (10 random architectures, then an ensemble of 5 MLPs and independent Thompson sampling).
strategyConformance({ name: 'predictor', create: (seed) => new PredictorStrategy({ seed }) });

// UCB and 'skip' for failures, so the restore and failure checks exercise the other paths.
strategyConformance({
  name: 'predictor (ucb, failures skipped, 3 initial)',
  create: (seed) => new PredictorStrategy({ seed, acquisition: 'ucb', failures: 'skip', initialSamples: 3 }),
});

// The multi-objective path (random-weight scalarisation): the conformance estimator reports `score`, so two objectives on it exercise it.
strategyConformance({
  name: 'predictor (two objectives)',
  create: (seed) => new PredictorStrategy({ seed, initialSamples: 4, ensembleSize: 2, hiddenUnits: 8, epochs: 20, candidates: 30, objectives: [{ metric: 'score', direction: 'maximize' }, { metric: 'score', direction: 'minimize' }] }),
});
