import { describe, expect, it } from 'vitest';
import { InMemoryTrialStore, StateError, type TrialRecord, type TrialStore } from '@autonas/core';
import { conformanceTrial, storeChecks, storeConformance, type StoreConformanceOptions } from './store-conformance.js';
import { expectCaughtBy, expectCaughtOnlyBy } from './conformance.test-util.js';

/** What a {@link DiskStore} writes: JSON text, as a file would hold. */
interface Disk {
  readonly trials: Map<number, string>;
  state?: string;
  readonly meta: Map<string, string>;
}

/**
 * A reference persistent store: an {@link InMemoryTrialStore} that also writes every change to a
 * `Disk` as JSON and, opened on a disk, reads it back.
 */
class DiskStore implements TrialStore {
  protected mem = new InMemoryTrialStore();
  constructor(readonly disk: Disk = { trials: new Map(), meta: new Map() }) {
    for (const text of disk.trials.values()) this.mem.put(JSON.parse(text) as TrialRecord);
    if (disk.state !== undefined) this.mem.saveStrategyState(JSON.parse(disk.state));
    for (const [k, v] of disk.meta) this.mem.saveMeta(k, JSON.parse(v));
  }
  put(trial: TrialRecord): void {
    this.mem.put(trial);
    this.disk.trials.set(trial.id, JSON.stringify(trial));
  }
  get(id: number) {
    return this.mem.get(id);
  }
  trials() {
    return this.mem.trials();
  }
  findByHash(hash: string) {
    return this.mem.findByHash(hash);
  }
  best() {
    return this.mem.best();
  }
  saveStrategyState(state: unknown): void {
    this.mem.saveStrategyState(state);
    this.disk.state = JSON.stringify(state);
  }
  loadStrategyState(): unknown {
    return this.mem.loadStrategyState();
  }
  saveMeta(key: string, value: unknown): void {
    this.mem.saveMeta(key, value);
    this.disk.meta.set(key, JSON.stringify(value));
  }
  loadMeta(key: string): unknown {
    return this.mem.loadMeta(key);
  }
}

storeConformance({ name: 'InMemoryTrialStore', create: () => new InMemoryTrialStore() });

const reference: StoreConformanceOptions = { name: 'reference disk store', create: () => new DiskStore(), reopen: (s) => new DiskStore((s as DiskStore).disk) };
storeConformance(reference);

/** The reference options with a broken store (reopened on the same disk as the same kind of store). */
const broken = <T extends DiskStore>(Kind: new (disk?: Disk) => T) => storeChecks({ name: 'broken', create: () => new Kind(), reopen: (s) => new Kind((s as T).disk) });

