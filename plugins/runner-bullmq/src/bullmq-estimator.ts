import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  PerformanceEstimator,
  architectureHash,
  type Architecture,
  type EpochMetrics,
  type Estimate,
  type EstimateContext,
  type RunnerEstimator,
  type EstimatorSpec,
  type TrialRecord,
} from '@autonas/core';
import { createHash } from 'node:crypto';
import { pack, packBinary, unpack } from './codec.js';

/** Default queue name. */
export const DEFAULT_QUEUE = 'autonas-trials';

/**
 * What a trial job carries (packed): the estimator spec itself, or `specRef`, the hash under
 * which the searching process stored it once in Redis ({@link specKey}), as a spec may carry the
 * trials' data (megabytes) that every job would otherwise repeat.
 */
export interface TrialJobData {
  readonly spec?: EstimatorSpec;
  readonly specRef?: string;
  readonly arch: Architecture;
  readonly trialId: number;
  readonly seed: number;
  /** The trial this one grows from (`ctx.parent`), when it has one. */
  readonly parent?: TrialRecord;
}

/** The Redis key of an estimator spec stored by reference (binary MessagePack, typed arrays kept). */
export const specKey = (queue: string, ref: string) => `autonas:${queue}:spec:${ref}`;

/** The Redis channel on which the searching process asks workers to abort a job. */
export const abortChannel = (queue: string) => `autonas:${queue}:abort`;

/** Options of {@link BullmqEstimator}. */
export interface BullmqEstimatorOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly redis: string;
  /** Queue name; workers must use the same. Default `'autonas-trials'`. */
  readonly queue?: string;
  /** How workers build their estimator (they must be allowed to import its module). */
  readonly estimator: EstimatorSpec;
  /** Trials in flight at once (about the number of workers). Default 2. */
  readonly concurrency?: number;
  /**
   * Names the jobs of this search (`EXPERIMENT-TRIAL-HASH`), so a resumed search finds the jobs it
   * queued before it died (and their results) instead of queueing them again. Default `'default'`.
   */
  readonly experiment?: string;
  /** Seconds a finished job's result is kept in Redis (for a searcher that died to pick up). Default one day. */
  readonly keepResultsFor?: number;
}

/**
 * Runs estimates as jobs on a BullMQ queue in Redis, taken by `autonas worker` processes on any
 * machine (see {@link startTrialWorker}). The searching process stays the only writer of the
 * trial store: a worker only returns the estimate. A worker killed mid-trial leaves its job
 * locked until the lock expires; BullMQ's stalled-job check then hands the job to another worker,
 * and only the worker holding the lock can complete it, so each trial's result arrives once.
 *
 * @example
 * ```ts
 * import { BullmqEstimator } from '@autonas/runner-bullmq';
 * const estimator = new BullmqEstimator({
 *   redis: 'redis://127.0.0.1:6379',
 *   estimator: { module: '@my/estimators', export: 'mnistEstimator', options: { epochs: 1 } },
 *   concurrency: 4,
 * });
 * // bind it as the PerformanceEstimator of an experiment, then: await estimator.close();
 * ```
 */
export class BullmqEstimator implements RunnerEstimator {
  readonly name = 'bullmq';
  readonly concurrency: number;
  readonly queueName: string;
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly publisher: Redis;
  private readonly progress = new Map<string, (m: EpochMetrics) => void>();
  private readyPromise: Promise<void> | undefined;
  private specRef: Promise<string> | undefined;
  private closed = false;

