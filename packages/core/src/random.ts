/**
 * A small, fast, seeded pseudo-random source (sfc32 seeded through splitmix32) whose whole
 * state is four 32-bit integers, so a search can be reproduced from a seed and resumed from
 * a saved state.
 *
 * @example
 * ```ts
 * import { Random } from '@autonas/core';
 * const a = new Random(42);
 * const b = new Random(42);
 * a.int(0, 10) === b.int(0, 10); // true: same seed, same sequence
 * const saved = a.state();
 * const x = a.next();
 * const c = Random.fromState(saved);
 * c.next() === x; // true
 * ```
 */
export class Random {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** @param seed - any integer (or string, hashed); the same seed gives the same sequence */
  constructor(seed: number | string = 0) {
    let s = typeof seed === 'string' ? hashString32(seed) : seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = (next() | 1) >>> 0;
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Restores a generator from {@link Random.state}. */
  static fromState(state: readonly number[]): Random {
    const r = new Random(0);
    r.setState(state);
    return r;
  }

  /** The generator's full state: four unsigned 32-bit integers. */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Replaces the state with one from {@link Random.state}. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new RangeError(`Random state must be four unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    }
    [this.a, this.b, this.c, this.d] = state as [number, number, number, number];
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  uint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** An integer in [min, max) (max exclusive). */
  int(min: number, max: number): number {
    if (!(max > min)) throw new RangeError(`Random.int needs max > min, got [${min}, ${max})`);
    return min + Math.floor(this.next() * (max - min));
  }

  /** One element of a non-empty array, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Random.choice of an empty array');
    return items[this.int(0, items.length)]!;
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A standard normal sample (Box–Muller). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    return this.shuffleInPlace(items.slice());
  }

  /** Shuffles an array or typed array in place (Fisher–Yates) and returns it. */
  shuffleInPlace<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffleInPlace(p);
  }

  /** An independent generator derived from this one's next output and a label. */
  fork(label = ''): Random {
    return new Random((this.uint32() ^ hashString32(label)) >>> 0);
  }
}

/** 32-bit FNV-1a hash of a string. */
export function hashString32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
