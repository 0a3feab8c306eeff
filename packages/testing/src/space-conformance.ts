import { expect } from 'vitest';
import {
  AutonasError,
  Random,
  architectureHash,
  inferShapes,
  type Architecture,
  type Decision,
  type DecisionValue,
  type SearchSpace,
} from '@autonas/core';
import { checkList, describeChecks, type ConformanceCheck } from './conformance-check.js';

/** Options of {@link spaceConformance}. */
export interface SpaceConformanceOptions {
  /** Shown in the test names. */
  readonly name: string;
  /** A fresh space. Called once or more per check; each call must give an equal, independent instance. */
  create(): SearchSpace;
  /**
   * The same space with `fixed` decisions pinned (the `fixed` option of most spaces), for spaces
   * that have one: enables the fixed-decisions check.
   */
  createFixed?(fixed: Readonly<Record<string, DecisionValue>>): SearchSpace;
  /**
   * Decisions the fixed-decisions check pins. Default: the last choice of each of the first two
   * decisions that have more than one choice.
   */
  readonly fixedValues?: Readonly<Record<string, DecisionValue>>;
  /**
   * Output shape (without the batch axis) of every network of the space, e.g. `[10]` for ten
   * classes: enables the shape check, which runs `inferShapes` from `@autonas/core`.
   */
  readonly outputShape?: readonly number[];
  /** Most trainable parameters a network of the space may have (its `maxParams`): checked with `inferShapes`. */
  readonly maxParams?: number;
  /** Architectures sampled per check (default 20). */
  readonly samples?: number;
  /** Per-check timeout in milliseconds (default 60 000). */
  readonly timeout?: number;
}

/**
 * Registers the search-space conformance suite (vitest `describe`/`it`) for one space: our own
 * spaces run it, and so can any third-party one. It checks what the {@link SearchSpace} contract
 * promises:
 * - `decisions()` lists unique names with non-empty choices and defaults among them, the same each call;
 * - sampled architectures carry the space's name and their decisions, validate, and still validate
 *   after a JSON round trip (stores keep them as plain data);
 * - `sample`, `mutate` and `crossover` are reproducible from a seeded `Random`, and seeds matter;
 * - `build(arch.decisions)` gives the same architecture (by `architectureHash`); `build` refuses an
 *   unknown decision and a value outside the choices with a typed error;
 * - `mutate` gives a valid architecture that differs from its parent, and leaves the parent as it was;
 * - `crossover`, where the space has one, gives a valid child and leaves the parents as they were;
 * - the default architecture, where the space has one, validates and is what the decisions' defaults build;
 * - `validate` refuses an architecture of another space, one without decisions and one whose graph
 *   was altered, each with reasons and without throwing;
 * - with `outputShape` or `maxParams`: `inferShapes` accepts every architecture, with that output
 *   shape and at most that many parameters;
 * - with `createFixed`: pinned decisions keep their value in `decisions()`, samples, mutations and the default.
 *
 * @example
 * ```ts
 * import { spaceConformance } from '@autonas/testing/conformance';
 * import { ChainSpace } from '@autonas/space-chain';
 * // In a *.spec.ts file:
 * spaceConformance({
 *   name: 'chain',
 *   create: () => new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10 }),
 *   createFixed: (fixed) => new ChainSpace({ inputShape: [28, 28, 1], numClasses: 10, fixed }),
 *   outputShape: [10],
 *   maxParams: 2_000_000,
 * });
 * ```
 */
export function spaceConformance(options: SpaceConformanceOptions): void {
  describeChecks(`space conformance: ${options.name}`, spaceChecks(options));
}

/**
 * The checks of {@link spaceConformance} as plain async functions, for running them outside
 * `describe` (for example to show that a broken space fails them).
 *
 * @example
 * ```ts
 * import { spaceChecks } from '@autonas/testing/conformance';
 * import { GridSpace } from '@autonas/testing';
 * for (const check of spaceChecks({ name: 'grid', create: () => new GridSpace({ a: [1, 2, 3], b: [4, 5] }) })) await check.run();
 * ```
 */
