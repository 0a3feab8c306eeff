import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, EventBus, InMemoryTrialStore, LocalExecutionEngine, Random, architectureHash, inferShapes } from '@autonas/core';
import { NAS_BENCH_MACRO_FILE, NasBenchMacroSpace, TabularEstimator, loadNasBenchMacro, macroClassKey, macroKey } from './index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nbm-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const raw = () => JSON.parse(fs.readFileSync(NAS_BENCH_MACRO_FILE, 'utf8')) as Record<string, { mean_acc: number; test_acc: number[]; params: number }>;
const writeTmp = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};

describe('loadNasBenchMacro', () => {
  it('loads the shipped file with the published figures', () => {
    const bench = loadNasBenchMacro();
    expect(bench.size).toBe(6561);
    expect(bench.optimum.score).toBeCloseTo(93.1267, 4);
    expect(macroClassKey(bench.optimum.key)).toBe(macroClassKey('22212220'));
    const accs = bench.keys().map((k) => bench.row(k)!.mean_acc).sort((a, b) => a - b);
    expect(accs.reduce((a, b) => a + b, 0) / accs.length).toBeCloseTo(90.25, 2);
    expect(accs[3280]).toBeCloseTo(90.99, 2);
    expect(accs[0]).toBeCloseTo(45.36, 2);
    expect(bench.row('00000000')!.mean_acc).toBe(accs[0]);
    expect(loadNasBenchMacro()).toBe(bench);
  });

  it('refuses damaged copies with a DataError naming the problem', () => {
    const text = fs.readFileSync(NAS_BENCH_MACRO_FILE, 'utf8');
    const cases: [string, string, RegExp][] = [
      ['truncated.json', text.slice(0, text.length / 2), /not valid JSON/],
      ['array.json', '[]', /expected an object/],
      ['missing.json', JSON.stringify(Object.fromEntries(Object.entries(raw()).slice(1))), /6560 keys/],
      ['badkey.json', JSON.stringify({ ...raw(), '3333333x': raw()['11111111'] }), /3333333x/],
    ];
    const best = raw();
    best['22212220'] = { ...best['22212220']!, mean_acc: 99, test_acc: [99, 99, 99] };
    cases.push(['best.json', JSON.stringify(best), /differ|published best/]);
    const runs = raw();
    runs['11111111'] = { ...runs['11111111']!, test_acc: [1, 2, 3] };
    cases.push(['runs.json', JSON.stringify(runs), /11111111 has mean_acc .* but its runs average 2/]);
    const params = raw();
    params['01201201'] = { ...params['01201201']!, params: -5 };
    cases.push(['params.json', JSON.stringify(params), /01201201 has params -5/]);
    for (const [name, body, message] of cases) {
      const f = writeTmp(name, body);
      expect(() => loadNasBenchMacro(f), name).toThrow(DataError);
      expect(() => loadNasBenchMacro(f), name).toThrow(message);
    }
    expect(() => loadNasBenchMacro(path.join(tmp, 'nope.json'))).toThrow(/cannot be read/);
    expect(() => loadNasBenchMacro(writeTmp('big.json', text), { maxBytes: 1000 })).toThrow(/more than the limit of 1000/);
  });
});

describe('NasBenchMacroSpace', () => {
  const space = new NasBenchMacroSpace();

  it('builds every encoding with the benchmark\'s own parameter and FLOP counts', () => {
    const bench = loadNasBenchMacro();
    for (const key of bench.keys()) {
      const info = inferShapes(space.fromKey(key));
      const row = bench.row(key)!;
      if (info.totalParams !== row.params || info.macs !== row.flops) expect({ key, params: info.totalParams, macs: info.macs }).toEqual({ key, params: row.params, macs: row.flops });
      expect(info.outputShape).toEqual([10]);
    }
  });

  it('builds equivalent encodings as one graph: 3969 hashes, each with one accuracy', () => {
    const bench = loadNasBenchMacro();
    const accByHash = new Map<string, number>();
    for (const key of bench.keys()) {
      const h = architectureHash(space.fromKey(key));
      const acc = bench.row(key)!.mean_acc;
      expect(accByHash.get(h) ?? acc, key).toBe(acc);
      accByHash.set(h, acc);
    }
    expect(accByHash.size).toBe(3969);
  }, 60_000);

  it('samples, mutates and crosses over within the space, and rejects what is not in it', () => {
    const rng = new Random(4);
    expect(space.decisions()).toHaveLength(8);
    expect(macroKey(space.defaultArchitecture())).toBe('11111111');
    for (let i = 0; i < 50; i++) {
      const a = space.sample(rng);
      const m = space.mutate(a, rng);
      const diff = [...macroKey(a)].filter((d, j) => d !== macroKey(m)[j]);
      expect(diff).toHaveLength(1);
      const b = space.sample(rng);
      const kid = macroKey(space.crossover(a, b, rng));
      for (let j = 0; j < 8; j++) expect([macroKey(a)[j], macroKey(b)[j]]).toContain(kid[j]);
      expect(space.validate(m)).toEqual({ valid: true });
    }
    expect(space.validate({ ...space.defaultArchitecture(), space: 'other' }).valid).toBe(false);
    expect(space.validate({ ...space.defaultArchitecture(), decisions: { 'nas-bench-macro/layer_0': 7 } }).valid).toBe(false);
    expect(() => space.fromKey('1234')).toThrow(/8 digits/);
    expect(() => space.build({ 'nas-bench-macro/layer_9': 1 })).toThrow(/no decision/);
    expect(() => new NasBenchMacroSpace({ inputShape: [4, 4, 3] })).toThrow(/at least 8×8/);
  });
});

