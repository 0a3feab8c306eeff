// A third-party strategy plugin, as a user would write one: a plain module whose default export
// is a plugin entry. It tries the space's known-good network, then single mutations of the best.
import { Random } from '@autonas/core';

export default {
  kind: 'strategy',
  name: 'mutants',
  description: 'the default network, then single mutations of the best so far',
  create: ({ seed }) => ({
    name: 'mutants',
    async run(engine, space) {
      const rng = new Random(seed);
      let best;
      for (let arch = space.defaultArchitecture(); engine.canSubmit(); arch = space.mutate(best?.architecture ?? arch, rng)) {
        const t = await engine.submit(arch);
        if (t.score !== undefined && (best === undefined || t.score > best.score)) best = t;
      }
    },
    state: () => ({}),
    restore: () => {},
  }),
};
