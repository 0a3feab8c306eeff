import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { ConfigurationError, buildEstimator, type EstimatorSpec, type PerformanceEstimator } from '@autonas/core';
import { DEFAULT_QUEUE, abortChannel, specKey, type TrialJobData } from './bullmq-estimator.js';
import { pack, unpack, unpackBinary } from './codec.js';

/** The estimator factories a worker calls when given no allow-list: autonas's low-fidelity worker estimator. */
export const DEFAULT_ALLOWED_ESTIMATORS: readonly string[] = ['autonas#lowFidelityWorkerEstimator'];

/**
 * Whether an allow-list admits a job's estimator spec: an entry `'MODULE'` admits exactly that
 * module (any export), `'MODULE#EXPORT'` exactly that module and export (`default` when the spec
 * names none). Nothing is matched by prefix.
 *
 * @param allow - the allow-list
 * @param spec - the job's estimator spec
 * @returns true when the worker may import and call it
 * @example
 * ```ts
 * import { estimatorAllowed } from '@autonas/runner-bullmq';
 * estimatorAllowed(['@my/estimators#make'], { module: '@my/estimators', export: 'make' }); // true
 * estimatorAllowed(['@autonas/'], { module: '@autonas/cli', export: 'runCli' }); // false
 * ```
 */
export function estimatorAllowed(allow: readonly string[], spec: EstimatorSpec | undefined): boolean {
  if (!spec || typeof spec.module !== 'string' || !spec.module) return false;
  const exported = spec.export ?? 'default';
  return allow.some((entry) => {
    const hash = entry.lastIndexOf('#');
    return hash > 0 ? entry.slice(0, hash) === spec.module && entry.slice(hash + 1) === exported : entry === spec.module;
  });
}

/** Options of {@link startTrialWorker}. */
export interface TrialWorkerOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly redis: string;
  /** Queue name (the searching process's). Default `'autonas-trials'`. */
  readonly queue?: string;
  /** Trials this worker runs at once. Default 1 (wasm uses one core: start one worker per core). */
  readonly concurrency?: number;
  /**
   * The estimator factories this worker may call, each exactly (a job names a module and an
   * export, and importing the module runs its code): `'MODULE'` allows any export of exactly that
   * module, `'MODULE#EXPORT'` only that export. No prefixes: `'@autonas/'` matches nothing.
   * Default {@link DEFAULT_ALLOWED_ESTIMATORS}.
   */
  readonly allowModules?: readonly string[];
  /** Milliseconds a job's lock lasts without renewal; a dead worker's job is retried after it. Default 30000. */
  readonly lockDuration?: number;
  /** Milliseconds between checks for stalled jobs (of dead workers). Default 30000. */
  readonly stalledInterval?: number;
  /** Times a job may stall (its worker die) before it fails. Default 1. */
  readonly maxStalledCount?: number;
  /** Stop after this many jobs (completed or failed). Default: run until closed. */
  readonly maxJobs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** A running worker. */
