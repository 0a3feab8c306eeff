import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { architectureHash, type Architecture, type TrialRecord } from '@autonas/core';
import { STORE_FILE, SqliteTrialStore } from '@autonas/store-sqlite';

/** A small chain network: input, `convs` convolutions of `filters`, a classifier. */
export function chain(filters: number, convs: number, extra: Partial<Record<string, string>> = {}): Architecture {
  const nodes = [{ id: 'in', op: 'input', params: { shape: [28, 28, 1] }, inputs: [] as string[] }];
  for (let i = 0; i < convs; i++) nodes.push({ id: `c${i}`, op: extra.op ?? 'conv2d', params: { filters, kernelSize: 3, activation: extra.activation ?? 'relu' } as never, inputs: [nodes[nodes.length - 1]!.id] });
  nodes.push({ id: 'out', op: 'classifier', params: { classes: 10 } as never, inputs: [nodes[nodes.length - 1]!.id] });
  return { nodes, space: extra.space ?? 'chain', decisions: { 'chain/blocks': convs, 'chain/block_0/filters': filters } };
}

/** A trial record of `arch` scored `score` (completed), `seconds` long, with a learning curve. */
export function trial(id: number, arch: Architecture, score: number | undefined, o: Partial<TrialRecord> = {}): TrialRecord {
  const startedAt = 1_700_000_000_000 + id * 10_000;
  return {
    id, architecture: arch, hash: architectureHash(arch), status: 'completed', score,
    metrics: { params: 1000 * (id + 1) * (id % 3 + 1), epochs: 2, trainSamples: 600, ...(score === undefined ? {} : { valAccuracy: score }) },
    epochs: score === undefined ? [] : [{ epoch: 0, loss: 1.2, accuracy: 0.6, valLoss: 1.1, valAccuracy: score - 0.05 }, { epoch: 1, loss: 0.7, accuracy: 0.8, valLoss: 0.8, valAccuracy: score }],
    startedAt, endedAt: startedAt + 8_000, seconds: 8 + id, ...o,
  };
}

/** A fresh experiment directory holding a writable store (close it when done). */
export function experimentDir(name = 'exp'): { dir: string; store: SqliteTrialStore } {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-dash-')), name);
  fs.mkdirSync(dir);
  return { dir, store: new SqliteTrialStore({ path: path.join(dir, STORE_FILE), synchronous: 'normal' }) };
}
