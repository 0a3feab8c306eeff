import { inferShapes, type Architecture } from '@autonas/core';
import { defaultArchitecture } from '@autonas/tfjs';

/** The networks of the throughput benchmark (the same three in `python/throughput.py`). */
export const THROUGHPUT_NETS = ['chain', 'mnist_cnn', 'resnet'] as const;
/** One of {@link THROUGHPUT_NETS}. */
export type ThroughputNet = (typeof THROUGHPUT_NETS)[number];

type Node = { id: string; op: string; params: Record<string, unknown>; inputs: string[] };
const node = (id: string, op: string, params: Record<string, unknown>, ...inputs: string[]): Node => ({ id, op, params, inputs });

/** The classic Keras `mnist_cnn` example: conv32-conv64 (valid, ReLU), maxpool, dropout, dense 128, dropout, softmax. */
function mnistCnn(): Architecture {
  return {
    nodes: [
      node('in', 'input', { shape: [28, 28, 1] }),
      node('conv1', 'conv2d', { filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu' }, 'in'),
      node('conv2', 'conv2d', { filters: 64, kernelSize: 3, padding: 'valid', activation: 'relu' }, 'conv1'),
      node('pool', 'maxpool2d', { poolSize: 2 }, 'conv2'),
      node('drop1', 'dropout', { rate: 0.25 }, 'pool'),
      node('flat', 'flatten', {}, 'drop1'),
      node('fc', 'dense', { units: 128, activation: 'relu' }, 'flat'),
      node('drop2', 'dropout', { rate: 0.5 }, 'fc'),
      node('out', 'classifier', { classes: 10 }, 'drop2'),
    ],
  } as unknown as Architecture;
}

/**
 * A small ResNet: a 3×3 stem of 16, then 3 stages of 2 basic blocks (conv-BN-ReLU-conv-BN plus the
 * shortcut, ReLU) of 16, 32 and 64 channels, the first block of stages 2 and 3 with stride 2 and a
 * 1×1 projection shortcut; global average pooling, softmax.
 */
function resnet(): Architecture {
  const nodes: Node[] = [node('in', 'input', { shape: [28, 28, 1] })];
  const convBn = (id: string, input: string, filters: number, kernelSize: number, strides: number): string => {
    nodes.push(node(`${id}_conv`, 'conv2d', { filters, kernelSize, strides, padding: 'same', useBias: false }, input));
    nodes.push(node(`${id}_bn`, 'batchnorm', {}, `${id}_conv`));
    return `${id}_bn`;
  };
  const relu = (id: string, input: string): string => {
    nodes.push(node(id, 'activation', { fn: 'relu' }, input));
    return id;
  };
  let x = relu('stem_relu', convBn('stem', 'in', 16, 3, 1));
  for (const [stage, filters] of [16, 32, 64].entries()) {
    for (let block = 0; block < 2; block++) {
      const id = `s${stage}b${block}`;
      const strides = stage > 0 && block === 0 ? 2 : 1;
      const branch = convBn(`${id}_b`, relu(`${id}_a_relu`, convBn(`${id}_a`, x, filters, 3, strides)), filters, 3, 1);
      const shortcut = strides === 1 ? x : convBn(`${id}_proj`, x, filters, 1, strides);
      nodes.push(node(`${id}_add`, 'add', {}, branch, shortcut));
      x = relu(`${id}_relu`, `${id}_add`);
    }
  }
  nodes.push(node('gap', 'globalavgpool2d', {}, x));
  nodes.push(node('out', 'classifier', { classes: 10 }, 'gap'));
  return { nodes } as unknown as Architecture;
}

/** The architecture of `net`. */
export function throughputArchitecture(net: ThroughputNet): Architecture {
  return net === 'chain' ? defaultArchitecture() : net === 'mnist_cnn' ? mnistCnn() : resnet();
}

/**
 * Floating-point operations of one training image of `net`: 6 per multiply-accumulate of the
 * forward pass (2 forward, 2 for the input gradient, 2 for the weight gradient), the usual
 * estimate; elementwise work is not counted.
 */
export function trainingFlopsPerImage(net: ThroughputNet): number {
  return 6 * inferShapes(throughputArchitecture(net)).macs;
}
