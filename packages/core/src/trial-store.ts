import { betterTrial, type TrialRecord } from './trial.js';

/** Injection token for {@link TrialStore}. */
export const TrialStore = Symbol.for('autonas.TrialStore');

/**
 * Where trials and the strategy's state are recorded. Persistent stores implement the same
 * interface.
 *
 * @example
 * ```ts
 * import { InMemoryTrialStore } from '@autonas/core';
 * const store = new InMemoryTrialStore();
 * console.log(store.trials().length); // 0
 * ```
 */
export interface TrialStore {
  /** Records a new trial or replaces the record with the same id. */
  put(trial: TrialRecord): void;
  get(id: number): TrialRecord | undefined;
  /** All trials in id order. */
  trials(): readonly TrialRecord[];
  /** The latest completed trial with this architecture hash. */
  findByHash(hash: string): TrialRecord | undefined;
  /** The best trial so far. */
  best(): TrialRecord | undefined;
  saveStrategyState(state: unknown): void;
  loadStrategyState(): unknown;
}

/** A {@link TrialStore} in memory; records are deep-copied in and out so callers cannot corrupt them. */
export class InMemoryTrialStore implements TrialStore {
  private readonly byId = new Map<number, TrialRecord>();
  private strategyState: string | undefined;

  put(trial: TrialRecord): void {
    this.byId.set(trial.id, structuredClone(trial));
  }
  get(id: number): TrialRecord | undefined {
    const t = this.byId.get(id);
    return t && structuredClone(t);
  }
  trials(): readonly TrialRecord[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id).map((t) => structuredClone(t));
  }
  findByHash(hash: string): TrialRecord | undefined {
    let found: TrialRecord | undefined;
    for (const t of this.byId.values()) if (t.hash === hash && t.status === 'completed') found = t;
    return found && structuredClone(found);
  }
  best(): TrialRecord | undefined {
    let best: TrialRecord | undefined;
    for (const t of this.byId.values()) if (t.status !== 'running') best = betterTrial(best, t);
    return best && best.score !== undefined ? structuredClone(best) : undefined;
  }
  saveStrategyState(state: unknown): void {
    this.strategyState = JSON.stringify(state);
  }
  loadStrategyState(): unknown {
    return this.strategyState === undefined ? undefined : JSON.parse(this.strategyState);
  }
}
