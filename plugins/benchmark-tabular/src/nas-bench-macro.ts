import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataError, type Architecture } from '@autonas/core';
import { MACRO_STAGES, macroKey } from './nas-bench-macro-space.js';
import type { TabularBenchmark, TabularEntry } from './tabular-estimator.js';

/** The NAS-Bench-Macro file shipped with this package (Apache-2.0; see data/nas-bench-macro/README.md). */
export const NAS_BENCH_MACRO_FILE = fileURLToPath(new URL('../data/nas-bench-macro/nas-bench-macro_cifar10.json', import.meta.url));

/** Figures every copy of the benchmark must show; the loader checks them. */
export const NAS_BENCH_MACRO_FIGURES = {
  keys: 6561,
  classes: 3969,
  best: { key: '22212220', meanAcc: 93.1267 },
  worst: { key: '00000000', meanAcc: 45.3633 },
} as const;

/** One row of the benchmark file. */
export interface MacroRow {
  /** CIFAR-10 test accuracy of three training runs, %. */
  readonly test_acc: readonly number[];
  readonly mean_acc: number;
  readonly std: number;
  readonly params: number;
  /** Multiply–accumulates of one forward pass (the benchmark calls them FLOPs). */
  readonly flops: number;
}

/** Options of {@link loadNasBenchMacro}. */
export interface LoadNasBenchMacroOptions {
  /** Refuse files larger than this many bytes before reading them (default 16 MiB). */
  readonly maxBytes?: number;
}

/**
 * The class of equivalent encodings a key belongs to: identity digits after a stage's first layer
 * build no layer, so only the order of the other digits matters (`'22212220'` and `'22212202'`
 * are the same network). 3969 classes.
 *
 * @example
 * ```ts
 * import { macroClassKey } from '@autonas/benchmark-tabular';
 * console.log(macroClassKey('22212202') === macroClassKey('22212220')); // true
 * ```
 */
export function macroClassKey(key: string): string {
  let out = '';
  let i = 0;
  for (const n of MACRO_STAGES) {
    const stage = key.slice(i, i + n);
    out += stage[0]! + stage.slice(1).replace(/0/g, '').padEnd(n - 1, '0');
    i += n;
  }
  return out;
}

/**
 * NAS-Bench-Macro on CIFAR-10 as a {@link TabularBenchmark}: 6561 encodings of
 * {@link NasBenchMacroSpace}, each with three runs' test accuracy, their mean, parameters and FLOPs.
 * The score is `mean_acc` (%).
 */
export class NasBenchMacro implements TabularBenchmark {
  readonly name = 'nas-bench-macro';
  readonly metrics = ['meanAcc', 'std', 'params', 'flops'] as const;
  readonly size: number;
  readonly optimum: { readonly key: string; readonly score: number };

  constructor(private readonly rows: ReadonlyMap<string, MacroRow>) {
    this.size = rows.size;
    let best = '';
    for (const [k, r] of rows) if (!best || r.mean_acc > rows.get(best)!.mean_acc) best = k;
    this.optimum = { key: best, score: rows.get(best)!.mean_acc };
  }

  /** The row of a key such as `'22212220'`. */
  row(key: string): MacroRow | undefined {
    return this.rows.get(key);
  }

  /** Every key, in file order. */
  keys(): string[] {
    return [...this.rows.keys()];
  }

  lookup(arch: Architecture): TabularEntry | undefined {
    let key: string;
    try {
      key = macroKey(arch);
    } catch {
      return undefined;
    }
    const r = this.rows.get(key);
    if (!r) return undefined;
    return { score: r.mean_acc, runs: r.test_acc, metrics: { meanAcc: r.mean_acc, std: r.std, params: r.params, flops: r.flops } };
  }
}

const cache = new Map<string, NasBenchMacro>();

/**
 * Loads NAS-Bench-Macro (by default the copy shipped with this package) and checks it: every one
 * of the 6561 keys present with well-formed figures, equivalent encodings agreeing, and the
 * published best (93.1267 at `22212220`) and worst (45.36 at `00000000`). A file that fails a check
 * is refused with a {@link DataError} naming what is wrong. Loads are cached by path.
 *
 * @example
 * ```ts
 * import { loadNasBenchMacro } from '@autonas/benchmark-tabular';
 * const bench = loadNasBenchMacro();
 * console.log(bench.size, bench.optimum.score.toFixed(4)); // 6561 '93.1267'
 * ```
 */
