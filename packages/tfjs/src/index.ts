export * from './backend.js';
export * from './kernels/index.js';
export * from './native/index.js';
export * from './compile.js';
export { defaultArchitecture } from './default-architecture.js';
export { SeededDropout, type SeededDropoutArgs } from './seeded-dropout-layer.js';
export * from './train.js';
export * from './file-io.js';
