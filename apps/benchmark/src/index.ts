export * from './strategies.js';
export { runBench } from './cli.js';