describe('the store conformance suite catches broken stores', () => {
  it('names its checks', () => {
    expect(storeChecks(reference).map((c) => c.name)).toEqual([
      'keeps every field of a record, and hands trials back in id order whatever the order of the puts',
      'replaces the record with the same id: a running trial updated to completed',
      'finds the latest completed trial by hash, never a running or failed one',
      'gives the best finished trial: completed beats stopped, running and unscored ones never win',
      'saves and loads the strategy state as JSON: undefined before a save, replaced by each save, a copy',
      'saves and loads metadata by key, when it has saveMeta and loadMeta',
      'refuses a malformed record with a typed error, and loses nothing',
      'keeps trials, strategy state and metadata across a reopen',
    ]);
  });

  it('a store that hands trials back in the order they were put', async () => {
    class Unsorted extends DiskStore {
      private readonly order: TrialRecord[] = [];
      override put(t: TrialRecord) {
        super.put(t);
        const i = this.order.findIndex((x) => x.id === t.id);
        if (i >= 0) this.order[i] = t;
        else this.order.push(t);
      }
      override trials() {
        return this.order.map((t) => this.get(t.id)!);
      }
    }
    // Its reopened trials come back out of order too.
    await expectCaughtBy(broken(Unsorted), /id order/);
  });

  it('a store that drops a field of a record', async () => {
    class Forgetful extends DiskStore {
      override put(t: TrialRecord) {
        const { attempt: _attempt, ...rest } = t;
        super.put(rest);
      }
    }
    // Every check that compares whole records sees the missing field.
    await expectCaughtBy(broken(Forgetful), /keeps every field/);
  });

  it('a store that keeps both records when a trial is put again', async () => {
    class Appender extends DiskStore {
      private readonly extra: TrialRecord[] = [];
      override put(t: TrialRecord) {
        if (this.get(t.id)) this.extra.push(t);
        else super.put(t);
      }
      override trials() {
        return [...super.trials(), ...this.extra];
      }
    }
    // The duplicate also shows in best(), the refusal check's history and the reopened trials.
    await expectCaughtBy(broken(Appender), /replaces the record/);
  });

  it('a store whose findByHash gives the first trial, or a failed one', async () => {
    class First extends DiskStore {
      override findByHash(hash: string) {
        return this.trials().find((t) => t.hash === hash && t.status === 'completed');
      }
    }
    await expectCaughtOnlyBy(broken(First), /finds the latest completed trial/);
    class AnyStatus extends DiskStore {
      override findByHash(hash: string) {
        return [...this.trials()].reverse().find((t) => t.hash === hash);
      }
    }
    await expectCaughtOnlyBy(broken(AnyStatus), /finds the latest completed trial/);
  });

  it('a store whose best counts running trials', async () => {
    class Eager extends DiskStore {
      override best() {
        return [...this.trials()].filter((t) => t.score !== undefined).sort((a, b) => b.score! - a.score!)[0];
      }
    }
    await expectCaughtOnlyBy(broken(Eager), /best finished trial/);
  });

  it('a store that keeps the strategy state by reference', async () => {
    class ByReference extends DiskStore {
      private state: unknown;
      override saveStrategyState(state: unknown) {
        super.saveStrategyState(state);
        this.state = state;
      }
      override loadStrategyState() {
        return this.state ?? super.loadStrategyState();
      }
    }
    await expectCaughtOnlyBy(broken(ByReference), /strategy state as JSON/);
  });

  it('a store whose metadata keys overwrite each other', async () => {
    class OneSlot extends DiskStore {
      override saveMeta(_key: string, value: unknown) {
        super.saveMeta('slot', value);
      }
      override loadMeta() {
        return super.loadMeta('slot');
      }
    }
    await expectCaughtOnlyBy(broken(OneSlot), /metadata by key/);
  });

  it('a store that drops a malformed record silently, refuses it with an untyped error, or loses trials refusing it', async () => {
    class Gullible extends DiskStore {
      override put(t: TrialRecord) {
        try {
          super.put(t);
        } catch {
          // says nothing: the caller believes the record was kept
        }
      }
    }
    await expectCaughtOnlyBy(broken(Gullible), /refuses a malformed record/);
    class Untyped extends DiskStore {
      override put(t: TrialRecord) {
        if (!(Number.isInteger(t.id) && t.id >= 0)) throw new TypeError('bad id');
        super.put(t);
      }
    }
    await expectCaughtOnlyBy(broken(Untyped), /refuses a malformed record/);
    class Wiping extends DiskStore {
      override put(t: TrialRecord) {
        try {
          super.put(t);
        } catch (e) {
          this.disk.trials.clear();
          this.mem = new InMemoryTrialStore();
          throw e;
        }
      }
    }
    const failed = await expectCaughtOnlyBy(broken(Wiping), /refuses a malformed record/);
    expect([...failed.values()][0]).toMatch(/nothing is lost/);
  });

  it('a store that loses its last trial, or its strategy state, on reopen', async () => {
    class LastLost extends DiskStore {
      constructor(disk?: Disk) {
        if (disk) disk.trials.delete(Math.max(...disk.trials.keys()));
        super(disk);
      }
    }
    await expectCaughtOnlyBy(broken(LastLost), /across a reopen/);
    class StateLost extends DiskStore {
      constructor(disk?: Disk) {
        super(disk && { ...disk, state: undefined });
      }
    }
    await expectCaughtOnlyBy(broken(StateLost), /across a reopen/);
  });
});

describe('conformanceTrial', () => {
  it('gives complete records for finished trials and bare ones for running trials', () => {
    expect(conformanceTrial(1)).toMatchObject({ id: 1, status: 'completed', score: 0.51, seconds: 1.5, attempt: 1, cached: false });
    expect(conformanceTrial(2, { status: 'running' })).not.toHaveProperty('endedAt');
    expect(conformanceTrial(3, { status: 'failed' })).toMatchObject({ error: 'trial 3 failed on purpose' });
    expect(conformanceTrial(4).hash).not.toBe(conformanceTrial(5).hash);
    expect(() => new InMemoryTrialStore().put(conformanceTrial(-1))).toThrow(StateError);
  });
});