  constructor(private readonly options: BullmqEstimatorOptions) {
    const c = options.concurrency ?? 2;
    if (!Number.isInteger(c) || c < 1) throw new ConfigurationError('BAD_CONCURRENCY', `concurrency must be a positive integer, got ${options.concurrency}`);
    if (!options.estimator?.module) throw new ConfigurationError('BAD_ESTIMATOR_SPEC', 'the estimator spec needs a module');
    if (!/^rediss?:\/\//.test(options.redis)) throw new ConfigurationError('BAD_REDIS_URL', `redis must be a redis:// URL, got "${options.redis}"`);
    this.concurrency = c;
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    const connection = () => new Redis(options.redis, { maxRetriesPerRequest: null, lazyConnect: false });
    this.queue = new Queue(this.queueName, { connection: connection() });
    this.events = new QueueEvents(this.queueName, { connection: connection() });
    this.publisher = connection();
    this.events.on('progress', ({ jobId, data }) => {
      const report = this.progress.get(jobId);
      if (report && typeof data === 'string') {
        try {
          report(unpack(data, `progress of job ${jobId}`) as EpochMetrics);
        } catch {
          // a garbled progress message loses one point of the learning curve, nothing else
        }
      }
    });
    for (const emitter of [this.queue, this.events]) (emitter as unknown as { on(e: string, l: (e: Error) => void): void }).on('error', () => {});
  }

  /** Resolves once the queue and its event stream are connected. */
  ready(): Promise<void> {
    this.readyPromise ??= Promise.all([this.queue.waitUntilReady(), this.events.waitUntilReady()]).then(() => {});
    return this.readyPromise;
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    if (this.closed) throw new AutonasError('ESTIMATOR_CLOSED', 'the BullMQ estimator is closed');
    await this.ready();
    const jobId = `${this.options.experiment ?? 'default'}-${ctx.trialId}-${architectureHash(arch).slice(0, 16)}`;
    let job: Job | undefined = await this.queue.getJob(jobId);
    if (job && (await job.getState()) === 'failed') {
      // A resumed search reruns an interrupted trial: a job that failed for it is queued afresh.
      await job.remove();
      job = undefined;
    }
    this.progress.set(jobId, (m) => ctx.report(m));
    try {
      const keep = this.options.keepResultsFor ?? 86_400;
      const specRef = await this.storedSpec();
      job ??= await this.queue.add('trial', { payload: pack({ specRef, arch, trialId: ctx.trialId, seed: ctx.seed, ...(ctx.parent ? { parent: ctx.parent } : {}) } satisfies TrialJobData) }, {
        jobId,
        attempts: 1,
        removeOnComplete: { age: keep },
        removeOnFail: { age: keep },
      });
      const finished = job.waitUntilFinished(this.events);
      const aborted = new Promise<never>((_, reject) => {
        const onAbort = () => {
          void this.publisher.publish(abortChannel(this.queueName), jobId).catch(() => {});
          void job!.remove().catch(() => {}); // succeeds only while the job still waits
          reject(ctx.signal.reason ?? new AutonasError('SEARCH_STOPPED', 'search stopped'));
        };
        if (ctx.signal.aborted) onAbort();
        else ctx.signal.addEventListener('abort', onAbort, { once: true });
        void finished.finally(() => ctx.signal.removeEventListener('abort', onAbort)).catch(() => {});
      });
      let result: unknown;
      try {
        result = await Promise.race([finished, aborted]);
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        throw new AutonasError('TRIAL_FAILED', `job ${jobId} failed on a worker: ${(e as Error).message ?? String(e)}`, { cause: e });
      }
      const estimate = unpack(result, `result of job ${jobId}`) as Estimate;
      if (!estimate || typeof estimate.score !== 'number' || typeof estimate.metrics !== 'object') {
        throw new AutonasError('BAD_RESULT', `job ${jobId} returned no estimate`);
      }
      return estimate;
    } finally {
      this.progress.delete(jobId);
    }
  }

  /** Stores the estimator spec in Redis once (for as long as results are kept) and gives its hash. */
  private storedSpec(): Promise<string> {
    this.specRef ??= (async () => {
      const bytes = packBinary(this.options.estimator);
      const ref = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
      await this.publisher.set(specKey(this.queueName, ref), bytes, 'EX', Math.ceil(this.options.keepResultsFor ?? 86_400));
      return ref;
    })();
    this.specRef.catch(() => (this.specRef = undefined));
    return this.specRef;
  }

  /** Connects (the same as {@link BullmqEstimator.ready}); an experiment calls it when its run starts. */
  start(): Promise<void> {
    return this.ready();
  }

  /** The same as {@link BullmqEstimator.close}. */
  dispose(): Promise<void> {
    return this.close();
  }

  /** Closes the Redis connections (jobs already queued stay for the workers). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.publisher.disconnect();
  }
}

/**
 * A container module binding a {@link BullmqEstimator} as the experiment's `PerformanceEstimator`.
 * @param options - Redis, queue, estimator spec, trials in flight
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { bullmqModule } from '@autonas/runner-bullmq';
 * const c = createContainer({ maxTrials: 20 }, bullmqModule({ redis: 'redis://127.0.0.1:6379', estimator: { module: '@my/estimators', export: 'make' } }));
 * ```
 */
export function bullmqModule(options: BullmqEstimatorOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator).toDynamicValue(() => new BullmqEstimator(options)).inSingletonScope();
  });
}
