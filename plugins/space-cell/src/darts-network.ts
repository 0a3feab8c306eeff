import { ConfigurationError, type Architecture, type DecisionValue } from '@autonas/core';
import { checkGenotype, DARTS_OPS, type Genotype, type GenotypeEdge } from './genotype.js';
import { BN, GraphBuilder } from './graph-builder.js';

/** Options of {@link stack}: the network a cell is stacked into. */
export interface StackOptions {
  /** Number of cells (DARTS' `layers`); reduction cells sit at `⌊cells/3⌋` and `⌊2·cells/3⌋`. */
  readonly cells: number;
  /** Channels of each node in the first cells (DARTS' `C`); doubled at each reduction cell. */
  readonly channels: number;
  /** Shape of one input sample, `[height, width, channels]`. */
  readonly inputShape: readonly [number, number, number];
  /** Classes of the classifier. */
  readonly classes: number;
  /** The stem convolution has `stemMultiplier · channels` filters. Default 3, as DARTS on CIFAR. */
  readonly stemMultiplier?: number;
}

/** The space name recorded on architectures {@link stack} builds. */
export const DARTS_NETWORK_SPACE = 'darts';

/**
 * Builds a cell into a network as DARTS' CIFAR evaluation network (`NetworkCIFAR`, without the
 * auxiliary head and drop-path): stem (3×3 conv with `stemMultiplier · channels` filters, batch
 * norm), `cells` cells, each reading the outputs of the two cells before it, reduction cells at
 * `⌊cells/3⌋` and `⌊2·cells/3⌋` with doubled channels, global average pooling, classifier. In a
 * cell, the inputs are preprocessed by ReLU-conv1×1-BN (a factorized reduce for the input two
 * cells back when the previous cell reduced), each node sums its two edges, and the output
 * concatenates the `concat` states. Ops: `sep_conv_k×k` is ReLU-sepconv-BN twice, `dil_conv_k×k`
 * ReLU-dilated sepconv (dilation 2)-BN, pools are 3×3, `skip_connect` is the identity (a
 * factorized reduce where the stride is 2); `none` edges are dropped, and a node with no edge left
 * is a `zeros` node. Stride-2 edges are those from the cell inputs in a reduction cell.
 *
 * This is how a cell found on a small proxy task is reused on a larger one: the same genotype
 * stacked deeper, wider, or for another input size.
 *
 * @throws ConfigurationError `BAD_GENOTYPE` for a malformed genotype or an op outside
 *   `DARTS_OPS`, `BAD_STACK` for bad options
 *
 * @example
 * ```ts
 * import { inferShapes } from '@autonas/core';
 * import { DARTS_V2, stack } from '@autonas/space-cell';
 * const cifar = stack(DARTS_V2, { cells: 20, channels: 36, inputShape: [32, 32, 3], classes: 10 });
 * const mnist = stack(DARTS_V2, { cells: 3, channels: 8, inputShape: [28, 28, 1], classes: 10 });
 * console.log(inferShapes(cifar).totalParams, inferShapes(mnist).totalParams);
 * ```
 */
export function stack(genotype: Genotype, options: StackOptions): Architecture {
  return buildDartsNetwork(genotype, options);
}

