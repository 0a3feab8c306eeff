import { describe, expect, it } from 'vitest';
import type { Architecture, Estimate, EstimateContext, PerformanceEstimator } from '@autonas/core';
import { FunctionEstimator, GridSpace } from './grid-space.js';
import { sleepEstimator } from './sleep-estimator.js';
import { estimateOnce, estimatorChecks, estimatorConformance, type EstimatorConformanceOptions } from './estimator-conformance.js';
import { expectCaughtOnlyBy } from './conformance.test-util.js';

const space = new GridSpace({ a: [1, 2, 3], b: [1, 2] });
const architecture = space.build({ 'grid/a': 2, 'grid/b': 1 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stands in for `tf.memory().numTensors`: what the reference estimator allocates and frees. */
let live = 0;

/**
 * A reference estimator that "trains" for three 10 ms epochs, holds three "tensors" while it does
 * and keeps them in its artifact, stops at the next epoch once aborted (returning a partial score),
 * and scores by its seed and architecture only.
 */
class Trainer implements PerformanceEstimator {
  readonly name: string = 'trainer';
  protected epochMs = 10;
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    live += 3;
    let epochs = 0;
    try {
      for (; epochs < 3 && !ctx.signal.aborted; epochs++) {
        await sleep(this.epochMs);
        ctx.report({ epoch: epochs, loss: 1 / (epochs + 1) });
      }
    } catch (e) {
      live -= 3;
      throw e;
    }
    const score = this.score(arch, ctx);
    return { score, metrics: { score, epochs }, cost: { seconds: epochs * 0.01, epochs }, partial: epochs < 3, artifact: { dispose: () => void (live -= 3) } };
  }
  protected score(arch: Architecture, ctx: EstimateContext): number {
    return Number(arch.decisions?.['grid/a']) + (ctx.seed % 7) / 10;
  }
}

const reference: EstimatorConformanceOptions = {
  name: 'reference trainer',
  create: () => new Trainer(),
  architecture,
  epochs: 3,
  deterministic: true,
  countTensors: () => live,
};

estimatorConformance(reference);
estimatorConformance({ name: 'FunctionEstimator', create: () => new FunctionEstimator((d) => Number(d['grid/a']) * 10 + Number(d['grid/b'])), architecture, epochs: 1, deterministic: true });
estimatorConformance({ name: 'sleepEstimator', create: () => sleepEstimator({ ms: 60 }), architecture, epochs: 1, deterministic: true, abort: { afterMs: 20, withinMs: 500 } });

/** The reference options with a broken estimator, and a short abort bound. */
const broken = (create: () => PerformanceEstimator, over: Partial<EstimatorConformanceOptions> = {}) =>
  estimatorChecks({ ...reference, name: 'broken', create, abort: { afterMs: 10, withinMs: 300 }, ...over });

describe('the estimator conformance suite catches broken estimators', () => {
  it('names its checks', () => {
    expect(estimatorChecks(reference).map((c) => c.name)).toEqual([
      'scores a valid architecture: a finite score, numeric metrics and a finite non-negative cost',
      'reports 3 epochs through ctx.report, numbered in order, and none after it settled',
      'honours an aborted signal: settles within 2000 ms of the abort, before or during an estimate',
      'leaves no tensors behind once its artifact is disposed, also when aborted',
      'gives the same score for the same seed, on the same instance and on a fresh one',
    ]);
    expect(estimatorChecks({ name: 'plain', create: () => new Trainer(), architecture }).map((c) => c.name)).toEqual([
      'scores a valid architecture: a finite score, numeric metrics and a finite non-negative cost',
      'reports its epochs through ctx.report, numbered in order, and none after it settled',
      'honours an aborted signal: settles within 2000 ms of the abort, before or during an estimate',
    ]);
  });

  it('an estimator that returns NaN (a diverged training)', async () => {
    class Diverged extends Trainer {
      protected override score(): number {
        return Number.NaN;
      }
    }
    const failed = await expectCaughtOnlyBy(broken(() => new Diverged(), { deterministic: false }), /scores a valid architecture|honours an aborted signal/);
    expect([...failed.keys()].some((k) => /scores a valid/.test(k))).toBe(true);
  });

  it('an estimator that reports a negative cost', async () => {
    class Refund extends Trainer {
      override async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        const e = await super.estimate(arch, ctx);
        return { ...e, cost: { seconds: -1 } };
      }
    }
    await expectCaughtOnlyBy(broken(() => new Refund()), /scores a valid architecture/);
  });

  it('an estimator that reports its epochs out of order, or after it settled', async () => {
    class Backwards extends Trainer {
      override async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        return super.estimate(arch, { ...ctx, report: (m) => ctx.report({ ...m, epoch: 2 - m.epoch }) });
      }
    }
    await expectCaughtOnlyBy(broken(() => new Backwards()), /reports 3 epochs/);
    class Late extends Trainer {
      override async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        const e = await super.estimate(arch, ctx);
        setTimeout(() => ctx.report({ epoch: 3, loss: 0.1 }), 0);
        return e;
      }
    }
    await expectCaughtOnlyBy(broken(() => new Late()), /reports 3 epochs|honours an aborted signal/);
    await expectCaughtOnlyBy(broken(() => new Trainer(), { epochs: 2 }), /reports 2 epochs/);
  });

  it('an estimator that ignores an aborted signal', async () => {
    // Sleeps 600 ms whatever its signal says (and holds no "tensors", so it cannot disturb the next test's count).
    const deaf: PerformanceEstimator = {
      name: 'deaf',
      async estimate(_arch, ctx) {
        await sleep(600);
        ctx.report({ epoch: 0, loss: 1 });
        return { score: 1, metrics: {}, cost: { seconds: 0.6 } };
      },
    };
    const failed = await expectCaughtOnlyBy(broken(() => deaf, { countTensors: undefined, deterministic: false, epochs: 1 }), /honours an aborted signal/);
    expect([...failed.values()][0]).toMatch(/still running 300 ms after the abort/);
  });

  it('an estimator that resolves NaN once aborted', async () => {
    class Half extends Trainer {
      protected override score(arch: Architecture, ctx: EstimateContext): number {
        return ctx.signal.aborted ? Number.NaN : super.score(arch, ctx);
      }
    }
    const failed = await expectCaughtOnlyBy(broken(() => new Half()), /honours an aborted signal/);
    expect([...failed.values()][0]).toMatch(/finite score/);
  });

  it('an estimator that leaks tensors, or leaks them when aborted', async () => {
    class Leaky extends Trainer {
      override async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        live += 1;
        return super.estimate(arch, ctx);
      }
    }
    await expectCaughtOnlyBy(broken(() => new Leaky()), /leaves no tensors/);
    class LeakyOnAbort extends Trainer {
      override async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        const e = await super.estimate(arch, ctx);
        return e.partial ? { ...e, artifact: undefined } : e;
      }
    }
    const failed = await expectCaughtOnlyBy(broken(() => new LeakyOnAbort()), /leaves no tensors/);
    expect([...failed.values()][0]).toMatch(/after an aborted estimate/);
    live = 0;
  });

  it('an estimator that claims determinism but scores at random, or by its own call count', async () => {
    class Noisy extends Trainer {
      protected override score(): number {
        return Math.random();
      }
    }
    await expectCaughtOnlyBy(broken(() => new Noisy()), /same score for the same seed/);
    class Counting extends Trainer {
      private calls = 0;
      protected override score(): number {
        return this.calls++;
      }
    }
    await expectCaughtOnlyBy(broken(() => new Counting()), /same score for the same seed/);
  });
});

describe('estimateOnce', () => {
  it('records reports, the outcome, and an estimate still running when it stops waiting', async () => {
    const done = await estimateOnce(new Trainer(), architecture, { seed: 3 });
    expect(done).toMatchObject({ settled: true, error: undefined, lateReports: [] });
    expect(done.estimate?.score).toBeCloseTo(2.3);
    expect(done.reports.map((r) => r.epoch)).toEqual([0, 1, 2]);
    const slow = await estimateOnce(sleepEstimator({ ms: 200 }), architecture, { waitMs: 20 });
    expect(slow.settled).toBe(false);
    const failed = await estimateOnce({ name: 'throws', estimate: () => Promise.reject(new Error('no')) }, architecture);
    expect(failed.error).toBeInstanceOf(Error);
    expect(live).toBe(0);
  });
});
