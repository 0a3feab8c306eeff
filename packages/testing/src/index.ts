export * from './grid-space.js';
export * from './unique-sampler.js';
