import { describe, expect, it } from 'vitest';
import { Random, RuntimeError, type Architecture } from '@autonas/core';
import { EigenvalueDecomposition, Matrix, solve } from 'ml-matrix';
import { architectureDistance, architectureKernel, describeArchitecture, layersDistance, skipsDistance } from './distance.js';
import { GaussianProcess, upperConfidenceBound } from './gaussian-process.js';
import { hungarian } from './hungarian.js';
import { applyMorphisms } from './morphisms.js';
import { randomMorphisms } from './tree-search.js';
import { convNet, denseNet } from './nets.test-util.js';

const rbf = (a: number[], b: number[]) => Math.exp(-a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / 2);

describe('hungarian', () => {
  const brute = (c: number[][]) => {
    const n = c.length, m = c[0]!.length;
    let best = Infinity;
    const rec = (i: number, used: Set<number>, acc: number) => {
      if (i === Math.min(n, m)) return void (best = Math.min(best, acc));
      // rows <= cols: assign row i; else assign column i
      for (let j = 0; j < Math.max(n, m); j++) {
        if (used.has(j)) continue;
        used.add(j);
        rec(i + 1, used, acc + (n <= m ? c[i]![j]! : c[j]![i]!));
        used.delete(j);
      }
    };
    rec(0, new Set(), 0);
    return best;
  };
  it('finds the optimal assignment (brute force on random square and rectangular matrices)', () => {
    const rng = new Random(3);
    for (let k = 0; k < 60; k++) {
      const n = rng.int(1, 6), m = rng.int(1, 6);
      const c = Array.from({ length: n }, () => Array.from({ length: m }, () => Math.round(rng.next() * 20) / 4));
      const r = hungarian(c);
      expect(r.pairs).toHaveLength(Math.min(n, m));
      expect(new Set(r.pairs.map((p) => p[0])).size).toBe(r.pairs.length);
      expect(new Set(r.pairs.map((p) => p[1])).size).toBe(r.pairs.length);
      expect(r.cost).toBeCloseTo(brute(c), 9);
      expect(r.pairs.reduce((s, [i, j]) => s + c[i]![j]!, 0)).toBeCloseTo(r.cost, 9);
    }
  });
});

describe('architecture distance', () => {
  it('compares layers by type and width, and matches skip connections', () => {
    expect(layersDistance([{ type: 'conv2d', width: 32 }], [{ type: 'conv2d', width: 64 }])).toBe(0.5);
    expect(layersDistance([{ type: 'conv2d', width: 32 }], [{ type: 'dense', width: 32 }])).toBe(1);
    expect(layersDistance([{ type: 'conv2d', width: 8 }, { type: 'dense', width: 4 }], [{ type: 'dense', width: 4 }])).toBe(1);
    // Two skips against one: the best match (identical) costs 0, plus 1 unmatched.
    expect(skipsDistance([{ from: 1, to: 3, type: 'add' }, { from: 0, to: 2, type: 'concat' }], [{ from: 0, to: 2, type: 'concat' }])).toBe(1);
    const net = convNet({ batchNorm: true });
    const wide = applyMorphisms(net, [{ kind: 'widen', node: 'b1_conv', width: 8, seed: 1 }]).arch;
    const skip = applyMorphisms(net, [{ kind: 'addSkip', from: 'b1_pool', to: 'b2_relu' }]).arch;
    const [d0, dw, ds] = [net, wide, skip].map(describeArchitecture);
    expect(architectureDistance(d0!, d0!)).toBe(0);
    expect(architectureDistance(d0!, dw!)).toBeCloseTo(0.5, 12); // 4 → 8 filters
    // The add-skip (its 1x1 projection included) is one skip connection, from after b1_conv to after b2_conv; unmatched, it costs λ.
    expect(ds!.layers).toEqual(d0!.layers);
    expect(ds!.skips).toEqual([{ from: 1, to: 2, type: 'add' }]);
    expect(architectureDistance(d0!, ds!)).toBe(1);
    expect(architectureDistance(d0!, ds!, 3)).toBe(3);
    expect(architectureDistance(dw!, ds!)).toBe(architectureDistance(ds!, dw!));
  });
});

