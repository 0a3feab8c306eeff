export * from './chain-space.js';
