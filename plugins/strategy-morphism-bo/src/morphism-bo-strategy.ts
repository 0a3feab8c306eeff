import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  Random,
  SearchStrategy,
  StateError,
  architectureHash,
  inferShapes,
  type Architecture,
  type Proposal,
  type SearchSpace,
  type TrialRecord,
} from '@autonas/core';
import { architectureKernel, describeArchitecture, type ArchitectureDescriptor } from './distance.js';
import { GaussianProcess, upperConfidenceBound } from './gaussian-process.js';
import { withLineage } from './lineage.js';
import { weightedDepth } from './graph.js';
import { MorphismSpace } from './morphism-space.js';
import { optimizeAcquisition, randomMorphisms, withinLimits, type MorphismLimits, type SearchRoot } from './tree-search.js';

/** Options of {@link MorphismBoStrategy}. Limits left unset take those of the {@link MorphismSpace} searched. */
export interface MorphismBoOptions extends MorphismLimits {
  /** Seed of the tree search and of the morphisms it draws. Default 0. */
  readonly seed?: number;
  /** Networks to train from scratch first. Default: the space's default architecture (or a sample). */
  readonly initial?: readonly Architecture[];
  /** How many networks to train from scratch before growing any (extra ones are sampled from the space). Default 1. */
  readonly initialTrials?: number;
  /** β of the upper confidence bound. Default 2.576. */
  readonly beta?: number;
  /** Weight of the skip-connection distance in the kernel. Default 1. */
  readonly lambda?: number;
  /** ℓ of the kernel exp(-d/ℓ) over the architecture distance d. Default 1. */
  readonly lengthScale?: number;
  /** GP observation noise (normalised scale). Default 1e-4. */
  readonly noise?: number;
  /** Neighbours drawn per expansion of the tree search. Default 8. */
  readonly neighbours?: number;
  /** Simulated annealing: initial temperature (default 1), decay per step (default 0.9), stop temperature (default 1e-4). */
  readonly temperature?: number;
  readonly decay?: number;
  readonly minTemperature?: number;
  /**
   * Most morphisms between a trained network and a proposal. Default 3. Auto-Keras sets no limit;
   * with few observations the upper confidence bound then favours the farthest networks, and in
   * our MNIST measurement the first child was 19 morphisms from its parent and took 7 times as
   * long to train.
   */
  readonly maxSteps?: number;
  /** Deepening adds batch norm. Default true. */
  readonly batchNorm?: boolean;
  /** Net2Net symmetry-breaking noise when widening. Default 1e-3. */
  readonly widenNoise?: number;
}

interface Observation {
  readonly trialId: number;
  readonly hash: string;
  readonly score: number;
  readonly arch: Architecture;
}

interface MorphismBoState {
  readonly version: 1;
  readonly rng: number[];
  readonly seen: string[];
  readonly observations: Observation[];
  readonly initialDone: number;
}

/**
 * Auto-Keras's search: network morphism guided by Bayesian optimisation. It first trains a
 * starting network from scratch; then, each trial, it fits a Gaussian process over the trained
 * networks (kernel from the layer edit distance plus λ × the Hungarian-matched skip-connection
 * distance), and searches sequences of function-preserving morphisms (deepen, widen, add- and
 * concat-skips) from the trained networks with simulated annealing, maximising the upper
 * confidence bound. A child is proposed with its parent trial (`{ architecture, parent }`), which
 * the engine records and hands to the estimator; the child's decisions record only the morphisms
 * applied, so {@link MorphismEstimator} can start it from the parent's trained weights. It learns
 * from each finished trial once, through `tell`. The space must accept grown networks: wrap it in
 * a {@link MorphismSpace}.
 *
 * State (`state()` / `restore()`) holds the observations, the networks proposed so far and the
 * random state; trained weights are not part of it, so after a resume an estimator that lost a
 * parent's weights trains that parent again from scratch before applying the morphisms.
 *
 * @example
 * ```ts
 * import { MorphismBoStrategy } from '@autonas/strategy-morphism-bo';
 * const strategy = new MorphismBoStrategy({ seed: 1, maxParams: 200_000, maxDepth: 8 });
 * console.log(strategy.name); // 'morphism-bo'
 * ```
 */
