import { describe, expect, it } from 'vitest';
import {
  AskTellStrategy,
  ConfigurationError,
  ContainerModule,
  EventBus,
  Experiment,
  InMemoryTrialStore,
  LocalExecutionEngine,
  PerformanceEstimator,
  Random,
  SearchSpace,
  SearchStrategy,
  createContainer,
  type Architecture,
  type DecisionValue,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';
import { GridSpace } from '@autonas/testing';
import { hyperbandSchedule } from './hyperband-schedule.js';
import { HyperbandRule, MedianStoppingRule, SuccessiveHalvingRule } from './stopping-rules.js';
import { EarlyStopping, earlyStoppingModule, hyperband, medianStopping, successiveHalving } from './early-stopping.js';

/**
 * A FunctionEstimator that reports a learning curve: `curve(decisions)` gives valAccuracy per
 * epoch. It honours ctx.signal after each report, like a trainer at its next batch, returning
 * the best value so far as a partial score.
 */
class CurveEstimator implements PerformanceEstimator {
  readonly name = 'curve';
  readonly epochsRun: number[] = [];
  constructor(private readonly curve: (d: Readonly<Record<string, DecisionValue>>) => number[]) {}
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const curve = this.curve(arch.decisions ?? {});
    let best = -Infinity;
    let e = 0;
    for (; e < curve.length; e++) {
      if (ctx.signal.aborted) break;
      best = Math.max(best, curve[e]!);
      ctx.report({ epoch: e, valAccuracy: curve[e]!, valLoss: 1 - curve[e]! });
      await Promise.resolve();
    }
    this.epochsRun.push(e);
    return { score: best, metrics: { valAccuracy: best }, cost: { seconds: 0, epochs: e }, partial: e < curve.length };
  }
}

const space = new GridSpace({ q: Array.from({ length: 27 }, (_, i) => i + 1) }, 'g');
const arch = (q: number) => space.build({ 'g/q': q });
/** Rising curves whose level is q/100, for `epochs` epochs. */
const rising = (epochs: number) => (d: Readonly<Record<string, DecisionValue>>) => Array.from({ length: epochs }, (_, e) => (Number(d['g/q']) / 100) * (1 + e / epochs));

function engineWith(mw: EarlyStopping, est: PerformanceEstimator, store = new InMemoryTrialStore()) {
  return new LocalExecutionEngine({ space, estimator: est, store, events: new EventBus(), maxTrials: 1000, middleware: [mw] });
}

describe('hyperbandSchedule', () => {
  it("matches the paper's example schedule for R = 81, η = 3 (Li et al. 2018, Table 1)", () => {
    const table = hyperbandSchedule(81, 3).map((b) => [b.s, b.rounds.map((r) => [r.n, r.r])]);
    expect(table).toEqual([
      [4, [[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]]],
      [3, [[34, 3], [11, 9], [3, 27], [1, 81]]],
      [2, [[15, 9], [5, 27], [1, 81]]],
      [1, [[8, 27], [2, 81]]],
      [0, [[5, 81]]],
    ]);
  });

  it('handles R that is no power of η, and rejects bad arguments', () => {
    const b = hyperbandSchedule(10, 3);
    expect(b.map((x) => x.s)).toEqual([2, 1, 0]);
    expect(b[0]!.rounds.map((r) => r.n)).toEqual([9, 3, 1]);
    expect(b[0]!.rounds[0]!.r).toBeCloseTo(10 / 9);
    expect(() => hyperbandSchedule(0)).toThrow(ConfigurationError);
    expect(() => hyperbandSchedule(81, 1)).toThrow(/eta/);
    expect(() => hyperbandSchedule(9, 3, 10)).toThrow(/minResource/);
  });
});

