export * from './strategies.js';
export { STRATEGIES } from './registry.js';
export { runBench } from './cli.js';
