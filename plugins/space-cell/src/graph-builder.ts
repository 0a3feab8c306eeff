import { InvalidArchitectureError, type ArchNode, type Architecture, type DecisionValue, type ParamValue } from '@autonas/core';

/** Batch norm as PyTorch's `BatchNorm2d` defaults (ε = 1e-5, momentum 0.1 of the new value). */
export const BN: Readonly<Record<string, ParamValue>> = { epsilon: 1e-5, momentum: 0.9 };

/** Builds an architecture graph node by node, then drops the nodes the output does not depend on. */
export class GraphBuilder {
  private readonly nodes: ArchNode[] = [];
  private readonly ids = new Set<string>();

  /** Adds a node; returns its id. */
  add(id: string, op: string, params: Readonly<Record<string, ParamValue>>, inputs: readonly string[]): string {
    if (this.ids.has(id)) throw new InvalidArchitectureError('DUPLICATE_NODE', `node id "${id}" is built twice`);
    this.ids.add(id);
    this.nodes.push({ id, op, params, inputs: [...inputs] });
    return id;
  }

  /** ReLU → conv (no bias) → batch norm, DARTS' and NAS-Bench-201's `ReLUConvBN`. */
  reluConvBn(prefix: string, x: string, filters: number, kernelSize: number, strides = 1): string {
    const r = this.add(`${prefix}/relu`, 'activation', { fn: 'relu' }, [x]);
    const c = this.add(`${prefix}/conv`, 'conv2d', { filters, kernelSize, strides, padding: 'same', useBias: false }, [r]);
    return this.add(`${prefix}/bn`, 'batchnorm', BN, [c]);
  }

  /**
   * The architecture: nodes that do not reach `output` are left out (an op on a cell input that
   * no node reads computes nothing the network uses).
   */
  finish(output: string, space: string, decisions?: Readonly<Record<string, DecisionValue>>): Architecture {
    const byId = new Map(this.nodes.map((n) => [n.id, n]));
    const live = new Set<string>();
    const stack = [output];
    while (stack.length) {
      const id = stack.pop()!;
      if (live.has(id)) continue;
      live.add(id);
      stack.push(...byId.get(id)!.inputs);
    }
    const nodes = this.nodes.filter((n) => live.has(n.id));
    return decisions ? { nodes, space, decisions: { ...decisions } } : { nodes, space };
  }
}