/** {@link stack}, recording `space` and `decisions` on the architecture (for the search spaces). */
export function buildDartsNetwork(genotype: Genotype, options: StackOptions, decisions?: Readonly<Record<string, DecisionValue>>, space = DARTS_NETWORK_SPACE): Architecture {
  checkGenotype(genotype, DARTS_OPS);
  const { cells, channels, inputShape, classes } = options;
  const stemMultiplier = options.stemMultiplier ?? 3;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!positive(cells)) throw new ConfigurationError('BAD_STACK', `cells must be a positive integer, got ${cells}`);
  if (!positive(channels)) throw new ConfigurationError('BAD_STACK', `channels must be a positive integer, got ${channels}`);
  if (!positive(stemMultiplier)) throw new ConfigurationError('BAD_STACK', `stemMultiplier must be a positive integer, got ${stemMultiplier}`);
  if (!Number.isInteger(classes) || classes < 2) throw new ConfigurationError('BAD_STACK', `classes must be an integer >= 2, got ${classes}`);
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every(positive)) {
    throw new ConfigurationError('BAD_STACK', `inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const b = new GraphBuilder();
  const input = b.add('input', 'input', { shape: [...inputShape] }, []);
  const stemConv = b.add('stem/conv', 'conv2d', { filters: stemMultiplier * channels, kernelSize: 3, padding: 'same', useBias: false }, [input]);
  const stem = b.add('stem/bn', 'batchnorm', BN, [stemConv]);
  let [s0, s1] = [stem, stem];
  let size: [number, number] = [inputShape[0], inputShape[1]];
  let prevSize = size;
  let c = channels;
  let reductionPrev = false;
  for (let i = 0; i < cells; i++) {
    const reduction = i === Math.floor(cells / 3) || i === Math.floor((2 * cells) / 3);
    if (reduction) c *= 2;
    const out = buildCell(b, `cell_${i}`, s0, s1, reduction ? genotype.reduce : genotype.normal, reduction ? genotype.reduce_concat : genotype.normal_concat, {
      c, reduction, reductionPrev, size, prevSize,
    });
    prevSize = size;
    if (reduction) size = [Math.ceil(size[0] / 2), Math.ceil(size[1] / 2)];
    [s0, s1] = [s1, out];
    reductionPrev = reduction;
  }
  const gap = b.add('head/gap', 'globalavgpool2d', {}, [s1]);
  const out = b.add('head/classifier', 'classifier', { classes }, [gap]);
  return b.finish(out, space, decisions);
}

interface CellGeometry {
  /** Channels of each node. */
  c: number;
  reduction: boolean;
  reductionPrev: boolean;
  /** Spatial size of the previous cell's output (s1). */
  size: [number, number];
  /** Spatial size of the output two cells back (s0). */
  prevSize: [number, number];
}

function buildCell(b: GraphBuilder, p: string, s0: string, s1: string, edges: readonly GenotypeEdge[], concat: readonly number[], g: CellGeometry): string {
  const pre0 = g.reductionPrev ? factorizedReduce(b, `${p}/pre0`, s0, g.c, g.prevSize) : b.reluConvBn(`${p}/pre0`, s0, g.c, 1);
  const pre1 = b.reluConvBn(`${p}/pre1`, s1, g.c, 1);
  const states = [pre0, pre1];
  for (let k = 0; k < edges.length / 2; k++) {
    const node = k + 2;
    const terms: string[] = [];
    for (const e of [0, 1]) {
      const [op, from] = edges[2 * k + e]!;
      const strides = g.reduction && from < 2 ? 2 : 1;
      const out = applyOp(b, `${p}/node_${node}/edge_${e}`, op, states[from]!, g.c, strides, g.size);
      if (out !== undefined) terms.push(out);
    }
    states.push(
      terms.length === 0
        ? b.add(`${p}/node_${node}/zeros`, 'zeros', { strides: g.reduction ? 2 : 1 }, [pre1])
        : terms.length === 1
          ? terms[0]!
          : b.add(`${p}/node_${node}/add`, 'add', {}, terms),
    );
  }
  const outs = concat.map((i) => states[i]!);
  return outs.length === 1 ? outs[0]! : b.add(`${p}/concat`, 'concat', {}, outs);
}

/** One DARTS op on `x`; undefined for `none`. `size` is the spatial size of the cell inputs. */
function applyOp(b: GraphBuilder, p: string, op: string, x: string, c: number, strides: number, size: [number, number]): string | undefined {
  switch (op) {
    case 'none':
      return undefined;
    case 'skip_connect':
      return strides === 1 ? x : factorizedReduce(b, p, x, c, size);
    case 'max_pool_3x3':
    case 'avg_pool_3x3':
      return b.add(`${p}/${op === 'max_pool_3x3' ? 'maxpool' : 'avgpool'}`, op === 'max_pool_3x3' ? 'maxpool2d' : 'avgpool2d', { poolSize: 3, strides, padding: 'same' }, [x]);
    case 'sep_conv_3x3':
    case 'sep_conv_5x5': {
      const k = op === 'sep_conv_3x3' ? 3 : 5;
      let y = x;
      for (const [r, s] of [[1, strides], [2, 1]] as const) {
        const relu = b.add(`${p}/relu${r}`, 'activation', { fn: 'relu' }, [y]);
        const conv = b.add(`${p}/sep${r}`, 'sepconv2d', { filters: c, kernelSize: k, strides: s, padding: 'same', useBias: false }, [relu]);
        y = b.add(`${p}/bn${r}`, 'batchnorm', BN, [conv]);
      }
      return y;
    }
    case 'dil_conv_3x3':
    case 'dil_conv_5x5': {
      const k = op === 'dil_conv_3x3' ? 3 : 5;
      const relu = b.add(`${p}/relu`, 'activation', { fn: 'relu' }, [x]);
      let conv: string;
      if (strides === 1) {
        conv = b.add(`${p}/dilsep`, 'sepconv2d', { filters: c, kernelSize: k, dilationRate: 2, padding: 'same', useBias: false }, [relu]);
      } else {
        // A dilated convolution cannot also stride in tfjs: the stride-1 depthwise output at every
        // second pixel (a 1×1 pool with stride 2) is the same, then the pointwise convolution.
        const dw = b.add(`${p}/dildw`, 'depthwiseconv2d', { kernelSize: k, dilationRate: 2, padding: 'same', useBias: false }, [relu]);
        const sub = b.add(`${p}/subsample`, 'avgpool2d', { poolSize: 1, strides, padding: 'valid' }, [dw]);
        conv = b.add(`${p}/pointwise`, 'conv2d', { filters: c, kernelSize: 1, padding: 'same', useBias: false }, [sub]);
      }
      return b.add(`${p}/bn`, 'batchnorm', BN, [conv]);
    }
    default:
      throw new ConfigurationError('BAD_GENOTYPE', `op "${op}" is not one of ${DARTS_OPS.join(', ')}`);
  }
}

/**
 * DARTS' `FactorizedReduce`: ReLU, then two 1×1 convolutions with stride 2, one on the input and
 * one on the input shifted by one pixel (`x[1:, 1:]`, zero-padded back where the size is odd),
 * concatenated to `c` channels, then batch norm. Halves the spatial size (rounding up).
 */
function factorizedReduce(b: GraphBuilder, p: string, x: string, c: number, size: [number, number]): string {
  const relu = b.add(`${p}/fr_relu`, 'activation', { fn: 'relu' }, [x]);
  const c1 = Math.floor(c / 2);
  const conv1 = b.add(`${p}/fr_conv1`, 'conv2d', { filters: c1, kernelSize: 1, strides: 2, padding: 'same', useBias: false }, [relu]);
  let shifted = b.add(`${p}/fr_shift`, 'crop2d', { cropping: [[1, 0], [1, 0]] }, [relu]);
  const [oddH, oddW] = [size[0] % 2, size[1] % 2];
  if (oddH || oddW) shifted = b.add(`${p}/fr_pad`, 'zeropad2d', { padding: [[0, oddH], [0, oddW]] }, [shifted]);
  const conv2 = b.add(`${p}/fr_conv2`, 'conv2d', { filters: c - c1, kernelSize: 1, strides: 2, padding: 'same', useBias: false }, [shifted]);
  const cat = b.add(`${p}/fr_concat`, 'concat', {}, [conv1, conv2]);
  return b.add(`${p}/fr_bn`, 'batchnorm', BN, [cat]);
}