export function loadNasBenchMacro(file: string = NAS_BENCH_MACRO_FILE, options: LoadNasBenchMacroOptions = {}): NasBenchMacro {
  const hit = cache.get(file);
  if (hit) return hit;
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    throw new DataError('BENCHMARK_MISSING', `NAS-Bench-Macro file ${file} cannot be read: ${(e as Error).message}`);
  }
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  if (size > maxBytes) throw new DataError('BENCHMARK_TOO_LARGE', `NAS-Bench-Macro file ${file} has ${size} bytes, more than the limit of ${maxBytes}`);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError('BAD_BENCHMARK', `NAS-Bench-Macro file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const bench = new NasBenchMacro(parseRows(data, file));
  checkFigures(bench, file);
  cache.set(file, bench);
  return bench;
}

function parseRows(data: unknown, file: string): Map<string, MacroRow> {
  const bad = (msg: string) => new DataError('BAD_BENCHMARK', `NAS-Bench-Macro file ${file}: ${msg}`);
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw bad('expected an object keyed by 8-digit architecture strings');
  const rows = new Map<string, MacroRow>();
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  for (const [key, v] of Object.entries(data as Record<string, unknown>)) {
    if (!/^[012]{8}$/.test(key)) throw bad(`key ${JSON.stringify(key)} is not 8 digits of 0, 1 or 2`);
    const r = v as Partial<MacroRow> | null;
    if (!r || typeof r !== 'object') throw bad(`entry ${key} is not an object`);
    if (!Array.isArray(r.test_acc) || r.test_acc.length === 0 || !r.test_acc.every((a) => finite(a) && a >= 0 && a <= 100)) throw bad(`entry ${key} has no list of accuracies in [0, 100] (test_acc)`);
    if (!finite(r.mean_acc) || r.mean_acc! < 0 || r.mean_acc! > 100) throw bad(`entry ${key} has mean_acc ${JSON.stringify(r.mean_acc)}, not a percentage`);
    const mean = r.test_acc.reduce((a, b) => a + b, 0) / r.test_acc.length;
    if (Math.abs(mean - r.mean_acc!) > 1e-3) throw bad(`entry ${key} has mean_acc ${r.mean_acc} but its runs average ${mean}`);
    for (const f of ['params', 'flops'] as const) if (!Number.isInteger(r[f]) || r[f]! <= 0) throw bad(`entry ${key} has ${f} ${JSON.stringify(r[f])}, not a positive integer`);
    if (!finite(r.std) || r.std! < 0) throw bad(`entry ${key} has std ${JSON.stringify(r.std)}`);
    rows.set(key, { test_acc: r.test_acc, mean_acc: r.mean_acc!, std: r.std!, params: r.params!, flops: r.flops! });
  }
  return rows;
}

function checkFigures(bench: NasBenchMacro, file: string): void {
  const bad = (msg: string) => new DataError('BAD_BENCHMARK', `NAS-Bench-Macro file ${file}: ${msg}`);
  const F = NAS_BENCH_MACRO_FIGURES;
  if (bench.size !== F.keys) throw bad(`has ${bench.size} keys; the benchmark has all ${F.keys} (3^8)`);
  const byClass = new Map<string, number>();
  for (const key of bench.keys()) {
    const c = macroClassKey(key);
    const acc = bench.row(key)!.mean_acc;
    const prior = byClass.get(c);
    if (prior !== undefined && prior !== acc) throw bad(`equivalent encodings ${key} and ${c} differ (${acc} vs ${prior})`);
    byClass.set(c, acc);
  }
  if (byClass.size !== F.classes) throw bad(`has ${byClass.size} distinct networks, expected ${F.classes}`);
  if (macroClassKey(bench.optimum.key) !== macroClassKey(F.best.key) || Math.abs(bench.optimum.score - F.best.meanAcc) > 5e-4) {
    throw bad(`best is ${bench.optimum.score} at ${bench.optimum.key}; the published best is ${F.best.meanAcc} at ${F.best.key}`);
  }
  const worst = bench.row(F.worst.key)!.mean_acc;
  if (Math.abs(worst - F.worst.meanAcc) > 5e-4) throw bad(`${F.worst.key} has ${worst}; the published worst is ${F.worst.meanAcc}`);
}
