import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { ConfigurationError } from '@autonas/core';
import { loadNativeAddon } from './addon.js';
import { registerNativeKernels, restoreNativeKernels } from './native-kernels.js';

/** Whether the wasm backend runs its heavy kernels natively (see `RuntimeInfo.native`). */
export interface NativeRuntime {
  readonly active: boolean;
  /** Threads of the native kernels (when active). */
  readonly threads?: number;
  /** `avx512`, `avx2` or `sse` (when active). */
  readonly isa?: string;
  /** The kernels run natively (when active). */
  readonly kernels?: readonly string[];
  /** Why not (when not active). */
  readonly reason?: string;
}

/**
 * Called by `initRuntime` once the wasm backend is active: registers the native kernels when the
 * addon loads and is not switched off, checks them on two tiny products against known values,
 * and otherwise leaves (or puts back) the wasm kernels, saying why. Threads: `options.threads`,
 * else `AUTONAS_NATIVE_THREADS`, else one per core.
 *
 * @throws ConfigurationError `INVALID_NATIVE_THREADS` for an `AUTONAS_NATIVE_THREADS` that is not a positive integer
 */
export function startNativeKernels(options: { enabled?: boolean | undefined; threads?: number | undefined } = {}): NativeRuntime {
  const threads = options.threads ?? threadsFromEnv() ?? availableParallelism();
  if (options.enabled === false) {
    restoreNativeKernels();
    return Object.freeze({ active: false, reason: 'switched off (native: false)' });
  }
  const status = loadNativeAddon();
  if (status.addon === undefined) {
    restoreNativeKernels();
    return Object.freeze({ active: false, reason: status.reason ?? 'unavailable' });
  }
  try {
    const info = registerNativeKernels({ addon: status.addon, threads });
    const failure = checkNativeKernels();
    if (failure !== undefined) {
      restoreNativeKernels();
      return Object.freeze({ active: false, reason: `failed their start-up check (${failure}), so the wasm kernels are used` });
    }
    return Object.freeze({ active: true, threads: info.threads, isa: info.isa, kernels: info.kernels });
  } catch (e) {
    restoreNativeKernels();
    return Object.freeze({ active: false, reason: `failed to start (${e instanceof Error ? e.message : String(e)}), so the wasm kernels are used` });
  }
}

/**
 * `AUTONAS_NATIVE_THREADS`, e.g. set by a pool of N worker processes to cores / N so that they do
 * not oversubscribe the cores; undefined when unset. A value that is not a positive integer is a
 * `ConfigurationError` `INVALID_NATIVE_THREADS`.
 */
function threadsFromEnv(): number | undefined {
  const raw = typeof process !== 'undefined' ? process.env['AUTONAS_NATIVE_THREADS']?.trim() : undefined;
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ConfigurationError('INVALID_NATIVE_THREADS', `AUTONAS_NATIVE_THREADS is '${raw}', expected a positive integer`);
  return n;
}

/** A matrix product and a convolution with known results; the first mismatch, or undefined. */
function checkNativeKernels(): string | undefined {
  return tf.tidy(() => {
    const product = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([5, 6, 7, 8], [2, 2])).dataSync();
    if (![19, 22, 43, 50].every((v, i) => product[i] === v)) return `matMul gave [${Array.from(product).join(', ')}], expected [19, 22, 43, 50]`;
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const conv = tf.conv2d(x, tf.ones([3, 3, 1, 2]) as tf.Tensor4D, 1, 'valid').dataSync();
    if (conv[0] !== 45 || conv[1] !== 45) return `conv2d gave [${Array.from(conv).join(', ')}], expected [45, 45]`;
    return undefined;
  });
}
