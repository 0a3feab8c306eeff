import { spaceConformance } from '@autonas/testing/conformance';
import { DartsCellSpace, type DartsCellSpaceOptions } from './darts-space.js';
import { Nb201Space } from './nb201-space.js';

// DARTS' CIFAR-10 search network (8 cells, 16 channels), and a small one under a parameter bound.
const cifar: DartsCellSpaceOptions = { inputShape: [32, 32, 3], numClasses: 10 };
spaceConformance({
  name: 'darts-cell (CIFAR-10 search network)',
  create: () => new DartsCellSpace(cifar),
  createFixed: (fixed) => new DartsCellSpace({ ...cifar, fixed }),
  outputShape: [10],
  samples: 8,
});
const small: DartsCellSpaceOptions = { inputShape: [28, 28, 1], numClasses: 10, cells: 3, channels: 8, nodes: 3, ops: ['none', 'skip_connect', 'max_pool_3x3', 'sep_conv_3x3'], maxParams: 30_000 };
spaceConformance({
  name: 'darts-cell (3 cells, 3 nodes, 4 ops, 30k parameters)',
  create: () => new DartsCellSpace(small),
  createFixed: (fixed) => new DartsCellSpace({ ...small, fixed }),
  fixedValues: { 'cell/normal/node_2/op_0': 'sep_conv_3x3', 'cell/reduce/node_4/input_1': 3 },
  outputShape: [10],
  maxParams: 30_000,
});

spaceConformance({ name: 'nb201 (CIFAR-10)', create: () => new Nb201Space({ inputShape: [32, 32, 3], numClasses: 10 }), outputShape: [10], samples: 10 });
spaceConformance({ name: 'nb201 (8×8×1, 1 cell a stage)', create: () => new Nb201Space({ inputShape: [8, 8, 1], numClasses: 2, channels: 2, cellsPerStage: 1 }), outputShape: [2] });
