import { AskTellStrategy, Random, StateError, architectureHash, type Architecture, type SearchSpace, type TrialRecord } from '@autonas/core';

/**
 * A minimal seeded strategy for tests of engines, executors and stores: samples the space
 * uniformly, never proposing an architecture it or the history has seen, and stops once 500
 * samples in a row were all seen. Its state is plain JSON, so a search can resume.
 * (Plugins cannot import `@autonas/strategy-random`, even in tests; this stands in for it.)
 *
 * @example
 * ```ts
 * import { UniqueSampler } from '@autonas/testing';
 * const strategy = new UniqueSampler(7);
 * console.log(strategy.name); // 'unique-sampler'
 * ```
 */
export class UniqueSampler extends AskTellStrategy {
  readonly name = 'unique-sampler';
  private rng: Random;
  private seen = new Set<string>();

  constructor(seed = 0) {
    super();
    this.rng = new Random(seed);
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | undefined {
    for (const t of history) this.seen.add(t.hash);
    for (let i = 0; i < 500; i++) {
      const a = space.sample(this.rng);
      const h = architectureHash(a);
      if (!this.seen.has(h)) {
        this.seen.add(h);
        return a;
      }
    }
    return undefined;
  }

  state(): { rng: number[]; seen: string[] } {
    return { rng: this.rng.state(), seen: [...this.seen] };
  }

  restore(state: unknown): void {
    const s = state as { rng?: unknown; seen?: unknown } | null;
    if (!s || !Array.isArray(s.rng) || !Array.isArray(s.seen)) throw new StateError('BAD_STRATEGY_STATE', 'not a unique-sampler state');
    this.rng = Random.fromState(s.rng as number[]);
    this.seen = new Set(s.seen as string[]);
  }
}
