export * from './cell-plan.js';
export * from './supernet.js';
export * from './bilevel.js';
export * from './search.js';
export * from './darts-strategy.js';
