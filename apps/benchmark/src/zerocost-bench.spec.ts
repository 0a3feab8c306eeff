import { describe, expect, it } from 'vitest';
import { initRuntime, tf } from '@autonas/tfjs';
import { formatZeroCostBench, runZeroCostBench, zeroCostCommand } from './zerocost-bench.js';

describe('zerocost benchmark', () => {
  it('trains a few chain-space networks, computes every proxy and ranks them, leaving no tensors behind', async () => {
    await initRuntime({ backend: 'wasm', log: () => {} });
    const before = tf.memory().numTensors;
    const r = await runZeroCostBench({ archs: 3, trainSize: 200, validationSize: 100, epochs: 1, batchSize: 16, maxParams: 200_000, downsample: true, seed: 1 });
    expect(r.rows).toHaveLength(3);
    for (const p of ['synflow', 'naswot', 'gradNorm', 'params'] as const) {
      expect(r.summary[p].rho).toBeGreaterThanOrEqual(-1);
      expect(r.summary[p].rho).toBeLessThanOrEqual(1);
      for (const row of r.rows) expect(Number.isFinite(row.proxies[p]), `${p} of ${row.arch}`).toBe(true);
    }
    expect(formatZeroCostBench(r)).toMatch(/gradNorm\s+-?\d\.\d{3}/);
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('refuses a bad option', async () => {
    const err: string[] = [];
    expect(await zeroCostCommand(['--archs', '1'], { out: () => {}, err: (s) => err.push(s) })).toBe(2);
    expect(err.join('\n')).toMatch(/--archs/);
  });
});
