import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ContainerModule,
  Experiment,
  SearchSpace,
  SearchStrategy,
  createContainer,
} from '@autonas/core';
import { GridSpace, UniqueSampler } from '@autonas/testing';
import { runnerConformance } from '@autonas/testing/conformance';
import { WorkerPoolEstimator, workerPoolModule, type WorkerPoolOptions } from './worker-pool-estimator.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const sleepModule = path.resolve(here, '../../../packages/testing/src/sleep-estimator.ts');
const space = new GridSpace({ a: [1, 2, 3, 4], b: [1, 2, 3, 4], c: [1, 2, 3] });

/** Random sampling without repeats. */

const pools: WorkerPoolEstimator[] = [];
afterEach(() => pools.splice(0).forEach((p) => p.close()));

async function search(maxTrials: number, pool: Partial<WorkerPoolOptions> & Pick<WorkerPoolOptions, 'estimator'>) {
  const estimator = new WorkerPoolEstimator({ workers: 2, ...pool });
  pools.push(estimator);
  // Both workers are up before the first trial: on a loaded machine one may take seconds longer to start.
  if (pool.estimator.export !== 'nope') await estimator.start();
  const container = createContainer(
    { maxTrials, seed: 1 },
    new ContainerModule(({ bind }) => {
      bind(SearchSpace).toConstantValue(space);
      bind(SearchStrategy).toConstantValue(new UniqueSampler(5));
    }),
    new ContainerModule(({ bind }) => {
      bind(Symbol.for('autonas.PerformanceEstimator')).toConstantValue(estimator);
    }),
  );
  const t0 = Date.now();
  const result = await container.get(Experiment).run();
  return { result, wall: Date.now() - t0, estimator };
}

describe('WorkerPoolEstimator', () => {
  it('runs trials in 2 worker processes at once: they overlap in time', async () => {
    const { result, wall, estimator } = await search(6, { estimator: { module: sleepModule, export: 'sleepEstimator', options: { ms: 400 } } });
    expect(estimator.concurrency).toBe(2);
    const trials = result.trials.filter((t) => !t.cached);
    expect(trials).toHaveLength(6);
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    const pids = new Set(trials.map((t) => t.metrics.pid));
    expect(pids.size).toBe(2);
    expect(pids.has(process.pid)).toBe(false);
    // Pairs of trials whose [start, end] intervals in the workers intersect.
    let overlapping = 0;
    for (const a of trials) for (const b of trials) if (a.id < b.id && a.metrics.start! < b.metrics.end! && b.metrics.start! < a.metrics.end!) overlapping++;
    expect(overlapping).toBeGreaterThanOrEqual(3);
    // From the first trial's start to the last one's end took well under the trials' summed time.
    const busy = trials.reduce((s, t) => s + (t.metrics.end! - t.metrics.start!), 0);
    const span = Math.max(...trials.map((t) => t.metrics.end!)) - Math.min(...trials.map((t) => t.metrics.start!));
    expect(span).toBeLessThan(busy * 0.8);
    expect(wall).toBeGreaterThanOrEqual(span);
    expect(trials[0]!.epochs).toEqual([{ epoch: 0, score: trials[0]!.score }]);
  });

  it('fails the trial of a worker that crashes, records why, and goes on with a new worker', async () => {
    const { result, estimator } = await search(10, { estimator: { module: sleepModule, export: 'sleepEstimator', options: { ms: 100, crashOn: 2 } } });
    const trials = result.trials.filter((t) => !t.cached);
    expect(trials).toHaveLength(10);
    const crashed = trials.filter((t) => t.architecture.decisions!['grid/a'] === 2);
    expect(crashed.length).toBeGreaterThan(0);
    for (const t of crashed) {
      expect(t.status).toBe('failed');
      expect(t.error).toMatch(new RegExp(`worker process running trial ${t.id} \\(pid \\d+\\) was killed by SIGKILL`));
    }
    const others = trials.filter((t) => t.architecture.decisions!['grid/a'] !== 2);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((t) => t.status === 'completed')).toBe(true);
    expect(estimator.pids().length).toBeLessThanOrEqual(2);
  });

  it('says clearly when a worker cannot build the estimator', async () => {
    const bad = new WorkerPoolEstimator({ workers: 1, estimator: { module: sleepModule, export: 'notAFactory' } });
    pools.push(bad);
    await expect(bad.start()).rejects.toThrow(/could not build the estimator: .* no function export "notAFactory"/);
    const missing = new WorkerPoolEstimator({ workers: 1, estimator: { module: '/nonexistent/estimators.js' } });
    pools.push(missing);
    await expect(missing.start()).rejects.toMatchObject({ code: 'BAD_ESTIMATOR_SPEC' });
    expect(() => new WorkerPoolEstimator({ workers: 0, estimator: { module: 'x' } })).toThrow(/workers must be a positive integer/);
    // A search starts its estimator before the first trial (the estimator's start hook), so a spec no worker can build fails the search at once, before any trial.
    await expect(search(2, { workers: 1, estimator: { module: sleepModule, export: 'nope' } })).rejects.toMatchObject({ code: 'BAD_ESTIMATOR_SPEC', message: expect.stringMatching(/no function export "nope"/) });
  });

  it('aborts running trials in the workers when the time limit passes', async () => {
    const estimator = new WorkerPoolEstimator({ workers: 2, estimator: { module: sleepModule, export: 'sleepEstimator', options: { ms: 60_000 } } });
    pools.push(estimator);
    await estimator.start();
    const container = createContainer(
      { timeLimit: 0.8, seed: 1 },
      workerPoolModule({ workers: 1, estimator: { module: sleepModule } }),
      new ContainerModule(({ bind, rebind }) => {
        bind(SearchSpace).toConstantValue(space);
        bind(SearchStrategy).toConstantValue(new UniqueSampler(5));
        rebind(Symbol.for('autonas.PerformanceEstimator')).toConstantValue(estimator);
      }),
    );
    const t0 = Date.now();
    const result = await container.get(Experiment).run();
    // Each trial would sleep 60 s; a loose bound proves they were aborted, not awaited, even on a loaded machine.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(result.stoppedBy).toBe('timeLimit');
    expect(result.trials).toHaveLength(2);
    expect(result.trials.every((t) => t.status === 'stopped')).toBe(true);
  });
});

runnerConformance({
  name: 'worker pool of 2',
  create: (estimator) => new WorkerPoolEstimator({ workers: 2, estimator, abortGrace: 2 }),
  sleepModule,
  crash: {},
});
