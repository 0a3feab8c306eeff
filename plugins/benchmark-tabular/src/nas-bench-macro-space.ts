import {
  ConfigurationError,
  ContainerModule,
  SearchSpace,
  architectureHash,
  type ArchNode,
  type Architecture,
  type Decision,
  type DecisionValue,
  type Random,
  type ValidationResult,
} from '@autonas/core';

/** The three choices of every NAS-Bench-Macro layer, by digit. */
export const MACRO_CHOICES = ['id', 'ir_3x3_t3', 'ir_5x5_t6'] as const;

/** Layers per stage; the first layer of each stage halves the resolution and doubles the channels. */
export const MACRO_STAGES = [2, 3, 3] as const;

/** Options of {@link NasBenchMacroSpace}. */
export interface NasBenchMacroSpaceOptions {
  /** Input shape (default CIFAR-10's `[32, 32, 3]`). */
  readonly inputShape?: readonly [number, number, number];
  /** Classes (default 10). */
  readonly classes?: number;
  /** Channels of the stem (default 32, as in the benchmark). */
  readonly channels?: number;
}

const NAME = 'nas-bench-macro';
const layerName = (i: number) => `${NAME}/layer_${i}`;

/**
 * The chain-structured space of NAS-Bench-Macro: 8 layers, each an identity (`0`), a MobileNetV2
 * inverted-residual block with kernel 3 and expansion 3 (`1`), or one with kernel 5 and expansion
 * 6 (`2`), in three stages of 2, 3 and 3 layers after a 3×3 stem of 32 channels; the first layer of
 * each stage has stride 2 and doubles the channels (an identity there is a strided 1×1 convolution
 * with batch norm); the head is a 1×1 convolution to 1280 channels, global average pooling and a
 * linear classifier, as in the benchmark's `train/model.py`. 3^8 = 6561 encodings.
 *
 * Architectures are real graphs, so {@link inferShapes} gives the benchmark's own parameter counts,
 * and encodings that differ only in where an identity stands within a stage (`0`-digits after a
 * stage's first layer) build the same graph, hash the same, and share one benchmark entry: 3969
 * distinct networks. The benchmark's key of an architecture is {@link macroKey}.
 *
 * @example
 * ```ts
 * import { inferShapes } from '@autonas/core';
 * import { NasBenchMacroSpace, macroKey } from '@autonas/benchmark-tabular';
 * const space = new NasBenchMacroSpace();
 * const arch = space.fromKey('22212220');
 * console.log(macroKey(arch), inferShapes(arch).totalParams); // '22212220' 1985514
 * ```
 */
export class NasBenchMacroSpace implements SearchSpace {
  readonly name = NAME;
  private readonly list: Decision[];

  constructor(private readonly options: NasBenchMacroSpaceOptions = {}) {
    const layers = MACRO_STAGES.reduce((a, b) => a + b, 0);
    this.list = Array.from({ length: layers }, (_, i) => ({
      name: layerName(i),
      choices: [0, 1, 2],
      default: 1,
      description: `layer ${i}: 0 identity, 1 inverted residual k3 t3, 2 inverted residual k5 t6`,
    }));
    const [h, w, c] = options.inputShape ?? [32, 32, 3];
    if (![h, w, c].every((d) => Number.isInteger(d) && d > 0)) throw new ConfigurationError('BAD_INPUT_SHAPE', `inputShape must be 3 positive integers, got ${JSON.stringify(options.inputShape)}`);
    if (h < 8 || w < 8) throw new ConfigurationError('BAD_INPUT_SHAPE', `NAS-Bench-Macro halves the resolution 3 times: inputShape needs at least 8×8, got ${h}×${w}`);
  }

  decisions(): readonly Decision[] {
    return this.list;
  }

