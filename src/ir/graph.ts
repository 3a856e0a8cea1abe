import type { Tensor } from './tensor.js';
import type { TensorType } from './shape.js';

/** Attribute values, one variant per ONNX attribute kind. */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: Tensor }
  | { readonly kind: 'graph'; readonly value: Graph }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly kind: 'graphs'; readonly value: readonly Graph[] };

export type AttrKind = AttrValue['kind'];
export type Attrs = Readonly<Record<string, AttrValue>>;

/** An operation. Values are named (SSA: each name is produced once); '' marks an omitted optional input. */
export interface Node {
  readonly name: string;
  readonly op: string;
  /** '' is the default (ONNX) domain. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
}

export interface ValueInfo {
  readonly name: string;
  readonly type: TensorType;
}

/**
 * A graph over named values. Subgraphs (If/Loop bodies) are graphs held in node attributes; they may
 * read values of enclosing graphs by name.
 */
export interface Graph {
  readonly name: string;
  /** Runtime inputs, in order (initializers are not listed here). */
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  /** Constant tensors: weights and folded constants. */
  readonly initializers: ReadonlyMap<string, Tensor>;
  /** Topologically ordered. */
  readonly nodes: readonly Node[];
  /** Types of intermediate values known so far (declared by the model or inferred). */
  readonly valueTypes: ReadonlyMap<string, TensorType>;
}

export interface ModelSource {
  readonly format: 'onnx' | 'tensorflow' | 'pytorch' | 'mxnet';
  readonly path: string;
}

export interface Model {
  readonly name: string;
  readonly graph: Graph;
  /** Operator set versions by domain, as imported ('' = ai.onnx). */
  readonly opsets: ReadonlyMap<string, number>;
  readonly producer: string;
  readonly source: ModelSource;
}

export function withGraph(model: Model, graph: Graph): Model {
  return { ...model, graph };
}

/** The type of a value as far as the graph knows it: inputs, initializers, then inferred values. */
export function typeOf(graph: Graph, name: string): TensorType | undefined {
  const init = graph.initializers.get(name);
  if (init) return { dtype: init.dtype, shape: init.shape };
  const input = graph.inputs.find((v) => v.name === name);
  if (input) return input.type;
  return graph.valueTypes.get(name);
}

/** Every value a node reads, including names its subgraphs read from enclosing scopes. */
export function valuesRead(node: Node): string[] {
  const names = node.inputs.filter((n) => n !== '');
  for (const a of Object.values(node.attrs)) {
    const graphs = a.kind === 'graph' ? [a.value] : a.kind === 'graphs' ? a.value : [];
    for (const g of graphs) for (const inner of g.nodes) names.push(...valuesRead(inner));
  }
  return names;
}
