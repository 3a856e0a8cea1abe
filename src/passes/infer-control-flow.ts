/**
 * Shape inference through If and Loop: each branch or body is inferred as a graph of its own with
 * the enclosing graph's types and constants in scope (a Loop body with its iteration number,
 * condition and the loop-carried values' types as inputs). The node's outputs take the subgraphs'
 * output types, a dim that differs between the branches (or changes across iterations) becoming a
 * symbol; the node keeps the inferred subgraphs, so later passes see their types.
 */
import type { Graph, Node } from '../ir/graph.js';
import { freshDim, type Dim, type TensorType } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { inferShapes, type InferOptions, type OuterScope } from './infer-shapes.js';

export function inferControlFlow(
  node: Node,
  scope: OuterScope,
  options: InferOptions,
): { node: Node; types: TensorType[] } | undefined {
  if (node.domain !== '' || (node.op !== 'If' && node.op !== 'Loop' && node.op !== 'Scan')) return undefined;
  const sub = (g: Graph, inputs?: readonly TensorType[]): Graph =>
    inferShapes(
      inputs ? { ...g, inputs: g.inputs.map((v, i) => ({ name: v.name, type: inputs[i] ?? v.type })) } : g,
      { ...options, outer: scope },
    );
  if (node.op === 'If') {
    const then = graphAttr(node, 'then_branch');
    const otherwise = graphAttr(node, 'else_branch');
    if (!then || !otherwise) return undefined;
    // a branch whose inference fails may be one these inputs never take: its outputs stay unknown
    const tryInfer = (g: Graph): Graph => {
      try {
        return sub(g);
      } catch {
        return g;
      }
    };
    const [t, e] = [tryInfer(then), tryInfer(otherwise)];
    return {
      node: withGraphs(node, { then_branch: t, else_branch: e }),
      types: node.outputs.map((_, i) => merge(t.outputs[i]?.type, e.outputs[i]?.type)),
    };
  }
  const body = graphAttr(node, 'body');
  if (!body) return undefined;
  if (node.op === 'Scan') return inferScan(node, body, scope, sub);
  const carried = node.inputs
    .slice(2)
    .map((n): TensorType => scope.type(n) ?? { dtype: 'float32', shape: undefined });
  let loopTypes = carried;
  let inferred = body;
  // a carried value whose shape an iteration changes gets symbolic dims; then infer once more
  for (let round = 0; round < 2; round++) {
    inferred = sub(body, [{ dtype: 'int64', shape: [] }, { dtype: 'bool', shape: [] }, ...loopTypes]);
    const next = loopTypes.map((t, i) => merge(t, inferred.outputs[i + 1]?.type));
    if (next.every((t, i) => same(t, loopTypes[i]!))) break;
    loopTypes = next;
  }
  const scans = inferred.outputs.slice(1 + carried.length).map((o): TensorType => ({
    dtype: o.type.dtype,
    shape: o.type.shape ? [freshDim('iterations'), ...o.type.shape] : undefined,
  }));
  return {
    node: withGraphs(node, { body: inferred }),
    types: [...loopTypes, ...scans].slice(0, node.outputs.length),
  };
}

/**
 * The nodes of an If's taken branch, when its condition is a constant (a rank or size test after
 * pinning), each output bound by an Identity; undefined when the branch is not known.
 */
export function inlineDecidedIf(
  node: Node,
  scope: OuterScope,
): { nodes: Node[]; initializers: ReadonlyMap<string, Tensor> } | undefined {
  if (node.domain !== '' || node.op !== 'If') return undefined;
  const cond = scope.constant(node.inputs[0] ?? '');
  if (!cond || cond.data.length !== 1) return undefined;
  const branch = graphAttr(node, Number(cond.data[0]) !== 0 ? 'then_branch' : 'else_branch');
  if (!branch || branch.inputs.length) return undefined;
  const binds = node.outputs.map((out, i): Node => ({
    name: `${node.name}/out${i}`,
    op: 'Identity',
    domain: '',
    inputs: [branch.outputs[i]!.name],
    outputs: [out],
    attrs: {},
  }));
  return { nodes: [...branch.nodes, ...binds], initializers: branch.initializers };
}

/** Scan: states keep their types; each scan output stacks the body's slices along its axis. */
function inferScan(
  node: Node,
  body: Graph,
  scope: OuterScope,
  sub: (g: Graph, inputs?: readonly TensorType[]) => Graph,
): { node: Node; types: TensorType[] } {
  const ints = (name: string): readonly number[] => {
    const a = node.attrs[name];
    return a?.kind === 'ints' ? a.value : [];
  };
  const m = node.attrs.num_scan_inputs?.kind === 'int' ? node.attrs.num_scan_inputs.value : 0;
  const types = node.inputs.map((v): TensorType => scope.type(v) ?? { dtype: 'float32', shape: undefined });
  const n = types.length - m;
  let length: Dim | undefined;
  const slices = types.slice(n).map((t, j): TensorType => {
    if (!t.shape) return { dtype: t.dtype, shape: undefined };
    const a = ints('scan_input_axes')[j] ?? 0;
    const axis = a < 0 ? a + t.shape.length : a;
    length ??= t.shape[axis];
    return { dtype: t.dtype, shape: t.shape.filter((_, i) => i !== axis) };
  });
  const inferred = sub(body, [...types.slice(0, n), ...slices]);
  const outs = inferred.outputs.slice(n).map((o, j): TensorType => {
    if (!o.type.shape) return { dtype: o.type.dtype, shape: undefined };
    const a = ints('scan_output_axes')[j] ?? 0;
    const shape = [...o.type.shape];
    shape.splice(a < 0 ? a + shape.length + 1 : a, 0, length ?? freshDim('steps'));
    return { dtype: o.type.dtype, shape };
  });
  const states = types.slice(0, n).map((t, i) => merge(t, inferred.outputs[i]?.type));
  return { node: withGraphs(node, { body: inferred }), types: [...states, ...outs] };
}

function graphAttr(node: Node, name: string): Graph | undefined {
  const a = node.attrs[name];
  return a?.kind === 'graph' ? a.value : undefined;
}

function withGraphs(node: Node, graphs: Record<string, Graph>): Node {
  const attrs = { ...node.attrs };
  for (const [k, g] of Object.entries(graphs)) attrs[k] = { kind: 'graph', value: g };
  return { ...node, attrs };
}

/** One type for values from either of two places: dims that differ become symbols. */
function merge(a: TensorType | undefined, b: TensorType | undefined): TensorType {
  if (!a || !b) return a ?? b ?? { dtype: 'float32', shape: undefined };
  if (!a.shape || !b.shape || a.shape.length !== b.shape.length) return { dtype: a.dtype, shape: undefined };
  return { dtype: a.dtype, shape: a.shape.map((d, i): Dim => (d === b.shape![i] ? d : freshDim('varying'))) };
}

function same(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && JSON.stringify(a.shape) === JSON.stringify(b.shape);
}
