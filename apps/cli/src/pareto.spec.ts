import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TrialRecord } from 'autonas';
import { objectivesArg, paretoReport, paretoTable, runCli } from './cli.js';

const accParams = objectivesArg('accuracy,params');
const trial = (id: number, valAccuracy: number, params: number): TrialRecord => ({
  id, status: 'completed', architecture: { nodes: [{ id: 'in', op: 'input', params: { shape: [4] }, inputs: [] }, { id: 'out', op: 'classifier', params: { classes: 2 }, inputs: ['in'] }] }, hash: `h${id}`, score: valAccuracy, metrics: { valAccuracy, params }, epochs: [], startedAt: 0,
});

describe('autonas search --objectives', () => {
  it('parses the objective names and refuses unknown, single or repeated ones', () => {
    expect(accParams).toEqual([{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'params', direction: 'minimize' }]);
    expect(objectivesArg('val_loss, params')).toEqual([{ metric: 'valLoss', direction: 'minimize' }, { metric: 'params', direction: 'minimize' }]);
    expect(() => objectivesArg('accuracy')).toThrow(/two or more/);
    expect(() => objectivesArg('accuracy,flops')).toThrow(/two or more of/);
    expect(() => objectivesArg('accuracy,val_accuracy')).toThrow(/same metric twice/);
  });

  it('builds the report rows and the printed table of the front', () => {
    const front = [trial(0, 0.91, 12000), trial(3, 0.85, 900)];
    expect(paretoReport(front, accParams).map((r) => ({ id: r.id, values: r.values, params: r.params }))).toEqual([
      { id: 0, values: { valAccuracy: 0.91, params: 12000 }, params: 12000 },
      { id: 3, values: { valAccuracy: 0.85, params: 900 }, params: 900 },
    ]);
    const table = paretoTable(front, accParams, 20000);
    expect(table[0]).toBe('pareto front: 2 non-dominated trial(s), all within 20,000 params');
    expect(table[1]).toMatch(/trial \| valAccuracy \(max\) \| params \(min\)/);
    expect(table[2]).toMatch(/1 \|\s+91\.00% \|\s+12,000/);
    expect(table[3]).toMatch(/4 \|\s+85\.00% \|\s+900/);
    expect(paretoTable(front, accParams, 100)[0]).toMatch(/no trial was within 100 params/);
  });

  it('a tiny real search prints the front and writes paretoFront into report.json', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-pareto-'));
    const c = { out: [] as string[], err: [] as string[] };
    const code = await runCli(
      ['search', '--strategy', 'evolution', '--objectives', 'accuracy,params', '--max-params', '2000000', '--max-trials', '3', '--workers', '1', '--train-size', '600',
        '--trial-samples', '200', '--trial-validation', '100', '--epochs', '1', '--retrain-epochs', '1', '--no-baseline', '--backend', 'wasm', '--out', dir],
      { out: (l) => c.out.push(l), err: (l) => c.err.push(l) },
    );
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    expect(c.out.join('\n')).toMatch(/pareto front: \d+ non-dominated trial\(s\), all within 2,000,000 params/);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.objectives).toEqual(accParams);
    expect(report.maxParams).toBe(2000000);
    expect(report.paretoFront.length).toBeGreaterThan(0);
    for (const row of report.paretoFront) {
      expect(row.values.params).toBeLessThanOrEqual(2000000);
      expect(row.values.valAccuracy).toBeGreaterThan(0);
      expect(report.trials.find((t: { id: number }) => t.id === row.id).status).toBe('completed');
    }
    await fs.rm(dir, { recursive: true, force: true });
  }, 300_000);
});
