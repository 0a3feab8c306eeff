export * from './tabular-estimator.js';
export * from './nas-bench-macro-space.js';
export * from './nas-bench-macro.js';
