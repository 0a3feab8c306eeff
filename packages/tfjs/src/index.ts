export * from './backend.js';
export * from './kernels/index.js';
export * from './compile.js';
export * from './train.js';
export * from './file-io.js';