export interface TrialWorker {
  /** Jobs finished so far (completed or failed). */
  readonly jobs: () => number;
  /** Resolves when the worker has stopped (closed, or `maxJobs` reached). */
  readonly done: Promise<void>;
  /** Stops taking jobs, lets running ones finish (or aborts them with `force`), and disconnects. */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts a worker that takes trial jobs from a {@link BullmqEstimator}'s queue: it builds the
 * estimator named by each job's spec (once per spec, if its module is allowed), runs the trial,
 * reports every epoch as job progress and returns the estimate. It never touches the trial
 * store. Aborts published by the searching process (its time limit) stop the trial.
 *
 * @param options - Redis, queue, allowed modules, lock timing
 * @returns the running worker
 * @example
 * ```ts
 * import { startTrialWorker } from '@autonas/runner-bullmq';
 * const worker = await startTrialWorker({ redis: 'redis://127.0.0.1:6379', allowModules: ['@my/estimators'] });
 * process.on('SIGTERM', () => void worker.close());
 * await worker.done;
 * ```
 */
export async function startTrialWorker(options: TrialWorkerOptions): Promise<TrialWorker> {
  if (!/^rediss?:\/\//.test(options.redis)) throw new ConfigurationError('BAD_REDIS_URL', `redis must be a redis:// URL, got "${options.redis}"`);
  const queue = options.queue ?? DEFAULT_QUEUE;
  const allow = options.allowModules ?? DEFAULT_ALLOWED_ESTIMATORS;
  const log = options.log ?? (() => {});
  const estimators = new Map<string, Promise<PerformanceEstimator>>();
  const estimatorFor = (spec: EstimatorSpec, ref?: string): Promise<PerformanceEstimator> => {
    if (!estimatorAllowed(allow, spec)) {
      throw new ConfigurationError('MODULE_NOT_ALLOWED', `this worker may not import estimator module "${spec?.module}" (export "${spec?.export ?? 'default'}"); allowed exactly: ${allow.join(', ') || 'none'} (autonas worker --allow-module MODULE[#EXPORT])`);
    }
    const key = ref ?? JSON.stringify(spec);
    let made = estimators.get(key);
    if (!made) {
      made = buildEstimator(spec);
      made.catch(() => estimators.delete(key));
      estimators.set(key, made);
    }
    return made;
  };
  // Specs stored by reference are fetched once per worker; the estimator built from one is kept by its hash.
  const specs = new Map<string, Promise<EstimatorSpec>>();
  const specOf = async (data: TrialJobData): Promise<[EstimatorSpec, string?]> => {
    if (data.specRef === undefined) return [data.spec as EstimatorSpec];
    const ref = data.specRef;
    if (typeof ref !== 'string' || !/^[0-9a-f]{16,64}$/.test(ref)) throw new ConfigurationError('BAD_ESTIMATOR_SPEC', `job names a malformed spec reference ${JSON.stringify(ref)}`);
    let spec = specs.get(ref);
    if (!spec) {
      spec = connection.getBuffer(specKey(queue, ref)).then((bytes) => {
        if (bytes === null) throw new ConfigurationError('SPEC_MISSING', `the estimator spec ${ref} is no longer in Redis (it is kept as long as the search's results)`);
        return unpackBinary(bytes, `estimator spec ${ref}`) as EstimatorSpec;
      });
      spec.catch(() => specs.delete(ref));
      specs.set(ref, spec);
    }
    return [await spec, ref];
  };
  let finished = 0;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const connection = new Redis(options.redis, { maxRetriesPerRequest: null });
  const subscriber = new Redis(options.redis, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  subscriber.on('error', () => {});

  const worker = new Worker(
    queue,
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      const data = unpack((job.data as { payload?: unknown }).payload, `data of job ${job.id}`) as TrialJobData;
      log(`job ${job.id}: trial ${data.trialId} started`);
      const estimator = await estimatorFor(...(await specOf(data)));
      const { artifact, ...estimate } = await estimator.estimate(data.arch, {
        trialId: data.trialId,
        seed: data.seed,
        ...(data.parent ? { parent: data.parent } : {}),
        signal: signal ?? new AbortController().signal,
        report: (metrics) => void job.updateProgress(pack(metrics)).catch(() => {}),
      });
      artifact?.dispose();
      log(`job ${job.id}: trial ${data.trialId} scored ${estimate.score}`);
      return pack(estimate);
    },
    {
      connection,
      concurrency: options.concurrency ?? 1,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 1,
      autorun: false,
    },
  );
  worker.on('error', (e) => log(`worker error: ${e.message}`));
  const onFinished = () => {
    finished++;
    if (options.maxJobs !== undefined && finished >= options.maxJobs) void close();
  };
  worker.on('completed', onFinished);
  worker.on('failed', (job, e) => {
    log(`job ${job?.id}: failed: ${e.message}`);
    onFinished();
  });
  await subscriber.subscribe(abortChannel(queue));
  subscriber.on('message', (_channel, jobId: string) => {
    if (worker.cancelJob(jobId, 'the search was stopped')) log(`job ${jobId}: aborted by the search`);
  });

  let closing: Promise<void> | undefined;
  const close = (force = false): Promise<void> => {
    closing ??= (async () => {
      if (force) worker.cancelAllJobs('worker closing');
      await worker.close(force).catch(() => {});
      subscriber.disconnect();
      connection.disconnect();
      resolveDone();
    })();
    return closing;
  };
  await worker.waitUntilReady();
  void worker.run().catch((e: Error) => {
    log(`worker stopped: ${e.message}`);
    void close();
  });
  log(`worker ready on queue "${queue}" (${options.concurrency ?? 1} at a time)`);
  if (options.maxJobs === 0) void close();
  return { jobs: () => finished, done, close };
}

