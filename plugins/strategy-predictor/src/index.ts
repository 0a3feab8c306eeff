export * from './predictor-strategy.js';
export * from './mlp-ensemble.js';
