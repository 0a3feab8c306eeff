export * from './kendall-tau.js';
export * from './oneshot-estimator.js';
