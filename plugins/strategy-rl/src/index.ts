export * from './rl-strategy.js';
