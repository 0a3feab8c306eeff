export * from './image-classifier.js';
export * from '@autonas/core';
export { loadMnist, createDataset, splitDataset, type Dataset } from '@autonas/data';
export { initRuntime, compileArchitecture, trainModel, evaluateModel, saveModel, loadModel, type RuntimeInfo } from '@autonas/tfjs';
export { ChainSpace, chainSpace, chainSpaceModule, type ChainSpaceOptions } from '@autonas/space-chain';
export { RandomStrategy, randomStrategy, randomStrategyModule, type RandomStrategyOptions } from '@autonas/strategy-random';
export { LowFidelityEstimator, lowFidelityEstimator, lowFidelityModule, type LowFidelityOptions } from '@autonas/estimator-lowfi';