describe('SuccessiveHalvingRule', () => {
  it('puts rungs at minResource·η^k below R', () => {
    expect(new SuccessiveHalvingRule({ maxResource: 81 }).rungs).toEqual([1, 3, 9, 27]);
    expect(new SuccessiveHalvingRule({ maxResource: 8, eta: 2, minResource: 2 }).rungs).toEqual([2, 4]);
  });

  it('lets a trial go on only when it is in the top 1/η of its rung when it reaches it', () => {
    // Nine trials reach rung 0 (resource 1) one after the other.
    const rule = new SuccessiveHalvingRule({ maxResource: 9, eta: 3 });
    const values = [5, 9, 1, 7, 3, 8, 2, 6, 4];
    const rung0 = values.map((v, id) => rule.onEpoch(id, 1, v));
    // Each trial is judged against those before it: 5 and 9 (best so far), then 8 (top 2 of 6)
    // go on: 3 of 9, a third.
    expect(rung0.map((r) => r === undefined)).toEqual([true, true, false, false, false, true, false, false, false]);
    expect([...rule.rungValues(0).values()].sort()).toEqual([...values].sort());
    // The three survivors reach rung 1 together with their best values; only the best of the 3 goes on.
    const rung1 = [0, 1, 5].map((id) => [id, rule.onEpoch(id, 3, values[id]!)] as const);
    expect(rung1.filter(([, r]) => r === undefined).map(([id]) => id)).toEqual([0, 1]);
    // (trial 0 was alone at the rung when it arrived; trial 5 with 8 < 9 was the third.)
    expect(rung1.find(([id]) => id === 5)![1]).toMatch(/not in the top 1 of 3 at rung 1/);
  });

  it('never stops the best trial and keeps about 1/η of 81 trials in random order', () => {
    const rule = new SuccessiveHalvingRule({ maxResource: 9, eta: 3 });
    const order = new Random(7).permutation(81);
    const kept = order.filter((v, id) => rule.onEpoch(id, 1, v) === undefined);
    expect(kept).toContain(80);
    // The top third is 27 trials; judged on arrival, 24 go on in this seeded order.
    expect(kept.length).toBe(24);
    const rank = (v: number) => 80 - v; // 0 for the best
    expect(kept.filter((v) => rank(v) < 27).length).toBeGreaterThanOrEqual(20);
    const meanKept = kept.reduce((a, b) => a + b, 0) / kept.length;
    expect(meanKept).toBeGreaterThan(55);
  });

  it('judges a trial at every rung it skipped over', () => {
    const rule = new SuccessiveHalvingRule({ maxResource: 27, eta: 3 });
    rule.onEpoch(0, 9, 0.9); // passes rungs 1, 3, 9 at once
    expect([0, 1, 2].map((k) => rule.rungValues(k).get(0))).toEqual([0.9, 0.9, 0.9]);
  });
});

describe('HyperbandRule', () => {
  it('deals trials to brackets in proportion to their sizes, interleaved', () => {
    const hb = new HyperbandRule({ maxResource: 81, eta: 3 });
    const counts = new Map<number, number>();
    for (let id = 0; id < 143; id++) counts.set(hb.bracketOf(id), (counts.get(hb.bracketOf(id)) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ 4: 81, 3: 34, 2: 15, 1: 8, 0: 5 });
    expect(new Set(Array.from({ length: 20 }, (_, id) => hb.bracketOf(id))).size).toBe(5);
    expect(hb.bracket(3).rungs).toEqual([3, 9, 27]);
    expect(hb.bracket(0).rungs).toEqual([]);
    expect(() => hb.bracket(7)).toThrow(ConfigurationError);
  });
});

describe('MedianStoppingRule', () => {
  it('stops a trial below the median of earlier curves at the same epoch, not before warm-up or enough trials', () => {
    const rule = new MedianStoppingRule({ warmup: 2, minTrials: 3 });
    const curves = [[0.5, 0.6, 0.7], [0.4, 0.5, 0.6], [0.6, 0.7, 0.8]];
    curves.forEach((c, id) => c.forEach((v, e) => expect(rule.onEpoch(id, e + 1, v)).toBeUndefined()));
    // Medians of the earlier best-so-far at epochs 1, 2, 3: 0.5, 0.6, 0.7.
    expect(rule.onEpoch(3, 1, 0.1)).toBeUndefined(); // warm-up
    expect(rule.onEpoch(3, 2, 0.59)).toMatch(/below the median 0.6/);
    expect(rule.onEpoch(4, 1, 0.2)).toBeUndefined();
    expect(rule.onEpoch(4, 2, 0.6)).toBeUndefined(); // equal to the median goes on
    expect(rule.onEpoch(4, 3, 0.65)).toMatch(/below the median/);
    const few = new MedianStoppingRule({ warmup: 0, minTrials: 3 });
    few.onEpoch(0, 1, 0.9);
    few.onEpoch(1, 1, 0.8);
    expect(few.onEpoch(2, 1, 0.1)).toBeUndefined(); // only two earlier curves
  });
});

