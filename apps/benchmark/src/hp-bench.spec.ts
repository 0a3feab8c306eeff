import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBench } from './cli.js';
import type { HpBenchResult } from './hp-bench.js';

describe('hp benchmark (training hyperparameters searched against fixed rules)', () => {
  it('runs both arms on each seed, alternating which goes first, and writes the table and JSON', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hp-')), 'hp.json');
    expect(await runBench(['hp', '--train-size', '600', '--test-size', '200', '--time-limit', '10', '--seeds', '2', '--retrain-epochs', '1', '--hp', 'learningRate=0.001|0.003', '--out', file], io)).toBe(0);
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as HpBenchResult;
    expect(result.options).toMatchObject({ timeLimit: 10, seeds: 2, trainSize: 600, testSize: 200, retrainEpochs: 1, hyperparameters: { learningRate: [0.001, 0.003] } });
    expect(result.runs.map((r) => `${r.seed}:${r.mode}`)).toEqual(['0:searched', '0:fixed', '1:fixed', '1:searched']);
    for (const r of result.runs) {
      expect(r.trials).toBeGreaterThanOrEqual(1);
      // Chance is 10%.
      expect(r.testAccuracy).toBeGreaterThan(0.2);
      if (r.mode === 'fixed') {
        expect(r.training.searched).toEqual([]);
        expect(Object.keys(r.tried)).toEqual([]);
      } else {
        expect(r.training.searched).toEqual(['learningRate']);
        expect(Object.keys(r.tried).every((k) => /^learningRate=0\.00[13]$/.test(k))).toBe(true);
      }
    }
    const of = (seed: number, mode: string) => result.runs.find((r) => r.seed === seed && r.mode === mode)!.testAccuracy;
    expect(result.differences).toEqual([of(0, 'searched') - of(0, 'fixed'), of(1, 'searched') - of(1, 'fixed')]);
    expect(out.join('\n')).toMatch(/searched − fixed test accuracy per seed: [+-]\d+\.\d\d pts, [+-]\d+\.\d\d pts/);
  }, 300_000);
});
