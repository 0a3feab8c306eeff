export * from './evolution-strategy.js';
