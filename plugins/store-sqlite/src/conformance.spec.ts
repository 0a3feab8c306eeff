import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { TrialStore } from '@autonas/core';
import { conformanceTrial, storeConformance } from '@autonas/testing/conformance';
import { SqliteTrialStore } from './sqlite-trial-store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-store-conformance-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;

storeConformance({
  name: 'sqlite (a file, reopened)',
  create: () => new SqliteTrialStore({ path: path.join(dir, `store-${files++}.db`) }),
  reopen: (store) => {
    const { path: file, experiment } = store as SqliteTrialStore;
    store.close!();
    return new SqliteTrialStore({ path: file, experiment });
  },
  dispose: (store) => {
    store.close!();
    const file = (store as SqliteTrialStore).path;
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  },
});

// Experiments sharing one file with a neighbour that holds trials, a state and metadata: each store
// must start empty and see only its own.
const shared = path.join(dir, 'shared.db');
const neighbour: TrialStore = new SqliteTrialStore({ path: shared, experiment: 'neighbour' });
for (const id of [0, 1, 2, 7]) neighbour.put(conformanceTrial(id, { score: 0.99 }));
neighbour.saveStrategyState({ neighbour: true });
neighbour.saveMeta!('budget', { neighbour: true });
let experiments = 0;
storeConformance({
  name: 'sqlite (one experiment of a shared file)',
  create: () => new SqliteTrialStore({ path: shared, experiment: `e${experiments++}` }),
  reopen: (store) => {
    const { experiment } = store as SqliteTrialStore;
    store.close!();
    return new SqliteTrialStore({ path: shared, experiment });
  },
});
afterAll(() => neighbour.close?.());

storeConformance({ name: 'sqlite (:memory:)', create: () => new SqliteTrialStore({ path: ':memory:' }) });