export function spaceChecks(options: SpaceConformanceOptions): ConformanceCheck[] {
  const { checks, add } = checkList(options.timeout ?? 60_000);
  const n = options.samples ?? 20;
  const samples = (space: SearchSpace, seed: number, count = n) => {
    const rng = new Random(seed);
    return Array.from({ length: count }, () => space.sample(rng));
  };
  const valid = (space: SearchSpace, arch: Architecture, what: string) => {
    const verdict = space.validate(arch);
    expect(verdict, `${what} should be valid`).toEqual({ valid: true });
  };
  const snapshot = (arch: Architecture) => JSON.stringify(arch);

  add('lists its decisions: unique names, non-empty choices, defaults among the choices, the same list each call', async () => {
    const space = options.create();
    expect(typeof space.name === 'string' && space.name.length > 0, 'the space has a name').toBe(true);
    const list = space.decisions();
    expect(list.length, 'the space has decisions').toBeGreaterThan(0);
    const names = list.map((d) => d.name);
    expect(new Set(names).size, `decision names are unique: ${names.join(', ')}`).toBe(names.length);
    for (const d of list) {
      expect(typeof d.name === 'string' && d.name.length > 0, 'every decision has a name').toBe(true);
      expect(d.choices.length, `${d.name} has choices`).toBeGreaterThan(0);
      if (d.default !== undefined) expect(d.choices, `the default of ${d.name}`).toContain(d.default);
    }
    expect(space.decisions().map((d) => d.name), 'decisions() gives the same list again').toEqual(names);
  });

  add('samples valid architectures that carry the space name and their decisions, as plain JSON that still validates', async () => {
    const space = options.create();
    for (const arch of samples(space, 1)) {
      valid(space, arch, 'a sampled architecture');
      expect(arch.space, 'a sampled architecture names its space').toBe(space.name);
      expect(arch.decisions, 'a sampled architecture carries its decisions').toBeDefined();
      const copy = JSON.parse(JSON.stringify(arch)) as Architecture;
      expect(copy, 'an architecture is plain JSON').toEqual(arch);
      expect(architectureHash(copy)).toBe(architectureHash(arch));
      valid(space, copy, 'a JSON copy of a sampled architecture');
    }
  });

  add('is reproducible from a seeded Random (sample, mutate, crossover), and seeds matter', async () => {
    const walk = (space: SearchSpace, seed: number) => {
      const rng = new Random(seed);
      const out: string[] = [];
      const mutable = size(space.decisions()) > 1;
      let prev: Architecture | undefined;
      for (let i = 0; i < Math.min(n, 10); i++) {
        const a = space.sample(rng);
        out.push(architectureHash(a));
        if (mutable) out.push(architectureHash(space.mutate(a, rng)));
        if (prev && space.crossover) out.push(architectureHash(space.crossover(prev, a, rng)));
        prev = a;
      }
      return out;
    };
    const space = options.create();
    const first = walk(space, 7);
    expect(walk(space, 7), 'the same seed again, on the same instance').toEqual(first);
    expect(walk(options.create(), 7), 'the same seed on a fresh instance').toEqual(first);
    if (size(space.decisions()) > 1) {
      const a = samples(space, 1).map(architectureHash);
      const b = samples(space, 2).map(architectureHash);
      expect(b, 'samples from another seed differ').not.toEqual(a);
      expect(new Set(a).size, `${n} samples are not all the same architecture`).toBeGreaterThan(1);
    }
  });

  add('builds the same architecture from its decisions, and refuses unknown decisions and values outside the choices with a typed error', async () => {
    const space = options.create();
    for (const arch of samples(space, 3)) {
      const rebuilt = space.build(arch.decisions ?? {});
      expect(architectureHash(rebuilt), 'build(arch.decisions) gives the same graph').toBe(architectureHash(arch));
      expect(rebuilt.space).toBe(space.name);
    }
    const base = space.sample(new Random(4)).decisions ?? {};
    expect(() => space.build({ ...base, 'conformance/not-a-decision': 1 }), 'build with an unknown decision').toThrow(AutonasError);
    const d = space.decisions()[0]!;
    expect(() => space.build({ ...base, [d.name]: 'conformance-not-a-choice' }), `build with ${d.name} outside its choices`).toThrow(AutonasError);
  });

  add('mutates to a different valid architecture, leaving the parent as it was', async () => {
    const space = options.create();
    const rng = new Random(5);
    if (size(space.decisions()) < 2) return;
    for (const parent of samples(space, 5)) {
      const before = snapshot(parent);
      const child = space.mutate(parent, rng);
      valid(space, child, 'a mutated architecture');
      expect(architectureHash(child), 'a mutation differs from its parent').not.toBe(architectureHash(parent));
      expect(snapshot(parent), 'mutate leaves its parent as it was').toBe(before);
    }
  });

  const probe = options.create();
  if (probe.crossover) {
    add('crosses two parents over into a valid child, leaving the parents as they were', async () => {
      const space = options.create();
      const rng = new Random(6);
      const parents = samples(space, 6, n + 1);
      for (let i = 0; i < n; i++) {
        const [a, b] = [parents[i]!, parents[i + 1]!];
        const [sa, sb] = [snapshot(a), snapshot(b)];
        valid(space, space.crossover!(a, b, rng), 'a crossover child');
        expect([snapshot(a), snapshot(b)], 'crossover leaves its parents as they were').toEqual([sa, sb]);
      }
    });
  }

  if (probe.defaultArchitecture) {
    add("has a valid default architecture, which is what the decisions' defaults build", async () => {
      const space = options.create();
      const def = space.defaultArchitecture!();
      valid(space, def, 'the default architecture');
      expect(architectureHash(def), 'the default architecture is build({})').toBe(architectureHash(space.build({})));
      for (const d of space.decisions()) if (d.default !== undefined && def.decisions && d.name in def.decisions) expect(def.decisions[d.name], `${d.name} of the default`).toEqual(d.default);
    });
  }

  add('refuses an architecture of another space, one without decisions and one with an altered graph, with reasons and without throwing', async () => {
    const space = options.create();
    const arch = space.sample(new Random(8));
    const out = arch.nodes.find((node) => !arch.nodes.some((m) => m.inputs.includes(node.id)))!;
    const cases: Array<[string, Architecture]> = [
      ['an architecture of another space', { ...arch, space: 'conformance-foreign' }],
      ['an architecture without decisions', { nodes: arch.nodes, space: arch.space }],
      ['an architecture whose graph was altered', { ...arch, nodes: arch.nodes.map((node) => (node === out ? { ...node, params: { ...node.params, conformanceAltered: 1 } } : node)) }],
      ['an architecture with no nodes', { ...arch, nodes: [] }],
    ];
    for (const [what, bad] of cases) {
      let verdict: ReturnType<SearchSpace['validate']>;
      try {
        verdict = space.validate(bad);
      } catch (e) {
        throw new Error(`validate threw for ${what} instead of returning reasons: ${(e as Error).message}`, { cause: e });
      }
      expect(verdict.valid, `${what} is refused`).toBe(false);
      if (!verdict.valid) expect(verdict.reasons.length, `reasons for refusing ${what}`).toBeGreaterThan(0);
    }
  });

  if (options.outputShape !== undefined || options.maxParams !== undefined) {
    const what = [options.outputShape && `output shape [${options.outputShape.join(', ')}]`, options.maxParams !== undefined && `at most ${options.maxParams} parameters`].filter(Boolean).join(' and ');
    add(`infers ${what} for every architecture (inferShapes)`, async () => {
      const space = options.create();
      const rng = new Random(9);
      const archs = samples(space, 9);
      archs.push(...archs.slice(0, 5).map((a) => space.mutate(a, rng)));
      if (space.defaultArchitecture) archs.push(space.defaultArchitecture());
      for (const arch of archs) {
        const info = inferShapes(arch);
        if (options.outputShape) expect(info.outputShape, 'the output shape').toEqual(options.outputShape);
        if (options.maxParams !== undefined) expect(info.totalParams, 'trainable parameters').toBeLessThanOrEqual(options.maxParams);
      }
    });
  }

  if (options.createFixed) {
    const createFixed = options.createFixed;
    add('keeps fixed decisions pinned in decisions(), samples, mutations and the default', async () => {
      const fixed = options.fixedValues ?? defaultFixed(options.create().decisions());
      expect(Object.keys(fixed).length, 'decisions to fix').toBeGreaterThan(0);
      const space = createFixed(fixed);
      const list = space.decisions();
      for (const [name, value] of Object.entries(fixed)) {
        const d = list.find((x) => x.name === name);
        expect(d?.choices, `decisions() lists ${name} with its fixed value as the only choice`).toEqual([value]);
      }
      const rng = new Random(10);
      const archs = samples(space, 10);
      if (size(list) > 1) archs.push(...archs.slice(0, 10).map((a) => space.mutate(a, rng)));
      if (space.defaultArchitecture) archs.push(space.defaultArchitecture());
      for (const arch of archs) {
        valid(space, arch, 'an architecture of the fixed space');
        for (const [name, value] of Object.entries(fixed)) expect(arch.decisions?.[name], `${name} stays fixed`).toEqual(value);
      }
    });
  }
  return checks;
}

/** Number of decision assignments (an upper bound on the architectures). */
function size(list: readonly Decision[]): number {
  return list.reduce((p, d) => p * d.choices.length, 1);
}

/** The last choice of each of the first two decisions that have more than one. */
function defaultFixed(list: readonly Decision[]): Record<string, DecisionValue> {
  return Object.fromEntries(list.filter((d) => d.choices.length > 1).slice(0, 2).map((d) => [d.name, d.choices[d.choices.length - 1]!]));
}
