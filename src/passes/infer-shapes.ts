import type { Graph, Node } from '../ir/graph.js';
import { typeOf, valuesRead } from '../ir/graph.js';
import { isStaticShape, type TensorType } from '../ir/shape.js';
import { sizeOf, tensor, type Tensor } from '../ir/tensor.js';
import { NccError } from '../errors.js';
import { inferControlFlow, inlineDecidedIf } from './infer-control-flow.js';
import { attrsOf, opOf, withNodeErrors } from '../ops/node-context.js';
import type { AnyOpDef } from '../ops/op.js';

export interface InferOptions {
  /** Replace nodes whose outputs are compile-time constants by initializers. */
  readonly fold: boolean;
  /** Largest constant (elements) folding may create: bigger ones stay computed at run time. */
  readonly maxFoldElements?: number;
  /** Types and constants of enclosing graphs, which a subgraph (If branch, Loop body) may read. */
  readonly outer?: OuterScope;
}

export interface OuterScope {
  readonly type: (name: string) => TensorType | undefined;
  readonly constant: (name: string) => Tensor | undefined;
}

const DEFAULT_MAX_FOLD = 1 << 24;

/**
 * Shape and dtype inference with constant propagation. Shape-computing chains that exporters emit
 * (Shape -> Gather -> Concat -> Reshape) are evaluated with the ops' reference implementations, so
 * once the inputs are pinned every shape downstream becomes a number.
 */
export function inferShapes(graph: Graph, options: InferOptions = { fold: true }): Graph {
  const maxFold = options.maxFoldElements ?? DEFAULT_MAX_FOLD;
  const types = new Map<string, TensorType>();
  const constants = new Map<string, Tensor>(graph.initializers);
  for (const [name, t] of constants) types.set(name, { dtype: t.dtype, shape: t.shape });
  for (const v of graph.inputs) types.set(v.name, v.type);
  const kept: Node[] = [];
  const scope: OuterScope = {
    type: (name) => types.get(name) ?? typeOf(graph, name) ?? options.outer?.type(name),
    constant: (name) => constants.get(name) ?? options.outer?.constant(name),
  };
  const queue = [...graph.nodes];
  for (let original = queue.shift(); original; original = queue.shift()) {
    // an If whose condition is a constant is its taken branch: inline it and go on with its nodes
    const inlined = options.fold ? inlineDecidedIf(original, scope) : undefined;
    if (inlined) {
      for (const [name, t] of inlined.initializers) {
        constants.set(name, t);
        types.set(name, { dtype: t.dtype, shape: t.shape });
      }
      queue.unshift(...inlined.nodes);
      continue;
    }
    // If and Loop: their subgraphs are inferred with this graph's values in scope
    const flow = inferControlFlow(original, scope, options);
    const node = flow?.node ?? original;
    const { types: outTypes, folded } = flow
      ? { types: flow.types, folded: undefined }
      : inferNode(
          node,
          (name) => typeOfValue(name, types, graph, node, options.outer),
          (name) => scope.constant(name),
          options.fold ? maxFold : undefined,
        );
    node.outputs.forEach((name, i) => {
      const t = outTypes[i];
      if (name !== '' && t) types.set(name, t);
    });
    if (folded) {
      node.outputs.forEach((name, i) => {
        const t = folded[i];
        if (name !== '' && t) {
          constants.set(name, t);
          types.set(name, { dtype: t.dtype, shape: t.shape });
        }
      });
      if (node.outputs.every((n, i) => n === '' || folded[i])) continue;
    }
    kept.push(node);
  }
  const outputs = graph.outputs.map((o) => ({ name: o.name, type: types.get(o.name) ?? o.type }));
  const valueTypes = new Map<string, TensorType>();
  for (const node of kept)
    for (const name of node.outputs)
      if (name !== '' && types.has(name)) valueTypes.set(name, types.get(name)!);
  // constants that folding made dead (shape arithmetic inputs) leave with the nodes that read them
  const live = new Set(outputs.map((o) => o.name));
  for (const node of kept) for (const name of valuesRead(node)) live.add(name);
  const initializers = new Map([...constants].filter(([name]) => live.has(name)));
  return { ...graph, nodes: kept, outputs, initializers, valueTypes };
}

export interface NodeInference {
  readonly types: readonly (TensorType | undefined)[];
  /** The outputs' values when the node folds (all its inputs known, small enough). */
  readonly folded: readonly (Tensor | undefined)[] | undefined;
}

/**
 * One node's output types, and its output values when every input is a compile-time constant and
 * `maxFold` allows folding (inferShapes walks a graph with it; frontends infer node by node as they
 * build).
 */
export function inferNode(
  node: Node,
  typeOfInput: (name: string) => TensorType,
  constantOf: (name: string) => Tensor | undefined,
  maxFold: number | undefined,
): NodeInference {
  const def = opOf(node);
  const inputTypes = node.inputs.map((name) => (name === '' ? undefined : typeOfInput(name)));
  const inputConsts = node.inputs.map((name) => (name === '' ? undefined : constantOf(name)));
  const attrs = attrsOf(node, def);
  const types = withNodeErrors(node, () =>
    def.infer({ inputs: inputTypes, constants: inputConsts, attrs, outputCount: node.outputs.length }),
  );
  const folded =
    maxFold === undefined ? undefined : tryFold(node, def, inputTypes, inputConsts, types, maxFold);
  return { types, folded };
}

function typeOfValue(
  name: string,
  types: Map<string, TensorType>,
  graph: Graph,
  node: Node,
  outer: OuterScope | undefined,
): TensorType {
  const t = types.get(name) ?? typeOf(graph, name) ?? outer?.type(name);
  if (!t) {
    throw new NccError('NCC_INVALID_GRAPH', `input '${name}' is not produced by any earlier node`, {
      node: node.name,
      op: node.op,
      value: name,
      hint: 'the graph is not topologically sorted or refers to a missing value',
    });
  }
  return t;
}

function tryFold(
  node: Node,
  def: AnyOpDef,
  inputTypes: readonly (TensorType | undefined)[],
  inputConsts: readonly (Tensor | undefined)[],
  outTypes: readonly TensorType[],
  maxFold: number,
): Tensor[] | undefined {
  if (def.foldable === false) return undefined;
  const shapeOnly = new Set(def.shapeOnlyInputs ?? []);
  const args: (Tensor | undefined)[] = [];
  for (let i = 0; i < node.inputs.length; i++) {
    if (node.inputs[i] === '') {
      args.push(undefined);
      continue;
    }
    const c = inputConsts[i];
    if (c) args.push(c);
    else if (shapeOnly.has(i) && inputTypes[i] && isStaticShape(inputTypes[i]!.shape)) {
      args.push(tensor(inputTypes[i]!.dtype, inputTypes[i]!.shape as number[]));
    } else return undefined;
  }
  // a predictable size keeps folding from materializing huge tensors (Expand to [1,512,1024,1024])
  for (const t of outTypes) if (t && isStaticShape(t.shape) && sizeOf(t.shape) > maxFold) return undefined;
  const attrs = attrsOf(node, def);
  const out = withNodeErrors(node, () => def.reference(args, attrs, node.outputs.length));
  return out.every((t) => t.data.length <= maxFold) ? out : undefined;
}
