export * from './bullmq-estimator.js';
export * from './trial-worker.js';
export { pack, unpack, MAX_MESSAGE_BYTES } from './codec.js';
