import { expect } from 'vitest';
import { AutonasError, architectureHash, betterTrial, type Architecture, type TrialRecord, type TrialStatus, type TrialStore } from '@autonas/core';
import { checkList, describeChecks, type ConformanceCheck } from './conformance-check.js';

/** Options of {@link storeConformance}. */
export interface StoreConformanceOptions {
  /** Shown in the test names. */
  readonly name: string;
  /** A fresh, empty store. Called once or more per check. */
  create(): TrialStore;
  /**
   * Closes `store` and opens what it wrote again (the same file, the same database): enables the
   * reopen check. Persistent stores should give it.
   */
  reopen?(store: TrialStore): TrialStore;
  /** Releases a store after a check (closes it, deletes its file). Default: `store.close?.()`. */
  dispose?(store: TrialStore): void;
  /** Per-check timeout in milliseconds (default 60 000). */
  readonly timeout?: number;
}

const ARCH: Architecture = {
  nodes: [
    { id: 'in', op: 'input', params: { shape: [4] }, inputs: [] },
    { id: 'h', op: 'dense', params: { units: 8, activation: 'relu' }, inputs: ['in'] },
    { id: 'out', op: 'classifier', params: { classes: 3 }, inputs: ['h'] },
  ],
  space: 'conformance',
  decisions: { 'conformance/units': 8 },
};

/** An architecture per `units`, and its hash. */
function arch(units: number): { architecture: Architecture; hash: string } {
  const architecture: Architecture = { ...ARCH, nodes: ARCH.nodes.map((n) => (n.id === 'h' ? { ...n, params: { ...n.params, units } } : n)), decisions: { 'conformance/units': units } };
  return { architecture, hash: architectureHash(architecture) };
}

/**
 * A complete trial record for store tests: every optional field set for a finished trial, none
 * for a running one.
 *
 * @example
 * ```ts
 * import { InMemoryTrialStore } from '@autonas/core';
 * import { conformanceTrial } from '@autonas/testing/conformance';
 * const store = new InMemoryTrialStore();
 * store.put(conformanceTrial(0, { score: 0.9 }));
 * console.log(store.best()?.score); // 0.9
 * ```
 */
export function conformanceTrial(id: number, over: Partial<TrialRecord> & { units?: number } = {}): TrialRecord {
  const { units = 8 + id, ...rest } = over;
  const status: TrialStatus = rest.status ?? 'completed';
  const base: TrialRecord =
    status === 'running'
      ? { id, ...arch(units), status, metrics: {}, epochs: [], startedAt: 1_700_000_000_000 + id }
      : {
          id,
          ...arch(units),
          status,
          ...(status === 'failed' ? { error: `trial ${id} failed on purpose` } : { score: 0.5 + id / 100 }),
          metrics: status === 'failed' ? {} : { valAccuracy: 0.5 + id / 100, params: 1000 + id },
          epochs: status === 'failed' ? [] : [{ epoch: 0, loss: 1.25, valAccuracy: 0.4 }, { epoch: 1, loss: 0.75, valAccuracy: 0.5 + id / 100 }],
          startedAt: 1_700_000_000_000 + id,
          endedAt: 1_700_000_001_500 + id,
          seconds: 1.5,
          cached: false,
          attempt: 1,
        };
  return { ...base, ...rest };
}

/**
 * Registers the trial-store conformance suite (vitest `describe`/`it`) for one store: our own
 * stores run it, and so can any third-party one. It checks what the {@link TrialStore} contract
 * promises:
 * - `put`, `get` and `trials()` keep every field of a record, `trials()` in id order whatever the
 *   order of the puts, and `get` of an unknown id is `undefined`;
 * - a `put` with an id already stored replaces that record (a running trial updated to completed);
 * - `findByHash` gives the latest completed trial with that hash, never a running or failed one;
 * - `best()` is the best finished trial (completed beats stopped; running and unscored ones never win);
 * - the strategy state saves and loads as JSON, `undefined` before any save, replaced by each save;
 * - metadata saves and loads by key, when the store has `saveMeta`/`loadMeta`;
 * - a malformed record (an id that is not a non-negative integer, an unknown status) is refused with
 *   a typed error, and nothing stored is lost;
 * - with `reopen`: everything (trials, state, metadata) is there again after a reopen.
 *
 * @example
 * ```ts
 * import { InMemoryTrialStore } from '@autonas/core';
 * import { storeConformance } from '@autonas/testing/conformance';
 * // In a *.spec.ts file:
 * storeConformance({ name: 'memory', create: () => new InMemoryTrialStore() });
 * ```
 */
