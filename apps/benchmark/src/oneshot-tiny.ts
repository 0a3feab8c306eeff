/**
 * `npm run bench -- oneshot-tiny`: how far one-shot scores can be trusted on MNIST, on the small
 * chain-style space of the testing kit (`TinyChainSpace`, 48 architectures): trains a supernet
 * over it, trains a sample of its architectures alone, and prints Kendall's τ between one-shot
 * scores and stand-alone accuracies. (`npm run bench -- oneshot` does the same on the full chain
 * space.)
 *
 * Images are 2×2-average-pooled to 14×14. Stand-alone: 1 epoch of Adam (batch 32) on the same
 * training images, scored on the same validation images as the one-shot paths.
 *
 * @module
 */
import { Random } from '@autonas/core';
import { downsample, loadMnist, splitDataset } from '@autonas/data';
import { OneShotEstimator } from '@autonas/estimator-oneshot';
import { TinyChainSpace } from '@autonas/testing';
import { compileArchitecture, initRuntime, trainModel } from '@autonas/tfjs';
import type { Io } from './cli-options.js';

/** Options of {@link runTinyOneShot}. */
export interface TinyOneShotOptions {
  /** Architectures sampled from the 48 and also trained alone (default 20). */
  readonly architectures?: number;
  /** Supernet training steps of batch 32 (default 600). */
  readonly steps?: number;
  /** MNIST training images, a quarter held out for validation (default 4000). */
  readonly trainSize?: number;
}

/** Runs the measurement and prints its five lines to `io.out`. */
export async function runTinyOneShot(options: TinyOneShotOptions, io: Io): Promise<void> {
  const { architectures: count = 20, steps = 600, trainSize = 4000 } = options;
  await initRuntime({ backend: 'wasm' });
  const { train } = await loadMnist({ trainSize });
  const data = splitDataset(downsample(train, 2), { fraction: 0.25, seed: 1 });
  const space = new TinyChainSpace();
  const sample = new Random(11).shuffle(space.all()).slice(0, count);
  const est = new OneShotEstimator(space, data, { steps, batchSize: 32, seed: 3 });
  const t0 = performance.now();
  const trained = await est.trainSupernet();
  io.out(`supernet: ${trained.steps} steps in ${trained.seconds.toFixed(1)} s, last loss ${trained.loss.toFixed(3)}, ${est.layerCount} layers`);
  const standalone: number[] = [];
  let tAlone = 0;
  for (const arch of sample) {
    const model = compileArchitecture(arch, { seed: 5 });
    const r = await trainModel(model, data.train, { epochs: 1, batchSize: 32, validation: data.validation, seed: 5 });
    tAlone += r.seconds;
    standalone.push(r.bestValAccuracy!);
    model.dispose();
  }
  const t1 = performance.now();
  const rc = await est.rankCorrelation(sample.map((architecture, i) => ({ architecture, standalone: standalone[i]! })));
  const tScore = (performance.now() - t1) / 1000;
  io.out(`architectures ${sample.length}; train ${data.train.size} / validation ${data.validation.size} images 14x14`);
  io.out(`stand-alone: 1 epoch each, ${tAlone.toFixed(1)} s in all; accuracy ${Math.min(...standalone).toFixed(3)}..${Math.max(...standalone).toFixed(3)}`);
  io.out(`one-shot: scored in ${tScore.toFixed(1)} s in all; accuracy ${Math.min(...rc.oneShot).toFixed(3)}..${Math.max(...rc.oneShot).toFixed(3)}`);
  io.out(`Kendall tau (one-shot vs stand-alone): ${rc.tau.toFixed(3)}; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  est.dispose();
}
