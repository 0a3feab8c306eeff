export * from './protocol.js';
export * from './worker-pool-estimator.js';
