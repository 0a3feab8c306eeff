import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  EventBus,
  InMemoryTrialStore,
  LocalExecutionEngine,
  deduplicate,
  type SearchSpace,
  type SearchStrategy,
} from '@autonas/core';
import { NAS_BENCH_MACRO_FILE, NasBenchMacroSpace, TabularEstimator, loadNasBenchMacro, type TabularBenchmark, type TabularEstimatorOptions } from '@autonas/benchmark-tabular';

/** A strategy to benchmark: a factory by seed. */
export interface BenchStrategy {
  readonly name: string;
  create(seed: number): SearchStrategy;
  dispose?(strategy: SearchStrategy): void;
}

/** One search of one strategy with one seed. */
export interface StrategyRunResult {
  readonly seed: number;
  /** `curve[q]`: the best score after q + 1 queries (distinct networks evaluated). */
  readonly curve: readonly number[];
  /** Wall-clock seconds of the whole search, strategy overhead included. */
  readonly seconds: number;
}

/** Summary of a strategy over its seeds. */
export interface StrategySummary {
  readonly name: string;
  readonly runs: readonly StrategyRunResult[];
  /** Best score (mean, std over seeds) and regret to the optimum after each checkpoint's number of queries. */
  readonly at: Readonly<Record<number, { readonly mean: number; readonly std: number; readonly regret: number; readonly regretStd: number }>>;
  /** Queries until the best came within `within` of the optimum: mean over the seeds that got there, and how many did. */
  readonly toWithin: { readonly mean: number | null; readonly reached: number; readonly of: number };
  /** Mean wall-clock seconds per search. */
  readonly seconds: number;
  /** Searches that ended before the full number of queries (a strategy that ran out of new networks to propose). */
  readonly shortRuns: number;
}

/** What {@link runStrategyBenchmark} returns; also written as JSON. */
export interface StrategyBenchmarkResult {
  readonly benchmark: string;
  readonly optimum: number;
  readonly queries: number;
  readonly checkpoints: readonly number[];
  readonly within: number;
  readonly seeds: readonly number[];
  readonly strategies: readonly StrategySummary[];
  /** Why peers were left out, when they were. */
  readonly skipped: readonly string[];
  readonly machine: { readonly node: string; readonly cpus: number; readonly date: string };
}

/**
 * What a strategy benchmark runs on: a search space and a tabular benchmark holding a score for
 * its architectures (looked up by {@link TabularEstimator}, never trained). `optunaFile` names the
 * NAS-Bench-Macro JSON for the Optuna peer, which reads that format only.
 *
 * @example
 * ```ts
 * import { GridSpace } from '@autonas/testing';
 * import type { StrategyBenchmarkTable } from '@autonas/benchmark';
 * const space = new GridSpace({ a: [1, 2, 3], b: [1, 2, 3] });
 * // A table of your own: 9 architectures, the score a function of the decisions.
 * const table: StrategyBenchmarkTable = {
 *   space,
 *   benchmark: {
 *     name: 'my-grid', size: 9, optimum: { key: 'a=3,b=3', score: 6 },
 *     lookup: (arch) => {
 *       const d = arch.decisions as Record<string, number>;
 *       return { score: d['grid/a']! + d['grid/b']!, metrics: { params: 1 } };
 *     },
 *   },
 * };
 * ```
 */
export interface StrategyBenchmarkTable {
  readonly space: SearchSpace;
  readonly benchmark: TabularBenchmark;
  /** Options of the lookup estimator (the simulated cost). Default its defaults. */
  readonly estimator?: TabularEstimatorOptions;
  /** The NAS-Bench-Macro JSON file, for the Optuna peer (skipped on any other table). */
  readonly optunaFile?: string;
}

/** NAS-Bench-Macro as a {@link StrategyBenchmarkTable}: its space, its table, and the file Optuna reads. */
export function nasBenchMacroTable(): StrategyBenchmarkTable {
  return { space: new NasBenchMacroSpace(), benchmark: loadNasBenchMacro(), optunaFile: NAS_BENCH_MACRO_FILE };
}

