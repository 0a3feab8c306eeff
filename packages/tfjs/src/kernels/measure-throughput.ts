/**
 * Measures the training throughput (images/s) of the default network of the autonas search space
 * on the wasm backend, trained by `trainModel` (Adam, batch 64, on random 28×28×1 images), with
 * the optimisations of `registerWasmTrainingKernels` switched on one after the other, and the
 * time per kernel of a training step with all of them. Not a test. Run after building
 * (`npm run build` in packages/tfjs):
 *
 *   node dist/kernels/measure-throughput.js [steps=20] [--profile-only]
 *
 * The default network: conv2d(32, 3×3, no bias) → batchnorm → relu → maxpool 2×2 → dropout 0.25
 * → conv2d(64, 3×3, no bias) → batchnorm → relu → maxpool 2×2 → dropout 0.25 → flatten →
 * dense(128, relu) → dropout 0.5 → dense(10, softmax).
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the gradients, before the fast ones replace some
import { pathToFileURL } from 'node:url';
import type { Dataset } from '@autonas/data';
import { compileArchitecture } from '../compile.js';
import { defaultArchitecture } from '../default-architecture.js';
import { trainModel } from '../train.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputFor } from './conv2d-backprop-input.js';
import { registerWasmTrainingKernels, restoreWasmKernels, type WasmFastPathKernel, type WasmTrainingKernelOptions } from './index.js';
import { replaceKernel } from './replace.js';

export { defaultArchitecture } from '../default-architecture.js';

/** One configuration of the wasm training kernels. */
export interface KernelSetup {
  label: string;
  /** passed to `registerWasmTrainingKernels` */
  options: WasmTrainingKernelOptions;
  /** the im2col filter gradient and the depthwise input gradient for one input channel */
  fewChannelPaths: boolean;
}

const NONE: WasmFastPathKernel[] = [];
const step = (label: string, fastPaths: WasmFastPathKernel[], rest: Partial<KernelSetup> & { fastGradients?: boolean } = {}): KernelSetup => ({
  label,
  options: { replaceConv2DBackpropInput: true, fastPaths, fastGradients: rest.fastGradients ?? false },
  fewChannelPaths: rest.fewChannelPaths ?? false,
});
const MATMUL: WasmFastPathKernel[] = ['BatchMatMul', '_FusedMatMul'];
const POOL: WasmFastPathKernel[] = [...MATMUL, 'MaxPoolGrad', 'AvgPoolGrad'];
const REDUCE: WasmFastPathKernel[] = [...POOL, 'Sum', 'Mean'];
const TILE: WasmFastPathKernel[] = [...REDUCE, 'Tile'];
const BN: WasmFastPathKernel[] = [...TILE, 'FusedBatchNorm'];
const MEMORY: WasmFastPathKernel[] = [...BN, 'Identity', 'Cast', 'Slice'];

/** The optimisations, cumulatively: each setup adds one to the previous. The last is the default. */
export const KERNEL_SETUPS: readonly KernelSetup[] = [
  {
    label: "tfjs-backend-wasm's kernels (+ the missing conv gradients)",
    options: { replaceConv2DBackpropInput: false, fastPaths: false, fastGradients: false },
    fewChannelPaths: false,
  },
  step('+ Conv2DBackpropInput composed of XNNPACK Conv2D', NONE),
  step('+ BatchMatMul/_FusedMatMul: explicit transposes', MATMUL),
  step('+ MaxPoolGrad/AvgPoolGrad composed (first maximum)', POOL),
  step('+ Sum/Mean over leading axes via AvgPool', REDUCE),
  step('+ Tile as a broadcast', TILE),
  step('+ FusedBatchNorm as x·a + b', BN),
  step('+ Identity/Cast share data, Slice from the heap', MEMORY),
  step('+ gradients of Mean and FusedBatchNorm', MEMORY, { fastGradients: true }),
  {
    label: '+ im2col filter gradient / depthwise input gradient for 1 channel (default)',
    options: {},
    fewChannelPaths: true,
  },
];

