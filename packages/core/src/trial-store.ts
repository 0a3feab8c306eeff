import { StateError } from './errors.js';
import { betterTrial, type TrialRecord, type TrialStatus } from './trial.js';

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
  /**
   * Records a new trial or replaces the record with the same id. Refuses a record whose id is
   * not a non-negative integer or whose status is unknown with a {@link StateError}
   * (`BAD_TRIAL`), recording nothing.
   */
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
  /**
   * Saves a small piece of experiment metadata (budget spent, options, the best model's
   * location) under `key`. Optional: a store without it cannot carry a time budget across a
   * resume.
   */
  saveMeta?(key: string, value: unknown): void;
  /** The metadata saved under `key`, or `undefined`. */
  loadMeta?(key: string): unknown;
  /** Releases the store's resources (a database connection). Optional. */
  close?(): void;
}

/**
 * A {@link TrialStore} in memory. Records are copied in and handed out frozen, so callers cannot
 * corrupt them (spread a record to change a copy).
 */
export class InMemoryTrialStore implements TrialStore {
  private readonly byId = new Map<number, TrialRecord>();
  private snapshot: readonly TrialRecord[] | undefined;
  private strategyState: string | undefined;
  private readonly meta = new Map<string, unknown>();

  put(trial: TrialRecord): void {
    checkTrialRecord(trial);
    this.byId.set(trial.id, deepFreeze(structuredClone(trial)));
    this.snapshot = undefined;
  }
  get(id: number): TrialRecord | undefined {
    return this.byId.get(id);
  }
  trials(): readonly TrialRecord[] {
    // One frozen copy per change: strategies read the history on every proposal.
    this.snapshot ??= Object.freeze([...this.byId.values()].sort((a, b) => a.id - b.id));
    return this.snapshot;
  }
  findByHash(hash: string): TrialRecord | undefined {
    let found: TrialRecord | undefined;
    for (const t of this.byId.values()) if (t.hash === hash && t.status === 'completed') found = t;
    return found;
  }
  best(): TrialRecord | undefined {
    let best: TrialRecord | undefined;
    for (const t of this.byId.values()) if (t.status !== 'running') best = betterTrial(best, t);
    return best && best.score !== undefined ? best : undefined;
  }
  saveStrategyState(state: unknown): void {
    this.strategyState = JSON.stringify(state);
  }
  loadStrategyState(): unknown {
    return this.strategyState === undefined ? undefined : JSON.parse(this.strategyState);
  }
  saveMeta(key: string, value: unknown): void {
    this.meta.set(key, structuredClone(value));
  }
  loadMeta(key: string): unknown {
    return structuredClone(this.meta.get(key));
  }
}

const STATUSES: readonly TrialStatus[] = ['running', 'completed', 'failed', 'stopped'];

/**
 * Throws {@link StateError} `BAD_TRIAL` for a record a store must refuse: an id that is not a
 * non-negative integer, or an unknown status.
 *
 * @example
 * ```ts
 * import { checkTrialRecord, type TrialRecord } from '@autonas/core';
 * const t: TrialRecord = { id: -1, status: 'completed', architecture: { nodes: [] }, hash: 'h', metrics: {}, epochs: [], startedAt: 0 };
 * try { checkTrialRecord(t); } catch (e) { console.log((e as { code: string }).code); } // 'BAD_TRIAL'
 * ```
 */
export function checkTrialRecord(trial: TrialRecord): void {
  if (!Number.isInteger(trial?.id) || trial.id < 0) throw new StateError('BAD_TRIAL', `a trial id must be a non-negative integer, got ${trial?.id}`);
  if (!STATUSES.includes(trial.status)) throw new StateError('BAD_TRIAL', `trial ${trial.id} has unknown status "${trial.status}"`);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
