import { spaceConformance } from '@autonas/testing/conformance';
import { DenseSpace, type DenseSpaceOptions } from './dense-space.js';

const tabular: DenseSpaceOptions = { inputUnits: 12, head: { type: 'classification', classes: 3 } };
spaceConformance({
  name: 'dense (12 features, 3 classes)',
  create: () => new DenseSpace(tabular),
  createFixed: (fixed) => new DenseSpace({ ...tabular, fixed }),
  outputShape: [3],
  maxParams: 1_000_000,
});

const regression: DenseSpaceOptions = { inputUnits: 40, head: { type: 'regression' }, maxParams: 20_000 };
spaceConformance({
  name: 'dense (40 features, regression, 20k parameters)',
  create: () => new DenseSpace(regression),
  createFixed: (fixed) => new DenseSpace({ ...regression, fixed }),
  outputShape: [1],
  maxParams: 20_000,
});
