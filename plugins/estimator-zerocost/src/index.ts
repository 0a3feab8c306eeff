export * from './proxies.js';
export * from './zero-cost-estimator.js';
