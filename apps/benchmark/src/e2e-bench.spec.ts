import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist, type Dataset } from '@autonas/data';
import { initRuntime, tf } from '@autonas/tfjs';
import { runBench } from './cli.js';
import { E2E_TARGET, formatE2eBench, runE2eBench, runPlainPeer, runPytorchPeer, runSearchPeer, writeMnistFiles, type PlainPeerResult, type SearchPeerOptions, type SearchPeerResult } from './e2e-bench.js';
import { findTorch } from './throughput-bench.js';

let train: Dataset;
let test: Dataset;

/** What every plain peer's result must look like, whatever the machine's speed. */
function expectPlainShape(r: PlainPeerResult, seconds: number, minAccuracy = 0.2): void {
  expect(r.testAccuracy).toBeGreaterThan(minAccuracy); // chance is 0.1
  expect(r.testAccuracy).toBeLessThanOrEqual(1);
  expect(r.curve.length).toBeGreaterThanOrEqual(1);
  expect(r.curve[r.curve.length - 1]!.testAccuracy).toBe(r.testAccuracy);
  expect(r.epochs).toBe(r.curve.filter((c) => !c.partial).length);
  // The clock ends the training: it runs past the budget by at most the batch in flight.
  expect(r.trainSeconds).toBeGreaterThanOrEqual(seconds);
  for (let i = 1; i < r.curve.length; i++) expect(r.curve[i]!.trainSeconds).toBeGreaterThan(r.curve[i - 1]!.trainSeconds);
  const first = r.curve.find((c) => c.testAccuracy >= E2E_TARGET);
  expect(r.timeToTarget).toBe(first === undefined ? null : first.trainSeconds);
  expect(r.evalSeconds).toBeGreaterThan(0);
}

