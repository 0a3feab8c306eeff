import {
  ConfigurationError,
  architectureHash,
  type ArchNode,
  type Architecture,
  type Decision,
  type DecisionValue,
  type Random,
  type SearchSpace,
  type ValidationResult,
} from '@autonas/core';

const CHOICES: Record<string, readonly DecisionValue[]> = {
  'chain/blocks': [1, 2],
  'chain/block_1/filters': [8, 16],
  'chain/block_1/kernel_size': [3, 5],
  'chain/block_1/batch_norm': [true, false],
  'chain/block_2/filters': [8, 16],
  'chain/head/units': [0, 32],
};

/**
 * A small chain-structured space on 14×14×1 images, built as the chain space builds its graphs
 * (node ids as the chain space's: `b1_conv1`, `b1_bn1`, `head_dense`, ...): 1–2 blocks of conv
 * (filters, kernel size, optional batch norm + ReLU) and 2×2 max pooling, a flatten, an optional
 * dense head, the classifier. 48 architectures, small enough to train them all: for estimator
 * tests and measurements that need real networks without a plugin's space.
 *
 * @example
 * ```ts
 * import { TinyChainSpace } from '@autonas/testing';
 * const space = new TinyChainSpace();
 * console.log(space.all().length); // 48
 * ```
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
