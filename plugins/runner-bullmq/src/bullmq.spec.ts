import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ContainerModule,
  Experiment,
  PerformanceEstimator,
  SearchSpace,
  SearchStrategy,
  createContainer,
} from '@autonas/core';
import { GridSpace, UniqueSampler } from '@autonas/testing';
import { BullmqEstimator } from './bullmq-estimator.js';
import { pack, packBinary, unpack, unpackBinary } from './codec.js';
import { redisMissing, startRedis, type RedisServer } from '@autonas/testing/redis';
import { runnerConformance } from '@autonas/testing/conformance';
import { startTrialWorker, type TrialWorker } from './trial-worker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const register = path.resolve(here, '../../../tools/run-ts/register.mjs');
const sleepModule = path.resolve(here, '../../../packages/testing/src/sleep-estimator.ts');
const space = new GridSpace({ a: [1, 2, 3, 4], b: [1, 2, 3, 4], c: [1, 2, 3] });


function wire(estimator: BullmqEstimator, budget: { maxTrials?: number; timeLimit?: number }) {
  return createContainer(
    { ...budget, seed: 1 },
    new ContainerModule(({ bind }) => {
      bind(SearchSpace).toConstantValue(space);
      bind(SearchStrategy).toConstantValue(new UniqueSampler(9));
      bind<PerformanceEstimator>(PerformanceEstimator).toConstantValue(estimator);
    }),
  );
}

describe('codec', () => {
  it('keeps NaN and refuses garbage', () => {
    expect(unpack(pack({ a: NaN, b: [1, 'x'] }), 'x')).toEqual({ a: NaN, b: [1, 'x'] });
    expect(() => unpack(Buffer.from([0xc1]).toString('base64'), 'result')).toThrow(/result from Redis is corrupt/);
    expect(() => unpack(42, 'result')).toThrow(/not a packed string/);
  });

  it('keeps typed arrays (a spec carrying datasets) in binary, and refuses one over its limit or corrupt', () => {
    const x = new Float32Array([0.25, -1.5, NaN, 3e38]);
    const spec = { module: 'autonas', export: 'e', options: { train: { x, y: new Int32Array([7, -2]), sampleShape: [2, 2, 1], odd: x.subarray(1, 3) } } };
    const back = unpackBinary(packBinary(spec), 'spec') as typeof spec;
    expect(back.options.train.x).toBeInstanceOf(Float32Array);
    expect(Array.from(back.options.train.x)).toEqual(Array.from(x));
    expect(back.options.train.y).toBeInstanceOf(Int32Array);
    expect(Array.from(back.options.train.y)).toEqual([7, -2]);
    // A view travels as its own elements only.
    expect(Array.from(back.options.train.odd)).toEqual([-1.5, NaN]);
    expect(back.options.train.sampleShape).toEqual([2, 2, 1]);
    // 4 MB of floats stay 4 MB (base64 JSON would be 16/3 as large).
    expect(packBinary({ x: new Float32Array(1_000_000) }).byteLength).toBeLessThan(4_000_100);
    expect(() => unpackBinary(packBinary(spec), 'spec', 16)).toThrow(/over 16 bytes/);
    expect(() => unpackBinary(Buffer.from([0xc1]), 'spec')).toThrow(/spec from Redis is corrupt/);
    expect(() => unpackBinary(null, 'spec')).toThrow(/not binary \(missing\)/);
  });
});

if (redisMissing) console.warn(`SKIPPED: ${redisMissing}`);

