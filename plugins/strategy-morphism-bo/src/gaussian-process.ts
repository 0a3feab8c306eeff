import { ConfigurationError, RuntimeError } from '@autonas/core';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

/** A kernel: the prior covariance of the objective at two points. Must be symmetric. */
export type Kernel<T> = (a: T, b: T) => number;

/** Options of {@link GaussianProcess}. */
export interface GaussianProcessOptions {
  /** Observation noise variance added to the kernel's diagonal (on the normalised scale). Default 1e-6. */
  readonly noise?: number;
  /**
   * Centre the observations on their mean and scale them by their standard deviation, so the prior
   * mean is the observed mean rather than zero. Default true.
   */
  readonly normalizeY?: boolean;
  /** The most diagonal jitter tried (relative to the mean prior variance) when the kernel matrix is not positive definite. Default 1e-2. */
  readonly maxJitter?: number;
}

/** A posterior prediction. */
export interface Prediction {
  readonly mean: number;
  /** Standard deviation of the latent function (observation noise not included). */
  readonly std: number;
}

/**
 * Gaussian-process regression over any kind of point, with any kernel. `fit` factorises the
 * kernel matrix with ml-matrix's `CholeskyDecomposition`; `update` adds one observation by
 * extending the Cholesky factor by one row (O(n²) instead of O(n³)). When the kernel matrix is
 * not numerically positive definite, diagonal jitter is added (growing tenfold from 1e-10 up to
 * `maxJitter`) and the jitter used is kept in {@link GaussianProcess.jitter}.
 *
 * @example
 * ```ts
 * import { GaussianProcess } from '@autonas/strategy-morphism-bo';
 * const gp = new GaussianProcess<number>((a, b) => Math.exp(-((a - b) ** 2)));
 * gp.fit([0, 1, 2], [0.1, 0.5, 0.2]);
 * gp.update(3, 0.4);
 * const { mean, std } = gp.predict(1.5);
 * console.log(mean.toFixed(3), std.toFixed(3));
 * ```
 */
export class GaussianProcess<T> {
  private xs: T[] = [];
  private ys: number[] = [];
  /** Rows of the lower-triangular Cholesky factor of K + (noise + jitter)·I. */
  private chol: Float64Array[] = [];
  private alpha: Float64Array = new Float64Array(0);
  private yMean = 0;
  private yScale = 1;
  private jitterUsed = 0;
  private readonly noise: number;
  private readonly normalizeY: boolean;
  private readonly maxJitter: number;

  /**
   * @param kernel covariance of two points; a precomputed distance can be wrapped, e.g. `(i, j) => Math.exp(-D[i][j] ** 2)`
   * @param options noise, normalisation, jitter limit
   */
  constructor(readonly kernel: Kernel<T>, options: GaussianProcessOptions = {}) {
    this.noise = options.noise ?? 1e-6;
    this.normalizeY = options.normalizeY ?? true;
    this.maxJitter = options.maxJitter ?? 1e-2;
    if (!(this.noise >= 0)) throw new ConfigurationError('BAD_NOISE', `GaussianProcess noise must be >= 0, got ${options.noise}`);
  }

  /** Number of observations. */
  get size(): number {
    return this.xs.length;
  }

  /** Diagonal jitter the factorisation needed (0 when the kernel matrix was positive definite as it was). */
  get jitter(): number {
    return this.jitterUsed;
  }

  /** The observations, in order. */
  observations(): Array<{ x: T; y: number }> {
    return this.xs.map((x, i) => ({ x, y: this.ys[i]! }));
  }

  /**
   * Replaces all observations and factorises the kernel matrix from scratch.
   * @throws ConfigurationError when lengths differ or a value is not finite
   */
  fit(xs: readonly T[], ys: readonly number[]): this {
    if (xs.length !== ys.length) throw new ConfigurationError('LENGTH_MISMATCH', `GaussianProcess.fit got ${xs.length} points and ${ys.length} values`);
    if (!ys.every(Number.isFinite)) throw new ConfigurationError('BAD_VALUE', 'GaussianProcess.fit needs finite values');
    this.xs = [...xs];
    this.ys = [...ys];
    this.factorise(0);
    return this;
  }

  /** Adds one observation, extending the Cholesky factor by one row. */
  update(x: T, y: number): this {
    if (!Number.isFinite(y)) throw new ConfigurationError('BAD_VALUE', `GaussianProcess.update needs a finite value, got ${y}`);
    const n = this.xs.length;
    const k = new Float64Array(n);
    for (let i = 0; i < n; i++) k[i] = this.kernel(this.xs[i]!, x);
    const l = forward(this.chol, k);
    let d2 = this.kernel(x, x) + this.noise + this.jitterUsed;
    for (let i = 0; i < n; i++) d2 -= l[i]! * l[i]!;
    this.xs.push(x);
    this.ys.push(y);
    if (!(d2 > 1e-12 * Math.max(this.kernel(x, x), 1e-300))) {
      // Not positive definite with the current jitter: refactorise with more.
      this.factorise(this.jitterUsed);
      return this;
    }
    const row = new Float64Array(n + 1);
    row.set(l);
    row[n] = Math.sqrt(d2);
    this.chol.push(row);
    this.solveAlpha();
    return this;
  }