export class MorphismBoStrategy extends AskTellStrategy {
  readonly name = 'morphism-bo';
  private rng: Random;
  private seen = new Set<string>();
  private observations: Observation[] = [];
  private observed = new Set<number>();
  private initialDone = 0;
  /** Asks waiting for the first result. */
  private waiting: Array<() => void> = [];
  private gp: GaussianProcess<ArchitectureDescriptor>;
  /** Statistics of the last tree search (for logs and tests). */
  lastSearch: { evaluated: number; value: number; rootTrial: number; morphisms: number } | undefined;

  constructor(private readonly options: MorphismBoOptions = {}) {
    super();
    const positive = { beta: options.beta, lengthScale: options.lengthScale, neighbours: options.neighbours, temperature: options.temperature, maxSteps: options.maxSteps };
    for (const [k, v] of Object.entries(positive)) if (v !== undefined && !(v > 0)) throw new ConfigurationError('BAD_OPTION', `morphism-bo option ${k} must be positive, got ${v}`);
    if (options.decay !== undefined && !(options.decay > 0 && options.decay < 1)) throw new ConfigurationError('BAD_OPTION', `morphism-bo decay must be in (0, 1), got ${options.decay}`);
    if (options.initialTrials !== undefined && !(Number.isInteger(options.initialTrials) && options.initialTrials >= 1)) {
      throw new ConfigurationError('BAD_OPTION', `morphism-bo initialTrials must be a positive integer, got ${options.initialTrials}`);
    }
    this.rng = new Random(options.seed ?? 0);
    this.gp = this.newGp();
  }

