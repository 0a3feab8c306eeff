export * from './server.js';
export { ExperimentReader, trialRole, type PlannedFigures } from './experiment-reader.js';
export type * from './view.js';