describe('EarlyStopping middleware', () => {
  it('stops a trial through the engine: status stopped, its partial score, a truncated curve', async () => {
    const est = new CurveEstimator(rising(5));
    const mw = medianStopping({ warmup: 1, minTrials: 2 });
    const engine = engineWith(mw, est);
    for (const q of [20, 22, 24]) expect((await engine.submit(arch(q))).status).toBe('completed');
    const bad = await engine.submit(arch(5));
    expect(bad.status).toBe('stopped');
    expect(bad.epochs).toHaveLength(1);
    expect(bad.score).toBeCloseTo(0.05);
    expect(mw.stopped().get(bad.id)).toMatchObject({ trialId: bad.id, resource: 1 });
    const good = await engine.submit(arch(27));
    expect(good.status).toBe('completed');
    expect(good.epochs).toHaveLength(5);
    expect(engine.takeBest().trial!.id).toBe(good.id);
    engine.close();
  });

  it('gives successive halving to any strategy through the container, saving epochs', async () => {
    const est = new CurveEstimator(rising(9));
    const order = new Random(3).permutation(27).map((i) => i + 1);
    const strategy = new (class extends AskTellStrategy {
      readonly name = 'list';
      i = 0;
      ask() { return this.i < order.length ? arch(order[this.i++]!) : undefined; }
      state() { return { i: this.i }; }
      restore(s: { i: number }) { this.i = s.i; }
    })();
    const mw = successiveHalving({ maxResource: 9, eta: 3 });
    const c = createContainer(
      { maxTrials: 27, seed: 1 },
      new ContainerModule(({ bind }) => {
        bind(SearchSpace).toConstantValue(space);
        bind(SearchStrategy).toConstantValue(strategy);
        bind(PerformanceEstimator).toConstantValue(est);
      }),
      earlyStoppingModule(mw),
    );
    const result = await c.get(Experiment).run();
    expect(result.trials).toHaveLength(27);
    const stopped = result.trials.filter((t) => t.status === 'stopped');
    expect(stopped.length).toBe(mw.stopped().size);
    expect(stopped.length).toBeGreaterThan(12);
    for (const t of stopped) expect([1, 3]).toContain(t.epochs.length);
    expect(result.best!.architecture.decisions!['g/q']).toBe(27);
    expect(result.best!.status).toBe('completed');
    const spent = est.epochsRun.reduce((a, b) => a + b, 0);
    expect(spent).toBeLessThan(27 * 9 * 0.6);
  });

  it('Hyperband never stops a trial of bracket s = 0 and stops bad ones of bracket s_max at the first rung', async () => {
    const est = new CurveEstimator(rising(9));
    const mw = hyperband({ maxResource: 9, eta: 3 });
    const rule = mw.rule as HyperbandRule;
    const engine = engineWith(mw, est);
    const trials = [];
    for (let i = 0; i < 17; i++) trials.push(await engine.submit(arch(27 - (i % 27))));
    for (const t of trials) {
      const s = rule.bracketOf(t.id);
      if (s === 0) expect(t.status).toBe('completed');
      if (t.status === 'stopped') expect(t.epochs.length).toBe(s === 2 ? (mw.stopped().get(t.id)!.resource) : 3);
    }
    // Descending quality: in bracket 2 only its first trial survives rung 1.
    const b2 = trials.filter((t) => rule.bracketOf(t.id) === 2);
    expect(b2[0]!.status).toBe('completed');
    expect(b2.slice(1).every((t) => t.status === 'stopped' && t.epochs.length === 1)).toBe(true);
    engine.close();
  });

  it('minimises a loss with mode min', async () => {
    const mw = medianStopping({ metric: 'valLoss', mode: 'min', minTrials: 1 });
    const engine = engineWith(mw, new CurveEstimator(rising(3)));
    expect((await engine.submit(arch(20))).status).toBe('completed');
    expect((await engine.submit(arch(10))).status).toBe('stopped'); // higher loss
    expect((await engine.submit(arch(25))).status).toBe('completed');
    engine.close();
    expect(() => medianStopping({ mode: 'up' as never })).toThrow(ConfigurationError);
  });

  it('counts the curves of an earlier run (resume) before judging new trials', async () => {
    const store = new InMemoryTrialStore();
    const first = engineWith(medianStopping({ minTrials: 3 }), new CurveEstimator(rising(4)), store);
    for (const q of [20, 21, 22]) await first.submit(arch(q));
    first.close();
    const again = engineWith(medianStopping({ minTrials: 3 }), new CurveEstimator(rising(4)), store);
    const t = await again.submit(arch(3));
    expect(t.status).toBe('stopped');
    expect(t.epochs).toHaveLength(1);
    again.close();
  });
});
