import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  Random,
  SearchStrategy,
  StateError,
  architectureHash,
  objectiveMetrics,
  strategyObjectives,
  crowdedCompare,
  paretoPoint,
  paretoRanks,
  type Architecture,
  type ExecutionEngine,
  type MetricConstraint,
  type MetricObjective,
  type ParetoRank,
  type SearchSpace,
  type TrialRecord,
} from '@autonas/core';

/** Options of {@link EvolutionStrategy}. */
export interface EvolutionStrategyOptions {
  /** Seed of every random choice (sampling, tournaments, mutation, crossover). Default 0. */
  readonly seed?: number;
  /**
   * Members kept alive (P in Real et al. 2019). The first P proposals are random samples; after
   * that every new member pushes out the oldest one. Default 100 (the paper's and NNI's default);
   * a search of only a few hundred trials does better with a smaller population, e.g. 20.
   */
  readonly populationSize?: number;
  /**
   * Members drawn (without replacement) for each tournament (S in the paper); the best of them is
   * the parent. Larger is greedier. Default 25 (the paper's and NNI's default), capped at the
   * current population size.
   */
  readonly sampleSize?: number;
  /**
   * Probability that a child is the crossover of two tournament winners instead of a mutant of
   * one, when the space implements `crossover` (ignored when it does not). Default 0: mutation
   * only, as in the paper.
   */
  readonly crossoverProbability?: number;
  /**
   * Propose the space's known-good default architecture first (as `RandomStrategy` does); it
   * counts towards the initial population. Default false.
   */
  readonly startWithDefault?: boolean;
  /** Architectures to propose first, in order (after the default); they count towards the initial population. */
  readonly initial?: readonly Architecture[];
  /**
   * Mutations tried when a child repeats an architecture already seen: this many of the parent,
   * then this many more walking away from it (mutating the last mutant), before falling back to
   * random samples. Default 20.
   */
  readonly maxMutationAttempts?: number;
  /** Random samples drawn, when mutation finds nothing new, before concluding the space is exhausted. Default 2000. */
  readonly maxAttempts?: number;
  /**
   * Objectives of a multi-objective search. Default: those of the engine it runs on
   * (`engine.objectives`, set by the experiment's `objectives` option). With two or more, it
   * selects NSGA-II style (see {@link EvolutionStrategy}).
   */
  readonly objectives?: readonly MetricObjective[];
  /** Constraints, applied by constraint-domination. Default: the engine's `constraints`. */
  readonly constraints?: readonly MetricConstraint[];
}

/** One member of the population. */
export interface EvolutionMember {
  readonly hash: string;
  readonly architecture: Architecture;
  readonly score: number;
  /** Admission number (0 for the first member ever admitted); the smallest is the oldest. */
  readonly born: number;
  /** The trial's metrics named by the objectives and constraints (multi-objective searches only). */
  readonly metrics?: Readonly<Record<string, number>>;
}

/** The state of an {@link EvolutionStrategy}: plain JSON. */
export interface EvolutionStrategyState {
  readonly version: 1;
  /** State of the random generator. */
  readonly rng: number[];
  /** The population, oldest first. */
  readonly population: EvolutionMember[];
  /** Hashes of every architecture proposed or found in the history. */
  readonly seen: string[];
  /** Hashes proposed and not yet told (in flight). */
  readonly pending: string[];
  /** How many of the `startWithDefault`/`initial` architectures have been used. */
  readonly queued: number;
  /** Members admitted so far (the next member's `born`). */
  readonly admitted: number;
  /** Architectures proposed so far. */
  readonly proposed: number;
}

const positiveInt = (v: number | undefined, name: string, min = 1): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
    throw new ConfigurationError('BAD_EVOLUTION_OPTION', `evolution ${name} must be an integer >= ${min}, got ${v}`);
  }
};