  /** The Gaussian process over the trained networks (read-only use). */
  get model(): GaussianProcess<ArchitectureDescriptor> {
    return this.gp;
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | Proposal | undefined | Promise<Architecture | Proposal | undefined> {
    // Limits left unset take a MorphismSpace's, so the search does not grow networks the space would refuse.
    const own = space instanceof MorphismSpace ? space.limits : {};
    const limits = { maxParams: this.options.maxParams ?? own.maxParams, maxDepth: this.options.maxDepth ?? own.maxDepth };
    const initialCount = Math.max(this.options.initialTrials ?? 1, this.options.initial?.length ?? 0);
    while (this.initialDone < initialCount) {
      const i = this.initialDone++;
      const given = this.options.initial?.[i];
      const arch = given ?? (i === 0 && space.defaultArchitecture ? space.defaultArchitecture() : this.sampleUnseen(space));
      // A start network over the limits could never be grown: the search would silently be random sampling.
      if (arch && (given || i === 0) && !withinLimits(arch, limits)) throw startOverLimits(arch, limits, given ? `initial network ${i}` : "the space's default network");
      if (arch && this.fresh(arch)) return arch;
    }
    const roots: SearchRoot[] = this.observations.filter((o) => withinLimits(o.arch, limits)).map((o) => ({ id: o.trialId, arch: o.arch, score: o.score }));
    if (roots.length === 0) {
      // Nothing trained yet but trials running (several in flight): wait for a result to grow from.
      if (history.some((t) => t.status === 'running')) return new Promise((resolve) => this.waiting.push(() => resolve(this.ask(space, history))));
      return this.sampleUnseen(space);
    }
    let rejected: string | undefined;
    let accepted = 0;
    const best = optimizeAcquisition({
      roots,
      rng: this.rng,
      temperature: this.options.temperature,
      decay: this.options.decay,
      minTemperature: this.options.minTemperature,
      maxSteps: this.options.maxSteps ?? 3,
      expand: (arch) => randomMorphisms(arch, this.rng, { ...limits, batchNorm: this.options.batchNorm, count: this.options.neighbours ?? 8, widenNoise: this.options.widenNoise ?? 1e-3 }),
      acquisition: (arch) => upperConfidenceBound(this.gp.predict(describeArchitecture(arch)), this.options.beta ?? 2.576),
      accept: (arch) => {
        if (this.seen.has(architectureHash(arch))) return false;
        const verdict = space.validate({ ...arch, space: space.name });
        if (!verdict.valid) {
          rejected ??= verdict.reasons.join('; ');
          return false;
        }
        accepted++;
        return true;
      },
    });
    if (!best) {
      if (rejected !== undefined && accepted === 0 && !(space instanceof MorphismSpace)) {
        throw new ConfigurationError('SPACE_REJECTS_MORPHISMS', `space "${space.name}" rejects every grown network (${rejected}); wrap it in a MorphismSpace`);
      }
      return this.sampleUnseen(space);
    }
    this.lastSearch = { evaluated: best.evaluated, value: best.value, rootTrial: best.root.id, morphisms: best.morphisms.length };
    const root = this.observations.find((o) => o.trialId === best.root.id)!;
    const child = withLineage({ nodes: best.arch.nodes, space: space.name }, best.morphisms);
    this.seen.add(architectureHash(child));
    // The engine hands the parent trial to the estimator, which starts the child from its weights.
    return { architecture: child, parent: root.trialId };
  }

  override tell(trial: TrialRecord): void {
    this.seen.add(trial.hash);
    if (trial.status !== 'running' && this.waiting.length) {
      const wake = this.waiting;
      this.waiting = [];
      for (const w of wake) queueMicrotask(w);
    }
    if (this.observed.has(trial.id) || trial.status !== 'completed' || trial.cached || !Number.isFinite(trial.score)) return;
    const o: Observation = { trialId: trial.id, hash: trial.hash, score: trial.score!, arch: { nodes: trial.architecture.nodes } };
    this.observed.add(trial.id);
    this.observations.push(o);
    this.gp.update(describeArchitecture(o.arch), o.score);
  }

  state(): MorphismBoState {
    return { version: 1, rng: this.rng.state(), seen: [...this.seen], observations: this.observations.map((o) => ({ ...o })), initialDone: this.initialDone };
  }

  restore(state: unknown): void {
    const s = state as Partial<MorphismBoState> | null;
    const ok = s && s.version === 1 && Array.isArray(s.rng) && Array.isArray(s.seen) && Array.isArray(s.observations) && typeof s.initialDone === 'number'
      && s.observations.every((o) => o && typeof o.trialId === 'number' && typeof o.hash === 'string' && Number.isFinite(o.score) && Array.isArray(o.arch?.nodes));
    if (!ok) throw new StateError('BAD_STRATEGY_STATE', `not a morphism-bo state (version 1): ${JSON.stringify(state)?.slice(0, 120)}`);
    this.rng = Random.fromState(s.rng!);
    this.seen = new Set(s.seen);
    this.observations = s.observations!.map((o) => ({ ...o }));
    this.observed = new Set(this.observations.map((o) => o.trialId));
    this.initialDone = s.initialDone!;
    this.gp = this.newGp().fit(this.observations.map((o) => describeArchitecture(o.arch)), this.observations.map((o) => o.score));
  }

  private newGp(): GaussianProcess<ArchitectureDescriptor> {
    return new GaussianProcess(architectureKernel({ lambda: this.options.lambda, lengthScale: this.options.lengthScale }), { noise: this.options.noise ?? 1e-4 });
  }

  private fresh(arch: Architecture): boolean {
    const h = architectureHash(arch);
    if (this.seen.has(h)) return false;
    this.seen.add(h);
    return true;
  }

  private sampleUnseen(space: SearchSpace): Architecture | undefined {
    for (let i = 0; i < 200; i++) {
      const arch = space.sample(this.rng);
      if (this.fresh(arch)) return arch;
    }
    return undefined;
  }
}

/** The error for a start network that no morphism could grow within the limits. */
function startOverLimits(arch: Architecture, limits: MorphismLimits, what: string): ConfigurationError {
  let size = 'cannot be measured';
  try {
    size = `has ${inferShapes(arch).totalParams} parameters and depth ${weightedDepth(arch)}`;
  } catch (e) {
    size = `cannot be measured (${(e as Error).message})`;
  }
  return new ConfigurationError('START_OVER_LIMITS', `morphism-bo grows networks within maxParams ${limits.maxParams ?? 1_000_000} and maxDepth ${limits.maxDepth ?? 16}, but ${what} ${size}; raise the limits or start from a smaller network`);
}

/**
 * A {@link MorphismBoStrategy} for direct use.
 * @example
 * ```ts
 * import { morphismBoStrategy } from '@autonas/strategy-morphism-bo';
 * const s = morphismBoStrategy({ seed: 1 });
 * ```
 */
export function morphismBoStrategy(options: MorphismBoOptions = {}): MorphismBoStrategy {
  return new MorphismBoStrategy(options);
}

/**
 * A container module binding a {@link MorphismBoStrategy} to the `SearchStrategy` extension point.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { morphismBoStrategyModule } from '@autonas/strategy-morphism-bo';
 * const c = createContainer({ maxTrials: 3 }, morphismBoStrategyModule({ seed: 1 }));
 * ```
 */
export function morphismBoStrategyModule(options: MorphismBoOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy).toConstantValue(new MorphismBoStrategy(options));
  });
}
