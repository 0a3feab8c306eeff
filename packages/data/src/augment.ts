import { ConfigurationError, DataError, type Random } from '@autonas/core';

/**
 * Random image augmentations of training batches. Each is off unless given; images are
 * `[height, width, channels]` samples, channels last.
 */
export interface AugmentOptions {
  /** Largest random translation in pixels along each axis (the image moves, zeros fill in: a random crop of a zero-padded image). */
  readonly shift?: number;
  /** Mirror left–right with probability ½ (only where the data allows it: not for digits or text). */
  readonly flip?: boolean;
  /** Side in pixels of one zeroed square at a random place (cutout, DeVries & Taylor 2017). */
  readonly cutout?: number;
}

/** Whether any augmentation is on. */
export function augmentsAnything(o: AugmentOptions | undefined): boolean {
  return o !== undefined && ((o.shift ?? 0) > 0 || o.flip === true || (o.cutout ?? 0) > 0);
}

/**
 * Checks augmentation options against a sample shape.
 * @throws ConfigurationError `BAD_AUGMENT` naming the bad option; DataError `NOT_IMAGES` for samples that are not images.
 */
export function checkAugment(o: AugmentOptions, sampleShape: readonly number[]): void {
  if (!augmentsAnything(o)) return;
  if (sampleShape.length !== 3) throw new DataError('NOT_IMAGES', `augmentation needs image samples [height, width, channels], got [${sampleShape.join(', ')}]`);
  const [h, w] = sampleShape as [number, number, number];
  for (const key of ['shift', 'cutout'] as const) {
    const v = o[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v < Math.min(h, w))) {
      throw new ConfigurationError('BAD_AUGMENT', `augment.${key} must be a whole number of pixels from 0 to ${Math.min(h, w) - 1}, got ${v}`);
    }
  }
  if (o.flip !== undefined && typeof o.flip !== 'boolean') throw new ConfigurationError('BAD_AUGMENT', `augment.flip must be true or false, got ${JSON.stringify(o.flip)}`);
}

/**
 * Augments a batch of images in place: for each sample, a random shift, flip and cutout as asked,
 * drawn from `rng` (so a seeded training run sees the same augmented batches every time). The
 * training loop calls it on training batches only; validation and test data are never augmented.
 *
 * @param batch - `count` samples of `sampleShape`, one after the other (changed in place)
 * @param count - samples in the batch
 * @param sampleShape - `[height, width, channels]`
 * @param o - which augmentations
 * @param rng - the random source
 * @returns `batch`
 * @example
 * ```ts
 * import { Random } from '@autonas/core';
 * import { augmentBatch } from '@autonas/data';
 * const img = Float32Array.from({ length: 16 }, (_, i) => i + 1); // one 4×4×1 image
 * augmentBatch(img, 1, [4, 4, 1], { shift: 1, cutout: 2 }, new Random(3));
 * console.log(img.length); // 16: the same image, moved by up to a pixel, with a 2×2 hole
 * ```
 */
export function augmentBatch(batch: Float32Array, count: number, sampleShape: readonly number[], o: AugmentOptions, rng: Random): Float32Array {
  if (!augmentsAnything(o)) return batch;
  const [h, w, c] = sampleShape as [number, number, number];
  const per = h * w * c;
  if (batch.length !== count * per) throw new DataError('BAD_BATCH', `a batch of ${count} samples of [${sampleShape}] has ${count * per} values, got ${batch.length}`);
  const shift = o.shift ?? 0;
  const cut = o.cutout ?? 0;
  const src = new Float32Array(per);
  for (let s = 0; s < count; s++) {
    const img = batch.subarray(s * per, (s + 1) * per);
    const dy = shift ? rng.int(-shift, shift + 1) : 0;
    const dx = shift ? rng.int(-shift, shift + 1) : 0;
    const flip = o.flip === true && rng.next() < 0.5;
    if (dy !== 0 || dx !== 0 || flip) {
      src.set(img);
      for (let y = 0; y < h; y++) {
        const sy = y - dy;
        for (let x = 0; x < w; x++) {
          const sx0 = x - dx;
          const sx = flip ? w - 1 - sx0 : sx0;
          const to = (y * w + x) * c;
          if (sy < 0 || sy >= h || sx < 0 || sx >= w) for (let k = 0; k < c; k++) img[to + k] = 0;
          else {
            const from = (sy * w + sx) * c;
            for (let k = 0; k < c; k++) img[to + k] = src[from + k]!;
          }
        }
      }
    }
    if (cut > 0) {
      // The square's centre may lie anywhere, so it may be cut by the border (as in the paper).
      const cy = rng.int(0, h);
      const cx = rng.int(0, w);
      const y0 = Math.max(0, cy - (cut >> 1));
      const x0 = Math.max(0, cx - (cut >> 1));
      for (let y = y0; y < Math.min(h, y0 + cut); y++) img.fill(0, (y * w + x0) * c, (y * w + Math.min(w, x0 + cut)) * c);
    }
  }
  return batch;
}
