// Estimators that worker processes build in tests (through an EstimatorSpec naming this file and `sleepEstimator`).
import type { Architecture, Estimate, EstimateContext, PerformanceEstimator } from '@autonas/core';

export interface SleepOptions {
  /** Milliseconds each trial takes. */
  readonly ms: number;
  /** Trials whose `grid/a` decision has this value kill their own worker process mid-trial. */
  readonly crashOn?: number;
  /** Trials whose `grid/a` decision has this value throw `failMessage` mid-trial (their process lives on). */
  readonly failOn?: number;
  /** The message of a `failOn` trial's error. Default `'sleep estimator: failOn trial'`. */
  readonly failMessage?: string;
}

/** Sleeps (in small steps, so an abort stops it), then scores the sum of the decisions; records its pid, when it ran, and the id of the parent trial it was given. */
export function sleepEstimator(options: SleepOptions): PerformanceEstimator {
  return {
    name: 'sleep',
    async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
      const start = Date.now();
      const d = arch.decisions ?? {};
      for (let t = 0; t < options.ms; t += 10) {
        if (ctx.signal.aborted) throw new Error('aborted in the worker');
        if (options.crashOn !== undefined && d['grid/a'] === options.crashOn && t >= options.ms / 2) process.kill(process.pid, 'SIGKILL');
        if (options.failOn !== undefined && d['grid/a'] === options.failOn && t >= options.ms / 2) throw new Error(options.failMessage ?? 'sleep estimator: failOn trial');
        await new Promise((r) => setTimeout(r, 10));
      }
      const score = Object.values(d).reduce<number>((s, v) => s + Number(v), 0);
      ctx.report({ epoch: 0, score });
      return { score, metrics: { score, pid: process.pid, start, end: Date.now(), ...(ctx.parent ? { parent: ctx.parent.id } : {}) }, cost: { seconds: (Date.now() - start) / 1000 } };
    },
  };
}

/** Not a function: a spec naming it is refused. */
export const notAFactory = 42;
