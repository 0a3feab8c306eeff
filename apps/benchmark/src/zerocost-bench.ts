// Zero-cost proxies against briefly trained accuracy, on chain-space networks on MNIST.
import { parseArgs } from 'node:util';
import { Random, spearman } from '@autonas/core';
import { LowFidelityEstimator } from '@autonas/estimator-lowfi';
import { ZERO_COST_PROXIES, computeProxies, minibatch, type ZeroCostProxy } from '@autonas/estimator-zerocost';
import { ChainSpace } from '@autonas/space-chain';
import { compileArchitecture, initRuntime } from '@autonas/tfjs';
import { intOption, machine, writeJson, type Io } from './cli-options.js';
import { chainSummary, loadMnistSplit } from './mnist-chain.js';

/** The `zerocost` lines of the benchmark's usage. */
export const ZEROCOST_USAGE = `  zerocost     zero-cost proxies (synflow, naswot, gradNorm, params) vs briefly trained accuracy, chain space on MNIST
    --archs N        sampled architectures (default 30)
    --train-size N   training images per network (default 2000)
    --validation-size N  held-out images scored (default 1000)
    --epochs N       training epochs per network (default 1)
    --batch-size N   samples of the one proxy minibatch (default 64)
    --max-params N   the chain space's parameter limit (default 2,000,000)
    --downsample     2×2-average-pool MNIST to 14×14 (faster)
    --seed N         seed of the sample and the split (default 0)
    --out FILE       JSON result (default out/bench/zerocost.json)
`;

/** Options of {@link runZeroCostBench}. */
export interface ZeroCostBenchOptions {
  readonly archs: number;
  readonly trainSize: number;
  readonly validationSize: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly maxParams: number;
  readonly downsample: boolean;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

/** One network: its summary, trained accuracy and training seconds, proxies and their seconds. */
export interface ZeroCostRow {
  readonly arch: string;
  readonly valAccuracy: number;
  readonly trainSeconds: number;
  readonly proxies: Record<ZeroCostProxy, number>;
  readonly proxySeconds: Record<ZeroCostProxy, number>;
}

/** What {@link runZeroCostBench} returns. */
export interface ZeroCostBenchResult {
  readonly options: Omit<ZeroCostBenchOptions, 'log'>;
  readonly machine: { node: string; date: string };
  readonly backend: string;
  readonly rows: readonly ZeroCostRow[];
  /** Spearman ρ of each proxy against trained validation accuracy, and mean seconds per proxy. */
  readonly summary: Record<ZeroCostProxy, { rho: number; meanSeconds: number }>;
  readonly meanTrainSeconds: number;
}

/** Samples `archs` chain-space networks, trains each briefly and computes every proxy at initialisation. */
export async function runZeroCostBench(o: ZeroCostBenchOptions): Promise<ZeroCostBenchResult> {
  const runtime = await initRuntime({ backend: 'wasm', log: () => {} });
  const { data, inputShape } = await loadMnistSplit({ trainSize: o.trainSize, validationSize: o.validationSize, downsample: o.downsample, seed: o.seed });
  const space = new ChainSpace({ inputShape, numClasses: 10, maxParams: o.maxParams });
  const trainer = new LowFidelityEstimator(data, { epochs: o.epochs, batchSize: 32 });
  const batch = minibatch(data.train, o.batchSize);
  const rng = new Random(o.seed);
  const rows: ZeroCostRow[] = [];
  try {
    for (let i = 0; i < o.archs; i++) {
      const arch = space.sample(rng);
      const seed = o.seed * 1000 + i + 1;
      const model = compileArchitecture(arch, { seed });
      let proxies, proxySeconds;
      try {
        ({ scores: proxies, seconds: proxySeconds } = computeProxies(model, batch));
      } finally {
        model.dispose();
      }
      const est = await trainer.estimate(arch, { trialId: i, seed, signal: new AbortController().signal, report: () => {} });
      est.artifact?.dispose();
      const row = { arch: chainSummary(arch), valAccuracy: est.metrics.valAccuracy!, trainSeconds: est.cost.seconds, proxies, proxySeconds };
      rows.push(row);
      o.log?.(`${i + 1}/${o.archs} ${row.arch}: ${(row.valAccuracy * 100).toFixed(1)}% in ${row.trainSeconds.toFixed(1)} s; ${ZERO_COST_PROXIES.map((p) => `${p} ${proxies[p].toPrecision(4)}`).join(', ')}`);
    }
  } finally {
    batch.x.dispose();
  }
  const acc = rows.map((r) => r.valAccuracy);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = Object.fromEntries(
    ZERO_COST_PROXIES.map((p) => [p, { rho: spearman(rows.map((r) => (Number.isFinite(r.proxies[p]) ? r.proxies[p] : -1e30)), acc), meanSeconds: mean(rows.map((r) => r.proxySeconds[p])) }]),
  ) as ZeroCostBenchResult['summary'];
  const { log: _log, ...options } = o;
  return { options, machine: machine(), backend: runtime.backend, rows, summary, meanTrainSeconds: mean(rows.map((r) => r.trainSeconds)) };
}

/** The result as a text table. */
export function formatZeroCostBench(r: ZeroCostBenchResult): string {
  const o = r.options;
  const lines = [
    `zero-cost proxies vs ${o.epochs}-epoch accuracy: ${r.rows.length} chain-space networks on MNIST${o.downsample ? ' 14×14' : ''} (${o.trainSize} train / ${o.validationSize} held out; proxies on one minibatch of ${o.batchSize}), ${r.backend}`,
    `proxy      Spearman ρ   s / network`,
    ...ZERO_COST_PROXIES.map((p) => `${p.padEnd(10)} ${r.summary[p].rho.toFixed(3).padStart(10)}   ${r.summary[p].meanSeconds.toFixed(4).padStart(11)}`),
    `training   ${'(1.000)'.padStart(10)}   ${r.meanTrainSeconds.toFixed(4).padStart(11)}`,
  ];
  return lines.join('\n');
}

/** `npm run bench -- zerocost [options]`; returns the exit code. */
export async function zeroCostCommand(rest: readonly string[], io: Io): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...rest],
      options: { archs: { type: 'string' }, 'train-size': { type: 'string' }, 'validation-size': { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, 'max-params': { type: 'string' }, downsample: { type: 'boolean' }, seed: { type: 'string' }, out: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${ZEROCOST_USAGE}`);
    return 2;
  }
  let o: ZeroCostBenchOptions;
  try {
    o = {
      archs: intOption(values.archs, 'archs', 30, 3),
      trainSize: intOption(values['train-size'], 'train-size', 2000),
      validationSize: intOption(values['validation-size'], 'validation-size', 1000),
      epochs: intOption(values.epochs, 'epochs', 1),
      batchSize: intOption(values['batch-size'], 'batch-size', 64, 2),
      maxParams: intOption(values['max-params'], 'max-params', 2_000_000),
      downsample: values.downsample === true,
      seed: intOption(values.seed, 'seed', 0, 0),
      log: (l) => io.err(l),
    };
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const result = await runZeroCostBench(o);
  io.out(formatZeroCostBench(result));
  writeJson(values.out ?? 'out/bench/zerocost.json', result, io);
  return 0;
}
