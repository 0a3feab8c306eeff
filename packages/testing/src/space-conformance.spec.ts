import { describe, expect, it } from 'vitest';
import { Random, withHyperparameters, type Architecture, type DecisionValue } from '@autonas/core';
import { GridSpace } from './grid-space.js';
import { spaceChecks, spaceConformance, type SpaceConformanceOptions } from './space-conformance.js';
import { expectCaughtOnlyBy } from './conformance.test-util.js';

const GRID = { a: [1, 2, 3], b: [4, 5], c: [6, 7, 8, 9], out: [5] } as const;

/** The grid with some decisions narrowed to one value: GridSpace's stand-in for a `fixed` option. */
const fixedGrid = (fixed: Readonly<Record<string, DecisionValue>>, make = (g: Record<string, readonly number[]>) => new GridSpace(g)) =>
  make(Object.fromEntries(Object.entries(GRID).map(([k, v]) => [k, `grid/${k}` in fixed ? [Number(fixed[`grid/${k}`])] : v])));

const reference: SpaceConformanceOptions = {
  name: 'reference grid',
  create: () => new GridSpace(GRID),
  createFixed: (fixed) => fixedGrid(fixed),
  outputShape: [5],
  // The largest network, a=3 b=5 c=9: (4·3+3) + (3·5+5) + (5·9+9) + (9·5+5) = 139 parameters.
  maxParams: 139,
};

spaceConformance(reference);

// The hyperparameter decorator keeps every promise of the space it wraps.
const HP = { learningRate: [0.001, 0.003, 0.01], optimizer: ['adam', 'sgd'], 'augment.flip': [false, true] } as const;
spaceConformance({
  ...reference,
  name: 'reference grid with hyperparameters',
  create: () => withHyperparameters(new GridSpace(GRID), HP),
  createFixed: (fixed) => withHyperparameters(fixedGrid(fixed), HP),
});

/** The reference options with a broken space. */
const broken = (create: () => GridSpace, over: Partial<SpaceConformanceOptions> = {}) => spaceChecks({ ...reference, name: 'broken', create, ...over });

