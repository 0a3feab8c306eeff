import { describe, expect, it } from 'vitest';
import { ConfigurationError, DataError, Random } from '@autonas/core';
import { augmentBatch, augmentsAnything, checkAugment } from './augment.js';

/** Two 4×5 images of 2 channels whose values say where they come from: sample·1000 + (y·5 + x)·10 + channel + 1. */
function images(): Float32Array {
  const out = new Float32Array(2 * 4 * 5 * 2);
  for (let s = 0; s < 2; s++) for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) out[s * 40 + (y * 5 + x) * 2 + c] = s * 1000 + (y * 5 + x) * 10 + c + 1;
  return out;
}
const at = (b: Float32Array, s: number, y: number, x: number, c: number) => b[s * 40 + (y * 5 + x) * 2 + c]!;
const origin = (v: number) => ({ y: Math.floor(((v - 1) % 1000) / 10 / 5), x: Math.floor(((v - 1) % 1000) / 10) % 5 });

describe('augmentBatch', () => {
  it('shifts each image by one whole offset, filling with zeros, channels kept together', () => {
    const b = augmentBatch(images(), 2, [4, 5, 2], { shift: 2 }, new Random(1));
    for (let s = 0; s < 2; s++) {
      const offsets = new Set<string>();
      for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) {
        const v = at(b, s, y, x, 0);
        if (v === 0) continue;
        expect(Math.floor(v / 1000)).toBe(s); // never another sample's pixel
        expect(at(b, s, y, x, 1)).toBe(v + 1);
        const o = origin(v);
        offsets.add(`${y - o.y},${x - o.x}`);
      }
      expect(offsets.size).toBeLessThanOrEqual(1); // one translation per image
      const [dy, dx] = [...offsets][0]?.split(',').map(Number) ?? [0, 0];
      expect(Math.abs(dy!)).toBeLessThanOrEqual(2);
      expect(Math.abs(dx!)).toBeLessThanOrEqual(2);
      // exactly the pixels moved off the image are zeros
      const zeros = Array.from({ length: 20 }, (_, i) => at(b, s, Math.floor(i / 5), i % 5, 0)).filter((v) => v === 0).length;
      expect(zeros).toBe(20 - (4 - Math.abs(dy!)) * (5 - Math.abs(dx!)));
    }
  });

  it('flips left–right about half the time, and cuts out a square of zeros', () => {
    let flipped = 0;
    const rng = new Random(2);
    for (let t = 0; t < 200; t++) {
      const b = augmentBatch(images(), 2, [4, 5, 2], { flip: true }, rng);
      for (let s = 0; s < 2; s++) {
        const isFlipped = at(b, s, 0, 0, 0) === at(images(), s, 0, 4, 0);
        if (isFlipped) for (let y = 0; y < 4; y++) for (let x = 0; x < 5; x++) expect(at(b, s, y, x, 1)).toBe(at(images(), s, y, 4 - x, 1));
        else expect(Array.from(b.subarray(s * 40, s * 40 + 40))).toEqual(Array.from(images().subarray(s * 40, s * 40 + 40)));
        flipped += isFlipped ? 1 : 0;
      }
    }
    expect(flipped).toBeGreaterThan(160);
    expect(flipped).toBeLessThan(240);
    const c = augmentBatch(new Float32Array(1 * 8 * 8).fill(1), 1, [8, 8, 1], { cutout: 3 }, new Random(5));
    const zeros = c.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThanOrEqual(9);
  });

  it('is reproducible from the seed, does nothing when off, and refuses bad options', () => {
    const a = augmentBatch(images(), 2, [4, 5, 2], { shift: 1, flip: true, cutout: 2 }, new Random(9));
    const b = augmentBatch(images(), 2, [4, 5, 2], { shift: 1, flip: true, cutout: 2 }, new Random(9));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(augmentBatch(images(), 2, [4, 5, 2], {}, new Random(9)))).toEqual(Array.from(images()));
    expect(augmentsAnything({ shift: 0, flip: false })).toBe(false);
    expect(() => checkAugment({ shift: 4 }, [4, 5, 2])).toThrow(ConfigurationError);
    expect(() => checkAugment({ cutout: 1.5 }, [4, 5, 2])).toThrow(/augment.cutout must be a whole number of pixels from 0 to 3, got 1.5/);
    expect(() => checkAugment({ shift: 1 }, [20])).toThrow(DataError);
    expect(() => augmentBatch(new Float32Array(7), 2, [4, 5, 2], { shift: 1 }, new Random(1))).toThrow(/BAD_BATCH|has 80 values, got 7/);
  });
});
