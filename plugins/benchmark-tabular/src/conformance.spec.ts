import { estimatorConformance, spaceConformance } from '@autonas/testing/conformance';
import { NasBenchMacroSpace, TabularEstimator, loadNasBenchMacro } from './index.js';

spaceConformance({ name: 'nas-bench-macro', create: () => new NasBenchMacroSpace(), outputShape: [10] });
spaceConformance({ name: 'nas-bench-macro (16×16, 5 classes)', create: () => new NasBenchMacroSpace({ inputShape: [16, 16, 3], classes: 5, channels: 8 }), outputShape: [5], samples: 10 });

const architecture = new NasBenchMacroSpace().fromKey('22212220');
// Reads the benchmark once per estimator: loadNasBenchMacro caches the file.
estimatorConformance({ name: 'tabular:nas-bench-macro', create: () => new TabularEstimator(loadNasBenchMacro(), { score: 'run' }), architecture, epochs: 1, deterministic: true });
// With a simulated cost slept for real (0.4 s an estimate), an abort must cut the sleep short.
estimatorConformance({
  name: 'tabular:nas-bench-macro, sleeping its cost',
  create: () => new TabularEstimator(loadNasBenchMacro(), { cost: () => 0.4, sleepMsPerSecond: 1000 }),
  architecture,
  epochs: 1,
  deterministic: true,
  abort: { afterMs: 20, withinMs: 150 },
});
