import { parseArgs } from 'node:util';
import os from 'node:os';
import { AutonasError } from 'autonas';
import { startTrialWorker, type TrialWorker } from '@autonas/runner-bullmq';
import type { CliIo } from './io.js';

export const WORKER_HELP = `autonas worker --redis URL [options]

Takes trials from a search's BullMQ queue in Redis and runs them on this machine; the searching
process records the results. Start one per core (the wasm backend uses one core each). A worker
killed mid-trial has its trial retried by another worker once its lock expires.

  --redis URL             Redis of the search, e.g. redis://10.0.0.5:6379      (required)
  --queue NAME            queue of the search                                  [autonas-trials]
  --concurrency N         trials at once in this process                       [1]
  --allow-module M[#E]    an estimator module (and export) jobs may name,      [autonas#lowFidelityWorkerEstimator]
                          exactly, no prefixes (repeatable)
  --max-jobs N            stop after N trials                                  [run until stopped]
  --lock-seconds S        lock of a running trial; a dead worker's trial is retried after it [30]
  -h, --help              this text
`;

/**
 * Runs `autonas worker`: resolves with the exit code once the worker stops (SIGINT/SIGTERM, or
 * `--max-jobs` reached).
 * @param args - the arguments after `worker`
 * @param io - where lines go
 * @param started - receives the running worker (tests stop it through this)
 */
export async function runWorkerCommand(args: readonly string[], io: CliIo, started?: (w: TrialWorker) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      redis: { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, 'allow-module': { type: 'string', multiple: true },
      'max-jobs': { type: 'string' }, 'lock-seconds': { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.out(WORKER_HELP);
    return 0;
  }
  if (!values.redis) throw new AutonasError('BAD_ARGUMENT', 'autonas worker needs --redis URL (the Redis of the search)');
  const int = (name: string, v: string | undefined, min: number) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new AutonasError('BAD_ARGUMENT', `--${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
  const lock = values['lock-seconds'] === undefined ? undefined : Number(values['lock-seconds']);
  if (lock !== undefined && !(lock > 0)) throw new AutonasError('BAD_ARGUMENT', `--lock-seconds must be a positive number, got "${values['lock-seconds']}"`);
  const worker = await startTrialWorker({
    redis: values.redis,
    queue: values.queue,
    concurrency: int('concurrency', values.concurrency, 1),
    allowModules: values['allow-module'],
    maxJobs: int('max-jobs', values['max-jobs'], 1),
    lockDuration: lock === undefined ? undefined : lock * 1000,
    stalledInterval: lock === undefined ? undefined : lock * 1000,
    log: (l) => io.out(l),
  });
  io.out(`autonas worker on ${os.hostname()} (pid ${process.pid}) taking trials from ${values.redis}`);
  started?.(worker);
  const stop = () => void worker.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  io.out(`autonas worker: ${worker.jobs()} trial(s) run`);
  return 0;
}