  /** The architecture of a benchmark key such as `'22212220'`. */
  fromKey(key: string): Architecture {
    if (!/^[012]{8}$/.test(key)) throw new ConfigurationError('BAD_KEY', `a NAS-Bench-Macro key is 8 digits of 0, 1 or 2, got ${JSON.stringify(key)}`);
    return this.build(Object.fromEntries([...key].map((d, i) => [layerName(i), Number(d)])));
  }

  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    for (const k of Object.keys(values)) {
      if (!this.list.some((d) => d.name === k)) throw new ConfigurationError('UNKNOWN_DECISION', `${this.name} has no decision "${k}" (it has ${this.list[0]!.name} … ${this.list[this.list.length - 1]!.name})`);
    }
    const digits = this.list.map((d) => {
      const v = values[d.name] ?? d.default!;
      if (!d.choices.includes(v)) throw new ConfigurationError('BAD_CHOICE', `${d.name}=${JSON.stringify(v)} is not one of 0, 1, 2`);
      return v as number;
    });
    const [h, w, c] = this.options.inputShape ?? [32, 32, 3];
    const nodes: ArchNode[] = [];
    const add = (id: string, op: string, params: ArchNode['params'], inputs: string[]) => {
      nodes.push({ id, op, params, inputs });
      return id;
    };
    const convBn = (id: string, x: string, filters: number, kernelSize: number, strides: number, relu: boolean) => {
      add(`${id}/conv`, 'conv2d', { filters, kernelSize, strides, useBias: false }, [x]);
      const bn = add(`${id}/bn`, 'batchnorm', {}, [`${id}/conv`]);
      return relu ? add(`${id}/relu`, 'activation', { fn: 'relu' }, [bn]) : bn;
    };
    let x = add('input', 'input', { shape: [h, w, c] }, []);
    let channels = this.options.channels ?? 32;
    x = convBn('stem', x, channels, 3, 1, true);
    let i = 0;
    for (const stage of MACRO_STAGES) {
      for (let j = 0; j < stage; j++, i++) {
        const choice = digits[i]!;
        const stride = j === 0 ? 2 : 1;
        const out = j === 0 ? channels * 2 : channels;
        const id = `layer_${i}`;
        if (choice === 0) {
          // An identity: nothing inside a stage, a strided 1×1 projection where the stage starts.
          if (stride !== 1 || out !== channels) x = convBn(id, x, out, 1, stride, false);
        } else {
          const [k, t] = choice === 1 ? [3, 3] : [5, 6];
          const hidden = channels * t;
          const pw = convBn(`${id}/expand`, x, hidden, 1, 1, true);
          add(`${id}/dw`, 'depthwiseconv2d', { kernelSize: k, strides: stride, useBias: false }, [pw]);
          add(`${id}/dw_bn`, 'batchnorm', {}, [`${id}/dw`]);
          const dw = add(`${id}/dw_relu`, 'activation', { fn: 'relu' }, [`${id}/dw_bn`]);
          const proj = convBn(`${id}/project`, dw, out, 1, 1, false);
          x = stride === 1 && out === channels ? add(`${id}/add`, 'add', {}, [proj, x]) : proj;
        }
        channels = out;
      }
    }
    x = convBn('head', x, 1280, 1, 1, true);
    x = add('pool', 'globalavgpool2d', {}, [x]);
    add('classifier', 'classifier', { classes: this.options.classes ?? 10 }, [x]);
    return { nodes, space: this.name, decisions: Object.fromEntries(this.list.map((d, n) => [d.name, digits[n]!])) };
  }

  sample(rng: Random): Architecture {
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, rng.choice(d.choices)])));
  }

  mutate(arch: Architecture, rng: Random): Architecture {
    const d = rng.choice(this.list);
    const cur = arch.decisions?.[d.name];
    return this.build({ ...arch.decisions, [d.name]: rng.choice(d.choices.filter((v) => v !== cur)) });
  }

  /** Each layer's choice from one parent or the other, at random. */
  crossover(a: Architecture, b: Architecture, rng: Random): Architecture {
    return this.build(Object.fromEntries(this.list.map((d) => [d.name, (rng.bool() ? a : b).decisions?.[d.name] ?? d.default!])));
  }

  validate(arch: Architecture): ValidationResult {
    if (arch.space !== this.name || !arch.decisions) return { valid: false, reasons: [`not an architecture of ${this.name} (space ${JSON.stringify(arch.space)})`] };
    try {
      if (architectureHash(this.build(arch.decisions)) !== architectureHash(arch)) return { valid: false, reasons: ['graph does not match its decisions'] };
      return { valid: true };
    } catch (e) {
      return { valid: false, reasons: [(e as Error).message] };
    }
  }

  /** `11111111`: every layer the small inverted-residual block. */
  defaultArchitecture(): Architecture {
    return this.build({});
  }
}

/**
 * The NAS-Bench-Macro key (8 digits) of an architecture of {@link NasBenchMacroSpace}.
 * @example
 * ```ts
 * import { NasBenchMacroSpace, macroKey } from '@autonas/benchmark-tabular';
 * console.log(macroKey(new NasBenchMacroSpace().defaultArchitecture())); // '11111111'
 * ```
 */
export function macroKey(arch: Architecture): string {
  if (arch.space !== NAME || !arch.decisions) throw new ConfigurationError('NOT_MACRO', `not an architecture of ${NAME} (space ${JSON.stringify(arch.space)})`);
  return Array.from({ length: 8 }, (_, i) => {
    const v = arch.decisions![layerName(i)];
    if (v !== 0 && v !== 1 && v !== 2) throw new ConfigurationError('NOT_MACRO', `${layerName(i)} must be 0, 1 or 2, got ${JSON.stringify(v)}`);
    return String(v);
  }).join('');
}

/**
 * A container module binding {@link NasBenchMacroSpace} to the `SearchSpace` extension point.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { nasBenchMacroSpaceModule } from '@autonas/benchmark-tabular';
 * const c = createContainer({ maxTrials: 50 }, nasBenchMacroSpaceModule());
 * ```
 */
export function nasBenchMacroSpaceModule(options: NasBenchMacroSpaceOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchSpace>(SearchSpace).toConstantValue(new NasBenchMacroSpace(options));
  });
}
