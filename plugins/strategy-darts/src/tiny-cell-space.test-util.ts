import { ConfigurationError, type ArchNode, type Architecture, type Decision, type DecisionValue, type ParamValue, type Random, type SearchSpace, type ValidationResult } from '@autonas/core';

/**
 * A small test space with the DARTS cell decision naming (`cell/<normal|reduce>/node_<i>/<input|op>_<k>`),
 * written here because plugins may not import @autonas/space-cell. Its network is one normal
 * cell then one reduction cell on a 3×3 stem (DARTS ops, simplified: a stride-2 skip is a 1×1
 * stride-2 convolution), global pooling and a classifier.
 */
export class TinyCellSpace implements SearchSpace {
  readonly name = 'tiny-cell';
  private readonly list: Decision[] = [];

  constructor(
    private readonly o: { inputShape: [number, number, number]; numClasses: number; nodes?: number; channels?: number; ops: readonly string[] },
  ) {
    for (const kind of ['normal', 'reduce']) {
      for (let node = 2; node < (o.nodes ?? 2) + 2; node++) {
        for (const k of [0, 1]) {
          this.list.push({ name: `cell/${kind}/node_${node}/input_${k}`, choices: Array.from({ length: node }, (_, i) => i), default: k });
          this.list.push({ name: `cell/${kind}/node_${node}/op_${k}`, choices: [...o.ops], default: o.ops.find((x) => x !== 'none') });
        }
      }
    }
  }

  decisions(): readonly Decision[] {
    return this.list;
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    const full: Record<string, DecisionValue> = {};
    for (const d of this.list) {
      const v = values[d.name] ?? d.default!;
      if (!d.choices.includes(v)) throw new ConfigurationError('BAD_CHOICE', `${d.name}=${JSON.stringify(v)}`);
      full[d.name] = v;
    }
    const nodes: ArchNode[] = [];
    const add = (id: string, op: string, params: Record<string, ParamValue>, inputs: string[]) => (nodes.push({ id, op, params, inputs }), id);
    const c = this.o.channels ?? 4;
    const bn = (id: string, x: string) => add(id, 'batchnorm', {}, [x]);
    const rcb = (p: string, x: string, strides = 1) => bn(`${p}/bn`, add(`${p}/conv`, 'conv2d', { filters: c, kernelSize: 1, strides, padding: 'same', useBias: false }, [add(`${p}/relu`, 'activation', { fn: 'relu' }, [x])]));
    const applyOp = (p: string, op: string, x: string, strides: number): string | undefined => {
      if (op === 'none') return undefined;
      if (op === 'skip_connect') return strides === 1 ? x : rcb(p, x, strides);
      if (op.endsWith('pool_3x3')) return add(p, op.startsWith('max') ? 'maxpool2d' : 'avgpool2d', { poolSize: 3, strides, padding: 'same' }, [x]);
      const k = op.endsWith('5x5') ? 5 : 3;
      const relu = add(`${p}/relu`, 'activation', { fn: 'relu' }, [x]);
      if (op.startsWith('sep')) return bn(`${p}/bn`, add(`${p}/sep`, 'sepconv2d', { filters: c, kernelSize: k, strides, padding: 'same', useBias: false }, [relu]));
      const dw = add(`${p}/dw`, 'depthwiseconv2d', { kernelSize: k, dilationRate: 2, padding: 'same', useBias: false }, [relu]);
      const sub = strides === 1 ? dw : add(`${p}/sub`, 'avgpool2d', { poolSize: 1, strides, padding: 'valid' }, [dw]);
      return bn(`${p}/bn`, add(`${p}/pw`, 'conv2d', { filters: c, kernelSize: 1, padding: 'same', useBias: false }, [sub]));
    };
    const cell = (kind: string, s0: string, s1: string): string => {
      const states = [rcb(`${kind}/pre0`, s0), rcb(`${kind}/pre1`, s1)];
      for (let node = 2; node < (this.o.nodes ?? 2) + 2; node++) {
        const terms: string[] = [];
        for (const k of [0, 1]) {
          const from = Number(full[`cell/${kind}/node_${node}/input_${k}`]);
          const t = applyOp(`${kind}/node_${node}/edge_${k}`, String(full[`cell/${kind}/node_${node}/op_${k}`]), states[from]!, kind === 'reduce' && from < 2 ? 2 : 1);
          if (t) terms.push(t);
        }
        states.push(terms.length === 0 ? add(`${kind}/node_${node}/zeros`, 'zeros', { strides: kind === 'reduce' ? 2 : 1 }, [states[1]!]) : terms.length === 1 ? terms[0]! : add(`${kind}/node_${node}/add`, 'add', {}, terms));
      }
      return add(`${kind}/concat`, 'concat', {}, states.slice(2));
    };
    const input = add('input', 'input', { shape: [...this.o.inputShape] }, []);
    const stem = bn('stem/bn', add('stem/conv', 'conv2d', { filters: 3 * c, kernelSize: 3, padding: 'same', useBias: false }, [input]));
    const normal = cell('normal', stem, stem);
    const reduce = cell('reduce', stem, normal);
    add('head/classifier', 'classifier', { classes: this.o.numClasses }, [add('head/gap', 'globalavgpool2d', {}, [reduce])]);
    // Drop the nodes the output does not read (ops on unused inputs).
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const live = new Set<string>();
    const stack = ['head/classifier'];
    while (stack.length) {
      const id = stack.pop()!;
      if (!live.has(id)) {
        live.add(id);
        stack.push(...byId.get(id)!.inputs);
      }
    }
    return { nodes: nodes.filter((n) => live.has(n.id)), space: this.name, decisions: full };
  }

  sample(rng: Random): Architecture {
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const d = rng.choice(this.list.filter((x) => x.choices.length > 1));
    return this.build({ ...arch.decisions, [d.name]: rng.choice(d.choices.filter((c) => c !== arch.decisions![d.name])) });
  }

  validate(arch: Architecture): ValidationResult {
    return arch.space === this.name ? { valid: true } : { valid: false, reasons: [`space ${arch.space}`] };
  }
}
