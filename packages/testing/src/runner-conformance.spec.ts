import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildEstimator, type Architecture, type Estimate, type EstimateContext, type EstimatorSpec, type PerformanceEstimator, type RunnerEstimator } from '@autonas/core';
import { runnerChecks, runnerConformance, type RunnerConformanceOptions } from './runner-conformance.js';
import { expectCaughtBy, expectCaughtOnlyBy } from './conformance.test-util.js';

const sleepModule = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sleep-estimator.ts');

/**
 * A reference runner that runs its spec's estimator in this process, `concurrency` trials at once
 * (a queue of waiting trials beyond that), built on `start`.
 */
class InProcessRunner implements RunnerEstimator {
  readonly name: string = 'in-process';
  readonly concurrency: number = 2;
  protected estimator: PerformanceEstimator | undefined;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(protected readonly spec: EstimatorSpec) {}
  async start(): Promise<void> {
    this.estimator ??= await buildEstimator(this.spec);
  }
  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    if (!this.estimator) throw new Error('not started');
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await this.run(arch, ctx);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
  protected run(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    return this.estimator!.estimate(arch, ctx);
  }
  dispose(): void {
    this.estimator = undefined;
  }
}

const reference: RunnerConformanceOptions = { name: 'in-process reference', create: (spec) => new InProcessRunner(spec), sleepModule, trialMs: 200, abortWithinMs: 500 };

runnerConformance(reference);

const broken = (create: (spec: EstimatorSpec) => RunnerEstimator) => runnerChecks({ ...reference, name: 'broken', create });

describe('the runner conformance suite catches broken runners', () => {
  it('names its checks, with the crash check only when asked', () => {
    const names = runnerChecks(reference).map((c) => c.name);
    expect(names).toHaveLength(5);
    expect(runnerChecks({ ...reference, crash: {} }).map((c) => c.name).slice(5)).toEqual(['a trial whose process dies settles within 20000 ms, and the runner then scores the next trial']);
  });

  it('a runner that declares 2 trials at once but runs them one after the other', async () => {
    class Serial extends InProcessRunner {
      private chain: Promise<unknown> = Promise.resolve();
      protected override run(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        const next = this.chain.then(() => super.run(arch, ctx));
        this.chain = next.catch(() => {});
        return next;
      }
    }
    await expectCaughtOnlyBy(broken((s) => new Serial(s)), /trials started together overlap/);
  });

  it('a runner that answers every trial with the first score it saw', async () => {
    class Stale extends InProcessRunner {
      private first: Estimate | undefined;
      protected override async run(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        const e = await super.run(arch, ctx);
        this.first ??= e;
        return this.first;
      }
    }
    await expectCaughtBy(broken((s) => new Stale(s)), /scores trials as the estimator does in-process/);
  });

  it('a runner that drops epoch reports', async () => {
    class Mute extends InProcessRunner {
      protected override run(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        return super.run(arch, { ...ctx, report: () => {} });
      }
    }
    await expectCaughtOnlyBy(broken((s) => new Mute(s)), /forwards their reports/);
  });

  it('a runner that turns a failing trial into a score of 0', async () => {
    class Swallow extends InProcessRunner {
      protected override async run(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        try {
          return await super.run(arch, ctx);
        } catch {
          return { score: 0, metrics: {}, cost: { seconds: 0 } };
        }
      }
    }
    await expectCaughtBy(broken((s) => new Swallow(s)), /a trial whose estimator throws rejects/);
  });

  it('a runner that does not pass the abort on', async () => {
    class Deaf extends InProcessRunner {
      protected override run(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
        return super.run(arch, { ...ctx, signal: new AbortController().signal });
      }
    }
    const failed = await expectCaughtOnlyBy(broken((s) => new Deaf(s)), /honours an aborted signal/);
    expect([...failed.values()][0]).toMatch(/still running/);
  });

  it('a runner that hides a spec it cannot build behind a default estimator', async () => {
    class Lenient extends InProcessRunner {
      override async start(): Promise<void> {
        try {
          await super.start();
        } catch {
          this.estimator = { name: 'fallback', estimate: async () => ({ score: 0, metrics: {}, cost: { seconds: 0 } }) };
        }
      }
    }
    await expectCaughtOnlyBy(broken((s) => new Lenient(s)), /refuses a spec it cannot build/);
  });
});
