export * from './local-search-strategy.js';
