import type { Architecture } from '@autonas/core';

/**
 * The default network of the chain search space (its known-good start), for 10 classes and
 * images of `inputShape` (default 28×28×1): conv2d(32, 3×3, no bias) → batchnorm → relu →
 * maxpool 2×2 → dropout 0.25 → conv2d(64, 3×3, no bias) → batchnorm → relu → maxpool 2×2 →
 * dropout 0.25 → flatten → dense(128, relu) → dropout 0.5 → dense(10, softmax). The network the
 * throughput measurements train.
 *
 * @example
 * ```ts
 * import { compileArchitecture, defaultArchitecture } from '@autonas/tfjs';
 * const model = compileArchitecture(defaultArchitecture(), { seed: 1 });
 * ```
 */
export function defaultArchitecture(inputShape: readonly [number, number, number] = [28, 28, 1]): Architecture {
  const node = (id: string, op: string, params: Record<string, unknown>, prev?: string) => ({ id, op, params, inputs: prev ? [prev] : [] });
  return {
    nodes: [
      node('in', 'input', { shape: [...inputShape] }),
      node('conv1', 'conv2d', { filters: 32, kernelSize: 3, padding: 'same', activation: 'linear', useBias: false }, 'in'),
      node('bn1', 'batchnorm', {}, 'conv1'),
      node('relu1', 'activation', { fn: 'relu' }, 'bn1'),
      node('pool1', 'maxpool2d', { poolSize: 2 }, 'relu1'),
      node('drop1', 'dropout', { rate: 0.25 }, 'pool1'),
      node('conv2', 'conv2d', { filters: 64, kernelSize: 3, padding: 'same', activation: 'linear', useBias: false }, 'drop1'),
      node('bn2', 'batchnorm', {}, 'conv2'),
      node('relu2', 'activation', { fn: 'relu' }, 'bn2'),
      node('pool2', 'maxpool2d', { poolSize: 2 }, 'relu2'),
      node('drop2', 'dropout', { rate: 0.25 }, 'pool2'),
      node('flat', 'flatten', {}, 'drop2'),
      node('fc', 'dense', { units: 128, activation: 'relu' }, 'flat'),
      node('drop3', 'dropout', { rate: 0.5 }, 'fc'),
      node('out', 'classifier', { classes: 10 }, 'drop3'),
    ],
  } as unknown as Architecture;
}

