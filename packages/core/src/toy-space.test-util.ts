import type { Architecture, DecisionValue } from './architecture.js';
import type { Estimate, EstimateContext, PerformanceEstimator } from './performance-estimator.js';
import type { Random } from './random.js';
import type { Decision, SearchSpace, ValidationResult } from './search-space.js';

/** A tiny space for core tests: `width` in {1,2,3,4} and `depth` in {1,2,3}; 12 architectures. */
export class ToySpace implements SearchSpace {
  readonly name = 'toy';
  decisions(): readonly Decision[] {
    return [
      { name: 'toy/width', choices: [1, 2, 3, 4], default: 2 },
      { name: 'toy/depth', choices: [1, 2, 3], default: 1 },
    ];
  }
  build(values: Readonly<Record<string, DecisionValue>>): Architecture {
    const width = Number(values['toy/width'] ?? 2);
    const depth = Number(values['toy/depth'] ?? 1);
    const nodes = [{ id: 'in', op: 'input', params: { shape: [4] }, inputs: [] as string[] }];
    for (let i = 0; i < depth; i++) nodes.push({ id: `d${i}`, op: 'dense', params: { units: width } as never, inputs: [nodes[nodes.length - 1]!.id] });
    return { nodes, space: this.name, decisions: { 'toy/width': width, 'toy/depth': depth } };
  }
  sample(rng: Random): Architecture {
    return this.build(Object.fromEntries(this.decisions().map((d) => [d.name, rng.choice(d.choices)])));
  }
  mutate(arch: Architecture, rng: Random): Architecture {
    const values = { ...arch.decisions };
    const d = rng.choice(this.decisions());
    values[d.name] = rng.choice(d.choices.filter((c) => c !== values[d.name]));
    return this.build(values);
  }
  validate(arch: Architecture): ValidationResult {
    return arch.space === this.name ? { valid: true } : { valid: false, reasons: [`not from space toy: ${arch.space}`] };
  }
}

/** Scores width*depth, so the optimum is width 4, depth 3; optionally fails or waits. */
export class ToyEstimator implements PerformanceEstimator {
  readonly name = 'toy';
  calls = 0;
  constructor(private readonly opts: { failWhen?: (width: number) => boolean; delayMs?: number } = {}) {}
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    this.calls++;
    const width = Number(arch.decisions?.['toy/width']);
    const depth = Number(arch.decisions?.['toy/depth']);
    if (this.opts.failWhen?.(width)) throw new Error(`width ${width} is cursed`);
    if (this.opts.delayMs) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, this.opts.delayMs);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      });
    }
    ctx.report({ epoch: 0, loss: 1 / (width * depth) });
    return { score: width * depth, metrics: { width, depth }, cost: { seconds: 0 } };
  }
}
