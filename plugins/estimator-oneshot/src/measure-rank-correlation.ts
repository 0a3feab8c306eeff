/**
 * Measures how far one-shot scores can be trusted on MNIST: trains a supernet over a small
 * chain-structured space (node ids as the chain space's: `b1_conv1`, `b1_bn1`, `head_dense`, ...),
 * trains a sample of its architectures alone, and prints Kendall's τ between one-shot scores and
 * stand-alone accuracies. Not a test. Run after building (`npm run build` here):
 *
 *   node dist/measure-rank-correlation.js [architectures=20] [steps=600] [trainSize=4000]
 *
 * Images are 2×2-average-pooled to 14×14. Stand-alone: 1 epoch of Adam (batch 32) on the same
 * training images, scored on the same validation images as the one-shot paths.
 *
 * @module
 */
import { pathToFileURL } from 'node:url';
import {
  ConfigurationError,
  Random,
  architectureHash,
  type ArchNode,
  type Architecture,
  type Decision,
  type DecisionValue,
  type SearchSpace,
  type ValidationResult,
} from '@autonas/core';
import { createDataset, loadMnist, splitDataset, type Dataset } from '@autonas/data';
import { compileArchitecture, initRuntime, trainModel } from '@autonas/tfjs';
import { OneShotEstimator } from './oneshot-estimator.js';

const CHOICES: Record<string, readonly DecisionValue[]> = {
  'chain/blocks': [1, 2],
  'chain/block_1/filters': [8, 16],
  'chain/block_1/kernel_size': [3, 5],
  'chain/block_1/batch_norm': [true, false],
  'chain/block_2/filters': [8, 16],
  'chain/head/units': [0, 32],
};

/**
 * A small chain-structured space on 14×14×1 images, built as the chain space builds its graphs:
 * 1–2 blocks of conv (filters, kernel size, optional batch norm + ReLU) and 2×2 max pooling, a
 * flatten, an optional dense head, the classifier. 48 architectures.
 */
export class TinyChainSpace implements SearchSpace {
  readonly name = 'tiny-chain';
  decisions(): readonly Decision[] {
    return Object.entries(CHOICES).map(([name, choices]) => ({ name, choices, default: choices[0] }));
  }
  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    const v: Record<string, DecisionValue> = {};
    for (const [k, choices] of Object.entries(CHOICES)) {
      v[k] = values[k] ?? choices[0]!;
      if (!choices.includes(v[k]!)) throw new ConfigurationError('BAD_CHOICE', `${k} = ${String(v[k])}`);
    }
    if (v['chain/blocks'] === 1) v['chain/block_2/filters'] = CHOICES['chain/block_2/filters']![0]!;
    const nodes: ArchNode[] = [{ id: 'input', op: 'input', params: { shape: [14, 14, 1] }, inputs: [] }];
    const add = (id: string, op: string, params: ArchNode['params']) => nodes.push({ id, op, params, inputs: [nodes[nodes.length - 1]!.id] });
    for (let b = 1; b <= Number(v['chain/blocks']); b++) {
      const bn = b === 1 && v['chain/block_1/batch_norm'] === true;
      const k = b === 1 ? Number(v['chain/block_1/kernel_size']) : 3;
      add(`b${b}_conv1`, 'conv2d', { filters: Number(v[`chain/block_${b}/filters`]), kernelSize: k, padding: 'same', activation: bn ? 'linear' : 'relu', useBias: !bn });
      if (bn) {
        add(`b${b}_bn1`, 'batchnorm', {});
        add(`b${b}_relu1`, 'activation', { fn: 'relu' });
      }
      add(`b${b}_pool`, 'maxpool2d', { poolSize: 2 });
    }
    add('reduce', 'flatten', {});
    if (Number(v['chain/head/units']) > 0) add('head_dense', 'dense', { units: Number(v['chain/head/units']), activation: 'relu' });
    add('classifier', 'classifier', { classes: 10 });
    return { nodes, space: this.name, decisions: v };
  }
  sample(rng: Random): Architecture {
    return this.build(Object.fromEntries(Object.entries(CHOICES).map(([k, c]) => [k, rng.choice(c)])));
  }
  mutate(arch: Architecture, rng: Random): Architecture {
    const k = rng.choice(Object.keys(CHOICES));
    return this.build({ ...arch.decisions, [k]: rng.choice(CHOICES[k]!.filter((c) => c !== arch.decisions?.[k])) });
  }
  validate(arch: Architecture): ValidationResult {
    return arch.space === this.name && arch.decisions && architectureHash(this.build(arch.decisions)) === architectureHash(arch)
      ? { valid: true }
      : { valid: false, reasons: ['not an architecture of tiny-chain'] };
  }
  /** Every architecture, each once. */
  all(): Architecture[] {
    const seen = new Map<string, Architecture>();
    const keys = Object.keys(CHOICES);
    const walk = (i: number, v: Record<string, DecisionValue>): void => {
      if (i === keys.length) {
        const a = this.build(v);
        seen.set(architectureHash(a), a);
        return;
      }
      for (const c of CHOICES[keys[i]!]!) walk(i + 1, { ...v, [keys[i]!]: c });
    };
    walk(0, {});
    return [...seen.values()];
  }
}

/** 2×2 average pooling of 28×28×1 images: 14×14×1. */
export function downsample2x(ds: Dataset): Dataset {
  const [h, w] = ds.sampleShape as [number, number, number];
  const [oh, ow] = [h >> 1, w >> 1];
  const x = new Float32Array(ds.size * oh * ow);
  for (let n = 0; n < ds.size; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const at = (r: number, c: number) => ds.x[n * h * w + r * w + c]!;
        x[n * oh * ow + i * ow + j] = (at(2 * i, 2 * j) + at(2 * i, 2 * j + 1) + at(2 * i + 1, 2 * j) + at(2 * i + 1, 2 * j + 1)) / 4;
      }
    }
  }
  return createDataset(x, ds.y, { sampleShape: [oh, ow, 1], numClasses: ds.numClasses, name: `${ds.name ?? 'data'}/14x14` });
}

async function main(): Promise<void> {
  const [count = 20, steps = 600, trainSize = 4000] = process.argv.slice(2).map(Number);
  await initRuntime({ backend: 'wasm' });
  const { train } = await loadMnist({ trainSize });
  const data = splitDataset(downsample2x(train), { fraction: 0.25, seed: 1 });
  const space = new TinyChainSpace();
  const sample = new Random(11).shuffle(space.all()).slice(0, count);
  const est = new OneShotEstimator(space, data, { steps, batchSize: 32, seed: 3 });
  const t0 = performance.now();
  const trained = await est.trainSupernet();
  console.log(`supernet: ${trained.steps} steps in ${trained.seconds.toFixed(1)} s, last loss ${trained.loss.toFixed(3)}, ${est.layerCount} layers`);
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
  console.log(`architectures ${sample.length}; train ${data.train.size} / validation ${data.validation.size} images 14x14`);
  console.log(`stand-alone: 1 epoch each, ${tAlone.toFixed(1)} s in all; accuracy ${Math.min(...standalone).toFixed(3)}..${Math.max(...standalone).toFixed(3)}`);
  console.log(`one-shot: scored in ${tScore.toFixed(1)} s in all; accuracy ${Math.min(...rc.oneShot).toFixed(3)}..${Math.max(...rc.oneShot).toFixed(3)}`);
  console.log(`Kendall tau (one-shot vs stand-alone): ${rc.tau.toFixed(3)}; total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  est.dispose();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
