import { strategyConformance } from '@autonas/testing/conformance';
import { PredictorStrategy } from './predictor-strategy.js';

// The defaults (10 random architectures, then an ensemble of 5 MLPs and independent Thompson sampling).
strategyConformance({ name: 'predictor', create: (seed) => new PredictorStrategy({ seed }) });

// UCB and 'skip' for failures, so the restore and failure checks exercise the other paths.
strategyConformance({
  name: 'predictor (ucb, failures skipped, 3 initial)',
  create: (seed) => new PredictorStrategy({ seed, acquisition: 'ucb', failures: 'skip', initialSamples: 3 }),
});
