import {
  AskTellStrategy,
  ContainerModule,
  Random,
  SearchStrategy,
  StateError,
  architectureHash,
  type Architecture,
  type SearchSpace,
  type TrialRecord,
} from '@autonas/core';

/** Options of {@link RandomStrategy}. */
export interface RandomStrategyOptions {
  /** Seed of the sampler. Default 0. */
  readonly seed?: number;
  /**
   * Try the space's known-good default architecture first (Auto-Keras's first trial), so even a
   * one-trial search trains a sensible network. Default false.
   */
  readonly startWithDefault?: boolean;
  /** Architectures to try first, in order (for example published ones). */
  readonly initial?: readonly Architecture[];
  /** Samples drawn before concluding the space is exhausted. Default 2000. */
  readonly maxAttempts?: number;
}

interface RandomStrategyState {
  readonly version: 1;
  readonly rng: number[];
  readonly seen: string[];
  readonly queued: number;
}

/**
 * Random search without repeats: samples the space uniformly and never proposes an
 * architecture it (or the history) has seen. Seeded and resumable.
 *
 * @example
 * ```ts
 * import { Random } from '@autonas/core';
 * import { RandomStrategy } from '@autonas/strategy-random';
 * const strategy = new RandomStrategy({ seed: 7, startWithDefault: true });
 * console.log(strategy.name); // 'random'
 * ```
 */
export class RandomStrategy extends AskTellStrategy {
  readonly name = 'random';
  private rng: Random;
  private seen = new Set<string>();
  private queued = 0;

  constructor(private readonly options: RandomStrategyOptions = {}) {
    super();
    this.rng = new Random(options.seed ?? 0);
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | undefined {
    for (const t of history) this.seen.add(t.hash);
    const initial = [...(this.options.startWithDefault && space.defaultArchitecture ? [space.defaultArchitecture()] : []), ...(this.options.initial ?? [])];
    while (this.queued < initial.length) {
      const arch = initial[this.queued++]!;
      const h = architectureHash(arch);
      if (!this.seen.has(h)) {
        this.seen.add(h);
        return arch;
      }
    }
    const attempts = this.options.maxAttempts ?? 2000;
    for (let i = 0; i < attempts; i++) {
      const arch = space.sample(this.rng);
      const h = architectureHash(arch);
      if (!this.seen.has(h)) {
        this.seen.add(h);
        return arch;
      }
    }
    return undefined;
  }

  state(): RandomStrategyState {
    return { version: 1, rng: this.rng.state(), seen: [...this.seen], queued: this.queued };
  }

  restore(state: unknown): void {
    const s = state as Partial<RandomStrategyState> | null;
    if (!s || s.version !== 1 || !Array.isArray(s.rng) || !Array.isArray(s.seen) || typeof s.queued !== 'number') {
      throw new StateError('BAD_STRATEGY_STATE', `not a random-strategy state (version 1): ${JSON.stringify(state)?.slice(0, 120)}`);
    }
    this.rng = Random.fromState(s.rng);
    this.seen = new Set(s.seen);
    this.queued = s.queued;
  }
}

/**
 * A {@link RandomStrategy} for direct use.
 * @example
 * ```ts
 * import { randomStrategy } from '@autonas/strategy-random';
 * const s = randomStrategy({ seed: 1 });
 * ```
 */
export function randomStrategy(options: RandomStrategyOptions = {}): RandomStrategy {
  return new RandomStrategy(options);
}

/**
 * A container module binding a {@link RandomStrategy} to the `SearchStrategy` extension point.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { randomStrategyModule } from '@autonas/strategy-random';
 * const c = createContainer({ maxTrials: 3 }, randomStrategyModule({ seed: 1 }));
 * ```
 */
export function randomStrategyModule(options: RandomStrategyOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<SearchStrategy>(SearchStrategy).toConstantValue(new RandomStrategy(options));
  });
}
