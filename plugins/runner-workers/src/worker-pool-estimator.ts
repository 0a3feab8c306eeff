import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  PerformanceEstimator,
  RuntimeError,
  type Architecture,
  type Estimate,
  type EstimateContext,
  type RunnerEstimator,
} from '@autonas/core';
import type { EstimatorSpec, FromWorker, PlainEstimate, ToWorker } from './protocol.js';

/** Options of {@link WorkerPoolEstimator}. */
export interface WorkerPoolOptions {
  /** How each worker builds its estimator. */
  readonly estimator: EstimatorSpec;
  /** Worker processes, i.e. trials at once. Default: the number of cores (`os.availableParallelism()`). */
  readonly workers?: number;
  /**
   * Node flags of the worker processes (e.g. a loader). Default: this process's (`process.execArgv`),
   * as `fork` does; when this package runs from its TypeScript sources (this repository's tests),
   * the workspace's TypeScript loader, without which a worker could not start.
   */
  readonly execArgv?: readonly string[];
  /**
   * Extra environment of the worker processes (merged over this process's). Unless set here or in
   * this process, `AUTONAS_NATIVE_THREADS` is cores / workers (at least 1), so that workers on
   * `@autonas/tfjs`'s native kernels share the cores instead of each taking all of them.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Seconds a worker may take to build its estimator. Default 120. */
  readonly startTimeout?: number;
  /** Seconds an aborted trial gets to wind down before its worker is killed. Default 10. */
  readonly abortGrace?: number;
}

interface Job {
  readonly id: number;
  readonly ctx: EstimateContext;
  resolve(e: PlainEstimate): void;
  reject(e: unknown): void;
  killTimer?: ReturnType<typeof setTimeout>;
}

/** One worker process and the trial it runs. */
class Worker {
  readonly ready: Promise<void>;
  job: Job | undefined;
  exited = false;
  private startTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly proc: ChildProcess, pool: WorkerPoolEstimator, startTimeout: number) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.startTimer = setTimeout(() => {
        reject(new RuntimeError('WORKER_START_TIMEOUT', `worker ${proc.pid} did not build its estimator within ${startTimeout} s`));
        proc.kill('SIGKILL');
      }, startTimeout * 1000);
      proc.on('message', (m: FromWorker) => {
        if (m.t === 'ready') {
          clearTimeout(this.startTimer);
          if (!this.job) this.idle();
          resolve();
        } else if (m.t === 'init-error') {
          clearTimeout(this.startTimer);
          reject(new ConfigurationError('BAD_ESTIMATOR_SPEC', `a worker could not build the estimator: ${m.message}`));
          proc.kill('SIGKILL');
        } else if (this.job && 'job' in m && m.job === this.job.id) {
          const job = this.job;
          if (m.t === 'epoch') job.ctx.report(m.metrics);
          else {
            this.job = undefined;
            clearTimeout(job.killTimer);
            this.idle();
            if (m.t === 'done') job.resolve(m.estimate);
            else job.reject(new AutonasError(m.code ?? 'TRIAL_FAILED', m.message));
          }
        }
      });
      proc.on('exit', (code, signal) => {
        this.exited = true;
        clearTimeout(this.startTimer);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(new RuntimeError('WORKER_CRASHED', `worker ${proc.pid} ${how} while starting`));
        const job = this.job;
        this.job = undefined;
        if (job) {
          clearTimeout(job.killTimer);
          job.reject(new RuntimeError('WORKER_CRASHED', `the worker process running trial ${job.ctx.trialId} (pid ${proc.pid}) ${how}`));
        }
        pool.forget(this);
      });
    });
    this.ready.catch(() => {}); // observed by whoever waits for it
    this.busy(); // a starting worker keeps the parent alive until it is ready
  }

  /** An idle worker does not keep the parent process alive. */
  idle(): void {
    this.proc.unref();
    (this.proc.channel as { unref?: () => void } | undefined)?.unref?.();
  }

  busy(): void {
    this.proc.ref();
    (this.proc.channel as { ref?: () => void } | undefined)?.ref?.();
  }

  send(m: ToWorker): void {
    if (!this.exited && this.proc.connected) this.proc.send(m);
  }
}

/**
 * Runs estimates in a pool of worker processes, one trial per worker at a time, so N trials run
 * at once on N cores (TensorFlow.js's wasm backend uses one thread in Node; each worker has its
 * own backend). Each worker builds its own estimator from a serialisable {@link EstimatorSpec}.
 * A worker that crashes fails only its trial (with the reason recorded) and is replaced.
 *
 * The pool's `concurrency` is its size, so an `Experiment` with this estimator keeps that many
 * trials in flight; the searching process stays the only writer of the trial store.
 *
 * @example
 * ```ts
 * import { WorkerPoolEstimator } from '@autonas/runner-workers';
 * const pool = new WorkerPoolEstimator({
 *   workers: 2,
 *   estimator: { module: '@my/estimators', export: 'mnistEstimator', options: { epochs: 1 } },
 * });
 * console.log(pool.concurrency); // 2
 * pool.close();
 * ```
 */
export class WorkerPoolEstimator implements RunnerEstimator {
  readonly name = 'worker-pool';
  /** Trials at once: the number of workers. */
  readonly concurrency: number;
  readonly spec: EstimatorSpec;
  private readonly workers = new Set<Worker>();
  private readonly idleWorkers: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private nextJob = 0;
  private closed = false;
  private readonly entry: string;
  private readonly execArgv: readonly string[];

