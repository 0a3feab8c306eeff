export * from './random-strategy.js';
