export * from './blob-codec.js';
export * from './sqlite-trial-store.js';
export * from './experiment-directory.js';
