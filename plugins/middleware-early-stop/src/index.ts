export * from './hyperband-schedule.js';
export * from './stopping-rules.js';
export * from './early-stopping.js';
