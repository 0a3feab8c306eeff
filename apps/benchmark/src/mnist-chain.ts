// What the estimation benchmarks (one-shot, Hyperband) share: MNIST split and pooled to the
// input size, and the chain space on it.
import type { Architecture } from '@autonas/core';
import { downsample, loadMnist, splitDataset, type SearchData } from '@autonas/data';
import type { ChainSpaceOptions } from '@autonas/space-chain';

/** Chain-space choices of a benchmark: MNIST fixes the input shape and the classes. */
export type BenchChainChoices = Omit<ChainSpaceOptions, 'inputShape' | 'numClasses'>;

/**
 * The first `trainSize + validationSize` MNIST training images, split (stratified, seeded) into
 * training and validation parts, 2×2-average-pooled to 14×14 when `downsample` is set.
 * @param o - sizes, pooling and split seed
 * @returns the split and the sample shape
 */
export async function loadMnistSplit(o: { trainSize: number; validationSize: number; downsample: boolean; seed: number }): Promise<{ data: SearchData; inputShape: [number, number, number] }> {
  const total = o.trainSize + o.validationSize;
  const { train } = await loadMnist({ trainSize: total, testSize: 1 });
  const images = o.downsample ? downsample(train, 2) : train;
  const data = splitDataset(images, { fraction: o.validationSize / total, seed: o.seed });
  return { data, inputShape: images.sampleShape as [number, number, number] };
}

/**
 * A chain-space architecture in a few characters, from its decisions: per block
 * `convs×filters k kernel`, `bn`, pooling, dropout; then the reduction and the head. For example
 * `[2×32k3 bn max d.25] [1×64k5 avg] gap h128 d.5`.
 * @param arch - an architecture of `ChainSpace`
 */
export function chainSummary(arch: Architecture): string {
  const d = arch.decisions ?? {};
  const parts: string[] = [];
  for (let b = 1; b <= Number(d['chain/blocks']); b++) {
    const p = `chain/block_${b}`;
    const bits = [`${String(d[`${p}/convs`])}×${String(d[`${p}/filters`])}k${String(d[`${p}/kernel_size`])}`];
    if (d[`${p}/batch_norm`] === true) bits.push('bn');
    if (d[`${p}/pooling`] !== 'none') bits.push(String(d[`${p}/pooling`]));
    if (Number(d[`${p}/dropout`]) > 0) bits.push(`d${String(d[`${p}/dropout`]).replace(/^0/, '')}`);
    parts.push(`[${bits.join(' ')}]`);
  }
  parts.push(d['chain/reduction'] === 'global_avg' ? 'gap' : 'flat');
  if (Number(d['chain/head/units']) > 0) parts.push(`h${String(d['chain/head/units'])}`);
  if (Number(d['chain/head/dropout']) > 0) parts.push(`d${String(d['chain/head/dropout']).replace(/^0/, '')}`);
  return parts.join(' ');
}

/** Choices that differ from `ChainSpace`'s defaults, as text ("default choices" when none). */
export function describeChoices(choices: BenchChainChoices): string {
  const set = Object.entries(choices).filter(([, v]) => v !== undefined);
  return set.length ? set.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ') : "ChainSpace's default choices";
}
