export * from './dense-space.js';
