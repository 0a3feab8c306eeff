import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

/**
 * Marks a kernel config registered by {@link replaceKernel}, holding what it replaced. A global
 * symbol, so that two copies of this module (e.g. a bundled and an unbundled one) still see each
 * other's replacements and do not wrap a wrapper.
 */
const REPLACED = Symbol.for('autonas.tfjs.replacedKernel');

interface ReplacementConfig extends KernelConfig {
  [REPLACED]: { original: KernelConfig | undefined };
}

function isReplacement(config: KernelConfig | undefined): config is ReplacementConfig {
  return config !== undefined && REPLACED in config;
}

/**
 * Replaces the kernel `kernelName` of `backendName` by `make(original)`, where `original` is the
 * kernel function registered before (undefined when there was none). The replacement keeps the
 * original's `setupFunc`/`disposeFunc` (the wasm kernels bind their wasm functions in
 * `setupFunc`, which the engine calls on every switch to the backend, so a wrapped kernel must
 * keep it). Idempotent: a kernel this already replaced is left alone.
 *
 * @returns true when it registered a replacement, false when the kernel was already replaced
 */
export function replaceKernel(
  backendName: string,
  kernelName: string,
  make: (original: KernelFunc | undefined) => KernelFunc,
): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (isReplacement(current)) return false;
  const config: ReplacementConfig = {
    kernelName,
    backendName,
    kernelFunc: make(current?.kernelFunc),
    [REPLACED]: { original: current },
  };
  if (current?.setupFunc !== undefined) config.setupFunc = current.setupFunc;
  if (current?.disposeFunc !== undefined) config.disposeFunc = current.disposeFunc;
  if (current !== undefined) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(config);
  return true;
}

/**
 * Undoes {@link replaceKernel}: registers the kernel that was replaced again (or none, if there
 * was none). Does nothing for a kernel that is not replaced.
 *
 * @returns true when it restored something
 */
export function restoreKernel(backendName: string, kernelName: string): boolean {
  const current = tf.getKernel(kernelName, backendName);
  if (!isReplacement(current)) return false;
  tf.unregisterKernel(kernelName, backendName);
  const original = current[REPLACED].original;
  if (original !== undefined) tf.registerKernel(original);
  return true;
}

/** Whether the kernel `kernelName` of `backendName` is a replacement made by {@link replaceKernel}. */
export function isKernelReplaced(backendName: string, kernelName: string): boolean {
  return isReplacement(tf.getKernel(kernelName, backendName));
}

/** The kernel function a replacement wraps, failing clearly when there is none. */
export function requireOriginal(original: KernelFunc | undefined, kernelName: string, backendName: string): KernelFunc {
  if (original === undefined) {
    throw new Error(`autonas: cannot wrap the '${kernelName}' kernel of the '${backendName}' backend: it is not registered`);
  }
  return original;
}
