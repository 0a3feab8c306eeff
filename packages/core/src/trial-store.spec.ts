import { describe, expect, it } from 'vitest';
import { StateError } from './errors.js';
import { InMemoryTrialStore, checkTrialRecord } from './trial-store.js';
import type { TrialRecord, TrialStatus } from './trial.js';

const trial = (id: number, status: TrialStatus = 'completed'): TrialRecord => ({ id, status, architecture: { nodes: [] }, hash: `h${id}`, metrics: {}, epochs: [], startedAt: 0 });

describe('InMemoryTrialStore', () => {
  it('refuses a record with a bad id or an unknown status with BAD_TRIAL, recording nothing', () => {
    const store = new InMemoryTrialStore();
    store.put(trial(0));
    for (const bad of [trial(-1), trial(1.5), trial(Number.NaN), trial(1, 'bogus' as TrialStatus)]) {
      expect(() => store.put(bad)).toThrow(StateError);
      expect(() => checkTrialRecord(bad)).toThrow(expect.objectContaining({ code: 'BAD_TRIAL' }));
    }
    expect(store.trials().map((t) => t.id)).toEqual([0]);
  });
});
