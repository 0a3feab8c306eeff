import { describe, expect, it } from 'vitest';
import { architectureHash, inferShapes } from '@autonas/core';
import { runBench } from './cli.js';
import { convCandidates } from './fidelity-measure.js';

const capture = () => {
  const err: string[] = [];
  return { err, io: { out: () => {}, err: (s: string) => err.push(s) } };
};

describe('the fidelity, oneshot-tiny and kernels commands', () => {
  it('are listed in the usage', async () => {
    const { err, io } = capture();
    expect(await runBench([], io)).toBe(2);
    for (const command of ['fidelity', 'oneshot-tiny', 'kernels']) expect(err.join('\n')).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('refuse unknown options and bad numbers before loading anything', async () => {
    for (const [argv, message] of [
      [['fidelity', '--archs', '1'], /--archs must be an integer >= 2, got "1"/],
      [['fidelity', '--steps', '5'], /Unknown option '--steps'/],
      [['oneshot-tiny', '--train-size', 'x'], /--train-size must be a positive integer/],
      [['kernels', '--steps', '0'], /--steps must be a positive integer/],
      [['kernels', '--archs', '2'], /Unknown option '--archs'/],
    ] as const) {
      const { err, io } = capture();
      expect(await runBench(argv, io)).toBe(2);
      expect(err.join('\n')).toMatch(message);
    }
  });

  it('fidelity measures a grid of 24 distinct convnets on 28×28×1 images', () => {
    const all = convCandidates();
    expect(all).toHaveLength(24);
    expect(new Set(all.map(architectureHash)).size).toBe(24);
    for (const arch of all) expect(() => inferShapes(arch)).not.toThrow();
  });
});
