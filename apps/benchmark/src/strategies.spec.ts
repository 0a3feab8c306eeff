import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TabularBenchmark } from '@autonas/benchmark-tabular';
import { RandomStrategy } from '@autonas/strategy-random';
import { GridSpace } from '@autonas/testing';
import { runBench } from './cli.js';
import { findOptunaPython, formatStrategyTable, runStrategyBenchmark } from './strategies.js';

const OPTIMUM = 93.1267;

describe('strategy benchmark', () => {
  it('summarises best-so-far curves per seed against the optimum', async () => {
    const result = await runStrategyBenchmark({ strategies: [{ name: 'random', create: (seed) => new RandomStrategy({ seed }) }], seeds: 3, queries: 30, optuna: false });
    const [s] = result.strategies;
    expect(result.checkpoints).toEqual([25]);
    expect(s!.runs).toHaveLength(3);
    for (const r of s!.runs) {
      expect(r.curve).toHaveLength(30);
      for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]).toBeGreaterThanOrEqual(r.curve[i - 1]!);
      expect(r.curve[29]).toBeLessThanOrEqual(result.optimum);
    }
    expect(result.optimum).toBeCloseTo(OPTIMUM, 4);
    const at25 = s!.runs.map((r) => r.curve[24]!);
    expect(s!.at[25]!.mean).toBeCloseTo(at25.reduce((a, b) => a + b) / 3, 9);
    expect(s!.at[25]!.regret).toBeCloseTo(result.optimum - s!.at[25]!.mean, 9);
    // 25 random networks of NAS-Bench-Macro: better than its median (90.99) but short of the optimum.
    expect(s!.at[25]!.mean).toBeGreaterThan(90.99);
    expect(s!.at[25]!.regret).toBeGreaterThan(0);
    const table = formatStrategyTable(result);
    expect(table).toMatch(/best@25/);
    expect(table).toMatch(/^random\s+\d+\.\d\d ± \d\.\d\d/m);
  }, 60_000);

  it('runs on a space and a table of the user\'s own, and skips Optuna there with the reason', async () => {
    const space = new GridSpace({ a: [1, 2, 3, 4], b: [1, 2, 3, 4] });
    const benchmark: TabularBenchmark = {
      name: 'grid-sum', size: 16, optimum: { key: 'a=4,b=4', score: 8 },
      lookup: (arch) => {
        const d = arch.decisions as Record<string, number>;
        return { score: d['grid/a']! + d['grid/b']!, metrics: { params: 1 } };
      },
    };
    const result = await runStrategyBenchmark({ strategies: [{ name: 'random', create: (seed) => new RandomStrategy({ seed }) }], table: { space, benchmark }, seeds: 2, queries: 16, checkpoints: [4, 16] });
    expect(result.benchmark).toBe('grid-sum, 16 rows, optimum 8.0000');
    expect(result.optimum).toBe(8);
    expect(result.skipped).toEqual(['Optuna: its script reads NAS-Bench-Macro\'s file only; skipped on grid-sum']);
    const [s] = result.strategies;
    // 16 distinct queries of a 16-architecture space: every seed has seen the optimum.
    for (const r of s!.runs) expect(r.curve).toHaveLength(16);
    expect(s!.at[16]).toMatchObject({ mean: 8, regret: 0 });
    expect(s!.toWithin.reached).toBe(2);
    await expect(runStrategyBenchmark({ strategies: [], table: { space, benchmark }, optuna: true })).rejects.toThrow(/skipped on grid-sum/);
  });

  it.skipIf(!findOptunaPython())('runs Optuna\'s samplers on the same data in the same run', async () => {
    const result = await runStrategyBenchmark({ strategies: [], seeds: 2, queries: 25, optuna: true });
    expect(result.strategies.map((s) => s.name.split(' ')[0])).toEqual(['optuna-tpe', 'optuna-random']);
    for (const s of result.strategies) for (const r of s.runs) expect(r.curve).toHaveLength(25);
  }, 120_000);

  it('the command writes JSON beside the table and refuses bad arguments', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'r.json');
    expect(await runBench(['strategies', '--seeds', '2', '--queries', '25', '--only', 'random', '--no-optuna', '--out', file], io)).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).strategies[0].name).toBe('random');
    expect(out.join('\n')).toMatch(/random/);
    expect(await runBench(['strategies', '--seeds', '0'], io)).toBe(2);
    expect(await runBench(['strategies', '--only', 'nope'], io)).toBe(2);
    expect(await runBench(['nope'], io)).toBe(2);
    expect(await runBench(['workers', '--trials', 'x'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--seeds must be a positive integer[\s\S]*unknown strategies: nope[\s\S]*unknown benchmark "nope"[\s\S]*--trials must be a positive integer/);
  }, 60_000);
});