  /** Posterior mean and standard deviation at `x` (the prior, with mean 0 and the kernel's variance, when there are no observations). */
  predict(x: T): Prediction {
    const n = this.xs.length;
    const prior = Math.max(this.kernel(x, x), 0);
    if (n === 0) return { mean: 0, std: Math.sqrt(prior) };
    const k = new Float64Array(n);
    let mean = 0;
    for (let i = 0; i < n; i++) {
      k[i] = this.kernel(this.xs[i]!, x);
      mean += k[i]! * this.alpha[i]!;
    }
    const v = forward(this.chol, k);
    let variance = prior;
    for (let i = 0; i < n; i++) variance -= v[i]! * v[i]!;
    return { mean: this.yMean + this.yScale * mean, std: this.yScale * Math.sqrt(Math.max(variance, 0)) };
  }

  private factorise(startJitter: number): void {
    const n = this.xs.length;
    if (n === 0) {
      this.chol = [];
      this.jitterUsed = startJitter;
      this.solveAlpha();
      return;
    }
    const K = new Matrix(n, n);
    let meanDiag = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = this.kernel(this.xs[i]!, this.xs[j]!);
        K.set(i, j, v);
        K.set(j, i, v);
      }
      meanDiag += K.get(i, i) / Math.max(n, 1);
    }
    const scale = meanDiag > 0 ? meanDiag : 1;
    let jitter = startJitter;
    for (;;) {
      const A = K.clone();
      for (let i = 0; i < n; i++) A.set(i, i, A.get(i, i) + this.noise + jitter);
      const dec = new CholeskyDecomposition(A);
      if (dec.isPositiveDefinite() && wellConditioned(dec.lowerTriangularMatrix, K)) {
        const L = dec.lowerTriangularMatrix;
        this.chol = Array.from({ length: n }, (_, i) => Float64Array.from({ length: i + 1 }, (_, j) => L.get(i, j)));
        this.jitterUsed = jitter;
        break;
      }
      jitter = jitter === 0 ? 1e-10 * scale : jitter * 10;
      if (jitter > this.maxJitter * scale) {
        throw new RuntimeError('NOT_POSITIVE_DEFINITE', `the kernel matrix of ${n} points is not positive definite even with jitter ${this.maxJitter} × its mean diagonal; check the kernel is symmetric and valid`);
      }
    }
    this.solveAlpha();
  }

  /** α = (K + σ²I)⁻¹ ỹ by two triangular solves with the factor. */
  private solveAlpha(): void {
    const n = this.ys.length;
    this.yMean = 0;
    this.yScale = 1;
    if (this.normalizeY && n > 0) {
      this.yMean = this.ys.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(this.ys.reduce((a, b) => a + (b - this.yMean) ** 2, 0) / n);
      this.yScale = sd > 1e-12 ? sd : 1;
    }
    const y = Float64Array.from(this.ys, (v) => (v - this.yMean) / this.yScale);
    this.alpha = backward(this.chol, forward(this.chol, y));
  }
}

/** Solves L z = b for lower-triangular L given by rows. */
function forward(L: readonly Float64Array[], b: Float64Array): Float64Array {
  const n = L.length;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = L[i]!;
    let s = b[i]!;
    for (let j = 0; j < i; j++) s -= row[j]! * z[j]!;
    z[i] = s / row[i]!;
  }
  return z;
}

/** Solves Lᵀ x = z. */
function backward(L: readonly Float64Array[], z: Float64Array): Float64Array {
  const n = L.length;
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let j = i + 1; j < n; j++) s -= L[j]![i]! * x[j]!;
    x[i] = s / L[i]![i]!;
  }
  return x;
}

/** Every pivot of the factor is positive and not negligible next to its prior variance (the test `update` applies too). */
function wellConditioned(L: Matrix, K: Matrix): boolean {
  for (let i = 0; i < L.rows; i++) if (!(L.get(i, i) ** 2 > 1e-12 * Math.max(K.get(i, i), 1e-300))) return false;
  return true;
}

/**
 * Upper confidence bound: `mean + beta * std` (β default 2.576, Auto-Keras's).
 * @example
 * ```ts
 * import { upperConfidenceBound } from '@autonas/strategy-morphism-bo';
 * console.log(upperConfidenceBound({ mean: 0.9, std: 0.01 })); // 0.92576
 * ```
 */
export function upperConfidenceBound(p: Prediction, beta = 2.576): number {
  return p.mean + beta * p.std;
}
