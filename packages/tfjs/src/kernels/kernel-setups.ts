// The wasm training-kernel optimisations one after the other, for measuring what each adds
// (`npm run bench -- kernels` in apps/benchmark).
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputFor } from './conv2d-backprop-input.js';
import { registerWasmTrainingKernels, restoreWasmKernels, type WasmFastPathKernel, type WasmTrainingKernelOptions } from './index.js';
import { replaceKernel } from './replace.js';

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

/**
 * The optimisations of the wasm training kernels, cumulatively: each setup adds one to the
 * previous, from tfjs-backend-wasm's own kernels to the default of `registerWasmTrainingKernels`
 * (the last). `npm run bench -- kernels` trains the default network with each in turn.
 *
 * @example
 * ```ts
 * import { KERNEL_SETUPS } from '@autonas/tfjs/kernel-setups';
 * for (const s of KERNEL_SETUPS) console.log(s.label);
 * ```
 */
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

/**
 * Loads tfjs-backend-wasm and selects it as it comes, without `initRuntime` (so without the
 * native kernels and the other fixes it registers): the backend {@link installKernelSetup}
 * configures for a measurement.
 *
 * @throws Error when the wasm backend cannot be selected.
 *
 * @example
 * ```ts
 * import { KERNEL_SETUPS, installKernelSetup, useBareWasmBackend } from '@autonas/tfjs/kernel-setups';
 * await useBareWasmBackend();
 * installKernelSetup(KERNEL_SETUPS[0]!);
 * ```
 */
export async function useBareWasmBackend(): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend is not available');
  await tf.ready();
}

/**
 * Installs `setup` on the wasm backend (undoing whatever an earlier setup installed).
 *
 * @param setup One of {@link KERNEL_SETUPS}, or a setup of your own.
 *
 * @example
 * ```ts
 * import { KERNEL_SETUPS, installKernelSetup } from '@autonas/tfjs/kernel-setups';
 * installKernelSetup(KERNEL_SETUPS[0]!); // tfjs-backend-wasm's own kernels, plus the missing conv gradients
 * installKernelSetup(KERNEL_SETUPS[KERNEL_SETUPS.length - 1]!); // back to the default
 * ```
 */
export function installKernelSetup(setup: KernelSetup): void {
  restoreWasmKernels();
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
  tf.registerKernel(conv2dBackpropFilterConfig('wasm', { im2col: setup.fewChannelPaths }));
  if (!setup.fewChannelPaths && setup.options.replaceConv2DBackpropInput !== false) {
    replaceKernel('wasm', 'Conv2DBackpropInput', () => conv2dBackpropInputFor('wasm', { depthwiseForOneChannel: false }));
  }
  registerWasmTrainingKernels(setup.options);
}
