import { strategyConformance } from '@autonas/testing/conformance';
import { LocalSearchStrategy } from './local-search-strategy.js';

// The defaults: 10 random starts, then the whole enumerated neighbourhood of each current architecture.
strategyConformance({ name: 'local', create: (seed) => new LocalSearchStrategy({ seed }) });

// Neighbourhoods drawn by space.mutate, one random start, so restarts and the mutate path are exercised.
strategyConformance({
  name: 'local (mutate, 8 neighbours, 1 initial)',
  create: (seed) => new LocalSearchStrategy({ seed, neighbourhood: 'mutate', neighbours: 8, initialSamples: 1 }),
});
