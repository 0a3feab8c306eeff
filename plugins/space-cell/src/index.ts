export * from './genotype.js';
export { DARTS_NETWORK_SPACE, stack, type StackOptions } from './darts-network.js';
export * from './darts-space.js';
export * from './nb201-space.js';
export * from './cell-diagram.js';
