import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openExperimentDirectory } from '@autonas/store-sqlite';
import { redisMissing, startRedis } from '@autonas/testing/redis';
import { runCli } from './cli.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const register = path.resolve(here, '../../../tools/run-ts/register.mjs');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** `autonas worker` in its own process, from the sources, with its stdout lines. */
function startWorker(redis: string, queue: string): { proc: ChildProcess; lines: string[] } {
  const proc = spawn(process.execPath, ['--import', register, path.join(here, 'main.ts'), 'worker', '--redis', redis, '--queue', queue, '--lock-seconds', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let rest = '';
  proc.stdout!.on('data', (b: Buffer) => {
    const parts = (rest + b.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  proc.stderr!.on('data', () => {});
  return { proc, lines };
}

describe.skipIf(redisMissing !== undefined)('autonas search --redis', () => {
  it('trains real networks in 2 autonas worker processes; one killed mid-trial, its trial is retried by the other and recorded once', async () => {
    const redis = await startRedis();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'autonas-cli-redis-'));
    const queue = 'cli-redis';
    const workers = [startWorker(redis.url, queue), startWorker(redis.url, queue)];
    let victim: { proc: ChildProcess; lines: string[]; job: string } | undefined;
    // The first worker to start a trial is killed 300 ms later: while it fetches the data, builds its estimator or trains.
    const watch = setInterval(() => {
      if (victim) return;
      for (const w of workers) {
        const started = w.lines.find((l) => /^job \S+: trial \d+ started$/.test(l));
        if (started) {
          victim = { ...w, job: started.split(' ')[1]!.replace(/:$/, '') };
          setTimeout(() => w.proc.kill('SIGKILL'), 300);
          return;
        }
      }
    }, 20);
    try {
      const c = capture();
      const code = await runCli([
        'search', '--redis', redis.url, '--queue', queue, '--workers', '2', '--max-trials', '4', '--time-limit', '400',
        '--train-size', '2500', '--trial-samples', '1800', '--trial-validation', '400', '--epochs', '1',
        '--no-baseline', '--retrain-epochs', '1', '--backend', 'wasm', '--seed', '3', '--out', dir,
      ], c.io);
      expect(c.err).toEqual([]);
      expect(code).toBe(0);
      const text = c.out.join('\n');
      expect(text).toContain(`2 trials at once on the workers of ${redis.url}`);
      expect(text).toContain(`trials go to queue "${queue}"`);

      // The victim died mid-trial: it started its job and never scored it.
      expect(victim).toBeDefined();
      await new Promise((r) => setTimeout(r, 100));
      expect(victim!.proc.signalCode).toBe('SIGKILL');
      expect(victim!.lines.some((l) => l.startsWith(`job ${victim!.job}: trial`) && l.includes('scored'))).toBe(false);
      const survivor = workers.find((w) => w.proc !== victim!.proc)!;
      // The survivor ran the victim's job to the end.
      expect(survivor.lines.some((l) => l.startsWith(`job ${victim!.job}: trial`) && l.includes('scored'))).toBe(true);

      // Every trial recorded once, completed, trained by a worker process (not this one).
      const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
      expect(report.trials.map((t: { id: number }) => t.id)).toEqual([0, 1, 2, 3]);
      for (const t of report.trials) {
        expect(t.status).toBe('completed');
        expect(t.score).toBeGreaterThanOrEqual(0);
        expect([victim!.proc.pid, survivor.proc.pid]).toContain(t.metrics.workerPid);
      }
      const victimTrial = Number(victim!.lines.find((l) => l.startsWith(`job ${victim!.job}:`))!.match(/trial (\d+)/)![1]);
      expect(report.trials[victimTrial].metrics.workerPid).toBe(survivor.proc.pid);
      const store = openExperimentDirectory(dir);
      try {
        const ids = store.store.trials().map((t) => t.id);
        expect(ids).toEqual([0, 1, 2, 3]);
        expect(store.store.trials().every((t) => t.status === 'completed')).toBe(true);
      } finally {
        store.close();
      }
      // Trained for real: the best trial is far above chance, and so is the model retrained from it.
      expect(report.best.score).toBeGreaterThan(0.5);
      expect(report.test.accuracy).toBeGreaterThan(0.5);
    } finally {
      clearInterval(watch);
      for (const w of workers) w.proc.kill('SIGKILL');
      await redis.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
