import { describe, expect, it } from 'vitest';
import { architectureHash } from './architecture.js';
import { ConfigurationError, InvalidArchitectureError } from './errors.js';
import { hyperparametersOf, withHyperparameters, withTrainingOf } from './hyperparameters.js';
import { Random } from './random.js';
import { ToySpace } from './toy-space.test-util.js';

/** The toy space with a default architecture (its decisions' defaults). */
class DefaultToy extends ToySpace {
  defaultArchitecture() {
    return this.build({});
  }
}

const spec = { learningRate: [0.001, 0.003], batchSize: { choices: [32, 64], default: 64 }, 'augment.shift': [0, 2] } as const;

describe('withHyperparameters', () => {
  it('adds hp/ decisions after the network\'s, and the default architecture is the network\'s default trained at the defaults', () => {
    const inner = new DefaultToy();
    const space = withHyperparameters(inner, spec);
    expect(withHyperparameters(new ToySpace(), spec).defaultArchitecture).toBeUndefined();
    expect(space.name).toBe('toy');
    expect(space.decisions().map((d) => d.name)).toEqual(['toy/width', 'toy/depth', 'hp/learningRate', 'hp/batchSize', 'hp/augment.shift']);
    expect(space.decisions().slice(2).map((d) => d.default)).toEqual([0.001, 64, 0]);
    const def = space.defaultArchitecture!();
    expect(def.nodes).toEqual(inner.defaultArchitecture!().nodes);
    expect(def.training).toEqual({ learningRate: 0.001, batchSize: 64, 'augment.shift': 0 });
    expect(def.decisions).toEqual({ ...inner.defaultArchitecture!().decisions, 'hp/learningRate': 0.001, 'hp/batchSize': 64, 'hp/augment.shift': 0 });
    expect(space.validate(def)).toEqual({ valid: true });
  });

  it('hashes the training record: one network at two learning rates is two architectures; without hyperparameters the hash is as before', () => {
    const inner = new ToySpace();
    const space = withHyperparameters(inner, spec);
    const a = space.build({ 'toy/width': 3, 'hp/learningRate': 0.001 });
    const b = space.build({ 'toy/width': 3, 'hp/learningRate': 0.003 });
    expect(a.nodes).toEqual(b.nodes);
    expect(architectureHash(a)).not.toBe(architectureHash(b));
    expect(architectureHash(space.build({ 'toy/width': 3 }))).toBe(architectureHash(a));
    const plain = inner.build({ 'toy/width': 3 });
    expect(architectureHash({ ...plain, training: {} })).toBe(architectureHash(plain));
    expect(architectureHash({ ...a, training: undefined })).toBe(architectureHash(plain));
  });

  it('builds from decisions, refuses unknown hyperparameters and values outside the choices with typed errors', () => {
    const space = withHyperparameters(new ToySpace(), spec);
    const a = space.build({ 'toy/depth': 2, 'hp/batchSize': 32, 'hp/augment.shift': 2 });
    expect(a.training).toEqual({ learningRate: 0.001, batchSize: 32, 'augment.shift': 2 });
    expect(architectureHash(space.build(a.decisions!))).toBe(architectureHash(a));
    expect(() => space.build({ 'hp/optimizer': 'sgd' })).toThrow(InvalidArchitectureError);
    expect(() => space.build({ 'hp/learningRate': 0.5 })).toThrow(/not one of/);
  });

  it('samples and mutates the hyperparameters like any decision: a mutation changes exactly one decision', () => {
    const space = withHyperparameters(new ToySpace(), spec);
    const rng = new Random(3);
    const seen = new Set<number>();
    let hpMutations = 0;
    for (let i = 0; i < 60; i++) {
      const a = space.sample(rng);
      expect(space.validate(a)).toEqual({ valid: true });
      seen.add(Number(a.training!.learningRate));
      const m = space.mutate(a, rng);
      expect(space.validate(m)).toEqual({ valid: true });
      const changed = Object.keys(m.decisions!).filter((k) => m.decisions![k] !== a.decisions![k]);
      expect(changed).toHaveLength(1);
      if (changed[0]!.startsWith('hp/')) hpMutations++;
    }
    expect([...seen].sort()).toEqual([0.001, 0.003]);
    // 3 of the 5 movable decisions are hyperparameters: about 36 of 60 mutations.
    expect(hpMutations).toBeGreaterThan(20);
    expect(hpMutations).toBeLessThan(50);
  });

  it('validates the training record against the decisions', () => {
    const space = withHyperparameters(new ToySpace(), spec);
    const a = space.build({});
    expect(space.validate({ ...a, training: { ...a.training, learningRate: 0.003 } })).toMatchObject({ valid: false });
    expect(space.validate({ ...a, training: { ...a.training, momentum: 0.9 } })).toMatchObject({ valid: false });
    expect(space.validate(new ToySpace().build({}))).toMatchObject({ valid: false });
  });

  it('refuses a bad spec with typed errors', () => {
    const code = (s: object) => {
      try {
        withHyperparameters(new ToySpace(), s as never);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigurationError);
        return (e as ConfigurationError).code;
      }
      return 'none';
    };
    expect(code({ momentum: [0.9] })).toBe('UNKNOWN_HYPERPARAMETER');
    expect(code({ learningRate: [] })).toBe('EMPTY_CHOICES');
    expect(code({ learningRate: ['fast'] })).toBe('BAD_CHOICE');
    expect(code({ learningRate: { choices: [0.1], default: 0.2 } })).toBe('BAD_CHOICE');
    expect(code({ learningRate: [0.1, 0.1] })).toBe('BAD_CHOICE');
  });

  it('reads an architecture\'s training rules over fixed options, the augmentation merged key by key', () => {
    const arch = withHyperparameters(new ToySpace(), spec).build({ 'hp/learningRate': 0.003, 'hp/augment.shift': 2 });
    expect(hyperparametersOf(arch)).toEqual({ learningRate: 0.003, batchSize: 64, augment: { shift: 2 } });
    expect(withTrainingOf({ epochs: 2, learningRate: 0.01, augment: { cutout: 8 } }, arch)).toEqual({ epochs: 2, learningRate: 0.003, batchSize: 64, augment: { cutout: 8, shift: 2 } });
    const plain = new ToySpace().build({});
    const fixed = { epochs: 1 };
    expect(withTrainingOf(fixed, plain)).toBe(fixed);
  });
});
