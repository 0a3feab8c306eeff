import { afterAll, describe, expect, it } from 'vitest';
import { Random, StateError } from '@autonas/core';
import { initRuntime, tf } from '@autonas/tfjs';
import { LstmController, checkControllerState, type ControllerConfig } from './controller.js';

const config: ControllerConfig = {
  choices: [3, 4, 2],
  hiddenSize: 16,
  initRange: 0.1,
  temperature: 1,
  tanhConstant: undefined,
  learningRate: 0.02,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
};

/** Probability of each action of `actions` at its step. */
const chosenProbs = (c: LstmController, actions: number[]) => c.probabilities(actions).map((p, t) => p[actions[t]!]!);

describe('LstmController', () => {
  afterAll(async () => {
    await initRuntime({ backend: 'cpu', log: () => {} });
  });

  it('REINFORCE moves probability toward a rewarded sequence and away from a penalised one', async () => {
    await initRuntime({ backend: 'cpu', log: () => {} });
    const actions = [2, 1, 0];
    for (const sign of [1, -1]) {
      const c = new LstmController(config, new Random(1));
      const before = chosenProbs(c, actions);
      // Near uniform at the start: weights in ±0.1, zero head biases.
      before.forEach((p, t) => expect(p).toBeCloseTo(1 / config.choices[t]!, 1));
      for (let i = 0; i < 10; i++) c.update([actions], [sign], 0);
      const after = chosenProbs(c, actions);
      for (let t = 0; t < actions.length; t++) {
        if (sign > 0) expect(after[t]!).toBeGreaterThan(before[t]! + 0.1);
        else expect(after[t]!).toBeLessThan(before[t]! - 0.05);
      }
      expect(c.updates).toBe(10);
      c.dispose();
    }
  });

  it('samples reproducibly from a seeded Random, following the policy', async () => {
    await initRuntime({ backend: 'cpu', log: () => {} });
    const c = new LstmController(config, new Random(1));
    for (let i = 0; i < 8; i++) c.update([[0, 3, 1]], [1], 0);
    const r1 = new Random(5);
    const r2 = new Random(5);
    const a = Array.from({ length: 40 }, () => c.sample(r1).join(''));
    const b = Array.from({ length: 40 }, () => c.sample(r2).join(''));
    expect(a).toEqual(b);
    const r3 = new Random(6);
    expect(Array.from({ length: 40 }, () => c.sample(r3).join(''))).not.toEqual(a);
    // The trained sequence is now by far the most likely.
    const hits = a.filter((s) => s === '031').length;
    expect(hits, a.join(' ')).toBeGreaterThan(8); // 40/24 ≈ 1.7 under the uniform initial policy
    expect(hits, a.join(' ')).toBeLessThan(40); // still a distribution
    c.dispose();
  });

  it('round-trips weights and Adam state exactly, and rejects states that do not fit', async () => {
    await initRuntime({ backend: 'cpu', log: () => {} });
    const a = new LstmController(config, new Random(1));
    for (let i = 0; i < 3; i++) a.update([[1, 2, 0], [0, 0, 1]], [0.5, -0.2], 0.01);
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = new LstmController(config, new Random(99));
    b.restore(saved);
    expect(b.state()).toEqual(a.state());
    a.update([[2, 2, 1]], [1], 0.01);
    b.update([[2, 2, 1]], [1], 0.01);
    expect(b.state()).toEqual(a.state());
    expect(b.updates).toBe(4);
    expect(() => checkControllerState(saved, { choices: [3, 4, 3], hiddenSize: 16 })).toThrow(/head\/2\/kernel/);
    expect(() => checkControllerState(saved, { choices: [3, 4, 2], hiddenSize: 8 })).toThrow(StateError);
    const nan = JSON.parse(JSON.stringify(saved));
    nan.params[1].values[0] = null;
    expect(() => b.restore(nan)).toThrow(/values of lstm\/kernel/);
    a.dispose();
    b.dispose();
    a.dispose(); // idempotent
    expect(() => a.sample(new Random(1))).toThrow(StateError);
  });

  it('trains on the wasm backend (the auto default) as on cpu, with batches of one and of several', async () => {
    const run = async (backend: 'cpu' | 'wasm') => {
      await initRuntime({ backend, log: () => {} });
      const before = tf.memory().numTensors;
      // Hidden size 32 (the default): large enough for the wasm matMul fast path to transpose explicitly.
      const c = new LstmController({ ...config, hiddenSize: 32, choices: [8, 8, 8], tanhConstant: 2.5 }, new Random(3));
      for (let i = 0; i < 5; i++) c.update([[1, 3, 0], [2, 0, 1]], [1, -0.5], 0.001);
      for (let i = 0; i < 5; i++) c.update([[5, 7, 2]], [i % 2 ? 1 : -1], 0.001);
      const probs = [...c.probabilities([1, 3, 0]).flat(), ...c.probabilities([5, 7, 2]).flat()];
      c.dispose();
      expect(tf.memory().numTensors).toBe(before);
      return probs;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(wasm.every(Number.isFinite)).toBe(true);
    wasm.forEach((p, i) => expect(p).toBeCloseTo(cpu[i]!, 4));
  });
});
