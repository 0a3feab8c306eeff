import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  Random,
  SearchStrategy,
  StateError,
  architectureHash,
  isUsableScore,
  type Architecture,
  type SearchSpace,
  type TrialRecord,
} from '@autonas/core';

/** Options of {@link LocalSearchStrategy}. */
export interface LocalSearchStrategyOptions {
  /** Seed of every random choice (samples, neighbourhood order, mutations). Default 0. */
  readonly seed?: number;
  /** Random architectures evaluated before the first climb, which starts from the best of them. Default 10 (NASLib's), or from `budget`. */
  readonly initialSamples?: number;
  /** The number of trials the search expects, if known: it sizes `initialSamples` to min(10, ⌊budget / 5⌋) (at least 1). */
  readonly budget?: number;
  /**
   * How a neighbourhood is made: `'enumerate'` lists every architecture one decision away (through
   * `space.decisions()` and `space.build`, keeping only valid ones); `'mutate'` draws `neighbours`
   * mutations (`space.mutate`); `'auto'` (default) enumerates when the current architecture carries
   * its decisions and has at most `maxNeighbours` such neighbours, and mutates otherwise.
   */
  readonly neighbourhood?: 'auto' | 'enumerate' | 'mutate';
  /** Mutations drawn for a neighbourhood in `'mutate'` mode (repeats dropped). Default 50. */
  readonly neighbours?: number;
  /** Largest neighbourhood `'auto'` enumerates. Default 500. */
  readonly maxNeighbours?: number;
  /** Propose the space's known-good default architecture first; it counts towards the initial samples. Default false. */
  readonly startWithDefault?: boolean;
  /** Architectures to propose first, in order (after the default); they count towards the initial samples. */
  readonly initial?: readonly Architecture[];
  /** Random samples drawn, when a random architecture is needed, before concluding the space is exhausted. Default 2000. */
  readonly maxAttempts?: number;
}

/** An evaluated architecture local search keeps: the current one, the best neighbour, or a spare restart point. */
export interface LocalSearchMember {
  readonly hash: string;
  readonly architecture: Architecture;
  readonly score: number;
}

/** The state of a {@link LocalSearchStrategy}: plain JSON. */
export interface LocalSearchStrategyState {
  readonly version: 1;
  readonly rng: number[];
  /** Hashes of every architecture proposed or found in the history. */
  readonly seen: string[];
  /** Neighbours of the current architecture in flight. */
  readonly neighboursPending: string[];
  /** Random samples (restart points) in flight. */
  readonly sparesPending: string[];
  /** The architecture whose neighbourhood is being evaluated; null between climbs. */
  readonly current: LocalSearchMember | null;
  /** Seed that orders the current neighbourhood (it is regenerated from it and filtered by `seen`). */
  readonly neighbourhoodSeed: number;
  /** The best evaluated neighbour of `current`. */
  readonly bestNeighbour: LocalSearchMember | null;
  /** Evaluated random samples not yet used as a starting point, best first. */
  readonly spares: LocalSearchMember[];
  /** Whether the first climb has started. */
  readonly started: boolean;
  /** Climbs started (restarts + 1). */
  readonly climbs: number;
  /** How many of the `startWithDefault`/`initial` architectures have been used. */
  readonly queued: number;
  /** Architectures proposed so far. */
  readonly proposed: number;
}

const positiveInt = (v: number | undefined, name: string, min = 1): void => {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
    throw new ConfigurationError('BAD_LOCAL_SEARCH_OPTION', `local search ${name} must be an integer >= ${min}, got ${v}`);
  }
};