/**
 * Regularized (aging) evolution, after Real et al., "Regularized Evolution for Image Classifier
 * Architecture Search" (AAAI 2019), Algorithm 1, made asynchronous:
 *
 * - the first `populationSize` proposals are random samples (after the optional default and
 *   `initial` architectures);
 * - then each proposal is a child: `sampleSize` members drawn at random, the best by score is the
 *   parent, the child is `space.mutate(parent)` (or, with probability `crossoverProbability` and a
 *   space that has `crossover`, the crossover of two tournament winners);
 * - a result joins the population as it arrives; once the population holds `populationSize`
 *   members, each newcomer removes the oldest member, not the worst.
 *
 * It never proposes an architecture already seen (by {@link architectureHash}, in its own
 * proposals or in the engine's history): a repeated child is mutated again, then random samples
 * are tried, and `ask` returns `undefined` when the space looks exhausted. Trials without a finite
 * score (failed ones) stay out of the population and are not retried; a cached (deduplicated)
 * result joins it like any other. Results of trials it did not propose (an earlier search in the
 * same store) join the population too. Several children are in flight when the engine runs
 * several trials at once. Its whole state is JSON, so a search resumes exactly where it stopped.
 *
 * With two or more objectives (its `objectives` option, else the engine's `objectives`) it is
 * NSGA-II style: members compare by non-dominated rank, then by crowding distance (larger wins),
 * both computed over the current population under constraint-domination (feasible beats
 * infeasible, smaller violation beats larger). The tournament winner is the best member of the
 * sample by that order, and a full population drops its worst member by that order, the oldest
 * among equals, instead of simply its oldest member: ageing then only breaks ties, so the
 * population keeps a spread-out front.
 *
 * @example
 * ```ts
 * import { EvolutionStrategy } from '@autonas/strategy-evolution';
 * const strategy = new EvolutionStrategy({ seed: 7, populationSize: 20, sampleSize: 5 });
 * console.log(strategy.name); // 'evolution'
 * ```
 */
export class EvolutionStrategy extends AskTellStrategy {
  readonly name = 'evolution';
  private readonly populationSize: number;
  private readonly sampleSize: number;
  private readonly crossoverProbability: number;
  private readonly maxMutationAttempts: number;
  private readonly maxAttempts: number;
  private rng: Random;
  private population: EvolutionMember[] = [];
  private seen = new Set<string>();
  private pending = new Set<string>();
  private queued = 0;
  private admitted = 0;
  private proposed = 0;
  private objectives: readonly MetricObjective[];
  private constraints: readonly MetricConstraint[];

  /** @param options - see {@link EvolutionStrategyOptions}; invalid values throw a `ConfigurationError` */
  constructor(private readonly options: EvolutionStrategyOptions = {}) {
    super();
    positiveInt(options.populationSize, 'populationSize');
    positiveInt(options.sampleSize, 'sampleSize');
    positiveInt(options.maxMutationAttempts, 'maxMutationAttempts');
    positiveInt(options.maxAttempts, 'maxAttempts');
    const p = options.crossoverProbability;
    if (p !== undefined && !(p >= 0 && p <= 1)) {
      throw new ConfigurationError('BAD_EVOLUTION_OPTION', `evolution crossoverProbability must be in [0, 1], got ${p}`);
    }
    this.populationSize = options.populationSize ?? 100;
    this.sampleSize = options.sampleSize ?? Math.min(25, this.populationSize);
    if (this.sampleSize > this.populationSize) {
      throw new ConfigurationError('BAD_EVOLUTION_OPTION', `evolution sampleSize (${this.sampleSize}) must not exceed populationSize (${this.populationSize})`);
    }
    this.crossoverProbability = p ?? 0;
    this.maxMutationAttempts = options.maxMutationAttempts ?? 20;
    this.maxAttempts = options.maxAttempts ?? 2000;
    this.rng = new Random(options.seed ?? 0);
    ({ objectives: this.objectives, constraints: this.constraints } = strategyObjectives(options));
  }

  /** Takes the engine's objectives and constraints (unless given as options), then searches. */
  override run(engine: ExecutionEngine, space: SearchSpace): Promise<void> {
    ({ objectives: this.objectives, constraints: this.constraints } = strategyObjectives(this.options, engine));
    if (this.multiObjective && this.population.some((m) => !m.metrics)) {
      // Members told before the objectives were known (trials rerun on resume) get their metrics from the history.
      const byHash = new Map(engine.history().map((t) => [t.hash, t]));
      this.population = this.population.map((m) => (m.metrics ? m : deepFreeze({ ...m, metrics: this.objectiveMetrics(byHash.get(m.hash)) })));
    }
    return super.run(engine, space);
  }

  /** The metrics of a trial that the objectives and constraints name. */
  private objectiveMetrics(trial: TrialRecord | undefined): Record<string, number> {
    return objectiveMetrics(trial, { objectives: this.objectives, constraints: this.constraints });
  }

