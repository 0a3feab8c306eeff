import {
  AutonasError,
  ConfigurationError,
  ContainerModule,
  PerformanceEstimator,
  Random,
  type Architecture,
  type Estimate,
  type EstimateContext,
} from '@autonas/core';

/** One architecture's row of a tabular benchmark. */
export interface TabularEntry {
  /** The benchmark's score (higher is better), e.g. mean test accuracy in %. */
  readonly score: number;
  /** Scores of the single runs behind `score`, when the benchmark has them. */
  readonly runs?: readonly number[];
  /** What it cost to train, in the benchmark's own terms (params, FLOPs, …). */
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * A tabular benchmark: every architecture of a space, trained once and recorded, so strategies can
 * be compared in seconds.
 */
export interface TabularBenchmark {
  readonly name: string;
  /** Number of rows (architectures or encodings). */
  readonly size: number;
  /** The best row. */
  readonly optimum: { readonly key: string; readonly score: number };
  /** The row of an architecture, or `undefined` when the benchmark does not hold it. */
  lookup(arch: Architecture): TabularEntry | undefined;
  /**
   * The names of the metrics every entry has. When given, a {@link TabularEstimator} whose cost
   * names a metric the entries lack is refused at construction (`BAD_COST`) rather than failing
   * every trial.
   */
  readonly metrics?: readonly string[];
}

/** The metric a cost is simulated from: the one named, else `flops` when there is one, else `params`. */
function costMetric(named: string | undefined, has: (metric: string) => boolean): string {
  return named ?? (has('flops') ? 'flops' : 'params');
}

/** Options of {@link TabularEstimator}. */
export interface TabularEstimatorOptions {
  /**
   * What an estimate returns as its score: the benchmark's `mean` (default), or one of its single
   * `run`s picked by the trial's seed, for a noisy evaluation like real training.
   */
  readonly score?: 'mean' | 'run';
  /**
   * Simulated cost of a query in seconds: from one of the entry's metrics (default `'flops'` when
   * the entry has it, else `'params'`), times `secondsPerUnit`; or a function of the entry.
   */
  readonly cost?: string | ((entry: TabularEntry) => number);
  /** Seconds per unit of the cost metric (default 1e-6: one simulated second per million FLOPs or parameters). */
  readonly secondsPerUnit?: number;
  /** Real milliseconds to wait per simulated second (default 0: answer at once). For testing time budgets. */
  readonly sleepMsPerSecond?: number;
}

/**
 * Scores an architecture by looking it up in a tabular benchmark instead of training it, with a
 * simulated cost, so a search strategy can be run thousands of times in seconds.
 *
 * @example
 * ```ts
 * import { EventBus, InMemoryTrialStore, LocalExecutionEngine, Random } from '@autonas/core';
 * import { NasBenchMacroSpace, TabularEstimator, loadNasBenchMacro } from '@autonas/benchmark-tabular';
 * const space = new NasBenchMacroSpace();
 * const estimator = new TabularEstimator(loadNasBenchMacro());
 * const engine = new LocalExecutionEngine({ space, estimator, store: new InMemoryTrialStore(), events: new EventBus(), maxTrials: 3 });
 * const trial = await engine.submit(space.sample(new Random(1)));
 * console.log(trial.score, trial.metrics.simulatedSeconds);
 * ```
 */
export class TabularEstimator implements PerformanceEstimator {
  readonly name: string;

  constructor(
    readonly benchmark: TabularBenchmark,
    private readonly options: TabularEstimatorOptions = {},
  ) {
    this.name = `tabular:${benchmark.name}`;
    if (options.secondsPerUnit !== undefined && !(options.secondsPerUnit >= 0)) {
      throw new ConfigurationError('BAD_COST', `secondsPerUnit must be a non-negative number, got ${options.secondsPerUnit}`);
    }
    const declared = benchmark.metrics;
    if (declared !== undefined && typeof options.cost !== 'function') {
      const key = costMetric(options.cost, (m) => declared.includes(m));
      if (!declared.includes(key)) {
        throw new ConfigurationError('BAD_COST', `${benchmark.name} entries have no "${key}" to simulate the cost from (they have ${declared.join(', ')}); pass cost: one of those, or a function of the entry`);
      }
    }
    if (options.score !== undefined && options.score !== 'mean' && options.score !== 'run') {
      throw new ConfigurationError('BAD_SCORE', `score must be 'mean' or 'run', got ${JSON.stringify(options.score)}`);
    }
  }

  async estimate(arch: Architecture, ctx: EstimateContext): Promise<Estimate> {
    const entry = this.benchmark.lookup(arch);
    if (!entry) throw new AutonasError('NOT_IN_BENCHMARK', `${this.benchmark.name} has no entry for this architecture (space ${JSON.stringify(arch.space)})`);
    let score = entry.score;
    if (this.options.score === 'run' && entry.runs?.length) score = entry.runs[new Random(`${ctx.seed}`).int(0, entry.runs.length)]!;
    const seconds = this.simulatedSeconds(entry);
    const sleep = (this.options.sleepMsPerSecond ?? 0) * seconds;
    if (sleep > 0) {
      await new Promise<void>((resolve, reject) => {
        // An 'abort' event never fires for a signal aborted already.
        if (ctx.signal.aborted) return reject(ctx.signal.reason);
        const t = setTimeout(resolve, sleep);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), reject(ctx.signal.reason)), { once: true });
      });
    }
    ctx.report({ epoch: 0, score });
    return { score, metrics: { ...entry.metrics, score, simulatedSeconds: seconds }, cost: { seconds } };
  }

  private simulatedSeconds(entry: TabularEntry): number {
    const cost = this.options.cost;
    if (typeof cost === 'function') return cost(entry);
    const key = costMetric(cost, (m) => m in entry.metrics);
    const units = entry.metrics[key];
    if (units === undefined) throw new ConfigurationError('BAD_COST', `${this.benchmark.name} entries have no "${key}" to simulate the cost from (they have ${Object.keys(entry.metrics).join(', ')})`);
    return units * (this.options.secondsPerUnit ?? 1e-6);
  }
}

/**
 * A container module binding a {@link TabularEstimator} to the `PerformanceEstimator` extension point.
 * @example
 * ```ts
 * import { createContainer } from '@autonas/core';
 * import { loadNasBenchMacro, nasBenchMacroSpaceModule, tabularEstimatorModule } from '@autonas/benchmark-tabular';
 * const c = createContainer({ maxTrials: 100 }, nasBenchMacroSpaceModule(), tabularEstimatorModule(loadNasBenchMacro()));
 * ```
 */
export function tabularEstimatorModule(benchmark: TabularBenchmark, options: TabularEstimatorOptions = {}): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<PerformanceEstimator>(PerformanceEstimator).toConstantValue(new TabularEstimator(benchmark, options));
  });
}