/** Options of {@link runStrategyBenchmark}. */
export interface StrategyBenchmarkOptions {
  readonly strategies: readonly BenchStrategy[];
  /** The space and table to run on. Default {@link nasBenchMacroTable}. */
  readonly table?: StrategyBenchmarkTable;
  /** Seeds 1..n (default 20). */
  readonly seeds?: number;
  /** Largest number of queries (default 200). */
  readonly queries?: number;
  /** Query counts to report (default 25, 50, 100, 200; capped at `queries`). */
  readonly checkpoints?: readonly number[];
  /** Distance to the optimum that counts as found (default 0.1 points of accuracy). */
  readonly within?: number;
  /** Run Optuna's TPE and random samplers through Debian's python3-optuna: 'auto' (default) when present. */
  readonly optuna?: boolean | 'auto';
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** The Python that has Optuna, if any. */
export function findOptunaPython(): string | undefined {
  for (const py of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(py, ['-c', 'import optuna'], { stdio: 'ignore' });
    if (r.status === 0) return py;
  }
  return undefined;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: readonly number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/** Runs one strategy with one seed on NAS-Bench-Macro for `queries` distinct networks. */
export async function runOnMacro(strategy: SearchStrategy, seed: number, queries: number): Promise<StrategyRunResult> {
  return runOnTable(strategy, seed, queries, nasBenchMacroTable());
}

/** Runs one strategy with one seed on a table's space for `queries` distinct networks, scored by lookup. */
export async function runOnTable(strategy: SearchStrategy, seed: number, queries: number, table: StrategyBenchmarkTable): Promise<StrategyRunResult> {
  const { space } = table;
  const store = new InMemoryTrialStore();
  const engine = new LocalExecutionEngine({
    space,
    estimator: new TabularEstimator(table.benchmark, table.estimator),
    store,
    events: new EventBus(),
    maxTrials: queries,
    seed,
    middleware: [deduplicate(store)],
    // Equivalent encodings are one network: a strategy that keeps proposing known ones is exhausted.
    maxConsecutiveDuplicates: 1000,
  });
  const started = performance.now();
  try {
    await strategy.run(engine, space);
  } finally {
    engine.close();
  }
  const curve: number[] = [];
  for (const t of store.trials()) {
    const s = t.score ?? -Infinity;
    curve.push(curve.length ? Math.max(curve[curve.length - 1]!, s) : s);
  }
  return { seed, curve, seconds: (performance.now() - started) / 1000 };
}

function summarize(name: string, runs: StrategyRunResult[], optimum: number, checkpoints: readonly number[], within: number, queries: number): StrategySummary {
  const at: Record<number, { mean: number; std: number; regret: number; regretStd: number }> = {};
  for (const q of checkpoints) {
    const bests = runs.map((r) => r.curve[Math.min(q, r.curve.length) - 1] ?? NaN);
    const regrets = bests.map((b) => optimum - b);
    at[q] = { mean: mean(bests), std: std(bests), regret: mean(regrets), regretStd: std(regrets) };
  }
  const hits = runs.map((r) => r.curve.findIndex((b) => b >= optimum - within)).filter((i) => i >= 0).map((i) => i + 1);
  return { name, runs, at, toWithin: { mean: hits.length ? mean(hits) : null, reached: hits.length, of: runs.length }, seconds: mean(runs.map((r) => r.seconds)), shortRuns: runs.filter((r) => r.curve.length < queries).length };
}

/**
 * Runs every strategy on NAS-Bench-Macro for many seeds (and Optuna's samplers beside them when
 * Debian's python3-optuna is installed), and summarises the best accuracy found and the regret to
 * the optimum after 25/50/100/200 queries, and the queries needed to come within 0.1 of it.
 */
export async function runStrategyBenchmark(options: StrategyBenchmarkOptions): Promise<StrategyBenchmarkResult> {
  const table = options.table ?? nasBenchMacroTable();
  const bench = table.benchmark;
  const optimum = bench.optimum.score;
  const queries = options.queries ?? 200;
  const seeds = Array.from({ length: options.seeds ?? 20 }, (_, i) => i + 1);
  const checkpoints = (options.checkpoints ?? [25, 50, 100, 200]).filter((q) => q <= queries);
  const within = options.within ?? 0.1;
  const log = options.log ?? (() => {});
  const summaries: StrategySummary[] = [];
  const skipped: string[] = [];
  for (const s of options.strategies) {
    const runs: StrategyRunResult[] = [];
    for (const seed of seeds) {
      const strategy = s.create(seed);
      try {
        runs.push(await runOnTable(strategy, seed, queries, table));
      } finally {
        s.dispose?.(strategy);
      }
    }
    const summary = summarize(s.name, runs, optimum, checkpoints, within, queries);
    summaries.push(summary);
    log(`${s.name}: ${seeds.length} searches, ${summary.seconds.toFixed(2)} s each`);
  }
  if (options.optuna !== false && table.optunaFile === undefined) {
    const why = `Optuna: its script reads NAS-Bench-Macro's file only; skipped on ${bench.name}`;
    if (options.optuna === true) throw new Error(why);
    skipped.push(why);
    log(why);
  } else if (options.optuna !== false) {
    const py = findOptunaPython();
    if (!py) {
      const why = 'Optuna: no python3 with optuna (install Debian\'s python3-optuna to compare with TPE)';
      if (options.optuna === true) throw new Error(why);
      skipped.push(why);
      log(why);
    } else {
      const script = fileURLToPath(new URL('../python/optuna_macro.py', import.meta.url));
      // TPE converges and then keeps proposing networks it has seen (answered from a cache, not
      // counted as queries): a search stops after 5 × queries trials even if it has fewer queries.
      const request = { file: table.optunaFile, samplers: ['tpe', 'random'], seeds, queries, max_trials: 5 * queries };
      const r = spawnSync(py, [script], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`Optuna script failed (${r.status}): ${r.stderr.slice(-2000)}`);
      const out = JSON.parse(r.stdout) as { optuna: string; runs: Record<string, StrategyRunResult[]> };
      for (const [sampler, runs] of Object.entries(out.runs)) {
        const summary = summarize(`optuna-${sampler} (${out.optuna})`, runs, optimum, checkpoints, within, queries);
        summaries.push(summary);
        log(`${summary.name}: ${seeds.length} searches, ${summary.seconds.toFixed(2)} s each`);
      }
    }
  }
  return {
    benchmark: table.optunaFile === NAS_BENCH_MACRO_FILE ? `NAS-Bench-Macro (CIFAR-10), ${bench.size} encodings, optimum ${optimum.toFixed(4)}` : `${bench.name}, ${bench.size} rows, optimum ${optimum.toFixed(4)}`,
    optimum,
    queries,
    checkpoints,
    within,
    seeds,
    strategies: summaries,
    skipped,
    machine: { node: process.version, cpus: (await import('node:os')).cpus().length, date: new Date().toISOString() },
  };
}

/** The result as a plain-text table. */
export function formatStrategyTable(result: StrategyBenchmarkResult): string {
  const head = ['strategy', ...result.checkpoints.map((q) => `best@${q}`), ...result.checkpoints.map((q) => `regret@${q}`), `queries to ≤${result.within}`, 's/search'];
  const rows = result.strategies.map((s) => [
    s.name,
    ...result.checkpoints.map((q) => `${s.at[q]!.mean.toFixed(2)} ± ${s.at[q]!.std.toFixed(2)}`),
    ...result.checkpoints.map((q) => s.at[q]!.regret.toFixed(3)),
    s.toWithin.mean === null ? `– (0/${s.toWithin.of})` : `${s.toWithin.mean.toFixed(1)} (${s.toWithin.reached}/${s.toWithin.of})`,
    s.seconds.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `${result.benchmark}; ${result.seeds.length} seeds; mean ± std of the best mean accuracy (%) after N queries (distinct networks), regret to the optimum, and queries until within ${result.within} of it (seeds that got there within ${result.queries}).`,
    line(head),
    line(head.map((_, i) => '-'.repeat(widths[i]!))),
    ...rows.map(line),
    ...result.strategies.filter((s) => s.shortRuns > 0).map((s) => `note: ${s.name}: ${s.shortRuns} of ${s.runs.length} searches ended before ${result.queries} queries; their best is counted at the queries they made`),
    ...result.skipped.map((s) => `skipped: ${s}`),
  ].join('\n');
}
