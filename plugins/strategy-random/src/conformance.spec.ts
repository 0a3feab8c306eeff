import { strategyConformance } from '@autonas/testing/conformance';
import { RandomStrategy } from './random-strategy.js';

strategyConformance({
  name: 'random',
  create: (seed) => new RandomStrategy({ seed }),
  // Random search does not learn from results: it finds the toy optimum within 30% of the space
  // only 30% of the time, by design.
  optimum: false,
});
