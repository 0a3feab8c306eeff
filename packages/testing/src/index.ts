export * from './grid-space.js';