/** Networks a search really visits: chains of random morphisms from conv and dense starting points. */
function realArchitectures(count: number): Architecture[] {
  const rng = new Random(17);
  const out: Architecture[] = [convNet({ batchNorm: true }), convNet({ batchNorm: false, reduction: 'global_avg', filters: [8, 12] }), denseNet({ batchNorm: false })];
  // Networks at distance 0 (equal layers, skips equal up to order) have equal kernel rows, a singular
  // matrix by construction (the GP's noise covers them); keep one of each.
  const ds = out.map(describeArchitecture);
  while (out.length < count) {
    const nb = randomMorphisms(rng.choice(out), rng, { count: 1, maxParams: 50_000 })[0];
    const d = nb && describeArchitecture(nb.arch);
    if (nb && ds.every((e) => architectureDistance(e, d!) > 0)) {
      ds.push(d!);
      out.push(nb.arch);
    }
  }
  return out;
}

describe('GaussianProcess', () => {
  it('interpolates its observations when the noise is tiny', () => {
    const rng = new Random(1);
    const xs = Array.from({ length: 12 }, () => [rng.normal(0, 2), rng.normal(0, 2)]);
    const ys = xs.map(([a, b]) => Math.sin(a!) + 0.3 * b!);
    const gp = new GaussianProcess(rbf, { noise: 1e-10 }).fit(xs, ys);
    for (let i = 0; i < xs.length; i++) {
      const p = gp.predict(xs[i]!);
      expect(Math.abs(p.mean - ys[i]!)).toBeLessThan(1e-5);
      expect(p.std).toBeLessThan(1e-3);
    }
    // Away from the data the uncertainty returns.
    expect(gp.predict([40, 40]).std).toBeGreaterThan(0.5 * Math.sqrt(ys.reduce((s, y) => s + (y - ys.reduce((a, b) => a + b) / ys.length) ** 2, 0) / ys.length));
    expect(gp.jitter).toBe(0);
  });

  it('incremental updates predict what a direct solve predicts', () => {
    const rng = new Random(2);
    const xs = Array.from({ length: 15 }, () => [rng.normal(0, 1.5), rng.normal(0, 1.5)]);
    const ys = xs.map(([a, b]) => Math.cos(a!) * b!);
    const noise = 1e-3;
    const gp = new GaussianProcess(rbf, { noise, normalizeY: false }).fit(xs.slice(0, 3), ys.slice(0, 3));
    for (let i = 3; i < xs.length; i++) gp.update(xs[i]!, ys[i]!);
    // Direct: mean = k*ᵀ (K + σ²I)⁻¹ y, var = k(x,x) − k*ᵀ (K + σ²I)⁻¹ k*.
    const K = new Matrix(xs.map((a) => xs.map((b) => rbf(a, b) + (a === b ? noise : 0))));
    const alpha = solve(K, Matrix.columnVector(ys));
    const normalized = new GaussianProcess(rbf, { noise }).fit(xs.slice(0, 5), ys.slice(0, 5));
    for (let i = 5; i < xs.length; i++) normalized.update(xs[i]!, ys[i]!);
    const refit = new GaussianProcess(rbf, { noise }).fit(xs, ys);
    for (let t = 0; t < 10; t++) {
      const x = [rng.normal(0, 1.5), rng.normal(0, 1.5)];
      const k = Matrix.columnVector(xs.map((a) => rbf(a, x)));
      const mean = k.transpose().mmul(alpha).get(0, 0);
      const variance = rbf(x, x) - k.transpose().mmul(solve(K, k)).get(0, 0);
      const p = gp.predict(x);
      expect(p.mean).toBeCloseTo(mean, 8);
      expect(p.std).toBeCloseTo(Math.sqrt(Math.max(variance, 0)), 6);
      const [a, b] = [normalized.predict(x), refit.predict(x)];
      expect(a.mean).toBeCloseTo(b.mean, 9);
      expect(a.std).toBeCloseTo(b.std, 9);
    }
  });

  it('starts from the prior, and rejects bad input', () => {
    const gp = new GaussianProcess(rbf).fit([], []);
    expect(gp.predict([0, 0])).toEqual({ mean: 0, std: 1 });
    gp.update([0, 0], 2);
    expect(gp.predict([0, 0]).mean).toBeCloseTo(2, 6);
    expect(() => gp.fit([[0, 0]], [1, 2])).toThrow(/1 points and 2 values/);
    expect(() => gp.update([1, 1], Number.NaN)).toThrow(/finite/);
  });

  it('accepts a precomputed distance as its kernel', () => {
    const D = [[0, 1, 2], [1, 0, 1], [2, 1, 0]];
    const gp = new GaussianProcess<number>((i, j) => Math.exp(-(D[i]![j]! ** 2)), { noise: 1e-10 }).fit([0, 2], [1, 3]);
    expect(gp.predict(0).mean).toBeCloseTo(1, 6);
    expect(gp.predict(1).mean).toBeCloseTo(2, 6); // halfway by symmetry
  });

  it('adds jitter when the kernel matrix is singular, and fails clearly when it is not a kernel', () => {
    const gp = new GaussianProcess<number>(() => 1, { noise: 0 }).fit([0, 1, 2], [1, 1, 1]);
    expect(gp.jitter).toBeGreaterThan(0);
    expect(gp.predict(3).mean).toBeCloseTo(1, 6);
    // The same through incremental updates: a repeated point with no noise cannot extend the factor.
    const inc = new GaussianProcess<number>((a, b) => Math.exp(-((a - b) ** 2)), { noise: 0 }).fit([0, 1], [0, 1]);
    expect(inc.jitter).toBe(0);
    inc.update(1, 1);
    expect(inc.jitter).toBeGreaterThan(0);
    expect(inc.size).toBe(3);
    expect(inc.predict(1).mean).toBeCloseTo(1, 4);
    const notAKernel = (a: number, b: number) => (a === b ? 1 : 2);
    expect(() => new GaussianProcess<number>(notAKernel).fit([0, 1, 2], [0, 1, 2])).toThrow(RuntimeError);
  });

  it('the architecture kernel matrix is positive definite on a set of real architectures', () => {
    const archs = realArchitectures(40);
    const ds = archs.map(describeArchitecture);
    const k = architectureKernel();
    const smallest = (f: (a: (typeof ds)[number], b: (typeof ds)[number]) => number) =>
      Math.min(...new EigenvalueDecomposition(new Matrix(ds.map((a) => ds.map((b) => f(a, b)))), { assumeSymmetric: true }).realEigenvalues);
    const minEig = smallest(k);
    expect(minEig).toBeGreaterThan(1e-3);
    const gaussian = smallest((a, b) => Math.exp(-(architectureDistance(a, b) ** 2) / 4));
    console.log(`smallest eigenvalue of exp(-d²/4) on the same set: ${gaussian.toExponential(3)}`);
    const gp = new GaussianProcess(k, { noise: 0 }).fit(ds, ds.map((d) => d.layers.length));
    expect(gp.jitter).toBe(0);
    console.log(`Laplacian kernel matrix of ${archs.length} architectures: smallest eigenvalue ${minEig.toExponential(3)}, distinct distances ${new Set(ds.flatMap((a) => ds.map((b) => architectureDistance(a, b).toFixed(6)))).size}`);
    expect(upperConfidenceBound({ mean: 0.5, std: 0.1 })).toBeCloseTo(0.7576, 12);
  });
});
