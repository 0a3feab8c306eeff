import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '@autonas/core';
import { runBench } from './cli.js';
import { runMnistBench, type MnistBenchResult } from './mnist-bench.js';

// The predictor beside random search and morphism-bo (each strategy adds a 20 s search).
const RUN = ['random', 'predictor', 'morphism-bo'];

describe('MNIST benchmark (strategies under one time limit, through the facade)', () => {
  it('runs every strategy through the facade on the same images and writes the table and JSON', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => out.push(s), err: (s: string) => err.push(s) };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mnist-')), 'mnist.json');
    // 1,000 images: trials train 3 epochs on 500 and score on 167; 20 s per search, one seed.
    expect(await runBench(['mnist', '--train-size', '1000', '--test-size', '200', '--epochs', '3', '--time-limit', '20', '--seeds', '1', '--only', RUN.join(','), '--out', file], io)).toBe(0);
    const result = JSON.parse(fs.readFileSync(file, 'utf8')) as MnistBenchResult;
    expect(result.options).toMatchObject({ timeLimit: 20, seeds: 1, epochs: 3, trainSize: 1000, testSize: 200, strategies: RUN, baseline: true });
    expect([result.trialTrainSamples, result.trialValidationSamples]).toEqual([500, 167]);
    expect(result.runs.map((r) => r.strategy)).toEqual(RUN);
    for (const r of result.runs) {
      expect(r.trials.completed).toBeGreaterThanOrEqual(1);
      expect(r.trials.completed + r.trials.failed + r.trials.stopped).toBe(r.trials.started);
      expect(r.stoppedBy).toBe('timeLimit');
      expect(r.searchSeconds).toBeGreaterThanOrEqual(20);
      // Chance is 10%: the start network alone gets well above it, and the best is at least as good.
      expect(r.startValAccuracy).toBeGreaterThan(0.2);
      expect(r.bestValAccuracy).toBeGreaterThanOrEqual(r.startValAccuracy!);
      expect(r.bestValAccuracy).toBeLessThanOrEqual(1);
      expect(r.gain).toBeCloseTo(r.bestValAccuracy - r.startValAccuracy!, 12);
      expect(r.testAccuracy).toBeGreaterThan(0.15);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
      expect(r.testLoss).toBeGreaterThan(0);
      expect(r.bestParams).toBeGreaterThan(1000);
      // The baseline trained first, like every trial, and is a candidate (the plain ResNet-style
      // network learns little from 500 images in 3 epochs, so no bar above chance here).
      expect(r.baselineValAccuracy).toBeGreaterThan(0);
      expect(r.bestValAccuracy).toBeGreaterThanOrEqual(r.baselineValAccuracy!);
      // The strategy was told how many trials the limit allows, from the baseline's seconds.
      expect(r.expectedTrials).toBeGreaterThanOrEqual(1);
    }
    // Same seed, same split, same trial subset, same start network and weight seed: trial 1 scores alike.
    const starts = result.runs.map((r) => r.startValAccuracy!);
    for (const s of starts) expect(s).toBeCloseTo(starts[0]!, 9);
    const morph = result.runs.find((r) => r.strategy === 'morphism-bo')!;
    expect(morph.bestAncestors).toBeGreaterThanOrEqual(0);
    for (const [i, row] of result.rows.entries()) {
      const run = result.runs[i]!;
      expect(row.strategy).toBe(run.strategy);
      expect(row.trials).toEqual({ mean: run.trials.completed, std: 0, n: 1 });
      expect(row.testAccuracy.mean).toBeCloseTo(run.testAccuracy, 12);
    }
    expect(result.tensors.after).toBe(result.tensors.before);
    const table = out.join('\n');
    for (const s of RUN) expect(table).toMatch(new RegExp(`^\\| ${s} \\| \\d+\\.\\d \\| \\d+\\.\\d\\d ± 0\\.00 \\| \\d+\\.\\d\\d ± 0\\.00 \\|`, 'm'));
    expect(err.join('\n')).toMatch(/random, seed 0:\n {2}trial 1: completed/);
  }, 300_000); // three 20 s searches after their baselines, then their models tested; room for a loaded machine

  it('refuses unknown strategies and bad options', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (s: string) => err.push(s) };
    expect(await runBench(['mnist', '--only', 'random,nope'], io)).toBe(2);
    expect(await runBench(['mnist', '--time-limit', '0'], io)).toBe(2);
    expect(await runBench(['mnist', '--seeds', '1.5'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/unknown strategies: nope \(have random, evolution, morphism-bo, predictor, local\)[\s\S]*--time-limit must be positive seconds[\s\S]*--seeds must be a positive integer/);
    await expect(runMnistBench({ strategies: ['darts'] })).rejects.toThrow(ConfigurationError);
    await expect(runMnistBench({ strategies: ['darts'] })).rejects.toThrow(/unknown strategies: darts/);
    await expect(runMnistBench({ trainSize: 600, validationSamples: 200 })).rejects.toThrow(/validationSamples 200 exceed the 120 validation images/);
  });
});