  constructor(private readonly options: WorkerPoolOptions) {
    const n = options.workers ?? os.availableParallelism();
    if (!Number.isInteger(n) || n < 1) throw new ConfigurationError('BAD_WORKERS', `workers must be a positive integer, got ${options.workers}`);
    if (!options.estimator || typeof options.estimator.module !== 'string' || !options.estimator.module) {
      throw new ConfigurationError('BAD_ESTIMATOR_SPEC', 'the estimator spec needs a module (package name or absolute path)');
    }
    this.concurrency = n;
    const m = options.estimator.module;
    // A relative path means relative to this process's working directory, not to the worker.
    this.spec = { ...options.estimator, module: m.startsWith('.') ? path.resolve(m) : m };
    const here = fileURLToPath(import.meta.url);
    const fromSource = here.endsWith('.ts');
    this.entry = path.join(path.dirname(here), fromSource ? 'worker-main.ts' : 'worker-main.js');
    this.execArgv = options.execArgv ?? (fromSource ? ['--import', path.resolve(path.dirname(here), '../../../tools/run-ts/register.mjs')] : process.execArgv);
  }

  /** Starts every worker and waits until each has built its estimator; a bad spec fails here. */
  async start(): Promise<void> {
    while (this.workers.size < this.concurrency) this.idleWorkers.push(this.spawn());
    await Promise.all([...this.workers].map((w) => w.ready));
  }

  /** Process ids of the live workers. */
  pids(): number[] {
    return [...this.workers].map((w) => w.proc.pid!).filter((p) => p !== undefined);
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    if (this.closed) throw new AutonasError('POOL_CLOSED', 'the worker pool is closed');
    const worker = await this.acquire();
    worker.busy();
    try {
      await worker.ready;
    } catch (e) {
      this.release(worker);
      throw e;
    }
    if (worker.exited || this.closed) throw new RuntimeError('WORKER_CRASHED', `worker ${worker.proc.pid} exited before trial ${ctx.trialId} started`);
    const id = this.nextJob++;
    return new Promise<Estimate>((resolve, reject) => {
      const onAbort = () => {
        worker.send({ t: 'abort', job: id, reason: String((ctx.signal.reason as Error)?.message ?? ctx.signal.reason ?? 'aborted') });
        // A worker that ignores the abort is killed after a grace period; its trial then fails.
        job.killTimer = setTimeout(() => worker.proc.kill('SIGKILL'), (this.options.abortGrace ?? 10) * 1000);
        job.killTimer.unref?.();
      };
      const done = () => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (!worker.exited) this.release(worker);
      };
      const job: Job = {
        id,
        ctx,
        resolve: (e) => {
          done();
          resolve(e);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      };
      worker.job = job;
      worker.busy();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      worker.send({ t: 'run', job: id, arch, trialId: ctx.trialId, seed: ctx.seed, ...(ctx.parent ? { parent: ctx.parent } : {}) });
      if (ctx.signal.aborted) onAbort();
    });
  }

  /** The same as {@link WorkerPoolEstimator.close}. */
  dispose(): void {
    this.close();
  }

  /** Stops every worker. */
  close(): void {
    this.closed = true;
    for (const w of this.workers) w.proc.kill('SIGTERM');
    this.workers.clear();
    this.idleWorkers.length = 0;
  }

  /** Called by a worker whose process exited. */
  forget(worker: Worker): void {
    this.workers.delete(worker);
    const i = this.idleWorkers.indexOf(worker);
    if (i >= 0) this.idleWorkers.splice(i, 1);
    // Someone waiting for a worker gets a fresh one.
    if (!this.closed && this.waiting.length && this.workers.size < this.concurrency) this.waiting.shift()!(this.spawn());
  }

  private spawn(): Worker {
    const proc = fork(this.entry, [], {
      execArgv: [...this.execArgv],
      env: {
        AUTONAS_NATIVE_THREADS: String(Math.max(1, Math.floor(os.availableParallelism() / this.concurrency))),
        ...process.env,
        ...this.options.env,
      },
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const worker = new Worker(proc, this, this.options.startTimeout ?? 120);
    this.workers.add(worker);
    proc.send({ t: 'init', spec: this.spec } satisfies ToWorker);
    return worker;
  }

  private acquire(): Promise<Worker> {
    const idle = this.idleWorkers.pop();
    if (idle) return Promise.resolve(idle);
    if (this.workers.size < this.concurrency) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    if (this.closed || worker.exited) return;
    const next = this.waiting.shift();
    if (next) next(worker);
    else {
      worker.idle();
      this.idleWorkers.push(worker);
    }
  }
}

/**
 * A {@link WorkerPoolEstimator} for direct use.
 * @param options - estimator spec and number of workers
 * @example
 * ```ts
 * import { workerPool } from '@autonas/runner-workers';
 * const pool = workerPool({ estimator: { module: '/abs/path/estimators.js', export: 'make' } });
 * pool.close();
 * ```
 */
export function workerPool(options: WorkerPoolOptions): WorkerPoolEstimator {
  return new WorkerPoolEstimator(options);
}

/**
 * A container module binding a {@link WorkerPoolEstimator} as the `PerformanceEstimator`: an
 * experiment then runs `workers` trials at once (unless its `concurrency` says otherwise).
 * @param options - estimator spec and number of workers
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { workerPoolModule } from '@autonas/runner-workers';
 * const c = createContainer({ maxTrials: 4 }, workerPoolModule({ workers: 2, estimator: { module: '@my/estimators', export: 'make' } }));
 * ```
 */
export function workerPoolModule(options: WorkerPoolOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator).toConstantValue(new WorkerPoolEstimator(options));
  });
}
