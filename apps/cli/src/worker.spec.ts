import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BullmqEstimator } from '@autonas/runner-bullmq';
import { runCli } from './cli.js';
import { redisMissing, startRedis } from '@autonas/testing/redis';

/** The BullMQ plugin's test estimator (workers import it by path). */
const sleepModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../packages/testing/src/sleep-estimator.ts');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

describe('autonas worker', () => {
  it('needs --redis and explains itself', async () => {
    const a = capture();
    expect(await runCli(['worker'], a.io)).toBe(1);
    expect(a.err[0]).toContain('needs --redis URL');
    const b = capture();
    expect(await runCli(['worker', '--help'], b.io)).toBe(0);
    expect(b.out[0]).toContain('--allow-module');
    const c = capture();
    expect(await runCli(['worker', '--redis', 'redis://127.0.0.1:1', '--max-jobs', '0'], c.io)).toBe(1);
    expect(c.err[0]).toContain('--max-jobs must be an integer >= 1');
  });

  it.skipIf(redisMissing !== undefined)('runs the trials of a search from Redis and stops after --max-jobs', async () => {
    const redis = await startRedis();
    const estimator = new BullmqEstimator({ redis: redis.url, queue: 'cli', concurrency: 1, experiment: 'cli', estimator: { module: sleepModule, export: 'sleepEstimator', options: { ms: 50 } } });
    try {
      const c = capture();
      const worker = runCli(['worker', '--redis', redis.url, '--queue', 'cli', '--max-jobs', '2', '--allow-module', sleepModule], c.io);
      const arch = { nodes: [{ id: 'in', op: 'input', params: { shape: [4] }, inputs: [] }], decisions: { 'grid/a': 2, 'grid/b': 3 } };
      const ctx = (trialId: number) => ({ trialId, seed: 0, signal: new AbortController().signal, report: () => {} });
      const [e0, e1] = await Promise.all([estimator.estimate(arch, ctx(0)), estimator.estimate({ ...arch, decisions: { 'grid/a': 4 } }, ctx(1))]);
      expect([e0.score, e1.score]).toEqual([5, 4]);
      expect(await worker).toBe(0);
      expect(c.out.join('\n')).toContain('2 trial(s) run');
    } finally {
      await estimator.close();
      await redis.stop();
    }
  });
});
