import { describe, expect, it } from 'vitest';
import { inferShapes } from '@autonas/core';
import { availablePeers, findTorch, formatThroughputBench, measurePeer, type ThroughputBenchResult } from './throughput-bench.js';
import { THROUGHPUT_NETS, throughputArchitecture, trainingFlopsPerImage } from './throughput-nets.js';

describe('the throughput networks', () => {
  it('have the parameter counts of their PyTorch twins in python/throughput.py', () => {
    // sum(p.numel() for p in net().parameters()) of the script's three networks
    const pytorch = { chain: 421_738, mnist_cnn: 1_199_882, resnet: 174_970 };
    for (const net of THROUGHPUT_NETS) {
      const info = inferShapes(throughputArchitecture(net));
      expect(info.totalParams, net).toBe(pytorch[net]);
      expect([...info.outputShape], net).toEqual([10]);
    }
  });

  it('count 6 FLOP per forward multiply-accumulate (the chain network: about 25 MFLOP per image)', () => {
    expect(trainingFlopsPerImage('chain')).toBe(6 * inferShapes(throughputArchitecture('chain')).macs);
    expect(trainingFlopsPerImage('chain') / 1e6).toBeCloseTo(25.4, 1);
  });
});

describe('the throughput benchmark', () => {
  it('measures a real training of autonas on wasm in a fresh process', { timeout: 120_000 }, async () => {
    const ips = await measurePeer({ name: 'wasm', kind: 'autonas', native: false, threads: 1 }, 'chain', { steps: 2, batchSize: 16 });
    expect(ips).toBeGreaterThan(1);
  });

  const torch = findTorch();
  it.runIf('python' in torch)('measures PyTorch through python/throughput.py when torch is installed', { timeout: 120_000 }, async () => {
    const python = 'python' in torch ? torch.python : undefined;
    for (const net of THROUGHPUT_NETS) {
      const ips = await measurePeer({ name: 'torch', kind: 'pytorch', threads: 1 }, net, { steps: 1, batchSize: 8, ...(python ? { python } : {}) });
      expect(ips, net).toBeGreaterThan(1);
    }
  });

  it('lists the paths present and says why the others are missing', () => {
    const { peers, skipped } = availablePeers();
    expect(peers.map((p) => p.name).slice(0, 2)).toEqual(['autonas wasm, 1 thread', 'autonas wasm, 2 processes']);
    const native = peers.filter((p) => p.native === true).map((p) => p.threads);
    const pytorch = peers.filter((p) => p.kind === 'pytorch').map((p) => p.threads);
    expect(native.length === 0 ? skipped.some((s) => s.startsWith('autonas native: ')) : native).toEqual(native.length === 0 ? true : [1, 2]);
    expect(pytorch.length === 0 ? skipped.some((s) => s.startsWith('PyTorch: ')) : pytorch).toEqual(pytorch.length === 0 ? true : [1, 2]);
  });

  it('prints ratios to PyTorch on 2 threads and the fraction of the peak', () => {
    const result: ThroughputBenchResult = {
      rows: [
        { net: 'chain', peer: 'autonas native, 2 threads', rounds: [900, 1100], imagesPerSecond: 1000, ratioToPytorch2: 1.25, fractionOfPeak: 0.0919 },
        { net: 'chain', peer: 'PyTorch, 2 threads', rounds: [800], imagesPerSecond: 800, ratioToPytorch2: 1, fractionOfPeak: 0.0735 },
      ],
      flopsPerImage: { chain: 25_446_912 },
      peakGflops: 277,
      batchSize: 64,
      steps: 20,
      rounds: 2,
      skipped: ['PyTorch: none'],
      date: '2026-12-02T18:00:00.000Z',
      node: 'v20.20.2',
    };
    const table = formatThroughputBench(result);
    expect(table).toContain('| chain (25.4 MFLOP/image) | autonas native, 2 threads | 1000 | 900, 1100 | 1.25× | 9.2% |');
    expect(table).toContain('skipped: PyTorch: none');
  });
});
