export * from './low-fidelity-estimator.js';
export * from './fidelity.js';
