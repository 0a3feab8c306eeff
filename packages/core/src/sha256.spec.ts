import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Random } from './random.js';
import { sha256Hex } from './sha256.js';

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 vector and Node\'s SHA-256 on empty, long and non-ASCII strings', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const rng = new Random(1);
    const texts = ['', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'conv2d(32,3) > maxpool2d(2) ✓ 数字', ...Array.from({ length: 20 }, () => String.fromCharCode(...Array.from({ length: rng.int(0, 300) }, () => rng.int(32, 0x2fff))))];
    for (const t of texts) expect(sha256Hex(t), JSON.stringify(t.slice(0, 20))).toBe(createHash('sha256').update(t, 'utf8').digest('hex'));
  });
});