describe.skipIf(redisMissing !== undefined)('BullMQ trials on a local Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  describe('with 2 trial workers on one queue', () => {
    const queue = 'conformance';
    const workers: TrialWorker[] = [];
    let runs = 0;
    beforeAll(async () => {
      for (let i = 0; i < 2; i++) workers.push(await startTrialWorker({ redis: redis.url, queue, allowModules: [sleepModule] }));
    });
    afterAll(async () => {
      await Promise.all(workers.map((w) => w.close()));
    });
    runnerConformance({
      name: 'BullMQ, 2 trials in flight',
      // Each runner names its jobs by an experiment of its own, so no check reads another's results.
      create: (estimator) => new BullmqEstimator({ redis: redis.url, queue, concurrency: 2, experiment: `conformance-${process.pid}-${runs++}`, estimator }),
      sleepModule,
    });
  });

  it('finishes the search with every trial recorded once when one of 2 workers is killed mid-trial', async () => {
    const queue = 'kill-test';
    const workers: { proc: ChildProcess; out: string }[] = [];
    const started = new Map<string, number>(); // job id → pid that started it
    for (let i = 0; i < 2; i++) {
      const proc = spawn(process.execPath, ['--import', register, path.join(here, 'worker-child.test-util.ts'), redis.url, queue, sleepModule], { stdio: ['ignore', 'pipe', 'inherit'] });
      const w = { proc, out: '' };
      proc.stdout!.on('data', (d: Buffer) => {
        w.out += d;
        for (const m of d.toString().matchAll(/job (\S+): trial \d+ started/g)) if (!started.has(m[1]!)) started.set(m[1]!, proc.pid!);
      });
      workers.push(w);
    }
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      const check = () => (w.out.includes('worker ready') ? resolve() : setTimeout(check, 20));
      check();
    })));
    const estimator = new BullmqEstimator({ redis: redis.url, queue, concurrency: 2, experiment: 'kill', estimator: { module: sleepModule, export: 'sleepEstimator', options: { ms: 600 } } });
    const victim = workers[0]!;
    let killedJob: string | undefined;
    const killer = setInterval(() => {
      for (const [job, pid] of started) {
        if (pid === victim.proc.pid && !killedJob) {
          killedJob = job;
          setTimeout(() => victim.proc.kill('SIGKILL'), 250); // mid-trial: each takes 600 ms
        }
      }
    }, 20);
    try {
      const result = await wire(estimator, { maxTrials: 8 }).get(Experiment).run();
      const trials = result.trials.filter((t) => !t.cached);
      expect(trials.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(trials.every((t) => t.status === 'completed')).toBe(true);
      expect(killedJob).toBeDefined();
      expect(victim.proc.signalCode).toBe('SIGKILL');
      // The killed worker's trial was finished by the other worker after BullMQ found it stalled.
      const survivor = workers[1]!.proc.pid;
      const killedTrial = trials.find((t) => killedJob!.startsWith(`kill-${t.id}-`))!;
      expect(killedTrial.metrics.pid).toBe(survivor);
      expect(workers[1]!.out).toContain(`job ${killedJob}: trial ${killedTrial.id} started`);
      // Redis holds exactly one completed job per trial and no failed one.
      const q = new Queue(queue, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }) });
      const counts = await q.getJobCounts('completed', 'failed', 'active', 'wait');
      await q.close();
      expect(counts).toEqual({ completed: 8, failed: 0, active: 0, wait: 0 });
      expect(new Set(trials.map((t) => t.hash)).size).toBe(8);
    } finally {
      clearInterval(killer);
      await estimator.close();
      for (const w of workers) w.proc.kill('SIGTERM');
    }
  });

  it('records a trial failed on a worker, refuses modules not allowed, and aborts trials at the time limit', async () => {
    const queue = 'misc-test';
    const logs: string[] = [];
    const worker = await startTrialWorker({ redis: redis.url, queue, allowModules: [sleepModule], log: (l) => logs.push(l) });
    const bad = new BullmqEstimator({ redis: redis.url, queue, concurrency: 1, experiment: 'bad', estimator: { module: '/elsewhere/evil.js' } });
    const failed = await wire(bad, { maxTrials: 1 }).get(Experiment).run();
    expect(failed.trials[0]!.status).toBe('failed');
    expect(failed.trials[0]!.error).toMatch(/failed on a worker: this worker may not import estimator module "\/elsewhere\/evil.js"/);
    await bad.close();
    // issue 16: the allow-list is exact: a default worker refuses another workspace export (the CLI's runCli ran a whole
    // search before), and an allowed path does not admit a longer one.
    const strict = await startTrialWorker({ redis: redis.url, queue: 'strict-test', log: (l) => logs.push(l) });
    for (const [q, estimator] of [['strict-test', { module: '@autonas/cli', export: 'runCli' }], [queue, { module: `${sleepModule}.js`, export: 'sleepEstimator' }]] as const) {
      const refusedBy = new BullmqEstimator({ redis: redis.url, queue: q, concurrency: 1, experiment: `strict-${q}`, estimator });
      const refused = await wire(refusedBy, { maxTrials: 1 }).get(Experiment).run();
      expect(refused.trials[0]!.error).toMatch(/may not import estimator module/);
      await refusedBy.close();
    }
    await strict.close();

    const slow = new BullmqEstimator({ redis: redis.url, queue, concurrency: 1, experiment: 'slow', estimator: { module: sleepModule, export: 'sleepEstimator', options: { ms: 60_000 } } });
    const t0 = Date.now();
    const stopped = await wire(slow, { timeLimit: 1.5 }).get(Experiment).run();
    // The job would sleep 60 s; a loose bound proves it was aborted, not awaited, even on a loaded machine.
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(stopped.stoppedBy).toBe('timeLimit');
    expect(stopped.trials[0]!.status).toBe('stopped');
    await slow.close();
    // The worker was told to abort the job, and is free again.
    for (let i = 0; i < 500 && !logs.some((l) => /aborted by the search/.test(l)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(logs.some((l) => /job slow-0-\S+: aborted by the search/.test(l))).toBe(true);

    // A searching process that died and resumed finds the result of a job finished meanwhile, without a rerun.
    const spec = { module: sleepModule, export: 'sleepEstimator', options: { ms: 50 } };
    const arch = space.build({ 'grid/a': 3 });
    const ctx = { trialId: 4, seed: 0, signal: new AbortController().signal, report: () => {} };
    const first = new BullmqEstimator({ redis: redis.url, queue, experiment: 'again', estimator: spec });
    const e1 = await first.estimate(arch, ctx);
    await first.close();
    const jobsBefore = worker.jobs();
    const second = new BullmqEstimator({ redis: redis.url, queue, experiment: 'again', estimator: spec });
    const e2 = await second.estimate(arch, ctx);
    await second.close();
    expect(e2).toEqual(e1);
    expect(worker.jobs()).toBe(jobsBefore);
    await worker.close();
    await worker.done;
  });
});
