export * from './bullmq-estimator.js';
export * from './trial-worker.js';
export { pack, unpack, packBinary, unpackBinary, MAX_MESSAGE_BYTES, MAX_SPEC_BYTES } from './codec.js';