/**
 * Local search by best improvement, as in White et al., "Exploring the Loss Landscape in Neural
 * Architecture Search" (UAI 2021) and NASLib's `LocalSearch`:
 *
 * - the first `initialSamples` proposals are random samples (after the optional default and
 *   `initial` architectures); the climb starts from the best of them;
 * - every neighbour of the current architecture (one decision changed) is evaluated, in a random
 *   order: all of them when the space lists its decisions and the neighbourhood is small enough,
 *   else `neighbours` mutations by `space.mutate`;
 * - when the whole neighbourhood is in, the best neighbour becomes the current architecture if
 *   it scores strictly higher; otherwise the climb is at a local optimum and restarts from a
 *   random architecture (an evaluated spare random sample when there is one, such as the rest of
 *   the initial samples, best first; else a new random sample).
 *
 * It never proposes an architecture already seen (by {@link architectureHash}, in its own proposals
 * or the engine's history); `ask` returns `undefined` when random samples find nothing new. With
 * several trials in flight it proposes the rest of the neighbourhood, and then random samples
 * that become spare restart points, rather than waiting. A failed neighbour is not an improvement;
 * a failed sample is not a restart point; neither is retried. Its whole state is JSON (the
 * neighbourhood is regenerated from a seed), so a search resumes exactly where it stopped.
 *
 * @example
 * ```ts
 * import { LocalSearchStrategy } from '@autonas/strategy-local';
 * const strategy = new LocalSearchStrategy({ seed: 7, initialSamples: 5 });
 * console.log(strategy.name); // 'local'
 * ```
 */
export class LocalSearchStrategy extends AskTellStrategy {
  readonly name = 'local';
  private readonly initialSamples: number;
  private readonly mode: 'auto' | 'enumerate' | 'mutate';
  private readonly neighbours: number;
  private readonly maxNeighbours: number;
  private readonly maxAttempts: number;
  private rng: Random;
  private seen = new Set<string>();
  private neighboursPending = new Set<string>();
  private sparesPending = new Set<string>();
  private current: LocalSearchMember | null = null;
  private neighbourhoodSeed = 0;
  private bestNeighbour: LocalSearchMember | null = null;
  private spares: LocalSearchMember[] = [];
  private started = false;
  private climbs = 0;
  private queued = 0;
  private proposed = 0;
  /** The current neighbourhood (derived from `current` and `neighbourhoodSeed`) and how far it has been read. */
  private queue: { list: Architecture[]; next: number } | undefined;

