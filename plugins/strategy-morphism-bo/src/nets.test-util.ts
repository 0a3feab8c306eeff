import { Random, architectureHash, type ArchNode, type Architecture, type Decision, type SearchSpace, type TrialRecord, type ValidationResult } from '@autonas/core';
import type { NetWeights, WeightArray } from './morphisms.js';

/** A chain-space-like conv network: conv blocks (with or without batch norm), pooling, a reduction, a dense head, a classifier. */
export function convNet(options: { batchNorm: boolean; reduction?: 'flatten' | 'global_avg'; inputShape?: number[]; classes?: number; filters?: number[] }): Architecture {
  const { batchNorm } = options;
  const nodes: ArchNode[] = [{ id: 'in', op: 'input', params: { shape: options.inputShape ?? [8, 8, 2] }, inputs: [] }];
  const add = (id: string, op: string, params: ArchNode['params']) => nodes.push({ id, op, params, inputs: [nodes[nodes.length - 1]!.id] });
  (options.filters ?? [4, 6]).forEach((f, k) => {
    const b = k + 1;
    add(`b${b}_conv`, 'conv2d', { filters: f, kernelSize: 3, padding: 'same', activation: batchNorm ? 'linear' : 'relu', useBias: !batchNorm });
    if (batchNorm) {
      add(`b${b}_bn`, 'batchnorm', {});
      add(`b${b}_relu`, 'activation', { fn: 'relu' });
    }
    if (b === 1) add('b1_pool', 'maxpool2d', { poolSize: 2 });
  });
  add('reduce', options.reduction === 'global_avg' ? 'globalavgpool2d' : 'flatten', {});
  add('head', 'dense', { units: 5, activation: 'relu' });
  add('out', 'classifier', { classes: options.classes ?? 3 });
  return { nodes };
}

/** A multilayer perceptron with two hidden layers, with or without batch norm. */
export function denseNet(options: { batchNorm: boolean }): Architecture {
  const nodes: ArchNode[] = [{ id: 'in', op: 'input', params: { shape: [6] }, inputs: [] }];
  const add = (id: string, op: string, params: ArchNode['params']) => nodes.push({ id, op, params, inputs: [nodes[nodes.length - 1]!.id] });
  [8, 5].forEach((u, k) => {
    const d = `d${k + 1}`;
    add(d, 'dense', { units: u, activation: options.batchNorm ? 'linear' : 'relu' });
    if (options.batchNorm) {
      add(`${d}_bn`, 'batchnorm', {});
      add(`${d}_relu`, 'activation', { fn: 'relu' });
    }
  });
  add('out', 'classifier', { classes: 3 });
  return { nodes };
}

/**
 * Random biases and batch-norm parameters and statistics (a freshly compiled model has zero
 * biases and identity batch norms, which would hide mistakes), and kernels scaled up so the
 * softmax is far from uniform.
 */
export function randomize(weights: NetWeights, arch: Architecture, seed: number): Map<string, WeightArray[]> {
  const rng = new Random(seed);
  const out = new Map<string, WeightArray[]>();
  for (const [id, arrays] of weights) {
    const op = arch.nodes.find((n) => n.id === id)!.op;
    out.set(id, arrays.map((a, k) => {
      const v = Float32Array.from(a.values);
      if (op === 'batchnorm') for (let i = 0; i < v.length; i++) v[i] = k === 0 || k === 3 ? 0.5 + rng.next() : rng.normal(0, 0.3);
      else if (k === 0) for (let i = 0; i < v.length; i++) v[i]! *= 2;
      else for (let i = 0; i < v.length; i++) v[i] = rng.normal(0, 0.2);
      return { shape: a.shape, values: v };
    }));
  }
  return out;
}

/** A space of one network (the starting point of a morphism search in tests). */
export class OneNetworkSpace implements SearchSpace {
  readonly name = 'one';
  constructor(private readonly arch: Architecture) {}
  decisions(): readonly Decision[] {
    return [];
  }
  build(): Architecture {
    return { ...this.arch, space: this.name };
  }
  sample(): Architecture {
    return this.build();
  }
  mutate(): Architecture {
    return this.build();
  }
  validate(arch: Architecture): ValidationResult {
    return architectureHash(arch) === architectureHash(this.arch) ? { valid: true } : { valid: false, reasons: ['not the one network'] };
  }
  defaultArchitecture(): Architecture {
    return this.build();
  }
}

/** A trial record as an engine would give it. */
export function completedTrial(id: number, architecture: Architecture, score: number): TrialRecord {
  return { id, architecture, hash: architectureHash(architecture), status: 'completed', score, metrics: {}, epochs: [], startedAt: 0 };
}
