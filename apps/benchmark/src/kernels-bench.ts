/**
 * `npm run bench -- kernels`: the training throughput (images/s) of the default network of the
 * autonas search space on the wasm backend, trained by `trainModel` (Adam, batch 64, on random
 * 28×28×1 images), with the optimisations of `registerWasmTrainingKernels` switched on one after
 * the other (`KERNEL_SETUPS` of `@autonas/tfjs/kernel-setups`), and the time per kernel of a
 * training step with all of them. Runs on tfjs-backend-wasm as it comes (`useBareWasmBackend`),
 * without `initRuntime` and so without the native kernels.
 *
 * The default network: conv2d(32, 3×3, no bias) → batchnorm → relu → maxpool 2×2 → dropout 0.25
 * → conv2d(64, 3×3, no bias) → batchnorm → relu → maxpool 2×2 → dropout 0.25 → flatten →
 * dense(128, relu) → dropout 0.5 → dense(10, softmax).
 *
 * @module
 */
import type { Dataset } from '@autonas/data';
import { compileArchitecture, defaultArchitecture, tf, trainModel } from '@autonas/tfjs';
import { KERNEL_SETUPS, installKernelSetup, useBareWasmBackend, type KernelSetup } from '@autonas/tfjs/kernel-setups';
import type { Io } from './cli-options.js';

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
 * @param setup The kernels to install, one of `KERNEL_SETUPS`.
 * @param options Timed steps (default 20), batch size (default 64), whether to profile.
 * @returns The throughput, and the kernel times when profiled.
 */
export async function measureThroughput(
  setup: KernelSetup,
  options: { steps?: number; batchSize?: number; profile?: boolean } = {},
): Promise<ThroughputResult> {
  const steps = options.steps ?? 20;
  const batchSize = options.batchSize ?? 64;
  await useBareWasmBackend();
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

/** Runs every setup (only the last, the default, with `profileOnly`) and prints the table and the kernel times. */
export async function runKernelsBench(options: { steps: number; profileOnly: boolean }, io: Io): Promise<void> {
  const { steps, profileOnly } = options;
  const setups = profileOnly ? KERNEL_SETUPS.slice(-1) : KERNEL_SETUPS;
  io.out(`default network, batch 64, Adam, trainModel on wasm (${steps} steps each):`);
  let first: number | undefined;
  let last: ThroughputResult | undefined;
  for (const [i, setup] of setups.entries()) {
    last = await measureThroughput(setup, { steps, profile: i === setups.length - 1 });
    first ??= last.imagesPerSecond;
    io.out(
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
  io.out(`kernel time of one step with all optimisations (${total.toFixed(0)} ms of ${last?.msPerStep.toFixed(0)} ms):\n${top}`);
}
