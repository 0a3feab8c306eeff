import { describe, expect, it } from 'vitest';
import { ConfigurationError, inferShapes, type Architecture } from '@autonas/core';
import { stack } from './darts-network.js';
import { DARTS_OPS, DARTS_V2, type Genotype } from './genotype.js';

const ofOp = (arch: Architecture, op: string) => arch.nodes.filter((n) => n.op === op);

describe('stack (DARTS evaluation network)', () => {
  it('gives the DARTS (second order) CIFAR-10 network its published 3.3M parameters', () => {
    // DARTS paper, Table 1: "DARTS (second order) ... 3.3M params" (the DARTS code counts without the
    // auxiliary head). The graph has NetworkCIFAR's layers: bias-free convolutions, 2 parameters per
    // batch-norm channel, a dense classifier with bias; 3,349,342 is 3.35M, 1.5% above the rounded 3.3M.
    const arch = stack(DARTS_V2, { cells: 20, channels: 36, inputShape: [32, 32, 3], classes: 10 });
    const info = inferShapes(arch);
    expect(info.totalParams).toBe(3_349_342);
    expect(Math.abs(info.totalParams / 3.3e6 - 1)).toBeLessThan(0.02); // 3.35M: 1.5% above the rounded 3.3M
    expect(info.macs).toBe(528_359_040);
    // stem: 3×3 conv 3 → 108 channels + BN; reductions at cells 6 and 13 (⌊20/3⌋, ⌊40/3⌋)
    expect(info.params.get('stem/conv')).toBe(3 * 3 * 3 * 108);
    expect(info.shapes.get('cell_5/concat')).toEqual([32, 32, 4 * 36]);
    expect(info.shapes.get('cell_6/concat')).toEqual([16, 16, 4 * 72]);
    expect(info.shapes.get('cell_13/concat')).toEqual([8, 8, 4 * 144]);
    expect(info.shapes.get('cell_19/concat')).toEqual([8, 8, 576]);
    expect(info.params.get('head/classifier')).toBe(576 * 10 + 10);
    // the cell after a reduction preprocesses its input from two cells back by a factorized reduce
    expect(arch.nodes.some((n) => n.id === 'cell_7/pre0/fr_shift')).toBe(true);
    expect(arch.nodes.some((n) => n.id === 'cell_8/pre0/fr_shift')).toBe(false);
  });

  it('re-stacks a cell for another depth, width and input size', () => {
    const small = stack(DARTS_V2, { cells: 5, channels: 8, inputShape: [28, 28, 1], classes: 10 });
    const info = inferShapes(small);
    expect(info.outputShape).toEqual([10]);
    expect(info.shapes.get('cell_1/concat')).toEqual([14, 14, 4 * 16]); // reductions at 1 and 3
    expect(info.shapes.get('cell_3/concat')).toEqual([7, 7, 4 * 32]);
    const wide = stack(DARTS_V2, { cells: 5, channels: 16, inputShape: [28, 28, 1], classes: 10 });
    const imagenetLike = stack(DARTS_V2, { cells: 8, channels: 16, inputShape: [64, 64, 3], classes: 100, stemMultiplier: 1 });
    expect(inferShapes(wide).totalParams).toBeGreaterThan(3 * info.totalParams);
    expect(inferShapes(imagenetLike).shapes.get('cell_7/concat')).toEqual([16, 16, 4 * 64]);
    expect(() => stack(DARTS_V2, { cells: 0, channels: 8, inputShape: [28, 28, 1], classes: 10 })).toThrow(ConfigurationError);
    expect(() => stack(DARTS_V2, { cells: 3, channels: 8, inputShape: [28, 28] as never, classes: 10 })).toThrow(/inputShape/);
  });

  it('builds every op in normal and reduction cells, on odd sizes too', () => {
    const ops = DARTS_OPS.filter((o) => o !== 'none');
    const cell = (shift: number) => Array.from({ length: 8 }, (_, i) => [ops[(i + shift) % ops.length]!, i < 2 ? i : i % 3] as const);
    const g: Genotype = { normal: cell(0), normal_concat: [2, 3, 4, 5], reduce: cell(3), reduce_concat: [2, 3, 4, 5] };
    for (const inputShape of [[28, 28, 1], [27, 25, 3]] as const) {
      const arch = stack(g, { cells: 3, channels: 6, inputShape, classes: 4 });
      const info = inferShapes(arch);
      expect(info.outputShape).toEqual([4]);
      expect(info.shapes.get('cell_0/concat')).toEqual([inputShape[0], inputShape[1], 4 * 6]); // cells = 3: reductions at 1 and 2
      expect(info.shapes.get('cell_1/concat')).toEqual([Math.ceil(inputShape[0] / 2), Math.ceil(inputShape[1] / 2), 4 * 12]);
      expect(info.shapes.get('cell_2/concat')).toEqual([Math.ceil(inputShape[0] / 4), Math.ceil(inputShape[1] / 4), 4 * 24]);
    }
    const arch = stack(g, { cells: 3, channels: 6, inputShape: [27, 25, 3], classes: 4 });
    expect(ofOp(arch, 'zeropad2d').length).toBeGreaterThan(0); // odd sizes: the shifted path is padded back
    expect(ofOp(arch, 'depthwiseconv2d').length).toBeGreaterThan(0); // a strided dilated conv in a reduction cell
  });

  it('drops none edges and makes a node with no edge left zeros', () => {
    const g: Genotype = {
      normal: [['none', 0], ['none', 1], ['sep_conv_3x3', 0], ['none', 2]],
      normal_concat: [2, 3],
      reduce: [['none', 0], ['none', 1], ['max_pool_3x3', 1], ['skip_connect', 2]],
      reduce_concat: [2, 3],
    };
    const arch = stack(g, { cells: 3, channels: 4, inputShape: [16, 16, 1], classes: 3 });
    const info = inferShapes(arch);
    const zeros = ofOp(arch, 'zeros');
    expect(zeros.map((n) => n.id).sort()).toEqual(['cell_0/node_2/zeros', 'cell_1/node_2/zeros', 'cell_2/node_2/zeros']);
    expect(zeros.map((n) => n.params.strides)).toEqual([1, 2, 2]); // cells = 3: cells 1 and 2 reduce
    expect(info.shapes.get('cell_0/node_2/zeros')).toEqual([16, 16, 4]);
    expect(info.shapes.get('cell_1/node_2/zeros')).toEqual([8, 8, 8]);
    expect(arch.nodes.some((n) => n.id.includes('edge_') && n.id.includes('none'))).toBe(false);
  });
});