/** Installs `setup` (undoing whatever an earlier setup installed). */
export function installKernelSetup(setup: KernelSetup): void {
  restoreWasmKernels();
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel(conv2dBackpropFilterConfig('wasm', { im2col: setup.fewChannelPaths }));
  if (!setup.fewChannelPaths && setup.options.replaceConv2DBackpropInput !== false) {
    replaceKernel('wasm', 'Conv2DBackpropInput', () => conv2dBackpropInputFor('wasm', { depthwiseForOneChannel: false }));
  }
  registerWasmTrainingKernels(setup.options);
}

/** `size` random 28×28×1 images in [0, 1) with labels 0..9. */
function randomDataset(size: number): Dataset {
  const x = new Float32Array(size * 28 * 28);
  let seed = 12345;
  for (let i = 0; i < x.length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    x[i] = seed / 2147483648;
  }
  const y = Int32Array.from({ length: size }, (_, i) => i % 10);
  return { x, y, sampleShape: [28, 28, 1], numClasses: 10, size, name: 'random' };
}

/** Result of {@link measureThroughput}. */
export interface ThroughputResult {
  label: string;
  batchSize: number;
  steps: number;
  imagesPerSecond: number;
  msPerStep: number;
  /** Milliseconds per training step by kernel, from `tf.profile` (only when asked for). */
  kernelMs?: Record<string, number>;
}

/**
 * Trains the default network with `trainModel` for `steps` batches (after two warm-up batches,
 * which compile the XNNPACK operators) with the kernels of `setup` installed, and reports
 * images/s; with `profile`, also the kernel times of an average step (`tf.profile` of five
 * steps; the `…__op` entries of fused ops, which contain their kernel, are left out).
 *
 * @example
 * ```sh
 * npm run build -w @autonas/tfjs && node packages/tfjs/dist/kernels/measure-throughput.js 20
 * ```
 */
export async function measureThroughput(
  setup: KernelSetup,
  options: { steps?: number; batchSize?: number; profile?: boolean } = {},
): Promise<ThroughputResult> {
  const steps = options.steps ?? 20;
  const batchSize = options.batchSize ?? 64;
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend is not available');
  await tf.ready();
  installKernelSetup(setup);
  const model = compileArchitecture(defaultArchitecture(), { seed: 1 });
  try {
    await trainModel(model, randomDataset(2 * batchSize), { batchSize });
    const result = await trainModel(model, randomDataset(steps * batchSize), { batchSize, seed: 1 });
    const out: ThroughputResult = {
      label: setup.label,
      batchSize,
      steps,
      imagesPerSecond: result.samplesPerSecond,
      msPerStep: (1000 * batchSize) / result.samplesPerSecond,
    };
    if (options.profile === true) {
      const profiled = 5;
      const info = await tf.profile(async () => {
        await trainModel(model, randomDataset(profiled * batchSize), { batchSize, seed: 2 });
      });
      const kernelMs: Record<string, number> = {};
      for (const k of info.kernels) {
        if (k.name.endsWith('__op')) continue;
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        kernelMs[k.name] = (kernelMs[k.name] ?? 0) + ms / profiled;
      }
      out.kernelMs = kernelMs;
    }
    return out;
  } finally {
    model.dispose();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const steps = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 20);
  const profileOnly = process.argv.includes('--profile-only');
  const setups = profileOnly ? KERNEL_SETUPS.slice(-1) : KERNEL_SETUPS;
  console.log(`default network, batch 64, Adam, trainModel on wasm (${steps} steps each):`);
  let first: number | undefined;
  let last: ThroughputResult | undefined;
  for (const [i, setup] of setups.entries()) {
    last = await measureThroughput(setup, { steps, profile: i === setups.length - 1 });
    first ??= last.imagesPerSecond;
    console.log(
      `  ${last.label.padEnd(78)} ${last.imagesPerSecond.toFixed(0).padStart(5)} images/s ` +
        `${last.msPerStep.toFixed(0).padStart(5)} ms/step  ×${(last.imagesPerSecond / first).toFixed(2)}`,
    );
  }
  const kernelMs = last?.kernelMs ?? {};
  const total = Object.values(kernelMs).reduce((a, b) => a + b, 0);
  const top = Object.entries(kernelMs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 20)
    .map(([name, ms]) => `  ${name.padEnd(28)} ${ms.toFixed(1).padStart(6)} ms`)
    .join('\n');
  console.log(`kernel time of one step with all optimisations (${total.toFixed(0)} ms of ${last?.msPerStep.toFixed(0)} ms):\n${top}`);
}
