import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Random', () => {
  it('repeats a sequence for a seed and differs across seeds', () => {
    const seq = (seed: number) => { const r = new Random(seed); return Array.from({ length: 20 }, () => r.uint32()); };
    expect(seq(7)).toEqual(seq(7));
    expect(seq(7)).not.toEqual(seq(8));
  });
  it('resumes from a saved state', () => {
    const r = new Random('abc');
    r.next();
    const s = r.state();
    const expected = [r.next(), r.int(0, 100), r.normal()];
    const r2 = Random.fromState(s);
    expect([r2.next(), r2.int(0, 100), r2.normal()]).toEqual(expected);
    expect(() => r2.setState([1, 2, 3])).toThrow(RangeError);
  });
  it('is roughly uniform and stays in range', () => {
    const r = new Random(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[r.int(0, 10)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    const sh = r.shuffle([1, 2, 3, 4, 5]);
    expect([...sh].sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('Random state', () => {
  it('stays unsigned through many draws', () => {
    const r = new Random(99);
    for (let i = 0; i < 1000; i++) {
      r.uint32();
      expect(Random.fromState(r.state()).state()).toEqual(r.state());
    }
  });
});
