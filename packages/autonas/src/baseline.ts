import type { ArchNode, Architecture } from '@autonas/core';

/**
 * The plain network a search must beat: a small ResNet-style net (a 3×3 stem of 16 channels and
 * 2×2 max pooling, two residual stages of 16 and 32 channels with batch norm, the second strided,
 * global average pooling, a softmax classifier).
 * `ImageClassifier` trains it first under the same rules as every candidate, so its report says
 * whether the search paid off.
 *
 * @example
 * ```ts
 * import { inferShapes } from '@autonas/core';
 * import { baselineArchitecture } from 'autonas';
 * console.log(inferShapes(baselineArchitecture([28, 28, 1], 10)).totalParams); // 19706
 * ```
 */
export function baselineArchitecture(inputShape: readonly [number, number, number], classes: number): Architecture {
  const nodes: ArchNode[] = [];
  const add = (id: string, op: string, params: ArchNode['params'], inputs: string[]) => (nodes.push({ id, op, params, inputs }), id);
  const convBn = (id: string, x: string, filters: number, strides: number, relu: boolean) => {
    add(`${id}/conv`, 'conv2d', { filters, kernelSize: 3, strides, useBias: false }, [x]);
    add(`${id}/bn`, 'batchnorm', {}, [`${id}/conv`]);
    return relu ? add(`${id}/relu`, 'activation', { fn: 'relu' }, [`${id}/bn`]) : `${id}/bn`;
  };
  const block = (id: string, x: string, filters: number, strides: number, project: boolean) => {
    const a = convBn(`${id}/a`, x, filters, strides, true);
    const b = convBn(`${id}/b`, a, filters, 1, false);
    let shortcut = x;
    if (project) {
      add(`${id}/proj`, 'conv2d', { filters, kernelSize: 1, strides, useBias: false }, [x]);
      shortcut = add(`${id}/proj_bn`, 'batchnorm', {}, [`${id}/proj`]);
    }
    add(`${id}/add`, 'add', {}, [b, shortcut]);
    return add(`${id}/relu`, 'activation', { fn: 'relu' }, [`${id}/add`]);
  };
  let x = add('input', 'input', { shape: [...inputShape] }, []);
  x = convBn('stem', x, 16, 1, true);
  x = add('stem/pool', 'maxpool2d', { poolSize: 2 }, [x]);
  x = block('stage1', x, 16, 1, false);
  x = block('stage2', x, 32, 2, true);
  x = add('pool', 'globalavgpool2d', {}, [x]);
  add('classifier', 'classifier', { classes }, [x]);
  return { nodes, space: 'baseline' };
}
