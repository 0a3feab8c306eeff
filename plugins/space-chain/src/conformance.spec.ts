import { spaceConformance } from '@autonas/testing/conformance';
import { ChainSpace, type ChainSpaceOptions } from './chain-space.js';

const mnist: ChainSpaceOptions = { inputShape: [28, 28, 1], numClasses: 10 };
spaceConformance({
  name: 'chain (MNIST)',
  create: () => new ChainSpace(mnist),
  createFixed: (fixed) => new ChainSpace({ ...mnist, fixed }),
  outputShape: [10],
  maxParams: 2_000_000,
});

// A parameter bound that many samples exceed, and a regression head: sampling and mutation must
// keep to both. (Below 150,946 parameters, this space's default architecture is itself too big:
// ChainSpace does not shrink it, so the bound stays above it.)
const small: ChainSpaceOptions = { inputShape: [16, 16, 3], head: { type: 'regression', units: 2 }, maxParams: 200_000 };
spaceConformance({
  name: 'chain (16×16×3, regression, 200k parameters)',
  create: () => new ChainSpace(small),
  createFixed: (fixed) => new ChainSpace({ ...small, fixed }),
  fixedValues: { 'chain/blocks': 2, 'chain/reduction': 'global_avg' },
  outputShape: [2],
  maxParams: 200_000,
});
