export * from './strategies.js';
export { STRATEGIES } from './registry.js';
export { runBench } from './cli.js';
export { runHpBench, formatHpBench, type HpBenchOptions, type HpBenchResult, type HpBenchRun, type HpBenchMode } from './hp-bench.js';