  /** @param options - see {@link LocalSearchStrategyOptions}; invalid values throw a `ConfigurationError` */
  constructor(private readonly options: LocalSearchStrategyOptions = {}) {
    super();
    for (const k of ['initialSamples', 'budget', 'neighbours', 'maxNeighbours', 'maxAttempts'] as const) positiveInt(options[k], k);
    const mode = options.neighbourhood ?? 'auto';
    if (!['auto', 'enumerate', 'mutate'].includes(mode)) throw new ConfigurationError('BAD_LOCAL_SEARCH_OPTION', `local search neighbourhood must be 'auto', 'enumerate' or 'mutate', got ${JSON.stringify(mode)}`);
    this.mode = mode;
    this.initialSamples = options.initialSamples ?? (options.budget !== undefined ? Math.max(1, Math.min(10, Math.floor(options.budget / 5))) : 10);
    this.neighbours = options.neighbours ?? 50;
    this.maxNeighbours = options.maxNeighbours ?? 500;
    this.maxAttempts = options.maxAttempts ?? 2000;
    this.rng = new Random(options.seed ?? 0);
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | undefined {
    for (const t of history) {
      if (!t.hash) continue;
      if (!this.seen.has(t.hash)) this.seen.add(t.hash);
      else if (t.status !== 'running') this.learn(t); // a result that reached the store without being told
    }
    const withDefault = this.options.startWithDefault && space.defaultArchitecture ? 1 : 0;
    while (this.queued < withDefault + (this.options.initial?.length ?? 0)) {
      const i = this.queued++;
      const arch = i < withDefault ? space.defaultArchitecture!() : this.options.initial![i - withDefault]!;
      const h = architectureHash(arch);
      if (!this.seen.has(h)) return this.propose(arch, h, this.sparesPending);
    }
    // Each pass either proposes or moves the climb (a strictly better current, or a restart that
    // uses up a spare), so the loop ends; the guard is only a safety net.
    for (let guard = 0; guard < 1_000_000; guard++) {
      if (!this.current) {
        const needed = this.started ? 1 : this.initialSamples;
        if (this.spares.length === 0 || this.spares.length + this.sparesPending.size < needed) return this.randomSpare(space);
        this.startClimb(this.spares.shift()!);
        continue;
      }
      const next = this.nextNeighbour(space);
      if (next) return this.propose(next.arch, next.hash, this.neighboursPending);
      if (this.neighboursPending.size > 0) return this.randomSpare(space);
      const best = this.bestNeighbour;
      if (best && best.score > this.current.score) {
        this.startClimb(best, false);
      } else {
        this.current = null; // a local optimum: restart
        this.bestNeighbour = null;
        this.queue = undefined;
      }
    }
    return undefined;
  }

  override tell(trial: TrialRecord): void {
    if (!trial.hash) return;
    if (!this.seen.has(trial.hash)) {
      this.seen.add(trial.hash); // a trial it did not propose: not part of a climb
      return;
    }
    this.learn(trial);
  }

  /** The architecture being climbed from, and how many climbs have started (a copy). */
  progress(): { current: LocalSearchMember | null; climbs: number } {
    return structuredClone({ current: this.current, climbs: this.climbs });
  }

  state(): LocalSearchStrategyState {
    // Members are immutable once made (restore clones what it is given), so they are shared, not copied.
    return {
      version: 1,
      rng: this.rng.state(),
      seen: [...this.seen],
      neighboursPending: [...this.neighboursPending],
      sparesPending: [...this.sparesPending],
      current: this.current,
      neighbourhoodSeed: this.neighbourhoodSeed,
      bestNeighbour: this.bestNeighbour,
      spares: [...this.spares],
      started: this.started,
      climbs: this.climbs,
      queued: this.queued,
      proposed: this.proposed,
    };
  }

  restore(state: unknown): void {
    const bad = (why: string): never => {
      throw new StateError('BAD_STRATEGY_STATE', `not a local-search state (version 1): ${why}; got ${JSON.stringify(state)?.slice(0, 120)}`);
    };
    if (typeof state !== 'object' || state === null) bad('not an object');
    const s = state as Partial<Record<keyof LocalSearchStrategyState, unknown>>;
    if (s.version !== 1) bad(`version ${JSON.stringify(s.version)}`);
    const isU32 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
    if (!Array.isArray(s.rng) || s.rng.length !== 4 || !s.rng.every(isU32)) bad('rng must be four unsigned 32-bit integers');
    if (!isU32(s.neighbourhoodSeed)) bad('neighbourhoodSeed must be an unsigned 32-bit integer');
    const strings = (v: unknown, name: string) => {
      if (!Array.isArray(v) || !v.every((h) => typeof h === 'string')) bad(`${name} must be an array of hashes`);
      return v as string[];
    };
    const seen = new Set(strings(s.seen, 'seen'));
    const member = (v: unknown, name: string): LocalSearchMember => {
      const m = v as Partial<LocalSearchMember> | null;
      if (!m || typeof m.hash !== 'string' || !seen.has(m.hash) || typeof m.score !== 'number' || !Number.isFinite(m.score) || !m.architecture || !Array.isArray(m.architecture.nodes)) {
        bad(`${name} must have a seen hash, a finite score and an architecture`);
      }
      return structuredClone(m as LocalSearchMember);
    };
    for (const k of ['climbs', 'queued', 'proposed'] as const) if (!(typeof s[k] === 'number' && Number.isInteger(s[k]) && (s[k] as number) >= 0)) bad(`${k} must be a non-negative integer`);
    if (typeof s.started !== 'boolean') bad('started must be a boolean');
    if (!Array.isArray(s.spares)) bad('spares must be an array');
    const spares = (s.spares as unknown[]).map((m, i) => member(m, `spares[${i}]`));
    const current = s.current === null ? null : member(s.current, 'current');
    const bestNeighbour = s.bestNeighbour === null ? null : member(s.bestNeighbour, 'bestNeighbour');
    this.neighboursPending = new Set(strings(s.neighboursPending, 'neighboursPending'));
    this.sparesPending = new Set(strings(s.sparesPending, 'sparesPending'));
    this.rng = Random.fromState(s.rng as number[]);
    this.seen = seen;
    this.current = current;
    this.neighbourhoodSeed = s.neighbourhoodSeed as number;
    this.bestNeighbour = bestNeighbour;
    this.spares = spares;
    this.started = s.started as boolean;
    this.climbs = s.climbs as number;
    this.queued = s.queued as number;
    this.proposed = s.proposed as number;
    this.queue = undefined;
  }

  private propose(arch: Architecture, hash: string, pending: Set<string>): Architecture {
    this.seen.add(hash);
    pending.add(hash);
    this.proposed++;
    return arch;
  }

  private learn(trial: TrialRecord): void {
    const neighbour = this.neighboursPending.has(trial.hash);
    if (!neighbour && !this.sparesPending.has(trial.hash)) return; // not in flight: already learnt, or not part of a climb
    const score = isUsableScore(trial.score) && trial.status !== 'failed' ? trial.score : undefined;
    const m = score === undefined ? undefined : { hash: trial.hash, architecture: structuredClone(trial.architecture), score };
    if (neighbour) {
      this.neighboursPending.delete(trial.hash);
      if (m && (!this.bestNeighbour || m.score > this.bestNeighbour.score)) this.bestNeighbour = m;
    } else if (this.sparesPending.delete(trial.hash)) {
      if (m) {
        // Best first; ties keep arrival order.
        const at = this.spares.findIndex((s) => s.score < m.score);
        this.spares.splice(at < 0 ? this.spares.length : at, 0, m);
      }
    }
  }

  private randomSpare(space: SearchSpace): Architecture | undefined {
    for (let i = 0; i < this.maxAttempts; i++) {
      const arch = space.sample(this.rng);
      const h = architectureHash(arch);
      if (!this.seen.has(h)) return this.propose(arch, h, this.sparesPending);
    }
    return undefined;
  }

  private startClimb(from: LocalSearchMember, fresh = true): void {
    this.current = from;
    this.bestNeighbour = null;
    this.neighbourhoodSeed = this.rng.uint32();
    this.queue = undefined;
    this.started = true;
    if (fresh) this.climbs++;
  }

  /** The next unseen neighbour of the current architecture, or undefined when every one has been proposed. */
  private nextNeighbour(space: SearchSpace): { arch: Architecture; hash: string } | undefined {
    this.queue ??= { list: this.neighbourhood(space, this.current!.architecture), next: 0 };
    const q = this.queue;
    while (q.next < q.list.length) {
      const arch = q.list[q.next++]!;
      const hash = architectureHash(arch);
      if (!this.seen.has(hash)) return { arch, hash };
    }
    return undefined;
  }

  /** The neighbourhood of `arch`, in an order drawn from `neighbourhoodSeed`, without repeats (seen ones included; they are skipped when read). */
  private neighbourhood(space: SearchSpace, arch: Architecture): Architecture[] {
    const rng = new Random(this.neighbourhoodSeed);
    const self = architectureHash(arch);
    const out: Architecture[] = [];
    const hashes = new Set<string>([self]);
    const add = (a: Architecture) => {
      const h = architectureHash(a);
      if (!hashes.has(h)) {
        hashes.add(h);
        out.push(a);
      }
    };
    const decisions = space.decisions();
    const size = decisions.reduce((n, d) => n + d.choices.length - 1, 0);
    const enumerate = arch.decisions !== undefined && (this.mode === 'enumerate' || (this.mode === 'auto' && size <= this.maxNeighbours));
    if (enumerate) {
      for (const d of decisions) {
        for (const c of d.choices) {
          if (c === arch.decisions![d.name]) continue;
          let a: Architecture;
          try {
            a = space.build({ ...arch.decisions, [d.name]: c });
          } catch {
            continue; // a combination the space does not build
          }
          if (space.validate(a).valid) add(a);
        }
      }
      return rng.shuffle(out);
    }
    for (let i = 0; i < this.neighbours; i++) add(space.mutate(arch, rng));
    return out;
  }
}

/**
 * A {@link LocalSearchStrategy} for direct use.
 *
 * @param options - see {@link LocalSearchStrategyOptions}
 * @returns a new strategy
 * @example
 * ```ts
 * import { localSearchStrategy } from '@autonas/strategy-local';
 * const s = localSearchStrategy({ seed: 1, neighbourhood: 'mutate', neighbours: 20 });
 * ```
 */
export function localSearchStrategy(options: LocalSearchStrategyOptions = {}): LocalSearchStrategy {
  return new LocalSearchStrategy(options);
}

/**
 * A container module binding a {@link LocalSearchStrategy} to the `SearchStrategy` extension point.
 *
 * @param options - see {@link LocalSearchStrategyOptions}
 * @returns a module for `createContainer`
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { localSearchStrategyModule } from '@autonas/strategy-local';
 * const c = createContainer({ maxTrials: 50 }, localSearchStrategyModule({ seed: 1 }));
 * ```
 */
export function localSearchStrategyModule(options: LocalSearchStrategyOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy).toConstantValue(new LocalSearchStrategy(options));
  });
}