export function storeConformance(options: StoreConformanceOptions): void {
  describeChecks(`store conformance: ${options.name}`, storeChecks(options));
}

/**
 * The checks of {@link storeConformance} as plain async functions, for running them outside
 * `describe` (for example to show that a broken store fails them).
 *
 * @example
 * ```ts
 * import { InMemoryTrialStore } from '@autonas/core';
 * import { storeChecks } from '@autonas/testing/conformance';
 * for (const check of storeChecks({ name: 'memory', create: () => new InMemoryTrialStore() })) await check.run();
 * ```
 */
export function storeChecks(options: StoreConformanceOptions): ConformanceCheck[] {
  const { checks, add } = checkList(options.timeout ?? 60_000);
  const release = (s: TrialStore) => (options.dispose ? options.dispose(s) : s.close?.());
  const withStore = async (f: (s: TrialStore) => TrialStore | void): Promise<void> => {
    let store = options.create();
    try {
      store = f(store) ?? store;
    } finally {
      release(store);
    }
  };
  const ids = (s: TrialStore) => s.trials().map((t) => t.id);

  add('keeps every field of a record, and hands trials back in id order whatever the order of the puts', async () => {
    await withStore((s) => {
      expect(s.trials(), 'a fresh store has no trials').toEqual([]);
      const trials = [conformanceTrial(2, { parent: 0 }), conformanceTrial(0, { status: 'running' }), conformanceTrial(3, { status: 'failed' }), conformanceTrial(1, { status: 'stopped', cached: true, attempt: 2 })];
      for (const t of trials) s.put(t);
      expect(ids(s), 'trials() in id order').toEqual([0, 1, 2, 3]);
      for (const t of trials) expect(s.get(t.id), `get(${t.id})`).toEqual(t);
      expect(s.trials(), 'trials() keeps every field').toEqual([...trials].sort((a, b) => a.id - b.id));
      expect(s.get(99), 'get of an unknown id').toBeUndefined();
      s.put(conformanceTrial(10));
      s.put(conformanceTrial(4));
      expect(ids(s), 'trials() in id order after more puts').toEqual([0, 1, 2, 3, 4, 10]);
    });
  });

  add('replaces the record with the same id: a running trial updated to completed', async () => {
    await withStore((s) => {
      s.put(conformanceTrial(0));
      const running = conformanceTrial(1, { status: 'running' });
      s.put(running);
      expect(s.get(1)?.status).toBe('running');
      const done = conformanceTrial(1, { score: 0.75 });
      s.put(done);
      expect(s.get(1), 'the updated record').toEqual(done);
      expect(ids(s), 'one record per id').toEqual([0, 1]);
      expect(s.trials()[1], 'trials() has the update').toEqual(done);
    });
  });

  add('finds the latest completed trial by hash, never a running or failed one', async () => {
    await withStore((s) => {
      const h = arch(64).hash;
      s.put(conformanceTrial(0, { units: 64 }));
      s.put(conformanceTrial(1, { units: 64, status: 'failed' }));
      s.put(conformanceTrial(2, { units: 64 }));
      s.put(conformanceTrial(3, { units: 64, status: 'running' }));
      s.put(conformanceTrial(4, { units: 65 }));
      s.put(conformanceTrial(5, { units: 66, status: 'failed' }));
      s.put(conformanceTrial(6, { units: 67, status: 'running' }));
      expect(s.findByHash(h)?.id, 'the latest completed trial of the hash').toBe(2);
      expect(s.findByHash(h), 'findByHash gives the whole record').toEqual(conformanceTrial(2, { units: 64 }));
      expect(s.findByHash(arch(66).hash), 'a hash with only a failed trial').toBeUndefined();
      expect(s.findByHash(arch(67).hash), 'a hash with only a running trial').toBeUndefined();
      expect(s.findByHash('0'.repeat(64)), 'an unknown hash').toBeUndefined();
    });
  });

  add('gives the best finished trial: completed beats stopped, running and unscored ones never win', async () => {
    await withStore((s) => {
      expect(s.best(), 'an empty store has no best').toBeUndefined();
      const trials = [
        conformanceTrial(0, { score: 0.5 }),
        conformanceTrial(1, { status: 'stopped', score: 0.95 }),
        conformanceTrial(2, { status: 'failed' }),
        conformanceTrial(3, { status: 'running', score: 0.99 }),
        conformanceTrial(4, { score: 0.7 }),
        conformanceTrial(5, { score: 0.6 }),
      ];
      for (const t of trials) s.put(t);
      const expected = trials.filter((t) => t.status !== 'running').reduce<TrialRecord | undefined>(betterTrial, undefined);
      expect(expected?.id).toBe(4);
      expect(s.best(), 'best()').toEqual(expected);
      s.put(conformanceTrial(3, { score: 0.99 }));
      expect(s.best()?.id, 'the running trial, once completed, is the best').toBe(3);
    });
  });

  add('saves and loads the strategy state as JSON: undefined before a save, replaced by each save, a copy', async () => {
    await withStore((s) => {
      expect(s.loadStrategyState(), 'the state before any save').toBeUndefined();
      const state = { version: 1, rng: [1, 2, 3, 4294967295], seen: ['a', 'b'], nested: { x: null, y: [true, 1.5, -0.25], s: 'é ✓' } };
      s.saveStrategyState(state);
      expect(s.loadStrategyState(), 'the loaded state').toEqual(state);
      state.seen.push('c');
      expect((s.loadStrategyState() as typeof state).seen, 'a change after the save is not saved').toEqual(['a', 'b']);
      s.saveStrategyState({ version: 2 });
      expect(s.loadStrategyState(), 'the state after a second save').toEqual({ version: 2 });
    });
  });

  add('saves and loads metadata by key, when it has saveMeta and loadMeta', async () => {
    await withStore((s) => {
      expect(typeof s.saveMeta === typeof s.loadMeta, 'saveMeta and loadMeta come together').toBe(true);
      if (!s.saveMeta || !s.loadMeta) return;
      expect(s.loadMeta('missing'), 'an unknown key').toBeUndefined();
      s.saveMeta('budget', { spentSeconds: 12.5, trials: 3 });
      s.saveMeta('options', [1, 'a', { b: false }]);
      expect(s.loadMeta('budget')).toEqual({ spentSeconds: 12.5, trials: 3 });
      expect(s.loadMeta('options')).toEqual([1, 'a', { b: false }]);
      s.saveMeta('budget', { spentSeconds: 20 });
      expect(s.loadMeta('budget'), 'a second save replaces the value').toEqual({ spentSeconds: 20 });
      expect(s.loadMeta('options'), 'other keys are kept').toEqual([1, 'a', { b: false }]);
    });
  });

  add('refuses a malformed record with a typed error, and loses nothing', async () => {
    await withStore((s) => {
      const good = [conformanceTrial(0), conformanceTrial(1, { status: 'running' })];
      for (const t of good) s.put(t);
      const bad: Array<[string, TrialRecord]> = [
        ['a negative id', conformanceTrial(-1)],
        ['a fractional id', conformanceTrial(1.5)],
        ['a NaN id', conformanceTrial(Number.NaN)],
        ['an unknown status', { ...conformanceTrial(1), status: 'bogus' as TrialStatus }],
      ];
      for (const [what, record] of bad) {
        let error: unknown;
        try {
          s.put(record);
        } catch (e) {
          error = e;
        }
        expect(error, `a record with ${what} is refused with an AutonasError`).toBeInstanceOf(AutonasError);
        expect(s.trials(), `nothing is lost after refusing ${what}`).toEqual(good);
      }
    });
  });

  const reopen = options.reopen;
  if (reopen) {
    add('keeps trials, strategy state and metadata across a reopen', async () => {
      await withStore((s) => {
        const trials = [conformanceTrial(1, { status: 'stopped' }), conformanceTrial(0), conformanceTrial(2, { status: 'running' }), conformanceTrial(3, { status: 'failed' })];
        for (const t of trials) s.put(t);
        const updated = conformanceTrial(2, { score: 0.9 });
        s.put(updated);
        const state = { version: 1, rng: [5, 6, 7, 8] };
        s.saveStrategyState(state);
        s.saveMeta?.('budget', { spentSeconds: 3 });
        const before = { trials: s.trials(), best: s.best(), byHash: s.findByHash(updated.hash) };
        const again = reopen(s);
        expect(again.trials(), 'the trials after a reopen').toEqual(before.trials);
        expect(again.trials().map((t) => t.id), 'in id order').toEqual([0, 1, 2, 3]);
        expect(again.get(2), 'the updated trial').toEqual(updated);
        expect(again.best(), 'the best trial').toEqual(before.best);
        expect(again.findByHash(updated.hash), 'findByHash').toEqual(before.byHash);
        expect(again.loadStrategyState(), 'the strategy state').toEqual(state);
        if (again.loadMeta) expect(again.loadMeta('budget'), 'the metadata').toEqual({ spentSeconds: 3 });
        again.put(conformanceTrial(4));
        expect(again.trials().map((t) => t.id), 'it takes new trials after a reopen').toEqual([0, 1, 2, 3, 4]);
        return again;
      });
    });
  }
  return checks;
}
