export * from './low-fidelity-estimator.js';
