import { beforeAll } from 'vitest';
import { initRuntime } from '@autonas/tfjs';
import { strategyConformance } from '@autonas/testing/conformance';
import { RlStrategy } from './rl-strategy.js';

// The controller is tiny (hidden 32): the cpu backend is as fast as wasm for it, pure JavaScript, and deterministic.
beforeAll(async () => {
  await initRuntime({ backend: 'cpu', log: () => {} });
});

strategyConformance({
  name: 'rl',
  create: (seed) => new RlStrategy({ seed }),
  dispose: (s) => (s as RlStrategy).dispose(),
});
