import { describe, expect, it } from 'vitest';
import { AskTellStrategy, Random, StateError, architectureHash, type Architecture, type SearchSpace, type TrialRecord } from '@autonas/core';
import { GridSpace } from './grid-space.js';
import { conformanceToy, runStrategy, strategyChecks, strategyConformance } from './conformance.js';

interface ClimberState {
  version: 1;
  rng: number[];
  seen: string[];
  best?: { arch: Architecture; score: number };
}

/** A reference strategy for the suite: greedy local search from the best trial so far. */
class HillClimber extends AskTellStrategy {
  name = 'hill-climber';
  protected rng: Random;
  protected seen = new Set<string>();
  protected best: { arch: Architecture; score: number } | undefined;

  constructor(seed: number) {
    super();
    this.rng = new Random(seed);
  }

  ask(space: SearchSpace, history: readonly TrialRecord[]): Architecture | undefined {
    for (const t of history) this.seen.add(t.hash);
    const fresh = (a: Architecture) => {
      const h = architectureHash(a);
      if (this.seen.has(h)) return false;
      this.seen.add(h);
      return true;
    };
    if (this.best) {
      for (let i = 0; i < 50; i++) {
        const child = space.mutate(this.best.arch, this.rng);
        if (fresh(child)) return child;
      }
    }
    for (let i = 0; i < 2000; i++) {
      const a = space.sample(this.rng);
      if (fresh(a)) return a;
    }
    return undefined;
  }

  override tell(t: TrialRecord): void {
    if (t.score !== undefined && (!this.best || t.score > this.best.score)) this.best = { arch: t.architecture, score: t.score };
  }

  state(): ClimberState {
    return { version: 1, rng: this.rng.state(), seen: [...this.seen], ...(this.best ? { best: this.best } : {}) };
  }

  restore(state: unknown): void {
    const s = state as Partial<ClimberState> | null;
    if (!s || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.rng) || !Array.isArray(s.seen)) throw new StateError('BAD_STRATEGY_STATE', 'not a hill-climber state');
    this.rng = Random.fromState(s.rng);
    this.seen = new Set(s.seen);
    this.best = s.best;
  }
}

strategyConformance({ name: 'reference hill-climber', create: (seed) => new HillClimber(seed) });

/** Runs one named check of the suite against a strategy factory. */
const check = (name: RegExp, create: (seed: number) => AskTellStrategy, optimum = true) => {
  const found = strategyChecks({ name: 'broken', create, ...(optimum ? {} : { optimum: false as const }) }).find((c) => name.test(c.name));
  if (!found) throw new Error(`no check matches ${name}`);
  return found.run();
};

describe('the conformance suite catches broken strategies', () => {
  it('a strategy proposing architectures of another space', async () => {
    const other = new GridSpace({ z: [1, 2] }, 'other');
    class Foreign extends HillClimber {
      override ask(space: SearchSpace, h: readonly TrialRecord[]) {
        return this.seen.size === 3 ? other.sample(this.rng) : super.ask(space, h);
      }
    }
    await expect(check(/only valid/, (s) => new Foreign(s))).rejects.toThrow();
  });

  it('a strategy that ignores its seed', async () => {
    await expect(check(/reproducible/, () => new HillClimber(0))).rejects.toThrow();
  });

  it('a strategy whose restore forgets where it was', async () => {
    class Amnesiac extends HillClimber {
      override restore(): void {}
    }
    await expect(check(/continues after a restore/, (s) => new Amnesiac(s))).rejects.toThrow();
  });

  it('a strategy that accepts any state', async () => {
    class Gullible extends HillClimber {
      override restore(): void {}
    }
    await expect(check(/rejects a foreign state/, (s) => new Gullible(s))).rejects.toThrow();
  });

  it('a strategy that repeats itself in a small space', async () => {
    class Repeater extends HillClimber {
      private n = 0;
      override ask(space: SearchSpace) {
        return this.n++ < 12 ? space.sample(this.rng) : undefined;
      }
    }
    await expect(check(/exhausted/, (s) => new Repeater(s))).rejects.toThrow();
  });

  it('a strategy that does not learn, under the optimum check', async () => {
    class Blind extends HillClimber {
      override tell(): void {}
    }
    await expect(check(/finds the optimum/, (s) => new Blind(s))).rejects.toThrow(/seed/);
  });
});

describe('runStrategy', () => {
  it('reports trials, estimates and the most trials in flight', async () => {
    const { space, objective } = conformanceToy();
    const run = await runStrategy(new HillClimber(1), space, objective, { maxTrials: 9, concurrency: 3, delayMs: 2 });
    expect(run.trials).toHaveLength(9);
    expect(run.estimated).toHaveLength(9);
    expect(run.maxInFlight).toBe(3);
    expect(run.stoppedBy).toBe('maxTrials');
  });
});
