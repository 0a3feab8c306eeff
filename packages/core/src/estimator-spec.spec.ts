import { describe, expect, it } from 'vitest';
import { buildEstimator } from './estimator-spec.js';

const mod = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;

describe('buildEstimator', () => {
  it('imports the module and calls the named factory with the options', async () => {
    const spec = { module: mod('export async function make(o) { return { name: "made", async estimate() { return { score: o.s, metrics: {}, cost: { seconds: 0 } }; } }; }'), export: 'make', options: { s: 0.5 } };
    const est = await buildEstimator(spec);
    expect(est.name).toBe('made');
    expect((await est.estimate({ nodes: [] }, {} as never)).score).toBe(0.5);
  });

  it('says what is wrong with a bad spec', async () => {
    await expect(buildEstimator({ module: '/no/such/dir/estimators.js' })).rejects.toMatchObject({ code: 'BAD_ESTIMATOR_SPEC', message: expect.stringContaining('cannot import estimator module "/no/such/dir/estimators.js"') });
    await expect(buildEstimator({ module: mod('export const make = 1;'), export: 'make' })).rejects.toThrow(/no function export "make" \(exports: make\)/);
    await expect(buildEstimator({ module: mod('export default () => ({ name: "x" });') })).rejects.toThrow(/did not return a PerformanceEstimator/);
    await expect(buildEstimator({ module: '' })).rejects.toThrow(/needs a module/);
  });
});
