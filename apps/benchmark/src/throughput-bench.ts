import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '@autonas/tfjs';
import { THROUGHPUT_NETS, trainingFlopsPerImage, type ThroughputNet } from './throughput-nets.js';

/** A way of training that the benchmark measures. */
export interface ThroughputPeer {
  /** The row's name, e.g. `autonas native, 2 threads`. */
  readonly name: string;
  readonly kind: 'autonas' | 'pytorch';
  /** autonas: run the native kernels; otherwise tfjs-backend-wasm's kernels (one thread). */
  readonly native?: boolean;
  /** Threads: of the native kernels, or of PyTorch. */
  readonly threads: number;
  /** Trainings at once in separate processes (their images/s summed). Default 1. */
  readonly processes?: number;
}

/** Options of {@link runThroughputBench}. */
export interface ThroughputBenchOptions {
  readonly nets?: readonly ThroughputNet[];
  /** Default: every path available here (see {@link availablePeers}). */
  readonly peers?: readonly ThroughputPeer[];
  /** Rounds: every peer runs once per round, the order reversed every other round. Default 2. */
  readonly rounds?: number;
  /** Timed training steps per measurement (after 2 warm-up steps). Default 20. */
  readonly steps?: number;
  readonly batchSize?: number;
  /** The machine's peak, for the fraction column. Default 277 GFLOP/s (2 cores, AVX-512 FMA). */
  readonly peakGflops?: number;
  readonly log?: (line: string) => void;
}

/** One cell: a network trained by a peer. */
export interface ThroughputRow {
  readonly net: ThroughputNet;
  readonly peer: string;
  /** Images/s of each round. */
  readonly rounds: readonly number[];
  /** Mean over the rounds. */
  readonly imagesPerSecond: number;
  /** Against PyTorch on 2 threads in the same run (undefined without it). */
  readonly ratioToPytorch2?: number;
  /** Training FLOP/s (6 × forward MACs per image) as a fraction of the peak. */
  readonly fractionOfPeak: number;
}

/** The result of {@link runThroughputBench}. */
export interface ThroughputBenchResult {
  readonly rows: readonly ThroughputRow[];
  readonly flopsPerImage: Record<string, number>;
  readonly peakGflops: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly rounds: number;
  /** Why a path was left out (no native build, no torch). */
  readonly skipped: readonly string[];
  readonly date: string;
  readonly node: string;
  readonly torch?: string;
}

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');
const workerEntry = path.join(path.dirname(here), fromSource ? 'throughput-worker.ts' : 'throughput-worker.js');
const workerArgv = fromSource ? ['--import', path.resolve(path.dirname(here), '../../../tools/run-ts/register.mjs')] : [];
const pythonScript = fileURLToPath(new URL('../python/throughput.py', import.meta.url));

/** A python3 with torch, and its version, or why not. */
export function findTorch(): { python: string; version: string } | { reason: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return { reason: "PyTorch: no python3 with torch (install Debian's python3-torch to compare)" };
}

/**
 * The peers available on this machine: autonas on wasm (one thread; and two such trainings at
 * once), on the native kernels with 1 and 2 threads when the addon is built, and PyTorch on 1
 * and 2 threads when `python3-torch` is installed; plus why any is missing.
 */
export function availablePeers(): { peers: ThroughputPeer[]; skipped: string[]; torch?: { python: string; version: string } } {
  const peers: ThroughputPeer[] = [
    { name: 'autonas wasm, 1 thread', kind: 'autonas', native: false, threads: 1 },
    { name: 'autonas wasm, 2 processes', kind: 'autonas', native: false, threads: 1, processes: 2 },
  ];
  const skipped: string[] = [];
  const native = loadNativeAddon();
  if (native.addon !== undefined) {
    peers.push({ name: 'autonas native, 1 thread', kind: 'autonas', native: true, threads: 1 });
    peers.push({ name: 'autonas native, 2 threads', kind: 'autonas', native: true, threads: 2 });
  } else {
    skipped.push(`autonas native: ${native.reason}`);
  }
  const torch = findTorch();
  if ('python' in torch) {
    peers.push({ name: 'PyTorch, 1 thread', kind: 'pytorch', threads: 1 });
    peers.push({ name: 'PyTorch, 2 threads', kind: 'pytorch', threads: 2 });
    return { peers, skipped, torch };
  }
  skipped.push(torch.reason);
  return { peers, skipped };
}

function runOnce(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 20, env: { ...process.env, AUTONAS_BACKEND: 'wasm' } }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${path.basename(args[args.length - 2] ?? cmd)} failed: ${error.message}\n${stderr}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        const v = (JSON.parse(line) as { imagesPerSecond: number }).imagesPerSecond;
        resolve(v);
      } catch {
        reject(new Error(`unexpected output: ${stdout}\n${stderr}`));
      }
    });
  });
}

