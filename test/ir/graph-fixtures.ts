import type { AttrValue, Graph, Node, ValueInfo } from '../../src/ir/graph.js';
import type { Shape } from '../../src/ir/shape.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { DType } from '../../src/ir/dtype.js';

/** Terse constructors for hand-written IR graphs in tests. */
export function value(name: string, dtype: DType, shape: Shape | undefined): ValueInfo {
  return { name, type: { dtype, shape } };
}

export function node(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Record<string, AttrValue> = {},
  name = `${op}_${outputs[0] ?? ''}`,
  domain = '',
): Node {
  return { name, op, domain, inputs, outputs, attrs };
}

export function graph(parts: {
  name?: string;
  inputs?: ValueInfo[];
  outputs?: ValueInfo[];
  initializers?: [string, Tensor][];
  nodes?: Node[];
  valueTypes?: ValueInfo[];
}): Graph {
  return {
    name: parts.name ?? 'g',
    inputs: parts.inputs ?? [],
    outputs: parts.outputs ?? [],
    initializers: new Map(parts.initializers ?? []),
    nodes: parts.nodes ?? [],
    valueTypes: new Map((parts.valueTypes ?? []).map((v) => [v.name, v.type])),
  };
}
