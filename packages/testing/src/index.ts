export * from './grid-space.js';
export * from './unique-sampler.js';
export * from './tiny-chain-space.js';
export * from './zdt1.js';