describe('the e2e benchmark (npm start\'s search against the plain mnist_cnn)', () => {
  beforeAll(async () => {
    await initRuntime({ log: () => undefined });
    ({ train, test } = await loadMnist({ trainSize: 2000, testSize: 1000 }));
  });

  it('trains the plain mnist_cnn on autonas\'s runtime for its clock, testing it after every epoch', { timeout: 60_000 }, async () => {
    const before = tf.memory().numTensors;
    const r = await runPlainPeer({ train, test, seconds: 5, seed: 0 });
    expectPlainShape(r, 5);
    expect(r.samplesPerSecond).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  const torch = findTorch();
  it.runIf('python' in torch)('trains the same network in PyTorch on the same images (python/e2e.py)', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-spec-'));
    try {
      const files = writeMnistFiles(train, test, dir);
      expect(fs.statSync(files.train_x).size).toBe(2000 * 784 * 4);
      expect(fs.statSync(files.test_y).size).toBe(1000 * 4);
      const r = await runPytorchPeer({ python: (torch as { python: string }).python, files, seconds: 5, seed: 0, threads: 1 });
      expectPlainShape(r, 5);
      expect(r.threads).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs npm start\'s search as a child process of the built CLI and reads its report.json', { timeout: 120_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-spec-search-'));
    try {
      const lines: string[] = [];
      const r = await runSearchPeer({ seed: 0, budget: 20, trainSize: 2000, dir, log: (l) => lines.push(l) });
      expect(r.argv).toEqual(['autonas', 'search', '--dataset', 'mnist', '--budget', '20s', '--seed', '0', '--out', dir, '--train-size', '2000']);
      expect(r.testAccuracy).toBeGreaterThanOrEqual(0);
      expect(r.testAccuracy).toBeLessThanOrEqual(1);
      expect(r.seconds).toBeGreaterThan(0);
      expect(r.processSeconds).toBeGreaterThanOrEqual(r.seconds);
      expect(r.trials + (r.baselineValAccuracy === undefined ? 0 : 1)).toBeGreaterThanOrEqual(1);
      expect(lines.some((l) => l.startsWith('  search | test accuracy: '))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('alternates the peers per seed, gives them the search\'s wall clock, and prints the table and verdicts', { timeout: 120_000 }, async () => {
    const calls: SearchPeerOptions[] = [];
    // A stand-in for the search's child process, so the test trains only the plain peers (2 s each:
    // too short to learn much on a loaded machine, so only the shape of their results is checked).
    const runSearch = async (o: SearchPeerOptions): Promise<SearchPeerResult> => {
      calls.push(o);
      return { testAccuracy: 0.5 + o.seed / 10, seconds: 2, processSeconds: 3, argv: ['autonas', 'search'], trials: 2, searchSeconds: 1, backend: 'wasm', workers: 2 };
    };
    const result = await runE2eBench({ seeds: 2, budget: 30, trainSize: 2000, testSize: 1000, runSearch });
    expect(calls.map((c) => [c.seed, c.budget, c.trainSize])).toEqual([[0, 30, 2000], [1, 30, 2000]]);
    const pytorch = result.torch !== undefined;
    const order = result.runs.map((r) => `${r.seed}:${r.position}:${r.peer}`);
    expect(order).toEqual(pytorch ? ['0:1:search', '0:2:plain', '0:3:pytorch', '1:1:search', '1:2:pytorch', '1:3:plain'] : ['0:1:search', '0:2:plain', '1:1:search', '1:2:plain']);
    expect(result.skipped.length).toBe(pytorch ? 0 : 1);
    for (const r of result.runs) {
      expect(r.loadBefore).toHaveLength(3);
      if (r.peer !== 'search') expectPlainShape(r.plain, 2, 0);
    }
    expect(result.summary.map((s) => s.peer)).toEqual(pytorch ? ['search', 'plain', 'pytorch'] : ['search', 'plain']);
    const search = result.summary[0]!;
    expect(search.testAccuracy.mean).toBeCloseTo(0.55, 12);
    expect(search.testAccuracy.spread).toBeCloseTo(0.1, 12);
    for (const s of result.summary.slice(1)) {
      const accs = result.runs.flatMap((r) => (r.peer !== 'search' && r.peer === s.peer ? [r.plain.testAccuracy] : []));
      expect(s.testAccuracy.n).toBe(2);
      expect(s.testAccuracy.spread).toBeCloseTo(Math.max(...accs) - Math.min(...accs), 12);
      expect(s.searchMargin!.mean).toBeCloseTo(0.55 - (accs[0]! + accs[1]!) / 2, 12);
      expect(s.reached).toBeGreaterThanOrEqual(0);
    }
    expect(result.verdicts.map((v) => v.against)).toEqual(pytorch ? ['plain', 'pytorch'] : ['plain']);
    for (const v of result.verdicts) {
      expect(v.beats).toBe(v.margin > v.spread);
      expect(v.line).toMatch(v.beats ? /^verdict: the search's model beats / : /^verdict: the search's model does NOT beat /);
    }
    expect(result.machine.cpus.count).toBe(os.cpus().length);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    const table = formatE2eBench(result);
    expect(table).toMatch(/^\| 0 \| 1 \| autonas search \(npm start's, --budget 30s\) \| 2\.0 \| – \| 50\.00 \| – \| \| \d+\.\d\d \|$/m);
    expect(table).toMatch(/^\| 1 \| \d \| plain mnist_cnn, autonas \([^)]+\) \| \d+\.\d \| \d+( \+ part)? \| \d+\.\d\d \| (never|\d+\.\d s) \| [+-]\d+\.\d\d \| \d+\.\d\d \|$/m);
    expect(table).toMatch(/^\| autonas search \(npm start's, --budget 30s\) \| 2 \| 2\.0 \| 55\.00 \| 10\.00 \| – \| – \| {2}\|$/m);
    expect(table).toContain(result.verdicts[0]!.line);
  });

  it('refuses bad options', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (s: string) => err.push(s) };
    expect(await runBench(['e2e', '--budget', '9 minutes'], io)).toBe(2);
    expect(await runBench(['e2e', '--seeds', '0'], io)).toBe(2);
    expect(await runBench(['e2e', '--train-size', '70000'], io)).toBe(2);
    expect(await runBench(['e2e', '--nope'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/--budget must be a duration[\s\S]*--seeds must be a positive integer[\s\S]*--train-size must be at most 60000[\s\S]*Unknown option '--nope'/);
  });
});
