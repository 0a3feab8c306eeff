import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { kendallTau, spearman } from '@autonas/core';
import { runBench } from './cli.js';
import type { HyperbandBenchResult } from './hyperband-bench.js';
import { formatOneShotBench, runOneShotBench } from './oneshot-bench.js';
import { parseFixed } from './estimation-cli.js';

const quiet = { out: () => {}, err: () => {} };

describe('one-shot benchmark', () => {
  it('reads --fixed decisions with their types, and refuses malformed ones', async () => {
    expect(parseFixed(['chain/reduction=global_avg', 'chain/head/units=0', 'chain/block_1/batch_norm=true'])).toEqual({
      'chain/reduction': 'global_avg', 'chain/head/units': 0, 'chain/block_1/batch_norm': true,
    });
    expect(() => parseFixed(['chain/reduction'])).toThrow(/--fixed needs DECISION=VALUE, got "chain\/reduction"/);
    const err: string[] = [];
    expect(await runBench(['oneshot', '--fixed', '=x'], { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('--fixed needs DECISION=VALUE');
  });

  it('refuses unknown or repeated variants', async () => {
    const err: string[] = [];
    expect(await runBench(['oneshot', '--variants', 'uniform,shrinking'], { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('--variants: unknown scheme "shrinking"; known: uniform, few-shot, sandwich, progressive');
    expect(await runBench(['oneshot', '--split', 'chain/blocks,'], { out: () => {}, err: (l) => err.push(l) })).toBe(2);
    expect(err.join('\n')).toContain('--split needs a comma-separated list');
    await expect(runOneShotBench({ variants: ['uniform', 'uniform'] })).rejects.toThrow(/twice/);
  });

  it('scores distinct chain-space architectures both ways and correlates the rankings', async () => {
    const r = await runOneShotBench({ archs: 4, trainSize: 256, validationSize: 200, supernetSteps: 40, standaloneEpochs: 1, splitOn: ['chain/reduction'] });
    expect(r.inputShape).toEqual([14, 14, 1]);
    expect([r.trainImages, r.validationImages]).toEqual([256, 200]);
    expect(r.archs).toHaveLength(4);
    expect(new Set(r.archs.map((a) => a.hash)).size).toBe(4);
    const oneShot = r.archs.map((a) => a.oneShot);
    const alone = r.archs.map((a) => a.standalone);
    for (const v of [...oneShot, ...alone]) expect(v >= 0 && v <= 1).toBe(true);
    expect(Number.isFinite(r.tau)).toBe(true);
    expect(Math.abs(r.tau)).toBeLessThanOrEqual(1);
    expect(r.tau).toBe(kendallTau(oneShot, alone));
    expect(r.spearman).toBe(spearman(oneShot, alone));
    for (const a of r.archs) {
      expect(a.oneShotRank).toBe(1 + oneShot.filter((v) => v > a.oneShot).length);
      expect(a.standaloneRank).toBe(1 + alone.filter((v) => v > a.standalone).length);
      expect(a.params).toBeGreaterThan(0);
    }
    expect(oneShot[r.top1.oneShot]).toBe(Math.max(...oneShot));
    expect(alone[r.top1.standalone]).toBe(Math.max(...alone));
    expect(r.oneShotTop5).toHaveLength(4);
    const top = r.oneShotTop5.map((t) => r.archs[t.index]!);
    for (let i = 1; i < top.length; i++) expect(top[i]!.oneShot).toBeLessThanOrEqual(top[i - 1]!.oneShot);
    for (const t of r.oneShotTop5) expect(t.standaloneRank).toBe(r.archs[t.index]!.standaloneRank);
    expect(r.supernet.steps).toBe(40);
    expect(r.supernet.seconds).toBeGreaterThan(0);
    expect(r.supernet.layers).toBeGreaterThan(0);
    expect(r.standaloneSeconds).toBeCloseTo(r.archs.reduce((s, a) => s + a.standaloneSeconds, 0), 9);
    expect(r.oneShotSeconds).toBeGreaterThan(0);
    expect(r.tensors.after).toBe(r.tensors.before);
    // Every variant: the same budget, the same sample, against the same stand-alone accuracies.
    expect(r.variants.map((v) => v.training)).toEqual(['uniform', 'few-shot', 'sandwich', 'progressive']);
    expect(r.variants.map((v) => v.subSupernets)).toEqual([1, 2, 1, 1]);
    expect(r.variants[3]!.stages.map((s) => s.length)).toEqual([4, 4, 14]); // depth: blocks and 3 convs; width: 3 filters and the head units; the rest: 4 per block, the reduction, the head dropout
    expect(r.variants[3]!.stages[0]).toEqual(['chain/blocks', 'chain/block_1/convs', 'chain/block_2/convs', 'chain/block_3/convs']);
    expect(r.variants[1]!.splitOn).toEqual(['chain/reduction']);
    expect(r.variants[0]!.oneShot).toEqual(oneShot);
    for (const v of r.variants) {
      expect(v.supernet.steps).toBe(40);
      expect(v.oneShot).toHaveLength(4);
      expect(v.tau).toBe(kendallTau(v.oneShot, alone));
      expect(v.spearman).toBe(spearman(v.oneShot, alone));
      expect(v.oneShot[v.top1.index]).toBe(Math.max(...v.oneShot));
      expect(v.top1.standaloneRank).toBe(r.archs[v.top1.index]!.standaloneRank);
    }
    const text = formatOneShotBench(r);
    expect(text).toContain(`| few-shot (2 on chain/reduction) | ${r.variants[1]!.tau.toFixed(3)} |`);
    expect(text).toContain(`| sandwich | ${r.variants[2]!.tau.toFixed(3)} |`);
    expect(text).toContain(`| progressive (largest, then 3 stages) | ${r.variants[3]!.tau.toFixed(3)} |`);
    expect(text).toContain(`Kendall τ = ${r.tau.toFixed(3)}`);
    expect(text.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(4);
    expect(JSON.parse(JSON.stringify(r)).archs).toHaveLength(4);
  });
});

describe('hyperband benchmark', () => {
  it('runs the same trials with and without Hyperband; Hyperband trains fewer epochs, finished trials score alike', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'autonas-hb-')), 'hb.json');
    const code = await runBench(['hyperband', '--trials', '5', '--train-size', '200', '--validation-size', '200', '--out', out], quiet);
    expect(code).toBe(0);
    const r = JSON.parse(fs.readFileSync(out, 'utf8')) as HyperbandBenchResult & { machine: { node: string } };
    expect(r.machine.node).toBe(process.version);
    expect(r.options).toMatchObject({ trials: 5, epochs: 3, eta: 3, trainSize: 200, validationSize: 200, rounds: 1 });
    expect(r.schedule).toEqual(['s=1: 3×1, 1×3', 's=0: 2×3']);
    const [lf, hb] = r.rows;
    expect([lf.name, hb.name]).toEqual(['low fidelity', 'hyperband']);
    expect(r.sameTrials).toBe(true);
    expect(hb.trialDetails.map((t) => t.hash)).toEqual(lf.trialDetails.map((t) => t.hash));
    expect(new Set(lf.trialDetails.map((t) => t.hash)).size).toBe(5);
    expect(lf).toMatchObject({ trials: 5, completed: 5, stoppedEarly: 0, failed: 0, epochs: 15 });
    for (const t of lf.trialDetails) expect(t.curve).toHaveLength(3);
    expect(lf.best.score).toBe(Math.max(...lf.trialDetails.map((t) => t.score!)));
    // Hyperband stopped at least one trial of its aggressive bracket, after fewer than R epochs.
    expect(hb.stoppedEarly).toBeGreaterThanOrEqual(1);
    expect(hb.epochs).toBeLessThan(lf.epochs);
    const stopped = hb.trialDetails.filter((t) => t.status === 'stopped');
    expect(stopped).toHaveLength(hb.stoppedEarly);
    for (const t of stopped) {
      expect(t.bracket).toBe(1);
      expect(t.curve.length).toBeLessThan(3);
      expect(t.stopReason).toMatch(/hyperband bracket s=1/);
    }
    expect(hb.epochs).toBe(hb.trialDetails.reduce((s, t) => s + t.curve.length, 0));
    // Training is seeded per trial: what Hyperband let finish scored exactly as in the low-fidelity row.
    for (const t of hb.trialDetails.filter((x) => x.status === 'completed')) {
      const same = lf.trialDetails.find((x) => x.id === t.id)!;
      expect(t.score).toBe(same.score);
      expect(t.curve).toEqual(same.curve);
    }
    expect(r.verdict.sameBest).toBe(hb.best.id === lf.best.id);
    expect(r.verdict.epochRatio).toBeCloseTo(hb.epochs / lf.epochs, 12);
    expect(r.verdict.timeRatio).toBeCloseTo(hb.seconds / lf.seconds, 12);
    expect(r.verdict.text).toMatch(r.verdict.sameBest ? /reached the same best accuracy/ : /did NOT reach/);
    expect(r.deterministic).toBe(true);
    expect(r.tensors.after).toBe(r.tensors.before);
  });

  it('refuses bad arguments with exit code 2', async () => {
    const errs: string[] = [];
    const io = { out: () => {}, err: (s: string) => errs.push(s) };
    expect(await runBench(['oneshot', '--archs', '1'], io)).toBe(2);
    expect(await runBench(['hyperband', '--eta', '1'], io)).toBe(2);
    expect(await runBench(['hyperband', '--bogus'], io)).toBe(2);
    expect(errs.join('\n')).toMatch(/--archs must be an integer >= 2[\s\S]*--eta must be an integer >= 2[\s\S]*bogus/);
  });
});