describe('the space conformance suite catches broken spaces', () => {
  it('names its checks', () => {
    expect(spaceChecks(reference).map((c) => c.name)).toEqual([
      'lists its decisions: unique names, non-empty choices, defaults among the choices, the same list each call',
      'samples valid architectures that carry the space name and their decisions, as plain JSON that still validates',
      'is reproducible from a seeded Random (sample, mutate, crossover), and seeds matter',
      'builds the same architecture from its decisions, and refuses unknown decisions and values outside the choices with a typed error',
      'mutates to a different valid architecture, leaving the parent as it was',
      'crosses two parents over into a valid child, leaving the parents as they were',
      "has a valid default architecture, which is what the decisions' defaults build",
      'refuses an architecture of another space, one without decisions and one with an altered graph, with reasons and without throwing',
      'infers output shape [5] and at most 139 parameters for every architecture (inferShapes)',
      'keeps fixed decisions pinned in decisions(), samples, mutations and the default',
    ]);
  });

  it('a space whose decisions repeat a name', async () => {
    class Twice extends GridSpace {
      override decisions() {
        const list = super.decisions();
        return [...list, list[0]!];
      }
    }
    await expectCaughtOnlyBy(broken(() => new Twice(GRID)), /lists its decisions/);
  });

  it('a space whose samples do not carry its name', async () => {
    class Anonymous extends GridSpace {
      override sample(rng: Random): Architecture {
        const { space: _space, ...rest } = super.sample(rng);
        return rest;
      }
    }
    await expectCaughtOnlyBy(broken(() => new Anonymous(GRID)), /samples valid architectures/);
  });

  it('a space whose sample ignores the seed (Math.random)', async () => {
    class Unseeded extends GridSpace {
      override sample(): Architecture {
        return super.sample(new Random(Math.floor(Math.random() * 2 ** 32)));
      }
    }
    await expectCaughtOnlyBy(broken(() => new Unseeded(GRID)), /reproducible/);
  });

  it('a space whose sample ignores the Random it is given (a generator of its own)', async () => {
    class OwnRng extends GridSpace {
      private readonly own = new Random(0);
      override sample(): Architecture {
        return super.sample(this.own);
      }
    }
    await expectCaughtOnlyBy(broken(() => new OwnRng(GRID)), /reproducible/);
  });

  it('a space whose build ignores unknown decisions', async () => {
    class Lenient extends GridSpace {
      override build(values: Readonly<Record<string, DecisionValue>>): Architecture {
        const known = new Set(this.decisions().map((d) => d.name));
        return super.build(Object.fromEntries(Object.entries(values).filter(([k]) => known.has(k))));
      }
    }
    await expectCaughtOnlyBy(broken(() => new Lenient(GRID)), /builds the same architecture/);
  });

  it('a space whose mutate returns an invalid architecture', async () => {
    class Wild extends GridSpace {
      override mutate(arch: Architecture, rng: Random): Architecture {
        const child = super.mutate(arch, rng);
        return { ...child, decisions: { ...child.decisions, 'grid/a': 99 } };
      }
    }
    await expectCaughtOnlyBy(broken(() => new Wild(GRID)), /mutates/);
  });

  it('a space whose mutate returns its parent', async () => {
    class Lazy extends GridSpace {
      override mutate(arch: Architecture): Architecture {
        return arch;
      }
    }
    await expectCaughtOnlyBy(broken(() => new Lazy(GRID)), /mutates/);
  });

  it('a space whose mutate changes its parent in place', async () => {
    class InPlace extends GridSpace {
      override mutate(arch: Architecture, rng: Random): Architecture {
        const child = super.mutate(arch, rng);
        Object.assign(arch.decisions!, child.decisions);
        return child;
      }
    }
    await expectCaughtOnlyBy(broken(() => new InPlace(GRID)), /mutates/);
  });

  it('a space whose crossover returns an invalid child', async () => {
    class Chimera extends GridSpace {
      override crossover(a: Architecture, b: Architecture, rng: Random): Architecture {
        const child = super.crossover(a, b, rng);
        return { ...child, nodes: child.nodes.slice(0, -1) };
      }
    }
    await expectCaughtOnlyBy(broken(() => new Chimera(GRID)), /crosses two parents/);
  });

  it('a space whose default architecture is not built from the defaults', async () => {
    class OffDefault extends GridSpace {
      override defaultArchitecture(): Architecture {
        return this.build({ 'grid/a': 3 });
      }
    }
    await expectCaughtOnlyBy(broken(() => new OffDefault(GRID)), /default architecture/);
  });

  it('a space whose validate accepts an altered graph', async () => {
    class Trusting extends GridSpace {
      override validate(arch: Architecture) {
        return arch.space === this.name && arch.decisions ? ({ valid: true } as const) : super.validate(arch);
      }
    }
    await expectCaughtOnlyBy(broken(() => new Trusting(GRID)), /refuses an architecture of another space/);
  });

  it('a space whose validate throws for a foreign architecture', async () => {
    class Thrower extends GridSpace {
      override validate(arch: Architecture) {
        if (arch.space !== this.name) throw new Error('foreign');
        return super.validate(arch);
      }
    }
    const failed = await expectCaughtOnlyBy(broken(() => new Thrower(GRID)), /refuses an architecture of another space/);
    expect([...failed.values()][0]).toMatch(/threw/);
  });

  it('a space whose networks do not have the declared output shape, or are too big', async () => {
    const wide = { ...GRID, out: [5, 6] };
    await expectCaughtOnlyBy(broken(() => new GridSpace(wide), { createFixed: undefined }), /infers output shape/);
    await expectCaughtOnlyBy(broken(() => new GridSpace(GRID), { maxParams: 100 }), /infers output shape/);
  });

  it('a space whose sample ignores its fixed decisions', async () => {
    class Loose extends GridSpace {
      constructor(private readonly all: GridSpace, grid: Record<string, readonly number[]>) {
        super(grid);
      }
      override sample(rng: Random): Architecture {
        return this.all.sample(rng);
      }
      override mutate(arch: Architecture, rng: Random): Architecture {
        return this.all.mutate(arch, rng);
      }
      override validate(arch: Architecture) {
        return this.all.validate(arch);
      }
    }
    const failed = await expectCaughtOnlyBy(broken(() => new GridSpace(GRID), { createFixed: (fixed) => fixedGrid(fixed, (g) => new Loose(new GridSpace(GRID), g)) }), /fixed decisions/);
    expect([...failed.values()][0]).toMatch(/stays fixed/);
  });
});