  /** True when it selects by Pareto rank and crowding (two or more objectives). */
  get multiObjective(): boolean {
    return this.objectives.length > 1;
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | undefined {
    for (const t of history) {
      if (!t.hash) continue;
      if (!this.seen.has(t.hash)) {
        // A trial it did not propose (an earlier search in the same store, another process).
        this.seen.add(t.hash);
        if (t.status !== 'running') this.admit(t);
      } else if (t.status !== 'running' && this.pending.delete(t.hash)) {
        // A proposal whose result reached the store without being told (a search resumed from a
        // checkpoint taken while it was in flight, on an engine whose trials outlive the process).
        this.admit(t);
      }
    }
    const withDefault = this.options.startWithDefault && space.defaultArchitecture ? 1 : 0;
    while (this.queued < withDefault + (this.options.initial?.length ?? 0)) {
      const i = this.queued++;
      const arch = i < withDefault ? space.defaultArchitecture!() : this.options.initial![i - withDefault]!;
      if (this.isNew(arch)) return this.propose(arch);
    }
    if (this.population.length > 0 && this.population.length + this.pending.size >= this.populationSize) {
      const child = this.breed(space);
      if (child) return this.propose(child);
    }
    for (let i = 0; i < this.maxAttempts; i++) {
      const arch = space.sample(this.rng);
      if (this.isNew(arch)) return this.propose(arch);
    }
    return undefined;
  }

  override tell(trial: TrialRecord): void {
    if (this.pending.delete(trial.hash)) {
      this.admit(trial);
    } else if (trial.hash && !this.seen.has(trial.hash)) {
      this.seen.add(trial.hash);
      this.admit(trial);
    }
    // Otherwise the result is already known (told twice, or read from the history): ignore it.
  }

  /** The population, oldest first (a copy). */
  members(): readonly EvolutionMember[] {
    return structuredClone(this.population);
  }

  state(): EvolutionStrategyState {
    return {
      version: 1,
      rng: this.rng.state(),
      // Members are frozen copies made once on admission, so the state can share them instead of copying the population after every trial.
      population: [...this.population],
      seen: [...this.seen],
      pending: [...this.pending],
      queued: this.queued,
      admitted: this.admitted,
      proposed: this.proposed,
    };
  }

  restore(state: unknown): void {
    const bad = (why: string): never => {
      throw new StateError('BAD_STRATEGY_STATE', `not an evolution-strategy state (version 1): ${why}; got ${JSON.stringify(state)?.slice(0, 120)}`);
    };
    if (typeof state !== 'object' || state === null) bad('not an object');
    const s = state as Partial<Record<keyof EvolutionStrategyState, unknown>>;
    if (s.version !== 1) bad(`version ${JSON.stringify(s.version)}`);
    const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    if (!Array.isArray(s.rng) || s.rng.length !== 4 || !s.rng.every((v) => isInt(v) && (v as number) <= 0xffffffff)) bad('rng must be four unsigned 32-bit integers');
    const strings = (v: unknown, name: string) => {
      if (!Array.isArray(v) || !v.every((h) => typeof h === 'string')) bad(`${name} must be an array of hashes`);
      return v as string[];
    };
    const seen = strings(s.seen, 'seen');
    const pending = strings(s.pending, 'pending');
    for (const k of ['queued', 'admitted', 'proposed'] as const) if (!isInt(s[k])) bad(`${k} must be a non-negative integer`);
    if (!Array.isArray(s.population)) bad('population must be an array');
    const seenSet = new Set(seen);
    const population = (s.population as unknown[]).map((m, i) => {
      const e = m as Partial<EvolutionMember> | null;
      if (!e || typeof e.hash !== 'string' || typeof e.score !== 'number' || !Number.isFinite(e.score) || !isInt(e.born) || (e.born as number) >= (s.admitted as number)) {
        bad(`population[${i}] must have a hash, a finite score and a born number below admitted`);
      }
      if (!e!.architecture || !Array.isArray(e!.architecture.nodes)) bad(`population[${i}] has no architecture`);
      if (e!.metrics !== undefined && (typeof e!.metrics !== 'object' || e!.metrics === null || !Object.values(e!.metrics).every((v) => typeof v === 'number'))) bad(`population[${i}] has metrics that are not numbers`);
      if (!seenSet.has(e!.hash!)) bad(`population[${i}] is not among the seen hashes`);
      if (i > 0 && e!.born! <= (s.population as EvolutionMember[])[i - 1]!.born) bad('population must be ordered oldest first');
      return deepFreeze(structuredClone(e as EvolutionMember));
    });
    this.rng = Random.fromState(s.rng as number[]);
    this.population = population;
    this.seen = seenSet;
    this.pending = new Set(pending);
    this.queued = s.queued as number;
    this.admitted = s.admitted as number;
    this.proposed = s.proposed as number;
  }

  private isNew(arch: Architecture): boolean {
    return !this.seen.has(architectureHash(arch));
  }

  private propose(arch: Architecture): Architecture {
    const h = architectureHash(arch);
    this.seen.add(h);
    this.pending.add(h);
    this.proposed++;
    return arch;
  }

  /** Adds a finished trial with a finite score, removing the oldest member beyond the population size. */
  private admit(trial: TrialRecord): void {
    if (typeof trial.score !== 'number' || !Number.isFinite(trial.score)) return;
    const member: EvolutionMember = { hash: trial.hash, architecture: structuredClone(trial.architecture), score: trial.score, born: this.admitted++ };
    if (!this.multiObjective) {
      this.population.push(deepFreeze(member));
      while (this.population.length > this.populationSize) this.population.shift();
      return;
    }
    this.population.push(deepFreeze({ ...member, metrics: this.objectiveMetrics(trial) }));
    while (this.population.length > this.populationSize) {
      // NSGA-II survival: drop the worst by rank then crowding; the oldest among equals.
      const ranks = this.ranks();
      let worst = 0;
      for (let i = 1; i < ranks.length; i++) if (crowdedCompare(ranks[i]!, ranks[worst]!) > 0) worst = i;
      this.population.splice(worst, 1);
    }
  }

  /** Rank and crowding distance of each member, in population order. */
  private ranks(): ParetoRank[] {
    return paretoRanks(this.population.map((m) => paretoPoint({ metrics: m.metrics ?? {} }, this.objectives, this.constraints)));
  }

  /**
   * Tournament selection without replacement: the best of `sampleSize` random members (the first
   * drawn wins ties), by score, or by rank then crowding with several objectives.
   */
  private tournament(): EvolutionMember {
    const n = this.population.length;
    const k = Math.min(this.sampleSize, n);
    const idx = Array.from({ length: n }, (_, i) => i);
    const ranks = this.multiObjective ? this.ranks() : undefined;
    let best: number | undefined;
    for (let i = 0; i < k; i++) {
      const j = this.rng.int(i, n);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      const m = idx[i]!;
      if (best === undefined) best = m;
      else if (ranks ? crowdedCompare(ranks[m]!, ranks[best]!) < 0 : this.population[m]!.score > this.population[best]!.score) best = m;
    }
    return this.population[best!]!;
  }

  /** A new child of the population, or undefined when mutation finds nothing unseen. */
  private breed(space: SearchSpace): Architecture | undefined {
    const parent = this.tournament();
    let child: Architecture;
    if (space.crossover && this.crossoverProbability > 0 && this.population.length > 1 && this.rng.bool(this.crossoverProbability)) {
      child = space.crossover(parent.architecture, this.tournament().architecture, this.rng);
      if (this.isNew(child)) return child;
    }
    for (let i = 0; i < this.maxMutationAttempts; i++) {
      child = space.mutate(parent.architecture, this.rng);
      if (this.isNew(child)) return child;
    }
    for (let i = 0; i < this.maxMutationAttempts; i++) {
      child = space.mutate(child!, this.rng);
      if (this.isNew(child)) return child;
    }
    return undefined;
  }
}

/**
 * An {@link EvolutionStrategy} for direct use.
 *
 * @param options - see {@link EvolutionStrategyOptions}
 * @returns a new strategy
 * @example
 * ```ts
 * import { evolutionStrategy } from '@autonas/strategy-evolution';
 * const s = evolutionStrategy({ seed: 1, populationSize: 20, sampleSize: 5 });
 * ```
 */
export function evolutionStrategy(options: EvolutionStrategyOptions = {}): EvolutionStrategy {
  return new EvolutionStrategy(options);
}

/**
 * A container module binding an {@link EvolutionStrategy} to the `SearchStrategy` extension point.
 *
 * @param options - see {@link EvolutionStrategyOptions}
 * @returns a module for `createContainer`
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { evolutionStrategyModule } from '@autonas/strategy-evolution';
 * const c = createContainer({ maxTrials: 30 }, evolutionStrategyModule({ seed: 1, populationSize: 10, sampleSize: 3 }));
 * ```
 */
export function evolutionStrategyModule(options: EvolutionStrategyOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy).toConstantValue(new EvolutionStrategy(options));
  });
}

/** Freezes a plain-data value and everything in it; returns it. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