/** Images/s of `net` trained by `peer` (the sum over its processes). */
export async function measurePeer(
  peer: ThroughputPeer,
  net: ThroughputNet,
  o: { steps: number; batchSize: number; python?: string },
): Promise<number> {
  const launch = (): Promise<number> => {
    if (peer.kind === 'pytorch') {
      if (o.python === undefined) throw new Error('no python3 with torch');
      return runOnce(o.python, [pythonScript, JSON.stringify({ net, threads: peer.threads, steps: o.steps, batch_size: o.batchSize })]);
    }
    const job = { net, native: peer.native === true, threads: peer.threads, steps: o.steps, batchSize: o.batchSize };
    return runOnce(process.execPath, [...workerArgv, workerEntry, JSON.stringify(job)]);
  };
  const all = await Promise.all(Array.from({ length: peer.processes ?? 1 }, launch));
  return all.reduce((a, b) => a + b, 0);
}

/**
 * Training images/s of each network for each peer, every measurement a fresh process, peers
 * alternating within a round (the order reversed every other round) so that a change in the
 * machine's load falls on all of them; with the ratio to PyTorch on 2 threads and the fraction of
 * the machine's peak.
 */
export async function runThroughputBench(options: ThroughputBenchOptions = {}): Promise<ThroughputBenchResult> {
  const available = availablePeers();
  const peers = options.peers ?? available.peers;
  const nets = options.nets ?? THROUGHPUT_NETS;
  const rounds = options.rounds ?? 2;
  const steps = options.steps ?? 20;
  const batchSize = options.batchSize ?? 64;
  const peakGflops = options.peakGflops ?? 277;
  const log = options.log ?? (() => undefined);
  const python = available.torch?.python;
  const measured = new Map<string, number[]>();
  for (const net of nets) {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? peers : [...peers].reverse();
      for (const peer of order) {
        const ips = await measurePeer(peer, net, { steps, batchSize, ...(python !== undefined ? { python } : {}) });
        const key = `${net}\u0000${peer.name}`;
        measured.set(key, [...(measured.get(key) ?? []), ips]);
        log(`${net} round ${r + 1}: ${peer.name} ${ips.toFixed(0)} images/s`);
      }
    }
  }
  const flopsPerImage: Record<string, number> = {};
  for (const net of nets) flopsPerImage[net] = trainingFlopsPerImage(net);
  const rows: ThroughputRow[] = [];
  for (const net of nets) {
    const mean = (name: string): number | undefined => {
      const v = measured.get(`${net}\u0000${name}`);
      return v === undefined ? undefined : v.reduce((a, b) => a + b, 0) / v.length;
    };
    const torch2 = mean('PyTorch, 2 threads');
    for (const peer of peers) {
      const ips = mean(peer.name)!;
      rows.push({
        net,
        peer: peer.name,
        rounds: measured.get(`${net}\u0000${peer.name}`)!,
        imagesPerSecond: ips,
        ...(torch2 !== undefined ? { ratioToPytorch2: ips / torch2 } : {}),
        fractionOfPeak: (ips * flopsPerImage[net]!) / (peakGflops * 1e9),
      });
    }
  }
  return {
    rows,
    flopsPerImage,
    peakGflops,
    batchSize,
    steps,
    rounds,
    skipped: options.peers === undefined ? available.skipped : [],
    date: new Date().toISOString(),
    node: process.version,
    ...(available.torch !== undefined ? { torch: available.torch.version } : {}),
  };
}

/** The result as a Markdown table, one row per network and peer. */
export function formatThroughputBench(result: ThroughputBenchResult): string {
  const lines = [
    `training throughput, batch ${result.batchSize}, Adam, ${result.steps} steps per measurement, ${result.rounds} round(s) alternating (${result.date.slice(0, 10)})`,
    '',
    '| network | path | images/s (mean) | rounds | × PyTorch 2 threads | % of peak |',
    '|---|---|---:|---|---:|---:|',
  ];
  for (const r of result.rows) {
    const ratio = r.ratioToPytorch2 === undefined ? '–' : `${r.ratioToPytorch2.toFixed(2)}×`;
    const mflop = (result.flopsPerImage[r.net]! / 1e6).toFixed(1);
    lines.push(
      `| ${r.net} (${mflop} MFLOP/image) | ${r.peer} | ${r.imagesPerSecond.toFixed(0)} | ${r.rounds.map((v) => v.toFixed(0)).join(', ')} | ${ratio} | ${(100 * r.fractionOfPeak).toFixed(1)}% |`,
    );
  }
  lines.push('', `peak: ${result.peakGflops} GFLOP/s; FLOP per image = 6 × forward multiply-accumulates.`);
  for (const s of result.skipped) lines.push(`skipped: ${s}`);
  return lines.join('\n');
}