describe('TabularEstimator', () => {
  const space = new NasBenchMacroSpace();
  const bench = loadNasBenchMacro();
  const engine = (estimator: TabularEstimator, maxTrials = 10) =>
    new LocalExecutionEngine({ space, estimator, store: new InMemoryTrialStore(), events: new EventBus(), maxTrials, seed: 3 });

  it('scores by mean accuracy with a cost simulated from FLOPs', async () => {
    const e = engine(new TabularEstimator(bench));
    const t = await e.submit(space.fromKey('22212220'));
    expect(t.status).toBe('completed');
    expect(t.score).toBeCloseTo(93.1267, 4);
    expect(t.metrics).toMatchObject({ params: 1985514, flops: 85164544 });
    expect(t.metrics.simulatedSeconds).toBeCloseTo(85.164544, 9);
    const byParams = await engine(new TabularEstimator(bench, { cost: 'params', secondsPerUnit: 1e-3 })).submit(space.fromKey('22212220'));
    expect(byParams.metrics.simulatedSeconds).toBeCloseTo(1985.514, 6);
    e.close();
  });

  it('refuses at construction a cost metric the benchmark declares its entries lack', async () => {
    expect(() => new TabularEstimator(bench, { cost: 'latency' })).toThrow(expect.objectContaining({ code: 'BAD_COST', message: expect.stringContaining('they have meanAcc, std, params, flops') }));
    expect(() => new TabularEstimator(bench, { cost: 'params' })).not.toThrow();
    // A benchmark that declares no metrics is checked when a trial runs, as before.
    const undeclared = { name: 'plain', size: bench.size, optimum: bench.optimum, lookup: (a: Parameters<typeof bench.lookup>[0]) => bench.lookup(a) };
    const est = new TabularEstimator(undeclared, { cost: 'latency' });
    await expect(est.estimate(space.fromKey('22212220'), { trialId: 0, seed: 0, signal: new AbortController().signal, report: () => {} })).rejects.toThrow(/no "latency"/);
  });

  it('draws one of the single runs by the trial seed when asked for noisy scores', async () => {
    const key = '22212220';
    const runs = bench.row(key)!.test_acc;
    const seen = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const est = new TabularEstimator(bench, { score: 'run' });
      const ctx = { trialId: 0, seed, signal: new AbortController().signal, report: () => {} };
      const a = await est.estimate(space.fromKey(key), ctx);
      const b = await est.estimate(space.fromKey(key), ctx);
      expect(a.score).toBe(b.score);
      expect(runs).toContain(a.score);
      seen.add(a.score);
    }
    expect(seen.size).toBe(3);
  });

  it('fails a trial that the benchmark does not hold, and stops a simulated wait on abort', async () => {
    const e = engine(new TabularEstimator(bench));
    const foreign = { ...space.defaultArchitecture(), space: 'other' };
    const t = await new TabularEstimator(bench).estimate(foreign, { trialId: 0, seed: 0, signal: new AbortController().signal, report: () => {} }).catch((err: Error) => err);
    expect((t as Error).message).toMatch(/no entry/);
    e.close();
    const ac = new AbortController();
    const slow = new TabularEstimator(bench, { sleepMsPerSecond: 1000 });
    const started = Date.now();
    const p = slow.estimate(space.fromKey('22212220'), { trialId: 0, seed: 0, signal: ac.signal, report: () => {} });
    setTimeout(() => ac.abort(new Error('stop')), 30);
    await expect(p).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
